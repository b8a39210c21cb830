"""Pure plots of the analytic toy model (chapter 2); each returns a new Figure and computes only curves.

Every function takes the toy model's constants as plain numbers (``alpha``, ``c``) so that sliders can
drive them, and the scale window as ``N_min``/``N_max``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator

from .. import toy_model as tm
from ..validation import check_int, check_real
from . import METRIC_COLORS, new_figure, sequential_colors

__all__ = [
    "plot_toy_metrics",
    "plot_toy_explorer",
    "plot_gumbel_collapse",
    "plot_smooth_axes",
    "plot_token_simulation",
]


def _grid(N_min: float, N_max: float, num: int = 300) -> np.ndarray:
    """Log-spaced scales from N_min to N_max."""
    lo = check_real("N_min", N_min, low=0, low_open=True, high=np.inf, high_open=True)
    hi = check_real("N_max", N_max, low=lo, low_open=True, high=np.inf, high_open=True)
    return np.logspace(np.log10(lo), np.log10(hi), num)


def _sci(x: float) -> str:
    """Mathtext for a positive number in powers of ten, e.g. 1e9 -> 10^{9}, 8.8e13 -> 8.8\\times10^{13}."""
    exponent = int(np.floor(np.log10(x)))
    mantissa = x / 10.0**exponent
    if np.isclose(mantissa, 1.0):
        return f"10^{{{exponent}}}"
    return f"{mantissa:.3g}\\times10^{{{exponent}}}"


def _lengths(L_max: int) -> list[int]:
    """Target lengths 1..L_max."""
    return list(range(1, check_int("L_max", L_max, low=1, high=20) + 1))


def plot_toy_metrics(alpha: float = -0.3, c: float = 1e9, L_max: int = 5,
                     N_min: float = 1e7, N_max: float = 1e12) -> Figure:
    """Four panels over N: per-token loss (log-log), token probability p, exact match and edit distance for L = 1..L_max.

    Taught in chapter 2, section 'Smooth metric, sharp metric'.
    """
    model = tm.ToyModel(c=c, alpha=alpha)
    N = _grid(N_min, N_max)
    lengths = _lengths(L_max)
    colors = sequential_colors(len(lengths))
    fig, axes = new_figure(2, 2, width=9.0, height=6.4, sharex=True)
    (ax_loss, ax_p), (ax_em, ax_ted) = axes

    ax_loss.loglog(N, tm.cross_entropy(N, model), color=METRIC_COLORS["cross_entropy"], lw=2)
    ax_loss.set(title=r"(a) per-token loss $L_\mathrm{CE}=(N/c)^\alpha$", ylabel="nats per token (log scale)")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax_loss.yaxis.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))
    ax_loss.yaxis.set_major_formatter(plain)
    ax_loss.yaxis.set_minor_formatter(plain)
    ax_p.semilogx(N, tm.token_prob(N, model), color=METRIC_COLORS["token_prob"], lw=2)
    ax_p.set(title=r"(b) per-token probability $p=e^{-L_\mathrm{CE}}$", ylabel="$p$", ylim=(-0.02, 1.02))
    for L, color in zip(lengths, colors):
        ax_em.semilogx(N, tm.exact_match(N, L, model), color=color, lw=2, label=f"L = {L}")
        n_star = tm.steepest_scale(L, model)
        if N[0] <= n_star <= N[-1]:
            ax_em.plot([n_star], [np.exp(-1)], "o", color=color, ms=5)
        ax_ted.semilogx(N, tm.edit_distance(N, L, model), color=color, lw=2, label=f"L = {L}")
    ax_em.axhline(np.exp(-1), color="0.6", lw=0.8, ls=":")
    ax_em.set(title=r"(c) exact match $p^L$ (dots: $N^*$, EM $=1/e$)", ylabel="exact match",
              ylim=(-0.02, 1.02), xlabel=r"parameters $N$")
    ax_ted.set(title=r"(d) token edit distance $L(1-p)$", ylabel="wrong tokens per item",
               ylim=(0, 1.04 * lengths[-1]), xlabel=r"parameters $N$")
    ax_ted.legend(fontsize=8, loc="upper right")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    fig.suptitle(rf"Toy model, $c={_sci(c)}$, $\alpha={alpha:g}$")
    return fig


def plot_toy_explorer(alpha: float = -0.3, c: float = 1e9, L: float = 3.0,
                      N_min: float = 1e7, N_max: float = 1e12) -> Figure:
    """Exact match with N* marked (left) and edit distance with its large-N power law (right) for one L.

    Taught in chapter 2, section 'Smooth metric, sharp metric'.
    """
    model = tm.ToyModel(c=c, alpha=alpha)
    N = _grid(N_min, N_max)
    L = check_real("L", L, low=1, high=np.inf, high_open=True)
    fig, (ax_em, ax_ted) = new_figure(1, 2, width=9.0, height=3.6)

    ax_em.semilogx(N, tm.token_prob(N, model), color=METRIC_COLORS["token_prob"], lw=1.5, ls="--",
                   label=r"$p$ (that is, $L=1$)")
    ax_em.semilogx(N, tm.exact_match(N, L, model), color=METRIC_COLORS["exact_match"], lw=2.5,
                   label=rf"exact match, $L={L:g}$")
    n_star = tm.steepest_scale(L, model)
    if N[0] <= n_star <= N[-1]:
        ax_em.axvline(n_star, color="0.4", lw=1, ls=":")
        ax_em.plot([n_star], [np.exp(-1)], "ko", ms=5)
        ax_em.annotate(rf"$N^*={_sci(float(f'{n_star:.2g}'))}$", (n_star, np.exp(-1)), xytext=(6, -14),
                       textcoords="offset points", fontsize=9)
    else:
        ax_em.text(0.03, 0.9, rf"$N^*={_sci(float(f'{n_star:.2g}'))}$ is outside the window", transform=ax_em.transAxes,
                   fontsize=9)
    ax_em.set(xlabel=r"parameters $N$", ylabel="score", ylim=(-0.02, 1.02), title="exact match")
    ax_em.legend(fontsize=8, loc="center left")

    ted = tm.edit_distance(N, L, model)
    asymptote = L * tm.cross_entropy(N, model)
    ax_ted.semilogx(N, ted, color=METRIC_COLORS["edit_distance"], lw=2.5, label=r"$L(1-p)$")
    # the whole law, clipped by the axes: capping its values would draw a flat segment the law does not have
    ax_ted.semilogx(N, asymptote, color="0.3", lw=1, ls="--", label=r"large-$N$ law $L\,(N/c)^{\alpha}$")
    ax_ted.set(xlabel=r"parameters $N$", ylabel="wrong tokens per item", ylim=(0, 1.05 * max(L, 5.0)),
               title="token edit distance")
    ax_ted.legend(fontsize=8, loc="upper right")
    for ax in (ax_em, ax_ted):
        ax.grid(alpha=0.3)
    fig.suptitle(rf"$c={_sci(c)}$, $\alpha={alpha:g}$, $L={L:g}$", fontsize=11)
    return fig


def plot_gumbel_collapse(alpha: float = -0.3, c: float = 1e9, L_max: int = 5,
                         N_min: float = 1e7, N_max: float = 1e12) -> Figure:
    """Exact match for L = 1..L_max against N (left) and against z = -alpha (ln N - ln N*) (right).

    Taught in chapter 2, section 'One shape, shifted: the Gumbel curve'.
    """
    model = tm.ToyModel(c=c, alpha=alpha)
    N = _grid(N_min, N_max)
    lengths = _lengths(L_max)
    colors = sequential_colors(len(lengths))
    fig, (ax_n, ax_z) = new_figure(1, 2, width=9.0, height=3.6)
    z_all = np.linspace(-3, 6, 300)
    ax_z.plot(z_all, np.exp(-np.exp(-z_all)), color="k", lw=5, alpha=0.18, label=r"$e^{-e^{-z}}$ (Gumbel CDF)")
    for L, color in zip(lengths, colors):
        em = tm.exact_match(N, L, model)
        ax_n.semilogx(N, em, color=color, lw=2, label=f"L = {L}")
        z = tm.gumbel_coordinate(N, L, model)
        keep = (z >= z_all[0]) & (z <= z_all[-1])
        ax_z.plot(z[keep], em[keep], color=color, lw=1.5)
    ax_n.set(xlabel=r"parameters $N$", ylabel="exact match", ylim=(-0.02, 1.02),
             title="as measured: shifted copies")
    ax_n.legend(fontsize=8, loc="upper left")
    ax_z.axvline(0, color="0.5", lw=0.8, ls=":")
    ax_z.set(xlabel=r"$z=-\alpha\,(\ln N-\ln N^*)$", ylabel="exact match", ylim=(-0.02, 1.02),
             xlim=(z_all[0], z_all[-1]), title="re-centred at $N^*$ and rescaled: one curve")
    ax_z.legend(fontsize=8, loc="upper left")
    for ax in (ax_n, ax_z):
        ax.grid(alpha=0.3)
    fig.suptitle(rf"$c={_sci(c)}$, $\alpha={alpha:g}$", fontsize=11)
    return fig


def plot_smooth_axes(alpha: float = -0.3, c: float = 1e9, L_max: int = 5,
                     N_min: float = 1e7, N_max: float = 1e12) -> Figure:
    """Log-log views where both metrics are straight lines: -ln EM = L (N/c)^alpha, and TED with its power law.

    Taught in chapter 2, section 'Smooth metric, sharp metric'.
    """
    model = tm.ToyModel(c=c, alpha=alpha)
    N = _grid(N_min, N_max)
    lengths = _lengths(L_max)
    colors = sequential_colors(len(lengths))
    fig, (ax_em, ax_ted) = new_figure(1, 2, width=9.0, height=3.6, sharey=True)
    for L, color in zip(lengths, colors):
        law = L * tm.cross_entropy(N, model)
        ax_em.loglog(N, -np.log(tm.exact_match(N, L, model)), color=color, lw=2, label=f"L = {L}")
        ax_ted.loglog(N, tm.edit_distance(N, L, model), color=color, lw=2)
        ax_ted.loglog(N, law, color=color, lw=1, ls="--")
    ax_em.set(xlabel=r"parameters $N$", ylabel="value (log scale)", title=r"$-\ln(\mathrm{EM})=L\,(N/c)^\alpha$")
    ax_ted.set(xlabel=r"parameters $N$", title=r"TED (solid) and $L\,(N/c)^\alpha$ (dashed)")
    ax_em.legend(fontsize=8)
    for ax in (ax_em, ax_ted):
        ax.grid(alpha=0.3, which="both")
    return fig


def plot_token_simulation(N: Sequence[float], em_hat: Sequence[float], em_se: Sequence[float],
                          ted_hat: Sequence[float], ted_se: Sequence[float], L: float,
                          alpha: float = -0.3, c: float = 1e9, N_min: float = 1e7, N_max: float = 1e12) -> Figure:
    """Measured exact match and edit distance (dots, +-2 standard errors) over the toy model's curves.

    Taught in chapter 2, section 'A torch experiment: sampling the tokens'.
    """
    model = tm.ToyModel(c=c, alpha=alpha)
    grid = _grid(N_min, N_max)
    N = np.asarray(N, dtype=float)
    fig, (ax_em, ax_ted) = new_figure(1, 2, width=9.0, height=3.4)
    ax_em.semilogx(grid, tm.exact_match(grid, L, model), color=METRIC_COLORS["exact_match"], lw=2,
                   label=r"theory $p^L$")
    ax_em.errorbar(N, em_hat, yerr=2 * np.asarray(em_se), fmt="o", color="k", ms=4, capsize=3,
                   label="simulated")
    ax_ted.semilogx(grid, tm.edit_distance(grid, L, model), color=METRIC_COLORS["edit_distance"], lw=2,
                    label=r"theory $L(1-p)$")
    ax_ted.errorbar(N, ted_hat, yerr=2 * np.asarray(ted_se), fmt="o", color="k", ms=4, capsize=3,
                    label="simulated")
    ax_em.set(xlabel=r"parameters $N$", ylabel="exact match", ylim=(-0.02, 1.02), title=rf"exact match, $L={L:g}$")
    ax_ted.set(xlabel=r"parameters $N$", ylabel="wrong tokens per item", ylim=(0, 1.05 * L),
               title=rf"token edit distance, $L={L:g}$")
    for ax in (ax_em, ax_ted):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig
