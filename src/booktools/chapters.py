"""Chapters as notebooks, and the reference outputs (snapshots) of their checked cells.

Chapters are MyST Markdown notebooks (jupytext) in ``book/chapters``; they store no outputs. A code
cell whose output is a stable number or a sympy identity is *checked*: it carries the tag
``nbval-check-output`` and a name, ``:snapshot: <name>``. Its reference output is recorded under that
name in ``tests/snapshots/<chapter>.json``, so editing the cell's code leaves the reference valid as
long as the output stays the same, while a changed output fails the test.

    python -m booktools.chapters prepare build/notebooks      # scratch .ipynb copies for nbval
    python -m booktools.chapters record [02_toy_model ...]    # save reference outputs from build/executed
    python -m booktools.chapters record --from DIR            # ... from the executed notebooks in DIR
    python -m booktools.chapters normalise [--check]          # store chapters in the form JupyterLab saves

Chapters are stored in the exact text that jupytext writes when JupyterLab saves them (``normal_form``),
so opening a chapter in JupyterLab and saving it changes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from helpers.cache import atomic_write

from . import student
from .student import fold_paragraphs

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
CHAPTERS = BOOK / "chapters"
SNAPSHOTS = ROOT / "tests" / "snapshots"
CHECK_TAG = "nbval-check-output"
SNAPSHOT_KEY = "snapshot"
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Everything a chapter's execution can read besides its own source: when any of it changes, an
# executed notebook is stale. (Caches under results/ are excluded: they are keyed by themselves.)
_INPUTS = ("src/helpers", "results", "data", "requirements.txt")


def chapter_paths() -> list[Path]:
    """Every chapter source, in book order (file names start with the chapter number)."""
    return sorted(CHAPTERS.glob("*.md"))


def select(stems: list[str] | None) -> list[Path]:
    """The chapters named by ``stems`` (all when empty); an unknown name raises ``SystemExit``."""
    paths = chapter_paths()
    if not stems:
        return paths
    unknown = sorted(set(stems) - {p.stem for p in paths})
    if unknown:
        raise SystemExit(f"chapters: no chapter named {unknown}; chapters are {[p.stem for p in paths]}")
    return [p for p in paths if p.stem in stems]


def read_chapter(path: Path) -> nbformat.NotebookNode:
    """A chapter as an in-memory notebook (no outputs)."""
    return jupytext.read(path)


# The kernelspec as JupyterLab writes it once the book's kernel (ipykernel's python3) is attached: a
# chapter that says anything else is changed by JupyterLab on opening, and rewritten on saving.
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
JUPYTEXT_FORMAT = "md:myst"


def _normalised_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` with JupyterLab's kernelspec and figure captions folded to one line per paragraph."""
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if isinstance(figure.get("caption"), str):
            figure["caption"] = fold_paragraphs(figure["caption"])
    return nb


def normal_form(text: str) -> str:
    """A chapter's source as jupytext writes it when JupyterLab saves the chapter, same content.

    Two things besides jupytext's own layout (options of nested metadata as a YAML block, a blank line
    after cell options, its version in the header): the kernelspec JupyterLab sets (``KERNELSPEC``), and
    figure captions written one line per paragraph. A caption's line breaks are spaces in Markdown, but
    jupytext's YAML writer would quote a multi-line caption with every break doubled; folded, it writes a
    plain wrapped string (and a caption line that started with "1." no longer starts a list)."""
    nb = _normalised_notebook(jupytext.reads(text, fmt=JUPYTEXT_FORMAT))
    out = jupytext.writes(nb, fmt=JUPYTEXT_FORMAT)
    if _content(jupytext.reads(out, fmt=JUPYTEXT_FORMAT)) != _content(_normalised_notebook(
            jupytext.reads(text, fmt=JUPYTEXT_FORMAT))):
        raise RuntimeError("internal: jupytext's form of the chapter has other cells or metadata")  # pragma: no cover
    return out


def _content(nb: nbformat.NotebookNode) -> list:
    """What a chapter holds: every cell's type, source and metadata (tags, snapshot names, figures)."""
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells] + [dict(nb.metadata.get("kernelspec", {}))]


def normalise(stems: list[str] | None = None, *, check: bool = False) -> list[Path]:
    """Rewrite chapters (all when ``stems`` is empty) in ``normal_form``; return those that changed.

    With ``check``, nothing is written: the chapters that are not in normal form are only returned."""
    changed = []
    for path in select(stems):
        text = path.read_text(encoding="utf-8")
        new = normal_form(text)
        if new != text:
            changed.append(path)
            if not check:
                atomic_write(path, new.encode("utf-8"))
    return changed


