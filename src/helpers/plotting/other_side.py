"""Plots for chapter 9 (the other side: when is emergence real?).

Pure functions: each takes small arrays, a tidy table or a finished grokking run and returns a new
``Figure``. Nothing here trains a model (the grokking run comes from ``helpers.grokking.train``).

Symbols
-------
x      log10 of the scale N
w      width of one item's switch, in decades of N
L      target length (answer tokens)
s      share of the wrong options' mass held by the strongest wrong option
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import other_side as osd
from ..validation import check_int, check_real
from . import METRIC_COLORS, new_figure, sequential_colors

__all__ = ["plot_item_switches", "plot_em_vs_loss", "plot_grokking", "plot_grokking_items", "plot_mcq"]

_SCALES = ("linear", "log")


def plot_item_switches(width: float = 0.03, spread: float = 0.6, num_items: int = 400, num_shown: int = 12,
                       seed: int = 0) -> Figure:
    """Per-item switches (thin lines) and their mean over ``num_items`` items (thick) against log10 N.

    Taught in chapter 9, section 'What a smooth average can hide'.
    """
    num_shown = check_int("num_shown", num_shown, low=0, high=num_items)
    x = np.linspace(7, 12, 401)
    points = osd.draw_switch_points(num_items, spread=spread, seed=seed)
    curves = osd.item_switch_curves(x, points, width)
    fig, ax = new_figure(width=6.4, height=3.8)
    for i, c in enumerate(curves[:num_shown]):
        ax.plot(x, c, color="0.6", lw=0.8, label="single items" if i == 0 else None)
    ax.plot(x, curves.mean(axis=0), color=METRIC_COLORS["exact_match"], lw=2.5,
            label=f"mean over {num_items} items")
    ax.set(xlabel=r"$\log_{10} N$", ylabel="probability of a right answer", ylim=(-0.03, 1.03),
           title=f"item switch width w = {width:g} decades, spread of switch points {spread:g} decades")
    ax.title.set_fontsize(10)
    ax.legend(loc="upper left", fontsize=9)
    return fig


def plot_em_vs_loss(pairs: pd.DataFrame, task: str = "mul_kx1", yscale: str = "linear",
                    show_toy: bool = True) -> Figure:
    """Exact match against per-token cross-entropy, one color per target length, with the toy exp(-L * loss).

    Taught in chapter 9, section 'Is there a loss threshold?'.
    """
    if yscale not in _SCALES:
        raise ValueError(f"yscale must be one of {_SCALES}; got {yscale!r}")
    rows = pairs[pairs["task"] == task]
    if rows.empty:
        raise ValueError(f"task {task!r} is not in the table; it has {sorted(pairs['task'].unique())}")
    lengths = sorted(rows["target_len"].unique())
    fig, ax = new_figure(width=6.4, height=4.0)
    loss = np.linspace(1e-3, max(rows["cross_entropy"].max(), 0.5) * 1.05, 300)
    for L, color in zip(lengths, sequential_colors(len(lengths))):
        sel = rows[rows["target_len"] == L]
        keep = sel["exact_match"] > 0 if yscale == "log" else np.ones(len(sel), bool)
        ax.scatter(sel["cross_entropy"][keep], sel["exact_match"][keep], s=18, color=color, alpha=0.8,
                   edgecolor="none", label=f"L = {L}")
        if show_toy:
            ax.plot(loss, osd.toy_em_of_loss(loss, L), color=color, lw=1, ls="--")
    ax.set(xlabel="per-token cross-entropy of the right answer (nats)", ylabel="exact match", yscale=yscale,
           title=f"{task}: each point one model and seed" + ("; dashed: toy exp(-L·loss)" if show_toy else ""))
    if yscale == "log":
        ax.set_ylim(1e-4, 1.5)
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def plot_grokking(history: pd.DataFrame, xscale: str = "log") -> Figure:
    """Two panels over training steps: train and test accuracy; test loss and the right answer's mean probability.

    Taught in chapter 9, section 'A real transition: grokking'.
    """
    if xscale not in _SCALES:
        raise ValueError(f"xscale must be one of {_SCALES}; got {xscale!r}")
    h = history[history["step"] > 0] if xscale == "log" else history
    fig, (ax1, ax2) = new_figure(1, 2, width=9.6, height=3.6)
    ax1.plot(h["step"], h["train_acc"], color="0.4", lw=2, label="train accuracy")
    ax1.plot(h["step"], h["test_acc"], color=METRIC_COLORS["exact_match"], lw=2, label="test accuracy")
    ax1.set(xlabel="training step", ylabel="accuracy", xscale=xscale, ylim=(-0.03, 1.03))
    ax1.legend(fontsize=9)
    ax2.plot(h["step"], h["test_loss"], color=METRIC_COLORS["cross_entropy"], lw=2, label="test loss (nats)")
    ax2.set(xlabel="training step", ylabel="test cross-entropy (nats)", xscale=xscale)
    ax3 = ax2.twinx()
    ax3.plot(h["step"], h["test_prob"], color=METRIC_COLORS["token_prob"], lw=2, ls="--",
             label="mean prob. of right answer")
    ax3.set(ylabel="mean probability of the right answer", ylim=(-0.03, 1.03))
    lines = ax2.get_lines() + ax3.get_lines()
    ax2.legend(lines, [ln.get_label() for ln in lines], fontsize=9, loc="center left")
    return fig


def plot_grokking_items(steps, item_prob: np.ndarray, num_shown: int = 12, seed: int = 0) -> Figure:
    """A few test items' probability of the right answer over training steps, and the mean over all items.

    Taught in chapter 9, section 'A real transition: grokking'.
    """
    item_prob = np.asarray(item_prob, dtype=float)
    steps = np.asarray(steps, dtype=float)
    if item_prob.ndim != 2 or item_prob.shape[0] != len(steps):
        raise ValueError(f"item_prob must have shape (len(steps), items); got {item_prob.shape}")
    num_shown = check_int("num_shown", num_shown, low=0, high=item_prob.shape[1])
    shown = np.random.default_rng(check_int("seed", seed, low=0)).choice(item_prob.shape[1], num_shown, replace=False)
    fig, ax = new_figure(width=6.4, height=3.8)
    for i, j in enumerate(shown):
        ax.plot(steps, item_prob[:, j], color="0.6", lw=0.8, label="single test items" if i == 0 else None)
    ax.plot(steps, item_prob.mean(axis=1), color=METRIC_COLORS["token_prob"], lw=2.5, label="mean over the test set")
    ax.set(xlabel="training step", ylabel="probability of the right answer", ylim=(-0.03, 1.03))
    ax.legend(fontsize=9, loc="upper left")
    return fig


def plot_mcq(share_end: float = 1.0, num_options: int = 4, slope: float = 1.2, item_sd: float = 1.0) -> Figure:
    """Simulated multiple-choice family: the right option's and strongest wrong option's mass; accuracy and Brier.

    The strongest of the K - 1 wrong options holds at least the even share 1/(K - 1) of their mass, so a
    ``share_end`` below it (possible when a slider moves K and s independently) is raised to 1/(K - 1),
    and the figure's title says so.

    Taught in chapter 9, section 'Multiple choice: the wrong answers matter'.
    """
    check_real("share_end", share_end, low=0, high=1)
    K = check_int("num_options", num_options, low=2)
    share_even = 1.0 / (K - 1)
    clipped_from = float(share_end)
    used = max(clipped_from, share_even)
    x = np.linspace(7, 12, 41)
    even = osd.mcq_simulation(x, num_options=K, share_end=share_even, slope=slope, item_sd=item_sd)
    sim = osd.mcq_simulation(x, num_options=K, share_end=used, slope=slope, item_sd=item_sd)
    fig, (ax1, ax2) = new_figure(1, 2, width=9.6, height=3.6)
    ax1.plot(x, sim["p_right"], color=METRIC_COLORS["token_prob"], lw=2, label="right option")
    ax1.plot(x, sim["top_wrong"], color="0.3", lw=2, label=f"strongest wrong option (s → {used:.2f})")
    ax1.plot(x, even["top_wrong"], color="0.3", lw=1, ls=":", label="strongest wrong option, even split")
    ax1.set(xlabel=r"$\log_{10} N$", ylabel="mean probability", ylim=(-0.03, 1.03))
    ax1.legend(fontsize=8, loc="upper left")
    ax2.plot(x, sim["accuracy"], color=METRIC_COLORS["multiple_choice_grade"], lw=2, label="accuracy")
    ax2.plot(x, even["accuracy"], color=METRIC_COLORS["multiple_choice_grade"], lw=1, ls=":",
             label="accuracy, even split")
    ax2.plot(x, sim["brier"] / 2, color=METRIC_COLORS["brier_score"], lw=2, label="Brier score / 2")
    ax2.plot(x, even["brier"] / 2, color=METRIC_COLORS["brier_score"], lw=1, ls=":", label="Brier / 2, even split")
    ax2.set(xlabel=r"$\log_{10} N$", ylabel="score", ylim=(-0.03, 1.03))
    ax2.legend(fontsize=8, loc="center left")
    title = f"K = {K} options, final share of the strongest wrong option s = {used:.2f}"
    if used > clipped_from + 1e-9:
        title += f" (asked {clipped_from:.2f}: below the even share 1/(K-1), so raised to it)"
    fig.suptitle(title, fontsize=10)
    return fig
