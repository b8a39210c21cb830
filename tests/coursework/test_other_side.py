"""Right answers and rejection tests for the self-checks of chapter 9 (helpers.coursework.other_side).

The right answers are computed here independently of the checks: from the committed sweep CSV read
with pandas and fitted with scipy, from the closed form of the multiple-choice threshold, and from a
fresh grokking run's history.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.coursework import other_side as cos
from helpers import grokking as gk
from tests.coursework import assert_rejects

ROOT = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=1)
def _history() -> pd.DataFrame:
    return gk.train(gk.GrokConfig()).history


def loss_slope() -> tuple:
    table = pd.read_csv(ROOT / "results" / "arithmetic_mul_kx1.csv")
    rows = table[(table.target_len == 5) & table.metric.isin(["exact_match", "cross_entropy"])]
    wide = rows.pivot_table(index=["params", "seed"], columns="metric", values="value")
    wide = wide[wide.exact_match > 0]
    fit = stats.linregress(wide.cross_entropy, np.log(wide.exact_match))
    return 5, float(fit.slope)


def mcq_threshold() -> tuple:
    K = 5
    # the right option p must exceed each of the K - 1 equal wrong masses (1 - p) / (K - 1): p > 1/K
    return K, 1 / K, 1 / 2


def grok_delay() -> tuple:
    h = _history()
    train_fit = h.step[np.argmax(h.train_acc.to_numpy() >= 0.99)]
    test_fit = h.step[np.argmax(h.test_acc.to_numpy() >= 0.9)]
    return test_fit / train_fit, h


def stretch() -> tuple:
    h = _history()
    i = int(np.argmax(h.test_acc.to_numpy() >= 0.1))  # the first evaluation at or above 0.1
    return float(h.test_loss.to_numpy()[i]), h


RIGHT = {
    "ex-other-loss-slope": loss_slope,
    "ex-other-mcq-threshold": mcq_threshold,
    "ex-other-grok-delay": grok_delay,
    "ex-other-stretch": stretch,
}


def test_loss_slope_rejects_common_slips() -> None:
    L, slope = loss_slope()
    assert "toy model" in assert_rejects("ex-other-loss-slope", L, -5.0)
    assert "log10" in assert_rejects("ex-other-loss-slope", L, slope / np.log(10))
    assert "sign" in assert_rejects("ex-other-loss-slope", L, -slope)
    with pytest.raises(ValueError, match="L must"):
        cos.check_other_loss_slope(9, slope)


def test_mcq_threshold_rejects_common_slips() -> None:
    K, p_even, p_one = mcq_threshold()
    assert "share of one wrong option" in assert_rejects("ex-other-mcq-threshold", K, 1 / (K - 1), p_one)
    # s = 1/K (a share of all K options) gives s / (1 + s) = 1/(K + 1)
    assert "K - 1 wrong options" in assert_rejects("ex-other-mcq-threshold", K, 1 / (K + 1), p_one)
    assert "p_one" in assert_rejects("ex-other-mcq-threshold", K, p_even, 1.0)
    with pytest.raises(ValueError, match="num_options"):
        cos.check_other_mcq_threshold(1, 0.5, 0.5)


def test_grok_delay_rejects_common_slips() -> None:
    ratio, h = grok_delay()
    assert "divide" in assert_rejects("ex-other-grok-delay", 1 / ratio, h)
    half = h.step[np.argmax(h.test_acc.to_numpy() >= 0.5)] / h.step[np.argmax(h.train_acc.to_numpy() >= 0.99)]
    assert "0.5" in assert_rejects("ex-other-grok-delay", half, h)
    message = assert_rejects("ex-other-grok-delay", ratio * 3, h)
    assert "too large" in message
    with pytest.raises(ValueError, match="history"):
        cos.check_other_grok_delay(ratio, pd.DataFrame({"step": [0]}))


def test_stretch_rejects_common_slips() -> None:
    loss, h = stretch()
    i = int(np.argmax(h.test_acc.to_numpy() >= 0.1))
    assert "step" in assert_rejects("ex-other-stretch", float(h.step[i]), h)
    assert "training loss" in assert_rejects("ex-other-stretch", float(h.train_loss[i]), h)
    assert "peak" in assert_rejects("ex-other-stretch", float(h.test_loss.max()), h)
    assert "bits" in assert_rejects("ex-other-stretch", loss / np.log(2), h)
    half = float(h.test_loss[int(np.argmax(h.test_acc.to_numpy() >= 0.5))])
    assert "0.5" in assert_rejects("ex-other-stretch", half, h)
    # a student who chose another definition checks it with that level
    assert cos.check_other_stretch(half, h, level=0.5).startswith("✓ ex-other-stretch")
    with pytest.raises(ValueError, match="history"):
        cos.check_other_stretch(loss, pd.DataFrame({"step": [0]}))
    with pytest.raises(ValueError, match="level"):
        cos.check_other_stretch(loss, h, level=1.5)
    with pytest.raises(ValueError, match="exit_loss"):
        cos.check_other_stretch("low", h)
