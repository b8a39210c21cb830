"""Tests of helpers.forecast (chapter 7) and its plots."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from helpers import forecast as fc
from helpers import forecast_scores
from helpers.plotting import forecast as pf


# ------------------------------------------------------------------ fits

@given(c=st.floats(1e2, 1e8), alpha=st.floats(-1.0, -0.05))
@settings(max_examples=30, deadline=None)
def test_power_law_fit_recovers_exact_law(c: float, alpha: float) -> None:
    N = np.geomspace(1e3, 1e6, 7)
    law = fc.fit_power_law(N, (N / c) ** alpha)
    assert law.alpha == pytest.approx(alpha, rel=1e-8)
    assert law.c == pytest.approx(c, rel=1e-6)
    assert law(N) == pytest.approx((N / c) ** alpha, rel=1e-8)


def test_power_law_with_irreducible_term() -> None:
    N = np.geomspace(1e3, 1e7, 9)
    y = 0.3 + (N / 50.0) ** -0.4
    law = fc.fit_power_law(N, y, irreducible=True)
    assert law.irreducible == pytest.approx(0.3, abs=1e-3)
    assert law.alpha == pytest.approx(-0.4, abs=1e-2)


def test_power_law_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="y must be > 0"):
        fc.fit_power_law([1, 2, 3], [1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="N"):
        fc.fit_power_law([1, -2], [1.0, 2.0])
    with pytest.raises(ValueError, match="length"):
        fc.fit_power_law([1, 2, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match="at least 4"):
        fc.fit_power_law([1, 2, 3], [1.0, 0.5, 0.3], irreducible=True)


def test_logit_line_recovers_exact_line() -> None:
    N = np.geomspace(1e3, 1e6, 6)
    trials = 10**9
    q = 1 / (1 + np.exp(-(-8.0 + 0.9 * np.log(N))))
    line = fc.fit_logit_line(N, q * trials, np.full(6, trials))
    assert line.slope == pytest.approx(0.9, rel=1e-4)
    assert line(N) == pytest.approx(q, rel=1e-4)


def test_smoothed_rate_never_hits_0_or_1() -> None:
    r = fc.smoothed_rate([0, 10], [10, 10])
    assert 0 < r[0] < 0.1 and 0.9 < r[1] < 1
    with pytest.raises(ValueError, match="successes"):
        fc.smoothed_rate([5], [3])


# ------------------------------------------------------------------ forecasts on a synthetic sweep

def synthetic_table(c: float = 2e4, alpha: float = -0.5, lens=(2, 3), seeds=(0, 1, 2), logistic: bool = False,
                    seed_spread: float = 0.0) -> pd.DataFrame:
    """A sweep table whose tokens are right independently with p = exp(-(N/c)^alpha) at every position
    (or, with ``logistic``, p = sigmoid(-8 + 0.9 ln N)); ``seed_spread`` > 0 gives every seed its own
    c (or logit offset), multiplied by 1 + seed_spread * (seed - 1), so that seeds differ."""
    rows = []
    for N in np.geomspace(1e3, 1e6, 7).round().astype(int):
        for s in seeds:
            wiggle = 1 + seed_spread * (s - 1) * (1 if N % 2 else -1)  # seed offsets that differ by size
            ce = (N / (c * wiggle)) ** alpha
            p = 1 / (1 + math.exp(8 * wiggle - 0.9 * math.log(N))) if logistic else math.exp(-ce)
            for L in lens:
                base = dict(task="synthetic", seed=s, target_len=L, n_items=1000, params=N)
                values = {"cross_entropy": ce, "answer_prob": p**L, "exact_match": p**L}
                values.update({f"exact_match_first_{k}": p**k for k in range(1, L + 1)})
                rows += [dict(base, metric=m, value=v) for m, v in values.items()]
    return pd.DataFrame(rows)


def test_sweep_arrays_shapes_and_first_column() -> None:
    arr = fc.sweep_arrays(synthetic_table())
    assert arr.exact_match.shape == (7, 3, 2)
    assert arr.first.shape == (7, 3, 2, 4)
    assert (arr.first[..., 0] == 1).all()
    # past its own length L = 2 the first-k column stays at EM
    assert arr.first[:, :, 0, 3] == pytest.approx(arr.first[:, :, 0, 2])


@pytest.mark.parametrize("method", ["toy", "pass_rate"])
def test_independent_power_law_tokens_are_forecast_well(method: str) -> None:
    """When the data follow the toy model exactly, the toy-type forecasts extrapolate it."""
    arr = fc.sweep_arrays(synthetic_table())
    f = fc.forecast_em(arr, 4, method)
    assert np.abs(f - arr.exact_match.mean(axis=1)).max() < 1e-6


def test_logistic_tokens_are_forecast_by_conditionals() -> None:
    """When every conditional rate is a logit line in ln N, the product of fitted lines extrapolates EM."""
    arr = fc.sweep_arrays(synthetic_table(logistic=True))
    f = fc.forecast_em(arr, 4, "conditional")
    assert np.abs(f - arr.exact_match.mean(axis=1)).max() < 2e-3


def test_forecast_table_and_summary() -> None:
    table = synthetic_table()
    ft = fc.forecast_table(table, 4, n_boot=20)
    assert set(ft["method"]) == set(fc.METHODS)
    assert set(ft["target_len"]) == {2, 3, fc.ALL_LENGTHS}
    assert (ft["lo"] <= ft["hi"] + 1e-12).all()
    assert ft["fitted"].sum() == 4 * 3 * len(fc.METHODS)
    summ = forecast_scores.error_summary(ft)
    assert len(summ) == 3 * len(fc.METHODS)
    assert summ.loc[summ.method == "toy", "hit"].all()
    with pytest.raises(ValueError, match="k"):
        fc.forecast_table(table, 1)
    with pytest.raises(ValueError, match="methods"):
        fc.forecast_table(table, 3, methods=("magic",))


def test_bootstrap_intervals_have_width_and_cover_the_point_forecast() -> None:
    """With seeds that differ, every bootstrap interval has positive width and contains the point forecast."""
    table = synthetic_table(seed_spread=0.3)
    ft = fc.forecast_table(table, 4, n_boot=200, seed=3)
    assert ((ft["hi"] - ft["lo"]) > 1e-6).all()
    assert ((ft["lo"] <= ft["forecast"] + 1e-12) & (ft["forecast"] <= ft["hi"] + 1e-12)).all()
    # identical seeds: the bootstrap has nothing to resample, and the interval collapses onto the point
    same = fc.forecast_table(synthetic_table(), 4, n_boot=20)
    assert (same["hi"] - same["lo"]).abs().max() < 1e-9


def test_forecast_is_deterministic_given_seed() -> None:
    table = synthetic_table()
    a = fc.forecast_table(table, 3, n_boot=10, seed=1)
    b = fc.forecast_table(table, 3, n_boot=10, seed=1)
    pd.testing.assert_frame_equal(a, b)


def test_committed_sweep_forecasts_are_probabilities() -> None:
    from helpers.arithmetic import sweep

    table, _ = sweep.load_results("mul_kx1")
    arr = fc.sweep_arrays(table)
    for method in fc.METHODS:
        f = fc.forecast_em(arr, 7, method)
        assert f.shape == (10, 5) and ((f >= 0) & (f <= 1)).all()


# ------------------------------------------------------------------ plots

def test_forecast_plot_draws_the_table() -> None:
    """plot_forecast draws each method's forecast and the measured values of the chosen k and length."""
    table = synthetic_table(seed_spread=0.2)
    ft = fc.forecast_table(table, 4, n_boot=10)
    ax = pf.plot_forecast(ft, k=4, target_len=3).axes[0]
    rows = ft[(ft.k == 4) & (ft.target_len == 3)]
    lines = {line.get_label(): line for line in ax.lines}
    for method in fc.METHODS:
        want = rows[rows.method == method].sort_values("params")
        got = lines[pf.METHOD_LABELS[method]]
        assert list(got.get_xdata()) == list(want["params"])
        assert np.asarray(got.get_ydata()) == pytest.approx(want["forecast"].to_numpy())
    measured = lines["measured (mean of seeds)"]
    assert np.asarray(measured.get_ydata()) == pytest.approx(
        rows[rows.method == "toy"].sort_values("params")["measured"].to_numpy())


