"""Scaling curves from the published evaluations: one metric of one family on one task, against a chosen axis.

A *curve* is what Schaeffer et al.'s argument is about: the models of **one family**, evaluated on
**one task** with **one metric** (in one setting: prompt type, shots, pretraining set, token budget),
ordered by a scale axis. This module turns ``published.load()``'s long table into such curves, scores
every curve with the emergence score (``helpers.emergence``, the paper's Eq. 1), and puts exact
binomial bounds on the scores of finite test sets (chapter 4).

Symbols
-------
x        the scale axis: ``params`` (N, parameters), ``flops`` (C, training FLOPs) or ``tokens`` (D)
budget   training tokens per parameter in units of Chinchilla's 20, D / (20 N), for the sources
         that train each size for several budgets (OLMo ladder, open_lm): "1xC", "5xC", ...
n        number of distinct scales of a curve; Eq. 1 needs n >= 3, and R = ES / (n - 1) <= 1 when n = 3
n_items  test items behind a score, where the source says
kind     "all-or-nothing" (each item counts fully right or wrong: accuracy, exact match, ...) or
         "graded" (partial credit or a probability: BLEU, Brier, bits per byte, edit distance, ...)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import emergence as em
from .. import null_models
from ..validation import check_choice, check_int, check_real
from .load import HIGHER_IS_BETTER

__all__ = [
    "X_AXES",
    "KEYS",
    "MULTI_BUDGET",
    "ALL_OR_NOTHING",
    "GRADED",
    "LOWER_IS_BETTER",
    "metric_kind",
    "final_evaluations",
    "points",
    "curve",
    "select",
    "audit",
    "binned",
    "clopper_pearson",
    "resolution",
    "zeros_before_scores",
    "flag_reasons",
    "rank_trend",
    "expected_chance_flags",
]

X_AXES: tuple[str, ...] = ("params", "flops", "tokens")

# The columns that name one curve (besides its scale): every value is a string ("-" when not applicable).
KEYS: tuple[str, ...] = ("source", "family", "dataset", "instruct", "budget", "task", "setting", "shots", "metric")

# Sources that train each model size for several token budgets.
MULTI_BUDGET: frozenset[str] = frozenset({"olmo-ladder", "open-lm-scaling"})

# Each test item counts fully right or fully wrong (a score is a share of items, or an F1 of such decisions).
ALL_OR_NOTHING: frozenset[str] = frozenset({
    "acc", "acc_norm", "acc_len_norm", "accuracy", "score", "exact_match", "exact_match_accuracy",
    "exact_match_f1", "bert_score_accuracy", "bert_score_f1",
})
# Partial credit, a probability or a loss: the score moves when an answer gets a little better.
GRADED: frozenset[str] = frozenset({
    "bleu", "soft", "soft_log", "single_bert_score", "ppl", "bpb", "ce_loss", "loss", "edit_distance", "brier",
    "brier_unnormalised",
})
# Headline "score"s that are not shares of right answers: TruthfulQA's leaderboard number is its mc2,
# the probability the model gives to the true answers.
_GRADED_SCORES: frozenset[str] = frozenset({"TruthfulQA"})

LOWER_IS_BETTER: frozenset[str] = frozenset(m for m, higher in HIGHER_IS_BETTER.items() if not higher)

_STEP_UNITS = ("source", "model", "dataset", "run", "shots")


def metric_kind(metric: str, task: str | None = None) -> str:
    """"all-or-nothing" or "graded" for a metric name of the extracts (``task`` only matters for "score")."""
    if metric == "score" and task in _GRADED_SCORES:
        return "graded"
    if metric in ALL_OR_NOTHING:
        return "all-or-nothing"
    if metric in GRADED:
        return "graded"
    raise ValueError(f"metric must be one of {sorted(ALL_OR_NOTHING | GRADED)}; got {metric!r}")


def _check_table(table: pd.DataFrame) -> pd.DataFrame:
    need = {"source", "family", "model", "dataset", "run", "step", "params", "tokens", "flops", "instruct", "task",
            "setting", "shots", "group", "metric", "value", "n_items", "chance", "higher_is_better"}
    if not isinstance(table, pd.DataFrame) or not need <= set(table.columns):
        missing = sorted(need - set(getattr(table, "columns", [])))
        raise ValueError(f"table must be a table from helpers.published.load(); missing columns {missing}")
    return table


def final_evaluations(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of each model's last evaluation: the final checkpoint of every training curve (Pythia
    checkpoints, OLMo runs), every row without a step, and no per-difficulty-group rows (u-shaped)."""
    table = _check_table(table)
    table = table[table["group"].isna()]
    has_step = table["step"].notna()
    if not has_step.any():
        return table.copy()
    stepped = table[has_step]
    keys = [stepped[c].astype("str").fillna("-") for c in _STEP_UNITS]
    last = stepped["step"].groupby(keys).transform("max")
    return pd.concat([table[~has_step], stepped[stepped["step"] == last]]).sort_index()


