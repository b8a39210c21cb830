"""The book as a reader gets it: it builds with no warning, and the built HTML works offline.

One Jupyter Book build is shared by all tests in this module. It is made from the chapters that nbval
executed (``make test`` runs nbval first and keeps what it executed in ``build/executed``), so every
chapter is executed once for both the checks and the book; run alone, this module executes any chapter
whose executed notebook is missing or stale first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from booktools import build, execute
from booktools.chapters import CHECK_TAG, chapter_paths, checked_cells, read_chapter, select, snapshot_names

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
STYLESHEET = re.compile(r"<link\b[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", re.I)
# A displayed ipywidget is a view script; its models are in an embedded widget-state script. The static
# book shows none: live(...) explorers need a kernel (their cells are tagged remove-cell), and each has a
# scrubber(...) player beside it, one player div each.
WIDGET_SCRIPT = re.compile(r"<script\b[^>]*type=\"application/vnd\.jupyter\.widget-(?:view|state)\+json\"", re.I)
LIVE_CALL = re.compile(r"^live\(", re.M)
PLAYER = re.compile(r"<div class=\"animation\">")
DIV_CLASSES = re.compile(r"<div\b[^>]*\bclass=\"([^\"]*)\"", re.I)
TOGGLE_SELECTOR = re.compile(r"var togglebuttonSelector = '([^']+)';")
MIN_EXERCISES = 3


def toc_files() -> list[str]:
    """Every document the table of contents lists, e.g. 'chapters/02_toy_model'."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.fixture(scope="module")
def html() -> Path:
    """Build the book once from the executed chapters (warnings are errors) and return the HTML folder."""
    stale = build.stale_chapters(build.EXECUTED)
    if stale:  # run alone, not after nbval: execute what is missing
        execute.execute_chapters(select(stale), build.EXECUTED, progress=False)
    try:
        return build.build(build.EXECUTED)
    except build.BuildError as err:
        pytest.fail(str(err), pytrace=False)


def pages(html: Path) -> list[Path]:
    return [html / f"{name}.html" for name in toc_files()]


def test_every_toc_entry_is_built(html: Path) -> None:
    missing = [p for p in pages(html) if not p.exists()]
    assert not missing, f"pages not built: {missing}"


def test_no_script_or_stylesheet_from_the_network(html: Path) -> None:
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        remote = [s for s in SCRIPT_SRC.findall(text) + STYLESHEET.findall(text) if re.match(r"(https?:)?//", s)]
        assert not remote, f"{page.relative_to(html)} loads {remote}"


def test_offline_javascript_is_served_by_the_site(html: Path) -> None:
    for page in pages(html):
        sources = [s.split("?")[0] for s in SCRIPT_SRC.findall(page.read_text(encoding="utf-8"))]
        mathjax = [s for s in sources if "mathjax" in s]
        # Sphinx loads MathJax only where there is math; every chapter has some.
        expected = 1 if page.parent.name == "chapters" else len(mathjax[:1])
        assert len(mathjax) == expected, f"{page.name}: expected {expected} MathJax script, got {mathjax}"
        for src in sources:
            assert (page.parent / src).resolve().is_file(), f"{page.name}: {src} is not in the built site"
    fonts = html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert any(fonts.glob("*.woff")), "MathJax fonts are not in the built site"


def test_no_page_shows_frozen_widget_controls(html: Path) -> None:
    for page in pages(html):
        scripts = WIDGET_SCRIPT.findall(page.read_text(encoding="utf-8"))
        assert not scripts, f"{page.name} embeds ipywidgets, which cannot move without a kernel"


def solution_divs(text: str) -> list[set[str]]:
    """The class sets of every solution block (sphinx-exercise) on one built page."""
    return [set(c.split()) for c in DIV_CLASSES.findall(text) if "solution" in c.split()]


def toggled_by(classes: set[str], selector: str) -> bool:
    """Whether an element with ``classes`` matches a selector list of class chains like '.toggle, .a.b'."""
    chains = [part.strip() for part in selector.split(",")]
    return any(chain.startswith(".") and set(chain[1:].split(".")) <= classes for chain in chains)


