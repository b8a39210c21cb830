"""Measuring emergence: the emergence score of Schaeffer et al. (their Eq. 1), and audits built on it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .validation import check_positive_array

__all__ = ["emergence_score"]


def emergence_score(scales: Any, scores: Any) -> float:
    """Emergence score of one curve: sign(argmax − argmin) · (max − min) / sqrt(median squared step).

    ``scales`` (model sizes, compute, ...; positive, distinct, any order) and ``scores`` (one metric
    value per scale, same length, at least 3, finite) are sorted by scale first. Documented values:
    a constant curve scores 0.0; a curve that changes but whose median squared step is 0 (all of the
    change in fewer than half the steps, e.g. one jump) scores ±inf.
    """
    x = check_positive_array("scales", scales).ravel()
    y = np.asarray(scores, dtype=float).ravel()
    if x.size != y.size:
        raise ValueError(f"scales and scores must have the same length; got {x.size} and {y.size}")
    if x.size < 3:
        raise ValueError(f"scales must hold at least 3 model scales (the median step needs 2 steps); got {x.size}")
    if not np.isfinite(y).all():
        raise ValueError(f"scores must be finite numbers; got {y[~np.isfinite(y)][0]!r}")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if (np.diff(x) == 0).any():
        raise ValueError("scales must be distinct (average repeated runs, e.g. seeds, per scale first)")
    spread = float(y.max() - y.min())
    if spread == 0.0:
        return 0.0
    sign = math.copysign(1.0, float(np.argmax(y) - np.argmin(y)))
    typical_step = math.sqrt(float(np.median(np.diff(y) ** 2)))
    return sign * (math.inf if typical_step == 0.0 else spread / typical_step)