def test_error_vs_k_plot_draws_the_errors() -> None:
    table = synthetic_table(seed_spread=0.2)
    summ = forecast_scores.error_summary(pd.concat([fc.forecast_table(table, k, n_boot=0) for k in (3, 4, 5)]))
    ax = pf.plot_error_vs_k(summ).axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    for method in fc.METHODS:
        want = summ[(summ.method == method) & (summ.target_len == 0)].sort_values("k")
        got = lines[pf.METHOD_LABELS[method]]
        assert list(got.get_xdata()) == [3, 4, 5]
        assert np.asarray(got.get_ydata()) == pytest.approx(want["abs_error"].to_numpy())


def test_any_length_plot_draws_every_length() -> None:
    table = synthetic_table()
    df = pd.concat([fc.forecast_any_length(table, 4, [2, 3, 5], method=m, fit_lens=[2], n_boot=0)
                    for m in fc.ANY_LENGTH_METHODS])
    fig = pf.plot_any_length(df)
    assert len(fig.axes) == len(fc.ANY_LENGTH_METHODS)
    for ax, method in zip(fig.axes, fc.ANY_LENGTH_METHODS):
        lines = {line.get_label(): line for line in ax.lines}
        assert set(lines) >= {"L = 2", "L = 3 (held out)", "L = 5 (never measured)"}
        assert lines["L = 5 (never measured)"].get_linestyle() == "--"
        assert lines["L = 2"].get_linestyle() == "-"
        want = df[(df.method == method) & (df.target_len == 5)].sort_values("params")["forecast"].to_numpy()
        assert np.asarray(lines["L = 5 (never measured)"].get_ydata()) == pytest.approx(want)
    with pytest.raises(ValueError, match="forecast_any_length"):
        pf.plot_any_length(pd.DataFrame())


