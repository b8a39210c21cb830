"""Summaries of an arithmetic sweep table: metrics pooled over lengths, seed curves, fitted ratios.

Every function takes a tidy table from ``helpers.arithmetic.evaluate.score`` (or the committed sweep,
``helpers.arithmetic.sweep.load_results``): one row per task, model size (``params``), seed, target
length (``target_len``) and metric, whose ``value`` is a mean over the ``n_items`` test items of that
length. Nothing here trains, evaluates or draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..emergence import LOWER_IS_BETTER
from ..resolution import binomial_ci, largest_step_share
from ..validation import check_choice, check_columns, check_int, check_real

__all__ = [
    "COLUMNS",
    "check_table",
    "metric_rows",
    "task_length_options",
    "pool_lengths",
    "seed_curves",
    "geometric_ratio",
    "step_shares",
    "exact_match_counts",
    "versus_chance",
    "verdicts",
    "strongest_cleared",
    "name_models",
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


def exact_match_counts(table: pd.DataFrame, *, task: str | None = None) -> pd.DataFrame:
    """Items exactly right, ``k`` of ``n``, per model (params, seed), over every target length of the table.

    Each exact-match row is a mean over its ``n_items`` items, so ``k`` sums value times n_items (rounded).

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    rows = metric_rows(table, "exact_match", task)
    k = (rows["value"] * rows["n_items"]).round().astype(np.int64)
    counts = rows.assign(k=k, n=rows["n_items"].astype(np.int64)).groupby(["params", "seed"], as_index=False)[
        ["k", "n"]].sum()
    return counts.sort_values(["params", "seed"], ignore_index=True)


def versus_chance(counts: pd.DataFrame, levels: Mapping[str, float], *, confidence: float = 0.95,
                  small_n: int = 100) -> pd.DataFrame:
    """Each model's exact interval for k of n, its lower end over each chance level, and P(0 of ``small_n``).

    ``counts`` has columns ``params``, ``seed``, ``k`` and ``n`` (one row per model, as
    ``exact_match_counts`` makes them); ``levels`` maps a guesser's name to its expected exact match on
    the same items. Returns one row per model (index params, seed) with ``k``, ``n``, ``lower`` and
    ``upper`` (Clopper-Pearson), ``P(0 of <small_n>)`` = (1 - k/n)**small_n, and ``lower / <name>``
    for each level (above 1: the whole interval lies above that guesser).

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    check_columns(counts, ("params", "seed", "k", "n"), made_by="exact_match_counts")
    if counts.empty:
        raise ValueError("counts must hold at least one model")
    if not isinstance(levels, Mapping) or not levels:
        raise ValueError("levels must map at least one guesser's name to its rate")
    rates = {name: check_real(f"levels[{name!r}]", rate, low=0, high=1, low_open=True)
             for name, rate in levels.items()}
    small_n = check_int("small_n", small_n, low=1)
    out = []
    for r in counts.itertuples(index=False):
        n = check_int("counts['n']", int(r.n), low=1)
        k = check_int("counts['k']", int(r.k), low=0, high=n)
        lower, upper = binomial_ci(k, n, confidence)
        out.append({"params": int(r.params), "seed": int(r.seed), "k": k, "n": n, "lower": lower, "upper": upper,
                    f"P(0 of {small_n})": (1 - k / n) ** small_n,
                    **{f"lower / {name}": lower / rate for name, rate in rates.items()}})
    return pd.DataFrame(out).set_index(["params", "seed"])


def verdicts(compared: pd.DataFrame) -> pd.DataFrame:
    """Yes/no columns of a ``versus_chance`` table: likely to read 0 of the small test set, above each level.

    ``likely 0 of <n>``: P(0 of n) above 1/2; ``above <name>``: the interval's lower end above that
    level; ``0 of <n> yet above all``: both at once, for every level.

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    zero_cols = [c for c in compared.columns if c.startswith("P(0 of ")]
    ratio_cols = [c for c in compared.columns if c.startswith("lower / ")]
    if len(zero_cols) != 1 or not ratio_cols:
        raise ValueError("compared must be a table made by versus_chance")
    small = zero_cols[0][len("P(0 of "):-1]
    out = pd.DataFrame(index=compared.index)
    out[f"likely 0 of {small}"] = compared[zero_cols[0]] > 0.5
    for c in ratio_cols:
        out["above " + c[len("lower / "):]] = compared[c] > 1
    out[f"0 of {small} yet above all"] = out.all(axis=1)
    return out


def strongest_cleared(compared: pd.DataFrame, levels: Mapping[str, float]) -> pd.Series:
    """Per model of a ``versus_chance`` table: the highest of ``levels`` its whole interval clears, or 'none'.

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    if not isinstance(levels, Mapping) or not levels:
        raise ValueError("levels must map at least one guesser's name to its rate")
    missing = [f"lower / {name}" for name in levels if f"lower / {name}" not in compared.columns]
    if missing:
        raise ValueError(f"compared must be a versus_chance table with columns {missing}")
    out = pd.Series("none", index=compared.index, name="clears")
    for name in sorted(levels, key=lambda name: levels[name]):  # weakest first: a stronger one overwrites
        out[compared[f"lower / {name}"] > 1] = name
    return out


def name_models(models: Iterable[tuple[int, int]]) -> str:
    """(params, seed) pairs as 'N=682 (seed 0); N=2,118 (seeds 0, 1)', in the order given; 'none' if empty.

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    seeds_of: dict[int, list[int]] = {}
    for N, seed in models:
        seeds_of.setdefault(int(N), []).append(int(seed))
    return "; ".join(f"N={N:,} (seed{'s' if len(s) > 1 else ''} {', '.join(map(str, s))})"
                     for N, s in seeds_of.items()) or "none"
