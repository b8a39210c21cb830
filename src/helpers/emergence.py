"""Measuring emergence: BIG-bench's breakthroughness score, used by Schaeffer et al. as their Eq. 1 (the
"emergence score"), and audits built on it.

Symbols
-------
x_i     model scales (parameters, compute, ...), sorted ascending, i = 1..n
y_i     one metric's value at scale x_i (mean over repeated runs such as seeds)
n       number of distinct scales of one curve (n >= 3)
ES      emergence score, sign(argmax y - argmin y) * (max y - min y) / sqrt(median (y_i - y_{i-1})^2)
R       relative score (this book's, not the paper's): the oriented ES divided by n - 1, the ES of a
        straight line; R = 1 for equal steps, R > 1 when the change is concentrated in a few steps
rise    max y - min y of one curve (the numerator of ES), in the metric's units

What the score gives curves whose truth is known (a synthetic benchmark of toy-model tasks, smooth
null curves) is in ``helpers.null_models``.

The audit flags a curve when R >= DEFAULT_THRESHOLD, and then applies three rules of this book before
a flag counts as a late rise: a curve identical to another one of the same outputs is a duplicate,
a curve whose largest improving step comes in the first half of the family (``jump_at`` < LATE_FROM)
jumps early, and a share-valued curve (values in [0, 1]) that rises by less than MIN_RISE is too
small to be an ability.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .validation import check_int, check_positive_array, check_real

__all__ = [
    "DEFAULT_THRESHOLD",
    "LOWER_IS_BETTER",
    "OPTIONAL_GROUPS",
    "SCALE_COLUMNS",
    "MIN_RISE",
    "LATE_FROM",
    "emergence_score",
    "resolution_score",
    "emergence_scores",
    "relative_score",
    "scale_column",
    "validate_table",
    "audit",
    "audit_scoreable",
    "flat_note",
    "FLAT_NOTES",
    "audit_folder",
    "rule_counts",
]

# Default threshold on the relative score R: a curve is flagged "looks emergent" when its oriented
# emergence score is at least this many times that of a straight line through the same n scales.
# Chapter 6 justifies the value with the null distribution of null_scores (linear improvement plus
# the noise of a finite test set): it sits above the 95th percentile of R for test sets of 100 or
# more items at every number of scales from 4 to 12, so a flag is rarely pure noise there.
DEFAULT_THRESHOLD: float = 2.5

# Metrics for which a lower value is better: their curves are flipped before flagging, so that
# improvement always counts as "rising". Other metrics are taken as higher-is-better.
LOWER_IS_BETTER: frozenset[str] = frozenset({
    "cross_entropy", "edit_distance", "brier_score", "loss", "perplexity", "mse", "error", "error_rate",
})

# The book's rules before a flag counts (chapter 6, 'Three rules before a flag counts'): a flagged
# share-valued curve must rise by at least MIN_RISE (ten points of the [0, 1] scale), and its largest
# improving step must lie in the second half of the family (jump_at >= LATE_FROM).
MIN_RISE: float = 0.1
LATE_FROM: float = 0.5

# Group columns that only choose how the same outputs are scored: curves that differ only in these
# (and in the metric) and have identical values are duplicates (e.g. exact match of the first L of
# L answer tokens, which is exact match itself).
_SCORING_GROUPS: tuple[str, ...] = ("metric", "K", "c")

# Columns that name the model scale, in order of preference.
SCALE_COLUMNS: tuple[str, ...] = ("scale", "params")

# Extra columns that, when present, split a task's curves further (one curve per value).
OPTIONAL_GROUPS: tuple[str, ...] = ("target_len", "K", "c", "family", "model_family", "subtask", "shots")

_REQUIRED = ("task", "metric", "value")


def emergence_score(scales: Any, scores: Any) -> float:
    """Emergence score of one curve: sign(argmax − argmin) · (max − min) / sqrt(median squared step).

    This is Eq. 1 of Schaeffer et al. exactly (BIG-bench's breakthroughness). ``scales`` (model sizes,
    compute, ...; positive, distinct, any order) and ``scores`` (one metric value per scale, same
    length, at least 3, finite) are sorted by scale first. Documented values: a constant curve scores
    0.0; a curve that changes but has more than half of its steps exactly 0 (so the median squared
    step is 0; typically a floor of 0/n or a ceiling of n/n right) scores ±inf, however many of its
    steps change. A single jump among three scales scores ±sqrt(2), not ±inf.

    Taught in chapter 6, section 'The emergence score'.
    """
    x = check_positive_array("scales", scales).ravel()
    try:
        y = np.asarray(scores, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"scores must be numbers (one metric value per scale); got {scores!r}") from None
    if x.size != y.size:
        raise ValueError(f"scales and scores must have the same length; got {x.size} and {y.size}")
    if x.size < 3:
        raise ValueError(f"scales must hold at least 3 model scales (the median step needs 2 steps); got {x.size}")
    if not np.isfinite(y).all():
        raise ValueError(f"scores must be finite numbers; got {y[~np.isfinite(y)][0]!r}")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if (np.diff(x) == 0).any():
        raise ValueError("scales must be distinct (average repeated runs, e.g. seeds, per scale first)")
    spread = float(y.max() - y.min())
    if spread == 0.0:
        return 0.0
    sign = math.copysign(1.0, float(np.argmax(y) - np.argmin(y)))
    typical_step = math.sqrt(float(np.median(np.diff(y) ** 2)))
    return sign * (math.inf if typical_step == 0.0 else spread / typical_step)


def resolution_score(scales: Any, scores: Any, n_items: int) -> float:
    """The book's variant of Eq. 1: the typical step is at least the resolution 1/n_items of the test set.

    sign(argmax − argmin) · (max − min) / max(sqrt(median squared step), 1 / n_items): finite for every
    curve that changes, and equal to ``emergence_score`` whenever the typical step is at least one item
    in ``n_items``. Not the paper's score: stated beside it, never instead of it.

    Taught in chapter 6, section 'The emergence score'.
    """
    n_items = check_int("n_items", n_items, low=1)
    es = emergence_score(scales, scores)
    if es == 0.0:
        return 0.0
    order = np.argsort(np.asarray(scales, dtype=float).ravel(), kind="stable")
    y = np.asarray(scores, dtype=float).ravel()[order]
    typical_step = max(math.sqrt(float(np.median(np.diff(y) ** 2))), 1.0 / n_items)
    return math.copysign(float(y.max() - y.min()) / typical_step, es)


def emergence_scores(curves: Any) -> np.ndarray:
    """Eq. 1 for each row of a 2-D array of curves already sorted by scale (vectorised twin of emergence_score).

    Taught in chapter 6, section 'Emergence by chance: many curves, few sizes, small test sets'.
    """
    y = np.asarray(curves, dtype=float)
    if y.ndim != 2 or y.shape[1] < 3:
        raise ValueError(f"curves must be a 2-D array with at least 3 columns (scales); got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("curves must hold finite numbers only")
    spread = y.max(axis=1) - y.min(axis=1)
    sign = np.where(np.argmax(y, axis=1) >= np.argmin(y, axis=1), 1.0, -1.0)
    step = np.sqrt(np.median(np.diff(y, axis=1) ** 2, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = sign * np.where(step == 0, np.inf, spread / np.where(step == 0, 1.0, step))
    return np.where(spread == 0, 0.0, out)


def relative_score(params: Any, curve: Any, improving_sign: float = 1.0) -> float:
    """Relative score R = oriented emergence score / (n - 1), with ``improving_sign`` = -1 for a lower-is-better curve.

    Taught in chapter 6, section 'The emergence score'.
    """
    return improving_sign * emergence_score(params, curve) / (len(curve) - 1)


def scale_column(table: pd.DataFrame) -> str:
    """The column of ``table`` that holds the model scale: ``scale`` if present, else ``params``.

    Taught in chapter 6, section 'Auditing the book's own sweeps'.
    """
    for name in SCALE_COLUMNS:
        if name in table.columns:
            return name
    raise ValueError(f"table needs a model-scale column named one of {SCALE_COLUMNS}; "
                     f"its columns are {list(table.columns)}")


def _groups(table: pd.DataFrame, by: Sequence[str] | None) -> list[str]:
    if by is None:
        return ["task", "metric"] + [c for c in OPTIONAL_GROUPS if c in table.columns]
    missing = [c for c in by if c not in table.columns]
    if missing:
        raise ValueError(f"by names columns the table does not have: {missing}")
    return list(by)


def validate_table(table: pd.DataFrame, by: Sequence[str] | None = None, *,
                   allow_short: bool = False) -> tuple[pd.DataFrame, str, list[str]]:
    """Check a tidy results table; return it with a float scale column, that column's name and the groups.

    Raises ValueError naming the problem: not a table, no rows, missing columns, non-numeric or
    non-positive scales, missing or non-numeric values, or (unless ``allow_short``) a curve with
    fewer than 3 distinct scales.

    Taught in chapter 6, section 'Auditing the book's own sweeps'.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a pandas DataFrame; got {type(table).__name__}")
    if len(table) == 0:
        raise ValueError("table is empty: it has no rows of results")
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"table is missing the column(s) {missing}; it needs task, a scale column "
                         f"({' or '.join(SCALE_COLUMNS)}), metric and value; its columns are {list(table.columns)}")
    scale = scale_column(table)
    groups = _groups(table, by)
    table = table.copy()
    for name in (scale, "value"):
        numeric = pd.to_numeric(table[name], errors="coerce")
        bad = table[name][numeric.isna() & table[name].notna()]
        if len(bad):
            raise ValueError(f"column {name!r} must be numeric; row {bad.index[0]} holds {bad.iloc[0]!r}")
        if numeric.isna().any():
            row = int(np.flatnonzero(numeric.isna().to_numpy())[0])
            raise ValueError(f"column {name!r} has a missing value (NaN or blank) in row {table.index[row]}")
        if not np.isfinite(numeric.to_numpy(dtype=float)).all():
            raise ValueError(f"column {name!r} must hold finite numbers (no inf)")
        table[name] = numeric.astype(float)
    if (table[scale] <= 0).any():
        raise ValueError(f"column {scale!r} must hold positive model scales; got {table[scale].min()!r}")
    for col in groups:
        if table[col].isna().any():
            raise ValueError(f"grouping column {col!r} has missing values")
    if not allow_short:
        _refuse_short(table.groupby(groups, sort=True)[scale].nunique(), groups)
    return table, scale, groups


