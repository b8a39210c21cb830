"""Self-checks for the exercises of chapter 4 (resolution: finite test sets).

Each ``check_<exercise>(...)`` computes the expected value itself from ``helpers.resolution`` and the
toy model, and answers as ``helpers.coursework.checking`` describes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from .. import resolution as res
from .. import toy_model as tm
from .checking import CHAPTER_MODEL, CheckPassed, as_number, close, check_name, diagnose, verdict

__all__ = ["CHECKS", "check_res_items_needed", "check_res_predict_zero", "check_res_four_sizes"]


def check_res_items_needed(n_onset: float, n_detect: float) -> CheckPassed:
    """ex-res-items-needed: (a) items that put the onset at N = 1e8 (L = 5); (b) items for a 95 % chance
    that a 1e8 model scores above zero.

    Used in chapter 4, section 'Exercises'.
    """
    a_got, b_got = as_number("n_onset", n_onset), as_number("n_detect", n_detect)
    L, N = 5, 1e8
    em = float(tm.exact_match(N, L, CHAPTER_MODEL))
    a_want = 1 / em
    b_want = float(math.ceil(math.log(0.05) / math.log1p(-em)))  # the smallest n with P(k > 0) >= 0.95
    if not res.detection_limit(int(b_want)) <= em:
        raise RuntimeError("internal: detection limit and item count disagree")  # pragma: no cover
    problems = [
        diagnose("(a) n", a_got, a_want, rtol=0.01, known=[
            (b_want, "that is the answer to (b); the onset is where EM = 1/n"),
            (1 / float(tm.token_prob(N, CHAPTER_MODEL)), "that uses the per-token probability; use exact match")]),
        diagnose("(b) n", b_got, b_want, rtol=0.01, known=[
            (a_want, "that gives one expected success, not a 95 % chance of at least one"),
            (0.95 / em, "0.95/EM is not the condition; solve 1 - (1 - EM)**n = 0.95 for n")]),
    ]
    return verdict("ex-res-items-needed", problems, "both item counts within 1 %")


def check_res_predict_zero(p_zero: float, ci_upper: float) -> CheckPassed:
    """ex-res-predict-zero: (a) P(score 0) for EM = 0.5 % on 200 items; (b) upper end of the two-sided
    95 % interval for 0 of 200.

    Used in chapter 4, section 'Exercises'.
    """
    a_got, b_got = as_number("p_zero", p_zero), as_number("ci_upper", ci_upper)
    em, n = 0.005, 200
    a_want = float(res.prob_observe_zero(em, n))
    b_want = res.binomial_ci(0, n)[1]
    problems = [
        diagnose("(a) P(0)", a_got, a_want, rtol=0.02, known=[
            (1 - a_want, "that is the probability of scoring above zero"),
            (1 - em * n, "1 - n*EM is only a first-order approximation; use (1 - EM)**n")]),
        diagnose("(b) upper end", b_got, b_want, rtol=0.03, known=[
            (res.detection_limit(n), "that is one-sided (the rule of three); a two-sided 95 % interval "
                                     "leaves 2.5 % in each tail"),
            (3 / n, "that is the rule of three, a one-sided bound; a two-sided 95 % interval leaves 2.5 % "
                    "in each tail"),
            (1 / n, "that is the smallest nonzero score, not a confidence bound"),
            (em, "that is the true rate; the question asks what you would report after seeing 0 of 200")]),
    ]
    if a_got < 0 or a_got > 1:
        problems[0] = "(a) P(0) is a probability, so it must lie in [0, 1]"
    return verdict("ex-res-predict-zero", problems, "P(0) within 2 %, the upper end within 3 %")


@lru_cache(maxsize=1)
def _four_size_counts() -> tuple[np.ndarray, np.ndarray]:
    """Chapter 4's four-size evaluation (n = 100, L = 5, seed 0): the scales and the items right at each."""
    grid = res.family_scales(4)  # the four sizes of the chapter
    scores = res.simulate_evaluations(tm.exact_match(grid, 5, CHAPTER_MODEL), 100, seed=0)[0]
    return grid, np.rint(scores * 100).astype(int)


def check_res_four_sizes(intervals: Sequence[Sequence[float]]) -> CheckPassed:
    """ex-res-four-sizes: the 95 % Clopper-Pearson interval (low, high) of each of the four measured scores.

    Used in chapter 4, section 'Exercises'.
    """
    try:
        arr = np.asarray(intervals, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"intervals must be four (low, high) pairs; got {intervals!r}") from None
    if arr.shape != (4, 2) or not np.isfinite(arr).all():
        raise ValueError(f"intervals must be four (low, high) pairs of finite numbers; got shape {arr.shape}")
    n = 100
    grid, counts = _four_size_counts()
    problems = []
    for (lo, hi), N, k in zip(arr, grid, counts):
        where = f"N = {N:.1e}"
        if lo > hi:
            problems.append(f"{where}: low end above high end (swapped?)")
            continue
        want_lo, want_hi = res.binomial_ci(int(k), n)
        phat = k / n
        wald = 1.96 * math.sqrt(phat * (1 - phat) / n)
        if k > 0 and close(lo, max(phat - wald, 0), 0, 1e-3) and close(hi, phat + wald, 0, 1e-3):
            problems.append(f"{where}: that is the normal (Wald) approximation; use the exact interval")
            continue
        problems.append(diagnose(f"{where}, low end", lo, want_lo, atol=1e-3))
        problems.append(diagnose(f"{where}, high end", hi, want_hi, atol=1e-3, known=[
            (res.detection_limit(n), "that is one-sided (rule of three); the two-sided interval leaves 2.5 % "
                                     "in each tail") if k == 0 else (math.nan, ""),
            (3 / n, "that is the rule of three, a one-sided bound") if k == 0 else (math.nan, "")]))
    return verdict("ex-res-four-sizes", problems, "all four intervals within 0.001")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-res-items-needed", "ex-res-predict-zero", "ex-res-four-sizes")
}
