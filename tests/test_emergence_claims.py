"""Tests of the published emergence points (Wei et al. 2022, Table 1) and the chapter 1 plots."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from helpers import emergence_claims as ec
from helpers import toy_model as tm
from helpers.plotting.emergence_claims import plot_emergence_points, plot_token_vs_exact_match

# The facts sheet (shared/PAPER.md) lists seven emergence points from Wei et al. (2022), Table 1.
N_POINTS = 7


def test_table_has_one_row_per_published_point():
    table = ec.emergence_table()
    assert isinstance(table, pd.DataFrame)
    assert len(table) == N_POINTS == len(ec.EMERGENCE_POINTS)
    assert list(table.columns) == ["task", "flops", "params", "model", "setting"]
    assert table["task"].is_unique


def test_flops_and_params_are_positive_and_plausible():
    table = ec.emergence_table()
    assert (table["flops"] > 0).all() and (table["params"] > 0).all()
    # Training compute exceeds parameters by many orders of magnitude (about 6 * params * tokens).
    assert (table["flops"] / table["params"] > 1e9).all()
    assert set(table["setting"]) <= set(ec.SETTINGS)


def test_quoted_values_match_the_paper():
    by_task = {p.task: p for p in ec.EMERGENCE_POINTS}
    three = by_task["3-digit addition/subtraction"]
    assert (three.flops, three.params, three.model) == (2.3e22, 13e9, "GPT-3")
    wic = by_task["Word in Context (WiC)"]
    assert (wic.flops, wic.params, wic.model) == (2.5e24, 540e9, "PaLM")
    scratch = by_task["Scratchpad: 8-digit addition (fine-tuned)"]
    assert (scratch.flops, scratch.params, scratch.setting) == (8.9e19, 40e6, "augmented")


@pytest.mark.parametrize("key", ["flops", "params"])
def test_sorted_access_is_ascending(key):
    values = [getattr(p, key) for p in ec.emergence_points(key)]
    assert values == sorted(values)
    assert ec.emergence_table(key)[key].is_monotonic_increasing


def test_sort_by_task_and_none():
    assert [p.task for p in ec.emergence_points("task")] == sorted(p.task for p in ec.EMERGENCE_POINTS)
    assert ec.emergence_points("none") == ec.EMERGENCE_POINTS
    assert ec.emergence_points("flops")[0].model == "LaMDA"  # the fine-tuned scratchpad point
    assert ec.emergence_points("flops")[-1].model == "PaLM"


def test_points_are_immutable():
    point = ec.EMERGENCE_POINTS[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.flops = 1.0  # type: ignore[misc]
    assert isinstance(ec.EMERGENCE_POINTS, tuple)


def test_table_is_a_copy():
    table = ec.emergence_table()
    table.loc[0, "flops"] = -1.0
    assert (ec.emergence_table()["flops"] > 0).all()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"flops": 0.0}, "flops"),
        ({"flops": -1e20}, "flops"),
        ({"params": float("nan")}, "params"),
        ({"params": float("inf")}, "params"),
        ({"setting": "zero-shot"}, "setting"),
        ({"task": ""}, "task"),
    ],
)
def test_bad_point_raises_naming_the_field(kwargs, name):
    fields = {"task": "t", "flops": 1e20, "params": 1e8, "model": "m", "setting": "few-shot"} | kwargs
    with pytest.raises(ValueError, match=name):
        ec.EmergencePoint(**fields)


def test_bad_sort_key_raises():
    with pytest.raises(ValueError, match="sort_by"):
        ec.emergence_points("size")
    with pytest.raises(ValueError, match="sort_by"):
        ec.emergence_table("model")


@pytest.mark.parametrize(
    "x, text", [(13e9, "13B"), (40e6, "40M"), (175e9, "175B"), (1.5e12, "1.5T"), (2.3e22, "2.3e+22"), (5e23, "5.0e+23")]
)
def test_format_count(x, text):
    assert ec.format_count(x) == text


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=1e3, max_value=9.99e14))
def test_format_count_round_trips_to_three_figures(x):
    text = ec.format_count(x)
    value = float(text[:-1]) * {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}[text[-1]]
    assert math.isclose(value, x, rel_tol=5e-3)


def test_format_count_rejects_non_positive():
    with pytest.raises(ValueError, match="x"):
        ec.format_count(0)


@pytest.mark.parametrize("x, word", [("flops", "FLOPs"), ("params", "parameters")])
def test_plot_emergence_points_is_labelled(x, word):
    fig = plot_emergence_points(x)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert word in ax.get_xlabel() and ax.get_ylabel()
    assert "Wei et al." in ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == [p.task for p in ec.emergence_points(x)]
    lo, hi = ax.get_xlim()
    values = [getattr(p, x) for p in ec.EMERGENCE_POINTS]
    assert lo < min(values) and max(values) < hi


def test_plot_emergence_points_validates():
    with pytest.raises(ValueError, match="x must be"):
        plot_emergence_points("tokens")
    with pytest.raises(ValueError, match="points"):
        plot_emergence_points(points=[])


def test_plot_token_vs_exact_match_curves():
    fig = plot_token_vs_exact_match(L=5)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "N" in ax.get_xlabel() and ax.get_ylabel()
    p_line, em_line = (line for line in ax.get_lines() if len(line.get_xdata()) == 300)
    N = p_line.get_xdata()
    assert N[0] == pytest.approx(1e7) and N[-1] == pytest.approx(1e12)
    np.testing.assert_allclose(p_line.get_ydata(), tm.token_prob(N))
    np.testing.assert_allclose(em_line.get_ydata(), tm.token_prob(N) ** 5)
    assert (np.diff(p_line.get_ydata()) > 0).all() and (np.diff(em_line.get_ydata()) > 0).all()


@settings(max_examples=15, deadline=None)
@given(L=st.integers(1, 10))
def test_exact_match_curve_never_above_token_curve(L):
    ax = plot_token_vs_exact_match(L=L).axes[0]
    p_line, em_line = (line for line in ax.get_lines() if len(line.get_xdata()) == 300)
    assert (em_line.get_ydata() <= p_line.get_ydata() + 1e-15).all()


@pytest.mark.parametrize(
    "kwargs, name", [({"L": 0.5}, "L"), ({"alpha": 0.2}, "alpha"), ({"c": -1}, "c"), ({"n_max": 1e6}, "n_max")]
)
def test_plot_token_vs_exact_match_validates(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plot_token_vs_exact_match(**kwargs)
