"""Build the HTML book from executed chapters, with Jupyter Book's own execution off.

    python -m booktools.build [--executed build/executed] [--out book]

The book's sources (``book/``) are staged in ``build/book-src`` with each chapter replaced by its
executed notebook, and Jupyter Book builds them with warnings as errors into ``OUT/_build/html``.
Every executed notebook must be current (made from this chapter source and code version,
``booktools.chapters.execution_key``); a missing or stale one is an error that says which, so the book
never shows outputs that its sources would no longer produce.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

import nbformat

from . import chapters, execute

STAGE = chapters.ROOT / "build" / "book-src"
EXECUTED = chapters.ROOT / "build" / "executed"


class BuildError(RuntimeError):
    """The book could not be built from the executed chapters."""


def stale_chapters(executed: Path) -> list[str]:
    """Chapters whose executed notebook in ``executed`` is missing or not from the current sources."""
    inputs = chapters.inputs_version()
    return [p.stem for p in chapters.chapter_paths()
            if not execute.is_current(Path(executed) / f"{p.stem}.ipynb", chapters.execution_key(p, inputs))]


def alt_text(caption: str, limit: int = 250) -> str:
    """A figure's caption as plain text for its image's alt attribute (no markup, at most ``limit`` characters)."""
    text = re.sub(r"\{[\w:-]+\}`([^`]*)`", r"\1", caption)        # roles such as {numref}`fig-x`
    text = re.sub(r"\$+([^$]*)\$+", r"\1", text)                   # math, as written
    text = " ".join(re.sub(r"[*_`]", "", text).split())
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def add_alt_text(cell: nbformat.NotebookNode) -> None:
    """Give a figure cell's image its caption as alt text (myst-nb would otherwise write the file path)."""
    figure = cell.metadata.get("mystnb", {}).get("figure", {})
    if cell.cell_type == "code" and figure.get("caption"):
        image = cell.metadata["mystnb"].setdefault("image", {})
        image.setdefault("alt", alt_text(figure["caption"]))


REPEATED_ID = re.compile(r'id="(exercise|solution)-content"')


def unique_exercise_ids(html: str) -> str:
    """The page with each ``exercise-content``/``solution-content`` id numbered (``exercise-content-2``).

    sphinx-exercise gives the body of every exercise and solution the same id, so a page with several
    exercises repeats an id, which HTML forbids; nothing links to these ids, so numbering them is safe.
    """
    count: dict[str, int] = {}

    def number(m: re.Match) -> str:
        count[m.group(1)] = count.get(m.group(1), 0) + 1
        return f'id="{m.group(1)}-content-{count[m.group(1)]}"'

    return REPEATED_ID.sub(number, html)


def stage(executed: Path, stage_dir: Path = STAGE) -> Path:
    """Copy the book's sources to ``stage_dir``, chapters replaced by their executed notebooks."""
    stale = stale_chapters(executed)
    if stale:
        raise BuildError(f"executed notebooks missing or stale in {executed}: {stale}; "
                         "execute them with `python -m booktools.execute build/executed`")
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    ignore = shutil.ignore_patterns("_build", "_vendor", "assets", "chapters", "*.ipynb_checkpoints")
    shutil.copytree(chapters.BOOK, stage_dir, ignore=ignore)
    (stage_dir / "chapters").mkdir()
    for path in chapters.chapter_paths():
        nb = nbformat.read(Path(executed) / f"{path.stem}.ipynb", as_version=4)
        for cell in nb.cells:
            add_alt_text(cell)
        nbformat.write(nb, stage_dir / "chapters" / f"{path.stem}.ipynb")
    config = yaml.safe_load((chapters.BOOK / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"  # executed once already, by nbval or booktools.execute
    config["sphinx"]["config"]["html_static_path"] = [str(chapters.BOOK / name) for name in ("_css", "_vendor")]
    (stage_dir / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return stage_dir


def build(executed: Path = EXECUTED, out: Path = chapters.BOOK) -> Path:
    """Build the HTML book into ``out/_build/html`` from ``executed``; return that folder."""
    if not (chapters.BOOK / "_vendor" / ".copied").exists():
        raise BuildError("book/_vendor is missing: run `make setup` first (it installs the offline JavaScript)")
    src = stage(Path(executed))
    html = Path(out) / "_build" / "html"
    if html.exists():
        shutil.rmtree(html)  # no page of an earlier build may survive into this one
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(src), "--path-output", str(out), "--warningiserror",
                           "--keep-going", "--builder", "html"], capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    warnings = [line for line in log.splitlines() if "WARNING:" in line]
    if proc.returncode != 0 or warnings:
        raise BuildError("jupyter-book build failed:\n" + "\n".join(warnings or log.splitlines()[-60:]))
    for page in html.rglob("*.html"):
        text = page.read_text()
        fixed = unique_exercise_ids(text)
        if fixed != text:
            page.write_text(fixed)
    return html


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executed", type=Path, default=EXECUTED, help="folder of executed chapter notebooks")
    parser.add_argument("--out", type=Path, default=chapters.BOOK, help="the HTML goes to OUT/_build/html")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        html = build(args.executed, args.out)
    except BuildError as err:
        sys.exit(str(err))
    print(f"book built in {time.perf_counter() - start:.1f} s: file://{(html / 'index.html').resolve()}")


if __name__ == "__main__":
    main()
