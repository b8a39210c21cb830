"""Bring your own results: emergence scores, flags and plots for any tidy CSV of evaluations.

    python -m helpers.audit results.csv [--out DIR] [--threshold X] [--lower-is-better METRIC ...]
                                        [--rules [--min-rise X] [--late-from X]] [--items N]

The CSV needs one row per evaluation with columns ``task``, ``scale`` (or ``params``: the model
size, compute, ... as a positive number), ``metric`` and ``value``; optional columns such as
``target_len`` split a task's curves further, and repeated rows at one scale (e.g. one per
``seed``) are averaged. Metrics are taken as higher-is-better except the built-in lower-is-better
names (cross_entropy, edit_distance, brier_score, loss, perplexity, mse, error, error_rate) and
any named with ``--lower-is-better`` (e.g. ``--lower-is-better log_loss wer``). Every curve with at
least 3 distinct scales is scored; curves with fewer are skipped and listed with the reason (in
``skipped_curves.csv`` too). A curve whose score is infinite (at least half of its steps exactly 0,
e.g. 0 right at every small scale) or zero gets a ``note`` that says so. The tool writes
``emergence_scores.csv``, ``scores_by_metric.png`` and ``flagged_curves.png`` into the output folder
and prints a summary (``--max-rows N`` prints only the N highest-scoring curves). The CSV also holds
the book's three rules (chapter 6): ``rise``, ``late``, ``small_rise``, ``duplicate_of``,
``late_rising`` and ``dropped_by``; ``--rules`` prints them and counts the flags each rule removes
(``--min-rise`` and ``--late-from`` change the rules). ``--items N`` prints how often a smooth curve
measured on N test items at the table's numbers of sizes is flagged by chance, near the floor and
mid-range (chapter 6's null models). A bad file, or one in which no curve has 3 scales, stops with a
message naming the problem (exit code 2).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from . import emergence as em
from . import null_models

__all__ = ["OUTPUT_FILES", "SKIPPED_FILE", "read_results", "audit_csv", "summary", "chance_report", "main"]

# Files written by audit_csv into its output folder.
OUTPUT_FILES: tuple[str, ...] = ("emergence_scores.csv", "scores_by_metric.png", "flagged_curves.png")
# Written beside them only when some curve was skipped (fewer than 3 distinct scales).
SKIPPED_FILE = "skipped_curves.csv"


def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """Read a results CSV, turning unreadable or empty files into a ValueError that names the file.

    Taught in chapter 6, section 'Bring your own results'.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no results file at {path}")
    try:
        table = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: expected a header row (task, scale, metric, value) and data rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not a readable CSV file: {err}") from None
    table.columns = [str(c).strip() for c in table.columns]
    if len(table) == 0:
        raise ValueError(f"{path} has a header but no data rows")
    return table


def audit_csv(path: str | os.PathLike, out_dir: str | os.PathLike, threshold: float = em.DEFAULT_THRESHOLD,
              *, lower_is_better: Collection[str] = (), min_rise: float = em.MIN_RISE,
              late_from: float = em.LATE_FROM, dpi: int = 100) -> pd.DataFrame:
    """Audit the results in the CSV at ``path``; write scores (CSV) and plots (PNG) into ``out_dir``; return the scores.

    ``lower_is_better`` names metrics, besides ``emergence.LOWER_IS_BETTER``, whose curves improve downwards;
    ``min_rise`` and ``late_from`` set the book's rules (``emergence.audit``).
    Every curve with at least 3 distinct scales is scored (``emergence.audit_scoreable``); the table of
    skipped curves is ``scores.attrs["skipped"]`` and, when not empty, ``skipped_curves.csv``.

    Taught in chapter 6, section 'Bring your own results'.
    """
    from .plotting import emergence as pe

    if isinstance(lower_is_better, str) or not all(isinstance(m, str) and m for m in lower_is_better):
        raise ValueError(f"lower_is_better must be a collection of metric names; got {lower_is_better!r}")
    table = read_results(path)
    try:
        scores, skipped = em.audit_scoreable(table, threshold=threshold,
                                             lower_is_better=em.LOWER_IS_BETTER | set(lower_is_better),
                                             min_rise=min_rise, late_from=late_from)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out / OUTPUT_FILES[0], index=False)
    if len(skipped):
        skipped.to_csv(out / SKIPPED_FILE, index=False)
    groups = [c for c in scores.columns if c in table.columns and c not in ("value", em.scale_column(table))]
    scored = table.merge(scores[groups].astype(object), on=groups, how="inner") if len(skipped) else table
    pe.plot_scores_by_metric(scores, threshold).savefig(out / OUTPUT_FILES[1], dpi=dpi)
    pe.plot_flagged_curves(scored, scores).savefig(out / OUTPUT_FILES[2], dpi=dpi)
    scores.attrs["skipped"] = skipped
    return scores