def _refuse_short(counts: pd.Series, groups: list[str]) -> None:
    """Raise ValueError naming the first curve (of ``counts``: distinct scales per curve) with fewer than 3 scales."""
    few = counts[counts < 3]
    if len(few):
        key = few.index[0]
        key = key if isinstance(key, tuple) else (key,)
        where = ", ".join(f"{g}={k!r}" for g, k in zip(groups, key))
        raise ValueError(f"every curve needs at least 3 distinct model scales; {where} has {int(few.iloc[0])} "
                         f"({len(few)} curve(s) have fewer than 3)")


def audit(
    table: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    by: Sequence[str] | None = None,
    lower_is_better: Collection[str] = LOWER_IS_BETTER,
    min_rise: float = MIN_RISE,
    late_from: float = LATE_FROM,
) -> pd.DataFrame:
    """Emergence score, relative score, the "looks emergent" flag and the book's three rules for every curve.

    ``table`` has columns ``task``, a scale column (``scale`` or ``params``), ``metric`` and
    ``value``; rows repeated at one scale (seeds, ...) are averaged first. One curve per ``by``
    (default: task, metric and whichever of OPTIONAL_GROUPS are present). Columns of the result:
    the groups, ``n_scales``, ``n_runs`` (rows averaged per scale, at most), ``score`` (Eq. 1 on the
    raw metric), ``oriented`` (score with lower-is-better metrics flipped, so that improvement is
    positive), ``relative`` (oriented / (n_scales - 1)), ``jump_at`` (where the largest improving step
    lies: 0 = between the two smallest scales, 1 = between the two largest), ``emergent``
    (relative >= threshold), and the rules: ``rise`` (max - min of the curve), ``late`` (jump_at >=
    ``late_from``), ``small_rise`` (values all in [0, 1] and rise < ``min_rise``), ``duplicate_of``
    (the metric of an identical curve listed earlier, from the same outputs: the same groups except
    metric, K and c; "" if none), ``late_rising`` (flagged, late, not small, not a duplicate) and
    ``dropped_by`` (for a flagged curve that is not late-rising, the first rule it fails:
    "duplicate", "early jump" or "small rise"; else "").

    Taught in chapter 6, section 'Auditing the book's own sweeps'.
    """
    threshold = check_real("threshold", threshold, low=0, low_open=True)
    min_rise = check_real("min_rise", min_rise, low=0, high=1)
    late_from = check_real("late_from", late_from, low=0, high=1)
    table, scale, groups = validate_table(table, by)
    means = table.groupby(groups + [scale], sort=True)["value"].agg(["mean", "size"]).reset_index()
    rows, curves = [], []
    for key, curve in means.groupby(groups, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(groups, key))
        n = len(curve)
        x, y = curve[scale].to_numpy(), curve["mean"].to_numpy()
        s = emergence_score(x, y)
        flip = -1.0 if str(row.get("metric")) in lower_is_better else 1.0
        oriented = flip * s
        jump_at = float(np.argmax(flip * np.diff(y)) / (n - 2))
        rise = float(y.max() - y.min())
        share = bool(((y >= 0) & (y <= 1)).all())
        rows.append({**row, "n_scales": n, "n_runs": int(curve["size"].max()), "score": s,
                     "oriented": oriented, "relative": oriented / (n - 1), "jump_at": jump_at,
                     "rise": rise, "late": jump_at >= late_from, "small_rise": share and rise < min_rise})
        curves.append((x, y))
    out = pd.DataFrame(rows)
    out["emergent"] = out["relative"] >= threshold
    out["duplicate_of"] = _duplicates(out, groups, curves)
    duplicate = out["duplicate_of"] != ""
    out["late_rising"] = out["emergent"] & out["late"] & ~out["small_rise"] & ~duplicate
    out["dropped_by"] = np.select([~out["emergent"], duplicate, ~out["late"], out["small_rise"]],
                                  ["", "duplicate", "early jump", "small rise"], "")
    out.attrs["rules"] = {"threshold": threshold, "min_rise": min_rise, "late_from": late_from}
    return out


