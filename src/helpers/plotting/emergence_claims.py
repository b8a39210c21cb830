"""Plots for chapter 1: the published emergence points, and a first look at smooth vs sharp metrics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .. import toy_model as tm
from ..emergence_claims import EmergencePoint, emergence_points, format_count
from ..validation import check_choice, check_real
from . import METRIC_COLORS, new_figure

__all__ = ["plot_emergence_points", "plot_token_vs_exact_match"]

_AXES = {
    "flops": "training FLOPs of the smallest model above random",
    "params": "parameters of the smallest model above random",
}
_STYLE = {"few-shot": ("o", "#4c72b0"), "augmented": ("s", "#dd8452")}


def plot_emergence_points(x: str = "flops", points: Sequence[EmergencePoint] | None = None) -> Figure:
    """Published emergence points on a log axis of training FLOPs (``x="flops"``) or parameters.

    Taught in chapter 1, section 'The published emergence points'.
    """
    check_choice("x", x, tuple(_AXES))
    pts = sorted(emergence_points(x) if points is None else points, key=lambda p: getattr(p, x))
    if not pts:
        raise ValueError("points must hold at least one EmergencePoint")
    fig, ax = new_figure(width=7.6, height=0.45 * len(pts) + 1.9)
    for row, p in enumerate(pts):
        marker, color = _STYLE[p.setting]
        value = getattr(p, x)
        ax.scatter(value, row, marker=marker, s=60, color=color, zorder=3)
        other = format_count(p.params) + " params" if x == "flops" else format_count(p.flops) + " FLOPs"
        ax.annotate(f"{p.model}, {other}", (value, row), xytext=(8, 0), textcoords="offset points",
                    va="center", fontsize=8.5)
    for setting, (marker, color) in _STYLE.items():
        ax.scatter([], [], marker=marker, color=color, label=setting)
    values = np.array([getattr(p, x) for p in pts])
    ax.set_xscale("log")
    ax.set_xlim(values.min() / 10, values.max() * 150)
    ax.set_ylim(-0.7, len(pts) - 0.3)
    ax.set_yticks(range(len(pts)), [p.task for p in pts], fontsize=9)
    ax.grid(axis="x", which="major", alpha=0.3)
    ax.set_xlabel(_AXES[x] + " (log scale)")
    ax.set_ylabel("ability (task)")
    ax.set_title("Quoted from Wei et al. (2022), Table 1; not measured in this book", fontsize=10)
    ax.legend(loc="lower right", fontsize=8.5, title="setting", title_fontsize=8.5)
    return fig


def plot_token_vs_exact_match(
    L: float = 5,
    c: float = 1e9,
    alpha: float = -0.3,
    n_min: float = 1e7,
    n_max: float = 1e12,
) -> Figure:
    """Toy model: per-token probability p(N) and exact match p(N)**L against parameters N (log axis).

    Taught in chapter 1, section 'A first taste: smooth per-token progress, sharp exact match'.
    """
    model = tm.ToyModel(c=c, alpha=alpha)
    n_min = check_real("n_min", n_min, low=0, low_open=True, high=np.inf, high_open=True)
    n_max = check_real("n_max", n_max, low=n_min, low_open=True, high=np.inf, high_open=True)
    N = np.logspace(np.log10(n_min), np.log10(n_max), 300)
    decades = 10.0 ** np.arange(np.ceil(np.log10(n_min)), np.floor(np.log10(n_max)) + 1)
    fig, ax = new_figure(width=6.4, height=4.0)
    for name, fn, label in (
        ("token_prob", lambda n: tm.token_prob(n, model), "per-token probability $p(N)$"),
        ("exact_match", lambda n: tm.exact_match(n, L, model), f"exact match $p(N)^L$, $L = {L:g}$"),
    ):
        color = METRIC_COLORS[name]
        ax.plot(N, fn(N), color=color, lw=2.2, label=label)
        ax.plot(decades, fn(decades), "o", color=color, ms=5)
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.set_xlabel("parameters $N$ (log scale)")
    ax.set_ylabel("score (0 to 1)")
    mantissa, exponent = f"{c:.1e}".split("e")
    ax.set_title(f"Toy model: $c = {mantissa}\\times 10^{{{int(exponent)}}}$, $\\alpha = {alpha:g}$; "
                 "dots: one model per decade", fontsize=10)
    ax.legend(loc="upper left", fontsize=9)
    return fig