def test_plots_return_figures() -> None:
    table = synthetic_table()
    ft = pd.concat([fc.forecast_table(table, k, n_boot=5) for k in (3, 4)])
    assert isinstance(pf.plot_forecast(ft, k=3), Figure)
    assert isinstance(pf.plot_forecast(ft, k=4, target_len=2, methods=("toy",)), Figure)
    assert isinstance(pf.plot_error_vs_k(forecast_scores.error_summary(ft)), Figure)
    arr = fc.sweep_arrays(table)
    assert isinstance(pf.plot_pass_rate(arr, 3, 4, sampled={1000: (1e-3, 5e-4, 2e-3)}), Figure)
    assert isinstance(pf.plot_conditionals(arr, 3, 4), Figure)
    with pytest.raises(ValueError, match="k must be one of"):
        pf.plot_forecast(ft, k=9)
    with pytest.raises(ValueError, match="target_len"):
        pf.plot_pass_rate(arr, 7, 4)
    with pytest.raises(ValueError, match="sampled"):
        pf.plot_pass_rate(arr, 3, 4, sampled={1000: (0.0, 0.0, 1e-3)})


# ------------------------------------------------------------------ any target length, parameter intervals

def test_toy_any_length_forecast_reaches_unmeasured_lengths() -> None:
    """Tokens right independently with p = exp(-CE): one CE law, fitted on L = 2 only, gives p^L at L = 5."""
    table = synthetic_table()
    df = fc.forecast_any_length(table, 4, [2, 3, 5], method="toy", fit_lens=[2], n_boot=0)
    N = df["params"].to_numpy(dtype=float)
    want = np.exp(-df["target_len"].to_numpy() * (N / 2e4) ** -0.5)
    assert df["forecast"].to_numpy() == pytest.approx(want, rel=1e-8)
    assert df.loc[df.target_len == 5, "measured"].isna().all()
    assert df.loc[df.target_len == 3, "error"].abs().max() < 1e-8  # held-out length, measured
    assert df.loc[df.target_len == 2, "extrapolated_length"].eq(False).all()
    assert df.loc[df.target_len != 2, "extrapolated_length"].all()