def _duplicates(scores: pd.DataFrame, groups: list[str], curves: list[tuple[np.ndarray, np.ndarray]]) -> list[str]:
    """For each curve, the label of an earlier identical curve of the same outputs (same groups except
    metric, K and c; same scales and values; not constant), else ""."""
    fixed = [g for g in groups if g not in _SCORING_GROUPS]
    scoring = [g for g in groups if g in _SCORING_GROUPS and g != "metric"]
    seen: dict[tuple, str] = {}
    out = []
    for i, (x, y) in enumerate(curves):
        if np.ptp(y) == 0:
            out.append("")
            continue
        key = (tuple(scores.loc[i, fixed]), x.tobytes(), y.tobytes())
        if key in seen:
            out.append(seen[key])
            continue
        label = str(scores.loc[i, "metric"]) if "metric" in scores.columns else "curve"
        extra = ", ".join(f"{g}={_short(scores.loc[i, g])}" for g in scoring)
        seen[key] = f"{label} ({extra})" if extra else label
        out.append("")
    return out


def _short(value: Any) -> str:
    """A group value as short text: 0.3981 -> '0.3981', 5.0 -> '5', 'x' -> 'x'."""
    return f"{value:g}" if isinstance(value, (int, float, np.integer, np.floating)) else str(value)


