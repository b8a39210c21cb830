"""Unit conversion of published numbers without binary rounding noise (0.355 billion -> 355000000.0)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

__all__ = ["scaled"]


def scaled(values: pd.Series, power: int) -> pd.Series:
    """``values`` times 10**power, computed on the decimal numbers the source wrote, then rounded once to float."""
    return values.map(lambda x: x if pd.isna(x) else float(Decimal(repr(float(x))).scaleb(power))).astype(float)