def checked_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Code cells whose outputs nbval compares with the recorded ones."""
    return [c for c in nb.cells if c.cell_type == "code" and CHECK_TAG in c.metadata.get("tags", [])]


def snapshot_names(nb: nbformat.NotebookNode, chapter: str) -> list[str]:
    """The names of a chapter's checked cells, in order; each must be present, well formed and unique."""
    names = []
    for cell in checked_cells(nb):
        name = cell.metadata.get(SNAPSHOT_KEY)
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"{chapter}: a cell tagged {CHECK_TAG} needs ':{SNAPSHOT_KEY}: <name>' "
                             f"(lower-case words joined by '-'); got {name!r} on:\n    {cell.source[:70]!r}")
        if name in names:
            raise ValueError(f"{chapter}: two checked cells are named {name!r}")
        names.append(name)
    return names


def _clean(outputs: list) -> list:
    """Outputs without execution counts, so recordings do not change when nothing else does."""
    cleaned = []
    for out in outputs:
        out = dict(out)
        if "execution_count" in out:
            out["execution_count"] = None
        cleaned.append(out)
    return cleaned


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs_version() -> str:
    """A hash of everything chapters read besides their own source: helpers, results, data, pins."""
    files = []
    for name in _INPUTS:
        top = ROOT / name
        found = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()) if top.exists() else []
        files += [p for p in found if ".cache" not in p.parts and "__pycache__" not in p.parts]
    return _fingerprint(files)


def execution_key(path: Path, inputs: str | None = None) -> str:
    """What an executed chapter depends on: its source, ``inputs_version()``, Python and the machine type."""
    inputs = inputs or inputs_version()
    digest = hashlib.sha256(path.read_bytes())
    digest.update(f"{inputs}|{platform.python_version()}|{platform.machine()}".encode())
    return digest.hexdigest()


def snapshot_file(stem: str) -> Path:
    """Where a chapter's reference outputs are kept."""
    return SNAPSHOTS / f"{stem}.json"


