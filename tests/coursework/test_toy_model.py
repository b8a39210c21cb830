"""Right answers (computed independently of the checks) and rejection tests for chapter 2's self-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from helpers import coursework as cw
from helpers import toy_model as tm
from tests.coursework import ALPHA, C, assert_rejects


# --- right answers, computed independently ----------------------------------------------------


def z_q(q: float) -> float:
    """Gumbel coordinate at which exp(-exp(-z)) = q."""
    return -math.log(-math.log(q))


def toy_kaplan() -> tuple:
    c, alpha = 8.8e13, -0.076
    return [c * L ** (-1 / alpha) for L in range(1, 6)], (z_q(0.5) - z_q(0.01)) / (-alpha * math.log(10))


def toy_width_value() -> float:
    return (z_q(0.9) - z_q(0.1)) / (-ALPHA * math.log(10))


RIGHT = {
    "ex-toy-kaplan": toy_kaplan,
    "ex-toy-double": lambda: (math.log10(2) / -ALPHA, math.exp(-10 * (1e12 / C) ** ALPHA)),
    "ex-toy-width": lambda: (toy_width_value(),),
    "ex-toy-levenshtein": lambda: ("12345", "23451"),
}


# --- accepting and rejecting ---------------------------------------------------------------------


def test_checks_accept_answers_within_tolerance() -> None:
    cw.check_toy_double(1.0, 0.533**2)


def test_width_accepts_the_sympy_expression_in_alpha() -> None:
    s = tm.symbolic()
    q = sp.symbols("q", positive=True)
    x_q = sp.solve(sp.Eq(s.em_log, q), s.x)[0]
    width = sp.simplify((x_q.subs(q, sp.Rational(9, 10)) - x_q.subs(q, sp.Rational(1, 10))) / sp.log(10))
    assert cw.check_toy_width(width).startswith("✓")
    plain_alpha = sp.Symbol("alpha")  # a student's symbol without the 'negative' assumption
    assert cw.check_toy_width(width.subs(s.alpha, plain_alpha)).startswith("✓")


def test_toy_kaplan_rejections() -> None:
    n_star, width = toy_kaplan()
    chapter = [C * L ** (-1 / ALPHA) for L in range(1, 6)]
    assert "chapter's constants" in assert_rejects("ex-toy-kaplan", chapter, width)
    assert "not log10" in assert_rejects("ex-toy-kaplan", np.log10(n_star), width)
    assert "ln 10" in assert_rejects("ex-toy-kaplan", n_star, width * math.log(10))
    assert "alpha = -0.3" in assert_rejects("ex-toy-kaplan", n_star, (z_q(0.5) - z_q(0.01)) / (0.3 * math.log(10)))


def test_toy_double_rejections() -> None:
    shift, em10 = RIGHT["ex-toy-double"]()
    assert "its log10" in assert_rejects("ex-toy-double", 10**shift, em10)
    assert "ln N" in assert_rejects("ex-toy-double", shift * math.log(10), em10)
    assert "L = 5" in assert_rejects("ex-toy-double", shift, math.sqrt(em10))
    assert "squares" in assert_rejects("ex-toy-double", shift, math.sqrt(em10) / 2)
    assert "[0, 1]" in assert_rejects("ex-toy-double", shift, 1.5)


def test_toy_width_rejections() -> None:
    value = toy_width_value()
    assert "wrong sign" in assert_rejects("ex-toy-width", -value)
    assert "ln 10" in assert_rejects("ex-toy-width", value * math.log(10))
    alpha, L = sp.symbols("alpha L")
    assert "still depends on L" in assert_rejects("ex-toy-width", sp.log(L) / alpha)
    assert "alpha = -0.3" in assert_rejects("ex-toy-width", -1 / alpha)  # right shape in alpha, wrong constant


def test_toy_levenshtein_rejections() -> None:
    assert "differ in length" in assert_rejects("ex-toy-levenshtein", "1234", "12345")
    assert "identical" in assert_rejects("ex-toy-levenshtein", [1, 2, 3], [1, 2, 3])
    assert "shifted" in assert_rejects("ex-toy-levenshtein", "12345", "12399")


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: cw.check_toy_kaplan([1.0] * 4, 1.0), "n_star"),
        (lambda: cw.check_toy_double(1.0, "x"), "em_10"),
        (lambda: cw.check_toy_width(sp.Symbol("alpha") * 0 + sp.oo), "width"),
        (lambda: cw.check_toy_levenshtein([], "12"), "output"),
        (lambda: cw.check_toy_levenshtein("12", [[1, 2]]), "target"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
