"""Student notebooks: every chapter as an ``.ipynb`` with the solutions taken out.

    python -m booktools.student OUTDIR        # writes OUTDIR/<chapter>.ipynb for every chapter

Each chapter (a jupytext MyST notebook in ``book/chapters``) is read with jupytext. Everything
between a ````{solution-start}```` marker and its ````{solution-end}```` marker is dropped,
markdown and code alike. Each ``{exercise}`` block becomes a plain-markdown heading and text (so it
reads well in JupyterLab without MyST support), followed by a placeholder code cell::

    # Exercise 2.3 (ex-toy-width): your answer here.
    # Check it with: check_toy_width(width)
    raise NotImplementedError("Exercise ex-toy-width")

The check line appears where ``helpers.coursework`` has a self-check for that exercise. Executed
top to bottom, a student notebook fails only at its placeholders, each with a NotImplementedError
naming its exercise. No notebook is ever written next to a chapter's ``.md``.
"""

from __future__ import annotations

import argparse
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers import coursework

__all__ = ["Exercise", "placeholder_source", "student_notebook", "export", "main"]

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "book" / "chapters"

_FENCE = r"(?P<fence>`{3,}|:{3,})"
_OPEN = {
    name: re.compile(rf"^\s*{_FENCE}\{{{name}\}}\s*(?P<arg>\S*)\s*$")
    for name in ("exercise", "solution-start", "solution-end", "solution")
}
_LABEL = re.compile(r"^\s*:label:\s*(?P<label>\S+)\s*$")
_OPTION = re.compile(r"^\s*:[\w-]+:")


@dataclass(frozen=True)
class Exercise:
    """An exercise of a chapter: its label and its number, as in 'Exercise 2.3'."""

    label: str
    number: str


def _chapter_number(path: Path) -> str:
    """'02_toy_model.md' -> '2' (the number the file name starts with), else the file stem."""
    m = re.match(r"(\d+)", path.stem)
    return str(int(m.group(1))) if m else path.stem


def placeholder_source(exercise: Exercise) -> str:
    """Source of the code cell a student fills in for ``exercise``."""
    lines = [f"# Exercise {exercise.number} ({exercise.label}): your answer here."]
    name = coursework.check_name(exercise.label)
    check = getattr(coursework, name, None)
    if check is not None:
        params = ", ".join(p for p in inspect.signature(check).parameters
                           if inspect.signature(check).parameters[p].default is inspect.Parameter.empty)
        lines.append(f"# Check it with: {name}({params})")
    lines.append(f'raise NotImplementedError("Exercise {exercise.label}")')
    return "\n".join(lines)


def _block_end(lines: list[str], start: int, fence: str) -> int:
    """Index of the line that closes the directive opened at ``start`` with ``fence``."""
    for i in range(start + 1, len(lines)):
        if lines[i].strip() == fence:
            return i
    raise ValueError(f"directive opened with {fence!r} at line {start + 1} is never closed")


def _exercise_markdown(block: list[str], exercise: Exercise) -> list[str]:
    """An ``{exercise}`` directive's lines as plain markdown: a heading, then the body without options."""
    body = block[1:-1]
    while body and (_OPTION.match(body[0]) or not body[0].strip()):
        body = body[1:]
    return [f"### Exercise {exercise.number} (`{exercise.label}`)", "", *body]


def student_notebook(path: Path) -> tuple[nbformat.NotebookNode, list[Exercise]]:
    """The chapter at ``path`` as a student notebook, and its exercises in order."""
    import jupytext  # a book dependency, not one of the helper package's own

    nb = jupytext.read(path)
    chapter = _chapter_number(path)
    cells: list[nbformat.NotebookNode] = []
    exercises: list[Exercise] = []
    in_solution = False

    def flush(buffer: list[str]) -> None:
        text = "\n".join(buffer).strip("\n")
        if text.strip():
            cells.append(nbformat.v4.new_markdown_cell(text))
        buffer.clear()

    for cell in nb.cells:
        if cell.cell_type != "markdown":
            if not in_solution:
                cells.append(cell)
            continue
        lines = cell.source.splitlines()
        buffer: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if in_solution:
                m = _OPEN["solution-end"].match(line)
                if m:
                    i = _block_end(lines, i, m["fence"])
                    in_solution = False
                i += 1
                continue
            m = _OPEN["solution-start"].match(line)
            if m:
                i = _block_end(lines, i, m["fence"]) + 1
                in_solution = True
                continue
            m = _OPEN["solution"].match(line)
            if m:  # an ungated solution: drop the whole block
                i = _block_end(lines, i, m["fence"]) + 1
                continue
            m = _OPEN["exercise"].match(line)
            if m:
                end = _block_end(lines, i, m["fence"])
                block = lines[i:end + 1]
                labels = [lm["label"] for lm in map(_LABEL.match, block) if lm]
                if not labels:
                    raise ValueError(f"{path.name}: an exercise has no :label:")
                exercise = Exercise(labels[0], f"{chapter}.{len(exercises) + 1}")
                exercises.append(exercise)
                buffer += _exercise_markdown(block, exercise)
                flush(buffer)
                cells.append(nbformat.v4.new_code_cell(placeholder_source(exercise)))
                i = end + 1
                continue
            buffer.append(line)
            i += 1
        flush(buffer)
    if in_solution:
        raise ValueError(f"{path.name}: a solution-start has no solution-end")

    student = nbformat.v4.new_notebook(cells=cells)
    student.metadata = {k: v for k, v in nb.metadata.items() if k != "jupytext"}
    for cell in student.cells:
        cell.id = nbformat.corpus.words.generate_corpus_id()  # fresh and unique, so the notebook validates
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student, exercises


def export(outdir: Path, chapters: Path = CHAPTERS) -> list[Path]:
    """Write one student notebook per chapter in ``chapters`` to ``outdir``; return their paths."""
    outdir, chapters = Path(outdir).resolve(), Path(chapters).resolve()
    if not chapters.is_dir():
        raise ValueError(f"chapters must be a folder of chapter .md files; got {str(chapters)!r}")
    sources = sorted(chapters.glob("*.md"))
    if not sources:
        raise ValueError(f"chapters holds no .md chapters: {str(chapters)!r}")
    if outdir == chapters or outdir.is_relative_to(chapters.parent):
        raise ValueError(f"outdir must be outside the book sources (no .ipynb next to a .md); got {str(outdir)!r}")
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        nb, _ = student_notebook(src)
        target = outdir / f"{src.stem}.ipynb"
        nbformat.write(nb, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path, help="folder for the student notebooks, e.g. build/student")
    parser.add_argument("--chapters", type=Path, default=CHAPTERS, help="folder of chapter .md files")
    args = parser.parse_args(argv)
    written = export(args.outdir, args.chapters)
    print(f"{len(written)} student notebooks written to {args.outdir}: " + ", ".join(p.name for p in written))


if __name__ == "__main__":
    main()
