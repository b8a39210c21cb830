"""Self-checks for the exercises: ``check_<exercise>(answer)``, one per exercise with a checkable answer.

Shaped like ``helpers.plotting``: one module per chapter topic, holding only that chapter's checks,
and this module as the registry every chapter (and ``booktools.student``) imports from:

    checking.py          SelfCheckError, CheckPassed, check_name; reading answers, diagnosing a wrong
                         number and the verdict, shared by every topic module
    emergence_claims.py  chapter 1   (ex-ch1-...)
    toy_model.py         chapter 2   (ex-toy-...)
    metrics.py           chapter 3   (ex-metrics-...)
    resolution.py        chapter 4   (ex-res-...)
    arithmetic.py        chapter 5   (ex-arith-...)
    emergence.py         chapter 6   (ex-emerge-...)
    forecast.py          chapter 7   (ex-fc-...)
    vision.py            chapter 8   (ex-vision-...)
    other_side.py        chapter 9   (ex-other-...)
    published.py         chapter 10  (ex-pub-...)
    predicting.py        chapter 11  (ex-predicting-...)

Each topic module defines ``CHECKS = {label: function}``; the registry merges them into ``CHECKS``
(every exercise label -> its check) and re-exports every ``check_...`` function, so a chapter writes
``from helpers.coursework import check_toy_width``. The function for exercise label ``ex-toy-width``
is ``check_toy_width`` (``check_name``). A new exercise's check goes in its chapter's topic module;
a new chapter's topic module is imported here and added to ``TOPICS``.
"""

from __future__ import annotations

from collections.abc import Callable

from . import (arithmetic, emergence, emergence_claims, forecast, metrics, other_side, predicting, published,
               resolution, toy_model, vision)
from .checking import CheckPassed, SelfCheckError, check_name

# The topic modules in chapter order.
TOPICS = (emergence_claims, toy_model, metrics, resolution, arithmetic, emergence, forecast, vision, other_side,
          published, predicting)


def _merge(topics: tuple) -> dict[str, Callable[..., CheckPassed]]:
    """Every topic module's ``CHECKS`` in one mapping; a label checked twice is an error."""
    merged: dict[str, Callable[..., CheckPassed]] = {}
    for topic in topics:
        for label, fn in topic.CHECKS.items():
            if label in merged:
                raise ImportError(f"{topic.__name__}: exercise label {label!r} already has a self-check")
            merged[label] = fn
    return merged


CHECKS: dict[str, Callable[..., CheckPassed]] = _merge(TOPICS)
globals().update({fn.__name__: fn for fn in CHECKS.values()})  # from helpers.coursework import check_...

__all__ = ["SelfCheckError", "CheckPassed", "CHECKS", "TOPICS", "check_name",
           *sorted(fn.__name__ for fn in CHECKS.values())]
