"""Tests of helpers.plotting.predicting: every plot returns a Figure, draws the data it is given, and
rejects bad arguments with a ValueError naming them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers.plotting import predicting as pp
from helpers.published import forecasting as pf


def _line(ax, label: str):
    """The line artist with this legend label."""
    found = [ln for ln in ax.get_lines() if ln.get_label() == label]
    assert found, f"no line labelled {label!r}: {[ln.get_label() for ln in ax.get_lines()]}"
    return found[0]


@pytest.fixture(scope="module")
def scored(ladder, public) -> pd.DataFrame:
    f = pd.concat([pf.forecast_ladder(ladder, tasks=["mmlu_stem_test"], n_boot=5),
                   pf.forecast_public(public, tasks=["mmlu", "word_unscrambling"], n_boot=5)], ignore_index=True)
    return pf.score(f)


def test_ladder_task_draws_the_finals_and_targets(ladder, scored) -> None:
    curves = pf.ladder_fit_curves(ladder, "mmlu_stem_test")
    fig = pp.plot_ladder_task(ladder, scored, curves, "mmlu_stem_test")
    ax, bx = fig.axes[:2]
    stars = _line(ax, "OLMo 2 7B, 13B (measured)")
    tgt = ladder[ladder["run"].isin(pf.LADDER_TARGETS) & ladder["final"] & (ladder["task"] == "mmlu_stem_test")]
    assert sorted(stars.get_ydata()) == pytest.approx(sorted(tgt["acc"]))
    fin3b = ladder[(ladder["model"] == "3B") & ladder["final"] & (ladder["task"] == "mmlu_stem_test")]
    assert sorted(_line(ax, "ladder 3B (final)").get_ydata()) == pytest.approx(sorted(fin3b["acc"]))
    assert _line(bx, "link fitted on the ladder").get_ydata() == pytest.approx(curves["link"]["acc"].to_numpy())
    with pytest.raises(ValueError, match="^task"):
        pp.plot_ladder_task(ladder, scored, curves, "gsm8k")


def test_forecast_vs_measured_draws_each_forecast(scored) -> None:
    fig = pp.plot_forecast_vs_measured(scored, testbed="ladder", method="two_step")
    rows = scored[(scored["testbed"] == "ladder") & (scored["method"] == "two_step")]
    dots = [ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "o"][0]
    assert list(dots.get_xdata()) == pytest.approx(rows["measured"].tolist())
    assert list(dots.get_ydata()) == pytest.approx(rows["forecast"].tolist())
    with pytest.raises(ValueError, match="^method"):
        pp.plot_forecast_vs_measured(scored, testbed="ladder", method="capability")
    with pytest.raises(ValueError, match="^testbed"):
        pp.plot_forecast_vs_measured(scored, testbed="moon", method="direct")


def test_errors_strip_per_testbed_and_method(scored) -> None:
    fig = pp.plot_errors(scored)
    ax = fig.axes[0]
    groups = scored.groupby(["testbed", "method"]).ngroups
    assert len(ax.get_xticks()) == groups
    drawn = np.sort(np.concatenate([ln.get_ydata() for ln in ax.get_lines() if ln.get_marker() == "o"]))
    assert drawn == pytest.approx(np.sort(scored["abs_error"].to_numpy()))


def test_public_task_and_capability_and_family(public, scored) -> None:
    curves = pf.public_fit_curves(public, "mmlu", 8.4e22)
    fig = pp.plot_public_task(public, scored, curves, "mmlu", 8.4e22)
    ax = fig.axes[0]
    small = public[(public["task"] == "mmlu") & (public["flops"] <= 8.4e22)]
    assert sorted(_line(ax, f"small models ({len(small)})").get_ydata()) == pytest.approx(sorted(small["acc"]))
    idx = pf.capability_index(public, "mmlu", 8.4e22)
    fig = pp.plot_capability(idx, "mmlu")
    assert list(_line(fig.axes[0], "small models (fitted)").get_xdata()) == pytest.approx(
        idx.loc[idx["fitted"], "index"].tolist())
    fig = pp.plot_family(public, "mmlu", "Llama", 8.4e22)
    llama = public[(public["task"] == "mmlu") & (public["family"] == "Llama") & (public["flops"] <= 8.4e22)]
    assert list(_line(fig.axes[0], "Llama, C ≤ cut-off").get_ydata()) == pytest.approx(llama["acc"].tolist())
    with pytest.raises(ValueError, match="^family"):
        pp.plot_family(public, "mmlu", "GPT-7", 8.4e22)
    with pytest.raises(ValueError, match="^cutoff"):
        pp.plot_public_task(public, scored, curves, "mmlu", 0)


def test_loss_accuracy_draws_every_group(openlm) -> None:
    fig = pp.plot_loss_accuracy(openlm, "hellaswag")
    ax = fig.axes[0]
    rpj = openlm[(openlm["task"] == "hellaswag") & (openlm["dataset"] == "rpj")]
    assert sorted(_line(ax, "rpj").get_xdata()) == pytest.approx(sorted(rpj["loss"]))
    assert ax.xaxis_inverted()
    curves = pd.DataFrame({"loss": [3.0, 4.0], "sigmoid": [0.3, 0.26], "hinge": [0.3, 0.25]})
    fig = pp.plot_loss_accuracy(openlm, "hellaswag", curves)
    assert list(_line(fig.axes[0], "hinge at L*").get_ydata()) == [0.3, 0.25]
    with pytest.raises(ValueError, match="^curves"):
        pp.plot_loss_accuracy(openlm, "hellaswag", curves.drop(columns="hinge"))


def test_training_plots(ladder, pythia) -> None:
    fig = pp.plot_pythia_training(pythia, "410m")
    c = pythia[(pythia["size"] == "410m") & (pythia["tokens"] > 0)].sort_values("tokens")
    assert list(_line(fig.axes[0], "accuracy (greedy last word)").get_ydata()) == pytest.approx(c["acc"].tolist())
    assert list(_line(fig.axes[1], "pythia-410m").get_xdata()) == pytest.approx(np.log(c["ppl"]).tolist())
    fig = pp.plot_olmo_training(ladder, "mmlu_stem_test")
    acc = _line(fig.axes[0], "7B: accuracy").get_ydata()
    assert acc[0] == pytest.approx(0) and acc[-1] == pytest.approx(1)
    with pytest.raises(ValueError, match="^size"):
        pp.plot_pythia_training(pythia, "1t")
    with pytest.raises(ValueError, match="^points"):
        pp.plot_olmo_training(pd.DataFrame(), "mmlu_stem_test")