def _budget(table: pd.DataFrame) -> pd.Series:
    """Token budget label "<D / 20N>xC" for the multi-budget sources, "-" elsewhere."""
    ratio = (table["tokens"].astype(float) / (20.0 * table["params"].astype(float))).round(2)
    label = ratio.map(lambda r: "-" if pd.isna(r) else f"{r:g}xC")
    return label.where(table["source"].isin(MULTI_BUDGET), "-")


def _text(column: pd.Series) -> pd.Series:
    return column.astype("str").fillna("-").astype(object)


def points(table: pd.DataFrame, x: str = "params", *, split_budgets: bool | None = None) -> pd.DataFrame:
    """One row per curve and model: the final evaluations, repeated runs (seeds, reruns) averaged.

    ``x`` names the scale axis (one of X_AXES); models without it are left out. With
    ``split_budgets`` (default: only when ``x`` is "params") each token budget of the OLMo ladder and
    open_lm is its own curve; otherwise the budgets of one family share a curve, ordered by ``x``.
    Columns: KEYS, ``kind``, ``model``, ``scale`` (the value of ``x``), ``value``, ``n_runs``,
    ``n_items``, ``chance``, ``higher_is_better``.
    """
    x = check_choice("x", x, list(X_AXES))
    if split_budgets is None:
        split_budgets = x == "params"
    if not isinstance(split_budgets, (bool, np.bool_)):
        raise ValueError(f"split_budgets must be True, False or None; got {split_budgets!r}")
    rows = final_evaluations(table)
    rows = rows[rows[x].notna()]
    out = pd.DataFrame({
        "source": _text(rows["source"]), "family": _text(rows["family"]), "dataset": _text(rows["dataset"]),
        "instruct": rows["instruct"].map({True: "instruct", False: "base"}).fillna("unknown").astype(object),
        "budget": _budget(rows) if split_budgets else "-",
        "task": _text(rows["task"]), "setting": _text(rows["setting"]),
        "shots": rows["shots"].map(lambda s: "-" if pd.isna(s) else str(int(s))).astype(object),
        "metric": _text(rows["metric"]),
        # one model = one trained network: the OLMo runs are told apart by run (a rerun repeats its run);
        # on-emergence's runs are evaluations (seeds) of the same model
        "unit": (_text(rows["model"]) + "|" + _text(rows["dataset"]) + "|" + _budget(rows) + "|"
                 + np.where(rows["source"].isin(["olmo-ladder"]),
                            rows["run"].astype("str").fillna("").str.removesuffix("-rerun"), "")),
        "model": _text(rows["model"]), "scale": rows[x].astype(float), "value": rows["value"].astype(float),
        "n_items": rows["n_items"].astype("Float64"), "chance": rows["chance"].astype(float),
        "higher_is_better": rows["higher_is_better"].astype(bool),
    })
    group = list(KEYS) + ["unit"]
    agg = out.groupby(group, sort=True, dropna=False).agg(
        model=("model", "first"), scale=("scale", "first"), value=("value", "mean"), n_runs=("value", "size"),
        n_items=("n_items", "min"), chance=("chance", "first"), higher_is_better=("higher_is_better", "first"),
    ).reset_index()
    agg.insert(len(KEYS), "kind", [metric_kind(m, t) for m, t in zip(agg["metric"], agg["task"])])
    return agg.drop(columns="unit")


