"""Tests of helpers.emergence against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.emergence import emergence_score


def test_hand_computed_rising_curve() -> None:
    # steps 0.1, 0.1, 0.6: squared 0.01, 0.01, 0.36, median 0.01 -> sqrt 0.1; range 0.8
    assert emergence_score([1, 10, 100, 1000], [0.0, 0.1, 0.2, 0.8]) == pytest.approx(8.0)


def test_hand_computed_even_number_of_steps() -> None:
    # steps 1, 2, 3, 4 -> squared 1, 4, 9, 16, median (4 + 9) / 2 = 6.5; range 10
    assert emergence_score([1, 2, 3, 4, 5], [0, 1, 3, 6, 10]) == pytest.approx(10 / math.sqrt(6.5))


def test_falling_curve_is_negative_and_order_of_input_does_not_matter() -> None:
    x, y = [1, 10, 100, 1000], [0.8, 0.2, 0.1, 0.0]
    assert emergence_score(x, y) == pytest.approx(-8.0)
    assert emergence_score(x[::-1], y[::-1]) == pytest.approx(-8.0)


def test_documented_values() -> None:
    assert emergence_score([1, 2, 3], [0.5, 0.5, 0.5]) == 0.0
    assert emergence_score([1, 2, 3, 4], [0, 0, 0, 1]) == math.inf
    assert emergence_score([1, 2, 3, 4], [1, 0, 0, 0]) == -math.inf


@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=12), st.floats(0.1, 10), st.floats(-5, 5))
def test_invariant_to_affine_rescaling_of_scores(y, a, b) -> None:
    x = np.arange(1, len(y) + 1)
    y = np.asarray(y)
    base = emergence_score(x, y)
    scaled = emergence_score(x, a * y + b)
    if math.isfinite(base) and abs(base) < 1e6:
        assert scaled == pytest.approx(base, rel=1e-6, abs=1e-9)


def test_linear_curve_scores_number_of_steps() -> None:
    n = 7
    assert emergence_score(np.logspace(3, 9, n), np.linspace(0, 1, n)) == pytest.approx(n - 1)


@pytest.mark.parametrize(
    "scales, scores, name",
    [
        ([1, 2], [0, 1], "scales"),
        ([1, 2, 3], [0, 1], "same length"),
        ([1, 2, 3], [0, float("nan"), 1], "scores"),
        ([1, 0, 3], [0, 1, 2], "scales"),
        ([1, 1, 3], [0, 1, 2], "distinct"),
    ],
)
def test_bad_input_names_the_problem(scales, scores, name) -> None:
    with pytest.raises(ValueError, match=name):
        emergence_score(scales, scores)