def rule_counts(scores: pd.DataFrame) -> pd.DataFrame:
    """How many flagged curves each of the book's rules removes, alone and in turn, and how many remain.

    ``scores`` is an ``audit`` table (or several concatenated). Rows: flagged, duplicate, early jump,
    small rise, late-rising and distinct; columns ``alone`` (flagged curves failing that rule, whatever
    the others say) and ``in_turn`` (removed by it after the rules above it); the last row, in both
    columns, is what is left: the flagged curves that pass every rule.

    Taught in chapter 6, section 'Three rules before a flag counts'.
    """
    need = {"emergent", "late", "small_rise", "duplicate_of", "late_rising"}
    if not isinstance(scores, pd.DataFrame) or not need <= set(scores.columns):
        raise ValueError(f"scores must be an audit table (helpers.emergence.audit) with columns {sorted(need)}")
    rules = {"min_rise": MIN_RISE, "late_from": LATE_FROM, **scores.attrs.get("rules", {})}
    flagged = scores["emergent"].astype(bool)
    duplicate = flagged & (scores["duplicate_of"] != "")
    early = flagged & ~scores["late"].astype(bool)
    small = flagged & scores["small_rise"].astype(bool)
    rows = [
        ("flagged (R >= threshold)", flagged.sum(), flagged.sum()),
        ("duplicate of another curve", duplicate.sum(), duplicate.sum()),
        (f"early jump (jump_at < {rules['late_from']:g})", early.sum(), (early & ~duplicate).sum()),
        (f"small rise (< {rules['min_rise']:g}, shares)", small.sum(), (small & ~early & ~duplicate).sum()),
        ("late-rising and distinct", scores["late_rising"].astype(bool).sum(),
         scores["late_rising"].astype(bool).sum()),
    ]
    return pd.DataFrame(rows, columns=["rule", "alone", "in_turn"]).set_index("rule").astype(int)


