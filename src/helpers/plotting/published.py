"""Plots for chapter 10 (the mirage on real models): published scaling curves, their scores and resolution.

Every function is pure: it takes the long table of ``helpers.published.load()`` (or a table computed
from it by ``helpers.published.curves``) and a few choices, and returns a new ``Figure``.

Symbols
-------
x        scale axis: parameters N, training FLOPs C or training tokens D
R        relative emergence score, Eq. 1 with improvement positive divided by n - 1 (1 for a straight line)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import emergence as em
from ..published import curves as cv
from ..validation import check_choice, check_int, check_real
from . import new_figure

__all__ = ["AXIS_LABELS", "plot_coverage", "plot_metric_panels", "plot_curve_explorer", "plot_audit_strip",
           "plot_intervals", "plot_axis_verdicts", "plot_difficulty_groups"]

AXIS_LABELS = {"params": "parameters N", "flops": "training FLOPs C", "tokens": "training tokens D"}
_CAP = 12.0  # relative scores above this (and infinite ones) are drawn on the top row of the strip chart
_KIND_COLORS = {"all-or-nothing": "#c44e52", "graded": "#4c72b0"}
_SOURCE_COLORS = {"pythia": "C0", "obsscaling": "C1", "olmo-ladder": "C2", "u-shaped": "C3", "on-emergence": "C4",
                  "open-lm-scaling": "C5", "sloth": "C6"}
_CURVE_ID = ["family", "dataset", "instruct", "budget", "setting", "shots"]


def _check_long(table: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame) or not {"source", "task", "metric", "value", "params"} <= set(table.columns):
        raise ValueError("table must be the long table of helpers.published.load()")
    return table


def _pick(table: pd.DataFrame, source: str, task: str, metrics: Sequence[str]) -> pd.DataFrame:
    """Rows of one source and task with the given metrics; ValueError naming what has no rows."""
    table = _check_long(table)
    check_choice("source", source, sorted(table["source"].unique()))
    part = table[table["source"] == source]
    check_choice("task", task, sorted(part["task"].unique()))
    part = part[part["task"] == task]
    for m in metrics:
        check_choice("metric", m, sorted(part["metric"].unique()))
    return part[part["metric"].isin(list(metrics))]


def _where(pts: pd.DataFrame, where: Mapping[str, object] | None) -> pd.DataFrame:
    for column, value in (where or {}).items():
        if column not in cv.KEYS:
            raise ValueError(f"where must filter on the curve keys {list(cv.KEYS)}; got {column!r}")
        pts = pts[pts[column] == str(value)]
    return pts


def _label(key: tuple, varying: list[str]) -> str:
    parts = dict(zip(_CURVE_ID, key))
    extra = [f"{parts[c]}" for c in varying if c != "family"]
    return " ".join([str(parts["family"])] + extra)


def _family_colors(families: Sequence[str]) -> dict[str, object]:
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10" if len(families) <= 10 else "tab20"]
    return {f: cmap(i % cmap.N) for i, f in enumerate(sorted(families))}


def _sequential(n: int) -> list:
    from . import sequential_colors

    return sequential_colors(n, "viridis")


def _order(key: tuple) -> tuple:
    """Sort key of a curve id: budgets by their number ("0.5xC" before "10xC"), everything else as text."""
    out = []
    for part in key:
        text = str(part)
        try:
            out.append((0, float(text.removesuffix("xC")), ""))
        except ValueError:
            out.append((1, 0.0, text))
    return tuple(out)


def _log_x(ax) -> None:
    """A log x axis labelled at the decades, and also at 2 and 5 times them when it spans under 2 decades."""
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=12))
    lo, hi = ax.get_xlim()
    if lo > 0 and np.log10(hi / lo) < 2:
        ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0), numticks=12))
        ax.xaxis.set_minor_formatter(LogFormatterSciNotation(labelOnlyBase=False))
    else:
        ax.xaxis.set_minor_formatter(NullFormatter())


def _r_text(r: float) -> str:
    return "inf" if np.isinf(r) and r > 0 else "-inf" if np.isinf(r) else f"{r:.1f}"


def plot_coverage(table: pd.DataFrame) -> Figure:
    """Every final model of every source: parameters against training tokens (log-log), with D = 20 N.

    Taught in chapter 10, section 'The data'.
    """
    table = _check_long(table)
    models = cv.final_evaluations(table).drop_duplicates(["source", "model", "run"])
    fig, ax = new_figure(width=6.6, height=4.2)
    for source, part in models.groupby("source", sort=True):
        part = part[part["params"].notna() & part["tokens"].notna()]
        ax.scatter(part["params"], part["tokens"], s=16, alpha=0.7, color=_SOURCE_COLORS.get(source, "gray"),
                   label=f"{source} ({part['model'].nunique()})")
    n = np.logspace(7, 12, 10)
    ax.plot(n, 20 * n, color="black", linestyle="--", linewidth=1, label="D = 20 N (Chinchilla)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(AXIS_LABELS["params"])
    ax.set_ylabel(AXIS_LABELS["tokens"])
    ax.legend(fontsize=7, loc="upper left", title="source (models with both)", title_fontsize=7)
    return fig


def plot_metric_panels(table: pd.DataFrame, source: str, task: str, metrics: Sequence[str], x: str = "params", *,
                       where: Mapping[str, object] | None = None, min_models: int = 3, pooled: bool = False,
                       per_decade: int = 2, log_y: Sequence[str] = (), title: str | None = None) -> Figure:
    """One panel per metric of the same evaluations: the metric against ``x`` for every model.

    Curves of ``min_models`` or more models (one family, one setting) are lines, labelled with their
    relative emergence score R; other models are grey dots. ``pooled`` adds the median of all models
    per bin of 1/``per_decade`` decades (black, with the quartiles shaded): a cross-family picture,
    not a family's curve.

    Taught in chapter 10, section 'IPA transliteration: exact match and BLEU of the same generations'.
    """
    x = check_choice("x", x, list(cv.X_AXES))
    if isinstance(metrics, str) or not 1 <= len(metrics) <= 4:
        raise ValueError(f"metrics must be a list of 1 to 4 metric names; got {metrics!r}")
    min_models = check_int("min_models", min_models, low=2, high=50)
    part = _pick(table, source, task, metrics)
    pts = _where(cv.points(part, x), where)
    if len(pts) == 0:
        raise ValueError(f"where={dict(where or {})} leaves no models of {source}/{task}")
    fig, axes = new_figure(1, len(metrics), width=3.4 * len(metrics) + 1.2, height=4.6, squeeze=False)
    curves = sorted(pts.groupby(_CURVE_ID + ["metric"], sort=True), key=lambda kc: _order(kc[0]))
    varying = [c for c in _CURVE_ID if pts[c].nunique() > 1]
    ids = sorted({key[:-1] for key, c in curves if len(c) >= min_models}, key=_order)
    if pts["family"].nunique() > 1:
        by_family = _family_colors(list(pts["family"].unique()))
        colors = {key: by_family[key[0]] for key in ids}
    else:
        colors = dict(zip(ids, _sequential(len(ids))))
    scores = {}
    long_enough = pts.groupby(list(cv.KEYS))["scale"].transform("nunique") >= max(min_models, 3)
    if long_enough.any():
        s, _ = cv.audit(pts[long_enough])
        scores = {tuple(row[c] for c in _CURVE_ID + ["metric"]): row["relative"] for _, row in s.iterrows()}
    for ax, metric in zip(axes[0], metrics):
        grey = []
        for key, c in curves:
            if key[-1] != metric:
                continue
            c = c.sort_values("scale")
            if len(c) >= min_models:
                r = scores.get(key)
                label = _label(key[:-1], varying) + ("" if r is None else f" (R = {_r_text(r)})")
                ax.plot(c["scale"], c["value"], "o-", markersize=3.5, linewidth=1.3, color=colors[key[:-1]],
                        label=label)
            else:
                grey.append(c)
        if grey:
            others = pd.concat(grey)
            ax.scatter(others["scale"], others["value"], s=10, color="#9a9a9a", alpha=0.7, zorder=1)
        if pooled:
            b = cv.binned(pts[pts["metric"] == metric], per_decade)
            ax.fill_between(b["scale"], b["low"], b["high"], color="black", alpha=0.08, linewidth=0)
            ax.plot(b["scale"], b["value"], "s--", color="black", markersize=4, linewidth=1.5,
                    label="median of all models per bin")
        _log_x(ax)
        if metric in log_y:
            ax.set_yscale("log")
        better = "higher" if bool(pts.loc[pts["metric"] == metric, "higher_is_better"].iloc[0]) else "lower"
        ax.set_ylabel(f"{metric} ({better} is better)", fontsize=9)
        ax.set_xlabel(AXIS_LABELS[x], fontsize=9)
        ax.set_title(f"{task}: {metric}", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[0]:
        if ax.get_legend_handles_labels()[1]:
            ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    fig.suptitle(title or f"{source}: the same evaluations under {len(metrics)} metric(s); grey: models in "
                 f"curves of fewer than {min_models} models", fontsize=9)
    return fig


def plot_curve_explorer(table: pd.DataFrame, source: str = "obsscaling", family: str = "OPT",
                        task: str = "ipa_transliterate", metric: str = "exact_match", x: str = "params") -> Figure:
    """One family's curve (coloured, with Eq. 1 and R) over every other model of the source on the task (grey).

    A combination without data (a task the source does not have, a family without models on it)
    gives a figure that says so, so that the live explorer's dropdowns can be moved freely.

    Used in chapter 10, section 'Exploring the curves'.
    """
    x = check_choice("x", x, list(cv.X_AXES))
    table = _check_long(table)
    part = table[(table["source"] == source) & (table["task"] == task) & (table["metric"] == metric)]
    pts = cv.points(part, x) if len(part) else part
    fig, ax = new_figure(width=6.0, height=3.8)
    if len(pts) == 0 or family not in set(pts["family"]):
        ax.set_axis_off()
        what = "no rows" if len(pts) == 0 else f"no family {family!r}"
        ax.text(0.5, 0.5, f"{what} for source {source!r}, task {task!r}, metric {metric!r}, x = {x}:\n"
                f"choose another combination", ha="center", va="center", fontsize=9, transform=ax.transAxes)
        return fig
    others = pts[pts["family"] != family]
    ax.scatter(others["scale"], others["value"], s=12, color="#9a9a9a", alpha=0.7, label="other families")
    mine = pts[pts["family"] == family]
    try:
        scores, _ = cv.audit(mine)
    except ValueError:  # no curve of 3 or more models on distinct scales
        scores = pd.DataFrame()
    keys = [k for k in _CURVE_ID if k != "family"]
    varying = [k for k in keys if mine[k].nunique() > 1]
    for key, c in mine.groupby(keys, sort=True):
        c = c.sort_values("scale")
        extra = ", ".join(f"{k} {v}" for k, v in zip(keys, key) if k in varying)
        ax.plot(c["scale"], c["value"], "o-", markersize=4, label=family + (f" ({extra})" if extra else ""))
    if len(scores):
        row = scores.iloc[0]
        text = (f"{family}: {len(scores)} curve(s); first: n = {int(row['n_scales'])}, "
                f"ES = {_r_text(row['score'])}, R = {_r_text(row['relative'])}"
                + (f" ({row['note']})" if row['note'] else ""))
    else:
        text = f"{family}: fewer than 3 models on distinct scales; Eq. 1 cannot score it"
    _log_x(ax)
    ax.set_xlabel(AXIS_LABELS[x])
    ax.set_ylabel(metric)
    ax.set_title(f"{source} / {task}\n{text}", fontsize=8)
    ax.legend(fontsize=7, loc="best")
    return fig


def plot_audit_strip(scores: pd.DataFrame, threshold: float = em.DEFAULT_THRESHOLD, *,
                     title: str | None = None) -> Figure:
    """Relative score R of every audited curve, one column per source, all-or-nothing and graded
    metrics side by side; infinite and very large R on the top row; flagged / all above each column.

    Taught in chapter 10, section 'Prediction (c): the audit of every curve'.
    """
    need = {"source", "kind", "relative"}
    if not isinstance(scores, pd.DataFrame) or not need <= set(scores.columns) or len(scores) == 0:
        raise ValueError(f"scores must be a non-empty audit table with columns {sorted(need)}")
    threshold = check_real("threshold", threshold, low=0, low_open=True)
    sources = sorted(scores["source"].unique())
    fig, ax = new_figure(width=8.6, height=4.0)
    rng = np.random.default_rng(0)  # horizontal jitter only
    low = -2.0
    for i, source in enumerate(sources):
        for j, (kind, color) in enumerate(_KIND_COLORS.items()):
            r = scores.loc[(scores["source"] == source) & (scores["kind"] == kind), "relative"].to_numpy(dtype=float)
            if r.size == 0:
                continue
            r = np.clip(np.nan_to_num(r, posinf=_CAP, neginf=low), low, _CAP)
            flagged = r >= threshold
            xpos = i + (j - 0.5) * 0.36 + rng.uniform(-0.13, 0.13, r.size)
            ax.scatter(xpos[~flagged], r[~flagged], s=7, color=color, alpha=0.35,
                       label=kind if i == 0 else None)
            ax.scatter(xpos[flagged], r[flagged], s=14, color=color, edgecolor="black", linewidth=0.5)
            ax.text(i + (j - 0.5) * 0.36, _CAP * 1.1, f"{int(flagged.sum())}/{r.size}", ha="center", fontsize=6,
                    color=color)
    ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold R = {threshold:g}")
    ax.axhline(1.0, color="gray", linestyle=":", linewidth=1, label="straight line (R = 1)")
    ax.set_xticks(range(len(sources)), sources, rotation=20, ha="right", fontsize=8)
    ax.set_ylim(low - 0.3, _CAP * 1.2)
    ax.set_ylabel(f"relative emergence score R (capped at {_CAP:g})")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title or "flagged / all curves above each column (red: all-or-nothing, blue: graded)", fontsize=9)
    return fig


def plot_intervals(res: pd.DataFrame, source: str, task: str, *, where: Mapping[str, object] | None = None,
                   log_y: bool = True) -> Figure:
    """Reported scores with their exact 95 % intervals against parameters; a score of 0 is drawn as its
    upper bound (a downward triangle): the data say only that the rate lies below it.

    Taught in chapter 10, section 'Prediction (b): resolution'.
    """
    need = {"source", "task", "params", "value", "low", "high", "zero", "family"}
    if not isinstance(res, pd.DataFrame) or not need <= set(res.columns):
        raise ValueError("res must be a table from helpers.published.curves.resolution()")
    part = res[(res["source"] == source) & (res["task"] == task)]
    for column, value in (where or {}).items():
        if column not in res.columns:
            raise ValueError(f"where must filter on columns of res; got {column!r}")
        part = part[part[column] == str(value)]
    if len(part) == 0:
        raise ValueError(f"no scores with a known number of items for source={source!r}, task={task!r}, where={where}")
    fig, ax = new_figure(width=6.4, height=3.8)
    floor = float(part.loc[~part["zero"], "low"].replace(0.0, np.nan).min()) if (~part["zero"]).any() else 1e-4
    floor = min(floor, float(part["high"].min())) / 3 if log_y else 0.0
    nonzero = part[~part["zero"]]
    ax.errorbar(nonzero["params"], nonzero["value"], yerr=[nonzero["value"] - np.maximum(nonzero["low"], floor),
                                                            nonzero["high"] - nonzero["value"]],
                fmt="o", markersize=4, color="#4c72b0", ecolor="#4c72b0", elinewidth=0.8, capsize=2,
                label="reported score, 95 % interval")
    zeros = part[part["zero"]]
    ax.scatter(zeros["params"], zeros["high"], marker="v", s=28, color="#c44e52",
               label="reported 0: upper end of its 95 % interval")
    ax.vlines(zeros["params"], floor, zeros["high"], color="#c44e52", linewidth=0.6, alpha=0.5)
    if log_y:
        ax.set_yscale("log")
        ax.set_ylim(floor, 1.0)
    _log_x(ax)
    ax.set_xlabel(AXIS_LABELS["params"])
    ax.set_ylabel("share of items right")
    n = sorted(part["n_items"].unique())
    ax.set_title(f"{source} / {task}: {len(part)} scores, {int(part['zero'].sum())} of them 0; "
                 f"n_items = {', '.join(str(v) for v in n)}", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def plot_axis_verdicts(table: pd.DataFrame, source: str = "olmo-ladder", task: str = "hellaswag_val",
                       metric: str = "acc_len_norm", x: str = "params") -> Figure:
    """The same final models on one axis: with ``x`` = "params" one curve per token budget, otherwise the
    budgets share one curve ordered by ``x``; each curve is labelled with its R.

    Taught in chapter 10, section 'Parameters, FLOPs or tokens'.
    """
    return plot_metric_panels(table, source, task, [metric], x,
                              where={"family": "olmo-ladder"} if source == "olmo-ladder" else None,
                              title=f"{source}: {metric} against {AXIS_LABELS[x]}")


def plot_difficulty_groups(table: pd.DataFrame, task: str = "mmlu", n_groups: int = 3, *,
                           per_decade: int = 2) -> Figure:
    """Wu & Lo's difficulty groups (u-shaped source): the Brier score of each group of items (1 = easiest)
    against training FLOPs, every model a dot, the median per bin a line; the overall Brier in black.

    Taught in chapter 10, section 'Multiple choice: accuracy and Brier score from the same log-probabilities'.
    """
    table = _check_long(table)
    n_groups = check_int("n_groups", n_groups, low=3, high=10)
    u = table[(table["source"] == "u-shaped") & (table["metric"] == "brier")]
    check_choice("task", task, sorted(u["task"].unique()))
    u = u[u["task"] == task]
    groups = u[u["n_groups"] == n_groups]
    if groups.empty:
        raise ValueError(f"n_groups must be one of {sorted(u['n_groups'].dropna().unique().tolist())}; got {n_groups}")
    overall = u[u["group"].isna()]
    fig, ax = new_figure(width=6.4, height=4.0)
    colors = _sequential(n_groups)
    for g, color in zip(range(1, n_groups + 1), colors):
        part = groups[groups["group"] == g]
        pts = pd.DataFrame({"scale": part["flops"].astype(float), "value": part["value"].astype(float)}).dropna()
        ax.scatter(pts["scale"], pts["value"], s=8, color=color, alpha=0.35)
        b = cv.binned(pts, per_decade)
        name = "easiest" if g == 1 else "hardest" if g == n_groups else "middle"
        ax.plot(b["scale"], b["value"], "o-", color=color, markersize=4, label=f"group {g} ({name})")
    pts = pd.DataFrame({"scale": overall["flops"].astype(float), "value": overall["value"].astype(float)}).dropna()
    b = cv.binned(pts, per_decade)
    ax.plot(b["scale"], b["value"], "s--", color="black", markersize=4, label="all items")
    _log_x(ax)
    ax.set_xlabel(AXIS_LABELS["flops"])
    ax.set_ylabel("Brier score (lower is better)")
    ax.set_title(f"u-shaped / {task}: items in {n_groups} difficulty groups; lines: median per bin", fontsize=9)
    ax.legend(fontsize=7)
    return fig
