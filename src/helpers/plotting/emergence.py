"""Plots for chapter 6 (meta-analysis): emergence scores per metric, flagged curves, chance flags.

Every function is pure: it takes an audit table from ``helpers.emergence.audit`` (and the tidy
results it was computed from) or a few parameters, and returns a new ``Figure``. The null-model
plot draws seeded binomial samples (milliseconds), nothing more.

Symbols
-------
R       relative emergence score: Eq. 1 (improvement positive) divided by n - 1, its value for a straight line
n       number of model scales of a curve
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import emergence as em
from .. import null_models
from ..validation import check_int, check_real
from . import METRIC_COLORS, new_figure

__all__ = ["plot_scores_by_metric", "plot_flagged_curves", "plot_null_rates", "plot_chance_emergence"]

_EXTRA_COLORS = {"token_accuracy": "#55a868", "answer_logprob": "#64b5cd", "answer_prob": "#da8bc3"}
_CAP = 20.0  # relative scores above this (and infinite ones) are drawn on the top row


def _color(metric: str) -> str:
    return METRIC_COLORS.get(metric, _EXTRA_COLORS.get(metric, "#333333"))


def _check_audit(scores: pd.DataFrame) -> pd.DataFrame:
    need = {"metric", "relative", "emergent", "task"}
    if not isinstance(scores, pd.DataFrame) or not need <= set(scores.columns) or len(scores) == 0:
        raise ValueError(f"scores must be a non-empty audit table (helpers.emergence.audit) with columns {sorted(need)}")
    return scores


def plot_scores_by_metric(scores: pd.DataFrame, threshold: float = em.DEFAULT_THRESHOLD, *,
                          title: str | None = None) -> Figure:
    """Strip chart of the relative score R of every curve, one column per metric, with the threshold line.

    Flagged curves are drawn with a black edge; where the audit table has the book's rules
    (``late_rising``), a flagged curve that a rule removes (duplicate, early jump, small rise) is drawn
    as an open diamond instead. Above each column: flagged / all curves.

    Taught in chapter 6, section 'Auditing the book's own sweeps'.
    """
    scores = _check_audit(scores)
    threshold = check_real("threshold", threshold, low=0, low_open=True)
    metrics = list(dict.fromkeys(scores.sort_values("metric")["metric"]))
    fig, ax = new_figure(width=min(8.5, max(6.0, 0.55 * len(metrics) + 1.5)), height=4.8)
    rng = np.random.default_rng(0)  # horizontal jitter only
    low = min(-1.0, float(np.nanmin(np.clip(scores["relative"], -_CAP, _CAP))) - 0.2)
    rules = "late_rising" in scores.columns
    dropped_any = False
    for i, metric in enumerate(metrics):
        part = scores[scores["metric"] == metric]
        r = np.clip(np.nan_to_num(part["relative"].to_numpy(dtype=float), posinf=_CAP, neginf=low), low, _CAP)
        flagged = r >= threshold
        kept = part["late_rising"].to_numpy(dtype=bool) if rules else np.ones(r.size, dtype=bool)
        x = i + rng.uniform(-0.25, 0.25, r.size)
        ax.scatter(x[~flagged], r[~flagged], s=18, color=_color(metric), alpha=0.45)
        ax.scatter(x[flagged & kept], r[flagged & kept], s=34, color=_color(metric), edgecolor="black",
                   linewidth=0.8)
        if (flagged & ~kept).any():
            dropped_any = True
            ax.scatter(x[flagged & ~kept], r[flagged & ~kept], s=40, marker="D", facecolor="none",
                       edgecolor=_color(metric), linewidth=1.3)
        ax.text(i, _CAP * 1.08, f"{int(flagged.sum())}/{r.size}", ha="center", fontsize=10)
    ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold R = {threshold:g}")
    ax.axhline(1.0, color="gray", linestyle=":", linewidth=1, label="straight line (R = 1)")
    if dropped_any:
        ax.scatter([], [], s=40, marker="D", facecolor="none", edgecolor="0.3", linewidth=1.3,
                   label="flagged, removed by a rule")
    ax.set_xticks(range(len(metrics)), [m.replace("_", " ") for m in metrics], rotation=40, ha="right",
                  fontsize=10, rotation_mode="anchor")
    ax.tick_params(axis="y", labelsize=10)
    ax.set_ylim(low, _CAP * 1.18)
    ax.set_xlim(-0.6, len(metrics) - 0.4)
    ax.set_ylabel(f"relative score R (capped at {_CAP:g})", fontsize=11)
    fig.legend(loc="outside lower center", ncol=3, fontsize=10)
    ax.set_title(title or "flagged / all curves above each column", fontsize=11)
    return fig


def plot_flagged_curves(results: pd.DataFrame, scores: pd.DataFrame, *, max_curves: int = 6,
                        only_flagged: bool = True, per_metric: bool = False) -> Figure:
    """Small multiples of the highest-scoring curves (mean over runs per scale) against log scale.

    ``per_metric`` shows only the highest-scoring curve of each metric, so one metric cannot fill every panel.

    Taught in chapter 6, section 'Auditing the book's own sweeps'.
    """
    scores = _check_audit(scores)
    max_curves = check_int("max_curves", max_curves, low=1, high=24)
    by = [c for c in scores.columns if c in ["task", "metric", *em.OPTIONAL_GROUPS] and c in results.columns]
    table, scale, groups = em.validate_table(results, by)
    pick = scores[scores["emergent"]] if only_flagged else scores
    pick = pick.assign(_r=pick["relative"].replace(np.inf, 1e300)).sort_values("_r", ascending=False)
    if per_metric:
        pick = pick.groupby("metric", sort=False).head(1)
    pick = pick.head(max_curves)
    ncols = min(2, max(1, len(pick)))
    nrows = max(1, int(np.ceil(len(pick) / ncols)))
    fig, axes = new_figure(nrows, ncols, width=3.6 * ncols + 0.4, height=2.8 * nrows + 0.3, squeeze=False)
    for ax in axes.ravel()[len(pick):]:
        ax.set_axis_off()
    if len(pick) == 0:
        axes[0, 0].set_axis_on()
        axes[0, 0].text(0.5, 0.5, "no curve is flagged", ha="center", va="center", transform=axes[0, 0].transAxes)
        return fig
    for ax, (_, row) in zip(axes.ravel(), pick.iterrows()):
        mask = np.ones(len(table), dtype=bool)
        for g in groups:
            mask &= (table[g] == row[g]).to_numpy()
        curve = table[mask].groupby(scale)["value"].mean().sort_index()
        ax.plot(curve.index, curve.to_numpy(), "o-", color=_color(str(row["metric"])), markersize=4)
        ax.set_xscale("log")
        label = ", ".join(f"{row[g]}" if g == "task" else f"{g} {row[g]}" for g in groups if g != "metric")
        r = row["relative"]
        ax.set_title(f"{label}\n{str(row['metric']).replace('_', ' ')}: R = {'inf' if np.isinf(r) else f'{r:.1f}'}",
                     fontsize=11)
        ax.set_xlabel(scale, fontsize=11)
        ax.tick_params(labelsize=10)
    return fig


def plot_null_rates(rates: pd.DataFrame) -> Figure:
    """Share of null (smooth) curves flagged, against the number of scales, one line per test-set size;
    one panel per null model when ``rates`` has a ``null`` column (``null_models.null_rates``).

    Taught in chapter 6, section 'Emergence by chance: many curves, few sizes, small test sets'.
    """
    need = {"n_sizes", "n_items", "rate"}
    if not isinstance(rates, pd.DataFrame) or not need <= set(rates.columns) or len(rates) == 0:
        raise ValueError(f"rates must be a non-empty table with columns {sorted(need)}")
    rates = rates if "null" in rates.columns else rates.assign(null="")
    nulls = list(dict.fromkeys(rates["null"]))
    fig, axes = new_figure(1, len(nulls), width=4.3 * len(nulls) + 0.4, height=3.8, squeeze=False)
    items = sorted(rates["n_items"].unique())
    for ax, name in zip(axes[0], nulls):
        part_null = rates[rates["null"] == name]
        for color, n in zip([f"C{i}" for i in range(len(items))], items):
            part = part_null[part_null["n_items"] == n].sort_values("n_sizes")
            ax.plot(part["n_sizes"], 100 * part["rate"], "o-", color=color, label=f"{n} test items")
        ax.axhline(5, color="0.5", linestyle=":", linewidth=1, label="5 %")
        ax.set_xlabel("number of model sizes n", fontsize=11)
        ax.set_ylabel("smooth curves flagged (%)", fontsize=11)
        ax.tick_params(labelsize=10)
        if name and {"start", "stop"} <= set(part_null.columns):
            start, stop = float(part_null["start"].iloc[0]), float(part_null["stop"].iloc[0])
            ax.set_title(f"{name} null: true accuracy {start:g} to {stop:g}", fontsize=11)
        elif name:
            ax.set_title(f"{name} null", fontsize=11)
    axes[0, 0].legend(fontsize=10)
    return fig


def plot_chance_emergence(threshold: float = em.DEFAULT_THRESHOLD, n_sizes: int = 4, n_items: int = 100, *,
                          null: str = "mid-range", num_tasks: int = 400, seed: int = 0) -> Figure:
    """Null tasks (accuracy rising linearly in log N, ``null_models.NULLS[null]``): histogram of R and the
    flagged curves.

    Taught in chapter 6, section 'Emergence by chance: many curves, few sizes, small test sets'.
    """
    threshold = check_real("threshold", threshold, low=0, low_open=True)
    n_sizes = check_int("n_sizes", n_sizes, low=3, high=40)
    n_items = check_int("n_items", n_items, low=1)
    if null not in null_models.NULLS:
        raise ValueError(f"null must be one of {list(null_models.NULLS)}; got {null!r}")
    start, stop = null_models.NULLS[null]
    rng = np.random.default_rng(seed)
    truth = np.linspace(start, stop, n_sizes)
    measured = rng.binomial(n_items, truth, size=(num_tasks, n_sizes)) / n_items
    r = em.emergence_scores(measured) / (n_sizes - 1)
    flagged = r >= threshold
    fig, (ax1, ax2) = new_figure(1, 2, width=9.0, height=3.6)
    shown = np.clip(np.nan_to_num(r, posinf=_CAP), -2, _CAP)
    ax1.hist(shown, bins=np.linspace(-2, _CAP, 45), color="#8c8c8c")
    ax1.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:g}")
    ax1.set_yscale("log")
    ax1.set_xlabel(f"relative score R (capped at {_CAP:g})")
    ax1.set_ylabel("null tasks")
    ax1.set_title(f"{flagged.sum()} of {num_tasks} flagged ({100 * flagged.mean():.1f} %)", fontsize=11)
    ax1.legend(fontsize=9)
    x = np.logspace(8, 11, n_sizes)
    for row in measured[~flagged][:30]:
        ax2.plot(x, row, color="gray", alpha=0.25, linewidth=0.8)
    for row in measured[flagged][:8]:
        ax2.plot(x, row, "o-", color="#c44e52", markersize=3, linewidth=1)
    ax2.plot(x, truth, color="black", linewidth=2, label=f"true accuracy ({null})")
    ax2.set_xscale("log")
    ax2.set_ylim(0, 1 if stop > 0.2 else max(0.2, 3 * stop))
    ax2.set_xlabel("model size N")
    ax2.set_ylabel("measured accuracy")
    ax2.set_title(f"{n_sizes} sizes, {n_items} items: flagged in red", fontsize=11)
    ax2.legend(fontsize=9, loc="upper left")
    return fig
