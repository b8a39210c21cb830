"""Bring your own results: emergence scores, flags and plots for any tidy CSV of evaluations.

    python -m helpers.audit results.csv [--out DIR] [--threshold X] [--lower-is-better METRIC ...]

The CSV needs one row per evaluation with columns ``task``, ``scale`` (or ``params``: the model
size, compute, ... as a positive number), ``metric`` and ``value``; optional columns such as
``target_len`` split a task's curves further, and repeated rows at one scale (e.g. one per
``seed``) are averaged. Metrics are taken as higher-is-better except the built-in lower-is-better
names (cross_entropy, edit_distance, brier_score, loss, perplexity, mse, error, error_rate) and
any named with ``--lower-is-better`` (e.g. ``--lower-is-better log_loss wer``). Every task x metric curve needs at least 3 distinct scales. The tool writes
``emergence_scores.csv``, ``scores_by_metric.png`` and ``flagged_curves.png`` into the output folder
and prints a summary. A bad file stops with a message naming the problem (exit code 2).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from . import emergence as em

__all__ = ["OUTPUT_FILES", "read_results", "audit_csv", "summary", "main"]

# Files written by audit_csv into its output folder.
OUTPUT_FILES: tuple[str, ...] = ("emergence_scores.csv", "scores_by_metric.png", "flagged_curves.png")


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
              *, lower_is_better: Collection[str] = (), dpi: int = 100) -> pd.DataFrame:
    """Audit the results in the CSV at ``path``; write scores (CSV) and plots (PNG) into ``out_dir``; return the scores.

    ``lower_is_better`` names metrics, besides ``emergence.LOWER_IS_BETTER``, whose curves improve downwards.

    Taught in chapter 6, section 'Bring your own results'.
    """
    from .plotting import emergence as pe

    if isinstance(lower_is_better, str) or not all(isinstance(m, str) and m for m in lower_is_better):
        raise ValueError(f"lower_is_better must be a collection of metric names; got {lower_is_better!r}")
    table = read_results(path)
    try:
        scores = em.audit(table, threshold=threshold, lower_is_better=em.LOWER_IS_BETTER | set(lower_is_better))
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out / OUTPUT_FILES[0], index=False)
    pe.plot_scores_by_metric(scores, threshold).savefig(out / OUTPUT_FILES[1], dpi=dpi)
    pe.plot_flagged_curves(table, scores).savefig(out / OUTPUT_FILES[2], dpi=dpi)
    return scores


def summary(scores: pd.DataFrame) -> str:
    """A short text table: one line per curve with its scales, score, relative score and flag.

    Taught in chapter 6, section 'Bring your own results'.
    """
    shown = scores.drop(columns=["oriented", "n_runs"], errors="ignore").copy()
    shown["emergent"] = shown["emergent"].map({True: "YES", False: "no"})
    flagged = int(scores["emergent"].sum())
    head = f"{flagged} of {len(scores)} curves look emergent (relative score >= threshold)\n"
    return head + shown.to_string(index=False, float_format=lambda v: f"{v:.2f}")


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
    args = parser.parse_args(argv)
    try:
        scores = audit_csv(args.csv, args.out, threshold=args.threshold, lower_is_better=args.lower_is_better)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(summary(scores))
    if args.lower_is_better:
        print(f"\nlower is better (flipped before flagging), besides the built-in names: {', '.join(args.lower_is_better)}")
    print(f"\nwrote {', '.join(OUTPUT_FILES)} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