# Column headers of the printed table when it has a note column (the CSV keeps the full names).
_SHORT_HEADERS = {"n_scales": "n", "relative": "R", "emergent": "flag"}
# Rule columns of emergence.audit: in the CSV always, printed only by summary(..., rules=True).
_RULE_COLUMNS = ("rise", "late", "small_rise", "duplicate_of", "late_rising", "dropped_by")


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=74, initial_indent=indent, subsequent_indent=indent)


def summary(scores: pd.DataFrame, skipped: pd.DataFrame | None = None, *, max_rows: int | None = None,
            rules: bool = False) -> str:
    """A short text table: one line per curve with its scales, score, relative score and flag.

    With ``rules``, the table also shows each curve's rise and, for a flagged curve, the book's verdict
    (``late rise``, or the rule that removes it: ``duplicate``, ``early jump``, ``small rise``), and the
    counts of ``emergence.rule_counts`` follow it.

    A ``note`` column appears only when some curve has one (FLAT_NOTES, explained under the table);
    then, and with ``rules``, the ``score`` column (kept in the CSV) is left out and headers are
    shortened (n, R, flag) so that lines stay short;
    ``skipped`` (default ``scores.attrs["skipped"]``) curves are listed with their reason;
    ``max_rows`` shows only the highest-scoring curves.

    Taught in chapter 6, section 'Bring your own results'.
    """
    if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1):
        raise ValueError(f"max_rows must be a whole number >= 1 or None; got {max_rows!r}")
    if skipped is None:
        skipped = scores.attrs.get("skipped")
    if not isinstance(rules, (bool, np.bool_)):
        raise ValueError(f"rules must be True or False; got {rules!r}")
    if rules and "late_rising" not in scores.columns:
        raise ValueError("rules=True needs an audit table with the rule columns (helpers.emergence.audit)")
    shown = scores.drop(columns=["oriented", "n_runs"], errors="ignore").copy()
    if rules:
        verdict = np.where(shown["late_rising"], "late rise", shown["dropped_by"])
        shown = shown.drop(columns=[c for c in _RULE_COLUMNS if c != "rise"]).assign(rule=verdict)
    else:
        shown = shown.drop(columns=list(_RULE_COLUMNS), errors="ignore")
    notes = shown["note"] if "note" in shown.columns else pd.Series("", index=shown.index)
    flagged = int(scores["emergent"].sum())
    head = f"{flagged} of {len(scores)} curves look emergent (relative score >= threshold)\n"
    shown["emergent"] = shown["emergent"].map({True: "YES", False: "no"})
    if rules or notes.astype(bool).any():  # the note and rule columns replace the raw score; short headers
        shown = shown.drop(columns=["score"], errors="ignore").rename(columns=_SHORT_HEADERS)
        head += "(n: scales, R: relative score, flag: R >= threshold; Eq. 1 is in the CSV)\n"
    if not notes.astype(bool).any():
        shown = shown.drop(columns=["note"], errors="ignore")
    if max_rows is not None and len(shown) > max_rows:
        order = scores["relative"].astype(float).fillna(-np.inf).sort_values(ascending=False, kind="stable")
        shown = shown.loc[order.index[:max_rows]]
        head += f"the {max_rows} highest relative scores (all {len(scores)} are in emergence_scores.csv):\n"
    lines = [head + shown.to_string(index=False, float_format=lambda v: f"{v:.2f}")]
    if rules:
        counts = em.rule_counts(scores)
        lines.append("the book's rules (chapter 6), flagged curves removed by each:")
        lines.append(counts.to_string())
    for label, count in notes[notes.astype(bool)].value_counts(sort=False).items():
        lines.append(f"note '{label}' ({count} curve{'s' if count != 1 else ''}):\n" + _wrap(em.FLAT_NOTES[label]))
    if skipped is not None and len(skipped):
        lines.append(f"skipped {len(skipped)} curve{'s' if len(skipped) != 1 else ''} that Eq. 1 cannot score "
                     "(it needs 3 distinct scales):")
        keys = [c for c in skipped.columns if c not in ("n_scales", "reason")]
        for row in skipped.head(max_rows or len(skipped)).itertuples(index=False):
            where = ", ".join(f"{k}={getattr(row, k)}" for k in keys)
            lines.append(_wrap(f"{where}: {row.reason}"))
        if max_rows is not None and len(skipped) > max_rows:
            lines.append(f"  ... {len(skipped) - max_rows} more in {SKIPPED_FILE}")
    return "\n".join(lines)


