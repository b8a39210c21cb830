"""Summaries of an arithmetic sweep table: metrics pooled over lengths, seed curves, fitted ratios.

Every function takes a tidy table from ``helpers.arithmetic.evaluate.score`` (or the committed sweep,
``helpers.arithmetic.sweep.load_results``): one row per task, model size (``params``), seed, target
length (``target_len``) and metric, whose ``value`` is a mean over the ``n_items`` test items of that
length. Nothing here trains, evaluates or draws.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..emergence import LOWER_IS_BETTER
from ..resolution import largest_step_share
from ..validation import check_choice, check_columns

__all__ = [
    "COLUMNS",
    "check_table",
    "metric_rows",
    "task_length_options",
    "pool_lengths",
    "seed_curves",
    "geometric_ratio",
    "step_shares",
]

COLUMNS: tuple[str, ...] = ("task", "seed", "target_len", "metric", "value", "n_items", "params")


def check_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` itself if it is a non-empty sweep table with every column of ``COLUMNS``, else ValueError.

    Taught in chapter 5, section 'The committed sweep'.
    """
    check_columns(table, COLUMNS, made_by="score/load_results")
    if table.empty:
        raise ValueError("table must hold at least one row")
    return table


def metric_rows(table: pd.DataFrame, metric: str, task: str | None = None,
                target_len: int | None = None) -> pd.DataFrame:
    """Rows of one metric (and task, target length), else ValueError naming the argument.

    Taught in chapter 5, section 'The committed sweep'.
    """
    table = check_table(table)
    if task is not None:
        check_choice("task", task, sorted(table["task"].unique()))
        table = table[table["task"] == task]
    elif table["task"].nunique() > 1:
        raise ValueError(f"task must name one of {sorted(table['task'].unique())} when the table holds several")
    check_choice("metric", metric, sorted(table["metric"].unique()))
    rows = table[table["metric"] == metric]
    if target_len is not None:
        check_choice("target_len", target_len, sorted(int(x) for x in rows["target_len"].unique()))
        rows = rows[rows["target_len"] == target_len]
    return rows


def task_length_options(table: pd.DataFrame) -> list[tuple[str, tuple[str, int | None]]]:
    """Menu entries (label, (task, target_len)) for every task of ``table``: all lengths, then each length it has.

    Taught in chapter 5, section 'The committed sweep'.
    """
    table = check_table(table)
    options: list[tuple[str, tuple[str, int | None]]] = []
    for task in sorted(table["task"].unique()):
        lengths = sorted(int(x) for x in table.loc[table["task"] == task, "target_len"].unique())
        options.append((f"{task}, all lengths" if len(lengths) > 1 else f"{task} (L = {lengths[0]})", (task, None)))
        if len(lengths) > 1:
            options += [(f"{task}, L = {L}", (task, L)) for L in lengths]
    return options


def pool_lengths(table: pd.DataFrame, metric: str, *, task: str | None = None,
                 target_len: int | None = None) -> pd.DataFrame:
    """One row per (params, seed): the metric's mean over all items of ``target_len`` (None: of every length).

    Each table row is a mean over the ``n_items`` items of one target length, so pooling lengths
    weights each row by its ``n_items``: the result is the mean over every test item.

    Taught in chapter 5, section 'The committed sweep'.
    """
    rows = metric_rows(table, metric, task, target_len)
    weighted = rows.assign(_w=rows["value"] * rows["n_items"])
    g = weighted.groupby(["params", "seed"], as_index=False)[["_w", "n_items"]].sum()
    g["value"] = g["_w"] / g["n_items"]
    return g.drop(columns="_w").sort_values(["params", "seed"], ignore_index=True)


def seed_curves(table: pd.DataFrame, metric: str, *, task: str | None = None,
                target_len: int | None = None) -> pd.DataFrame:
    """The metric against params: one column per seed and a ``mean`` column (rows: params, ascending).

    Taught in chapter 5, section 'The committed sweep'.
    """
    pooled = pool_lengths(table, metric, task=task, target_len=target_len)
    wide = pooled.pivot(index="params", columns="seed", values="value").sort_index()
    wide["mean"] = wide.mean(axis=1)
    return wide


def _mean_by_length(table: pd.DataFrame, params: int, metric: str) -> pd.Series:
    """Mean over seeds of ``metric`` for the model with ``params`` parameters, indexed by target length."""
    rows = table[(table["params"] == params) & (table["metric"] == metric)]
    return rows.groupby("target_len")["value"].mean().sort_index()


def geometric_ratio(table: pd.DataFrame, params: int) -> float:
    """exp of the least-squares slope of ln(exact match) against L (mean over seeds) for one model size.

    Taught in chapter 5, section 'Is exact match $p^L$? Independence on trained models'.
    """
    em = _mean_by_length(table, params, "exact_match")
    if len(em) < 2 or (em <= 0).any():
        raise ValueError(f"params={params}: exact match must be above 0 at every target length to fit ln EM")
    slope = np.polyfit(em.index.to_numpy(dtype=float), np.log(em.to_numpy()), 1)[0]
    return float(math.exp(slope))


def step_shares(table: pd.DataFrame, metrics: tuple[str, ...] = ("exact_match", "token_accuracy")) -> dict[str, float]:
    """Largest single step between neighbouring sizes as a share of the total change (mean over seeds, all items).

    Taught in chapter 5, section 'The committed sweep'.
    """
    out = {}
    for metric in metrics:
        curve = seed_curves(table, metric)["mean"].to_numpy()
        sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
        out[metric] = largest_step_share(sign * curve)
    return out
