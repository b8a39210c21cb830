"""Plots for chapter 3: one set of sampled model outputs, scored by every metric.

Each function takes a tidy table from ``helpers.simulation.score`` (or plain parameters) and only
draws: the sampling happens once, in the chapter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import simulation as sim
from .. import toy_model as tm
from ..validation import check_choice, check_int, check_real
from . import METRIC_COLORS, new_figure, sequential_colors

__all__ = [
    "METRIC_LABELS",
    "METRIC_KINDS",
    "metric_of_error",
    "plot_same_outputs",
    "plot_metric_explorer",
    "plot_taylor",
    "plot_correlated_errors",
]

METRIC_LABELS: dict[str, str] = {
    "cross_entropy": "per-token loss (nats) ↓",
    "token_accuracy": "per-token accuracy ↑",
    "exact_match": "exact match ↑",
    "multiple_choice_grade": "multiple-choice grade ↑",
    "edit_distance": "token edit distance ↓",
    "brier_score": "Brier score ↓",
}

# How each metric depends on the per-token error eps = 1 - p (toy model, independent errors).
METRIC_KINDS: dict[str, str] = {
    "cross_entropy": "smooth but nonlinear: $-\\ln(1-\\epsilon)$",
    "token_accuracy": "linear: $1-\\epsilon$",
    "exact_match": "nonlinear: $(1-\\epsilon)^L$",
    "multiple_choice_grade": "discontinuous: step at $\\epsilon=1/2$",
    "edit_distance": "linear: $L\\epsilon$",
    "brier_score": "smooth but nonlinear: $\\epsilon^2$",
}

_COLORS = {**METRIC_COLORS, "token_accuracy": METRIC_COLORS["token_prob"]}


def _check_metric(metric: str) -> str:
    check_choice("metric", metric, sim.METRICS)
    return metric


def metric_of_error(metric: str, eps, L: float = 1) -> np.ndarray:
    """A toy metric as a function of the per-token error ``eps = 1 - p`` (independent errors).

    Taught in chapter 3, section 'Linear, nonlinear, discontinuous: all in terms of $\\epsilon$'.
    """
    _check_metric(metric)
    eps = np.asarray(eps, dtype=float)
    L = check_real("L", L, low=1, high=np.inf, high_open=True)
    with np.errstate(divide="ignore"):
        return {
            "cross_entropy": lambda: -np.log1p(-eps),
            "token_accuracy": lambda: 1 - eps,
            "exact_match": lambda: (1 - eps) ** L,
            "multiple_choice_grade": lambda: (eps < 0.5).astype(float),
            "edit_distance": lambda: L * eps,
            "brier_score": lambda: eps**2,
        }[metric]()


def _ylim(metric: str, table: pd.DataFrame) -> tuple[float, float]:
    if metric == "cross_entropy":
        return 0.0, 1.08 * float(table.loc[table.metric == metric, "value"].max())
    if metric == "edit_distance":
        return 0.0, 1.05 * float(table.target_len.max())
    return -0.04, 1.04


def _rows(table: pd.DataFrame, metric: str, L: int) -> pd.DataFrame:
    rows = table[(table.metric == metric) & (table.target_len == L)].sort_values("params")
    if rows.empty:
        raise ValueError(f"table has no rows for metric={metric!r} and L={L}; lengths held: {sorted(table.target_len.unique())}")
    return rows


def _draw_vs_scale(ax, table, metric, L, model, rho, analytic=True, legend=False):
    rows = _rows(table, metric, L)
    N_fine = np.logspace(np.log10(rows.params.min()), np.log10(rows.params.max()), 300)
    color = _COLORS[metric]
    if analytic:
        ax.plot(N_fine, sim.expected_metric(metric, N_fine, L, rho=rho, model=model), color=color, lw=2,
                label="toy model (formula)")
    ax.errorbar(rows.params, rows.value, yerr=2 * rows.stderr, fmt="o", ms=4, color="black", mfc="white",
                capsize=2, lw=1, label="sampled outputs (±2 SE)")
    ax.set_xscale("log")
    ax.set_ylim(*_ylim(metric, table))
    ax.set(xlabel="parameters $N$", title=METRIC_LABELS[metric])
    if legend:
        ax.legend(fontsize=8, loc="best")


def plot_same_outputs(table: pd.DataFrame, L: int = 5, *, model: tm.ToyModel = tm.ToyModel(),
                      rho: float = 0.0) -> Figure:
    """Six metrics against scale, all computed from one set of sampled outputs, with the toy formulas.

    Taught in chapter 3, section 'Six metrics, one set of outputs'.
    """
    L = check_int("L", L, low=1)
    fig, axes = new_figure(2, 3, width=10.5, height=6.2)
    for i, (ax, metric) in enumerate(zip(axes.ravel(), sim.METRICS)):
        _draw_vs_scale(ax, table, metric, L, model, rho, legend=(i == 2))
    fig.suptitle(f"One set of model outputs ({L}-token targets), six metrics", fontsize=12)
    return fig


def plot_metric_explorer(table: pd.DataFrame, metric: str = "exact_match", L: int = 5, *,
                         model: tm.ToyModel = tm.ToyModel()) -> Figure:
    """One metric on fixed outputs: against scale N (left) and against per-token error eps (right).

    Taught in chapter 3, section 'Linear, nonlinear, discontinuous: all in terms of $\\epsilon$'.
    """
    _check_metric(metric)
    L = check_int("L", L, low=1)
    fig, (left, right) = new_figure(1, 2, width=9.5, height=3.8)
    _draw_vs_scale(left, table, metric, L, model, 0.0, legend=True)
    left.set_title(f"{METRIC_LABELS[metric]},  $L$ = {L}")

    rows = _rows(table, metric, L)
    eps_pts = -np.expm1(-tm.cross_entropy(rows.params.to_numpy(), model))
    eps = np.linspace(0, 1, 501)
    right.plot(eps, metric_of_error(metric, eps, L), color=_COLORS[metric], lw=2)
    right.errorbar(eps_pts, rows.value, yerr=2 * rows.stderr, fmt="o", ms=4, color="black", mfc="white",
                   capsize=2, lw=1)
    right.set_xlim(1, 0)  # reversed: better models on the right, as in the left panel
    right.set_ylim(*_ylim(metric, table))
    right.set(xlabel="per-token error $\\epsilon = 1 - p$ (reversed axis)", title=METRIC_KINDS[metric])
    return fig


def plot_taylor(L: int = 5, lengths=(2, 5, 10, 50)) -> Figure:
    """Exact match ``(1-eps)^L`` against its Taylor approximations (left) and the linear error against L*eps (right).

    Taught in chapter 3, section 'Near $p = 1$, exact match is linear too'.
    """
    L = check_int("L", L, low=1)
    fig, (left, right) = new_figure(1, 2, width=10, height=3.8)
    eps = np.linspace(0, 1, 401)
    left.plot(eps, (1 - eps) ** L, color=METRIC_COLORS["exact_match"], lw=2.5, label="$(1-\\epsilon)^L$ (exact)")
    left.plot(eps, 1 - L * eps, "k--", lw=1.3, label="$1 - L\\epsilon$ (first order)")
    left.plot(eps, 1 - L * eps + L * (L - 1) / 2 * eps**2, "k:", lw=1.3, label="second order")
    left.plot(eps, np.exp(-L * eps), color="gray", lw=1, label="$e^{-L\\epsilon}$")
    left.axvline(1 / L, color="gray", lw=0.8)
    left.annotate("$L\\epsilon = 1$", (1 / L, 0.9), xytext=(6, 0), textcoords="offset points", fontsize=9)
    left.set(xlim=(0, min(1, 3 / L)), ylim=(-0.3, 1.05), xlabel="per-token error $\\epsilon$",
             ylabel="exact match", title=f"Near $\\epsilon = 0$, $L$ = {L}")
    left.legend(fontsize=8)

    x = np.linspace(0, 1.5, 301)  # x = L * eps
    colors = sequential_colors(len(lengths))
    for ell, color in zip(lengths, colors):
        e = x / ell
        ok = e <= 1
        right.plot(x[ok], np.abs((1 - e[ok]) ** ell - (1 - x[ok])), color=color, lw=1.8, label=f"$L$ = {ell}")
    right.plot(x, np.abs(np.exp(-x) - (1 - x)), "k:", lw=1.2, label="$|e^{-x} - (1 - x)|$")
    right.axhline(0.05, color="gray", lw=0.8)
    right.annotate("error 0.05", (0.02, 0.05), xytext=(0, 3), textcoords="offset points", fontsize=8, color="gray")
    right.set(xlabel="$x = L\\epsilon$ (expected number of wrong tokens)",
              ylabel="|exact match − linear approximation|", title="The error depends on $L\\epsilon$", ylim=(0, 0.6), xlim=(0, 1.5))
    right.legend(fontsize=8)
    return fig


def plot_correlated_errors(table: pd.DataFrame, L: int = 5, *, model: tm.ToyModel = tm.ToyModel()) -> Figure:
    """Exact match (left) and per-token accuracy (right) against p for several within-item correlations rho.

    Taught in chapter 3, section 'A Monte Carlo check of the independence approximation'.
    """
    L = check_int("L", L, low=1)
    fig, (left, right) = new_figure(1, 2, width=10, height=3.8)
    rhos = sorted(table.rho.unique())
    colors = sequential_colors(len(rhos), "plasma")
    N_all = np.sort(table.params.unique())
    N_fine = np.logspace(np.log10(N_all.min()), np.log10(N_all.max()), 300)
    p_fine = tm.token_prob(N_fine, model)
    for rho, color in zip(rhos, colors):
        for ax, metric in ((left, "exact_match"), (right, "token_accuracy")):
            rows = _rows(table[table.rho == rho], metric, L)
            p_pts = tm.token_prob(rows.params.to_numpy(), model)
            ax.plot(p_fine, sim.expected_metric(metric, N_fine, L, rho=rho, model=model), color=color, lw=1.8,
                    label=f"$\\rho$ = {rho:g}")
            ax.errorbar(p_pts, rows.value, yerr=2 * rows.stderr, fmt="o", ms=4, color=color, mfc="white",
                        capsize=2, lw=1)
    left.plot(p_fine, p_fine**L, "k--", lw=1, label="$p^L$ (independent)")
    left.set(xlabel="per-token accuracy $p$", ylabel="exact match", title=f"Exact match, $L$ = {L}")
    right.set(xlabel="per-token accuracy $p$", ylabel="sampled token accuracy",
              title="Per-token accuracy: unchanged by $\\rho$")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    return fig
