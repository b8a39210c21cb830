"""Right answers (computed independently of the checks) and rejection tests for chapter 3's self-checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from helpers import coursework as cw
from helpers import metrics
from helpers import simulation as sim
from helpers import toy_model as tm
from tests.coursework import MODEL, assert_rejects


# --- right answers, computed independently ----------------------------------------------------


def metrics_predict_rho() -> float:
    """Beta-difficulty exact match E[q^5] at p = 0.8, rho = 0.2, from scipy's Beta moments."""
    p, rho = 0.8, 0.2
    k = 1 / rho - 1
    return float(stats.beta(p * k, (1 - p) * k).moment(5))


def metrics_levenshtein() -> tuple:
    outputs = sim.sample_outputs(np.logspace(7, 12, 11), 8, num_items=1000, vocab=10, model=MODEL, seed=0)
    y, y_hat = outputs.targets[:, :5], outputs.predictions[0, :, :5]
    hamming = float((y_hat != y).sum(axis=1).mean())
    lev = float(np.mean([metrics.token_edit_distance([a], [b])[0] for a, b in zip(y_hat.tolist(), y.tolist())]))
    return hamming, lev


def metrics_mcg() -> tuple:
    N = np.logspace(7, 12, 11)
    out = sim.sample_outputs(N, 5, num_items=4000, rho=0.3, model=MODEL, seed=1)
    grades = [float(metrics.multiple_choice_grade(out.option_probs[s], out.answer).mean()) for s in range(len(N))]
    return N, np.array(grades)


L_SYM = sp.Symbol("L", positive=True)


SERIES = {"per-token loss": 1, "token accuracy": -1, "exact match": -L_SYM, "edit distance": L_SYM, "Brier score": 0}


GROW = ["exact match", "edit distance"]  # the two whose first-order term is -L or +L
GROW_ANSWER = frozenset(GROW)  # a set: names, not numbers, for the no-leak test


RIGHT = {
    "ex-metrics-series": lambda: (SERIES, GROW_ANSWER),
    "ex-metrics-predict-rho": lambda: (metrics_predict_rho(),),
    "ex-metrics-levenshtein": metrics_levenshtein,
    "ex-metrics-mcg-smooth": metrics_mcg,
}


# --- accepting and rejecting ---------------------------------------------------------------------


def test_checks_accept_answers_within_tolerance() -> None:
    cw.check_metrics_predict_rho(metrics_predict_rho() + 0.015)  # a sampled value, about 4 standard errors off


def test_series_accepts_other_spellings_and_symbols() -> None:
    L = sp.Symbol("L")  # no assumptions: a different sympy symbol, same name
    first = {"per_token_loss": 1, "Token accuracy": -1, "exact-match": -L, "edit distance": L, "brier score": 0}
    assert cw.check_metrics_series(first, ("Edit distance", "exact_match")).startswith("✓")


def test_metrics_series_rejections() -> None:
    wrong_sign = dict(SERIES, **{"exact match": L_SYM})
    assert "exact match: wrong sign" in assert_rejects("ex-metrics-series", wrong_sign, GROW)
    no_L = dict(SERIES, **{"edit distance": 1})
    assert "should depend on the target length" in assert_rejects("ex-metrics-series", no_L, GROW)
    brier = dict(SERIES, **{"Brier score": 2})
    assert "Brier score: wrong coefficient" in assert_rejects("ex-metrics-series", brier, GROW)
    missing = {k: v for k, v in SERIES.items() if k != "token accuracy"}
    assert "token accuracy: missing" in assert_rejects("ex-metrics-series", missing, GROW)
    eps = sp.Symbol("epsilon")
    with_eps = dict(SERIES, **{"edit distance": L_SYM * eps})
    assert "still contains epsilon" in assert_rejects("ex-metrics-series", with_eps, GROW)


def test_metrics_series_needs_both_metrics_that_grow_with_L() -> None:
    """The question once read "which metric's first-order term grows with L": two do."""
    message = assert_rejects("ex-metrics-series", SERIES, ["edit distance"])
    assert "1 metric(s)" in message and "missing" in message
    message = assert_rejects("ex-metrics-series", SERIES, GROW + ["token accuracy"])
    assert "token accuracy does not depend on L" in message
    for leaked in GROW:  # the message names a wrong choice, never the missing right one
        assert leaked not in assert_rejects("ex-metrics-series", SERIES, [])


def test_metrics_predict_rho_rejections() -> None:
    assert "independence value" in assert_rejects("ex-metrics-predict-rho", 0.8**5)
    assert "can only raise it" in assert_rejects("ex-metrics-predict-rho", 0.2)
    assert "L = 2 correction" in assert_rejects("ex-metrics-predict-rho", 0.8**5 + 0.2 * 0.8 * 0.2)


def test_metrics_levenshtein_rejections() -> None:
    hamming, lev = metrics_levenshtein()
    assert "swapped" in assert_rejects("ex-metrics-levenshtein", lev, hamming)
    assert "right tokens" in assert_rejects("ex-metrics-levenshtein", 5 - hamming, 5 - hamming - 0.1)
    assert "per-token fraction" in assert_rejects("ex-metrics-levenshtein", hamming / 5, lev / 5)
    assert "Hamming distance again" in assert_rejects("ex-metrics-levenshtein", hamming, hamming)


def test_metrics_mcg_smooth_rejections() -> None:
    N, grades = metrics_mcg()
    step = (tm.token_prob(N, MODEL) > 0.5).astype(float)
    assert "a step" in assert_rejects("ex-metrics-mcg-smooth", N, step)
    assert "reverse order" in assert_rejects("ex-metrics-mcg-smooth", N, grades[::-1])
    shifted = grades.copy()
    shifted[5] = min(shifted[5] + 0.2, 1.0)
    assert "outside 4 standard errors" in assert_rejects("ex-metrics-mcg-smooth", N, shifted)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: cw.check_metrics_series([1, 2], GROW), "first_order"),
        (lambda: cw.check_metrics_series({"accuracy": 1}, GROW), "first_order"),
        (lambda: cw.check_metrics_series(SERIES, "exact match"), "grow_with_L"),
        (lambda: cw.check_metrics_series(SERIES, ["accuracy"]), "grow_with_L"),
        (lambda: cw.check_metrics_predict_rho(float("inf")), "em"),
        (lambda: cw.check_metrics_levenshtein(4.9, "x"), "levenshtein"),
        (lambda: cw.check_metrics_mcg_smooth([1e7, -1], [0, 0]), "N"),
        (lambda: cw.check_metrics_mcg_smooth([1e7, 1e8], [0, 0, 0]), "grades"),
        (lambda: cw.check_metrics_mcg_smooth([1e7, 1e8], [0, 0], num_items=0), "num_items"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