@pytest.mark.parametrize("chapter", [p.stem for p in chapter_paths()])
def test_every_live_widget_has_a_static_player(html: Path, chapter: str) -> None:
    nb = read_chapter(BOOK / "chapters" / f"{chapter}.md")
    live_cells = [c for c in nb.cells if c.cell_type == "code" and LIVE_CALL.search(c.source)]
    hidden = [c for c in live_cells if "remove-cell" in c.metadata.get("tags", [])]
    assert hidden == live_cells, "a live(...) cell is not tagged remove-cell: its controls would be dead in the book"
    text = (html / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    players = len(PLAYER.findall(text))
    assert players >= len(live_cells), f"{len(live_cells)} live widgets but only {players} static players (scrubber)"


@pytest.mark.parametrize("chapter", [p.stem for p in chapter_paths()])
def test_solutions_are_hidden_and_open_on_click_from_the_local_site(html: Path, chapter: str) -> None:
    page = html / "chapters" / f"{chapter}.html"
    text = page.read_text(encoding="utf-8")
    exercises = text.count('class="exercise admonition"')
    solutions = solution_divs(text)
    assert exercises >= MIN_EXERCISES, f"{exercises} exercises; every chapter needs {MIN_EXERCISES} or more"
    assert len(solutions) == exercises, f"{exercises} exercises but {len(solutions)} solutions"
    assert all("dropdown" in c for c in solutions), "a solution is not in a dropdown"
    # sphinx-togglebutton folds the dropdowns and opens them on click: its script, stylesheet and
    # selector must be on the page, served by the site, and the selector must match every solution
    scripts = [s.split("?")[0] for s in SCRIPT_SRC.findall(text)]
    sheets = [s.split("?")[0] for s in STYLESHEET.findall(text)]
    for name, found in (("togglebutton.js", scripts), ("togglebutton.css", sheets)):
        local = [s for s in found if s.endswith(name)]
        assert local, f"{name} is not loaded"
        assert all((page.parent / s).resolve().is_file() for s in local), f"{name} is not in the built site"
    selector = set(TOGGLE_SELECTOR.findall(text))  # the theme and Jupyter Book may each set it, identically
    assert len(selector) == 1, f"the toggle-button selector is not configured once on the page: {selector}"
    selector = sorted(selector)
    assert all(toggled_by(c, selector[0]) for c in solutions), f"selector {selector[0]!r} misses a solution"


@pytest.mark.parametrize("chapter", [p.stem for p in chapter_paths()])
def test_chapter_page_is_complete(html: Path, chapter: str) -> None:
    text = (html / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    assert "Learning goals" in text, "no learning goals"
    figures = text.count("<figure")
    assert figures >= 1, "no figure"
    assert text.count("<figcaption") == figures, "a figure has no caption"
    assert text.count('class="exercise admonition"') >= MIN_EXERCISES, f"fewer than {MIN_EXERCISES} exercises"


@pytest.mark.parametrize("chapter", [p.stem for p in chapter_paths()])
def test_figures_have_alt_text_not_file_paths(html: Path, chapter: str) -> None:
    text = (html / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    figures = re.findall(r"<figure\b.*?</figure>", text, re.S)
    for fig in figures:
        alts = re.findall(r'<img\b[^>]*\balt="([^"]*)"', fig)
        assert alts and all(len(a) > 20 and not re.search(r"\.(png|svg|jpe?g)$", a) for a in alts), alts


@pytest.mark.parametrize("path", chapter_paths(), ids=lambda p: p.stem)
def test_chapter_source_is_a_checked_jupytext_notebook(path: Path) -> None:
    nb = read_chapter(path)
    assert nb.metadata["jupytext"]["text_representation"]["format_name"] == "myst"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert len(checked_cells(nb)) >= 2, f"fewer than 2 cells tagged {CHECK_TAG}"
    assert len(snapshot_names(nb, path.name)) == len(checked_cells(nb))  # raises naming a missing or repeated name
    assert not path.with_suffix(".ipynb").exists(), "an .ipynb next to the .md makes Jupyter Book see two documents"


def test_no_notebook_files_in_the_book_sources() -> None:
    stray = [p for p in BOOK.rglob("*.ipynb") if "_build" not in p.parts]
    assert not stray, f".ipynb files in book/: {stray}"


def test_instructor_page_shows_the_real_check_signatures() -> None:
    import inspect

    from helpers import coursework

    text = (BOOK / "instructor.md").read_text(encoding="utf-8")
    shown = re.findall(r"`(check_\w+)\(([^`]*)\)`", text)
    assert shown, "instructor.md names no self-check"
    for name, args in shown:
        fn = getattr(coursework, name, None)
        assert fn is not None, f"instructor.md names {name}, which helpers.coursework does not have"
        real = [q.name for q in inspect.signature(fn).parameters.values()]
        given = [a.split("=")[0].strip() for a in args.split(",") if a.strip()]
        assert given == real, f"instructor.md shows {name}({args}); the function takes {real}"


def test_instructor_page_needs_no_sideways_scrolling() -> None:
    # Wide tables were cut off on the rendered page: the page uses lists, and any table stays narrow.
    text = (BOOK / "instructor.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.lstrip().startswith("|")]
    wide = [row for row in rows if len(row) > 100 or row.count("|") > 5]
    assert not wide, f"a table row too wide for the page: {wide[0][:80]!r}"


# What a reader of the static page sees in a cell's output: printed text and plain-text results (figures
# and HTML tables are laid out by the browser). A line longer than this is cut off at the page's edge.
MAX_OUTPUT_LINE = 88
# Reprs that show the machinery instead of a number, progress bars, and timings a rerun would not repeat.
NOISE = re.compile(r"np\.float\d+\(|np\.int\d+\(|torch\.Size\(|tensor\(|it/s\]|s/it\]|\d+/\d+ \[\d\d:\d\d|time so far")
# TeX in a caption outside $...$ is shown raw (a caption is plain text to the reader): 10^10, e^{-x}, \eps.
RAW_TEX = re.compile(r"\^|\\[a-zA-Z]+|_\{")


def visible_outputs(chapter: str) -> list[tuple[int, str]]:
    """(cell index, output text) of every text output the book shows for ``chapter``'s executed notebook."""
    import nbformat

    nb = nbformat.read(build.EXECUTED / f"{chapter}.ipynb", as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or {"remove-cell", "remove-output"} & set(tags):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                found.append((index, out["text"]))
            elif "data" in out and "text/html" not in out["data"] and "image/png" not in out["data"]:
                found.append((index, out["data"].get("text/plain", "")))
    return found


@pytest.mark.parametrize("chapter", [p.stem for p in chapter_paths()])
def test_outputs_fit_the_page_and_show_numbers_not_reprs(html: Path, chapter: str) -> None:
    for index, text in visible_outputs(chapter):
        lines = text.rstrip("\n").split("\n")
        long = [line for line in lines if len(line) > MAX_OUTPUT_LINE]
        assert not long, f"cell {index}: an output line of {len(long[0])} characters (> {MAX_OUTPUT_LINE}): {long[0][:60]!r}"
        noise = NOISE.search(text)
        assert not noise, f"cell {index}: the output shows {noise.group(0)!r} (a repr, progress bar or timing)"


def figure_captions(path: Path) -> list[str]:
    """The caption of every mystnb figure in a chapter's source."""
    nb = read_chapter(path)
    return [c.metadata["mystnb"]["figure"]["caption"] for c in nb.cells
            if c.cell_type == "code" and "figure" in c.metadata.get("mystnb", {})]


@pytest.mark.parametrize("path", chapter_paths(), ids=lambda p: p.stem)
def test_captions_show_math_typeset_not_raw_tex(path: Path) -> None:
    for caption in figure_captions(path):
        prose = re.sub(r"\$[^$]+\$|`[^`]+`", "", caption)  # math and code are typeset
        raw = RAW_TEX.search(prose)
        assert not raw, f"raw TeX {raw.group(0)!r} outside $...$ in the caption {caption[:70]!r}"
        assert not re.search(r"(^|\n)\s*(\d+\.|[-*+]) ", caption), f"the caption parses as a list: {caption[:70]!r}"
