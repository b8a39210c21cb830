"""Plots for chapter 4 (resolution): finite test sets, confidence intervals, apparent onsets.

Every function is pure: it takes parameters, draws at most a few binomial samples (seeded), and
returns a new ``Figure``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .. import resolution as res
from .. import toy_model as tm
from ..validation import check_int
from . import METRIC_COLORS, new_figure, sequential_colors

__all__ = [
    "DEFAULT_N_VALUES",
    "plot_prob_observe_zero",
    "plot_detection_limit",
    "plot_onset",
    "plot_simulated_evaluations",
    "plot_sparse_scales",
]

DEFAULT_N_VALUES: tuple[int, ...] = (100, 1_000, 10_000, 100_000, 1_000_000)
_EM_FLOOR = 1e-10  # bottom of the log y-axes; measured zeros are drawn on this row


def _n_label(n: int) -> str:
    exponent = np.log10(n)
    return f"$10^{{{exponent:g}}}$" if float(exponent).is_integer() else f"{n:,}"


def plot_prob_observe_zero(n_values: Sequence[int] = DEFAULT_N_VALUES, confidence: float = 0.95) -> Figure:
    """P(observe 0 | EM, n) = (1-EM)**n against the true EM, one curve per test-set size n.

    Taught in chapter 4, section 'The smallest score a test set can report'.
    """
    fig, ax = new_figure(width=7.5)
    em = np.logspace(-8, 0, 400)
    for n, color in zip(n_values, sequential_colors(len(n_values))):
        ax.semilogx(em, res.prob_observe_zero(em, n), color=color, label=f"n = {_n_label(n)}")
        limit = res.detection_limit(n, confidence)
        ax.plot([limit], [1 - confidence], "o", color=color, ms=5)
    # labelled in the legend, beside the axes: a label inside them would cross the curves of large n
    ax.axhline(1 - confidence, color="0.4", ls=":", lw=1,
               label=f"P = {1 - confidence:.2f}\n(dots: detection limits)")
    ax.set(xlabel="true exact-match rate EM (log scale)", ylabel="P(score is exactly 0)", ylim=(-0.02, 1.02),
           title="How often a model with true rate EM scores 0 of n")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    return fig


def plot_detection_limit(confidence: float = 0.95, n_max: int = 1_000_000) -> Figure:
    """Detection limit, the rule of three 3/n and the Clopper-Pearson upper bound at 0 of n, against n.

    Taught in chapter 4, section 'A zero is an interval, not a point'.
    """
    fig, ax = new_figure()
    n = np.unique(np.logspace(0, np.log10(n_max), 60).round().astype(int))
    limit = np.array([res.detection_limit(int(m), confidence) for m in n])
    upper0 = np.array([res.binomial_ci(0, int(m), confidence)[1] for m in n])
    ax.loglog(n, upper0, color=METRIC_COLORS["exact_match"], label=f"upper end of the {confidence:.0%} CI for 0 of n")
    ax.loglog(n, limit, color="k", label=f"detection limit (P(score > 0) = {confidence:.0%})")
    ax.loglog(n, np.minimum(3 / n, 1), color="0.5", ls="--", label="rule of three, 3/n")
    ax.loglog(n, 1 / n, color="0.7", ls=":", label="smallest nonzero score, 1/n")
    ax.set(xlabel="number of test items n", ylabel="exact-match rate",
           title="What a score of 0 of n still allows")
    ax.legend(fontsize=8)
    return fig


def plot_onset(L: float = 5, n_values: Sequence[int] = DEFAULT_N_VALUES, model: tm.ToyModel = tm.ToyModel()) -> Figure:
    """Toy exact match on log-log axes, the 1/n floor of each test set and the apparent onset it causes.

    Taught in chapter 4, section 'Where "emergence" appears to start'.
    """
    fig, ax = new_figure()
    N = res.family_scales(300)
    ax.loglog(N, tm.exact_match(N, L, model), color=METRIC_COLORS["exact_match"], lw=2, label=f"EM = p(N)$^{{{L:g}}}$")
    for n, color in zip(n_values, sequential_colors(len(n_values))):
        onset = res.onset_scale(n, L, model)
        ax.axhline(1 / n, color=color, ls=":", lw=1)
        ax.plot([onset], [1 / n], "o", color=color, ms=7, label=f"n = {_n_label(n)}: onset at N = {onset:.2g}")
    ax.set(xlabel="parameters N (log scale)", ylabel="exact match (log scale)", ylim=(_EM_FLOOR, 1.5),
           title=f"Where EM crosses 1/n (L = {L:g})")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def plot_simulated_evaluations(
    n: int = 100,
    L: float = 5,
    seed: int = 0,
    num_scales: int = 26,
    confidence: float = 0.95,
    model: tm.ToyModel = tm.ToyModel(),
) -> Figure:
    """One simulated n-item evaluation of the toy family: linear axes (left) and log axes with CIs (right).

    Taught in chapter 4, section 'Simulated evaluations: emergence that moves with n'.
    """
    n = check_int("n", n, low=1)
    N = res.family_scales(num_scales)
    em = tm.exact_match(N, L, model)
    score = res.simulate_evaluations(em, n, seed=seed)[0]
    k = np.rint(score * n).astype(int)
    ci = np.array([res.binomial_ci(int(j), n, confidence) for j in k])
    onset = res.first_nonzero_scale(N, score)
    dense = res.family_scales(300)
    color = METRIC_COLORS["exact_match"]

    fig, (lin, log) = new_figure(1, 2, width=10, height=4)
    for ax in (lin, log):
        ax.plot(dense, tm.exact_match(dense, L, model), color="0.6", lw=1.5, label="true EM")
        ax.set_xscale("log")
        if np.isfinite(onset):
            ax.axvline(onset, color="k", ls="--", lw=1)
    lin.plot(N, score, "o-", color=color, ms=4, label=f"measured, n = {n:,}")
    lin.set(xlabel="parameters N", ylabel="exact match", ylim=(-0.03, 1), title="Linear y: looks emergent")
    lin.legend(fontsize=8, loc="upper left")

    hit = k > 0
    log.errorbar(N[hit], score[hit], yerr=[score[hit] - ci[hit, 0], ci[hit, 1] - score[hit]],
                 fmt="o", color=color, ms=4, capsize=2, label=f"measured, {confidence:.0%} CI")
    log.vlines(N[~hit], _EM_FLOOR, ci[~hit, 1], color=color, alpha=0.5, lw=1.5)
    log.plot(N[~hit], ci[~hit, 1], "_", color=color, ms=8, mew=1.5)
    log.plot(N[~hit], np.full((~hit).sum(), _EM_FLOOR * 1.6), "v", mfc="white", color=color, ms=6,
             label="measured 0 (bar: CI up to its top)")
    log.axhline(1 / n, color="0.3", ls=":", lw=1, label="1/n")
    log.set(yscale="log", xlabel="parameters N", ylabel="exact match (log scale)", ylim=(_EM_FLOOR, 2),
            title="Log y with exact CIs: zeros are upper bounds")
    log.legend(fontsize=7, loc="lower right")
    where = f"first nonzero score at N = {onset:.2g}" if np.isfinite(onset) else "no nonzero score"
    fig.suptitle(f"n = {n:,} test items, L = {L:g}: {where} (dashed)", fontsize=11)
    return fig


def plot_sparse_scales(
    num_scales: int = 4,
    n: int = 100,
    L: float = 5,
    seed: int = 0,
    model: tm.ToyModel = tm.ToyModel(),
) -> Figure:
    """The same family measured at a few scales (bold) and at many (faint): few points make a jump.

    Taught in chapter 4, section 'Too few model sizes'.
    """
    num_scales = check_int("num_scales", num_scales, low=2)
    fig, ax = new_figure()
    dense_N = res.family_scales(51)
    dense = res.simulate_evaluations(tm.exact_match(dense_N, L, model), n, seed=seed + 1)[0]
    N = res.family_scales(num_scales)
    score = res.simulate_evaluations(tm.exact_match(N, L, model), n, seed=seed)[0]
    ax.plot(dense_N, dense, "o-", color="0.75", ms=3, lw=1, label="51 sizes")
    ax.plot(N, score, "o-", color=METRIC_COLORS["exact_match"], ms=7, lw=2.5, label=f"{num_scales} sizes")
    share = res.largest_step_share(score)
    ax.set(xscale="log", xlabel="parameters N (log scale)", ylabel=f"exact match (n = {n:,})", ylim=(-0.03, 0.75),
           title=f"{num_scales} model sizes: the largest step makes {share:.0%} of the rise")
    ax.legend(fontsize=8, loc="upper left")
    return fig
