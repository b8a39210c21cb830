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


@pytest.mark.parametrize("num_options", [3, 4, 10])
def test_mcq_plot_raises_a_share_below_the_even_split_and_says_so(num_options: int) -> None:
    # the live widget's sliders can ask for s = 1/3 with K = 3, below the even share 1/(K - 1) = 1/2
    even = 1 / (num_options - 1)
    asked = 1 / 3
    fig = pos.plot_mcq(share_end=asked, num_options=num_options)
    title = fig._suptitle.get_text()
    assert f"K = {num_options} options" in title
    raised = asked < even - 1e-9
    assert ("raised" in title) == raised
    assert f"s = {max(asked, even):.2f}" in title
    # with the share at the even split, both scenarios coincide: solid and dotted accuracy curves agree
    if raised:
        acc, acc_even = fig.axes[1].get_lines()[:2]
        np.testing.assert_array_equal(acc.get_ydata(), acc_even.get_ydata())
    with pytest.raises(ValueError, match="num_options"):
        pos.plot_mcq(num_options=1)
