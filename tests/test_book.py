"""The book as a reader gets it: it builds with no warning, and the built HTML works offline.

One Jupyter Book build (which executes every chapter) is shared by all tests in this module.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.notebooks import CHECK_TAG, chapter_paths, checked_cells, read_chapter

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
OUT = ROOT / "build" / "test-book"
SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
STYLESHEET = re.compile(r"<link\b[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", re.I)
# Every displayed widget is one view script naming its model; the models (sliders, output) are in the
# page's single embedded widget-state script. A live(...) explorer is an ipywidgets ``interactive``, a
# VBox with the DOM class "widget-interact" (a tqdm progress bar is a view too, but not an explorer).
# One scrubber(...) is one player div.
WIDGET_VIEW = re.compile(r"<script\b[^>]*type=\"application/vnd\.jupyter\.widget-view\+json\"[^>]*>(.*?)</script>",
                         re.I | re.S)
WIDGET_STATE = re.compile(r"<script\b[^>]*type=\"application/vnd\.jupyter\.widget-state\+json\"[^>]*>(.*?)</script>",
                          re.I | re.S)
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
    """Build the book once (warnings are errors, a failing cell fails) and return the HTML folder."""
    if OUT.exists():
        shutil.rmtree(OUT)
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", str(BOOK), "--path-output", str(OUT), "--warningiserror", "--keep-going"],
        capture_output=True, text=True,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"jupyter-book build failed:\n{log[-6000:]}"
    warnings = [line for line in log.splitlines() if "WARNING:" in line and "IPKernelApp" not in line]
    assert not warnings, "build warnings:\n" + "\n".join(warnings)
    return OUT / "_build" / "html"


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


def test_widget_pages_load_the_local_widget_manager(html: Path) -> None:
    widget_pages = [p for p in pages(html) if "application/vnd.jupyter.widget-view+json" in p.read_text(encoding="utf-8")]
    assert widget_pages, "no page embeds a widget"
    for page in widget_pages:
        text = page.read_text(encoding="utf-8")
        assert "_static/require.js" in text and "_static/html-manager/embed-amd.js" in text, page.name
        assert "application/vnd.jupyter.widget-state+json" in text, f"{page.name}: widget state not embedded"
        assert 'class="animation"' in text, f"{page.name}: live widget without a static (JavaScript) player"


def widget_and_player_counts(text: str) -> tuple[int, int]:
    """(live explorers displayed, static JavaScript players) on one built page."""
    views = [json.loads(v)["model_id"] for v in WIDGET_VIEW.findall(text)]
    states = WIDGET_STATE.findall(text)
    if views and len(states) != 1:
        raise AssertionError(f"{len(views)} widget views but {len(states)} embedded widget states")
    models = json.loads(states[0])["state"] if views else {}
    missing = [v for v in views if v not in models]
    if missing:
        raise AssertionError(f"widget views without a model in the embedded state: {missing}")
    explorers = [v for v in views if "widget-interact" in models[v]["state"].get("_dom_classes", [])]
    return len(explorers), len(PLAYER.findall(text))


def solution_divs(text: str) -> list[set[str]]:
    """The class sets of every solution block (sphinx-exercise) on one built page."""
    return [set(c.split()) for c in DIV_CLASSES.findall(text) if "solution" in c.split()]


def toggled_by(classes: set[str], selector: str) -> bool:
    """Whether an element with ``classes`` matches a selector list of class chains like '.toggle, .a.b'."""
    chains = [part.strip() for part in selector.split(",")]
    return any(chain.startswith(".") and set(chain[1:].split(".")) <= classes for chain in chains)


@pytest.mark.parametrize("chapter", [p.stem for p in chapter_paths()])
def test_every_live_widget_has_a_static_player(html: Path, chapter: str) -> None:
    text = (html / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    widgets, players = widget_and_player_counts(text)
    assert players >= widgets, f"{widgets} live widgets but only {players} static players (scrubber)"


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


@pytest.mark.parametrize("path", chapter_paths(), ids=lambda p: p.stem)
def test_chapter_source_is_a_checked_jupytext_notebook(path: Path) -> None:
    nb = read_chapter(path)
    assert nb.metadata["jupytext"]["text_representation"]["format_name"] == "myst"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert len(checked_cells(nb)) >= 2, f"fewer than 2 cells tagged {CHECK_TAG}"
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
