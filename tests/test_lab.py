"""The book in JupyterLab, as a student opens it: MyST rendered, and a save that changes nothing.

A real JupyterLab server (127.0.0.1, random token, settings of its own) is started by each test and a
chapter or a student notebook is opened in headless Chromium (``booktools.labview``). Screenshots are
written to ``build/screenshots/`` to look at. Chromium is a system package (Debian: ``chromium``):
``.ci/run`` installs it; where it cannot be installed these tests skip, saying why, except in CI
(``CI`` set), where a missing Chromium fails them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from booktools import labview, student

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
CHAPTER = ROOT / "book" / "chapters" / "04_resolution.md"

if labview.chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing in CI: .ci/run installs it (apt-get install chromium)", pytrace=False)
    pytest.skip("Chromium is not installed (Debian: apt-get install chromium); the JupyterLab checks need it",
                allow_module_level=True)

pytestmark = pytest.mark.xdist_group("jupyterlab")  # one browser at a time on a small machine


def test_jupyterlab_myst_is_enabled_and_ok() -> None:
    out = subprocess.run([str(Path(sys.executable).with_name("jupyter")), "labextension", "list"],
                         capture_output=True, text=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    line = next((ln for ln in text.splitlines() if "jupyterlab-myst" in ln), "")
    assert "enabled" in line and "OK" in line, text


@pytest.fixture(scope="module")
def chapter_in_lab() -> dict:
    """Chapter 4 opened in JupyterLab (a screenshot taken), then saved there as a student would."""
    return labview.open_in_lab(CHAPTER, SHOTS / "chapter-04-lab.png", save=True)


def test_a_chapter_opens_with_its_myst_rendered(chapter_in_lab: dict) -> None:
    state = chapter_in_lab
    assert not state["extension_failures"], state["extension_failures"]  # every extension loaded as built
    assert state["myst_rendered"] >= state["markdown_cells"] - 2 > 0  # (a cell far below may still be pending)
    assert state["admonitions"] >= 1, "the learning-goals admonition is not rendered"
    assert not state["raw_class_option"], "':class: tip' shows as text: MyST is not rendered"
    assert state["raw_directives"] == 0 and state["math"] > 0


def test_a_student_notebook_opens_with_its_myst_rendered(tmp_path: Path) -> None:
    nb, _ = student.student_notebook(CHAPTER)
    path = tmp_path / "04_resolution.ipynb"
    nbformat.write(nb, path)
    state = labview.open_in_lab(path, SHOTS / "student-04-lab.png",
                                views=[("Figure 4.1.", SHOTS / "student-04-lab-figure.png"),
                                       ("Exercise 4.2 (", SHOTS / "student-04-lab-exercise.png")])
    assert not state["extension_failures"], state["extension_failures"]
    assert state["admonitions"] >= 1 and not state["raw_class_option"]
    assert state["raw_roles"] == 0, "citations or references left as raw roles"
    assert all((SHOTS / f"student-04-lab{end}.png").stat().st_size > 10_000 for end in ("", "-figure", "-exercise"))


def test_saving_a_chapter_in_jupyterlab_changes_nothing(chapter_in_lab: dict) -> None:
    # Opened and saved in JupyterLab (through jupytext), a chapter stored in its normal form comes back
    # byte for byte (`make normalise` writes that form).
    assert chapter_in_lab["saved_text"] == CHAPTER.read_text(encoding="utf-8"), "run `make normalise`"

