"""Argument checks shared by every helper: each failure names the argument and its accepted range."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["check_real", "check_int", "check_probability", "check_positive_array", "check_choice", "check_columns"]


def _describe(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    """Interval notation for an accepted range, e.g. '(0, inf)' or '[0, 1]'."""
    left = "(" if (low is None or low_open) else "["
    right = ")" if (high is None or high_open) else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}{right}"


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float, or raise ValueError naming ``name`` and the accepted interval.

    Not taught: the argument checks behind every helper.
    """
    accepted = _describe(low, high, low_open, high_open)
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number in {accepted}; got {value!r}") from None
    bad = (
        math.isnan(x)
        or (low is not None and (x <= low if low_open else x < low))
        or (high is not None and (x >= high if high_open else x > high))
    )
    if bad:
        raise ValueError(f"{name} must be in {accepted}; got {value!r}")
    return x


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise ValueError naming ``name`` and the accepted range.

    Not taught: the argument checks behind every helper.
    """
    accepted = _describe(low, high, False, False).replace("inf]", "inf)")
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer in {accepted}; got {value!r}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"{name} must be an integer in {accepted}; got {value!r}")
    return v


def check_probability(name: str, values: Any) -> np.ndarray:
    """Return ``values`` as a float array with every entry in [0, 1], else raise ValueError.

    Not taught: the argument checks behind every helper.
    """
    arr = np.asarray(values, dtype=float)
    if arr.size and (np.isnan(arr).any() or (arr < 0).any() or (arr > 1).any()):
        bad = arr[np.isnan(arr) | (arr < 0) | (arr > 1)].ravel()[0]
        raise ValueError(f"{name} must hold probabilities in [0, 1]; got a value {bad!r}")
    return arr


def check_positive_array(name: str, values: Any) -> np.ndarray:
    """Return ``values`` as a float array with every entry in (0, inf), else raise ValueError.

    Not taught: the argument checks behind every helper.
    """
    arr = np.asarray(values, dtype=float)
    if arr.size and (np.isnan(arr).any() or (arr <= 0).any() or np.isinf(arr).any()):
        bad = arr[np.isnan(arr) | (arr <= 0) | np.isinf(arr)].ravel()[0]
        raise ValueError(f"{name} must hold finite numbers in (0, inf); got a value {bad!r}")
    return arr


def check_choice(name: str, value: Any, options: Any) -> Any:
    """Return ``value`` if it is one of ``options``, else raise ValueError naming ``name`` and the options.

    Not taught: the argument checks behind every helper.
    """
    shown = options if isinstance(options, (list, tuple)) else list(options)
    if value not in shown:
        raise ValueError(f"{name} must be one of {shown}; got {value!r}")
    return value


def check_columns(table: Any, columns: Sequence[str], *, made_by: str) -> Any:
    """Return ``table`` if it is a pandas DataFrame with every one of ``columns``, else raise ValueError naming
    what is missing (``made_by`` says which helper makes such a table).

    Not taught: the argument checks behind every helper.
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a pandas DataFrame from {made_by}; got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"table must have the columns {list(columns)}; missing {missing}")
    return table
