"""The part of grading that runs inside the student's kernel (``booktools.grade`` injects the calls).

``install()`` wraps every self-check of ``helpers.coursework`` so that each call records its arguments
(encoded at once with ``booktools.answers.encode``) before running the check as usual: the student sees
the normal ✓ or hint. ``report(label, token)`` shows the last recorded call of an exercise as a
display output of a MIME type of its own, tagged with a token that only the grader knows. The grader
never trusts what this code says about *passing*: it decodes the arguments and runs the self-check
itself, in its own process.
"""

from __future__ import annotations

import sys
from typing import Any

MIME = "application/vnd.mirage.answer+json"
_CALLS: dict[str, dict] = {}


def _recorder(label: str, fn: Any) -> Any:
    from .answers import encode

    def recorded(*args: Any, **kwargs: Any) -> Any:
        try:
            _CALLS[label] = {"args": [encode(a) for a in args], "kwargs": {k: encode(v) for k, v in kwargs.items()}}
        except (TypeError, ValueError, RecursionError) as err:
            _CALLS[label] = {"unreadable": f"{err}"}
        return fn(*args, **kwargs)

    recorded.__name__, recorded.__qualname__, recorded.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    recorded.__module__ = fn.__module__
    try:
        import inspect

        recorded.__signature__ = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover
        pass
    return recorded


def install() -> None:
    """Record every call of a self-check, under whatever module name the student imports it from."""
    from helpers import coursework

    originals = {fn: label for label, fn in coursework.CHECKS.items()}
    wrapped = {fn: _recorder(label, fn) for fn, label in originals.items()}
    for name, module in list(sys.modules.items()):
        if not (name == "helpers.coursework" or name.startswith("helpers.coursework")):
            continue
        for attr, value in list(vars(module).items()):
            if callable(value) and value in wrapped:
                setattr(module, attr, wrapped[value])
    for fn, rec in wrapped.items():  # names loaded lazily by helpers.coursework.__getattr__
        setattr(coursework, fn.__name__, rec)


def report(label: str, token: str) -> None:
    """Show the last recorded call of ``label``'s self-check (or that there was none) for the grader."""
    from IPython.display import display

    display({MIME: {"token": token, "label": label, "call": _CALLS.get(label)}}, raw=True)
