"""Argument checks: good values pass through, bad ones raise ValueError naming argument and range."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.validation import check_int, check_positive_array, check_probability, check_real


@given(st.floats(min_value=1e-300, max_value=1e300))
def test_check_real_accepts_values_inside_an_open_interval(x: float) -> None:
    assert check_real("c", x, low=0, low_open=True) == x


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "abc", None])
def test_check_real_names_argument_and_interval(bad) -> None:
    with pytest.raises(ValueError, match=r"^c must be .*\(0, inf\)"):
        check_real("c", bad, low=0, low_open=True)


def test_check_real_closed_bounds_are_inclusive() -> None:
    assert check_real("L", 1, low=1) == 1.0
    with pytest.raises(ValueError, match=r"L must be in \[1, 5\]"):
        check_real("L", 5.5, low=1, high=5)
    assert math.isinf(check_real("x", float("inf"), low=0))


def test_check_int() -> None:
    assert check_int("n", 10, low=1) == 10
    assert check_int("n", np.int64(3), low=1) == 3
    assert check_int("n", 4.0, low=1) == 4
    for bad in (0, -3, 2.5, True, "7"):
        with pytest.raises(ValueError, match=r"^n must be an integer in \[1, inf\)"):
            check_int("n", bad, low=1)


def test_check_probability() -> None:
    np.testing.assert_array_equal(check_probability("p", [0, 0.5, 1]), [0, 0.5, 1])
    for bad in ([0.5, 1.01], [-0.1], [np.nan]):
        with pytest.raises(ValueError, match=r"^p must hold probabilities in \[0, 1\]"):
            check_probability("p", bad)


def test_check_positive_array() -> None:
    np.testing.assert_array_equal(check_positive_array("N", [1e7, 1e12]), [1e7, 1e12])
    for bad in ([1.0, 0.0], [-5.0], [np.inf]):
        with pytest.raises(ValueError, match=r"^N must hold finite numbers in \(0, inf\)"):
            check_positive_array("N", bad)


def test_check_choice_names_argument_and_options() -> None:
    from helpers.validation import check_choice

    assert check_choice("metric", "em", ("em", "ted")) == "em"
    assert check_choice("n", 2, iter([1, 2])) == 2
    with pytest.raises(ValueError, match=r"metric must be one of \('em', 'ted'\); got 'acc'"):
        check_choice("metric", "acc", ("em", "ted"))
    with pytest.raises(ValueError, match=r"n must be one of \[1, 2\]; got 3"):
        check_choice("n", 3, iter([1, 2]))
