"""Self-checks for the exercises of chapter 3 (metrics: same outputs, different curves).

Each ``check_<exercise>(...)`` computes the expected value itself from the toy model's sympy forms,
``helpers.simulation`` and ``helpers.metrics``, and answers as ``helpers.coursework.checking`` describes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from scipy import optimize

from .. import metrics
from .. import toy_model as tm
from ..validation import check_int, check_positive_array
from .checking import (CHAPTER_MODEL, CheckPassed, SelfCheckError, as_number, as_numbers, check_name, diagnose,
                       verdict)

__all__ = ["CHECKS", "check_metrics_series", "check_metrics_predict_rho", "check_metrics_levenshtein",
           "check_metrics_mcg_smooth"]


_METRIC_NAMES = {"per token loss": "per-token loss", "token accuracy": "token accuracy", "exact match": "exact match",
                 "edit distance": "edit distance", "brier score": "Brier score"}


def _normalise_metric(name: str) -> str:
    return " ".join(str(name).lower().replace("_", " ").replace("-", " ").split())


@lru_cache(maxsize=1)
def _first_order_terms() -> dict[str, sp.Expr]:
    """Coefficient of eps in each toy metric, from the toy model's own sympy expressions."""
    s = tm.symbolic()
    eps = sp.symbols("epsilon", positive=True)
    loss_of_eps = -sp.log(1 - eps)  # p = exp(-loss) = 1 - eps
    p = s.p.subs(s.loss, loss_of_eps)
    as_error = {
        "per token loss": s.loss.subs(s.loss, loss_of_eps),
        "token accuracy": p,
        "exact match": s.em.subs(s.loss, loss_of_eps),
        "edit distance": s.ted.subs(s.loss, loss_of_eps),
        "brier score": (1 - p) ** 2,
    }
    return {name: sp.simplify(sp.series(f, eps, 0, 2).removeO().coeff(eps, 1)) for name, f in as_error.items()}


def check_metrics_series(first_order: Mapping[str, Any], grow_with_L: Sequence[str]) -> CheckPassed:
    """ex-metrics-series: the first-order (epsilon) coefficient of each metric, as a dict name -> coefficient,
    and the names of the metrics whose first-order term grows with L.

    Used in chapter 3, section 'Exercises'.
    """
    want = _first_order_terms()
    if isinstance(grow_with_L, str) or not isinstance(grow_with_L, (Sequence, set, frozenset)):
        raise ValueError(f"grow_with_L must be a list of metric names; got {grow_with_L!r}")
    growing = {_normalise_metric(name) for name in grow_with_L}
    if growing - set(want):
        raise ValueError(f"grow_with_L has unknown metric names {sorted(growing - set(want))}; "
                         f"expected names among {sorted(want)}")
    if not isinstance(first_order, Mapping):
        raise ValueError(f"first_order must be a dict from metric name to coefficient; got {type(first_order).__name__}")
    got = {_normalise_metric(k): v for k, v in first_order.items()}
    unknown = sorted(set(got) - set(want))
    if unknown:
        raise ValueError(f"first_order has unknown metric names {unknown}; expected {sorted(want)}")
    shown = dict(_METRIC_NAMES) | {_normalise_metric(k): str(k) for k in first_order}  # the student's spelling
    L = tm.symbolic().L
    problems = [f"{shown[name]}: missing" for name in want if name not in got]
    for name, w in want.items():
        if name not in got:
            continue
        try:
            g = sp.sympify(got[name])
        except (sp.SympifyError, TypeError):
            raise ValueError(f"first_order[{shown[name]!r}] must be a number or a sympy expression; "
                             f"got {got[name]!r}") from None
        g = g.subs({sym: L for sym in g.free_symbols if str(sym) == "L"})
        extra = sorted(str(sym) for sym in g.free_symbols if sym != L)
        if extra:
            problems.append(f"{shown[name]}: the coefficient still contains {', '.join(extra)}; "
                            "it is the number (or expression in L) that multiplies epsilon")
        elif sp.simplify(g - w) == 0:
            continue
        elif w != 0 and sp.simplify(g + w) == 0:
            problems.append(f"{shown[name]}: wrong sign")
        elif w.has(L) and not g.has(L):
            problems.append(f"{shown[name]}: this coefficient should depend on the target length L")
        elif g.has(L) and not w.has(L):
            problems.append(f"{shown[name]}: this coefficient should not depend on L")
        else:
            problems.append(f"{shown[name]}: wrong coefficient; check which power of epsilon the expansion starts at")
    L_pos = sp.Symbol("L", positive=True)
    grows = {name for name, w in want.items() if sp.diff(sp.Abs(w.subs(L, L_pos)), L_pos) != 0}
    for name in sorted(growing - grows):
        problems.append(f"grow_with_L: the first-order term of {_METRIC_NAMES[name]} does not depend on L")
    if grows - growing:
        problems.append(f"grow_with_L: {len(grows - growing)} metric(s) whose first-order term grows with L "
                        "are missing; look at every coefficient that contains L")
    return verdict("ex-metrics-series", problems,
                   "the five coefficients and the metrics that grow with L are right")


def _scale_with_token_prob(p: float, model: tm.ToyModel = CHAPTER_MODEL) -> float:
    """The scale N at which the toy model's per-token probability equals p (root finding on the helper)."""
    log_n = optimize.brentq(lambda d: float(tm.token_prob(10.0**d, model)) - p, -10, 300, xtol=1e-13, rtol=1e-15)
    return 10.0**log_n


