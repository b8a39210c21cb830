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
import pandas as pd
from scipy.stats import spearmanr

from .. import emergence as em
from .. import null_models
from ..emergence import DEFAULT_THRESHOLD, emergence_score, relative_score
from .checking import CheckPassed, SelfCheckError, as_number, as_numbers, check_name, diagnose, verdict

__all__ = ["CHECKS", "check_vision_half", "check_vision_make_emergent", "check_vision_remove_emergence",
           "check_vision_read_rules", "check_vision_stretch"]

K_EXERCISE = 5  # tuple size used by ex-vision-half
MIN_RATIO = 3.0  # ex-vision-make-emergent: Reconstruction_c must score this many times the MSE curve
MIN_RISE = 0.5  # ... and rise by at least this much (an ability the largest models mostly have)
MIN_FOLLOW = 0.7  # ex-vision-remove-emergence: |rank correlation| of the graded curve with the mean error, at least
NULL_TASKS = 20_000  # ex-vision-stretch: near-floor null curves the check simulates (a student's 2,000 lie within 0.03)
NULL_ATOL = 0.03  # ... absolute tolerance on that flag rate


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
                    f"rises >= {MIN_RISE:g} and scores >= {MIN_RATIO:g}x the MSE curve")


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
                    f"a graded metric with R under {threshold:g}; the cut was flagged")


def _threshold_counts() -> tuple[int, int, int]:
    """(flagged, late-rising, removed by the early-jump rule) over the stored thresholds of the committed
    autoencoder sweep, from the audit of chapter 8."""
    from ..vision import sweep, tables

    audit = tables.threshold_audit(sweep.load_results("autoencoder")[0])
    return int(audit["emergent"].sum()), int(audit["late_rising"].sum()), int((audit["verdict"] == "early jump").sum())


def check_vision_read_rules(n_flagged: float, n_late: float) -> CheckPassed:
    """ex-vision-read-rules: how many stored thresholds of the committed autoencoder sweep are flagged,
    and how many of those are late rises after chapter 6's rules.

    Used in chapter 8, section 'Exercises'.
    """
    got_flagged, got_late = as_number("n_flagged", n_flagged), as_number("n_late", n_late)
    flagged, late, early = _threshold_counts()
    from ..vision import sweep

    stored = int(sweep.load_results("autoencoder")[0].query("metric == 'reconstruction_c'")["c"].nunique())
    problems = [
        diagnose("n_flagged", got_flagged, flagged, atol=0.5, known=[
            (stored, "that counts every stored threshold; count those with R at or above the threshold"),
            (late, "that is the number left after the rules; count the flags before them")]),
        diagnose("n_late", got_late, late, atol=0.5, known=[
            (flagged, "that is every flag; apply the rules (a flag whose largest step comes early does not count)"),
            (early, "that is the number the rules remove, not the number left"),
            (late - 1, "count each curve once: the curve that fails two rules is removed only once")]),
    ]
    return verdict("ex-vision-read-rules", problems, "both counts right")


def _relative(name: str, value) -> float:
    """A relative score: a finite number or +-inf (Eq. 1 can be infinite), else ValueError."""
    if isinstance(value, (float, np.floating)) and math.isinf(value):
        return float(value)
    return as_number(name, value)


def check_vision_stretch(values: Sequence[float], params: Sequence[float], relative: float, n_items: int,
                         floor_rate: float) -> CheckPassed:
    """ex-vision-stretch: a share-valued metric of the student's own design, one value per model (smallest
    first), that chapter 6's audit flags as a late rise (R >= threshold, jump_at >= 0.5, rise >= 0.1);
    ``relative`` is its R, and ``floor_rate`` the near-floor null's flag rate at the same number of sizes
    and ``n_items`` test items.

    Used in chapter 8, section 'Exercises'.
    """
    params = np.asarray(params, dtype=float)
    if params.ndim != 1 or params.size < 4 or not np.isfinite(params).all() or (params <= 0).any():
        raise ValueError("params must be the positive sizes of at least 4 models")
    if (np.diff(params) <= 0).any():
        raise ValueError("params must be sorted from the smallest model to the largest, without repeats")
    got = as_numbers("values", values, params.size)
    r_got = _relative("relative", relative)
    if isinstance(n_items, bool) or not float(n_items).is_integer() or n_items < 1:
        raise ValueError(f"n_items must be a whole number of test items >= 1; got {n_items!r}")
    rate_got = as_number("floor_rate", floor_rate)
    if (got < 0).any() or (got > 1).any():
        raise SelfCheckError("ex-vision-stretch: values: design a share-valued metric (every value between 0 "
                             "and 1), so that the minimum-rise rule and the near-floor null apply to it")
    scores = em.audit(pd.DataFrame(dict(task="stretch", params=params, metric="mine", value=got)))
    row = scores.iloc[0]
    problems: list[str | None] = []
    if not row["emergent"]:
        problems.append("values: the curve is not flagged (R below the threshold): your metric has not "
                        "manufactured emergence yet; make the change happen in fewer steps")
    elif not row["late"]:
        problems.append("values: the curve is flagged, but its largest step comes in the first half of the "
                        "family, so the late-jump rule removes it; move the rise to larger models")
    elif row["small_rise"]:
        problems.append(f"values: the curve rises by less than {em.MIN_RISE:g}, so the minimum-rise rule removes "
                        "it; an ability that appears should go from rarely to mostly")
    r_want = float(row["relative"])
    if math.isinf(r_want) or math.isinf(r_got):
        if r_got != r_want:
            problems.append("relative: Eq. 1 of this curve is " + ("infinite (more than half of its steps are "
                            "exactly 0); compute it rather than estimating" if math.isinf(r_want) else
                            "finite; divide the oriented score by n - 1"))
    else:
        problems.append(diagnose("relative", r_got, r_want, rtol=0.02, atol=0.02, known=[
            (r_want * (params.size - 1), "that is the emergence score itself; divide it by n - 1")]))
    start, stop = null_models.NULLS["near floor"]
    rate_want = null_models.null_flag_rate(params.size, int(n_items), num_tasks=NULL_TASKS, start=start, stop=stop, seed=4321)
    mid = null_models.null_flag_rate(params.size, int(n_items), num_tasks=NULL_TASKS, seed=4321)
    known = []
    if abs(mid - rate_want) > 2 * NULL_ATOL:
        known.append((mid, "that is the mid-range null (0.3 to 0.5); use the near-floor one, "
                           "null_models.NULLS['near floor']"))
    if rate_got > 1 and abs(rate_got / 100 - rate_want) <= NULL_ATOL:
        problems.append("floor_rate: give a share between 0 and 1, not a percentage")
    else:
        problems.append(diagnose("floor_rate", rate_got, rate_want, atol=NULL_ATOL, known=known))
    return verdict("ex-vision-stretch", problems,
                   "a late rise past the rules; R and chance rate right")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-vision-half", "ex-vision-make-emergent", "ex-vision-remove-emergence", "ex-vision-read-rules",
                  "ex-vision-stretch")
}
