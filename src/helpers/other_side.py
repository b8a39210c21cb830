"""Helpers for the counterpoints chapter: per-item switches, exact match against loss, multiple choice.

Three small models of what a smooth curve can hide or a sharp one can mean:

- ``item_switch_curves``: every test item switches from wrong to right abruptly (a steep logistic in
  ``x = log10 N``) at its own scale; the mean over items is smooth when the switch points are spread.
- ``em_vs_loss`` / ``toy_em_of_loss``: exact match of the committed arithmetic sweeps against the
  per-token cross-entropy of the same outputs, and the toy model's ``EM = exp(-L * loss)``.
- ``mcq_simulation``: a multiple-choice family whose right option's probability rises smoothly while
  the wrong options' mass is spread or concentrated on one distractor; accuracy depends on both.

Symbols
-------
x      log10 of the scale N
w      width of one item's switch, in decades of N (logistic scale parameter)
K      number of options of a multiple-choice question
s      share of the wrong options' probability mass held by the strongest wrong option, in [1/(K-1), 1]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .validation import check_int, check_real

__all__ = ["draw_switch_points", "item_switch_curves", "toy_em_of_loss", "em_vs_loss", "log_em_loss_slope",
           "mcq_switch_prob", "mcq_simulation"]


def draw_switch_points(num_items: int, center: float = 9.5, spread: float = 0.6, seed: int = 0) -> np.ndarray:
    """Seeded switch points (in log10 N) of ``num_items`` items, normally distributed around ``center``.

    Taught in chapter 9, section 'What a smooth average can hide'.
    """
    num_items = check_int("num_items", num_items, low=1)
    check_real("spread", spread, low=0)
    check_real("center", center)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    return center + spread * rng.standard_normal(num_items)


def item_switch_curves(x, switch_points, width: float = 0.03) -> np.ndarray:
    """Per-item probability of being right, ``sigmoid((x - x_i) / width)``, shape (items, len(x)).

    Taught in chapter 9, section 'What a smooth average can hide'.
    """
    width = check_real("width", width, low=0, low_open=True)
    x = np.atleast_1d(np.asarray(x, dtype=float))
    switch_points = np.atleast_1d(np.asarray(switch_points, dtype=float))
    return special.expit((x[None, :] - switch_points[:, None]) / width)


def toy_em_of_loss(loss, L: float) -> np.ndarray:
    """The toy model's exact match as a function of the per-token loss: ``exp(-L * loss)``.

    Taught in chapter 9, section 'Is there a loss threshold?'.
    """
    L = check_real("L", L, low=1, high=np.inf, high_open=True)
    loss = np.asarray(loss, dtype=float)
    if (loss < 0).any() or np.isnan(loss).any():
        raise ValueError("loss must hold per-token cross-entropies in [0, inf)")
    return np.exp(-L * loss)


def em_vs_loss(table: pd.DataFrame, metrics: tuple[str, ...] = ("cross_entropy", "exact_match")) -> pd.DataFrame:
    """One row per (task, params, seed, target_len) with the chosen metrics as columns (from a sweep table).

    Taught in chapter 9, section 'Is there a loss threshold?'.
    """
    needed = {"task", "params", "seed", "target_len", "metric", "value"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise ValueError(f"table must be a sweep table with columns {sorted(needed)}")
    missing = set(metrics) - set(table["metric"])
    if missing:
        raise ValueError(f"metrics {sorted(missing)} are not in the table")
    rows = table[table["metric"].isin(metrics)]
    wide = rows.pivot_table(index=["task", "params", "seed", "target_len"], columns="metric", values="value")
    return wide.reset_index().rename_axis(columns=None)


def log_em_loss_slope(pairs: pd.DataFrame, L: int) -> float:
    """Least-squares slope of ln(exact match) against cross-entropy at target length L (rows with EM > 0).

    Taught in chapter 9, section 'Is there a loss threshold?'.
    """
    L = check_int("L", L, low=1)
    rows = pairs[(pairs["target_len"] == L) & (pairs["exact_match"] > 0)]
    if len(rows) < 2:
        raise ValueError(f"L={L}: need at least two rows with exact match above 0 to fit a slope")
    return float(np.polyfit(rows["cross_entropy"].to_numpy(), np.log(rows["exact_match"].to_numpy()), 1)[0])


def mcq_switch_prob(share: float) -> float:
    """Probability of the right option above which it beats a wrong option holding ``share`` of the wrong mass: s/(1+s).

    Taught in chapter 9, section 'Multiple choice: the wrong answers matter'.
    """
    share = check_real("share", share, low=0, high=1, low_open=True)
    return share / (1.0 + share)


def mcq_simulation(x, *, num_options: int = 4, share_end: float = 1.0, slope: float = 1.2, midpoint: float = 9.5,
                   item_sd: float = 1.0, num_items: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Multiple-choice family over scales ``x = log10 N``: mean right-option probability, accuracy and Brier score.

    Item i gives the right option ``p_i(x) = sigmoid(slope * (x - midpoint) + e_i)`` with ``e_i ~ N(0, item_sd)``.
    The wrong mass ``1 - p_i`` goes to the strongest wrong option with share ``s(x)``, which moves linearly
    from the even share ``1 / (K - 1)`` at the smallest scale to ``share_end`` at ``midpoint`` and stays; the other
    wrong options split the rest evenly. An item counts as right when its right option is the most probable.

    Taught in chapter 9, section 'Multiple choice: the wrong answers matter'.
    """
    K = check_int("num_options", num_options, low=2)
    even = 1.0 / (K - 1)
    share_end = check_real("share_end", share_end, low=even, high=1)
    check_real("slope", slope, low=0)
    check_real("item_sd", item_sd, low=0)
    num_items = check_int("num_items", num_items, low=1)
    x = np.atleast_1d(np.asarray(x, dtype=float))
    if x.ndim != 1 or len(x) < 2 or not np.all(np.diff(x) > 0):
        raise ValueError("x must be an increasing 1-D array of at least two log10 scales")
    e = np.random.default_rng(check_int("seed", seed, low=0)).normal(0.0, item_sd, num_items)
    p = special.expit(slope * (x[:, None] - midpoint) + e[None, :])  # (scales, items)
    share = even + (share_end - even) * np.clip((x - x[0]) / (midpoint - x[0]), 0, 1) if midpoint > x[0] else np.full_like(x, share_end)
    wrong = 1.0 - p
    top = share[:, None] * wrong
    rest = (wrong - top) / (K - 2) if K > 2 else np.zeros_like(wrong)
    right = (p > top) & (p > rest)
    brier = (1 - p) ** 2 + top**2 + (K - 2) * rest**2
    return pd.DataFrame({"x": x, "share": share, "p_right": p.mean(axis=1), "top_wrong": top.mean(axis=1),
                         "accuracy": right.mean(axis=1), "brier": brier.mean(axis=1)})