def curve(pts: pd.DataFrame, **where: str) -> pd.DataFrame:
    """The rows of ``pts`` (from ``points``) that match every ``column=value`` given, sorted by scale."""
    for column, value in where.items():
        if column not in KEYS:
            raise ValueError(f"curve() filters on the curve keys {list(KEYS)}; got {column!r}")
        pts = pts[pts[column] == str(value)]
    return pts.sort_values(["scale", "model"]).reset_index(drop=True)


def select(frame: pd.DataFrame, **where: object) -> pd.DataFrame:
    """The rows of any table of this module (points, audit scores, skipped curves, resolution) whose
    columns equal the values given (compared as text, so ``shots=5`` matches "5")."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    for column, value in where.items():
        if column not in frame.columns:
            raise ValueError(f"select() filters on the columns of frame {list(frame.columns)}; got {column!r}")
        frame = frame[frame[column].astype(str) == str(value)]
    return frame


def audit(pts: pd.DataFrame, threshold: float = em.DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Eq. 1, the relative score and the flag of every curve of ``pts`` (from ``points``), and the skipped ones.

    A curve in which two models share a scale value (e.g. several sizes trained on the same number of
    tokens, on the tokens axis) is not a function of the scale and is skipped, as are curves with
    fewer than 3 models. Returns ``(scores, skipped)``: ``emergence.audit_scoreable``'s tables with KEYS,
    plus ``kind``, ``n_models`` and ``n_items`` (the smallest test set of the curve, where known).
    """
    need = set(KEYS) | {"kind", "scale", "value", "model", "n_items"}
    if not isinstance(pts, pd.DataFrame) or not need <= set(pts.columns):
        raise ValueError("pts must be a table from helpers.published.curves.points()")
    threshold = check_real("threshold", threshold, low=0, low_open=True)
    keys = list(KEYS)
    per_curve = pts.groupby(keys, sort=True).agg(n_models=("model", "size"), n_scales=("scale", "nunique"),
                                                 n_items=("n_items", "min"), kind=("kind", "first"))
    tied = per_curve[(per_curve["n_models"] > per_curve["n_scales"]) & (per_curve["n_scales"] >= 1)]
    skipped_ties = tied.reset_index()[keys + ["n_scales", "n_models"]]
    skipped_ties["reason"] = [f"{m} models on {s} distinct scale{'s' if s != 1 else ''} (ties)"
                              for m, s in zip(skipped_ties["n_models"], skipped_ties["n_scales"])]
    ok = pts[~pd.MultiIndex.from_frame(pts[keys]).isin(tied.index)]
    if len(ok) == 0:
        raise ValueError("pts has no curve with 3 or more models on distinct scales")
    try:
        scores, short = em.audit_scoreable(ok.rename(columns={"scale": "params"})[keys + ["params", "value"]],
                                           threshold=threshold, by=keys, lower_is_better=LOWER_IS_BETTER)
    except ValueError as err:
        raise ValueError(f"pts has no curve with 3 or more models on distinct scales ({err})") from None
    info = per_curve.reset_index()[keys + ["n_models", "n_items", "kind"]]
    scores = scores.merge(info, on=keys, how="left")
    short = short.merge(info[keys + ["n_models"]], on=keys, how="left")
    skipped = pd.concat([short, skipped_ties], ignore_index=True)[keys + ["n_scales", "n_models", "reason"]]
    return scores, skipped


def binned(pts: pd.DataFrame, per_decade: int = 2) -> pd.DataFrame:
    """A pooled curve: the median value of all models whose scale falls in each bin of ``1/per_decade``
    decades (the models of every family in ``pts`` together; models without a scale are left out).
    Columns ``scale`` (geometric bin centre), ``value`` (median), ``low``, ``high`` (quartiles) and
    ``n_models``."""
    per_decade = check_int("per_decade", per_decade, low=1, high=20)
    if not isinstance(pts, pd.DataFrame) or not {"scale", "value"} <= set(pts.columns) or len(pts) == 0:
        raise ValueError("pts must be a non-empty table with columns scale and value (from points())")
    edge = np.floor(np.log10(pts["scale"].to_numpy(dtype=float)) * per_decade)
    grouped = pts.assign(_bin=edge).groupby("_bin")["value"]
    out = pd.DataFrame({
        "scale": 10 ** ((grouped.median().index.to_numpy() + 0.5) / per_decade),
        "value": grouped.median().to_numpy(), "low": grouped.quantile(0.25).to_numpy(),
        "high": grouped.quantile(0.75).to_numpy(), "n_models": grouped.size().to_numpy(),
    })
    return out


