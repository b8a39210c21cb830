"""The book as a reader gets it: it builds with no warning, and the built HTML works offline.

One Jupyter Book build (which executes every chapter) is shared by all tests in this module.
"""

from __future__ import annotations

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


@pytest.mark.parametrize("chapter", [p.stem for p in chapter_paths()])
def test_chapter_page_is_complete(html: Path, chapter: str) -> None:
    text = (html / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    assert "Learning goals" in text, "no learning goals"
    figures = text.count("<figure")
    assert figures >= 1, "no figure"
    assert text.count("<figcaption") == figures, "a figure has no caption"
    assert text.count('class="exercise admonition"') >= 2, "fewer than 2 exercises"
    assert text.count("solution dropdown") >= 2, "solutions are missing or not hidden in a dropdown"


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
