"""Tests of booktools.student: student notebooks hold no solutions, and run up to their placeholders.

All chapters are exported (with the same command ``make student`` runs) into a scratch folder, and each
student notebook is executed by its own test with the python3 kernel, so pytest-xdist runs them side by
side. Every error a student notebook raises must be the NotImplementedError of an exercise placeholder
naming that exercise; every other cell must run. A student notebook that is its chapter's first cells
plus placeholders is executed inside the chapter's own nbval run instead (see below). Select these tests
alone with ``pytest tests/test_student.py`` (or ``-k student``).

Also: what JupyterLab's MyST renderer cannot resolve (citations, figure and exercise references, links
to chapters, figure captions) is written out; each exercise has a question, a written-answer and a code
cell marked with its label; the placeholder's call uses names the exercise text uses; and a second
export never overwrites a notebook a student has changed.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from booktools import chapters, execute, student
from helpers import coursework as cw
from tests import SYNTHETIC_CHAPTER

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
        assert cell.metadata["mirage"] == {"exercise": label, "part": "code",
                                           "source_sha256": cell.metadata["mirage"]["source_sha256"]}
        if label in cw.CHECKS:  # the cell ends with the self-check call: that call is what is graded
            assert cell.source.splitlines()[-1].startswith(f"{cw.check_name(label)}(")
        index = nb.cells.index(cell)
        question, written = nb.cells[index - 2], nb.cells[index - 1]
        assert question.cell_type == "markdown" and f"Exercise {chapter}.{i} (`{label}`)" in question.source
        assert question.metadata["mirage"] == {"exercise": label, "part": "question"}
        assert written.cell_type == "markdown" and written.metadata["mirage"] == {"exercise": label, "part": "written"}
        assert written.source.startswith(f"**Your written answer to Exercise {chapter}.{i}.**")
        if "predict" in question.source.lower():
            assert "*before* you run any code" in written.source


def exercise_texts() -> list[tuple[str, str]]:
    """(label, text) of every exercise of every chapter."""
    block = re.compile(r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n(?P<body>.*?)^\1[ \t]*$", re.S | re.M)
    out = []
    for path in CHAPTERS:
        for m in block.finditer(path.read_text()):
            out.append((re.search(r":label:\s*(\S+)", m["body"]).group(1), m["body"]))
    return out


@pytest.mark.parametrize("label, text", exercise_texts(), ids=[label for label, _ in exercise_texts()])
def test_placeholder_call_uses_the_names_of_the_exercise_text(label: str, text: str) -> None:
    # The exercise text names the self-check call; the placeholder ends with it, so every name the
    # student is told to pass appears in what the student reads, and the call fits the check's signature
    # (5.2 once suggested `split`, a parameter name that is defined nowhere in the notebook).
    if label not in cw.CHECKS:
        pytest.skip("no self-check")
    name = cw.check_name(label)
    assert re.search(rf"`{name}\(", text), f"the exercise text never shows the call of {name}"
    call = student.check_call(label, text)
    args = call[len(name) + 1:-1]
    for ident in set(re.findall(r"(?<![\w.])([A-Za-z_]\w*)", args)):
        assert re.search(rf"(?<![\w]){re.escape(ident)}\b", text), f"{call}: {ident!r} is not in the exercise text"
    signature = inspect.signature(getattr(cw, name))
    signature.bind(*student._split_args(args))  # the call fits the signature (TypeError otherwise)


@pytest.mark.parametrize("stem", STEMS)
def test_student_notebook_resolves_what_jupyterlab_cannot(exported: dict[str, Path], stem: str) -> None:
    nb = nbformat.read(exported[stem], as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    raw = re.findall(r"\{(?:cite:[tp]|cite|numref|ref|doc)\}`[^`]*`", markdown)
    assert not raw, f"raw MyST roles left: {raw[:3]}"
    chapter = int(stem.split("_")[0])
    figures = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("mystnb", {}).get("figure")]
    assert figures
    for k, cell in enumerate(figures, start=1):
        caption = nb.cells[nb.cells.index(cell) + 1]
        assert caption.cell_type == "markdown" and caption.source.startswith(f"**Figure {chapter}.{k}.** ")
        assert caption.metadata["mirage"]["figure"] == cell.metadata["mystnb"]["figure"]["name"]
    source = (ROOT / "book" / "chapters" / f"{stem}.md").read_text()
    cited = re.findall(r"\{cite:t\}`([^`,]+)`", source)
    if cited:  # "Author (year)" in place of the role
        authors, year = student.citations()[cited[0]]
        assert f"{authors} ({year})" in markdown
    for question in (c for c in nb.cells if c.metadata.get("mirage", {}).get("part") == "question"):
        assert "fig-" not in question.source, "an exercise still points at a figure by its raw label"


def test_roles_are_written_out() -> None:
    refs = student.book_references()
    text = ("See {numref}`fig-prob-zero`, {ref}`ex-res-four-sizes`, {doc}`02_toy_model`, "
            "{doc}`the toy model <02_toy_model>`, {cite:t}`schaeffer2023mirage` and "
            "{cite:p}`wei2022emergent,clopper1934`; {sub}`kept`.")
    out = student.resolve_roles(text, refs)
    assert out == ("See Figure 4.1, Exercise 4.3, Chapter 2, the toy model, Schaeffer et al. (2023) and "
                   "(Wei et al., 2022; Clopper and Pearson, 1934); {sub}`kept`.")
    with pytest.raises(ValueError, match="'fig-nothing'"):
        student.resolve_roles("{numref}`fig-nothing`", refs, "07_x.md")
    with pytest.raises(ValueError, match="citation key 'nobody1999'"):
        student.resolve_roles("{cite:p}`nobody1999`", refs)


def test_a_second_export_never_overwrites_a_students_work(tmp_path: Path) -> None:
    out = tmp_path / "student"
    first = student.export(out)
    assert all(e.kept is None for e in first)
    work = out / "04_resolution.ipynb"
    nb = nbformat.read(work, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("my own notes"))
    nbformat.write(nb, work)
    before = work.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "booktools.student", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert work.read_bytes() == before, "the student's notebook was overwritten"
    fresh = out / "04_resolution.new.ipynb"
    assert fresh.exists() and student.untouched(fresh)
    assert f"kept {work}" in proc.stdout and f"the fresh notebook is {fresh}" in proc.stdout
    # untouched notebooks are simply replaced; a third export reuses the untouched fresh copy
    again = {e.chapter: e for e in student.export(out)}
    assert again["01_emergent_abilities"].path == out / "01_emergent_abilities.ipynb" and again["01_emergent_abilities"].kept is None
    assert again["04_resolution"].path == fresh and again["04_resolution"].kept == work
    assert sorted(p.name for p in out.glob("04_*")) == ["04_resolution.ipynb", "04_resolution.new.ipynb"]


# Executing a student notebook repeats its chapter up to the first solution. Where the student notebook is
# just that plus placeholders that raise at once (chapters.placeholder_run), the chapter's nbval run in
# `make test` executes it: the placeholders run in the chapter's kernel before its first solution cell,
# and each must raise its own NotImplementedError (booktools.nbval_plugin). Any other chapter's student
# notebook is executed here, whole.
CHECKED_IN_NBVAL = [p.stem for p in CHAPTERS if chapters.placeholder_run(p) is not None]


@pytest.mark.parametrize("stem", CHECKED_IN_NBVAL)
def test_student_notebook_runs_in_the_chapters_nbval_run(exported: dict[str, Path], stem: str) -> None:
    # What nbval executes of the prepared chapter, up to the last placeholder, is the student notebook's
    # code, cell for cell; every placeholder expects its own error, and no chapter cell is dropped.
    path = ROOT / "book" / "chapters" / f"{stem}.md"
    prepared = chapters.with_placeholders(chapters.read_chapter(path), chapters.placeholder_run(path))
    code = [c for c in prepared.cells if c.cell_type == "code"]
    mine = [c.source for c in nbformat.read(exported[stem], as_version=4).cells if c.cell_type == "code"]
    assert [c.source for c in code[:len(mine)]] == mine
    placeholders = [c for c in code if chapters.STUDENT_CHECK in c.metadata.get(student.META, {})]
    assert [c.source for c in placeholders] == mine[-len(placeholders):] and placeholders == code[len(mine) - len(placeholders):len(mine)]
    for cell in placeholders:
        label = cell.metadata[student.META][chapters.STUDENT_CHECK]
        assert PLACEHOLDER.search(cell.source)["label"] == label and cell.metadata["tags"] == [chapters.RAISES_TAG]
    chapter = [c.source for c in chapters.read_chapter(path).cells if c.cell_type == "code"]
    assert [c.source for c in code if c not in placeholders] == chapter


@pytest.mark.heavy
@pytest.mark.parametrize("stem", sorted(set(STEMS) - set(CHECKED_IN_NBVAL)) or [pytest.param(
    None, marks=pytest.mark.skip(reason="every student notebook is executed inside its chapter's nbval run"))])
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

def test_exporter_on_a_synthetic_chapter(tmp_path: Path) -> None:
    chapters = tmp_path / "book" / "chapters"
    chapters.mkdir(parents=True)
    (chapters / "07_synthetic.md").write_text(SYNTHETIC_CHAPTER)
    nb, exercises = student.student_notebook(chapters / "07_synthetic.md")
    assert exercises == [student.Exercise("ex-toy-width", "7.1"), student.Exercise("ex-made-up", "7.2")]
    text = "\n".join(c.source for c in nb.cells)
    assert "SECRET" not in text and "secret_code" not in text and "solution" not in text
    assert "Closing words." in text and "x = 1" in text and "Find the width." in text
    kinds = [(c.cell_type, c.source.splitlines()[0][:47]) for c in nb.cells]
    assert kinds[-5:] == [
        ("code", "# Exercise 7.1 (ex-toy-width): your answer here"),
        ("markdown", "### Exercise 7.2 (`ex-made-up`)"),
        ("markdown", "**Your written answer to Exercise 7.2.** Write "),
        ("code", "# Exercise 7.2 (ex-made-up): your answer here."),
        ("markdown", "Closing words."),
    ]
    assert nb.cells[-5].source.splitlines()[-1] == "check_toy_width(width)"
    assert "check_" not in nb.cells[-2].source  # no self-check exists for it: no call
    assert nb.metadata["kernelspec"]["name"] == "python3" and "jupytext" not in nb.metadata
    nbformat.validate(nb)
    written = student.export(tmp_path / "out", chapters)
    assert [e.path.name for e in written] == ["07_synthetic.ipynb"]


def test_exporter_rejects_unclosed_solution(tmp_path: Path) -> None:
    bad = SYNTHETIC_CHAPTER.replace("````{solution-end}\n````\n", "")
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
