"""Plots for chapter 5 (emergence in models we train): the arithmetic sweep and the live family.

Every function is pure: it takes a tidy table from ``helpers.arithmetic.evaluate.score`` (or the
committed sweep, ``helpers.arithmetic.sweep.load_results``) or small arrays, and returns a new
``Figure``. Nothing here trains or evaluates a model.

Symbols
-------
N       parameters of one model (column ``params``)
L       target length: number of answer tokens of an item (column ``target_len``)
n       number of test items an exact-match score is computed on
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import resolution as res
from ..arithmetic import tables
from ..validation import check_choice, check_int, check_real
from . import METRIC_COLORS, new_figure, sequential_colors

__all__ = [
    "METRIC_LABELS",
    "plot_metric_vs_scale",
    "plot_metrics_grid",
    "plot_target_length",
    "plot_resolution",
    "plot_resolution_counts",
    "plot_resolution_by_task",
    "plot_independence",
]

# Axis label of each metric of the sweep table (value = mean over items).
METRIC_LABELS: dict[str, str] = {
    "exact_match": "exact match",
    "token_accuracy": "per-token accuracy",
    "cross_entropy": "per-token cross-entropy (nats)",
    "edit_distance": "token edit distance",
    "answer_logprob": "log-prob of the whole answer",
    "answer_prob": "probability of the whole answer",
    "multiple_choice_grade": "multiple-choice grade",
    "brier_score": "Brier score",
}
_EXTRA_COLORS = {"token_accuracy": "#55a868", "answer_logprob": "#64b5cd", "answer_prob": "#da8bc3"}
_SCALES = ("linear", "log")


def _color(metric: str) -> str:
    return METRIC_COLORS.get(metric, _EXTRA_COLORS.get(metric, "#333333"))


def _label(metric: str) -> str:
    if metric.startswith("exact_match_first_"):
        return f"exact match of the first {metric.rsplit('_', 1)[1]} answer tokens"
    return METRIC_LABELS.get(metric, metric)


def _draw_metric(ax, table, metric, task, target_len, xscale, yscale, mean=True) -> None:
    wide = tables.seed_curves(table, metric, task=task, target_len=target_len)
    color = _color(metric)
    params = wide.index.to_numpy(dtype=float)
    seeds = [c for c in wide.columns if c != "mean"]
    if mean:
        for i, seed in enumerate(seeds):
            ax.plot(params, wide[seed].to_numpy(), "o", color=color, alpha=0.45, ms=4, mfc="none",
                    label="individual seeds" if i == 0 else None)
        ax.plot(params, wide["mean"].to_numpy(), "-", color=color, lw=2, label="mean over seeds")
    else:  # each seed its own line: a mean of runs that solved the task and runs that did not is no model
        for seed, marker in zip(seeds, "osD^v<>ph*"):
            ax.plot(params, wide[seed].to_numpy(), marker + "-", color=color, alpha=0.75, ms=5, lw=1,
                    mfc="none", label=f"seed {seed}")
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    ax.set(xlabel="parameters N" + (" (log scale)" if xscale == "log" else ""), ylabel=_label(metric))
    ax.grid(alpha=0.3)


def plot_metric_vs_scale(table: pd.DataFrame, metric: str = "exact_match", *, task: str | None = None,
                         target_len: int | None = None, xscale: str = "log", yscale: str = "linear",
                         mean: bool = True) -> Figure:
    """One metric of the sweep against parameters: each seed (open circles) and their mean (line).

    ``mean=False`` draws each seed as its own line and no mean, for tasks whose runs split into
    solved and unsolved (``add_4x4``).

    Taught in chapter 5, section 'The committed sweep'.
    """
    check_choice("xscale", xscale, _SCALES)
    check_choice("yscale", yscale, _SCALES)
    if not isinstance(mean, (bool, np.bool_)):
        raise ValueError(f"mean must be True or False; got {mean!r}")
    fig, ax = new_figure(width=6.4, height=4.0)
    _draw_metric(ax, table, metric, task, target_len, xscale, yscale, bool(mean))
    which = "all target lengths" if target_len is None else f"target length L = {target_len}"
    ax.set_title(f"{_label(metric)}, {which}", fontsize=11)
    ax.legend(fontsize=8)
    return fig


def plot_metrics_grid(table: pd.DataFrame,
                      metrics: Sequence[str] = ("exact_match", "cross_entropy", "token_accuracy", "edit_distance"),
                      *, task: str | None = None, target_len: int | None = None) -> Figure:
    """Several metrics of the same outputs against parameters, one panel each (seeds and mean).

    Taught in chapter 5, section 'The committed sweep'.
    """
    metrics = list(metrics)
    if not 1 <= len(metrics) <= 6:
        raise ValueError(f"metrics must name 1 to 6 metrics; got {len(metrics)}")
    ncols = 2 if len(metrics) > 1 else 1
    nrows = -(-len(metrics) // ncols)
    fig, axes = new_figure(nrows, ncols, width=4.2 * ncols, height=3.0 * nrows, squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        _draw_metric(ax, table, metric, task, target_len, "log", "linear")
        ax.set_title(_label(metric), fontsize=10)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_axis_off()
    axes.flat[0].legend(fontsize=7)
    return fig


def plot_target_length(table: pd.DataFrame, metric: str = "exact_match", *, task: str | None = None,
                       yscale: str = "log", params: Sequence[int] | None = None) -> Figure:
    """The metric (mean over seeds) against target length L, one line per model size.

    Taught in chapter 5, section 'The committed sweep'.
    """
    check_choice("yscale", yscale, _SCALES)
    rows = tables.metric_rows(table, metric, task, None)
    sizes = sorted(int(p) for p in rows["params"].unique())
    if params is not None:
        for p in params:
            check_choice("params", int(p), sizes)
        sizes = sorted(int(p) for p in params)
    mean = rows.groupby(["params", "target_len"])["value"].mean()
    fig, ax = new_figure(width=6.4, height=4.0)
    for size, color in zip(sizes, sequential_colors(len(sizes))):
        curve = mean.loc[size]
        y = curve.to_numpy(dtype=float)
        if yscale == "log":
            y = np.where(y > 0, y, np.nan)  # a 0 has no place on a log axis: leave a gap
        ax.plot(curve.index.to_numpy(dtype=int), y, "o-", color=color, label=f"N = {size:,}")
    ax.set_yscale(yscale)
    ax.set(xlabel="target length L (answer tokens)", ylabel=_label(metric) + " (mean over seeds)")
    ax.set_xticks(sorted(int(x) for x in rows["target_len"].unique()))
    ax.set_title(f"{_label(metric)} against target length", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5))
    return fig


def _levels_on(chance, n: int, num_items: int) -> dict[str, float]:
    """Chance levels on the first n items: {"chance": rate} for one rate, else each per-item array's mean."""
    if isinstance(chance, pd.DataFrame):  # one column per guesser, one row per item (chance.item_levels)
        chance = {str(name): chance[name].to_numpy() for name in chance.columns}
    if not isinstance(chance, Mapping):
        return {"chance": check_real("chance", chance, low=0, high=1, low_open=True)}
    if not 1 <= len(chance) <= 3:
        raise ValueError(f"chance must name 1 to 3 guessers; got {len(chance)}")
    out = {}
    for name, value in chance.items():
        values = np.asarray(value, dtype=float)
        if values.ndim == 0:
            out[name] = check_real(f"chance[{name!r}]", float(values), low=0, high=1, low_open=True)
            continue
        if values.shape != (num_items,) or not ((values >= 0) & (values <= 1)).all():
            raise ValueError(f"chance[{name!r}] must be one rate or one chance in [0, 1] per item "
                             f"({num_items}); got shape {values.shape}")
        out[name] = check_real(f"chance[{name!r}] on the first {n} items", float(values[:n].mean()),
                               low=0, high=1, low_open=True)
    return out