# Short labels for curves whose Eq. 1 is infinite or zero (flat at the worst value, flat at the best, flat
# in between, or constant) (the ``note`` column of audit_scoreable), with the
# sentence a report prints once for each label that occurs.
FLAT_NOTES: dict[str, str] = {
    "floor": "at least half of the steps are exactly 0, at the curve's worst value (e.g. 0 right at "
             "every small scale): the median step is 0 and Eq. 1 is infinite; a few steps carry all "
             "of the change. Check the floor against the test set's resolution (chapter 4).",
    "ceiling": "at least half of the steps are exactly 0, at the curve's best value (saturated, or equal "
               "scores such as rounded ones): the median step is 0 and Eq. 1 is infinite.",
    "plateau": "at least half of the steps are exactly 0, between the worst and the best value: the "
               "median step is 0 and Eq. 1 is infinite.",
    "constant": "the metric has the same value at every scale: Eq. 1 is 0 (no change to score).",
}


def flat_note(scores: Any, higher_is_better: bool = True) -> str:
    """Why a curve's Eq. 1 is infinite or zero (a FLAT_NOTES label), or "" when it is finite and nonzero.

    ``scores`` are the metric values of one curve in the order of increasing scale; the floor is the
    worst value (the minimum, or the maximum when not ``higher_is_better``), the ceiling the best.

    Taught in chapter 10, section 'Prediction (c): the audit of every curve'.
    """
    y = np.asarray(scores, dtype=float).ravel()
    if y.size < 3 or not np.isfinite(y).all():
        raise ValueError(f"scores must be at least 3 finite numbers (one curve); got {y.size} values")
    if not isinstance(higher_is_better, (bool, np.bool_)):
        raise ValueError(f"higher_is_better must be True or False; got {higher_is_better!r}")
    if not higher_is_better:
        y = -y
    lo, hi = float(y.min()), float(y.max())
    if lo == hi:
        return "constant"
    steps = np.diff(y)
    if float(np.median(steps**2)) > 0.0:
        return ""
    flat = steps == 0
    at_floor = int((flat & (y[1:] == lo)).sum())
    at_ceiling = int((flat & (y[1:] == hi)).sum())
    if at_floor >= max(at_ceiling, 1) and at_floor * 2 >= flat.sum():
        return "floor"
    if at_ceiling >= 1 and at_ceiling * 2 >= flat.sum():
        return "ceiling"
    return "plateau"


