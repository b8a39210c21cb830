"""Self-checks for the exercises of chapter 10 (the mirage on real models).

Each ``check_<exercise>(...)`` computes the expected value itself from the published extracts,
returns a "✓" ``CheckPassed`` message when the answer is right, and otherwise raises
``SelfCheckError`` saying what is wrong without printing the answer. Bad input raises ``ValueError``
naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import emergence as em
from .. import resolution as res
from .checking import CheckPassed, SelfCheckError, as_number, check_name, diagnose, verdict

__all__ = [
    "CHECKS",
    "check_pub_predict_brier",
    "check_pub_zeros",
    "check_pub_groups",
    "check_pub_stretch",
]


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    from .. import published

    return published.load()


@lru_cache(maxsize=1)
def _flops_points() -> pd.DataFrame:
    from ..published import curves as cv

    return cv.points(_table(), "flops")


def _pooled_r(task: str, metric: str, per_decade: int = 2) -> float:
    """Oriented relative score of the pooled (binned-median) FLOPs curve of a u-shaped task."""
    from ..published import curves as cv

    b = cv.binned(cv.curve(_flops_points(), source="u-shaped", task=task, metric=metric), per_decade=per_decade)
    sign = 1.0 if metric == "acc" else -1.0
    return sign * em.emergence_score(b["scale"], b["value"]) / (len(b) - 1)


def check_pub_predict_brier(r_acc: float, r_brier: float) -> CheckPassed:
    """ex-pub-predict-brier: relative scores R of the pooled accuracy and Brier curves of analogical similarity
    (median of all u-shaped models per half-decade of training FLOPs, improvement positive).

    Used in chapter 10, section 'Exercises'.
    """
    got_acc, got_brier = as_number("r_acc", r_acc), as_number("r_brier", r_brier)
    task = "analogical_similarity"
    want_acc, want_brier = _pooled_r(task, "acc"), _pooled_r(task, "brier")
    steps = _n_bins(task) - 1
    problems = [
        diagnose("r_acc", got_acc, want_acc, atol=0.01, known=[
            (want_brier, "that is the Brier curve's score (swapped?)"),
            (_pooled_r(task, "acc", 1), "use two bins per decade (per_decade=2), as in the text"),
            (want_acc * steps / (steps + 1), "divide by the number of bins minus one, not the number of bins"),
            (want_acc * steps, "that is Eq. 1 itself; divide it by the number of bins minus one")]),
        diagnose("r_brier", got_brier, want_brier, atol=0.01, known=[
            (want_acc, "that is the accuracy curve's score (swapped?)"),
            (-want_brier, "the Brier score is lower-is-better: flip its sign so that improvement is positive"),
            (_pooled_r(task, "brier", 1), "use two bins per decade (per_decade=2), as in the text"),
            (want_brier * steps / (steps + 1), "divide by the number of bins minus one, not the number of bins"),
            (want_brier * steps, "that is Eq. 1 itself; divide it by the number of bins minus one")]),
    ]
    return verdict("ex-pub-predict-brier", problems, "both relative scores within 0.01")


def _n_bins(task: str) -> int:
    from ..published import curves as cv

    return len(cv.binned(cv.curve(_flops_points(), source="u-shaped", task=task, metric="acc"), per_decade=2))


def check_pub_zeros(upper_32: float, n_needed: float) -> CheckPassed:
    """ex-pub-zeros: (a) upper end of the two-sided exact 95 % interval for 0 of 32; (b) the fewest items for
    which 0 of n has an upper end below 1/32.

    Used in chapter 10, section 'Exercises'.
    """
    got_upper, got_n = as_number("upper_32", upper_32), as_number("n_needed", n_needed)
    want_upper = res.binomial_ci(0, 32)[1]
    want_n = 1
    while res.binomial_ci(0, want_n)[1] >= 1 / 32:
        want_n += 1
    one_sided = math.ceil(math.log(0.05) / math.log(1 - 1 / 32))
    problems = [
        diagnose("(a) upper end", got_upper, want_upper, rtol=0.005, known=[
            (3 / 32, "that is the rule of three, a one-sided approximation; compute the exact two-sided interval"),
            (res.detection_limit(32), "that is one-sided (95 % in one tail); the two-sided interval leaves 2.5 % "
                                      "in each tail"),
            (1 / 32, "that is the smallest nonzero score, not a confidence bound")]),
    ]
    if got_n != round(got_n):
        problems.append("(b) n: a number of test items is a whole number; round up")
    else:
        problems.append(diagnose("(b) n", got_n, want_n, atol=0.5, known=[
            (want_n - 1, "at that n the upper end is still at or above 1/32; you need the next whole number"),
            (one_sided, "that uses the one-sided 95 % bound; use the two-sided interval of (a)"),
            (96.0, "3 / n < 1/32 is the rule of three; solve the exact condition (1 - 1/32)**n < 0.025")]))
    return verdict("ex-pub-zeros", problems, "the upper end within 0.5 % and the item count exact")


@lru_cache(maxsize=1)
def _group_changes() -> dict[int, float]:
    """Change of the binned median Brier score of the easiest and hardest MMLU groups (3 groups) between the
    first half-decade bin and the last one below 1e23 FLOPs."""
    from ..published import curves as cv

    t = _table()
    rows = t[(t["source"] == "u-shaped") & (t["task"] == "mmlu") & (t["metric"] == "brier") & (t["n_groups"] == 3)]
    out = {}
    for g in (1, 2, 3):
        part = rows[rows["group"] == g]
        b = cv.binned(pd.DataFrame({"scale": part["flops"].astype(float), "value": part["value"].astype(float)}), 2)
        b = b[b["scale"] < 1e23]
        out[g] = float(b["value"].iloc[-1] - b["value"].iloc[0])
    return out


def check_pub_groups(change_easy: float, change_hard: float) -> CheckPassed:
    """ex-pub-groups: change of the binned median Brier score of MMLU's easiest and hardest third (last bin
    below 1e23 FLOPs minus the first bin).

    Used in chapter 10, section 'Exercises'.
    """
    got_easy, got_hard = as_number("change_easy", change_easy), as_number("change_hard", change_hard)
    want = _group_changes()
    problems = []
    for name, got, g, other in (("change_easy", got_easy, 1, 3), ("change_hard", got_hard, 3, 1)):
        problems.append(diagnose(name, got, want[g], atol=0.005, known=[
            (want[other], "that is the other group's change (group 1 is the easiest, group 3 the hardest)"),
            (-want[g], "last bin minus first bin, please: the sign says whether the group got worse or better"),
            (want[2], "that is the middle group")]))
    if got_easy * want[1] < 0 and got_hard * want[3] < 0 and not any(problems):
        problems.append("the signs are reversed")  # pragma: no cover - covered by the -want entries above
    return verdict("ex-pub-groups", problems, "both changes within 0.005")


@lru_cache(maxsize=4)
def _stretch_counts(base_only: bool = True, subjects: bool = True) -> tuple[int, int]:
    from ..published import curves as cv

    pts = cv.points(_table(), "params")
    pts = pts[(pts["source"] == "sloth") & pts["task"].str.contains("MATH|math_" if subjects else "MATH")]
    if base_only:
        pts = pts[pts["instruct"] == "base"]
    scores, _ = cv.audit(pts)
    return len(scores), int(scores["emergent"].sum())


def check_pub_stretch(n_scored: float, n_flagged: float) -> CheckPassed:
    """ex-pub-stretch: number of within-family MATH level 5 curves of Sloth's base models (parameter axis) that
    Eq. 1 can score, and how many of them are flagged at the default threshold.

    Used in chapter 10, section 'Exercises'.
    """
    got_scored, got_flagged = as_number("n_scored", n_scored), as_number("n_flagged", n_flagged)
    want_scored, want_flagged = _stretch_counts()
    if got_flagged > got_scored:
        raise SelfCheckError("ex-pub-stretch: more flagged curves than scored ones is impossible (swapped?)")
    problems = [
        diagnose("n_scored", got_scored, want_scored, atol=0.5, known=[
            (float(_stretch_counts(False, True)[0]), "that counts instruction-tuned models too; keep base models"),
            (float(_stretch_counts(True, False)[0]), "that is MATH Lvl 5 alone; add the seven math_*_hard subjects")]),
        diagnose("n_flagged", got_flagged, want_flagged, atol=0.5),
    ]
    return verdict("ex-pub-stretch", problems, "both counts right")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-pub-predict-brier", "ex-pub-zeros", "ex-pub-groups", "ex-pub-stretch")
}