def plot_resolution(correct: np.ndarray, params: Sequence[int], n: int = 100, *,
                    chance: float | Mapping[str, float | Sequence[float]] | pd.DataFrame | None = None,
                    confidence: float = 0.95) -> Figure:
    """Exact match of each model on its first n test items, with exact (Clopper-Pearson) intervals, log y.

    ``correct`` is a 0/1 array (models, items): item i answered exactly right by model m. A score of
    0 of n is drawn as an open triangle at the bottom with a bar up to its upper bound. ``chance`` is
    one rate (a line labelled "chance"), or maps a guesser's name to a rate or to each item's chance
    (one per item; a DataFrame with one column per guesser, as ``arithmetic.chance.item_levels``
    gives it, works too): then the line is their mean over the same first n items the models are
    scored on.

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    correct = np.asarray(correct)
    if correct.ndim != 2 or correct.shape[1] < 1 or not np.isin(correct, (0, 1)).all():
        raise ValueError(f"correct must be a 2-D 0/1 array (models, items); got shape {correct.shape}")
    params = np.asarray(params, dtype=float)
    if params.shape != (correct.shape[0],) or not (params > 0).all():
        raise ValueError(f"params must hold one positive count per model ({correct.shape[0]}); got {params.shape}")
    n = check_int("n", n, low=1, high=correct.shape[1])
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    k = correct[:, :n].sum(axis=1).astype(int)
    ci = np.array([res.binomial_ci(int(kk), n, confidence) for kk in k])
    score = k / n
    floor = 1e-6
    fig, ax = new_figure(width=6.4, height=4.0)
    color = METRIC_COLORS["exact_match"]
    nz = k > 0
    ax.errorbar(params[nz], score[nz], yerr=[score[nz] - ci[nz, 0], ci[nz, 1] - score[nz]], fmt="o",
                color=color, capsize=3, label=f"k/n > 0 with {confidence:.0%} CI")
    if (~nz).any():
        ax.vlines(params[~nz], floor, ci[~nz, 1], color=color, lw=1.5, alpha=0.6)
        ax.plot(params[~nz], np.full((~nz).sum(), floor), "v", color=color, mfc="none", ms=8,
                label=f"0 of {n:,}: below the bar's top")
    ax.axhline(1 / n, color="0.5", ls=":", lw=1, label=f"1/n = {1 / n:.1e}")
    levels = {} if chance is None else _levels_on(chance, n, correct.shape[1])
    for (name, rate), style in zip(levels.items(), ("--", "-.", ":")):
        ax.axhline(rate, color="k", ls=style, lw=1, label=f"{name} = {rate:.1e}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(floor * 0.6, 1.5)
    ax.set(xlabel="parameters N (log scale)", ylabel="exact match k/n (log scale)",
           title=f"Exact match on the first n = {n:,} held-out items")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _check_counts(counts: pd.DataFrame, columns=("params", "seed", "n", "k")) -> None:
    if not isinstance(counts, pd.DataFrame):
        raise ValueError(f"counts must be a pandas DataFrame; got {type(counts).__name__}")
    missing = [c for c in columns if c not in counts.columns]
    if missing:
        raise ValueError(f"counts is missing columns {missing}; it needs {', '.join(columns)}")
    if counts.empty:
        raise ValueError("counts must hold at least one row")
    n_all, k_all = counts["n"].to_numpy(), counts["k"].to_numpy()
    if not ((n_all >= 1) & (k_all >= 0) & (k_all <= n_all)).all():
        raise ValueError("counts must have n >= 1 and 0 <= k <= n in every row")
    if not (counts["params"] > 0).all():
        raise ValueError("counts['params'] must be positive parameter counts")


def _draw_counts(ax, counts: pd.DataFrame, chance: dict[str, float] | None, confidence: float,
                 by: str) -> None:
    """Exact match k/n with exact intervals on ``ax``, one color per value of column ``by`` (n or seed)."""
    floor = 1e-6
    groups = sorted(counts[by].unique())
    seeds = sorted(counts["seed"].unique())
    palette = ("#4c72b0", "#dd8452", "#55a868", "#8172b3")
    for i, g in enumerate(groups):
        rows = counts[counts[by] == g]
        color = palette[i % len(palette)]
        ci = np.array([res.binomial_ci(int(r.k), int(r.n), confidence) for r in rows.itertuples()])
        if by == "n":  # test-set sizes side by side, seeds a little apart within each
            shift = np.array([1.06 ** (2 * i - len(groups) + 1 + 0.4 * (seeds.index(s) - (len(seeds) - 1) / 2))
                              for s in rows["seed"]])
            label = f"n = {int(g):,}"
        else:
            shift = np.full(len(rows), 1.1 ** (i - (len(groups) - 1) / 2))
            label = f"seed {g}"
        x = rows["params"].to_numpy(float) * shift
        score = rows["k"].to_numpy() / rows["n"].to_numpy()
        nz = rows["k"].to_numpy() > 0
        if nz.any():
            ax.errorbar(x[nz], score[nz], yerr=[score[nz] - ci[nz, 0], ci[nz, 1] - score[nz]], fmt="o",
                        color=color, capsize=2, ms=4, label=f"{label}, {confidence:.0%} CI")
        if (~nz).any():
            ax.vlines(x[~nz], floor, ci[~nz, 1], color=color, lw=1.5, alpha=0.6)
            ax.plot(x[~nz], np.full((~nz).sum(), floor), "v", color=color, mfc="none", ms=7,
                    label=f"{label}: 0 right, bar = upper bound")
    for (name, rate), style in zip((chance or {}).items(), ("--", "-.", ":")):
        rate = check_real(f"chance[{name!r}]", rate, low=0, high=1, low_open=True)
        ax.axhline(rate, color="k", ls=style, lw=1, label=f"{name} = {rate:.1e}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(floor * 0.6, 1.5)
    ax.grid(alpha=0.3)


def plot_resolution_counts(counts: pd.DataFrame, *, chance: dict[str, float] | None = None,
                           confidence: float = 0.95) -> Figure:
    """Exact match k/n of each model at each test-set size n, with exact (Clopper-Pearson) intervals, log y.

    ``counts`` has one row per model and test-set size, columns ``params`` (N), ``seed``, ``n`` and
    ``k`` (items exactly right). Markers of one N are spread a little sideways by n and seed, so the
    intervals of the same model on 4,000 and on 100,000 items sit next to each other. A 0 of n is an
    open triangle at the bottom with a bar up to its upper bound. ``chance`` maps a label to a rate,
    each drawn as a horizontal line.

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    _check_counts(counts)
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    fig, ax = new_figure(width=6.4, height=4.2)
    _draw_counts(ax, counts, chance, confidence, by="n")
    ax.set(xlabel="parameters N (log scale; seeds side by side)", ylabel="exact match k/n (log scale)",
           title="The same model sizes scored on more held-out items")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_resolution_by_task(counts: pd.DataFrame, *, chance: dict[str, dict[str, float]] | None = None,
                            small_n: int | None = 100, confidence: float = 0.95) -> Figure:
    """One panel per task: exact match k/n of every run (each seed its own color) with exact intervals, log y.

    ``counts`` has columns ``task``, ``params``, ``seed``, ``n`` and ``k``; ``chance`` maps a task to
    its chance levels ({label: rate}), drawn as horizontal lines, and a dotted line marks 1/``small_n``,
    the smallest nonzero score on a ``small_n``-item test set (None: no line). No mean over seeds is
    drawn: runs of one size can differ by orders of magnitude (solved and unsolved).

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    _check_counts(counts, ("task", "params", "seed", "n", "k"))
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    names = list(dict.fromkeys(counts["task"]))
    if len(names) > 3:
        raise ValueError(f"counts must hold 1 to 3 tasks; got {len(names)}")
    for name in chance or {}:
        check_choice("chance", name, names)
    if small_n is not None:
        small_n = check_int("small_n", small_n, low=1)
    fig, axes = new_figure(1, len(names), width=4.6 * len(names), height=4.2, squeeze=False, sharey=True)
    for ax, name in zip(axes.flat, names):
        rows = counts[counts["task"] == name]
        _draw_counts(ax, rows, (chance or {}).get(name), confidence, by="seed")
        if small_n is not None:
            ax.axhline(1 / small_n, color="0.5", ls=":", lw=1, label=f"1/{small_n}: 1 right of {small_n}")
        ns = sorted(int(n) for n in rows["n"].unique())
        ax.set(xlabel="parameters N (log scale; seeds side by side)",
               title=f"{name}, n = {', '.join(f'{n:,}' for n in ns)} held-out items")
        ax.legend(fontsize=7, loc="lower right")
    axes.flat[0].set_ylabel("exact match k/n (log scale)")
    return fig


def plot_independence(comparison: pd.DataFrame) -> Figure:
    """Measured exact match against the independence prediction (product of per-position accuracies).

    ``comparison`` has columns params, target_len, measured, predicted (one row per model and L).
    Points above the diagonal: errors cluster on the same items (positively correlated). Rows with a
    0 in either column have no place on the log axes and are left out.

    Taught in chapter 5, section 'Is exact match $p^L$? Independence on trained models'.
    """
    need = ("params", "target_len", "measured", "predicted")
    if not isinstance(comparison, pd.DataFrame) or any(c not in comparison.columns for c in need):
        raise ValueError(f"comparison must be a DataFrame with columns {list(need)}")
    if comparison.empty:
        raise ValueError("comparison must hold at least one row")
    vals = comparison[["measured", "predicted"]].to_numpy(dtype=float)
    if not np.isfinite(vals).all() or (vals < 0).any() or (vals > 1).any():
        raise ValueError("comparison's measured and predicted columns must hold rates in [0, 1]")
    lengths = sorted(int(x) for x in comparison["target_len"].unique())
    fig, ax = new_figure(width=6.0, height=4.6)
    shown = comparison[(comparison["measured"] > 0) & (comparison["predicted"] > 0)]
    low = float(shown[["measured", "predicted"]].to_numpy().min()) if len(shown) else 1e-3
    for L, color in zip(lengths, sequential_colors(len(lengths), "plasma")):
        rows = shown[shown["target_len"] == L].sort_values("params")
        ax.plot(rows["predicted"].to_numpy(), rows["measured"].to_numpy(), "o-", color=color,
                label=f"L = {L}", ms=5, lw=1)
    ax.plot([low / 2, 1], [low / 2, 1], color="0.4", ls="--", lw=1, label="measured = predicted")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="predicted exact match, product of per-position accuracies",
           ylabel="measured exact match", title="Does independence hold? (points: models, small to large)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return fig
