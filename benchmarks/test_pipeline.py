"""What `make test` costs next to one serial execution of every chapter, measured side by side in one run.

    .venv/bin/python benchmarks/test_pipeline.py            # in this checkout (set-up already done)
    .venv/bin/python benchmarks/test_pipeline.py --clone    # in a fresh clone: also times `make book` from
                                                            # nothing (set-up included), as a new reader would

Prints each phase and where the minutes go inside `make test` (unit tests, chapters under nbval,
student notebooks, the book build and its checks, and the time a worker waited for the other), then
the ratio the project aims to keep at or below 2: `make test` after set-up / serial chapter execution.
A benchmark reports; it never fails a test run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0


def cpu_name() -> str:
    """The CPU's model name and whether it has bf16 matrix units (the project's machines differ)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    name = re.search(r"model name\s*:\s*(.+)", info)
    flags = set(re.search(r"flags\s*:\s*(.+)", info).group(1).split()) if "flags" in info else set()
    units = "AMX" if "amx_bf16" in flags else "AVX512-BF16" if "avx512_bf16" in flags else "AVX2 only" \
        if "avx2" in flags and "avx512f" not in flags else "AVX-512, no bf16" if "avx512f" in flags else "?"
    return f"{name.group(1).strip() if name else platform.machine()} ({units}), {os.cpu_count()} cores"


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Run ``cmd`` in ``cwd``, stream nothing, fail loudly; return its wall time in seconds."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd} ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-4000:]}")
    return seconds


def category(row: dict) -> str:
    """Which part of `make test` a timeline row (one test) belongs to."""
    test = row["test"]
    if row.get("student_placeholder") or "test_student_notebook_fails_only_at_its_placeholders" in test:
        return "student notebooks"  # placeholders run in the chapter's kernel, or a whole student notebook
    if re.search(r"ipynb::Cell \d+$", test):
        return "chapters under nbval"
    if test.startswith("tests/test_book.py"):
        return "book build and page checks"
    return "unit and property tests"


def breakdown(timeline: Path) -> tuple[dict[str, float], float, float]:
    """Seconds of worker time per category, worker time spent waiting, and the pytest wall time."""
    rows = [json.loads(line) for line in timeline.read_text().splitlines() if line.strip()]
    by_cat: dict[str, float] = collections.defaultdict(float)
    by_run: dict[tuple[bool, str], list[float]] = {}
    for r in rows:
        by_cat[category(r)] += r["end"] - r["start"]
        key = (r["test"].startswith("tests/test_book.py"), r["worker"])
        span = by_run.setdefault(key, [r["start"], r["end"], 0.0])
        span[0], span[1], span[2] = min(span[0], r["start"]), max(span[1], r["end"]), span[2] + r["end"] - r["start"]
    waiting, wall = 0.0, 0.0
    for book in (False, True):
        spans = [v for (b, _), v in by_run.items() if b == book]
        if not spans:
            continue
        start, end = min(s[0] for s in spans), max(s[1] for s in spans)
        wall += end - start
        waiting += sum((end - start) - s[2] for s in spans)
    return dict(by_cat), waiting, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clone", action="store_true", help="measure in a fresh clone of this checkout's HEAD")
    args = parser.parse_args()

    print(f"machine: {cpu_name()}; {time.strftime('%Y-%m-%d %H:%M')}")
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="mirage-bench-") as tmp:
        repo = ROOT
        if args.clone:
            repo = Path(tmp) / "clone"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
        rows = []
        setup = timed(["make", "setup"], repo, env)
        rows.append(("make setup" + (" (fresh clone: venv, pinned packages, offline JavaScript)" if args.clone
                                     else " (nothing to do when installed)"), setup))
        if args.clone:
            book = timed(["make", "book"], repo, env)
            rows.append(("make book after set-up (execute chapters side by side, build)", book))
        python = str(repo / ".venv" / "bin" / "python")
        serial = timed([python, "-m", "booktools.execute", str(Path(tmp) / "serial"), "--force", "--workers", "1"],
                       repo, env)
        rows.append(("every chapter executed once, one after another", serial))
        timeline = Path(tmp) / "timeline.jsonl"
        test = timed(["make", "test", f"PYTEST_ARGS=--timeline={timeline}"], repo, env)
        rows.append(("make test after set-up", test))
        if args.clone:
            rows.append(("fresh clone: make book = set-up + make book", setup + book))
            rows.append(("fresh clone: make test = set-up + make test", setup + test))
        by_cat, waiting, wall = breakdown(timeline)
    width = max(len(r[0]) for r in rows)
    for what, seconds in rows:
        print(f"  {what:<{width}}  {seconds:7.1f} s")
    print("inside make test (worker seconds, summed over the parallel workers):")
    for what in ("unit and property tests", "chapters under nbval", "student notebooks", "book build and page checks"):
        print(f"  {what:<{width}}  {by_cat.get(what, 0.0):7.1f} s")
    print(f"  {'a worker waiting for the other at the end of a pytest run':<{width}}  {waiting:7.1f} s")
    print(f"  {'the rest (make, converting chapters, starting pytest workers)':<{width}}  {test - wall:7.1f} s (wall)")
    ratio = test / serial
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"ratio make test / serial chapters = {ratio:.2f} ({verdict} the target of at most {TARGET_RATIO:.0f})")


if __name__ == "__main__":
    main()
