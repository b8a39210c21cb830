"""Plots for chapter 11 (predicting real models): forecasts, accuracy against loss, training curves.

Every function is pure: it takes tables from ``helpers.published.forecasting``, ``loss_threshold`` and
``training`` (and point fits computed there) and returns a new ``Figure``.

Symbols
-------
C        training FLOPs; N parameters, D tokens
acc      accuracy (exact match for generated answers); g its floor (chance)
bpb      bits per byte of the right answer; Brier the Brier score of the right answer
L        a validation loss (cross-entropy per token, nats)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..published import forecasting as pf
from ..published import training as tr
from ..validation import check_choice, check_real
from . import new_figure, sequential_colors

__all__ = ["METHOD_COLORS", "METHOD_LABELS", "plot_ladder_task", "plot_forecast_vs_measured", "plot_errors",
           "plot_public_task", "plot_capability", "plot_family", "plot_loss_accuracy", "plot_pythia_training",
           "plot_olmo_training"]

METHOD_COLORS: dict[str, str] = {"direct": "#dd8452", "two_step": "#55a868", "capability": "#8172b2",
                                 "last": "#4c72b0", "chance": "#937860"}
METHOD_LABELS: dict[str, str] = {"direct": "direct: sigmoid in log C", "two_step": "two-step: metric, then link",
                                 "capability": "capability: benchmark PCs", "last": "last small model",
                                 "chance": "chance"}
_GROUP_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b2", "#937860", "#da8bc3")


def _table(name: str, table: object, need: set[str]) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame) or not need <= set(table.columns) or table.empty:
        raise ValueError(f"{name} must be a non-empty table with columns {sorted(need)}")
    return table


def _forecast_marks(ax, rows: pd.DataFrame, methods: list[str], spread: float = 0.035) -> None:
    """Each method's forecasts of the targets as coloured markers with their intervals, side by side."""
    k = len(methods)
    for i, method in enumerate(methods):
        m = rows[rows["method"].eq(method)]
        if m.empty:
            continue
        x = m["flops"].to_numpy() * 10 ** (spread * (i - (k - 1) / 2))
        y = m["forecast"].to_numpy()
        lo, hi = m["lo"].to_numpy(), m["hi"].to_numpy()
        has = np.isfinite(lo)
        yerr = np.clip([y[has] - lo[has], hi[has] - y[has]], 0, None)  # a point may lie outside its percentiles
        ax.errorbar(x[has], y[has], yerr=yerr, fmt="none", ecolor=METHOD_COLORS[method],
                    elinewidth=1, capsize=2, alpha=0.8)
        ax.plot(x, y, "D", color=METHOD_COLORS[method], ms=4.5, label=f"forecast: {METHOD_LABELS[method]}")


