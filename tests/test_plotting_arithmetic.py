"""Plots of chapter 5 (helpers.plotting.arithmetic), on the made-up sweep table of test_arithmetic_tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers import resolution as res
from helpers.plotting import arithmetic as pa
from tests.test_arithmetic_tables import LENGTHS, N_ITEMS, PARAMS, SEEDS, TABLE, _em


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


def test_resolution_draws_each_guessers_level_on_the_first_n_items() -> None:
    correct = np.zeros((2, 1000), dtype=int)
    correct[1, :30] = 1
    per_item = np.r_[np.full(100, 1e-4), np.full(900, 1e-3)]  # the first 100 items are the harder ones
    for n, want in ((100, 1e-4), (1000, (100 * 1e-4 + 900 * 1e-3) / 1000)):
        fig = pa.plot_resolution(correct, [10, 100], n, chance={"random digits": per_item, "constant guess": 2e-3})
        lines = {ln.get_label().split(" =")[0]: ln.get_ydata()[0] for ln in fig.axes[0].get_lines()
                 if ln.get_linestyle() in ("--", "-.")}
        assert lines["random digits"] == pytest.approx(want) and lines["constant guess"] == pytest.approx(2e-3)
    table = pd.DataFrame({"random digits": per_item, "constant guess": np.full(1000, 2e-3)})
    lines = [ln.get_ydata()[0] for ln in pa.plot_resolution(correct, [10, 100], 100, chance=table).axes[0].get_lines()
             if ln.get_linestyle() in ("--", "-.")]
    assert lines == [pytest.approx(1e-4), pytest.approx(2e-3)]  # a DataFrame of per-item chances, as item_levels
    with pytest.raises(ValueError, match="random digits"):
        pa.plot_resolution(correct, [10, 100], 100, chance={"random digits": per_item[:10]})
    with pytest.raises(ValueError, match="1 to 3"):
        pa.plot_resolution(correct, [10, 100], 100, chance={})


def test_metric_vs_scale_without_mean_draws_one_line_per_seed() -> None:
    ax = pa.plot_metric_vs_scale(TABLE, "exact_match", mean=False).axes[0]
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels == [f"seed {s}" for s in SEEDS] and "mean over seeds" not in labels
    with pytest.raises(ValueError, match="mean"):
        pa.plot_metric_vs_scale(TABLE, "exact_match", mean="no")


def test_resolution_by_task_has_one_panel_per_task_and_no_mean() -> None:
    counts = pd.DataFrame({"task": ["a"] * 3 + ["b"] * 3, "params": [100, 100, 1000] * 2, "seed": [0, 1, 0] * 2,
                           "n": [4000] * 6, "k": [0, 8, 80, 4000, 1, 400]})
    fig = pa.plot_resolution_by_task(counts, chance={"a": {"random digits": 1e-4}, "b": {"constant guess": 1e-3}})
    assert len(fig.axes) == 2 and [ax.get_title().split(",")[0] for ax in fig.axes] == ["a", "b"]
    right = fig.axes[1]
    ys = sorted(y for ln in right.get_lines() if ln.get_marker() == "o" for y in ln.get_ydata())
    np.testing.assert_allclose(ys, sorted([1.0, 1 / 4000, 0.1]))  # every run, no mean of 1.0 and 1/4000
    dotted = [ln.get_ydata()[0] for ln in right.get_lines() if ln.get_linestyle() == ":"]
    assert dotted == [pytest.approx(0.01)]
    with pytest.raises(ValueError, match="chance"):
        pa.plot_resolution_by_task(counts, chance={"c": {"x": 1e-3}})
    with pytest.raises(ValueError, match="task"):
        pa.plot_resolution_by_task(counts.drop(columns="task"))


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
