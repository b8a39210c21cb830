"""Plots of chapter 5 (helpers.plotting.arithmetic) and its self-checks (helpers.coursework_arithmetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from helpers import coursework_arithmetic as cwa
from helpers import resolution as res
from helpers.coursework import SelfCheckError
from helpers.plotting import arithmetic as pa

PARAMS = (678, 4310, 15518, 58670)
SEEDS = (0, 1, 2)
LENGTHS = (2, 3, 4, 5, 6)
N_ITEMS = {2: 36, 3: 360, 4: 534, 5: 535, 6: 535}


def _em(params: int, seed: int, L: int) -> float:
    """A made-up exact match that rises with params, falls geometrically with L and differs by seed."""
    p = {678: 0.2, 4310: 0.4, 15518: 0.7, 58670: 0.95}[params]
    return float(np.clip(p**L * (1 + 0.1 * (seed - 1)), 0, 1))


def make_table() -> pd.DataFrame:
    """A small sweep table with the columns of evaluate.score plus params (values computed above)."""
    rows = []
    for N in PARAMS:
        for seed in SEEDS:
            for L in LENGTHS:
                em = _em(N, seed, L)
                tok = em ** (1 / L)
                values = {"exact_match": em, "token_accuracy": tok, "cross_entropy": -np.log(max(tok, 1e-3)),
                          "edit_distance": L * (1 - tok)}
                for metric, value in values.items():
                    rows.append(dict(task="mul_kx1", seed=seed, target_len=L, metric=metric, value=value,
                                     n_items=N_ITEMS[L], params=N, size=PARAMS.index(N)))
    return pd.DataFrame(rows)


TABLE = make_table()


def _pooled_mean(metric: str, target_len: int | None = None) -> np.ndarray:
    """Mean over seeds of the n_items-weighted mean over lengths, computed directly from _em."""
    rows = TABLE[TABLE.metric == metric]
    if target_len is not None:
        rows = rows[rows.target_len == target_len]
    out = []
    for N in PARAMS:
        per_seed = []
        for seed in SEEDS:
            r = rows[(rows.params == N) & (rows.seed == seed)]
            per_seed.append(np.sum(r.value * r.n_items) / np.sum(r.n_items))
        out.append(np.mean(per_seed))
    return np.array(out)


# --- plot_metric_vs_scale and plot_metrics_grid ------------------------------------------------


def test_metric_vs_scale_plots_the_seed_mean_and_every_seed() -> None:
    fig = pa.plot_metric_vs_scale(TABLE, "exact_match")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() == "exact match" and ax.get_xscale() == "log"
    mean_line = [ln for ln in ax.get_lines() if ln.get_label() == "mean over seeds"][0]
    np.testing.assert_allclose(mean_line.get_xdata(), PARAMS)
    np.testing.assert_allclose(mean_line.get_ydata(), _pooled_mean("exact_match"))
    seed_points = [ln for ln in ax.get_lines() if ln.get_linestyle() == "None"]
    assert len(seed_points) == len(SEEDS)
    # each seed's points are that seed's pooled value
    seed0 = TABLE[(TABLE.metric == "exact_match") & (TABLE.seed == 0)]
    want0 = [np.sum(seed0[seed0.params == N].value * seed0[seed0.params == N].n_items) / sum(N_ITEMS.values())
             for N in PARAMS]
    np.testing.assert_allclose(seed_points[0].get_ydata(), want0)


def test_metric_vs_scale_one_target_length_and_axes() -> None:
    fig = pa.plot_metric_vs_scale(TABLE, "edit_distance", target_len=6, xscale="linear", yscale="log")
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear" and ax.get_yscale() == "log"
    mean_line = [ln for ln in ax.get_lines() if ln.get_label() == "mean over seeds"][0]
    np.testing.assert_allclose(mean_line.get_ydata(), _pooled_mean("edit_distance", 6))
    assert "L = 6" in ax.get_title()


def test_metrics_grid_has_one_labelled_panel_per_metric() -> None:
    metrics = ["exact_match", "cross_entropy", "token_accuracy"]
    fig = pa.plot_metrics_grid(TABLE, metrics)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 3
    for ax, metric in zip(panels, metrics):
        assert ax.get_xlabel() and ax.get_ylabel() == pa.METRIC_LABELS[metric]
        line = [ln for ln in ax.get_lines() if ln.get_label() == "mean over seeds"][0]
        np.testing.assert_allclose(line.get_ydata(), _pooled_mean(metric))


@pytest.mark.parametrize("kwargs, name", [
    (dict(metric="nonsense"), "metric"),
    (dict(task="add_4x4"), "task"),
    (dict(target_len=9), "target_len"),
    (dict(xscale="symlog"), "xscale"),
    (dict(yscale="sqrt"), "yscale"),
])
def test_metric_vs_scale_bad_input_names_the_argument(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        pa.plot_metric_vs_scale(TABLE, **kwargs)


def test_bad_tables_are_rejected() -> None:
    with pytest.raises(ValueError, match="table"):
        pa.plot_metric_vs_scale(TABLE.drop(columns="n_items"))
    with pytest.raises(ValueError, match="table"):
        pa.plot_metric_vs_scale([1, 2, 3])
    with pytest.raises(ValueError, match="task"):  # two tasks and none chosen
        pa.plot_metric_vs_scale(pd.concat([TABLE, TABLE.assign(task="mul_2x2")]))
    with pytest.raises(ValueError, match="metrics"):
        pa.plot_metrics_grid(TABLE, [])


def test_task_selects_rows_of_that_task() -> None:
    both = pd.concat([TABLE, TABLE.assign(task="mul_2x2", value=TABLE.value * 0.5)])
    fig = pa.plot_metric_vs_scale(both, "exact_match", task="mul_2x2")
    line = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "mean over seeds"][0]
    np.testing.assert_allclose(line.get_ydata(), 0.5 * _pooled_mean("exact_match"))


def test_task_length_options_offer_only_lengths_each_task_has() -> None:
    single = TABLE[TABLE.target_len == 4].assign(task="mul_2x2")
    options = pa.task_length_options(pd.concat([TABLE, single]))
    assert options[0] == ("mul_2x2 (L = 4)", ("mul_2x2", None))
    assert options[1] == ("mul_kx1, all lengths", ("mul_kx1", None))
    assert [value for _, value in options[2:]] == [("mul_kx1", L) for L in LENGTHS]
    for _, (task, L) in options:  # every entry plots without error
        assert isinstance(pa.plot_metric_vs_scale(pd.concat([TABLE, single]), task=task, target_len=L), Figure)


# --- plot_target_length ------------------------------------------------------------------------


def test_target_length_plots_the_seed_mean_per_size() -> None:
    fig = pa.plot_target_length(TABLE, "exact_match", yscale="linear")
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("target length") and ax.get_ylabel()
    lines = ax.get_lines()
    assert len(lines) == len(PARAMS)
    for N, line in zip(PARAMS, lines):
        np.testing.assert_allclose(line.get_xdata(), LENGTHS)
        want = [np.mean([_em(N, s, L) for s in SEEDS]) for L in LENGTHS]
        np.testing.assert_allclose(line.get_ydata(), want)


def test_target_length_log_axis_leaves_zeros_out() -> None:
    table = TABLE.copy()
    table.loc[(table.metric == "exact_match") & (table.params == 678) & (table.target_len == 6), "value"] = 0.0
    fig = pa.plot_target_length(table, "exact_match", yscale="log", params=[678])
    y = fig.axes[0].get_lines()[0].get_ydata()
    assert np.isnan(y[-1]) and np.isfinite(y[:-1]).all()
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="params"):
        pa.plot_target_length(TABLE, params=[12345])
    with pytest.raises(ValueError, match="yscale"):
        pa.plot_target_length(TABLE, yscale="loglog")


# --- plot_resolution ---------------------------------------------------------------------------


def test_resolution_plots_first_n_items_with_exact_intervals() -> None:
    correct = np.zeros((3, 1000), dtype=int)
    correct[1, [150, 700]] = 1  # 0 of the first 100, 2 of 1000
    correct[2, :40] = 1  # 40 of the first 100
    fig = pa.plot_resolution(correct, [100, 1000, 10000], 100, chance=1e-4)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_yscale() == "log"
    triangles = [ln for ln in ax.get_lines() if ln.get_marker() == "v"][0]
    np.testing.assert_allclose(triangles.get_xdata(), [100, 1000])  # the two zeros of 100
    points = [ln for ln in ax.get_lines() if ln.get_marker() == "o"][0]
    np.testing.assert_allclose(points.get_xdata(), [10000])
    np.testing.assert_allclose(points.get_ydata(), [0.4])
    fig2 = pa.plot_resolution(correct, [100, 1000, 10000], 1000)
    points = [ln for ln in fig2.axes[0].get_lines() if ln.get_marker() == "o"][0]
    np.testing.assert_allclose(points.get_ydata(), [0.002, 0.04])
    # the bar of a zero reaches the Clopper-Pearson upper end
    segs = [s for c in ax.collections for s in c.get_segments() if s[0, 0] in (100, 1000)]
    assert len(segs) == 2
    np.testing.assert_allclose([s[:, 1].max() for s in segs], res.binomial_ci(0, 100)[1])


@pytest.mark.parametrize("args, name", [
    ((np.zeros((2, 10)), [1, 2], 11), "n"),
    ((np.zeros((2, 10)), [1, 2], 0), "n"),
    ((np.full((2, 10), 2), [1, 2], 5), "correct"),
    ((np.zeros(10), [1], 5), "correct"),
    ((np.zeros((2, 10)), [1], 5), "params"),
])
def test_resolution_bad_input_names_the_argument(args, name) -> None:
    with pytest.raises(ValueError, match=name):
        pa.plot_resolution(*args)
    with pytest.raises(ValueError, match="chance"):
        pa.plot_resolution(np.zeros((1, 5)), [1], 5, chance=2.0)


# --- plot_resolution_counts --------------------------------------------------------------------


def test_resolution_counts_plot_each_model_at_each_n() -> None:
    counts = pd.DataFrame({"params": [100, 100, 1000, 1000], "seed": [0, 0, 0, 0],
                           "n": [4000, 100_000, 4000, 100_000], "k": [0, 30, 80, 2000]})
    fig = pa.plot_resolution_counts(counts, chance={"random digits": 1e-5, "constant guess": 2e-4})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xscale() == "log" and ax.get_title()
    points = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    ys = sorted(y for ln in points for y in ln.get_ydata())
    np.testing.assert_allclose(ys, sorted([30 / 100_000, 80 / 4000, 2000 / 100_000]))
    triangles = [ln for ln in ax.get_lines() if ln.get_marker() == "v"]
    assert len(triangles) == 1 and len(triangles[0].get_xdata()) == 1, "one model scored 0 of 4,000"
    x0 = triangles[0].get_xdata()[0]
    assert 90 < x0 < 100, "the smaller n sits just left of its model's N"
    bar = [s for c in ax.collections for s in c.get_segments() if np.isclose(s[0, 0], x0)]
    np.testing.assert_allclose(max(s[:, 1].max() for s in bar), res.binomial_ci(0, 4000)[1])
    levels = sorted(ln.get_ydata()[0] for ln in ax.get_lines() if ln.get_linestyle() in ("--", "-."))
    np.testing.assert_allclose(levels, [1e-5, 2e-4])


@pytest.mark.parametrize("counts, name", [
    (pd.DataFrame({"params": [1], "seed": [0], "n": [10]}), "k"),
    (pd.DataFrame({"params": [1], "seed": [0], "n": [10], "k": [11]}), "k <= n"),
    (pd.DataFrame({"params": [0], "seed": [0], "n": [10], "k": [1]}), "params"),
    (pd.DataFrame(columns=["params", "seed", "n", "k"]), "at least one row"),
    ([1, 2], "DataFrame"),
])
def test_resolution_counts_bad_input_names_the_argument(counts, name) -> None:
    with pytest.raises(ValueError, match=name):
        pa.plot_resolution_counts(counts)
    with pytest.raises(ValueError, match="chance"):
        pa.plot_resolution_counts(pd.DataFrame({"params": [1], "seed": [0], "n": [10], "k": [1]}), chance={"x": 2.0})


# --- plot_independence -------------------------------------------------------------------------


def test_independence_plots_measured_against_predicted() -> None:
    comp = pd.DataFrame(dict(params=[1, 2, 1, 2], target_len=[4, 4, 5, 5], measured=[0.01, 0.2, 0.001, 0.1],
                             predicted=[0.005, 0.15, 0.0001, 0.05]))
    fig = pa.plot_independence(comp)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel()
    line4 = [ln for ln in ax.get_lines() if ln.get_label() == "L = 4"][0]
    np.testing.assert_allclose(line4.get_xdata(), [0.005, 0.15])
    np.testing.assert_allclose(line4.get_ydata(), [0.01, 0.2])
    with_zero = pd.concat([comp, pd.DataFrame(dict(params=[0], target_len=[4], measured=[0.0], predicted=[1e-4]))])
    line4 = [ln for ln in pa.plot_independence(with_zero).axes[0].get_lines() if ln.get_label() == "L = 4"][0]
    np.testing.assert_allclose(line4.get_xdata(), [0.005, 0.15])  # the 0 has no place on a log axis
    with pytest.raises(ValueError, match="comparison"):
        pa.plot_independence(comp.drop(columns="predicted"))
    with pytest.raises(ValueError, match="comparison"):
        pa.plot_independence(comp.assign(measured=1.5))


# --- pooling, a law: pooling one length gives that length's rows back ---------------------------


@settings(max_examples=25, deadline=None)
@given(L=st.sampled_from(LENGTHS), metric=st.sampled_from(["exact_match", "edit_distance"]))
def test_pooling_one_length_is_that_length(L: int, metric: str) -> None:
    pooled = pa.pool_lengths(TABLE, metric, target_len=L)
    rows = TABLE[(TABLE.metric == metric) & (TABLE.target_len == L)].sort_values(["params", "seed"])
    np.testing.assert_allclose(pooled["value"], rows["value"])


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(0.01, 1.0))
def test_pooled_exact_match_lies_between_its_lengths(scale: float) -> None:
    table = TABLE.assign(value=TABLE.value * scale)
    pooled = pa.pool_lengths(table, "exact_match")
    per_len = table[table.metric == "exact_match"].groupby(["params", "seed"])["value"]
    lo, hi = per_len.min().to_numpy(), per_len.max().to_numpy()
    assert ((pooled["value"].to_numpy() >= lo - 1e-12) & (pooled["value"].to_numpy() <= hi + 1e-12)).all()


# --- self-checks --------------------------------------------------------------------------------


def test_check_geometric_passes_the_right_answer_and_diagnoses_slips() -> None:
    N = 15518
    ratio = cwa.geometric_ratio(TABLE, N)
    p = float(pa.seed_curves(TABLE, "token_accuracy").loc[N, "mean"])
    assert cwa.check_arith_geometric(N, ratio, p, table=TABLE).startswith("✓")
    with pytest.raises(SelfCheckError, match="exponential") as err:
        cwa.check_arith_geometric(N, np.log(ratio), p, table=TABLE)
    assert f"{ratio:.3f}" not in str(err.value)
    with pytest.raises(SelfCheckError, match="positive"):
        cwa.check_arith_geometric(N, -0.5, p, table=TABLE)
    with pytest.raises(SelfCheckError, match="error rate"):
        cwa.check_arith_geometric(N, ratio, 1 - p, table=TABLE)
    with pytest.raises(ValueError, match="params"):
        cwa.check_arith_geometric(999, ratio, p, table=TABLE)


def test_geometric_ratio_recovers_a_geometric_law() -> None:
    # seed 1 of the fake table is exactly p**L; the seed mean is p**L times a constant
    assert cwa.geometric_ratio(TABLE, 15518) == pytest.approx(0.7, rel=1e-9)


def test_check_chance_uses_the_split() -> None:
    from helpers.arithmetic import tasks

    task = tasks.get_task("mul_kx1")
    split = task.split(500, seed=3)
    lengths = task.encode(split.pairs)[2].numpy().astype(float)
    want = float(np.sum(10.0**-lengths))
    assert cwa.check_arith_chance(want, split).startswith("✓")
    with pytest.raises(SelfCheckError, match="multiply"):
        cwa.check_arith_chance(want / len(split), split)
    with pytest.raises(SelfCheckError):
        cwa.check_arith_chance(want * 3, split)
    with pytest.raises(ValueError, match="split"):
        cwa.check_arith_chance(want, split.pairs)


def test_check_step_share() -> None:
    shares = cwa.step_shares(TABLE)
    em = res.largest_step_share(pa.seed_curves(TABLE, "exact_match")["mean"].to_numpy())
    assert shares["exact_match"] == pytest.approx(em)
    assert cwa.check_arith_step_share(shares["exact_match"], shares["token_accuracy"], table=TABLE).startswith("✓")
    with pytest.raises(SelfCheckError, match="other metric"):
        cwa.check_arith_step_share(shares["token_accuracy"], shares["exact_match"], table=TABLE)
    with pytest.raises(SelfCheckError, match="between 0 and 1"):
        cwa.check_arith_step_share(1.5, shares["token_accuracy"], table=TABLE)


def test_checks_are_registered_by_label() -> None:
    from helpers.coursework import check_name

    assert set(cwa.CHECKS) == {"ex-arith-geometric", "ex-arith-chance", "ex-arith-step-share", "ex-arith-guesser"}
    assert all(fn.__name__ == check_name(label) for label, fn in cwa.CHECKS.items())