def clopper_pearson(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact two-sided binomial intervals (low, high) for k of n right, element-wise (twin of
    ``resolution.binomial_ci``, vectorised with the beta quantiles it reduces to)."""
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.isnan(n).any() or (n < 1).any() or (n != np.round(n)).any():
        raise ValueError("n must hold whole numbers of test items >= 1")
    if np.isnan(k).any() or (k < 0).any() or (k > n).any() or (k != np.round(k)).any():
        raise ValueError("k must hold whole numbers of right items in [0, n]")
    tail = (1.0 - confidence) / 2.0
    with np.errstate(invalid="ignore"):
        low = np.where(k == 0, 0.0, stats.beta.ppf(tail, k, n - k + 1))
        high = np.where(k == n, 1.0, stats.beta.ppf(1 - tail, k + 1, n - k))
    return low, high


def resolution(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Every final all-or-nothing score that is a share of a known number of items, with its exact interval.

    One row per evaluation (runs are not averaged: each is one binomial draw). Columns: the curve
    keys, ``model``, ``params``, ``value``, ``n_items``, ``k`` (items right), ``low``, ``high`` (the
    two-sided Clopper-Pearson interval), ``zero`` (k == 0), ``chance`` and ``at_chance`` (the interval
    holds the source's chance level, where it gives one). Scores that are not k / n_items for a whole
    k (means over subtasks, weighted scores) are left out.
    """
    rows = final_evaluations(table)
    rows = rows[rows["n_items"].notna() & rows["metric"].isin(["acc", "accuracy", "exact_match_accuracy"])]
    if rows["source"].eq("open-lm-scaling").any():  # its arc_challenge item count is ARC-Easy's (SOURCE.md)
        rows = rows[~(rows["source"].eq("open-lm-scaling") & rows["task"].eq("arc_challenge"))]
    n = rows["n_items"].astype(float).to_numpy()
    k_float = rows["value"].astype(float).to_numpy() * n
    whole = np.abs(k_float - np.round(k_float)) < 1e-3
    rows, n, k = rows[whole], n[whole], np.round(k_float[whole])
    low, high = clopper_pearson(k, n, confidence)
    chance = rows["chance"].astype(float).to_numpy()
    return pd.DataFrame({
        "source": _text(rows["source"]).to_numpy(), "family": _text(rows["family"]).to_numpy(),
        "dataset": _text(rows["dataset"]).to_numpy(), "budget": _budget(rows).to_numpy(dtype=object),
        "instruct": rows["instruct"].map({True: "instruct", False: "base"}).fillna("unknown").to_numpy(dtype=object),
        "model": _text(rows["model"]).to_numpy(), "task": _text(rows["task"]).to_numpy(),
        "setting": _text(rows["setting"]).to_numpy(),
        "shots": rows["shots"].map(lambda s: "-" if pd.isna(s) else str(int(s))).to_numpy(dtype=object),
        "metric": _text(rows["metric"]).to_numpy(), "params": rows["params"].astype(float).to_numpy(),
        "value": rows["value"].astype(float).to_numpy(), "n_items": n.astype(int), "k": k.astype(int),
        "low": low, "high": high, "zero": k == 0, "chance": chance,
        "at_chance": np.where(np.isnan(chance), False, (low <= chance) & (chance <= high)),
    })


_RES_CURVE = ["source", "family", "dataset", "instruct", "budget", "task", "setting", "shots", "metric"]


def zeros_before_scores(res: pd.DataFrame) -> pd.DataFrame:
    """Every reported 0 of ``res`` (from ``resolution``) that a larger model of the same curve beats.

    Columns: the curve columns, ``model``, ``params``, ``n_items``, ``high`` (upper end of the 0's
    interval), ``next_score`` (the smallest nonzero score of a larger model in the curve) and
    ``compatible`` (``high >= next_score``: the test set cannot tell the 0 from that score).
    """
    need = set(_RES_CURVE) | {"model", "params", "zero", "value", "high", "n_items"}
    if not isinstance(res, pd.DataFrame) or not need <= set(res.columns):
        raise ValueError("res must be a table from helpers.published.curves.resolution()")
    out = []
    for _, c in res.groupby(_RES_CURVE, sort=True):
        zeros = c[c["zero"]]
        if zeros.empty:
            continue
        scored = c[~c["zero"]]
        for _, z in zeros.iterrows():
            above = scored.loc[scored["params"] > z["params"], "value"]
            if above.empty:
                continue
            out.append({**{k: z[k] for k in _RES_CURVE}, "model": z["model"], "params": z["params"],
                        "n_items": int(z["n_items"]), "high": float(z["high"]), "next_score": float(above.min())})
    table = pd.DataFrame(out, columns=_RES_CURVE + ["model", "params", "n_items", "high", "next_score"])
    table["compatible"] = table["high"] >= table["next_score"]
    return table


def flag_reasons(scores: pd.DataFrame) -> pd.Series:
    """For each flagged curve of an audit: "floor (infinite R)" when its score is infinite, "first step"
    when its largest improving step is the first one (an early drop or rise, then little change),
    else "later step" (a jump after a flatter start, the shape called emergent)."""
    if not isinstance(scores, pd.DataFrame) or not {"emergent", "relative", "jump_at"} <= set(scores.columns):
        raise ValueError("scores must be an audit table with columns emergent, relative and jump_at")
    flagged = scores[scores["emergent"].astype(bool)]
    reason = np.where(np.isinf(flagged["relative"].to_numpy(dtype=float)), "floor (infinite R)",
                      np.where(flagged["jump_at"].to_numpy(dtype=float) == 0, "first step", "later step"))
    return pd.Series(reason, index=flagged.index, name="reason", dtype=object)


def rank_trend(pts: pd.DataFrame, by: list[str] | None = None, *, min_models: int = 5) -> pd.DataFrame:
    """Spearman rank correlation between log scale and the metric (oriented: +1 = better at every larger
    scale) for each group of ``pts`` (default: the curve keys but ``family``, i.e. families pooled);
    groups of fewer than ``min_models`` models or with a constant metric get NaN."""
    min_models = check_int("min_models", min_models, low=3)
    by = [k for k in KEYS if k != "family"] if by is None else list(by)
    missing = [c for c in by if c not in pts.columns]
    if missing:
        raise ValueError(f"by names columns pts does not have: {missing}")
    rows = []
    for key, g in pts.groupby(by, sort=True):
        sign = 1.0 if bool(g["higher_is_better"].iloc[0]) else -1.0
        ok = len(g) >= min_models and g["value"].nunique() > 1 and g["scale"].nunique() > 1
        rho = sign * float(stats.spearmanr(np.log(g["scale"]), g["value"]).statistic) if ok else np.nan
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,))), "n_models": len(g), "rho": rho})
    return pd.DataFrame(rows)


def expected_chance_flags(scores: pd.DataFrame, *, assumed_items: int = 1000, num_tasks: int = 2000,
                          seed: int = 0) -> float:
    """Expected number of curves flagged by chance alone: the sum over ``scores``' curves of the null
    model's flag rate (``null_models.null_flag_rate``: accuracy linear in log N, binomial noise) at the
    curve's number of scales and test-set size (``assumed_items`` where the source gives none)."""
    if not isinstance(scores, pd.DataFrame) or not {"n_scales", "n_items"} <= set(scores.columns):
        raise ValueError("scores must be an audit table from helpers.published.curves.audit()")
    assumed_items = check_int("assumed_items", assumed_items, low=1)
    items = scores["n_items"].astype("Float64").fillna(float(assumed_items)).astype(float).astype(int)
    combos = pd.DataFrame({"n": scores["n_scales"].astype(int), "m": items}).value_counts()
    total = 0.0
    for (n, m), count in combos.items():
        rate = null_models.null_flag_rate(min(int(n), 1000), int(m), num_tasks=num_tasks, seed=seed) if n >= 4 else 0.0
        total += count * rate
    return float(total)
