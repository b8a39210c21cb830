"""Plots for chapter 7 (can we predict emergence?): forecasts of exact match against measurements.

Every function is pure: it takes tables from ``helpers.forecast`` (``forecast_table``,
``forecast_scores.error_summary``, ``sweep_arrays``) or small arrays, and returns a new ``Figure``.

Symbols
-------
N       parameters of one model
L       target length (answer tokens); ``target_len`` 0 means all test items pooled
k       number of smallest models a forecast is fitted on
EM      exact match (greedy); PU pass rate of temperature-1 samples (= mean answer probability)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import forecast as fc
from ..validation import check_choice, check_real
from . import new_figure, sequential_colors

__all__ = ["METHOD_COLORS", "METHOD_LABELS", "plot_forecast", "plot_error_vs_k", "plot_pass_rate",
           "plot_conditionals", "plot_any_length"]

METHOD_COLORS: dict[str, str] = {"toy": "#4c72b0", "pass_rate": "#da8bc3", "conditional": "#55a868",
                                 "direct": "#dd8452", "last": "0.45", "log_linear": "0.7"}
METHOD_LABELS: dict[str, str] = {"toy": r"toy: $e^{-L\,\mathrm{CE}(N)}$", "pass_rate": r"pass rate: $e^{-(N/c)^\alpha}$",
                                 "conditional": r"product of conditionals $q_j$", "direct": "direct: logit EM line",
                                 "last": "baseline: last fitted value", "log_linear": r"baseline: EM linear in $\ln N$"}


def _pick(forecasts: pd.DataFrame, **eq) -> pd.DataFrame:
    """Rows of ``forecasts`` with the given column values, else ValueError naming the first that has none."""
    if not isinstance(forecasts, pd.DataFrame) or "forecast" not in forecasts.columns:
        raise ValueError("forecasts must be a table from forecast.forecast_table")
    rows = forecasts
    for col, value in eq.items():
        if value is None:
            continue
        check_choice(col, value, sorted(rows[col].unique().tolist()))
        rows = rows[rows[col] == value]
    return rows


def _length_label(target_len: int) -> str:
    return "all items" if target_len == fc.ALL_LENGTHS else f"L = {target_len}"


def plot_forecast(forecasts: pd.DataFrame, *, task: str | None = None, k: int | None = None,
                  target_len: int = fc.ALL_LENGTHS, methods: Sequence[str] = fc.METHODS,
                  tolerance: float = 0.10) -> Figure:
    """Measured exact match (black) and each method's forecast with its bootstrap band, against N.

    Taught in chapter 7, section 'Forecasting the largest model'.
    """
    tolerance = check_real("tolerance", tolerance, low=0)
    task = task if task is not None else str(forecasts["task"].iloc[0])
    k = k if k is not None else int(forecasts["k"].iloc[0])
    rows = _pick(forecasts, task=task, k=k, target_len=target_len)
    fig, ax = new_figure(width=6.4, height=4.0)
    first = rows[rows["method"] == rows["method"].iloc[0]].sort_values("params")
    N = first["params"].to_numpy(dtype=float)
    fit_edge = N[first["fitted"].to_numpy()].max()
    ax.axvspan(N.min() / 1.3, fit_edge * 1.15, color="0.92", zorder=0, label=f"fitted on the {k} smallest")
    for method in methods:
        m = _pick(rows, method=method).sort_values("params")
        color = METHOD_COLORS[method]
        ax.fill_between(m["params"], m["lo"], m["hi"], color=color, alpha=0.2, lw=0)
        ax.plot(m["params"], m["forecast"], "-", color=color, lw=1.6, label=METHOD_LABELS[method])
    ax.plot(N, first["measured"], "o", color="black", ms=5, label="measured (mean of seeds)", zorder=5)
    top = first.iloc[-1]
    ax.errorbar([top["params"]], [top["measured"]], yerr=tolerance, color="black", capsize=5, lw=1.2, zorder=6)
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("parameters N")
    ax.set_ylabel("exact match")
    ax.set_title(f"{task}, {_length_label(target_len)}: forecast from the {k} smallest models", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    return fig


def plot_error_vs_k(summary: pd.DataFrame, *, task: str | None = None, target_len: int = fc.ALL_LENGTHS,
                    tolerance: float = 0.10) -> Figure:
    """|forecast - measured| of the largest model against k, the number of small models fitted, one line per method.

    Taught in chapter 7, section 'Why the forecasts miss'.
    """
    tolerance = check_real("tolerance", tolerance, low=0)
    if not isinstance(summary, pd.DataFrame) or "abs_error" not in summary.columns:
        raise ValueError("summary must be a table from forecast_scores.error_summary (over several k)")
    task = task if task is not None else str(summary["task"].iloc[0])
    rows = _pick(summary, task=task, target_len=target_len)
    fig, ax = new_figure(width=6.0, height=3.6)
    for method, m in rows.groupby("method", sort=False):
        m = m.sort_values("k")
        style = "s--" if method in fc.BASELINES else "o-"
        ax.plot(m["k"], m["abs_error"], style, color=METHOD_COLORS[method], label=METHOD_LABELS[method])
    ax.axhspan(0, tolerance, color="#b8e0b8", alpha=0.5, lw=0, label=f"target: |error| ≤ {tolerance:.2f}")
    largest = int(rows["params"].max())
    ax.set_xlabel("k: number of smallest models the forecast is fitted on")
    ax.set_ylabel("|forecast − measured| (largest model)")
    ax.set_title(f"{task}, {_length_label(target_len)}: largest model N = {largest:,}", fontsize=10)
    ax.set_ylim(0, 1.0)
    ax.legend(fontsize=7.5)
    return fig


def plot_pass_rate(arr: fc.SweepArrays, target_len: int, k: int, *,
                   sampled: Mapping[int, tuple[float, float, float]] | None = None) -> Figure:
    """Greedy EM, exact pass rate PU and its power-law fit on the k smallest models, on a log axis; optional
    sampled estimates {N: (estimate, lo, hi)} with their intervals.

    Taught in chapter 7, section 'Resolution as a forecasting tool'.
    """
    lens = arr.target_lens.tolist()
    j = lens.index(check_choice("target_len", target_len, lens))
    N = arr.params.astype(float)
    em = arr.exact_match[..., j].mean(axis=1)
    pu = arr.answer_prob[..., j].mean(axis=1)
    floor = 0.5 / (arr.n_items[j] * len(arr.seeds))
    fig, ax = new_figure(width=6.4, height=4.0)
    nz = em > 0
    ax.plot(N[nz], em[nz], "o", color="#c44e52", label="greedy exact match (mean of seeds)")
    ax.plot(N[~nz], np.full((~nz).sum(), floor), "v", mfc="none", color="#c44e52", ms=8,
            label="greedy exact match = 0 (drawn at the floor)")
    ax.axhline(1 / (arr.n_items[j] * len(arr.seeds)), color="#c44e52", ls=":", lw=1,
               label="1 / (items × seeds): smallest nonzero greedy score")
    ax.plot(N, pu, "s", color="#da8bc3", mfc="none", label="exact pass rate PU (answer probability)")
    law = fc.fit_power_law(N[:k], -np.log(np.clip(pu[:k], 1e-300, 1 - 1e-12)))
    grid = np.geomspace(N.min(), N.max(), 200)
    ax.plot(grid, np.exp(-law(grid)), "-", color="#da8bc3", lw=1.5,
            label=f"PU fit on the {k} smallest: α = {law.alpha:.2f}")
    if sampled:
        xs = np.array(list(sampled), dtype=float)
        est, lo, hi = (np.array([v[i] for v in sampled.values()], dtype=float) for i in range(3))
        if (est <= 0).any() or (lo > est).any() or (hi < est).any():
            raise ValueError("sampled must map N to (estimate, lo, hi) with 0 < estimate and lo <= estimate <= hi")
        lo = np.maximum(lo, est / 100)  # a lower end of 0 has no place on a log axis
        ax.errorbar(xs, est, yerr=[est - lo, hi - est], fmt="D", color="black", ms=5, capsize=3,
                    label="sampled pass rate (live models, 95 % interval)")
    ax.axvspan(N.min() / 1.3, N[k - 1] * 1.15, color="0.92", zorder=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(max(min(pu.min(), floor) / 5, 1e-12), 2)
    ax.set_xlabel("parameters N")
    ax.set_ylabel("rate (log axis)")
    ax.set_title(f"{arr.task}, L = {target_len}", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def plot_conditionals(arr: fc.SweepArrays, target_len: int, k: int) -> Figure:
    """Conditional rates q_j = EM_first_j / EM_first_(j-1) against N, with their logit-line fits on the k smallest.

    Taught in chapter 7, section 'Why the forecasts miss'.
    """
    lens = arr.target_lens.tolist()
    j = lens.index(check_choice("target_len", target_len, lens))
    N = arr.params.astype(float)
    first = arr.first[:, :, j, :].mean(axis=1)
    trials = arr.n_items[j] * len(arr.seeds)
    fig, ax = new_figure(width=6.4, height=4.0)
    colors = sequential_colors(target_len)
    grid = np.geomspace(N.min(), N.max(), 200)
    for pos in range(1, target_len + 1):
        q = fc.smoothed_rate(first[:, pos] * trials, first[:, pos - 1] * trials)
        line = fc.fit_logit_line(N[:k], first[:k, pos] * trials, first[:k, pos - 1] * trials)
        ax.plot(N, q, "o", color=colors[pos - 1], ms=4)
        ax.plot(grid, line(grid), "-", color=colors[pos - 1], lw=1.2, label=f"$q_{pos}$")
    ax.axvspan(N.min() / 1.3, N[k - 1] * 1.15, color="0.92", zorder=0)
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("parameters N")
    ax.set_ylabel(r"$q_j$: P(token $j$ right | tokens $1..j-1$ right)")
    ax.set_title(f"{arr.task}, L = {target_len}: conditional rates and their fits (k = {k})", fontsize=10)
    ax.legend(fontsize=7.5, ncol=2, loc="lower right")
    return fig


def plot_any_length(forecasts: pd.DataFrame) -> Figure:
    """Exact-match forecasts at several target lengths from one per-token fit (``forecast.forecast_any_length``),
    one panel per method: solid lines for lengths in the fit, dashed for lengths forecast without using them
    (never measured, or held out), dots for measured values, bands for the bootstrap intervals.

    Taught in chapter 7, section 'One per-token fit, any target length'.
    """
    need = {"method", "target_len", "params", "forecast", "lo", "hi", "measured", "fitted", "extrapolated_length"}
    if not isinstance(forecasts, pd.DataFrame) or not need <= set(forecasts.columns) or len(forecasts) == 0:
        raise ValueError("forecasts must be a non-empty table from forecast.forecast_any_length")
    methods = list(dict.fromkeys(forecasts["method"]))
    lengths = sorted(forecasts["target_len"].unique())
    colors = dict(zip(lengths, sequential_colors(len(lengths))))
    fig, axes = new_figure(1, len(methods), width=4.2 * len(methods), height=3.8, sharey=True, squeeze=False)
    for ax, method in zip(axes[0], methods):
        rows = forecasts[forecasts["method"] == method]
        N = np.sort(rows["params"].unique()).astype(float)
        edge = rows.loc[rows["fitted"], "params"].max()
        ax.axvspan(N.min() / 1.3, edge * 1.15, color="0.92", zorder=0)
        for L in lengths:
            r = rows[rows["target_len"] == L].sort_values("params")
            extra = bool(r["extrapolated_length"].iloc[0])
            measured = r["measured"].notna().any()
            tag = "" if not extra else (" (held out)" if measured else " (never measured)")
            ax.fill_between(r["params"], r["lo"], r["hi"], color=colors[L], alpha=0.15, lw=0)
            ax.plot(r["params"], r["forecast"], "--" if extra else "-", color=colors[L], lw=1.5,
                    label=f"L = {L}{tag}")
            ax.plot(r["params"], r["measured"], "o", color=colors[L], ms=4)
        ax.set_xscale("log")
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlabel("parameters N")
        ax.set_title(f"{method}: one per-token fit (k = {int(rows['k'].iloc[0])})", fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
    axes[0][0].set_ylabel("exact match (dots: measured)")
    return fig
