"""Self-checks for the exercises of chapter 8 (manufacturing emergence).

Each ``check_<exercise>(...)`` computes what it needs itself (closed forms or the error arrays the
chapter passes in), returns a "✓" ``CheckPassed`` message when the answer
is right, and otherwise raises ``SelfCheckError`` saying what is wrong without printing the answer.
Bad input raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import spearmanr

from ..emergence import DEFAULT_THRESHOLD, emergence_score, relative_score
from .checking import CheckPassed, SelfCheckError, as_number, as_numbers, check_name, diagnose, verdict

__all__ = ["CHECKS", "check_vision_half", "check_vision_make_emergent", "check_vision_remove_emergence"]

K_EXERCISE = 5  # tuple size used by ex-vision-half
MIN_RATIO = 3.0  # ex-vision-make-emergent: Reconstruction_c must score this many times the MSE curve
MIN_RISE = 0.5  # ... and rise by at least this much (an ability the largest models mostly have)
MIN_FOLLOW = 0.7  # ex-vision-remove-emergence: |rank correlation| of the graded curve with the mean error, at least


def check_vision_half(a_half: float, slope: float) -> CheckPassed:
    """ex-vision-half: for K = 5, the accuracy a at which a**K = 1/2, and d(a**K)/da there.

    Used in chapter 8, section 'Exercises'.
    """
    a_got, s_got = as_number("a_half", a_half), as_number("slope", slope)
    K = K_EXERCISE
    a_want = 0.5 ** (1 / K)
    s_want = K * a_want ** (K - 1)
    if not 0 < a_got < 1:
        a_problem = "a_half: an accuracy lies strictly between 0 and 1"
    else:
        a_problem = diagnose("a_half", a_got, a_want, rtol=1e-3, known=[
            (0.5 / K, "a**K is a power, not a product: solve a**K = 1/2 for a"),
            (0.5, "that makes one item right half the time; subset accuracy needs all K right"),
            (0.5**K, "that is the subset accuracy at a = 1/2, not the a at which it is 1/2")])
    problems = [a_problem, diagnose("slope", s_got, s_want, rtol=1e-3, known=[
        (a_want ** (K - 1), "you dropped the factor K of the power rule"),
        ((K - 1) * a_want ** (K - 2), "differentiate a**K, not a**(K-1)"),
        (0.5 * math.log(0.5), "that is the derivative with respect to K, not a")])]
    return verdict("ex-vision-half", problems, "a and the slope within 0.1 %")


def _threshold_inputs(c: float, params: Sequence[float],
                      errors_by_model: Sequence) -> tuple[float, np.ndarray, list[np.ndarray]]:
    """Validated (c, params, per-model error arrays) of the Reconstruction_c exercises."""
    c_got = as_number("c", c)
    if c_got <= 0:
        raise ValueError(f"c must be a positive threshold on the squared error; got {c!r}")
    params = np.asarray(params, dtype=float)
    if params.ndim != 1 or params.size < 3 or len(errors_by_model) != params.size:
        raise ValueError("params and errors_by_model must give one error array for each of at least 3 models")
    return c_got, params, [np.asarray(e, dtype=float) for e in errors_by_model]


def _curve(params: np.ndarray, errors: Sequence[np.ndarray], c: float) -> np.ndarray:
    return np.array([float(np.mean(np.asarray(e) < c)) for e in errors])


def check_vision_make_emergent(c: float, params: Sequence[float], errors_by_model: Sequence) -> CheckPassed:
    """ex-vision-make-emergent: a threshold c whose Reconstruction_c curve (over the given models' per-image
    squared errors) rises by at least 0.5 and scores at least 3 times the emergence score of the MSE's fall.

    Used in chapter 8, section 'Exercises'.
    """
    c_got, params, errors = _threshold_inputs(c, params, errors_by_model)
    mse_score = emergence_score(params, [-e.mean() for e in errors])
    curve = _curve(params, errors, c_got)
    rise = float(curve.max() - curve.min())
    score = emergence_score(params, curve)
    problems = []
    if rise < MIN_RISE:
        where = "the largest models rarely get below c: raise c" if curve.max() < MIN_RISE else \
            "even the smallest models mostly get below c: lower c"
        problems.append(f"c: Reconstruction_c rises by less than {MIN_RISE} over the family ({where})")
    elif not score >= MIN_RATIO * mse_score:
        problems.append(f"c: the curve is not sharp enough; its emergence score is under {MIN_RATIO:g} times the "
                        "mean squared error's; try a threshold that only the largest models' errors fall below")
    return verdict("ex-vision-make-emergent", problems,
                    f"Reconstruction_c rises by at least {MIN_RISE} and scores at least {MIN_RATIO:g}x the MSE curve")


def _rank_corr(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation of two curves (0 when either is constant)."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(spearmanr(x, y).statistic)


def _is_a_cut(values: np.ndarray, errors: Sequence[np.ndarray]) -> bool:
    """Whether ``values`` equals Reconstruction_c' (or 1 - it) of the errors for some threshold c'."""
    sorted_errors = [np.sort(e) for e in errors]
    union = np.unique(np.concatenate(sorted_errors))
    cuts = np.concatenate([union, [union[-1] * 2 + 1]])  # every distinct count pattern is hit by one of these
    curves = np.array([np.searchsorted(e, cuts, side="left") / e.size for e in sorted_errors])  # (models, cuts)
    for c_curve in (curves, 1 - curves):
        if np.isclose(c_curve, values[:, None], atol=1e-9).all(axis=0).any():
            return True
    return False


def check_vision_remove_emergence(values: Sequence[float], relative: float, params: Sequence[float],
                                  errors_by_model: Sequence, c: float) -> CheckPassed:
    """ex-vision-remove-emergence: a graded metric of the same per-image errors (one value per model, smallest
    model first) whose relative score R (oriented, over n - 1) is below the chapter 6 threshold, while
    Reconstruction_c at ``c`` looks emergent; ``relative`` is the R the student computed for the curve.

    Used in chapter 8, section 'Exercises'.
    """
    c_got, params, errors = _threshold_inputs(c, params, errors_by_model)
    order = np.argsort(params)
    if (order != np.arange(params.size)).any():
        raise ValueError("params must be sorted from the smallest model to the largest")
    got = as_numbers("values", values, params.size)
    r_got = as_number("relative", relative)
    threshold = DEFAULT_THRESHOLD
    sharp = _curve(params, errors, c_got)
    if not relative_score(params, sharp) >= threshold:
        raise SelfCheckError("ex-vision-remove-emergence: c: Reconstruction_c at this threshold does not look "
                             "emergent to begin with; pass the most emergent threshold the chapter found")
    mse = np.array([e.mean() for e in errors])
    problems: list[str | None] = []
    if np.allclose(got, sharp, atol=1e-9) or np.allclose(got, 1 - sharp, atol=1e-9):
        problems.append("values: that is Reconstruction_c itself (a 0/1 cut per image); give every image partial "
                        "credit instead")
    elif np.ptp(got) == 0:
        problems.append("values: the curve does not change over the family; a graded metric of these errors should "
                        "improve as they fall")
    elif _is_a_cut(got, errors):
        problems.append("values: that is Reconstruction_c at another threshold; a 0/1 cut at a different c is still "
                        "a cut; use a graded metric of the errors")
    else:
        corr = _rank_corr(got, -mse)  # > 0: higher is better; < 0: lower is better (like the errors)
        if abs(corr) < MIN_FOLLOW:
            problems.append("values: the curve does not follow the models' errors; compute it from the errors of "
                            "each model, one value per model, smallest model first")
        else:
            r_want = relative_score(params, got, 1.0 if corr > 0 else -1.0)
            if not r_want < threshold:
                problems.append("values: this curve still looks emergent (its relative score is at or above the "
                                "chapter 6 threshold); choose a metric that credits every image a little for a "
                                "smaller error")
            problems.append(diagnose("relative", r_got, r_want, rtol=0.02, atol=0.02, known=[
                (r_want * (params.size - 1), "that is the emergence score itself; divide it by n - 1, the score of "
                 "a straight line through the same sizes"),
                (-r_want, "orient it: a falling error is an improvement, so flip the sign of a lower-is-better "
                 "metric's score")]))
    return verdict("ex-vision-remove-emergence", problems,
                    f"a graded metric of the same errors with relative score under the threshold {threshold:g}, "
                    "where Reconstruction_c looked emergent")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-vision-half", "ex-vision-make-emergent", "ex-vision-remove-emergence")
}
