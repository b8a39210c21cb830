"""Tests of helpers.plotting.published: every plot is a pure function of the loaded table, and draws its data."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers import published
from helpers.plotting import published as pp
from helpers.published import curves as cv


@lru_cache(maxsize=1)
def table() -> pd.DataFrame:
    return published.load()


def _lines(ax) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {line.get_label(): (np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
            for line in ax.get_lines()}


def test_metric_panels_draw_each_family_curve_with_its_score() -> None:
    fig = pp.plot_metric_panels(table(), "obsscaling", "ipa_transliterate", ["exact_match", "bleu"], "flops",
                                pooled=True)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    lines = _lines(fig.axes[0])
    opt = cv.curve(cv.points(table(), "flops"), source="obsscaling", family="OPT", task="ipa_transliterate",
                   metric="exact_match")
    x, y = lines["OPT (R = inf)"]
    assert np.array_equal(x, opt["scale"].to_numpy()) and np.array_equal(y, opt["value"].to_numpy())
    assert "median of all models per bin" in lines
    pooled = cv.binned(cv.curve(cv.points(table(), "flops"), source="obsscaling", task="ipa_transliterate",
                                metric="exact_match"), 2)
    assert np.allclose(lines["median of all models per bin"][1], pooled["value"])
    assert fig.axes[1].get_title() == "ipa_transliterate: bleu" and fig.axes[0].get_xscale() == "log"


def test_metric_panels_colour_budgets_of_one_family_and_filter() -> None:
    fig = pp.plot_metric_panels(table(), "olmo-ladder", "hellaswag_val", ["bpb"], "params",
                                where={"family": "olmo-ladder"})
    labels = list(_lines(fig.axes[0]))
    assert [label.split(" (")[0] for label in labels] == [f"olmo-ladder {b}xC" for b in ("0.5", "1", "2", "5", "10")]
    assert "lower is better" in fig.axes[0].get_ylabel()
    colours = {tuple(line.get_color()) for line in fig.axes[0].get_lines()}
    assert len(colours) == 5


@pytest.mark.parametrize("kwargs, name", [
    (dict(source="nope", task="mmlu", metrics=["acc"]), "source"),
    (dict(source="u-shaped", task="nope", metrics=["acc"]), "task"),
    (dict(source="u-shaped", task="mmlu", metrics=["bleu"]), "metric"),
    (dict(source="u-shaped", task="mmlu", metrics="acc"), "metrics"),
    (dict(source="u-shaped", task="mmlu", metrics=["acc"], x="size"), "x"),
    (dict(source="u-shaped", task="mmlu", metrics=["acc"], min_models=1), "min_models"),
    (dict(source="u-shaped", task="mmlu", metrics=["acc"], where={"model": "x"}), "where"),
    (dict(source="u-shaped", task="mmlu", metrics=["acc"], where={"family": "nope"}), "where"),
])
def test_metric_panels_reject_bad_input(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        pp.plot_metric_panels(table(), **kwargs)


def test_coverage_draws_every_source() -> None:
    fig = pp.plot_coverage(table())
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("pythia (15)") for label in labels)
    pythia = [c for c in ax.collections if c.get_label().startswith("pythia")][0]
    assert set(np.asarray(pythia.get_offsets())[:, 1]) == {143000 * 2_097_152}  # one token count for all sizes
    with pytest.raises(ValueError, match="table"):
        pp.plot_coverage(pd.DataFrame())


def test_curve_explorer_highlights_one_family_and_explains_missing_data() -> None:
    fig = pp.plot_curve_explorer(table(), "obsscaling", "OPT", "ipa_transliterate", "exact_match", "params")
    title = fig.axes[0].get_title()
    assert "OPT: 1 curve(s); first: n = 8" in title and "(floor)" in title
    empty = pp.plot_curve_explorer(table(), "obsscaling", "OPT", "ARC", "acc", "params")
    assert "no rows" in empty.axes[0].texts[0].get_text()
    none = pp.plot_curve_explorer(table(), "obsscaling", "Nope", "ipa_transliterate", "exact_match", "params")
    assert "no family" in none.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="x"):
        pp.plot_curve_explorer(table(), x="size")


def test_audit_strip_counts_flags_per_source_and_kind() -> None:
    scores = pd.DataFrame({"source": ["a", "a", "a", "b"], "kind": ["graded", "graded", "all-or-nothing", "graded"],
                           "relative": [1.0, np.inf, 3.0, 0.5]})
    fig = pp.plot_audit_strip(scores)
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0/1", "1/1", "1/2"]
    with pytest.raises(ValueError, match="scores"):
        pp.plot_audit_strip(scores.iloc[:0])
    with pytest.raises(ValueError, match="threshold"):
        pp.plot_audit_strip(scores, threshold=0)


def test_intervals_draw_zeros_at_their_upper_bound() -> None:
    r = cv.resolution(table())
    fig = pp.plot_intervals(r, "open-lm-scaling", "bigbench_repeat_copy_logic")
    ax = fig.axes[0]
    triangles = [c for c in ax.collections if c.get_label().startswith("reported 0")][0]
    assert len(triangles.get_offsets()) == 80
    assert np.allclose(np.asarray(triangles.get_offsets())[:, 1], 1 - 0.025 ** (1 / 32))
    assert "80 of them 0" in ax.get_title()
    with pytest.raises(ValueError, match="no scores"):
        pp.plot_intervals(r, "sloth", "MMLU")
    with pytest.raises(ValueError, match="res must"):
        pp.plot_intervals(r.drop(columns="high"), "open-lm-scaling", "squad")
    with pytest.raises(ValueError, match="where"):
        pp.plot_intervals(r, "open-lm-scaling", "squad", where={"nope": 1})


@pytest.mark.parametrize("x, n_lines", [("params", 5), ("flops", 1), ("tokens", 1)])
def test_axis_verdicts_regroup_the_ladder(x, n_lines) -> None:
    fig = pp.plot_axis_verdicts(table(), x=x)
    assert len(fig.axes[0].get_lines()) == n_lines
    if x != "params":
        assert len(fig.axes[0].get_lines()[0].get_xdata()) == 25  # 5 sizes x 5 budgets on one curve


def test_difficulty_groups_draw_the_binned_medians() -> None:
    fig = pp.plot_difficulty_groups(table(), "mmlu", 3)
    lines = _lines(fig.axes[0])
    assert list(lines) == ["group 1 (easiest)", "group 2 (middle)", "group 3 (hardest)", "all items"]
    t = table()
    g1 = t[(t["source"] == "u-shaped") & (t["task"] == "mmlu") & (t["metric"] == "brier") & (t["n_groups"] == 3)
           & (t["group"] == 1)]
    want = cv.binned(pd.DataFrame({"scale": g1["flops"], "value": g1["value"]}), 2)
    assert np.allclose(lines["group 1 (easiest)"][1], want["value"])
    with pytest.raises(ValueError, match="n_groups"):
        pp.plot_difficulty_groups(table(), "mmlu", 5)
    with pytest.raises(ValueError, match="task"):
        pp.plot_difficulty_groups(table(), "squad")