def test_conditional_any_length_forecast_uses_pooled_per_position_rates() -> None:
    """With a logistic per-token rate at every position, the pooled rate's logit line gives q^L at any L."""
    table = synthetic_table(logistic=True)
    df = fc.forecast_any_length(table, 4, [3, 6], method="conditional", n_boot=0)
    N = df["params"].to_numpy(dtype=float)
    q = 1 / (1 + np.exp(8 - 0.9 * np.log(N)))
    assert np.abs(df["forecast"].to_numpy() - q ** df["target_len"].to_numpy()).max() < 3e-3


def test_any_length_bootstrap_has_width_when_seeds_differ() -> None:
    df = fc.forecast_any_length(synthetic_table(seed_spread=0.3), 4, [2, 4], n_boot=100, seed=1)
    assert ((df["hi"] - df["lo"]) > 1e-3 * df["forecast"]).all()  # relative: some forecasts are ~1e-7
    assert ((df["lo"] <= df["forecast"] + 1e-12) & (df["forecast"] <= df["hi"] + 1e-12)).all()


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(lengths=[0]), "lengths"), (dict(lengths=[2.5]), "lengths"), (dict(lengths=[]), "lengths"),
     (dict(lengths=[2], fit_lens=[9]), "fit_lens"), (dict(lengths=[2], method="magic"), "method"),
     (dict(lengths=[2], k=1), "k"), (dict(lengths=[2], n_boot=-1), "n_boot")],
)
def test_any_length_rejects_bad_input(kwargs, name) -> None:
    kwargs = dict(dict(k=4), **kwargs)
    with pytest.raises(ValueError, match=name):
        fc.forecast_any_length(synthetic_table(), **kwargs)


def test_power_law_interval_covers_the_fit_and_has_width() -> None:
    arr = fc.sweep_arrays(synthetic_table(seed_spread=0.3))
    res = fc.power_law_interval(arr, 5, n_boot=200, seed=0)
    assert res.alpha_lo < res.law.alpha < res.alpha_hi
    assert res.c_lo < res.law.c < res.c_hi
    pu = fc.power_law_interval(arr, 5, 3, quantity="neg_log_pass_rate", n_boot=50)
    assert pu.alpha_hi - pu.alpha_lo > 1e-6
    exact = fc.power_law_interval(fc.sweep_arrays(synthetic_table()), 5, 2, n_boot=20)
    assert exact.law.alpha == pytest.approx(-0.5, rel=1e-8)
    assert exact.alpha_lo == pytest.approx(-0.5, rel=1e-8) and exact.alpha_hi == pytest.approx(-0.5, rel=1e-8)
    assert exact.c_lo == pytest.approx(2e4, rel=1e-6)
    with pytest.raises(ValueError, match="quantity"):
        fc.power_law_interval(arr, 5, quantity="accuracy")
    with pytest.raises(ValueError, match="target_len"):
        fc.power_law_interval(arr, 5, quantity="neg_log_pass_rate")
    with pytest.raises(ValueError, match="target_len"):
        fc.power_law_interval(arr, 5, 7)


# ------------------------------------------------------------------ bad input

def test_power_law_with_zero_slope_is_refused() -> None:
    with pytest.raises(ValueError, match="does not change with N"):
        fc.fit_power_law([1e3, 1e4, 1e5], [0.7, 0.7, 0.7])


def test_power_law_with_tiny_slope_stays_finite() -> None:
    """A slope near 0 puts c beyond float range; the law keeps ln c and still evaluates."""
    N = np.array([1e3, 1e4, 1e5])
    law = fc.fit_power_law(N, 0.7 * N**1e-6)
    assert np.isfinite(law(N)).all()
    assert law(N) == pytest.approx(0.7 * N**1e-6, rel=1e-9)


def test_fit_logit_line_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="trials"):
        fc.fit_logit_line([1e3, 1e4, 1e5], [1, 2, 3], [10, 10])
    with pytest.raises(ValueError, match="successes"):
        fc.fit_logit_line([1e3, 1e4, 1e5], [1, 20, 3], 10)
    with pytest.raises(ValueError, match="N"):
        fc.fit_logit_line([1e3, -1, 1e5], [1, 2, 3], 10)
    with pytest.raises(ValueError, match="successes must be finite"):
        fc.fit_logit_line([1e3, 1e4, 1e5], [1, np.nan, 3], 10)


