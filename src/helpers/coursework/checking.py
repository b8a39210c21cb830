"""What every self-check shares: the verdict types, reading an answer, diagnosing a wrong number.

A check computes the expected value itself from the other helpers (nothing is copied from a
solution), compares the student's answer within a stated tolerance, and

- returns a short "✓" message (a ``CheckPassed`` string) when the answer is right;
- raises ``SelfCheckError`` (an ``AssertionError``) saying *what* is wrong when it is not: wrong
  sign, off by a recognisable factor, a known slip (natural log for decades, the wrong tail, ...),
  too large or too small for the tolerance. The message never contains the right answer.

Bad input (not a number, wrong shape, unknown key) raises ``ValueError`` naming the argument, as
every helper does (``as_number``, ``as_numbers``, ``as_tokens``). ``diagnose`` compares one number
and names the slip; ``verdict`` turns a list of problems into the ✓ message or the error. The
function for exercise label ``ex-toy-width`` is ``check_toy_width``: ``check_name(label)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from scipy import optimize

from .. import toy_model as tm
from ..validation import check_real

__all__ = [
    "SelfCheckError",
    "CheckPassed",
    "check_name",
    "as_number",
    "as_numbers",
    "as_tokens",
    "close",
    "diagnose",
    "verdict",
    "CHAPTER_MODEL",
    "LN10",
    "decades_where_em",
]

CHAPTER_MODEL = tm.ToyModel(c=1e9, alpha=-0.3)  # the constants chapters 1-4 use (our choice)
LN10 = math.log(10)


class SelfCheckError(AssertionError):
    """A self-check found a wrong answer; the message says what is wrong, never the right answer.

    Not taught: what the self-checks of every chapter's exercises share.
    """


class CheckPassed(str):
    """The message of a passed self-check; shown without quotes in a notebook.

    Not taught: what the self-checks of every chapter's exercises share.
    """

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def check_name(label: str) -> str:
    """Name of the self-check function of an exercise label: 'ex-toy-width' -> 'check_toy_width'.

    Not taught: what the self-checks of every chapter's exercises share.
    """
    if not isinstance(label, str) or not label.startswith("ex-"):
        raise ValueError(f"label must be an exercise label starting with 'ex-'; got {label!r}")
    return "check_" + label.removeprefix("ex-").replace("-", "_")


# --- input handling ---------------------------------------------------------------------------


def as_number(name: str, value: Any) -> float:
    """A finite real number, else ValueError naming the argument.

    Not taught: what the self-checks of every chapter's exercises share.
    """
    if isinstance(value, sp.Basic):
        try:
            value = float(value)
        except TypeError:
            raise ValueError(f"{name} must be a number, not an expression with symbols; got {value!r}") from None
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    return check_real(name, value, low=-math.inf, high=math.inf, low_open=True, high_open=True)


def as_numbers(name: str, values: Any, length: int) -> np.ndarray:
    """``length`` finite real numbers as a 1-D array, else ValueError naming the argument.

    Not taught: what the self-checks of every chapter's exercises share.
    """
    if isinstance(values, Mapping):
        values = list(values.values())
    try:
        arr = np.asarray([float(v) for v in np.ravel(np.asarray(values, dtype=object))], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of {length} numbers; got {values!r}") from None
    if arr.shape != (length,) or not np.isfinite(arr).all():
        raise ValueError(f"{name} must be a sequence of {length} finite numbers; got {values!r}")
    return arr


def as_tokens(name: str, seq: Any) -> list:
    """A non-empty 1-D token sequence (a string is a sequence of characters), else ValueError.

    Not taught: what the self-checks of every chapter's exercises share.
    """
    if isinstance(seq, np.ndarray):
        seq = seq.tolist()
    if isinstance(seq, (str, list, tuple)) and len(seq) > 0 and all(not isinstance(t, (list, tuple)) for t in seq):
        return list(seq)
    raise ValueError(f"{name} must be a non-empty 1-D sequence of tokens (a list or a string); got {seq!r}")


# --- comparing one number ---------------------------------------------------------------------

_FACTORS = (
    (LN10, "ln 10 ≈ 2.3 (natural logarithm where log10 is meant, or the other way round?)"),
    (10.0, "10"),
    (2.0, "2"),
    (math.e, "e"),
    (3.0, "3"),
)


def close(got: float, want: float, rtol: float, atol: float) -> bool:
    """Whether ``got`` lies within ``max(atol, rtol * |want|)`` of ``want``.

    Not taught: what the self-checks of every chapter's exercises share.
    """
    return abs(got - want) <= max(atol, rtol * abs(want))


def diagnose(what: str, got: float, want: float, *, rtol: float = 0.0, atol: float = 0.0,
             known: Sequence[tuple[float, str]] = ()) -> str | None:
    """None if ``got`` is within tolerance of ``want``, else a message saying what is wrong with it.

    Not taught: what the self-checks of every chapter's exercises share.
    """
    if close(got, want, rtol, atol):
        return None
    for value, message in known:
        if close(got, value, max(rtol, 1e-3), atol):
            return f"{what}: {message}"
    if want != 0 and close(-got, want, rtol, atol):
        return f"{what}: wrong sign"
    if want != 0 and got != 0 and np.sign(got) == np.sign(want):
        ratio = got / want
        for factor, name in _FACTORS:
            for r, size in ((factor, "large"), (1 / factor, "small")):
                if abs(ratio / r - 1) <= max(2 * rtol, 0.01):
                    return f"{what}: too {size} by a factor of about {name}"
    tol = f"tolerance {atol:g}" if atol else f"relative tolerance {rtol:g}"  # never derived from the answer
    if want != 0 and abs(got / want - 1) < 10 * max(rtol, atol / abs(want)):
        return f"{what}: close, but outside the {tol}; recompute it rather than rounding or reading a plot"
    return f"{what}: too {'large' if got > want else 'small'} (outside the {tol})"


def verdict(label: str, problems: list[str | None], passed: str) -> CheckPassed:
    """Raise SelfCheckError listing the problems, or return the ✓ message.

    Not taught: what the self-checks of every chapter's exercises share.
    """
    problems = [p for p in problems if p]
    if problems:
        raise SelfCheckError(f"{label}: " + "; ".join(problems))
    return CheckPassed(f"✓ {label}: {passed}")


# --- the toy model of chapters 1-4 ------------------------------------------------------------


def decades_where_em(q: float, L: float, model: tm.ToyModel) -> float:
    """log10 of the scale at which the toy model's exact match equals q (root finding on the helper).

    Not taught: what the self-checks of every chapter's exercises share.
    """
    return optimize.brentq(lambda d: float(tm.exact_match(10.0**d, L, model)) - q, -10, 300, xtol=1e-13, rtol=1e-15)

