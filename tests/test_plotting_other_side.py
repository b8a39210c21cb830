"""Tests of helpers.plotting.other_side: every plot returns a Figure and validates its arguments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers import grokking as gk
from helpers import other_side as osd
from helpers.arithmetic import sweep
from helpers.plotting import other_side as pos


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return osd.em_vs_loss(sweep.load_results("mul_kx1")[0])


@pytest.fixture(scope="module")
def run() -> gk.GrokRun:
    return gk.train(gk.GrokConfig(modulus=11, steps=40, eval_every=10))


def test_item_switches(pairs) -> None:
    fig = pos.plot_item_switches(width=0.1, spread=0.3, num_items=50, num_shown=5)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].get_lines()) == 6


@pytest.mark.parametrize("yscale", ["linear", "log"])
def test_em_vs_loss(pairs, yscale: str) -> None:
    fig = pos.plot_em_vs_loss(pairs, "mul_kx1", yscale=yscale)
    assert isinstance(fig, Figure) and fig.axes[0].get_yscale() == yscale
    with pytest.raises(ValueError, match="task"):
        pos.plot_em_vs_loss(pairs, "add_9x9")
    with pytest.raises(ValueError, match="yscale"):
        pos.plot_em_vs_loss(pairs, yscale="symlog")


@pytest.mark.parametrize("xscale", ["linear", "log"])
def test_grokking_plots(run, xscale: str) -> None:
    assert isinstance(pos.plot_grokking(run.history, xscale=xscale), Figure)
    fig = pos.plot_grokking_items(run.history["step"], run.item_prob, num_shown=3)
    assert isinstance(fig, Figure)
    with pytest.raises(ValueError, match="item_prob"):
        pos.plot_grokking_items(run.history["step"], run.item_prob[1:])
    with pytest.raises(ValueError, match="xscale"):
        pos.plot_grokking(run.history, xscale="symlog")


def test_mcq_plot() -> None:
    fig = pos.plot_mcq(share_end=0.8)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    with pytest.raises(ValueError, match="share_end"):
        pos.plot_mcq(share_end=1.5)
    assert np.isfinite(fig.axes[1].get_lines()[0].get_ydata()).all()
