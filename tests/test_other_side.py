"""Tests of helpers.other_side: per-item switches, exact match against loss, the multiple-choice simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from helpers import other_side as osd
from helpers.arithmetic import sweep


def test_mean_of_sharp_switches_is_the_normal_cdf() -> None:
    x = np.linspace(8, 11, 13)
    points = osd.draw_switch_points(20000, center=9.5, spread=0.6, seed=3)
    mean = osd.item_switch_curves(x, points, width=1e-4).mean(axis=0)
    np.testing.assert_allclose(mean, stats.norm.cdf(x, 9.5, 0.6), atol=0.015)


def test_switch_curves_shape_and_validation() -> None:
    assert osd.item_switch_curves([1.0, 2.0, 3.0], [2.0, 2.5]).shape == (2, 3)
    with pytest.raises(ValueError, match="width"):
        osd.item_switch_curves([1.0], [1.0], width=0)
    with pytest.raises(ValueError, match="num_items"):
        osd.draw_switch_points(0)


@given(st.floats(0, 20), st.floats(1, 10))
def test_toy_em_of_loss_is_p_to_the_L(loss: float, L: float) -> None:
    assert osd.toy_em_of_loss(loss, L) == pytest.approx(np.exp(-loss) ** L, rel=1e-9, abs=1e-300)


def test_toy_em_of_loss_rejects_negative_loss() -> None:
    with pytest.raises(ValueError, match="loss"):
        osd.toy_em_of_loss(-0.1, 2)


def test_em_vs_loss_on_the_committed_sweep() -> None:
    table, config = sweep.load_results("mul_kx1")
    pairs = osd.em_vs_loss(table)
    assert len(pairs) == table["params"].nunique() * len(config.seeds) * table["target_len"].nunique()
    slope = osd.log_em_loss_slope(pairs, 5)
    assert -5 < slope < 0, "flatter than the toy model's -L, but falling"
    with pytest.raises(ValueError, match="metrics"):
        osd.em_vs_loss(table, ("no_such_metric",))
    with pytest.raises(ValueError, match="table"):
        osd.em_vs_loss(pd.DataFrame({"a": [1]}))


def test_log_em_loss_slope_recovers_a_known_line() -> None:
    loss = np.linspace(0.1, 2, 9)
    pairs = pd.DataFrame({"target_len": 3, "cross_entropy": loss, "exact_match": np.exp(-3 * loss)})
    assert osd.log_em_loss_slope(pairs, 3) == pytest.approx(-3)
    with pytest.raises(ValueError, match="L=4"):
        osd.log_em_loss_slope(pairs, 4)


@given(st.floats(0.01, 1.0))
def test_mcq_switch_prob_balances_the_strongest_wrong_option(share: float) -> None:
    p = osd.mcq_switch_prob(share)
    assert p == pytest.approx(share * (1 - p))


def test_mcq_simulation_concentrated_wrong_mass_delays_accuracy() -> None:
    x = np.linspace(7, 12, 41)
    even = osd.mcq_simulation(x, share_end=1 / 3)
    one = osd.mcq_simulation(x, share_end=1.0)
    np.testing.assert_allclose(even["p_right"], one["p_right"])  # the right option is the same
    assert (one["accuracy"] <= even["accuracy"] + 1e-12).all()
    assert one.x[one.accuracy >= 0.5].iloc[0] > even.x[even.accuracy >= 0.5].iloc[0]
    assert one[["p_right", "top_wrong", "accuracy"]].stack().between(0, 1).all()
    assert (one["brier"] >= 0).all() and (one["brier"] <= 2).all()


def test_mcq_simulation_validates() -> None:
    with pytest.raises(ValueError, match="share_end"):
        osd.mcq_simulation(np.linspace(7, 12, 5), share_end=0.1)
    with pytest.raises(ValueError, match="x must"):
        osd.mcq_simulation([7.0])