def plot_ladder_task(points: pd.DataFrame, forecasts: pd.DataFrame, curves: dict, task: str) -> Figure:
    """Left: final accuracy of the ladder runs against compute, the OLMo 2 7B/13B measurements and each
    method's forecast with its interval. Right: accuracy against bits per byte (every ladder evaluation),
    the fitted link, and where the ladder law puts the two targets.

    Taught in chapter 11, section 'Testbed 1: the OLMo ladder forecasts OLMo 2'.
    """
    check_choice("task", task, list(pf.LADDER_TASKS))
    points = _table("points", points, {"task", "family", "run", "final", "flops", "acc", "bpb", "model"})
    forecasts = _table("forecasts", forecasts, {"testbed", "task", "method", "flops", "forecast", "lo", "hi"})
    rows = points[points["task"].eq(task)]
    ladder = rows[rows["family"].eq("olmo-ladder")]
    fin = ladder[ladder["final"]]
    tgt = rows[rows["run"].isin(list(pf.LADDER_TARGETS)) & rows["final"]]
    g = 1.0 / pf.LADDER_TASKS[task]
    fig, (ax, bx) = new_figure(1, 2, width=10.0, height=4.0)
    sizes = sorted(fin["model"].unique(), key=lambda s: float(fin.loc[fin["model"].eq(s), "params"].iloc[0]))
    colors = sequential_colors(len(sizes))
    for size, color in zip(sizes, colors):
        f = fin[fin["model"].eq(size)]
        ax.plot(f["flops"], f["acc"], "o", color=color, ms=5, label=f"ladder {size} (final)")
        e = ladder[ladder["model"].eq(size)]
        bx.plot(e["bpb"], e["acc"], ".", color=color, ms=2.5, alpha=0.5)
    ax.plot(curves["direct"]["flops"], curves["direct"]["acc"], "-", color=METHOD_COLORS["direct"], lw=1.2)
    ax.plot(tgt["flops"], tgt["acc"], "*", color="black", ms=12, label="OLMo 2 7B, 13B (measured)", zorder=6)
    f = forecasts[forecasts["testbed"].eq("ladder") & forecasts["task"].eq(task)]
    _forecast_marks(ax, f, ["direct", "two_step", "last"])
    ax.axhline(g, color=METHOD_COLORS["chance"], ls=":", lw=1, label=f"chance {g:.2f}")
    ax.set_xscale("log")
    ax.set_xlabel("training FLOPs C")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{task}: ladder runs forecast the 7B and 13B", fontsize=10)
    ax.legend(fontsize=6.5, loc="upper left")
    link = curves["link"]
    bx.plot(link["bpb"], link["acc"], "-", color=METHOD_COLORS["two_step"], lw=1.5, label="link fitted on the ladder")
    t = curves["targets"]
    bx.plot(t["bpb"], t["acc"], "*", color="black", ms=12, label="OLMo 2 (measured bpb and acc)", zorder=6)
    for _, r in t.iterrows():
        bx.axvline(r["bpb_hat"], color=METHOD_COLORS["two_step"], ls="--", lw=0.8)
    bx.plot([], [], "--", color=METHOD_COLORS["two_step"], lw=0.8, label="bpb the ladder law forecasts")
    bx.axhline(g, color=METHOD_COLORS["chance"], ls=":", lw=1)
    bx.invert_xaxis()
    bx.set_xlabel("bits per byte of the right answer (lower is better)")
    bx.set_ylabel("accuracy")
    bx.set_title("the same evaluations: accuracy against bits per byte", fontsize=10)
    bx.legend(fontsize=7, loc="upper left")
    return fig