def test_sweep_arrays_rejects_bad_tables() -> None:
    table = synthetic_table()
    with pytest.raises(ValueError, match="table must be a sweep table"):
        fc.sweep_arrays(table.drop(columns=["n_items"]))
    with pytest.raises(ValueError, match="table must be a sweep table"):
        fc.sweep_arrays([1, 2, 3])
    with pytest.raises(ValueError, match="one task"):
        fc.sweep_arrays(pd.concat([table, table.assign(task="other")]))
    with pytest.raises(ValueError, match="'answer_prob'"):
        fc.sweep_arrays(table[table.metric != "answer_prob"])
    with pytest.raises(ValueError, match="at least 2 model sizes"):
        fc.sweep_arrays(table[table.params == table.params.min()])


def test_error_summary_rejects_bad_input() -> None:
    ft = fc.forecast_table(synthetic_table(), 3, n_boot=0)
    with pytest.raises(ValueError, match="forecasts"):
        forecast_scores.error_summary(ft.drop(columns=["measured"]))
    with pytest.raises(ValueError, match="forecasts"):
        forecast_scores.error_summary(ft.iloc[:0])
    with pytest.raises(ValueError, match="tolerance"):
        forecast_scores.error_summary(ft, -0.1)


# ------------------------------------------------------------------ naive baselines and scores

def test_baselines_are_the_last_value_and_a_clipped_line() -> None:
    table = synthetic_table(seed_spread=0.2)
    arr = fc.sweep_arrays(table)
    em = arr.exact_match.mean(axis=1)  # (S, J) seed means
    last = fc.forecast_em(arr, 4, "last")
    assert last == pytest.approx(np.broadcast_to(em[3], last.shape))
    line = fc.forecast_em(arr, 4, "log_linear")
    x = np.log(arr.params.astype(float))
    for j in range(len(arr.target_lens)):
        slope, icpt = np.polyfit(x[:4], em[:4, j], 1)
        assert line[:, j] == pytest.approx(np.clip(icpt + slope * x, 0, 1))
    ft = fc.forecast_table(table, 4, methods=fc.ALL_METHODS, n_boot=5)
    assert set(ft["method"]) == set(fc.ALL_METHODS)
    with pytest.raises(ValueError, match="method"):
        fc.forecast_em(arr, 4, "oracle")


def test_scores_of_forecasts() -> None:
    ft = fc.forecast_table(synthetic_table(), 4, n_boot=0)
    scored = forecast_scores.score_forecasts(ft)
    exact = scored[scored.method == "toy"]  # the toy model is exact on this table
    assert exact["abs_error"].max() < 1e-9 and exact["logodds_error"].abs().max() < 1e-6
    assert exact["covered"].all()  # n_boot = 0: the interval is the point, which equals the measurement
    assert (ft["trials"] == np.where(ft["target_len"] == fc.ALL_LENGTHS, 2000 * 3, 1000 * 3)).all()
    row = pd.DataFrame([dict(task="t", method="m", k=3, target_len=4, params=10, measured=0.2, forecast=0.1,
                             lo=0.05, hi=0.15, trials=1000.0)])
    s = forecast_scores.score_forecasts(row).iloc[0]
    assert s.rel_error == pytest.approx(0.5)
    want = math.log(100.5 / 900.5) - math.log(200.5 / 800.5)  # both rates smoothed: (r T + 1/2) / (T + 1)
    assert s.logodds_error == pytest.approx(want)
    assert not s.covered
    zero = forecast_scores.score_forecasts(row.assign(measured=0.0)).iloc[0]
    assert math.isnan(zero.rel_error) and math.isfinite(zero.logodds_error)
    summ = forecast_scores.error_summary(ft)
    assert {"rel_error", "logodds_error", "covered", "hit"} <= set(summ.columns)
    with pytest.raises(ValueError, match="forecasts"):
        forecast_scores.score_forecasts(ft.drop(columns=["trials"]))
