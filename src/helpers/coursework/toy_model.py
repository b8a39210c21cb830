"""Self-checks for the exercises of chapter 2 (the toy model, derived).

Each ``check_<exercise>(...)`` computes the expected value itself by root finding and evaluation on
``helpers.toy_model`` (never from the closed forms the chapter derives), and answers as
``helpers.coursework.checking`` describes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from .. import metrics
from .. import toy_model as tm
from .checking import (CHAPTER_MODEL, CheckPassed, SelfCheckError, as_number, as_numbers, as_tokens, check_name,
                       decades_where_em, diagnose, verdict)

__all__ = ["CHECKS", "check_toy_kaplan", "check_toy_double", "check_toy_width", "check_toy_levenshtein"]

KAPLAN_MODEL = tm.ToyModel(c=8.8e13, alpha=-0.076)  # Kaplan et al.'s fit, given in ex-toy-kaplan


def check_toy_kaplan(n_star: Sequence[float], width: float) -> CheckPassed:
    """ex-toy-kaplan: N* for L = 1..5 with Kaplan's constants, and the decades from EM = 1 % to 50 %.

    Used in chapter 2, section 'Exercises'.
    """
    got = as_numbers("n_star", n_star, 5)
    w_got = as_number("width", width)
    problems = []
    for L, g in zip(range(1, 6), got):
        want = tm.steepest_scale(L, KAPLAN_MODEL)
        problems.append(diagnose(f"N* for L = {L}", g, want, rtol=0.01, known=[
            (tm.steepest_scale(L, CHAPTER_MODEL), "that uses the chapter's constants, not Kaplan et al.'s"),
            (math.log10(want), "give N* itself, not log10 N*"),
            (math.log(want), "give N* itself, not ln N*")]))
    w_want = decades_where_em(0.5, 1, KAPLAN_MODEL) - decades_where_em(0.01, 1, KAPLAN_MODEL)
    w_chapter = decades_where_em(0.5, 1, CHAPTER_MODEL) - decades_where_em(0.01, 1, CHAPTER_MODEL)
    problems.append(diagnose("width", w_got, w_want, rtol=0.01, known=[
        (w_chapter, "that is the width for the chapter's alpha = -0.3, not Kaplan's")]))
    return verdict("ex-toy-kaplan", problems, "five N* and the width within 1 %")


def check_toy_double(shift: float, em_10: float) -> CheckPassed:
    """ex-toy-double: (a) decades N* moves from L = 5 to L = 10; (c) EM at N = 1e12 for L = 10.

    Used in chapter 2, section 'Exercises'.
    """
    s_got, e_got = as_number("shift", shift), as_number("em_10", em_10)
    ratio = tm.steepest_scale(10, CHAPTER_MODEL) / tm.steepest_scale(5, CHAPTER_MODEL)
    s_want = math.log10(ratio)
    e_want = float(tm.exact_match(1e12, 10, CHAPTER_MODEL))
    e_five = float(tm.exact_match(1e12, 5, CHAPTER_MODEL))
    problems = [
        diagnose("(a) shift", s_got, s_want, atol=0.01, known=[
            (ratio, "that is the factor N* is multiplied by; the question asks for decades, its log10"),
            (math.log(ratio), "that is the shift in ln N; a decade is a factor of 10")]),
        diagnose("(c) EM", e_got, e_want, rtol=0.01, known=[
            (e_five, "that is exact match for L = 5, not L = 10"),
            (2 * e_five, "doubling L squares exact match, it does not double it"),
            (e_five / 2, "doubling L squares exact match, it does not halve it")]),
    ]
    if not 0 <= e_got <= 1:
        problems[1] = "(c) EM is a probability, so it must lie in [0, 1]"
    return verdict("ex-toy-double", problems, "shift within 0.01 decades, EM within 1 %")


def _width_decades(alpha: float) -> float:
    """Decades from EM = 10 % to 90 % in the toy model with exponent alpha (root finding on the helper)."""
    model = tm.ToyModel(c=1e9, alpha=alpha)
    return decades_where_em(0.9, 1, model) - decades_where_em(0.1, 1, model)


def check_toy_width(width: Any) -> CheckPassed:
    """ex-toy-width: log10 N_0.9 - log10 N_0.1, as a sympy expression in alpha or as its value at alpha = -0.3.

    Used in chapter 2, section 'Exercises'.
    """
    alphas = (-0.1, -0.3, -0.76)
    if isinstance(width, sp.Basic) and width.free_symbols:
        names = sorted(str(sym) for sym in width.free_symbols)
        others = [n for n in names if n != "alpha"]
        if others:
            raise SelfCheckError(
                f"ex-toy-width: your width still depends on {', '.join(others)}; the point of the exercise is that "
                "they cancel in the difference (try sp.simplify or sp.expand_log(..., force=True))")
        alpha_sym = next(iter(width.free_symbols))
        values = []
        for a in alphas:
            try:
                values.append(complex(width.subs(alpha_sym, a).evalf()))
            except (TypeError, ValueError):
                raise SelfCheckError(f"ex-toy-width: your expression cannot be evaluated at alpha = {a}") from None
        if any(abs(v.imag) > 1e-9 for v in values):
            raise SelfCheckError("ex-toy-width: your expression is not real for alpha < 0; check the logarithms")
        problems = [diagnose(f"width at alpha = {a}", v.real, _width_decades(a), rtol=1e-4)
                    for a, v in zip(alphas, values)]
        return verdict("ex-toy-width", problems, "your expression matches at three values of alpha")
    got = as_number("width", width)
    problem = diagnose("width at alpha = -0.3", got, _width_decades(-0.3), rtol=0.005)
    return verdict("ex-toy-width", [problem], "within 0.5 %")


def check_toy_levenshtein(output: Sequence, target: Sequence) -> CheckPassed:
    """ex-toy-levenshtein: an output that differs from its target by substitutions only, yet whose
    Levenshtein distance is smaller than its number of wrong tokens.

    Used in chapter 2, section 'Exercises'.
    """
    out, tgt = as_tokens("output", output), as_tokens("target", target)
    if len(out) != len(tgt):
        raise SelfCheckError("ex-toy-levenshtein: output and target differ in length, so this is not "
                             "substitutions only; keep the length and change tokens")
    wrong = sum(a != b for a, b in zip(out, tgt))
    if wrong == 0:
        raise SelfCheckError("ex-toy-levenshtein: output and target are identical: no wrong tokens")
    lev = int(metrics.token_edit_distance([out], [tgt])[0])
    if lev >= wrong:
        raise SelfCheckError(
            f"ex-toy-levenshtein: for this pair the Levenshtein distance equals the number of wrong tokens "
            f"({wrong}); look for an output that is the target shifted by a position")
    return CheckPassed(f"✓ ex-toy-levenshtein: {wrong} wrong tokens, but Levenshtein distance only {lev}")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-toy-kaplan", "ex-toy-double", "ex-toy-width", "ex-toy-levenshtein")
}
