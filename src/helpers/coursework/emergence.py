"""Self-checks for the exercises of chapter 6 (meta-analysis of emergence scores).

Each ``check_<exercise>(...)`` computes the expected value itself, returns a "✓" ``CheckPassed``
message when the answer is right, and otherwise raises ``SelfCheckError`` saying what is wrong
without printing the answer. Bad input raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache


from .. import emergence as em
from .. import null_models
from .checking import CheckPassed, as_number, check_name, diagnose, verdict

__all__ = ["CHECKS", "check_emerge_three_sizes", "check_emerge_chance_rate", "check_emerge_metric_share"]

CHANCE_TASKS = 20_000  # null tasks the check simulates; a student's 2,000 lie within about 3 standard errors
CHANCE_ATOL = 0.015  # absolute tolerance on a flag rate (a share between 0 and 1)


def check_emerge_three_sizes(max_score: float, min_score: float) -> CheckPassed:
    """ex-emerge-three-sizes: largest and smallest emergence score of a rising curve with 3 scales, both steps > 0.

    Used in chapter 6, section 'Exercises'.
    """
    got_max, got_min = as_number("max_score", max_score), as_number("min_score", min_score)
    want_max, want_min = 2.0, math.sqrt(2.0)  # (a+b)/sqrt((a^2+b^2)/2): equal steps, and one step -> 0
    problems = [
        diagnose("max_score", got_max, want_max, rtol=1e-6, known=[
            (want_min, "that is the limit when one step shrinks to 0; look for the maximum of the ratio"),
            (1.0, "that is the relative score R; the question asks for Eq. 1 itself")]),
        diagnose("min_score", got_min, want_min, rtol=1e-6, known=[
            (0.0, "both steps are positive, so the score cannot reach 0"),
            (1.0, "set b -> 0 in (a + b) / sqrt((a**2 + b**2) / 2), do not drop the factor 1/2"),
            (want_max, "that is the maximum, at equal steps")]),
    ]
    return verdict("ex-emerge-three-sizes", problems, "both bounds right")


@lru_cache(maxsize=16)
def _rate(n_sizes: int, n_items: int) -> float:
    return null_models.null_flag_rate(n_sizes, n_items, num_tasks=CHANCE_TASKS, seed=12345)


def check_emerge_chance_rate(rate_4: float, rate_5: float, n_items: int = 100) -> CheckPassed:
    """ex-emerge-chance-rate: share of null tasks flagged at the default threshold with 4 and with 5 model sizes.

    Used in chapter 6, section 'Exercises'.
    """
    got4, got5 = as_number("rate_4", rate_4), as_number("rate_5", rate_5)
    if not 1 <= int(n_items) == n_items:
        raise ValueError(f"n_items must be a positive whole number of test items; got {n_items!r}")
    want4, want5 = _rate(4, int(n_items)), _rate(5, int(n_items))
    problems = []
    for name, got, want, other in (("rate_4", got4, want4, want5), ("rate_5", got5, want5, want4)):
        if got > 1 and abs(got / 100 - want) <= CHANCE_ATOL:
            problems.append(f"{name}: give a share between 0 and 1, not a percentage")
            continue
        problems.append(diagnose(name, got, want, atol=CHANCE_ATOL, known=[
            (other, "that is the rate for the other number of sizes (swapped?)"),
            (1 - want, "that is the share NOT flagged")]))
    return verdict("ex-emerge-chance-rate", problems, f"both rates within {CHANCE_ATOL} of a {CHANCE_TASKS:,}-task run")


def check_emerge_metric_share(share_em_mcg: float, early_share_ce: float) -> CheckPassed:
    """ex-emerge-metric-share: share of flagged synthetic curves scored by exact match or multiple-choice
    grade, and share of the flagged cross-entropy curves whose largest improving step is the first one.

    Used in chapter 6, section 'Exercises'.
    """
    got_share, got_early = as_number("share_em_mcg", share_em_mcg), as_number("early_share_ce", early_share_ce)
    scores = null_models.benchmark_scores()
    flagged = scores[scores["emergent"]]
    want_share = float(flagged["metric"].isin(["exact_match", "multiple_choice_grade"]).mean())
    ce = flagged[flagged["metric"] == "cross_entropy"]
    want_early = float((ce["jump_at"] == 0).mean()) if len(ce) else 0.0
    all_em_mcg = scores["metric"].isin(["exact_match", "multiple_choice_grade"])
    problems = [
        diagnose("share_em_mcg", got_share, want_share, atol=0.005, known=[
            (float(flagged["metric"].eq("exact_match").mean()), "count multiple-choice grade too"),
            (float(flagged["metric"].eq("multiple_choice_grade").mean()), "count exact match too"),
            (float(scores.loc[all_em_mcg, "emergent"].mean()),
             "that is the share of EM and MCG curves that are flagged; divide by all flagged curves instead"),
            (100 * want_share, "give a share between 0 and 1, not a percentage")]),
        diagnose("early_share_ce", got_early, want_early, atol=0.005, known=[
            (1 - want_early, "that is the share whose largest step is NOT the first one")]),
    ]
    return verdict("ex-emerge-metric-share", problems, "both shares right")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-emerge-three-sizes", "ex-emerge-chance-rate", "ex-emerge-metric-share")
}
