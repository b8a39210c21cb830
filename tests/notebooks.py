"""Chapters as notebooks for nbval, and the reference outputs nbval compares against.

Chapters are MyST Markdown (jupytext), which stores no outputs. nbval needs reference outputs for
the cells it checks (those tagged ``nbval-check-output``: stable numbers and sympy identities), so
they are recorded once into ``tests/snapshots/<chapter>.json`` and put back into scratch copies of
the notebooks before each test run. A changed result then fails the test, and a checked cell
without a recorded output fails too, with a message naming the command that records it.

    python -m tests.notebooks prepare build/notebooks   # scratch .ipynb copies, for nbval
    python -m tests.notebooks record [02_toy_model ...] # execute chapters, save reference outputs
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from helpers.cache import atomic_write

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"
SNAPSHOTS = ROOT / "tests" / "snapshots"
CHECK_TAG = "nbval-check-output"


def chapter_paths() -> list[Path]:
    """Every chapter source, in book order (file names start with the chapter number)."""
    return sorted(CHAPTERS.glob("*.md"))


def read_chapter(path: Path) -> nbformat.NotebookNode:
    """A chapter as an in-memory notebook (no outputs)."""
    return jupytext.read(path)


def checked_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Code cells whose outputs nbval compares with the recorded ones."""
    return [c for c in nb.cells if c.cell_type == "code" and CHECK_TAG in c.metadata.get("tags", [])]


def execute(nb: nbformat.NotebookNode, timeout: int = 300, *,
            allow_errors: bool = False) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook in a scratch folder with the python3 kernel; return it and the seconds taken."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        NotebookClient(nb, timeout=timeout, startup_timeout=120, kernel_name="python3", allow_errors=allow_errors,
                       resources={"metadata": {"path": tmp}}).execute()
    return nb, time.perf_counter() - start


def _clean(outputs: list) -> list:
    """Outputs without execution counts, so recordings do not change when nothing else does."""
    cleaned = []
    for out in outputs:
        out = dict(out)
        if "execution_count" in out:
            out["execution_count"] = None
        cleaned.append(out)
    return cleaned


def record(stems: list[str] | None = None) -> None:
    """Execute the chapters named by ``stems`` (default: all) and save the outputs of their checked cells."""
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    paths = chapter_paths()
    if stems:
        unknown = set(stems) - {p.stem for p in paths}
        if unknown:
            raise SystemExit(f"no chapter named {sorted(unknown)}; chapters: {[p.stem for p in paths]}")
        paths = [p for p in paths if p.stem in stems]
    for path in paths:
        nb, seconds = execute(read_chapter(path))
        snap = {c.source: _clean(c.outputs) for c in checked_cells(nb)}
        out = SNAPSHOTS / f"{path.stem}.json"
        atomic_write(out, (json.dumps(snap, indent=1, sort_keys=True) + "\n").encode())
        print(f"{path.name}: {len(snap)} checked cells recorded ({seconds:.1f} s)")


def prepare(outdir: Path) -> None:
    """Write each chapter as ``outdir/<chapter>.ipynb`` with the recorded outputs of checked cells."""
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("*.ipynb"):
        old.unlink()
    problems = []
    for path in chapter_paths():
        nb = read_chapter(path)
        snap_file = SNAPSHOTS / f"{path.stem}.json"
        snap = json.loads(snap_file.read_text()) if snap_file.exists() else {}
        for cell in checked_cells(nb):
            if cell.source not in snap:
                problems.append(f"{path.name}: checked cell has no recorded output:\n    {cell.source[:70]!r}")
                continue
            cell.outputs = [nbformat.from_dict(o) for o in snap[cell.source]]
            cell.execution_count = 1  # nbval treats a cell without a count as never run
        nbformat.write(nb, outdir / f"{path.stem}.ipynb")
    if problems:
        sys.exit("\n".join(problems) + "\nRecord reference outputs with `make snapshots`, review the diff, commit.")
    print(f"{len(chapter_paths())} chapters written to {outdir}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write scratch notebooks for nbval")
    p.add_argument("outdir", type=Path)
    r = sub.add_parser("record", help="execute chapters and record the outputs of checked cells")
    r.add_argument("chapters", nargs="*", help="chapter file stems, e.g. 02_toy_model (default: all)")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.outdir)
    else:
        record(args.chapters)


if __name__ == "__main__":
    main()
