"""Time every chapter's top-to-bottom execution (the issue's budget: 60 s each on the 2-core machine).

Prints one line per chapter; a benchmark reports, it does not fail a test run.

    .venv/bin/python benchmarks/chapter_times.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from booktools.chapters import chapter_paths, read_chapter  # noqa: E402
from booktools.execute import execute_notebook  # noqa: E402

BUDGET_S = 60.0


def cpu_name() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="executions per chapter; the fastest is kept")
    args = parser.parse_args()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; budget {BUDGET_S:.0f} s/chapter")
    total = 0.0
    for path in chapter_paths():
        best = min(execute_notebook(read_chapter(path), name=path.name)[1] for _ in range(args.repeat))
        total += best
        flag = "ok" if best <= BUDGET_S else "OVER BUDGET"
        print(f"{path.stem:32s} {best:6.1f} s  {flag}")
    print(f"{'all chapters':32s} {total:6.1f} s")


if __name__ == "__main__":
    main()