def save_snapshots(path: Path, executed: nbformat.NotebookNode) -> int:
    """Save the outputs of the checked cells of an executed chapter; return how many were saved."""
    names = snapshot_names(executed, path.stem)
    failed = [c for c in executed.cells if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    if failed:
        raise SystemExit(f"{path.name}: a cell failed, nothing recorded:\n    {failed[0].source[:70]!r}")
    snap = {name: _clean(cell.outputs) for name, cell in zip(names, checked_cells(executed))}
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    atomic_write(snapshot_file(path.stem), (json.dumps(snap, indent=1, sort_keys=True) + "\n").encode())
    return len(snap)


def record(stems: list[str] | None = None, executed_dir: Path | None = None) -> None:
    """Save reference outputs of the chapters named by ``stems`` (default all).

    From the notebooks in ``executed_dir`` (default ``build/executed``, which ``make test``, ``make book``
    and ``python -m booktools.execute build/executed`` write), provided each was executed from the
    current source and code: ``make snapshots`` executes what is stale first, then records."""
    paths = select(stems)
    executed_dir = ROOT / "build" / "executed" if executed_dir is None else Path(executed_dir)
    inputs = inputs_version()
    for path in paths:
        target = Path(executed_dir) / f"{path.stem}.ipynb"
        if not target.exists():
            raise SystemExit(f"{target}: no executed notebook; run the chapter first (make test or make book)")
        nb = nbformat.read(target, as_version=4)
        if nb.metadata.get("mirage", {}).get("execution_key") != execution_key(path, inputs):
            raise SystemExit(f"{target}: executed from another version of the chapter or helpers; execute it "
                             f"again (python -m booktools.execute {executed_dir} {path.stem}) or run make snapshots")
        print(f"{path.name}: {save_snapshots(path, nb)} checked cells recorded")


# Executing a student notebook top to bottom repeats the chapter up to its first solution, then runs the
# placeholders. Where the student notebook is exactly that (every placeholder raises before it does
# anything), the chapter's own nbval run checks it: the placeholders run in the chapter's kernel just
# before its first solution cell, each expected to raise its NotImplementedError (booktools.nbval_plugin).
STUDENT_CHECK = "student_check"  # the key, in a cell's metadata["mirage"], of a placeholder nbval runs
RAISES_TAG = "raises-exception"  # nbval's tag: the cell may raise, its error is an output


@dataclass(frozen=True)
class PlaceholderRun:
    """Where a chapter's nbval run executes its student notebook's placeholders, and those cells."""

    before_code_cell: int  # the chapter's code cell (0-based, among code cells) they run before
    cells: tuple  # the placeholder code cells, tagged RAISES_TAG, metadata[student.META][STUDENT_CHECK] = label


def _raises_first(source: str, label: str) -> bool:
    """Whether ``source`` does nothing but raise the placeholder's NotImplementedError (comments before)."""
    for line in source.splitlines():
        if line.strip() == "" or line.lstrip().startswith("#"):
            continue
        return line == f'raise NotImplementedError("Exercise {label}")'
    return False


def placeholder_run(path: Path, refs: student.References | None = None) -> PlaceholderRun | None:
    """How the chapter at ``path`` can check its student notebook in its own run; None where it cannot.

    It can when the student notebook's code cells are the chapter's first code cells, unchanged, followed
    by placeholders only, each raising before any other statement: then running those placeholders in the
    chapter's kernel right after the shared cells is exactly executing the student notebook, and leaves
    the kernel as it was for the rest of the chapter."""
    chapter = [c.source for c in read_chapter(path).cells if c.cell_type == "code"]
    nb, exercises = student.student_notebook(path, refs)
    code = [c for c in nb.cells if c.cell_type == "code"]
    shared = 0
    while shared < min(len(chapter), len(code)) and code[shared].source == chapter[shared]:
        shared += 1
    tail = code[shared:]
    labels = [c.metadata.get(student.META, {}).get("exercise") for c in tail]
    if labels != [e.label for e in exercises] or not all(_raises_first(c.source, lab) for c, lab in zip(tail, labels)):
        return None
    cells = []
    for cell, label in zip(tail, labels):
        run = nbformat.v4.new_code_cell(cell.source)
        run.metadata["tags"] = [RAISES_TAG]
        run.metadata[student.META] = {STUDENT_CHECK: label}
        cells.append(run)
    return PlaceholderRun(shared, tuple(cells))


def with_placeholders(nb: nbformat.NotebookNode, run: PlaceholderRun | None) -> nbformat.NotebookNode:
    """``nb`` (a chapter) with its student notebook's placeholders inserted where ``run`` says (in place)."""
    if run is None:
        return nb
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    at = code[run.before_code_cell] if run.before_code_cell < len(code) else len(nb.cells)
    nb.cells[at:at] = [nbformat.from_dict(dict(c)) for c in run.cells]
    return nb


def without_placeholders(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without the placeholder cells ``with_placeholders`` put in, code cells numbered again (in place)."""
    nb.cells = [c for c in nb.cells if STUDENT_CHECK not in c.metadata.get(student.META, {})]
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.execution_count is not None:
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = count
    return nb


def prepare(outdir: Path) -> None:
    """Write each chapter as ``outdir/<chapter>.ipynb`` for nbval: the recorded outputs of its checked cells
    in place, and its student notebook's placeholders where that notebook runs them (``placeholder_run``)."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("*.ipynb"):
        old.unlink()
    problems = []
    inputs = inputs_version()
    refs = student.book_references(CHAPTERS)
    for path in chapter_paths():
        nb = read_chapter(path)
        snap_file = snapshot_file(path.stem)
        snap = json.loads(snap_file.read_text()) if snap_file.exists() else {}
        try:
            names = snapshot_names(nb, path.name)
        except ValueError as err:
            problems.append(str(err))
            continue
        for name, cell in zip(names, checked_cells(nb)):
            if name not in snap:
                problems.append(f"{path.name}: checked cell {name!r} has no recorded output")
                continue
            cell.outputs = [nbformat.from_dict(o) for o in snap[name]]
            cell.execution_count = 1  # nbval treats a cell without a count as never run
        unused = sorted(set(snap) - set(names))
        if unused:
            problems.append(f"{path.name}: recorded outputs {unused} belong to no checked cell")
        nb.metadata["mirage"] = {"chapter": path.stem, "execution_key": execution_key(path, inputs)}
        with_placeholders(nb, placeholder_run(path, refs))
        nbformat.write(nb, outdir / f"{path.stem}.ipynb")
    if problems:
        sys.exit("\n".join(problems) + "\nRecord reference outputs with `make snapshots` "
                 "(execute, then `python -m booktools.chapters record NN_topic`), review the diff, commit.")
    print(f"{len(chapter_paths())} chapters written to {outdir}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write scratch notebooks for nbval")
    p.add_argument("outdir", type=Path)
    r = sub.add_parser("record", help="record the outputs of checked cells")
    r.add_argument("chapters", nargs="*", help="chapter file stems, e.g. 02_toy_model (default: all)")
    r.add_argument("--from", dest="executed_dir", type=Path, default=None,
                   help="take outputs from the executed notebooks in this folder (default build/executed)")
    n = sub.add_parser("normalise", help="rewrite chapters in the form JupyterLab (jupytext) saves them")
    n.add_argument("chapters", nargs="*", help="chapter file stems (default: all)")
    n.add_argument("--check", action="store_true", help="write nothing; exit 1 naming chapters not in that form")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.outdir)
    elif args.command == "normalise":
        changed = normalise(args.chapters, check=args.check)
        names = ", ".join(p.name for p in changed) or "none"
        if args.check:
            if changed:
                sys.exit(f"not in the form JupyterLab saves: {names}; run `python -m booktools.chapters normalise`")
            print("every chapter is in the form JupyterLab saves")
        else:
            print(f"chapters rewritten in the form JupyterLab saves: {names}")
    else:
        record(args.chapters, args.executed_dir)


if __name__ == "__main__":
    main()