def check_metrics_predict_rho(em: float) -> CheckPassed:
    """ex-metrics-predict-rho: exact match for p = 0.8, L = 5 with error correlation rho = 0.2.

    Used in chapter 3, section 'Exercises'.
    """
    got = as_number("em", em)
    p, L, rho = 0.8, 5, 0.2
    n_08 = _scale_with_token_prob(p)
    from .. import simulation as sim  # imports torch: only when a check needs it
    want = float(sim.expected_metric("exact_match", n_08, L, rho=rho, model=CHAPTER_MODEL))
    independent = float(tm.exact_match(n_08, L, CHAPTER_MODEL))
    problem = diagnose("exact match", got, want, atol=0.02, known=[
        (independent, "that is the independence value p**L; correlated errors change it"),
        (independent + rho * p * (1 - p), "that adds only the L = 2 correction; with 5 positions every pair, "
                                          "triple, ... of positions shares the item's difficulty")])
    if problem and got < independent:
        problem = "exact match: below the independent value p**L, but positive correlation can only raise it"
    return verdict("ex-metrics-predict-rho", [problem], "within 0.02 (about 4 standard errors of 20000 items)")


@lru_cache(maxsize=1)
def _chapter3_distances() -> dict[str, float]:
    """Mean Hamming and Levenshtein distances of the smallest model in Chapter 3's stored outputs."""
    from .. import simulation as sim

    N = np.logspace(7, 12, 11)
    outputs = sim.sample_outputs(N, 8, num_items=1000, vocab=10, model=CHAPTER_MODEL, seed=0)
    out = {}
    for L in (5, 8):
        y, y_hat = outputs.targets[:, :L], outputs.predictions[0, :, :L]
        out[f"hamming{L}"] = float((L * (1 - metrics.token_accuracy(y_hat, y))).mean())
        out[f"levenshtein{L}"] = float(metrics.token_edit_distance(y_hat, y).mean())
    return out


def check_metrics_levenshtein(hamming: float, levenshtein: float) -> CheckPassed:
    """ex-metrics-levenshtein: mean Hamming and mean Levenshtein distance of the smallest model
    (N = 1e7), first L = 5 tokens of Chapter 3's stored outputs.

    Used in chapter 3, section 'Exercises'.
    """
    h_got, l_got = as_number("hamming", hamming), as_number("levenshtein", levenshtein)
    d = _chapter3_distances()
    L = 5
    if l_got > h_got + 1e-12:
        raise SelfCheckError("ex-metrics-levenshtein: your Levenshtein mean is above your Hamming mean, which is "
                             "impossible (substituting every wrong token is one way to fix an output); swapped?")
    problems = [
        diagnose("Hamming", h_got, d["hamming5"], atol=0.002, known=[
            (L - d["hamming5"], "that counts right tokens; count the wrong ones"),
            (d["hamming5"] / L, "that is a per-token fraction; count wrong tokens per item"),
            (d["hamming8"], "that uses all 8 stored positions; the exercise uses the first L = 5")]),
        diagnose("Levenshtein", l_got, d["levenshtein5"], atol=0.002, known=[
            (d["levenshtein8"], "that uses all 8 stored positions; the exercise uses the first L = 5"),
            (d["hamming5"], "that is the Hamming distance again; use metrics.token_edit_distance")]),
    ]
    return verdict("ex-metrics-levenshtein", problems, "both means within 0.002")


def check_metrics_mcg_smooth(N: Sequence[float], grades: Sequence[float], num_items: int = 4000) -> CheckPassed:
    """ex-metrics-mcg-smooth: the multiple-choice grade of the rho = 0.3 outputs at scales N.

    Used in chapter 3, section 'Exercises'.
    """
    N = check_positive_array("N", N)
    if N.ndim != 1 or N.size < 2:
        raise ValueError(f"N must be a 1-D array of at least 2 scales; got shape {N.shape}")
    got = as_numbers("grades", grades, N.size)
    num_items = check_int("num_items", num_items, low=1)
    if ((got < 0) | (got > 1)).any():
        raise SelfCheckError("ex-metrics-mcg-smooth: a grade is an average of 0s and 1s, so it lies in [0, 1]")
    from .. import simulation as sim

    want = sim.expected_metric("multiple_choice_grade", N, rho=0.3, model=CHAPTER_MODEL)
    tol = 4 * np.sqrt(want * (1 - want) / num_items) + 0.005
    bad = np.abs(got - want) > tol
    if not bad.any():
        return CheckPassed("✓ ex-metrics-mcg-smooth: every grade within 4 standard errors of P(q_i > 1/2)")
    if np.isin(got, (0.0, 1.0)).all():
        msg = "your grades are all 0 or 1, a step: did you score the rho = 0 outputs?"
    elif (np.abs(got[::-1] - want) <= tol).all():
        msg = "your grades run in the reverse order of N"
    else:
        where = ", ".join(f"N = {n:.1e}" for n in N[bad])
        msg = f"outside 4 standard errors at {where}; use the rho = 0.3 outputs scored with the grade"
    raise SelfCheckError(f"ex-metrics-mcg-smooth: {msg}")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-metrics-series", "ex-metrics-predict-rho", "ex-metrics-levenshtein", "ex-metrics-mcg-smooth")
}