def audit_scoreable(
    table: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    by: Sequence[str] | None = None,
    lower_is_better: Collection[str] = LOWER_IS_BETTER,
    min_rise: float = MIN_RISE,
    late_from: float = LATE_FROM,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``audit`` of every curve that has at least 3 distinct scales, and a table of the curves it skipped.

    Returns ``(scores, skipped)``. ``scores`` is ``audit``'s table plus a ``note`` column: a FLAT_NOTES
    label when the score is infinite or zero, else "". ``skipped`` has the groups, ``n_scales`` and a
    ``reason``. Raises ValueError for a bad table (as ``validate_table``) and when no curve can be scored.

    Taught in chapter 10, section 'Prediction (c): the audit of every curve'.
    """
    threshold = check_real("threshold", threshold, low=0, low_open=True)
    table, scale, groups = validate_table(table, by, allow_short=True)
    counts = table.groupby(groups, sort=True)[scale].nunique()
    short = counts[counts < 3]
    if len(short) == len(counts):
        _refuse_short(counts, groups)
    skipped = short.rename("n_scales").reset_index()
    skipped["reason"] = [f"only {n} distinct scale{'s' if n != 1 else ''}" for n in skipped["n_scales"]]
    kept = table[table.groupby(groups, sort=True)[scale].transform("nunique") >= 3]
    scores = audit(kept, threshold=threshold, by=groups, lower_is_better=lower_is_better, min_rise=min_rise,
                   late_from=late_from)
    means = kept.groupby(groups + [scale], sort=True)["value"].mean()
    metric_at = groups.index("metric") if "metric" in groups else None
    notes = {}
    for key, curve in means.groupby(level=list(range(len(groups))), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        higher = metric_at is None or str(key[metric_at]) not in lower_is_better
        notes[key] = flat_note(curve.to_numpy(), higher)
    scores["note"] = [notes[tuple(row)] for row in scores[groups].itertuples(index=False)]
    scores.attrs["rules"] = {"threshold": threshold, "min_rise": min_rise, "late_from": late_from}
    return scores, skipped.reset_index(drop=True)


def audit_folder(folder: str | Path, *, threshold: float = DEFAULT_THRESHOLD,
                 pattern: str = "*.csv") -> tuple[pd.DataFrame, dict[str, str]]:
    """Audit every tidy results CSV in ``folder`` (one audit per file, column ``source`` = file stem).

    Returns the concatenated audit and, for each file that could not be audited (wrong columns,
    too few scales, ...), the reason. New result files are picked up automatically.

    Taught in chapter 6, section 'Auditing the book's own sweeps'.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing directory; got {folder}")
    audits, skipped = [], {}
    for path in sorted(folder.glob(pattern)):
        try:
            table = pd.read_csv(path)
            audits.append(audit(table, threshold=threshold).assign(source=path.stem))
        except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            skipped[path.name] = str(err)
    if not audits:
        raise ValueError(f"no CSV in {folder} could be audited: {skipped}")
    return pd.concat(audits, ignore_index=True), skipped
