"""Right answers (computed independently of the checks) and rejection tests for chapter 1's self-checks."""

from __future__ import annotations

import math

import pytest

from helpers import coursework as cw
from helpers import emergence_claims as ec
from tests.coursework import ALPHA, C, assert_rejects


# --- right answers, computed independently ----------------------------------------------------


def ch1_half() -> tuple:
    return 2 ** (-1 / 5), C * (math.log(2) / 5) ** (1 / ALPHA)


def ch1_read_table() -> tuple:
    scratch = next(p for p in ec.EMERGENCE_POINTS if "Scratchpad" in p.task)
    lowest = min(p.flops for p in ec.EMERGENCE_POINTS if p.setting == "few-shot")
    return math.log10(lowest / scratch.flops), "none"  # (c): one number per task, no outputs to re-score


RIGHT = {
    "ex-ch1-half": ch1_half,
    "ex-ch1-longer-answers": lambda: ([-ALPHA / math.e] * 3,),
    "ex-ch1-read-table": ch1_read_table,
}


# --- accepting and rejecting ---------------------------------------------------------------------


def test_checks_accept_answers_within_tolerance() -> None:
    p, n = ch1_half()
    cw.check_ch1_half(round(p, 4), n * 1.005)
    cw.check_ch1_longer_answers({1: -ALPHA / math.e, 5: -ALPHA / math.e, 20: -ALPHA / math.e * 1.005})


def test_ch1_half_rejections() -> None:
    p, n = ch1_half()
    assert "all L tokens" in assert_rejects("ex-ch1-half", 0.5, n)
    assert "per-token probability is 1/2" in assert_rejects("ex-ch1-half", p, C * math.log(2) ** (1 / ALPHA))
    assert "log10" in assert_rejects("ex-ch1-half", p, math.log10(n))
    assert "between 0 and 1" in assert_rejects("ex-ch1-half", 1.2, n)
    assert "(b) N: too large" in assert_rejects("ex-ch1-half", p, 3 * n)


def test_ch1_longer_answers_rejections() -> None:
    slope = -ALPHA / math.e
    assert "per decade" in assert_rejects("ex-ch1-longer-answers", [slope * math.log(10)] * 3)
    assert "wrong sign" in assert_rejects("ex-ch1-longer-answers", [-slope] * 3)
    assert "with respect to N" in assert_rejects("ex-ch1-longer-answers", [slope / 1e9] * 3)
    message = assert_rejects("ex-ch1-longer-answers", [slope, 5 * slope, 20 * slope])
    assert "L = 1" not in message and "factor of L" in message


def test_ch1_read_table_rejections() -> None:
    orders, choice = ch1_read_table()
    assert "natural logarithm" in assert_rejects("ex-ch1-read-table", orders * math.log(10), choice)
    assert "wrong sign" in assert_rejects("ex-ch1-read-table", -orders, choice)
    assert "parameter counts" in assert_rejects("ex-ch1-read-table", math.log10(13e9 / 40e6), choice)
    assert "too" in assert_rejects("ex-ch1-read-table", orders + 0.5, choice)


@pytest.mark.parametrize("wrong", ["P1", "P2", "P3", "P4", "p1"])
def test_ch1_read_table_checks_the_conceptual_answer(wrong: str) -> None:
    """The self-check covers part (c), which prediction the figure could test, not only the side number."""
    orders, _ = ch1_read_table()
    message = assert_rejects("ex-ch1-read-table", orders, wrong)
    assert message.startswith("ex-ch1-read-table: (c) " + wrong.upper()) and "(b)" not in message
    assert "none" not in message.lower()
    assert cw.check_ch1_read_table(orders, " None ").startswith("✓")


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: cw.check_ch1_half("abc", 1e11), "p_half"),
        (lambda: cw.check_ch1_half(0.87, float("nan")), "n_half"),
        (lambda: cw.check_ch1_longer_answers([0.1, 0.1]), "slopes"),
        (lambda: cw.check_ch1_read_table(None, "none"), "orders"),
        (lambda: cw.check_ch1_read_table(2.2, "P5"), "prediction"),
        (lambda: cw.check_ch1_read_table(2.2, 1), "prediction"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
