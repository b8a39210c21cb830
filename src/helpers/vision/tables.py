"""Summaries of the vision sweeps: seed means of one metric, and the lognormal fit of per-image errors.

``seed_mean`` reads a tidy table from ``helpers.vision.sweep`` (columns params, seed, metric, K, c,
value); ``lognormal_fit`` reads the per-image squared errors of a family of autoencoders. Nothing
here trains or draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..validation import check_columns

__all__ = ["COLUMNS", "check_table", "seed_mean", "by_size", "lognormal_fit", "threshold_audit"]

COLUMNS: tuple[str, ...] = ("params", "seed", "metric", "K", "c", "value")


def check_table(table: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """``table`` itself if it is a vision sweep table holding ``metrics``, else ValueError naming what is missing.

    Taught in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    check_columns(table, COLUMNS, made_by="helpers.vision.sweep")
    absent = [m for m in metrics if m not in set(table["metric"])]
    if absent:
        raise ValueError(f"table must hold the metrics {list(metrics)}; missing {absent}")
    return table


def seed_mean(table: pd.DataFrame, metric: str, K: int = 0, c: float = 0.0) -> pd.Series:
    """Mean over seeds of one metric (at one K and c) against params, ascending.

    Taught in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    check_table(table, [metric])
    rows = table[(table["metric"] == metric) & (table["K"] == K) & np.isclose(table["c"], c)]
    if rows.empty:
        raise ValueError(f"K, c: the table has no {metric} rows with K = {K}, c = {c:g}")
    return rows.groupby("params")["value"].mean().sort_index()


def by_size(params, errors_by_model) -> tuple[np.ndarray, list[np.ndarray]]:
    """The models' sizes in ascending order and their per-image error arrays in that order (at least 3 models).

    Taught in chapter 8, section 'Experiment 2: reconstructing images better than $c$'.
    """
    params = np.asarray(params, dtype=float)
    if params.ndim != 1 or len(params) != len(errors_by_model) or len(params) < 3:
        raise ValueError("params and errors_by_model must give one error array for each of at least 3 models")
    order = np.argsort(params)
    return params[order], [np.asarray(errors_by_model[i], dtype=float) for i in order]


def lognormal_fit(params: Sequence[float], errors_by_model: Sequence[np.ndarray]) -> pd.DataFrame:
    """Per model: mu and sigma of ln e_i, the fitted line mu = ln m0 - beta ln N, and the pooled sigma.

    Columns: params, mu, sigma (per model), mu_line (the least-squares line at that N), sigma_pooled
    (root mean of the per-model variances). Errors must be positive (their logarithm is taken).

    Taught in chapter 8, section 'Experiment 2: reconstructing images better than $c$'.
    """
    params, errors = by_size(params, errors_by_model)
    if any((e <= 0).any() for e in errors):
        raise ValueError("errors_by_model must hold positive squared errors (their logarithm is fitted)")
    logs = [np.log(e) for e in errors]
    mu = np.array([v.mean() for v in logs])
    sigma = np.array([v.std(ddof=1) for v in logs])
    slope, intercept = np.polyfit(np.log(params), mu, 1)
    return pd.DataFrame({"params": params, "mu": mu, "sigma": sigma, "mu_line": intercept + slope * np.log(params),
                         "sigma_pooled": float(np.sqrt(np.mean(sigma**2)))})


def threshold_audit(table: pd.DataFrame, **audit_options) -> pd.DataFrame:
    """The audit (``emergence.audit``, seeds averaged) of every Reconstruction_c curve of an autoencoder
    sweep table, one row per threshold c, ascending: c, n_scales, relative, jump_at, rise, emergent,
    late_rising and ``verdict`` ("late rise", "early jump", "small rise", "duplicate" or "not flagged").
    ``audit_options`` go to ``emergence.audit`` (threshold, min_rise, late_from).

    Taught in chapter 8, section 'Which experiments manufactured emergence?'.
    """
    from .. import emergence

    check_table(table, ["reconstruction_c"])
    scores = emergence.audit(table[table["metric"] == "reconstruction_c"], **audit_options).sort_values("c")
    verdict = np.where(scores["late_rising"], "late rise",
                       np.where(scores["emergent"], scores["dropped_by"], "not flagged"))
    out = scores[["c", "n_scales", "relative", "jump_at", "rise", "emergent", "late_rising"]].assign(verdict=verdict)
    return out.reset_index(drop=True)
