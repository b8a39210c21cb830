"""How good a forecast of exact match was: the scores of chapter 7's forecast tables.

For each forecast (a row of ``helpers.forecast.forecast_table``): the absolute error |forecast - measured|,
the relative error |forecast - measured| / measured, the log-odds error logit(forecast) - logit(measured),
both rates read at the test's resolution ((rate * trials + 1/2) / (trials + 1), trials = items x seeds),
and whether the bootstrap interval [lo, hi] covers the measured value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import logit

from .forecast import smoothed_rate
from .validation import check_real

__all__ = ["score_forecasts", "error_summary"]


def score_forecasts(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Every row of a forecast table with its errors: abs_error, rel_error, logodds_error and covered.

    rel_error = |forecast - measured| / measured (NaN where measured is 0); logodds_error =
    logit(forecast) - logit(measured), both rates first read at the test's resolution,
    (rate * trials + 1/2) / (trials + 1), so that a measured 0 or 1 has a finite logit; covered:
    lo <= measured <= hi (the bootstrap interval contains the measurement).

    Taught in chapter 7, section 'Forecasting the largest model'.
    """
    need = {"task", "method", "k", "target_len", "params", "measured", "forecast", "lo", "hi", "trials"}
    if not isinstance(forecasts, pd.DataFrame) or not need <= set(forecasts.columns) or len(forecasts) == 0:
        raise ValueError(f"forecasts must be a non-empty table from forecast_table with columns {sorted(need)}")
    out = forecasts.copy()
    m, f, t = (out[c].to_numpy(dtype=float) for c in ("measured", "forecast", "trials"))
    out["abs_error"] = np.abs(f - m)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_error"] = np.where(m > 0, np.abs(f - m) / m, np.nan)
    out["logodds_error"] = logit(smoothed_rate(f * t, t)) - logit(smoothed_rate(m * t, t))
    out["covered"] = (out["lo"] <= m + 1e-12) & (m <= out["hi"] + 1e-12)
    return out


def error_summary(forecasts: pd.DataFrame, tolerance: float = 0.10) -> pd.DataFrame:
    """For each task, method, k and length, the forecast of the largest model and its scores
    (``score_forecasts``), and hit: abs_error <= tolerance.

    Taught in chapter 7, section 'Forecasting the largest model'.
    """
    tolerance = check_real("tolerance", tolerance, low=0)
    scored = score_forecasts(forecasts)
    largest = scored[scored["params"] == scored.groupby("task")["params"].transform("max")]
    cols = ["task", "method", "k", "target_len", "params", "measured", "forecast", "lo", "hi", "abs_error",
            "rel_error", "logodds_error", "covered"]
    out = largest[cols].copy()
    out["hit"] = out["abs_error"] <= tolerance
    return out.reset_index(drop=True)
