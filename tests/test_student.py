"""Tests of booktools.student: student notebooks hold no solutions, and run up to their placeholders.

All chapters are exported (with the same command ``make student`` runs) into a scratch folder, and each
student notebook is executed by its own test with the python3 kernel, so pytest-xdist runs them side by
side. Every error a student notebook raises must be the NotImplementedError of an exercise placeholder
naming that exercise; every other cell must run. Select these tests alone with
``pytest tests/test_student.py`` (or ``-k student``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from booktools import execute, student
from helpers import coursework as cw

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book" / "chapters").glob("*.md"))
STEMS = [p.stem for p in CHAPTERS]
PLACEHOLDER = re.compile(r'^raise NotImplementedError\("Exercise (?P<label>[\w-]+)"\)$', re.M)
SOLUTION = re.compile(r"^(`{3,})\{solution-start\}[^\n]*\n.*?^\1[ \t]*\n(?P<body>.*?)^`{3,}\{solution-end\}", re.S | re.M)
EXERCISE_LABEL = re.compile(r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*?[ \t]*:label:\s*(\S+)", re.M)
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(?:[ \t]*:[^\n]*\n)*(?P<src>.*?)^```[ \t]*$", re.S | re.M)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every chapter exported by the command line `make student` uses, into a scratch folder."""
    out = tmp_path_factory.mktemp("student")
    proc = subprocess.run([sys.executable, "-m", "booktools.student", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return {p.stem: p for p in sorted(out.glob("*.ipynb"))}


def solution_parts(text: str) -> tuple[list[str], list[str]]:
    """The code cells and prose paragraphs that lie between a chapter's solution markers."""
    code, prose = [], []
    for m in SOLUTION.finditer(text):
        body = m.group("body")
        code += [c.group("src").strip() for c in CODE_CELL.finditer(body)]
        rest = CODE_CELL.sub("", body)
        prose += [para.strip() for para in re.split(r"\n\s*\n", rest) if len(para.strip()) >= 30]
    return code, prose


def test_one_student_notebook_per_chapter(exported: dict[str, Path]) -> None:
    assert list(exported) == STEMS
    for path in exported.values():
        nbformat.validate(nbformat.read(path, as_version=4))
    assert not list((ROOT / "book" / "chapters").glob("*.ipynb")), "a notebook was written next to a chapter"


@pytest.mark.parametrize("stem", STEMS)
def test_student_notebook_has_no_solution_content(exported: dict[str, Path], stem: str) -> None:
    text = (ROOT / "book" / "chapters" / f"{stem}.md").read_text()
    code, prose = solution_parts(text)
    assert code and prose, "the chapter has no solutions to strip (test parser out of date?)"
    nb = nbformat.read(exported[stem], as_version=4)
    sources = [c.source for c in nb.cells]
    everything = "\n".join(sources)
    assert "solution-start" not in everything and "solution-end" not in everything and "{solution}" not in everything
    assert not [c for c in code if c in [s.strip() for s in sources]], "a solution code cell was kept"
    kept = [p for p in prose if p in everything]
    assert not kept, f"solution prose was kept: {kept[0][:80]!r}"


@pytest.mark.parametrize("stem", STEMS)
def test_one_placeholder_per_exercise(exported: dict[str, Path], stem: str) -> None:
    text = (ROOT / "book" / "chapters" / f"{stem}.md").read_text()
    labels = [m.group(2) for m in EXERCISE_LABEL.finditer(text)]
    assert len(labels) >= 3
    nb = nbformat.read(exported[stem], as_version=4)
    placeholders = [c for c in nb.cells if c.cell_type == "code" and PLACEHOLDER.search(c.source)]
    assert [PLACEHOLDER.search(c.source)["label"] for c in placeholders] == labels
    chapter = int(stem.split("_")[0])
    for i, (cell, label) in enumerate(zip(placeholders, labels), start=1):
        assert cell.source.startswith(f"# Exercise {chapter}.{i} ({label}): your answer here")
        if label in cw.CHECKS:
            assert f"# Check it with: {cw.check_name(label)}(" in cell.source
        index = nb.cells.index(cell)
        before = nb.cells[index - 1]
        assert before.cell_type == "markdown" and f"Exercise {chapter}.{i} (`{label}`)" in before.source


@pytest.mark.heavy
@pytest.mark.parametrize("stem", STEMS)
def test_student_notebook_fails_only_at_its_placeholders(exported: dict[str, Path], stem: str) -> None:
    # Executed with errors allowed: each cell runs even after a placeholder has raised.
    nb, _ = execute.execute_notebook(nbformat.read(exported[stem], as_version=4), allow_errors=True,
                                     name=f"student notebook {stem}")
    seen = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        m = PLACEHOLDER.search(cell.source)
        if m:
            assert len(errors) == 1, f"placeholder {m['label']} did not raise"
            assert errors[0].ename == "NotImplementedError"
            assert errors[0].evalue == f"Exercise {m['label']}"
            seen.append(m["label"])
        else:
            assert not errors, f"cell failed:\n{cell.source[:300]}\n{errors[0].ename}: {errors[0].evalue}"
    assert seen, "no placeholder ran"


# --- the exporter on a small synthetic chapter (fast, no kernel) -------------------------------

SYNTHETIC = '''---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

```{code-cell} ipython3
x = 1
```

## Exercises

```{exercise}
:label: ex-toy-width

Find the width.
```

````{solution-start} ex-toy-width
:class: dropdown
````

SECRET PROSE one.

```{code-cell} ipython3
secret_code = 2
```

More SECRET PROSE.

````{solution-end}
````

:::{exercise}
:label: ex-made-up
Something without a self-check.
:::

```{solution} ex-made-up
SECRET ungated solution.
```

Closing words.
'''


def test_exporter_on_a_synthetic_chapter(tmp_path: Path) -> None:
    chapters = tmp_path / "book" / "chapters"
    chapters.mkdir(parents=True)
    (chapters / "07_synthetic.md").write_text(SYNTHETIC)
    nb, exercises = student.student_notebook(chapters / "07_synthetic.md")
    assert exercises == [student.Exercise("ex-toy-width", "7.1"), student.Exercise("ex-made-up", "7.2")]
    text = "\n".join(c.source for c in nb.cells)
    assert "SECRET" not in text and "secret_code" not in text and "solution" not in text
    assert "Closing words." in text and "x = 1" in text and "Find the width." in text
    kinds = [(c.cell_type, c.source.splitlines()[0]) for c in nb.cells]
    assert kinds[-4:] == [
        ("code", "# Exercise 7.1 (ex-toy-width): your answer here."),
        ("markdown", "### Exercise 7.2 (`ex-made-up`)"),
        ("code", "# Exercise 7.2 (ex-made-up): your answer here."),
        ("markdown", "Closing words."),
    ]
    assert "check_toy_width(width)" in nb.cells[-4].source
    assert "check_" not in nb.cells[-2].source  # no self-check exists for it: no hint
    assert nb.metadata["kernelspec"]["name"] == "python3" and "jupytext" not in nb.metadata
    nbformat.validate(nb)
    written = student.export(tmp_path / "out", chapters)
    assert [p.name for p in written] == ["07_synthetic.ipynb"]


def test_exporter_rejects_unclosed_solution(tmp_path: Path) -> None:
    bad = SYNTHETIC.replace("````{solution-end}\n````\n", "")
    (tmp_path / "01_bad.md").write_text(bad)
    with pytest.raises(ValueError, match="solution-end"):
        student.student_notebook(tmp_path / "01_bad.md")


def test_export_never_writes_next_to_the_chapters(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="^outdir"):
        student.export(ROOT / "book" / "chapters")
    with pytest.raises(ValueError, match="^outdir"):
        student.export(ROOT / "book" / "student")
    with pytest.raises(ValueError, match="^chapters"):
        student.export(tmp_path / "out", tmp_path / "missing")
