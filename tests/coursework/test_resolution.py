"""Right answers (computed independently of the checks) and rejection tests for chapter 4's self-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from helpers import coursework as cw
from tests.coursework import ALPHA, C, assert_rejects


# --- right answers, computed independently ----------------------------------------------------


def res_items_needed() -> tuple:
    em = math.exp(-5 * (1e8 / C) ** ALPHA)
    return math.exp(5 * (1e8 / C) ** ALPHA), math.ceil(math.log(0.05) / math.log(1 - em))


def res_predict_zero() -> tuple:
    return (1 - 0.005) ** 200, 1 - 0.025 ** (1 / 200)


def res_four_sizes() -> list:
    grid = np.logspace(7, 12, 4)
    em = np.exp(-5 * (grid / C) ** ALPHA)
    counts = np.random.default_rng(0).binomial(100, em, size=(1, 4))[0]
    out = []
    for k in counts:
        lo = 0.0 if k == 0 else stats.beta.ppf(0.025, k, 100 - k + 1)
        hi = 1.0 if k == 100 else stats.beta.ppf(0.975, k + 1, 100 - k)
        out.append((float(lo), float(hi)))
    return out


RIGHT = {
    "ex-res-items-needed": res_items_needed,
    "ex-res-predict-zero": res_predict_zero,
    "ex-res-four-sizes": lambda: (res_four_sizes(),),
}


# --- accepting and rejecting ---------------------------------------------------------------------


def test_checks_accept_answers_within_tolerance() -> None:
    cw.check_res_predict_zero(math.exp(-1), 3.7 / 200)  # the hand approximations of the solution
    cw.check_res_items_needed(*res_items_needed()[:1], 3 / math.exp(-5 * (1e8 / C) ** ALPHA))  # rule of three


def test_res_items_needed_rejections() -> None:
    n_onset, n_detect = res_items_needed()
    assert "answer to (b)" in assert_rejects("ex-res-items-needed", n_detect, n_detect)
    assert "one expected success" in assert_rejects("ex-res-items-needed", n_onset, n_onset)
    assert "too large by a factor of about 10" in assert_rejects("ex-res-items-needed", n_onset, 10 * n_detect)


def test_res_predict_zero_rejections() -> None:
    p_zero, upper = res_predict_zero()
    assert "above zero" in assert_rejects("ex-res-predict-zero", 1 - p_zero, upper)
    assert "one-sided" in assert_rejects("ex-res-predict-zero", p_zero, 1 - 0.05 ** (1 / 200))
    assert "smallest nonzero score" in assert_rejects("ex-res-predict-zero", p_zero, 1 / 200)
    assert "first-order" in assert_rejects("ex-res-predict-zero", 1 - 200 * 0.005, upper)


def test_res_four_sizes_rejections() -> None:
    intervals = res_four_sizes()
    swapped = [(hi, lo) for lo, hi in intervals]
    assert "swapped" in assert_rejects("ex-res-four-sizes", swapped)
    one_sided = [(lo, 1 - 0.05 ** (1 / 100)) if lo == 0 else (lo, hi) for lo, hi in intervals]
    assert "one-sided" in assert_rejects("ex-res-four-sizes", one_sided)
    wald = []
    for (lo, hi), k in zip(intervals, np.random.default_rng(0).binomial(100, np.exp(-5 * (np.logspace(7, 12, 4) / C) ** ALPHA), size=(1, 4))[0]):
        ph = k / 100
        half = 1.96 * math.sqrt(ph * (1 - ph) / 100)
        wald.append((max(ph - half, 0), ph + half) if k else (lo, hi))
    assert "Wald" in assert_rejects("ex-res-four-sizes", wald)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: cw.check_res_items_needed(1e4, None), "n_detect"),
        (lambda: cw.check_res_predict_zero([0.3, 0.4], 0.01), "p_zero"),
        (lambda: cw.check_res_four_sizes([(0, 0.03)] * 3), "intervals"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