def plot_forecast_vs_measured(scored: pd.DataFrame, *, testbed: str, method: str, target: float = 0.10) -> Figure:
    """Each forecast of one testbed and method against the measured value, with its interval, the diagonal
    and the band |error| <= target.

    Taught in chapter 11, section 'Testbed 1: the OLMo ladder forecasts OLMo 2'.
    """
    scored = _table("scored", scored, {"testbed", "method", "measured", "forecast", "lo", "hi", "hit"})
    check_choice("testbed", testbed, sorted(scored["testbed"].unique().tolist()))
    rows = scored[scored["testbed"].eq(testbed)]
    check_choice("method", method, sorted(rows["method"].unique().tolist()))
    target = check_real("target", target, low=0, high=1)
    rows = rows[rows["method"].eq(method)]
    fig, ax = new_figure(width=5.2, height=4.6)
    grid = np.array([0.0, 1.0])
    ax.fill_between(grid, grid - target, grid + target, color="#b8e0b8", alpha=0.5, lw=0,
                    label=f"|error| ≤ {target:.2f}")
    ax.plot(grid, grid, "-", color="0.5", lw=0.8)
    has = rows["lo"].notna()
    r = rows[has]
    yerr = np.clip([r["forecast"] - r["lo"], r["hi"] - r["forecast"]], 0, None)
    ax.errorbar(r["measured"], r["forecast"], yerr=yerr, fmt="none",
                ecolor=METHOD_COLORS[method], elinewidth=0.8, alpha=0.6)
    ax.plot(rows["measured"], rows["forecast"], "o", color=METHOD_COLORS[method], ms=4,
            label=f"{METHOD_LABELS[method]}: {rows['hit'].mean():.0%} within")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("measured accuracy")
    ax.set_ylabel("forecast")
    ax.set_title(f"testbed {testbed}: {len(rows)} forecasts", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    return fig


def plot_errors(scored: pd.DataFrame, *, target: float = 0.10) -> Figure:
    """|forecast - measured| of every forecast, one strip per testbed and method, the target as a line.

    Taught in chapter 11, section 'The forecast table and the verdict'.
    """
    scored = _table("scored", scored, {"testbed", "method", "abs_error", "primary"})
    target = check_real("target", target, low=0, high=1)
    fig, ax = new_figure(width=9.0, height=3.8)
    labels, ticks, pos = [], [], 0.0
    rng = np.random.default_rng(0)  # horizontal jitter only
    for testbed in pf.TESTBEDS:
        t = scored[scored["testbed"].eq(testbed)]
        for method in pf.METHODS:
            m = t[t["method"].eq(method)]
            if m.empty:
                continue
            x = pos + rng.uniform(-0.25, 0.25, len(m))
            ax.plot(x, m["abs_error"], "o", color=METHOD_COLORS[method], ms=2.5, alpha=0.6)
            ax.plot([pos - 0.3, pos + 0.3], [m["abs_error"].median()] * 2, "-", color="black", lw=2)
            star = " *" if m["primary"].any() else ""
            labels.append(f"{testbed}\n{method}{star}")
            ticks.append(pos)
            pos += 1
        pos += 0.5
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, fontsize=7)
    ax.axhline(target, color="#2a7a2a", ls="--", lw=1, label=f"target {target:.2f}")
    ax.set_yscale("symlog", linthresh=0.01)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("|forecast − measured|")
    ax.set_title("every forecast's error (black bar: median; * primary method)", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_public_task(points: pd.DataFrame, forecasts: pd.DataFrame, curves: dict, task: str, cutoff: float) -> Figure:
    """One public task: accuracy against training FLOPs, the models fitted (grey, at or below the cut-off)
    and forecast (black), the direct and two-step curves, and each method's forecasts with intervals.

    Taught in chapter 11, section 'Testbed 2: public models across families'.
    """
    points = _table("points", points, {"task", "flops", "acc"})
    check_choice("task", task, sorted(points["task"].unique().tolist()))
    cutoff = check_real("cutoff", cutoff, low=0, low_open=True)
    rows = points[points["task"].eq(task)]
    fit, new = rows[rows["flops"] <= cutoff], rows[rows["flops"] > cutoff]
    fig, ax = new_figure(width=6.8, height=4.0)
    ax.axvspan(rows["flops"].min() / 1.5, cutoff, color="0.93", zorder=0, label="fitted: C ≤ cut-off")
    ax.plot(fit["flops"], fit["acc"], "o", color="0.55", ms=4, label=f"small models ({len(fit)})")
    ax.plot(new["flops"], new["acc"], "o", mfc="none", color="black", ms=6, label=f"large models, measured ({len(new)})")
    ax.plot(curves["direct"]["flops"], curves["direct"]["acc"], "-", color=METHOD_COLORS["direct"], lw=1)
    if "two_step" in curves:
        ax.plot(curves["two_step"]["flops"], curves["two_step"]["acc"], "-", color=METHOD_COLORS["two_step"], lw=1)
    f = forecasts[forecasts["testbed"].eq("across") & forecasts["task"].eq(task)]
    _forecast_marks(ax, f, [m for m in ("direct", "two_step", "capability") if f["method"].eq(m).any()], spread=0.02)
    g = float(f["floor"].iloc[0]) if len(f) else 0.0
    ax.axhline(g, color=METHOD_COLORS["chance"], ls=":", lw=1, label=f"floor g = {g:.2f}")
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("training FLOPs C")
    ax.set_ylabel("accuracy" if not task.startswith(("ipa", "word")) else "exact match")
    ax.set_title(f"{task}: cut-off C = {cutoff:.1e} FLOPs", fontsize=10)
    ax.legend(fontsize=6.5, loc="upper left", ncol=2)
    return fig


def plot_capability(index: pd.DataFrame, task: str) -> Figure:
    """Accuracy against the capability index z (the link's linear predictor in the benchmark PCs): fitted
    small models, large models placed by their own benchmark scores, and the fitted link.

    Taught in chapter 11, section 'Testbed 2: public models across families'.
    """
    index = _table("index", index, {"task", "index", "acc", "fitted", "floor"})
    check_choice("task", task, sorted(index["task"].unique().tolist()))
    rows = index[index["task"].eq(task)]
    g = float(rows["floor"].iloc[0])
    fig, ax = new_figure(width=6.2, height=4.0)
    fit, new = rows[rows["fitted"]], rows[~rows["fitted"]]
    ax.plot(fit["index"], fit["acc"], "o", color="0.55", ms=4, label="small models (fitted)")
    ax.plot(new["index"], new["acc"], "o", mfc="none", color="black", ms=6, label="large models (measured)")
    z = np.linspace(rows["index"].min() - 0.5, rows["index"].max() + 0.5, 200)
    ax.plot(z, g + (1 - g) / (1 + np.exp(-z)), "-", color=METHOD_COLORS["capability"], lw=1.5,
            label="link g + (1 − g) σ(z)")
    ax.axhline(g, color=METHOD_COLORS["chance"], ls=":", lw=1)
    ax.set_xlabel("capability index z (from six benchmark scores)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{task}: accuracy against the capability index", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    return fig


def plot_family(points: pd.DataFrame, task: str, family: str, cutoff: float) -> Figure:
    """Every model of a public task against training FLOPs (grey), one family highlighted (its models at
    or below the cut-off filled, larger ones open): do families share one curve in compute?

    Taught in chapter 11, section 'Testbed 2: public models across families'.
    """
    points = _table("points", points, {"task", "family", "flops", "acc"})
    check_choice("task", task, sorted(points["task"].unique().tolist()))
    rows = points[points["task"].eq(task)]
    check_choice("family", family, sorted(rows["family"].unique().tolist()))
    cutoff = check_real("cutoff", cutoff, low=0, low_open=True)
    fam = rows[rows["family"].eq(family)]
    fig, ax = new_figure(width=6.2, height=3.9)
    ax.plot(rows["flops"], rows["acc"], "o", color="0.8", ms=4, label="all other models")
    small, large = fam[fam["flops"] <= cutoff], fam[fam["flops"] > cutoff]
    ax.plot(small["flops"], small["acc"], "o-", color="#c44e52", ms=6, label=f"{family}, C ≤ cut-off")
    ax.plot(large["flops"], large["acc"], "o", mfc="none", color="#c44e52", ms=7, label=f"{family}, larger")
    ax.axvline(cutoff, color="0.4", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("training FLOPs C")
    ax.set_ylabel("score")
    ax.set_title(f"{task}: the {family} family among all models", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    return fig


def plot_loss_accuracy(points: pd.DataFrame, task: str, curves: pd.DataFrame | None = None, *,
                       group: str = "dataset", loss_label: str = "validation loss L, nats per token") -> Figure:
    """Accuracy against validation loss, one colour per ``group`` (pretraining set or model size), the
    task's chance level, and optional fitted curves (columns loss, sigmoid, hinge).

    Taught in chapter 11, section 'Loss instead of size'.
    """
    points = _table("points", points, {"task", "loss", "acc", "chance", group})
    check_choice("task", task, sorted(points["task"].unique().tolist()))
    rows = points[points["task"].eq(task)]
    fig, ax = new_figure(width=6.4, height=4.0)
    names = rows.groupby(group)["loss"].mean().sort_values(ascending=False).index.tolist()  # worst loss first
    for name, color in zip(names, _GROUP_COLORS * 3):
        r = rows[rows[group].eq(name)]
        ax.plot(r["loss"], r["acc"], "o", color=color, ms=3.5, alpha=0.7, label=str(name))
    if curves is not None:
        curves = _table("curves", curves, {"loss", "sigmoid", "hinge"})
        ax.plot(curves["loss"], curves["sigmoid"], "-", color="black", lw=1.5, label="sigmoid in L")
        ax.plot(curves["loss"], curves["hinge"], "--", color="black", lw=1.2, label="hinge at L*")
    ax.axhline(float(rows["chance"].iloc[0]), color=METHOD_COLORS["chance"], ls=":", lw=1, label="chance")
    ax.invert_xaxis()
    ax.set_xlabel(loss_label + " (lower is better)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{task}: accuracy against loss", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    return fig


def plot_pythia_training(curves: pd.DataFrame, size: str) -> Figure:
    """Left: LAMBADA accuracy and the normalised rise of -ln perplexity of one Pythia size against training
    tokens. Right: accuracy against ln perplexity at every checkpoint of every size, this size highlighted.

    Taught in chapter 11, section 'Emergence over training'.
    """
    curves = _table("curves", curves, {"size", "tokens", "acc", "ppl"})
    check_choice("size", size, sorted(curves["size"].unique().tolist()))
    c = curves[curves["size"].eq(size) & (curves["tokens"] > 0)].sort_values("tokens")
    fig, (ax, bx) = new_figure(1, 2, width=9.0, height=3.5)
    all_c = curves[curves["size"].eq(size)].sort_values("tokens")
    rise = tr.normalised_rise(all_c["ppl"].to_numpy(), lower_is_better=True, log=True)
    keep = all_c["tokens"].to_numpy() > 0
    ax.plot(c["tokens"], c["acc"], "o-", color="#c44e52", ms=4, label="accuracy (greedy last word)")
    ax.plot(c["tokens"], rise[keep], "s-", color="#4c72b0", ms=3.5, label="−ln perplexity, share of its rise")
    ax.set_xscale("log")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("training tokens")
    ax.set_ylabel("value")
    ax.set_title(f"pythia-{size}: LAMBADA over training", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    other = curves[~curves["size"].eq(size) & (curves["tokens"] > 0)]
    bx.plot(np.log(other["ppl"]), other["acc"], ".", color="0.75", ms=4, label="other sizes")
    bx.plot(np.log(c["ppl"]), c["acc"], "o", color="#c44e52", ms=4, label=f"pythia-{size}")
    bx.invert_xaxis()
    bx.set_xlabel("ln perplexity of the target word (lower is better)")
    bx.set_ylabel("accuracy")
    bx.set_title("every checkpoint of every size", fontsize=10)
    bx.legend(fontsize=7.5, loc="upper left")
    return fig


def plot_olmo_training(points: pd.DataFrame, task: str) -> Figure:
    """OLMo 2 7B and 13B over training on one task: accuracy and the normalised fall of bits per byte
    (same evaluation) against training tokens.

    Taught in chapter 11, section 'Emergence over training'.
    """
    points = _table("points", points, {"task", "run", "tokens", "acc", "bpb"})
    check_choice("task", task, sorted(points["task"].unique().tolist()))
    fig, ax = new_figure(width=6.4, height=3.8)
    for run, color in zip(pf.LADDER_TARGETS, ("#4c72b0", "#c44e52")):
        c = points[points["task"].eq(task) & points["run"].eq(run)].sort_values("tokens")
        if c.empty:
            continue
        acc_rise = tr.normalised_rise(c["acc"].to_numpy())
        bpb_rise = tr.normalised_rise(c["bpb"].to_numpy(), lower_is_better=True)
        name = {"peteish7": "7B", "peteish13": "13B"}[run]
        ax.plot(c["tokens"], acc_rise, "o-", color=color, ms=3, label=f"{name}: accuracy")
        ax.plot(c["tokens"], bpb_rise, "s--", color=color, ms=3, mfc="none", label=f"{name}: −bits per byte")
    ax.set_xscale("log")
    ax.set_xlabel("training tokens")
    ax.set_ylabel("share of the total change")
    ax.set_title(f"OLMo 2 over training: {task}", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left")
    return fig
