"""Tests of ``helpers.coursework``, one module per topic module of the checks (``test_<topic>.py``).

This package's shared part, the test twin of the checks' registry: every topic test module defines
``RIGHT = {label: lambda: (args...)}``, the right answer of each of its exercises computed
independently of the checks (closed forms, scipy, fresh simulations, not the checks' internals);
``all_right`` merges them, one test module per topic module of ``helpers.coursework.TOPICS``.
``assert_rejects`` is how every topic test asserts a rejection: a ``SelfCheckError`` whose message
names the exercise and never contains the right answer's digits.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from helpers import coursework as cw
from helpers import toy_model as tm

C, ALPHA = 1e9, -0.3  # the toy model of chapters 1-4
MODEL = tm.ToyModel(C, ALPHA)


def topic_name(topic) -> str:
    """'helpers.coursework.toy_model' -> 'toy_model'."""
    return topic.__name__.rpartition(".")[2]


def all_right() -> dict:
    """The ``RIGHT`` answers of every topic test module ``tests/coursework/test_<topic>.py``, merged."""
    merged: dict = {}
    for topic in cw.TOPICS:
        tests = importlib.import_module(f"{__name__}.test_{topic_name(topic)}")
        clash = set(merged) & set(tests.RIGHT)
        assert not clash, f"{tests.__name__}: right answers defined twice for {sorted(clash)}"
        merged.update(tests.RIGHT)
    return merged


def numbers(args) -> list[float]:
    """Every number in a nested answer (for the 'no digits of the answer in the message' test)."""
    out = []
    for a in args if isinstance(args, (list, tuple)) else [args]:
        if isinstance(a, (list, tuple, np.ndarray)):
            out += numbers(list(np.ravel(np.asarray(a, dtype=float))))
        elif isinstance(a, (int, float, np.floating, np.integer)):
            out.append(float(a))
    return out


def forbidden_strings(args) -> set[str]:
    """Renderings of the right answer's numbers that a message must not contain."""
    out = set()
    for v in numbers(args):
        if v == 0 or v == round(v) and abs(v) < 10:
            continue  # 0, 1, 5 ... are too common to forbid (and are not the hard part of any answer)
        for s in (f"{v:.3g}", f"{v:.2e}", f"{v:.3f}", f"{v:,.0f}"):
            if len(s.strip("-0.,e+")) >= 3:
                out.add(s)
    return out


def assert_rejects(label: str, *args) -> str:
    """The check for ``label`` rejects ``args`` with a helpful message free of the right answer; returns it."""
    with pytest.raises(cw.SelfCheckError) as info:
        cw.CHECKS[label](*args)
    message = str(info.value)
    assert message.startswith(f"{label}: ") and len(message) > len(label) + 10, message
    answer = all_right()[label]()
    if label == "ex-metrics-mcg-smooth":
        answer = answer[1]  # the scales N are given, not part of the answer
    leaked = [s for s in forbidden_strings(answer) if s in message]
    assert not leaked, f"message gives away the answer ({leaked}): {message}"
    return message