def chance_report(scores: pd.DataFrame, n_items: int, *, threshold: float = em.DEFAULT_THRESHOLD,
                  num_tasks: int = 2000, seed: int = 0) -> str:
    """Chance flag rates of smooth null curves (``null_models.null_rates``, both nulls) at the numbers of
    scales of ``scores`` and a test set of ``n_items`` items, as a few short lines of text.

    Taught in chapter 6, section 'Bring your own results'.
    """
    if not isinstance(scores, pd.DataFrame) or "n_scales" not in scores.columns or len(scores) == 0:
        raise ValueError("scores must be a non-empty audit table with an n_scales column")
    sizes = sorted(int(k) for k in scores["n_scales"].unique())
    rates = null_models.null_rates(sizes, [n_items], threshold=threshold, num_tasks=num_tasks, seed=seed)
    table = rates.pivot(index="n_sizes", columns="null", values="rate")[list(null_models.NULLS)]
    lines = [f"smooth curves flagged by chance with {n_items:,} test items ({num_tasks:,} simulated each):"]
    for k, row in table.iterrows():
        parts = ", ".join(f"{name} {100 * row[name]:.1f} %" for name in null_models.NULLS)
        lines.append(f"  {k} sizes: {parts}")
    lines.append("  (true accuracy linear in log N: " +
                 "; ".join(f"{name} {a:g} to {b:g}" for name, (a, b) in null_models.NULLS.items()) + ")")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: audit a CSV, write the outputs, print the summary; exit code 2 on a bad file.

    Taught in chapter 6, section 'Bring your own results'.
    """
    parser = argparse.ArgumentParser(prog="python -m helpers.audit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", type=Path, help="tidy results: task, scale (or params), metric, value")
    parser.add_argument("--out", type=Path, default=Path("emergence_audit"),
                        help="folder for the outputs (default ./emergence_audit)")
    parser.add_argument("--threshold", type=float, default=em.DEFAULT_THRESHOLD,
                        help=f"relative score at which a curve is flagged (default {em.DEFAULT_THRESHOLD:g})")
    parser.add_argument("--lower-is-better", nargs="+", default=[], metavar="METRIC",
                        help="metrics for which lower values are better (added to the built-in "
                             f"{', '.join(sorted(em.LOWER_IS_BETTER))})")
    parser.add_argument("--max-rows", type=int, default=None, metavar="N",
                        help="print only the N highest-scoring curves (and at most N skipped ones)")
    parser.add_argument("--rules", action="store_true",
                        help="print the book's rules (duplicates, early jumps, small rises) and their counts")
    parser.add_argument("--min-rise", type=float, default=em.MIN_RISE, metavar="X",
                        help=f"smallest rise of a flagged share-valued curve (default {em.MIN_RISE:g})")
    parser.add_argument("--late-from", type=float, default=em.LATE_FROM, metavar="X",
                        help=f"jump_at from which a jump counts as late (default {em.LATE_FROM:g})")
    parser.add_argument("--items", type=int, default=None, metavar="N",
                        help="print the chance flag rates of smooth curves measured on N test items")
    args = parser.parse_args(argv)
    if args.max_rows is not None and args.max_rows < 1:
        print(f"error: --max-rows must be a whole number >= 1; got {args.max_rows}", file=sys.stderr)
        return 2
    if args.items is not None and args.items < 1:
        print(f"error: --items must be a whole number >= 1; got {args.items}", file=sys.stderr)
        return 2
    try:
        scores = audit_csv(args.csv, args.out, threshold=args.threshold, lower_is_better=args.lower_is_better,
                           min_rise=args.min_rise, late_from=args.late_from)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(summary(scores, max_rows=args.max_rows, rules=args.rules))
    if args.items is not None:
        print("\n" + chance_report(scores, args.items, threshold=args.threshold))
    if args.lower_is_better:
        print(f"\nlower is better (flipped before flagging), besides the built-in names: {', '.join(args.lower_is_better)}")
    print(f"\nwrote {', '.join(OUTPUT_FILES)} to {args.out}")
    if len(scores.attrs["skipped"]):
        print(f"and {SKIPPED_FILE} (the curves it skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
