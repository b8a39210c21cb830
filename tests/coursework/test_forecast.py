"""Right answers (computed independently of the checks) and rejection tests for chapter 7's self-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.coursework import forecast as cwf
from tests.coursework import assert_rejects


def _table():
    from helpers.arithmetic import sweep

    return sweep.load_results("mul_kx1")[0]


def _seed_mean(table, metric: str, L: int):
    rows = table[(table.metric == metric) & (table.target_len == L)]
    return rows.groupby("params")["value"].mean().sort_index()


def fc_half_scale(L_in_exponent: int = 6) -> tuple:
    """Fit ln CE = alpha ln N + b by least squares on the 7 smallest sizes (L = 6); solve 6 (N/c)^alpha = ln 2."""
    ce = _seed_mean(_table(), "cross_entropy", 6).iloc[:7]
    alpha, b = np.polyfit(np.log(ce.index.to_numpy(dtype=float)), np.log(ce.to_numpy()), 1)
    # (N/c)^alpha = exp(b) N^alpha = ln2 / 6  ->  ln N = (ln(ln 2 / 6) - b) / alpha
    return (math.exp((math.log(math.log(2) / L_in_exponent) - b) / alpha),)


def fc_predict_k() -> tuple:
    """logit of (hits + 1/2) / (trials + 1) against ln N on the 6 smallest, per length; pool by items."""
    table = _table()
    em = table[table.metric == "exact_match"]
    total, weight = 0.0, 0.0
    for L, rows in em.groupby("target_len"):
        n = rows["n_items"].iloc[0]
        seeds = rows["seed"].nunique()
        mean = rows.groupby("params")["value"].mean().sort_index()
        trials = n * seeds
        q = (mean.to_numpy()[:6] * trials + 0.5) / (trials + 1)
        slope, icpt = np.polyfit(np.log(mean.index.to_numpy(dtype=float)[:6]), np.log(q / (1 - q)), 1)
        f = 1 / (1 + math.exp(-(icpt + slope * math.log(float(mean.index.max())))))
        total, weight = total + f * n, weight + n
    return (total / weight,)


def fc_budget() -> tuple:
    """10 / (n PU): PU the smallest model's seed-mean answer probability at L = 6, n its items of length 6."""
    table = _table()
    rows = table[(table.metric == "answer_prob") & (table.target_len == 6)]
    smallest = rows[rows.params == rows.params.min()]
    return (10 / (smallest["n_items"].iloc[0] * smallest["value"].mean()),)


def fc_stretch() -> tuple:
    """The log-linear baseline of add_4x4 (L = 5) from the 6 smallest: EM = a + b ln N by least squares, clipped."""
    from helpers.arithmetic import sweep

    table = sweep.load_results("add_4x4")[0]
    em = table[table.metric == "exact_match"].groupby("params")["value"].mean().sort_index()
    x = np.log(em.index.to_numpy(dtype=float))
    b, a = np.polyfit(x[:6], em.to_numpy()[:6], 1)
    return "add_4x4", "log_linear", 6, 5, float(np.clip(a + b * x[-1], 0, 1))


RIGHT = {
    "ex-fc-half-scale": fc_half_scale,
    "ex-fc-predict-k": fc_predict_k,
    "ex-fc-budget": fc_budget,
    "ex-fc-stretch": fc_stretch,
}


def test_half_scale_rejections() -> None:
    (n_half,) = fc_half_scale()
    table = _table()
    assert "factor L" in assert_rejects("ex-fc-half-scale", fc_half_scale(L_in_exponent=1)[0])
    assert "natural log" in assert_rejects("ex-fc-half-scale", cwf._half_scale(table, log=math.log10))
    assert_rejects("ex-fc-half-scale", n_half * 3)
    assert "positive" in assert_rejects("ex-fc-half-scale", -n_half)


def test_predict_k_rejections() -> None:
    table = _table()
    assert "k = 6" in assert_rejects("ex-fc-predict-k", cwf._largest_forecast(table, 7, "direct"))
    assert "longest" in assert_rejects("ex-fc-predict-k", cwf._largest_forecast(table, 6, "direct", 6))
    assert "measured" in assert_rejects("ex-fc-predict-k", 1.0)
    assert "between 0 and 1" in assert_rejects("ex-fc-predict-k", 1.7)


def test_budget_rejections() -> None:
    (s,) = fc_budget()
    _, pu, n = cwf._samples_for_passes(_table())
    assert "ONE item" in assert_rejects("ex-fc-budget", 10 / pu)
    assert "10" in assert_rejects("ex-fc-budget", s / 10)
    assert_rejects("ex-fc-budget", s * 2)


def test_bad_input_raises_value_error() -> None:
    with pytest.raises(ValueError, match="n_half"):
        cwf.check_fc_half_scale("many")
    with pytest.raises(ValueError, match="samples_per_item"):
        cwf.check_fc_budget(float("nan"))


def test_stretch_accepts_any_choice_and_rejects_slips() -> None:
    # the direct line on mul_kx1, all items, k = 6: the same number ex-fc-predict-k computes independently
    (want,) = fc_predict_k()
    assert cwf.check_fc_stretch("mul_kx1", "direct", 6, 0, want).startswith("✓ ex-fc-stretch")
    table = _table()
    assert "7 smallest" in assert_rejects("ex-fc-stretch", "mul_kx1", "direct", 6, 0,
                                          cwf._largest_forecast(table, 7, "direct"))
    assert "pooled" in assert_rejects("ex-fc-stretch", "mul_kx1", "direct", 6, 6,
                                      cwf._largest_forecast(table, 6, "direct"))
    assert "measured" in assert_rejects("ex-fc-stretch", "mul_kx1", "direct", 6, 0, 1.0)
    assert "between 0 and 1" in assert_rejects("ex-fc-stretch", "mul_kx1", "direct", 6, 0, -0.2)
    with pytest.raises(ValueError, match="task"):
        cwf.check_fc_stretch("mul_9x9", "direct", 6, 0, 0.5)
    with pytest.raises(ValueError, match="method"):
        cwf.check_fc_stretch("mul_kx1", "oracle", 6, 0, 0.5)
    with pytest.raises(ValueError, match="target_len"):
        cwf.check_fc_stretch("mul_2x2", "direct", 6, 0, 0.5)  # one length only: there is no pooled row
    with pytest.raises(ValueError, match="k"):
        cwf.check_fc_stretch("mul_kx1", "direct", 12, 0, 0.5)
