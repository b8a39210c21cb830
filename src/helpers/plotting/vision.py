"""Plots for chapter 8 (manufacturing emergence): the same vision-model outputs under a smooth and a sharp metric.

Every function is pure: it takes a tidy table from ``helpers.vision.sweep`` (or arrays of per-image
errors) and returns a new ``Figure``; nothing here trains a model.

Symbols
-------
N        parameters of one model (column ``params``)
K        items per tuple or sequence (column ``K``)
a        accuracy: share of single test items classified right
e_i      squared reconstruction error ||x_i - x_hat_i||^2 of test image i
c        threshold of Reconstruction_c = mean(1[e_i < c])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..emergence import emergence_score
from ..validation import check_int, check_real
from ..vision import metrics as vm
from ..vision import tables
from . import METRIC_COLORS, new_figure, sequential_colors

__all__ = ["plot_subset_accuracy", "plot_reconstruction", "plot_emergence_vs_c", "plot_sequence", "plot_k_family",
           "plot_reconstruction_fit", "plot_threshold_audit"]

SMOOTH = METRIC_COLORS["cross_entropy"]
SHARP = METRIC_COLORS["exact_match"]


def _every(series: pd.Series, every: int) -> pd.Series:
    """Every ``every``-th model size, always keeping the smallest and the largest."""
    keep = list(range(0, len(series), every))
    if keep[-1] != len(series) - 1:
        keep.append(len(series) - 1)
    return series.iloc[keep]


def _score(curve: pd.Series) -> str:
    s = emergence_score(curve.index.to_numpy(dtype=float), curve.to_numpy())
    return "inf" if np.isinf(s) else f"{s:.1f}"


def _seed_dots(ax, table, metric, K, params_kept, color) -> None:
    rows = table[(table["metric"] == metric) & (table["K"] == K) & table["params"].isin(params_kept)]
    ax.plot(rows["params"], rows["value"], "o", mfc="none", color=color, alpha=0.4, ms=4)


def plot_subset_accuracy(table: pd.DataFrame, K: int = 5, every: int = 1, show_prediction: bool = True) -> Figure:
    """Left: accuracy a against N (smooth); right: "K out of K" subset accuracy, with a**K dashed, scores in legends.

    ``every`` keeps every ``every``-th model size only (sparse sampling of the family).

    Taught in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    table = tables.check_table(table, ["accuracy", "subset_accuracy"])
    K = check_int("K", K, low=1, high=int(table["K"].max()))
    every = check_int("every", every, low=1, high=4)
    acc = _every(tables.seed_mean(table, "accuracy"), every)
    subset = _every(tables.seed_mean(table, "subset_accuracy", K=K), every)
    fig, (left, right) = new_figure(1, 2, width=9.0, height=3.6, sharey=True)
    _seed_dots(left, table, "accuracy", 0, acc.index, SMOOTH)
    left.plot(acc.index, acc.to_numpy(), "o-", color=SMOOTH, lw=2, label=f"accuracy a (score {_score(acc)})")
    _seed_dots(right, table, "subset_accuracy", K, subset.index, SHARP)
    right.plot(subset.index, subset.to_numpy(), "o-", color=SHARP, lw=2,
               label=f"subset accuracy, K = {K} (score {_score(subset)})")
    if show_prediction:
        per_seed = table[table["metric"] == "accuracy"].assign(pred=lambda d: d["value"] ** K)
        pred = per_seed.groupby("params")["pred"].mean().loc[subset.index]
        right.plot(pred.index, pred.to_numpy(), "k--", lw=1, label=r"prediction $a^K$ (mean over seeds)")
    for ax, title in ((left, "smooth: one item right"), (right, f"sharp: all {K} items right")):
        ax.set_xscale("log")
        ax.set(xlabel="parameters N (log scale)", ylim=(-0.03, 1.03))
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="upper left")
    left.set_ylabel("score (open circles: seeds; line: mean)")
    if every > 1:
        fig.suptitle(f"only every {_ordinal(every)} model size ({len(acc)} of {len(tables.seed_mean(table, 'accuracy'))})",
                     fontsize=10)
    return fig


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plot_reconstruction(params: Sequence[float], errors_by_model: Sequence[np.ndarray], c: float = 1.0) -> Figure:
    """Mean squared error (smooth), Reconstruction_c (sharp), and the error CDFs whose value at c it is.

    Two panels on top, the CDF panel below them; it colours each model by its size, with a colour bar
    (log N) instead of a legend.

    Taught in chapter 8, section 'Experiment 2: reconstructing images better than $c$'.
    """
    from matplotlib import cm
    from matplotlib.colors import LogNorm

    c = check_real("c", c, low=0, low_open=True)
    params, errors = tables.by_size(params, errors_by_model)
    mse = pd.Series([vm.mean_squared_error(e) for e in errors], index=params)
    rec = pd.Series([vm.reconstruction_c(e, c) for e in errors], index=params)
    fig = Figure(figsize=(8.5, 7.2), layout="constrained")  # two panels on top, the CDFs below
    grid = fig.add_gridspec(2, 2)
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])]
    axes[0].plot(params, mse.to_numpy(), "o-", color=SMOOTH, lw=2, label=f"score {_score(-mse)} (of the fall)")
    axes[0].set_ylabel(r"mean squared error $\overline{e}$", fontsize=11)
    axes[0].set_title("smooth: mean squared error", fontsize=12)
    axes[1].plot(params, rec.to_numpy(), "o-", color=SHARP, lw=2, label=f"score {_score(rec)}")
    axes[1].set(ylim=(-0.03, 1.03))
    axes[1].set_ylabel(r"Reconstruction$_c$", fontsize=11)
    axes[1].set_title(f"sharp: Reconstruction$_c$, c = {c:.3g}", fontsize=12)
    for ax in axes[:2]:
        ax.set_xscale("log")
        ax.set_xlabel("parameters N (log scale)", fontsize=11)
        ax.legend(fontsize=10)
    lo = min(float(e[e > 0].min()) for e in errors if (e > 0).any())
    norm = LogNorm(vmin=float(params[0]), vmax=float(params[-1]))
    cmap = cm.viridis
    for p, e in zip(params, errors):
        x = np.sort(e)
        axes[2].step(x, np.arange(1, x.size + 1) / x.size, where="post", color=cmap(norm(p)), lw=1.3)
    axes[2].axvline(c, color=SHARP, ls="--", lw=1.5)
    axes[2].set(xscale="log", xlim=(lo, None))
    axes[2].set_xlabel(r"squared error $e_i$ of one image (log scale)", fontsize=11)
    axes[2].set_ylabel("share of images with error below", fontsize=11)
    axes[2].set_title("error CDF per model; dashed: c", fontsize=12)
    bar = fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes[2])
    bar.set_label("parameters N of the model", fontsize=11)
    bar.ax.tick_params(labelsize=10)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=10)
    return fig


