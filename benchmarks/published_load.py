"""Time helpers.published.load(): all sources, best of a few runs (the target is under 2 s).

Prints the timings; a benchmark reports, it does not fail a test run.

    .venv/bin/python benchmarks/published_load.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

TARGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="loads to time; the fastest is reported")
    args = parser.parse_args()
    start = time.perf_counter()
    from helpers import published

    imported = time.perf_counter() - start
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        table = published.load()
        times.append(time.perf_counter() - start)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"import helpers.published      {imported:6.2f} s")
    print(f"load() all {len(published.SOURCES)} sources        {min(times):6.2f} s  (best of {args.repeat}; "
          f"first {times[0]:.2f} s; target {TARGET_S:.0f} s)  {len(table):,} rows x {table.shape[1]} columns")
    for name in published.SOURCES:
        start = time.perf_counter()
        part = published.load(name)
        print(f"  load({name!r}){'':{20 - len(name)}}{time.perf_counter() - start:6.2f} s  {len(part):,} rows")


if __name__ == "__main__":
    main()
