"""Downstream accuracy against pre-training loss (Du et al. 2024's question), on published evaluations.

Two models of a task's accuracy as a function of a validation loss L, two parameters each, both with
the floor g at the task's chance level:

``sigmoid``  acc = g + (1 - g) sigmoid(a + b L)          (smooth; b < 0 when accuracy rises as L falls)
``hinge``    acc = g + s max(0, L* - L), capped at 1      (exactly chance above the threshold loss L*)

They are compared by their mean squared error on points left out of the fit (a pretraining set, or a
model size), next to the binomial noise a test set of n items puts on any accuracy, p (1 - p) / n.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..validation import check_choice, check_int, check_real
from . import fits
from .load import load

__all__ = [
    "LOSS_MODELS",
    "open_lm_points",
    "ladder_loss_points",
    "hard_tasks",
    "HingeFit",
    "fit_hinge",
    "fit_loss_model",
    "left_out_errors",
    "compare_models",
    "onsets",
]

LOSS_MODELS: tuple[str, ...] = ("sigmoid", "hinge")


def open_lm_points(table: pd.DataFrame | None = None, *, loss: str = "c4_val") -> pd.DataFrame:
    """The 104 open_lm models, one row per model and task: dataset, params, tokens, the validation loss
    ``loss`` (cross-entropy per token on the set named), acc, chance and n_items."""
    if table is None:
        table = load("open-lm-scaling")
    t = table[table["source"].eq("open-lm-scaling")]
    losses = t[t["metric"].eq("loss")]
    check_choice("loss", loss, sorted(losses["task"].unique().tolist()))
    per_model = losses[losses["task"].eq(loss)].set_index("model")["value"]
    acc = t[t["metric"].eq("accuracy")][["model", "dataset", "params", "tokens", "task", "value", "chance", "n_items"]]
    out = acc.rename(columns={"value": "acc"}).copy()
    out["loss"] = out["model"].map(per_model).astype(float)
    out["n_items"] = out["n_items"].astype(float)
    for col in ("model", "dataset", "task"):
        out[col] = out[col].astype(str)
    return out.sort_values(["task", "loss", "model"]).reset_index(drop=True)


def ladder_loss_points(points: pd.DataFrame, ladder: pd.DataFrame | None = None, *, loss: str = "c4_en") -> pd.DataFrame:
    """Every evaluation of the ladder runs (``forecasting.ladder_points``) with the run's validation loss on
    ``loss`` at the same step; columns as ``open_lm_points`` plus run, step, and ``dataset`` = the model size."""
    if ladder is None:
        ladder = load("olmo-ladder")
    vl = ladder[ladder["metric"].eq("ce_loss") & ladder["family"].eq("olmo-ladder")]
    check_choice("loss", loss, sorted(vl["task"].unique().tolist()))
    vl = vl[vl["task"].eq(loss)].set_index(["run", "step"])["value"]
    p = points[points["family"].eq("olmo-ladder")].copy()
    p["loss"] = [float(vl.get((r, s), np.nan)) for r, s in zip(p["run"], p["step"])]
    p = p[p["loss"].notna()]
    p["dataset"] = p["model"]  # the grouping left out in turn: the model size
    p["n_items"] = np.nan
    return p.reset_index(drop=True)


def hard_tasks(points: pd.DataFrame, *, max_median_above: float = 0.05, min_best_above: float = 0.10,
               min_items: int = 500) -> list[str]:
    """Tasks on which the median model is within ``max_median_above`` of chance while the best model is at
    least ``min_best_above`` above it, with at least ``min_items`` test items: tasks most models fail."""
    check_real("max_median_above", max_median_above, low=0, high=1)
    check_real("min_best_above", min_best_above, low=0, high=1)
    check_int("min_items", min_items, low=0)
    above = points["acc"] - points["chance"]
    g = pd.DataFrame({"task": points["task"], "above": above, "n": points["n_items"]}).groupby("task")
    s = pd.DataFrame({"median": g["above"].median(), "best": g["above"].max(), "n": g["n"].first()})
    keep = s[(s["median"] <= max_median_above) & (s["best"] >= min_best_above) & (s["n"] >= min_items)]
    return sorted(keep.index.tolist())


@dataclass(frozen=True, eq=False)
class HingeFit:
    """B fits of acc = g + s max(0, L* - L), capped at 1."""

    threshold: np.ndarray  # (B,) L*, the loss below which accuracy leaves chance
    slope: np.ndarray  # (B,) s >= 0, accuracy gained per unit of loss below L*
    floor: float

    def __call__(self, L: Any) -> np.ndarray:
        """Accuracy (B, m) at losses L (m,)."""
        L = np.atleast_1d(np.asarray(L, dtype=float))
        rise = self.slope[:, None] * np.maximum(0.0, self.threshold[:, None] - L[None])
        return np.minimum(self.floor + rise, 1.0)


def fit_hinge(L: Any, acc: Any, floor: float, weights: Any = None, *, grid: int = 400) -> HingeFit:
    """Weighted least squares of acc = g + s max(0, L* - L) (s >= 0), L* searched on ``grid`` points
    spanning the losses; for each L* the slope s is solved exactly (the cap at 1 is applied afterwards)."""
    L = np.asarray(L, dtype=float)
    y = np.asarray(acc, dtype=float)
    if L.ndim != 1 or L.shape != y.shape or len(L) < 3 or not (np.isfinite(L).all() and np.isfinite(y).all()):
        raise ValueError(f"L and acc must be 1-D finite arrays of one length >= 3; got {L.shape} and {y.shape}")
    g = check_real("floor", floor, low=0, high=1, high_open=True)
    grid = check_int("grid", grid, low=2)
    W = fits._weights(weights, len(L))
    cand = np.linspace(L.min(), L.max(), grid)
    H = np.maximum(0.0, cand[:, None] - L[None])  # (K, n)
    r = y - g
    shh = W @ (H**2).T  # (B, K)
    shr = W @ (H * r).T
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(shh > 0, np.maximum(shr / shh, 0.0), 0.0)
    sse = (W @ r**2)[:, None] - 2 * s * shr + s**2 * shh
    k = np.argmin(sse, axis=1)
    rows = np.arange(len(W))
    return HingeFit(threshold=cand[k], slope=s[rows, k], floor=g)


def fit_loss_model(model: str, L: Any, acc: Any, floor: float, weights: Any = None):
    """Fit ``model`` ("sigmoid" or "hinge") of accuracy against loss; returns a callable fit (B, m)."""
    check_choice("model", model, list(LOSS_MODELS))
    if model == "hinge":
        return fit_hinge(L, acc, floor, weights)
    return fits.fit_sigmoid(np.asarray(L, dtype=float), np.asarray(acc, dtype=float), floor, weights)


def left_out_errors(points: pd.DataFrame, task: str, *, group: str = "dataset") -> pd.DataFrame:
    """For each value of ``group`` in turn: both models fitted on the other groups' points of ``task``,
    scored on the left-out group's. Columns: task, left_out, n, mse_sigmoid, mse_hinge, noise (the mean
    binomial variance p (1 - p) / n_items of the left-out points, NaN when n_items is unknown)."""
    rows = points[points["task"].eq(task)]
    if rows.empty:
        raise ValueError(f"task must be one of the tasks in points; got {task!r}")
    check_choice("group", group, list(points.columns))
    g = float(rows["chance"].iloc[0])
    out = []
    for left, test in rows.groupby(group, sort=True):
        train = rows[rows[group] != left]
        if len(train) < 3:
            continue
        rec = dict(task=task, left_out=str(left), n=len(test))
        for m in LOSS_MODELS:
            fit = fit_loss_model(m, train["loss"].to_numpy(), train["acc"].to_numpy(), g)
            pred = fit(test["loss"].to_numpy()[:, None] if m == "sigmoid" else test["loss"].to_numpy())[0]
            rec[f"mse_{m}"] = float(np.mean((pred - test["acc"].to_numpy()) ** 2))
        p = test["acc"].clip(0, 1)
        rec["noise"] = float(np.mean(p * (1 - p) / test["n_items"])) if test["n_items"].notna().all() else np.nan
        out.append(rec)
    return pd.DataFrame(out)


def compare_models(points: pd.DataFrame, tasks: Sequence[str], *, group: str = "dataset") -> pd.DataFrame:
    """Per task: the left-out mean squared errors of both models (averaged over the left-out groups,
    weighted by their points), their ratio hinge / sigmoid, and the binomial noise level."""
    rows = []
    for task in tasks:
        e = left_out_errors(points, task, group=group)
        w = e["n"] / e["n"].sum()
        rows.append(dict(task=task, groups=len(e), mse_sigmoid=float((w * e["mse_sigmoid"]).sum()),
                         mse_hinge=float((w * e["mse_hinge"]).sum()),
                         noise=float((w * e["noise"]).sum()) if e["noise"].notna().all() else np.nan))
    out = pd.DataFrame(rows)
    out["ratio"] = out["mse_hinge"] / out["mse_sigmoid"]
    return out


def onsets(points: pd.DataFrame, task: str, *, group: str = "dataset", n_boot: int = 200, confidence: float = 0.9,
           seed: int = 0) -> pd.DataFrame:
    """The hinge threshold L* (the loss at which accuracy leaves chance) fitted separately for each value of
    ``group``, with a percentile bootstrap over that group's models. Columns: task, group, n, threshold, lo, hi."""
    n_boot = check_int("n_boot", n_boot, low=2)
    rows = points[points["task"].eq(task)]
    if rows.empty:
        raise ValueError(f"task must be one of the tasks in points; got {task!r}")
    g = float(rows["chance"].iloc[0])
    out = []
    for name, part in rows.groupby(group, sort=True):
        W = fits.bootstrap_weights(len(part), n_boot, seed)
        point = fit_hinge(part["loss"].to_numpy(), part["acc"].to_numpy(), g)
        boot = fit_hinge(part["loss"].to_numpy(), part["acc"].to_numpy(), g, W)
        lo, hi = fits.percentile_interval(boot.threshold[:, None], confidence)
        out.append(dict(task=task, group=str(name), n=len(part), threshold=float(point.threshold[0]),
                        lo=float(lo[0]), hi=float(hi[0])))
    return pd.DataFrame(out)