def _phi(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF (numpy twin of the chapter's sympy Phi)."""
    from math import erf, sqrt

    return np.array([(1 + erf(v / sqrt(2))) / 2 for v in np.ravel(z)])


def plot_reconstruction_fit(params: Sequence[float], errors_by_model: Sequence[np.ndarray], c: float = 1.0) -> Figure:
    """Left: mean +- sd of ln e_i per model, its fitted line and ln c; right: measured Reconstruction_c at c with
    the lognormal predictions Phi((ln c - mu) / sigma), per model and from the line with the pooled sigma.

    Taught in chapter 8, section 'Experiment 2: reconstructing images better than $c$'.
    """
    c = check_real("c", c, low=0, low_open=True)
    params, errors = tables.by_size(params, errors_by_model)
    fit = tables.lognormal_fit(params, errors)
    measured = np.array([vm.reconstruction_c(e, c) for e in errors])
    per_model = _phi((np.log(c) - fit["mu"].to_numpy()) / fit["sigma"].to_numpy())
    line = _phi((np.log(c) - fit["mu_line"].to_numpy()) / fit["sigma_pooled"].to_numpy())
    fig, (left, right) = new_figure(1, 2, width=10.0, height=3.6)
    left.errorbar(params, fit["mu"], yerr=fit["sigma"], fmt="o", color=SMOOTH, capsize=3,
                  label=r"mean $\pm$ sd of $\ln e_i$ (per model)")
    left.plot(params, fit["mu_line"], "k-", lw=1, label=r"fit $\ln m_0 - \beta \ln N$")
    left.axhline(np.log(c), color=SHARP, ls="--", lw=1.5, label=f"ln c (c = {c:.3g})")
    left.set(ylabel=r"$\ln e_i$", title="log-errors per model: mean, spread, fitted line")
    right.plot(params, measured, "o-", color=SHARP, lw=2, label=f"measured (score {_score(pd.Series(measured, index=params))})")
    right.plot(params, per_model, "k--", lw=1, label=r"lognormal, per model: $\Phi((\ln c-\mu_N)/\sigma_N)$")
    right.plot(params, line, ":", color="0.4", lw=1.5, label="lognormal, fitted line + pooled sigma")
    right.set(ylabel=r"Reconstruction$_c$", ylim=(-0.03, 1.03), title=f"sharp: Reconstruction$_c$, c = {c:.3g}")
    for ax in (left, right):
        ax.set(xscale="log", xlabel="parameters N (log scale)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="best")
    return fig


def plot_emergence_vs_c(cs: Sequence[float], scores: Sequence[float], best_c: float | None = None) -> Figure:
    """Emergence score of Reconstruction_c against the threshold c; infinite scores drawn as triangles at the top.

    Taught in chapter 8, section 'Experiment 2: reconstructing images better than $c$'.
    """
    cs, scores = np.asarray(cs, dtype=float), np.asarray(scores, dtype=float)
    if cs.ndim != 1 or cs.shape != scores.shape or cs.size < 2:
        raise ValueError("cs and scores must be 1-D arrays of the same length (at least 2)")
    finite = np.isfinite(scores)
    fig, ax = new_figure(width=6.4, height=3.6)
    ax.plot(cs[finite], scores[finite], "o-", color=SHARP, label="finite score")
    top = np.nanmax(scores[finite]) * 1.1 if finite.any() else 1.0
    if (~finite).any():
        ax.plot(cs[~finite], np.full((~finite).sum(), top), "^", color="k",
                label="+inf: all change in under half the steps")
    if best_c is not None:
        ax.axvline(check_real("best_c", best_c, low=0, low_open=True), color="0.4", ls="--",
                   label=f"most emergent c = {best_c:.3g}")
    ax.set(xscale="log", xlabel="threshold c (log scale)", ylabel=r"emergence score of Reconstruction$_c$")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_sequence(table: pd.DataFrame, K: int = 5) -> Figure:
    """Sequence model: per-item accuracy (smooth) and all-items-right (sharp) on sequences of K items, with a**K.

    Taught in chapter 8, section 'Experiment 3: the whole sequence right'.
    """
    table = tables.check_table(table, ["item_accuracy", "all_correct"])
    K = check_int("K", K, low=1, high=int(table["K"].max()))
    item = tables.seed_mean(table, "item_accuracy", K=K)
    whole = tables.seed_mean(table, "all_correct", K=K)
    per_seed = table[(table["metric"] == "item_accuracy") & (table["K"] == K)].assign(pred=lambda d: d["value"] ** K)
    pred = per_seed.groupby("params")["pred"].mean().sort_index()
    fig, (left, right) = new_figure(1, 2, width=9.0, height=3.6, sharey=True)
    _seed_dots(left, table, "item_accuracy", K, item.index, SMOOTH)
    left.plot(item.index, item.to_numpy(), "o-", color=SMOOTH, lw=2, label=f"per-item accuracy (score {_score(item)})")
    _seed_dots(right, table, "all_correct", K, whole.index, SHARP)
    right.plot(whole.index, whole.to_numpy(), "o-", color=SHARP, lw=2, label=f"all {K} right (score {_score(whole)})")
    right.plot(pred.index, pred.to_numpy(), "k--", lw=1, label=r"prediction $a^K$")
    for ax, title in ((left, f"smooth: items of {K}-item sequences"), (right, "sharp: whole sequence right")):
        ax.set(xscale="log", xlabel="parameters N (log scale)", ylim=(-0.03, 1.03))
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="upper left")
    left.set_ylabel("score (open circles: seeds; line: mean)")
    return fig


def plot_k_family(table: pd.DataFrame, metric: str = "subset_accuracy", every: int = 1) -> Figure:
    """The sharp metric for every K = 1..5 (mean over seeds) on one axis, with each curve's emergence score.

    Taught in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    table = tables.check_table(table, [metric])
    every = check_int("every", every, low=1, high=4)
    Ks = sorted(int(k) for k in table.loc[table["metric"] == metric, "K"].unique())
    fig, ax = new_figure(width=6.4, height=3.8)
    for K, color in zip(Ks, sequential_colors(len(Ks))):
        curve = _every(tables.seed_mean(table, metric, K=K), every)
        ax.plot(curve.index, curve.to_numpy(), "o-", color=color, label=f"K = {K} (score {_score(curve)})")
    ax.set(xscale="log", xlabel="parameters N (log scale)", ylabel=metric.replace("_", " "), ylim=(-0.03, 1.03))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    return fig




_R_TOP, _R_BOTTOM = 1e3, 0.3  # plot_threshold_audit: infinite R drawn at the top, R below the bottom at it


def plot_threshold_audit(audit: pd.DataFrame, threshold: float | None = None, late_from: float | None = None) -> Figure:
    """Top: relative score R of Reconstruction_c against the threshold c (log axes), marked by the book's
    verdict; bottom: where the largest improving step lies (jump_at) and how much each curve rises.

    ``audit`` is ``helpers.vision.tables.threshold_audit``'s table (one row per c).

    Taught in chapter 8, section 'Which experiments manufactured emergence?'.
    """
    from ..emergence import DEFAULT_THRESHOLD, LATE_FROM

    need = {"c", "relative", "jump_at", "rise", "verdict"}
    if not isinstance(audit, pd.DataFrame) or not need <= set(audit.columns) or len(audit) < 2:
        raise ValueError(f"audit must be a table from helpers.vision.tables.threshold_audit with columns {sorted(need)}")
    threshold = DEFAULT_THRESHOLD if threshold is None else check_real("threshold", threshold, low=0, low_open=True)
    late_from = LATE_FROM if late_from is None else check_real("late_from", late_from, low=0, high=1)
    audit = audit.sort_values("c")
    fig, (top, bottom) = new_figure(2, 1, width=7.6, height=6.2, sharex=True,
                                    gridspec_kw=dict(height_ratios=[3, 2]))
    r = audit["relative"].to_numpy(dtype=float)
    shown = np.clip(np.nan_to_num(r, posinf=_R_TOP), _R_BOTTOM, _R_TOP)
    styles = {"late rise": dict(marker="o", color=SHARP, mfc=SHARP),
              "early jump": dict(marker="o", color=SHARP, mfc="none"),
              "small rise": dict(marker="X", color="k", mfc="k"),
              "duplicate": dict(marker="s", color="0.4", mfc="none"),
              "not flagged": dict(marker=".", color="0.5", mfc="0.5")}
    top.plot(audit["c"], shown, "-", color="0.8", lw=1, zorder=0)
    for verdict, style in styles.items():
        rows = (audit["verdict"] == verdict).to_numpy()
        if rows.any():
            top.plot(audit["c"][rows], shown[rows], ls="none", ms=8, mew=1.5, label=verdict, **style)
    top.axhline(threshold, color="k", ls="--", lw=1, label=f"threshold R = {threshold:g}")
    top.set(yscale="log", ylim=(_R_BOTTOM * 0.8, _R_TOP * 1.6))
    top.set_ylabel(f"relative score R\n(inf drawn at {_R_TOP:g})", fontsize=11)
    top.legend(fontsize=10, ncol=2, loc="lower left")
    bottom.plot(audit["c"], audit["jump_at"], "o-", color=SHARP, label="jump_at (0 first step, 1 last)")
    bottom.plot(audit["c"], audit["rise"], "s:", color=SMOOTH, label="rise (max - min)")
    bottom.axhline(late_from, color="k", ls="--", lw=1, label=f"late from jump_at = {late_from:g}")
    bottom.set(xscale="log", ylim=(-0.05, 1.05))
    bottom.set_xlabel("threshold c on the squared error (log scale)", fontsize=11)
    bottom.legend(fontsize=9, loc="lower left")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=10)
    return fig
