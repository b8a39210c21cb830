"""Self-checks for the exercises of chapter 8 (manufacturing emergence), in the style of ``coursework``.

Each ``check_<exercise>(...)`` computes what it needs itself (closed forms, the committed classifier
sweep, or the error arrays the chapter passes in), returns a "✓" ``CheckPassed`` message when the answer
is right, and otherwise raises ``SelfCheckError`` saying what is wrong without printing the answer.
Bad input raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from .coursework import CheckPassed, SelfCheckError, _diagnose, _real, _reals, _verdict, check_name
from .emergence import emergence_score

__all__ = ["SelfCheckError", "CheckPassed", "CHECKS", "check_vision_half", "check_vision_make_emergent",
           "check_vision_remove_emergence", "root_curve"]

K_EXERCISE = 5  # tuple size used by ex-vision-half and ex-vision-remove-emergence
MIN_RATIO = 3.0  # ex-vision-make-emergent: Reconstruction_c must score this many times the MSE curve
MIN_RISE = 0.5  # ... and rise by at least this much (an ability the largest models mostly have)


def check_vision_half(a_half: float, slope: float) -> CheckPassed:
    """ex-vision-half: for K = 5, the accuracy a at which a**K = 1/2, and d(a**K)/da there."""
    a_got, s_got = _real("a_half", a_half), _real("slope", slope)
    K = K_EXERCISE
    a_want = 0.5 ** (1 / K)
    s_want = K * a_want ** (K - 1)
    if not 0 < a_got < 1:
        a_problem = "a_half: an accuracy lies strictly between 0 and 1"
    else:
        a_problem = _diagnose("a_half", a_got, a_want, rtol=1e-3, known=[
            (0.5 / K, "a**K is a power, not a product: solve a**K = 1/2 for a"),
            (0.5, "that makes one item right half the time; subset accuracy needs all K right"),
            (0.5**K, "that is the subset accuracy at a = 1/2, not the a at which it is 1/2")])
    problems = [a_problem, _diagnose("slope", s_got, s_want, rtol=1e-3, known=[
        (a_want ** (K - 1), "you dropped the factor K of the power rule"),
        ((K - 1) * a_want ** (K - 2), "differentiate a**K, not a**(K-1)"),
        (0.5 * math.log(0.5), "that is the derivative with respect to K, not a")])]
    return _verdict("ex-vision-half", problems, "a and the slope within 0.1 %")


def _curve(params: np.ndarray, errors: Sequence[np.ndarray], c: float) -> np.ndarray:
    return np.array([float(np.mean(np.asarray(e) < c)) for e in errors])


def check_vision_make_emergent(c: float, params: Sequence[float], errors_by_model: Sequence) -> CheckPassed:
    """ex-vision-make-emergent: a threshold c whose Reconstruction_c curve (over the given models' per-image
    squared errors) rises by at least 0.5 and scores at least 3 times the emergence score of the MSE's fall."""
    c_got = _real("c", c)
    if c_got <= 0:
        raise ValueError(f"c must be a positive threshold on the squared error; got {c!r}")
    params = np.asarray(params, dtype=float)
    if params.ndim != 1 or params.size < 3 or len(errors_by_model) != params.size:
        raise ValueError("params and errors_by_model must give one error array for each of at least 3 models")
    errors = [np.asarray(e, dtype=float) for e in errors_by_model]
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
    return _verdict("ex-vision-make-emergent", problems,
                    f"Reconstruction_c rises by at least {MIN_RISE} and scores at least {MIN_RATIO:g}x the MSE curve")


def _classifier_table(table: pd.DataFrame | None) -> pd.DataFrame:
    if table is None:
        from .vision import sweep  # imports torch: only when a check needs it

        table, _ = sweep.load_results("classifier")
    if not isinstance(table, pd.DataFrame) or not {"params", "metric", "K", "value"} <= set(table.columns):
        raise ValueError("table must be the classifier sweep table with columns params, metric, K, value")
    return table


def root_curve(table: pd.DataFrame, K: int = K_EXERCISE) -> np.ndarray:
    """(mean over seeds of subset accuracy at K) ** (1/K), one value per model size, smallest first."""
    rows = table[(table["metric"] == "subset_accuracy") & (table["K"] == K)]
    return rows.groupby("params")["value"].mean().sort_index().to_numpy() ** (1 / K)


def check_vision_remove_emergence(values: Sequence[float], score: float,
                                  table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-vision-remove-emergence: the K-th root (K = 5) of the seed-mean subset accuracy for every size of the
    committed classifier sweep (smallest first), and the emergence score of that curve."""
    table = _classifier_table(table)
    sizes = sorted(table["params"].unique())
    got = _reals("values", values, len(sizes))
    s_got = _real("score", score)
    want = root_curve(table)
    subset = want ** K_EXERCISE
    acc = table[table["metric"] == "accuracy"].groupby("params")["value"].mean().sort_index().to_numpy()
    problems = []
    if np.allclose(got, subset, atol=0.005):
        problems.append("values: that is subset accuracy itself; take its K-th root")
    elif np.allclose(got, subset ** K_EXERCISE, atol=0.005):
        problems.append("values: raise to the power 1/K, not K")
    elif np.allclose(got, want[::-1], atol=0.01):
        problems.append("values: order them from the smallest model to the largest")
    elif not np.allclose(got, want, atol=0.01):
        problems.append("values: not the K-th root of the seed-mean subset accuracy at K = 5 for every size "
                        "(tolerance 0.01 each)")
    s_want = emergence_score(np.asarray(sizes, dtype=float), want)
    problems.append(_diagnose("score", s_got, s_want, rtol=0.02, known=[
        (emergence_score(np.asarray(sizes, dtype=float), subset), "that is the score of subset accuracy itself"),
        (emergence_score(np.asarray(sizes, dtype=float), acc), "that is the score of the accuracy curve; "
         "score the root curve you computed")]))
    return _verdict("ex-vision-remove-emergence", problems, "root curve within 0.01, score within 2 %")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-vision-half", "ex-vision-make-emergent", "ex-vision-remove-emergence")
}
