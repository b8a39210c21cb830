"""Tests of the build tools (booktools): snapshots named per cell, one execution shared by nbval and the
book, and kernels that stall or die failing fast with the notebook and cell named."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from booktools import build, chapters, execute, student
from helpers.parallel import WORKERS_ENV
from tests import JUPYTEXT_HEADER, SYNTHETIC_CHAPTER

ROOT = Path(__file__).resolve().parents[1]


def notebook(*sources: str, tags: dict[int, list[str]] | None = None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook")]
    for i, src in enumerate(sources):
        cell = nbformat.v4.new_code_cell(src)
        if tags and i in tags:
            cell.metadata["tags"] = tags[i]
        nb.cells.append(cell)
    return nb


# --- snapshots are named, not keyed by source ----------------------------------------------------

def test_every_chapter_names_its_checked_cells_and_has_their_snapshots() -> None:
    for path in chapters.chapter_paths():
        names = chapters.snapshot_names(chapters.read_chapter(path), path.name)
        recorded = json.loads(chapters.snapshot_file(path.stem).read_text())
        assert sorted(names) == sorted(recorded), path.name


@pytest.mark.parametrize("name, message", [(None, "needs ':snapshot: <name>'"), ("Two Words", "lower-case"),
                                           ("ok-name", "two checked cells are named")])
def test_snapshot_names_are_required_well_formed_and_unique(name, message) -> None:
    nb = notebook("print(1)", "print(2)", tags={0: [chapters.CHECK_TAG], 1: [chapters.CHECK_TAG]})
    nb.cells[1].metadata["snapshot"] = "ok-name"
    if name is not None:
        nb.cells[2].metadata["snapshot"] = name
    with pytest.raises(ValueError, match=message):
        chapters.snapshot_names(nb, "99_made_up.md")


def test_editing_a_checked_cells_code_keeps_its_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a chapter whose checked cell's code changes but whose name stays: prepare still finds its output
    book = tmp_path / "book" / "chapters"
    book.mkdir(parents=True)
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    src = (ROOT / "book" / "chapters" / "01_emergent_abilities.md").read_text()
    (book / "01_x.md").write_text(src)
    monkeypatch.setattr(chapters, "CHAPTERS", book)
    monkeypatch.setattr(chapters, "SNAPSHOTS", snaps)
    (snaps / "01_x.json").write_text((ROOT / "tests" / "snapshots" / "01_emergent_abilities.json").read_text())
    nb = chapters.read_chapter(book / "01_x.md")
    first = chapters.checked_cells(nb)[0]
    (book / "01_x.md").write_text(src.replace(first.source, "# a comment added\n" + first.source, 1))
    out = tmp_path / "nb"
    chapters.prepare(out)
    prepared = nbformat.read(out / "01_x.ipynb", as_version=4)
    cell = chapters.checked_cells(prepared)[0]
    assert cell.source.startswith("# a comment added") and cell.outputs


def test_prepare_names_a_checked_cell_without_a_recorded_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "chapters"
    book.mkdir()
    text = (ROOT / "book" / "chapters" / "01_emergent_abilities.md").read_text().replace(":snapshot: flops-span", ":snapshot: renamed-cell", 1)
    (book / "01_x.md").write_text(text)
    monkeypatch.setattr(chapters, "CHAPTERS", book)
    monkeypatch.setattr(chapters, "SNAPSHOTS", tmp_path)
    (tmp_path / "01_x.json").write_text((ROOT / "tests" / "snapshots" / "01_emergent_abilities.json").read_text())
    with pytest.raises(SystemExit, match="'renamed-cell' has no recorded output") as err:
        chapters.prepare(tmp_path / "nb")
    assert "['flops-span'] belong to no checked cell" in str(err.value)


def test_execution_key_changes_with_the_chapter_and_with_the_helpers(tmp_path: Path) -> None:
    path = tmp_path / "01_x.md"
    path.write_text("a")
    key = chapters.execution_key(path, "inputs-1")
    assert key == chapters.execution_key(path, "inputs-1")
    assert key != chapters.execution_key(path, "inputs-2")
    path.write_text("b")
    assert key != chapters.execution_key(path, "inputs-1")


# --- execution: failures name the cell, stalls and dead kernels fail fast ------------------------

def test_execute_notebook_runs_and_records_timing() -> None:
    nb, seconds = execute.execute_notebook(notebook("x = 6 * 7", "print(x)"))
    assert nb.cells[2].outputs[0].text == "42\n"
    assert "shell.execute_reply" in nb.cells[2].metadata["execution"] and seconds > 0


def test_a_failing_cell_is_named() -> None:
    with pytest.raises(execute.ExecutionError, match=r"^demo: Cell 1: CellExecutionError"):
        execute.execute_notebook(notebook("x = 1", "1 / 0"), name="demo")


def test_a_stalled_cell_fails_at_the_timeout_naming_the_cell() -> None:
    start = time.monotonic()
    with pytest.raises(execute.ExecutionError, match=r"^demo: Cell 1: CellTimeoutError"):
        execute.execute_notebook(notebook("x = 1", "import time; time.sleep(600)"), timeout=3, name="demo")
    assert time.monotonic() - start < 60


def test_a_dead_kernel_fails_within_seconds_naming_the_cell() -> None:
    start = time.monotonic()
    with pytest.raises(execute.ExecutionError, match=r"^demo: Cell 1: DeadKernelError"):
        execute.execute_notebook(notebook("x = 1", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"),
                                 name="demo")
    assert time.monotonic() - start < 30


def test_widget_output_causes_no_stall() -> None:
    # The cause of the old 300 s stalls: nbclient answered every output an Output widget captured with
    # a message on the shell socket while the cell's reply was awaited there, and a reply arriving
    # during such a send was only noticed at the timeout. With nbclient's own client this notebook
    # stalled in most runs (at least one 10 s wait in 30 cells); each cell takes milliseconds here.
    cells = ["import ipywidgets as w\nfrom IPython.display import display, HTML"]
    cells += ["out = w.Output()\ndisplay(out)\nwith out:\n    display(HTML('x' * 200_000))"] * 30
    nb, seconds = execute.execute_notebook(notebook(*cells), timeout=10)
    assert seconds < 10, f"{seconds:.1f} s: a reply waited for the timeout"


def test_execute_chapters_skips_current_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(execute, "ProcessPoolExecutor", None)  # nothing may be executed
    path = chapters.chapter_paths()[0]
    target = tmp_path / f"{path.stem}.ipynb"
    nb = execute.stamp(notebook("1"), path, chapters.execution_key(path), 1.0)
    target.write_text(nbformat.writes(nb))
    assert execute.execute_chapters([path], tmp_path) == {}
    assert execute.is_current(target, chapters.execution_key(path))
    assert not execute.is_current(target, "another key")
    assert not execute.is_current(tmp_path / "missing.ipynb", "any")


def test_execute_command_rejects_bad_workers(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "booktools.execute", str(tmp_path), "--workers", "0"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--workers must be at least 1; got 0" in proc.stderr


def test_execute_command_rejects_an_unknown_chapter(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "booktools.execute", str(tmp_path), "99_nothing"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "no chapter named ['99_nothing']" in proc.stderr


# --- nbval keeps what it executed ----------------------------------------------------------------

def run_nbval(nb: nbformat.NotebookNode, tmp_path: Path, *args: str,
              select: str = "") -> tuple[subprocess.CompletedProcess, Path]:
    src = tmp_path / "nb" / "07_demo.ipynb"
    src.parent.mkdir(exist_ok=True)
    nbformat.write(nb, src)
    executed = tmp_path / "executed"
    env = {k: v for k, v in os.environ.items() if k != WORKERS_ENV and not k.startswith("PYTEST_XDIST")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "booktools.nbval_plugin",
                           "--nbval-lax", "-q",
                           "--executed-dir", str(executed), str(src) + select, *args],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    return proc, executed / src.name


def test_nbval_writes_the_notebook_it_executed(tmp_path: Path) -> None:
    nb = notebook("x = 6 * 7", "print(x)", "x")
    nb.metadata["mirage"] = {"chapter": "07_demo", "execution_key": "k"}
    proc, written = run_nbval(nb, tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:]
    out = nbformat.read(written, as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]
    assert code[1].outputs[0].text == "42\n"
    assert code[2].outputs[0].data["text/plain"] == "42" and code[2].outputs[0].execution_count == 3
    assert out.metadata["mirage"]["execution_key"] == "k" and out.metadata["mirage"]["seconds"] > 0
    nbformat.validate(out)


def test_a_chapter_kernel_gets_its_share_of_the_cores(tmp_path: Path) -> None:
    # Two xdist workers on this machine: each chapter kernel may start cores // 2 workers of its own.
    nb = notebook("import os; print(os.environ['MIRAGE_WORKERS'])")
    nb.metadata["mirage"] = {"chapter": "07_demo", "execution_key": "k"}
    proc, written = run_nbval(nb, tmp_path, "-n", "2")
    assert proc.returncode == 0, proc.stdout[-2000:]
    out = nbformat.read(written, as_version=4)
    assert out.cells[1].outputs[0].text == f"{execute.cores_per_kernel(2)}\n"
    assert execute.cores_per_kernel(1) == (os.cpu_count() or 1) and execute.cores_per_kernel(10**6) == 1


def test_nbval_writes_no_notebook_when_a_cell_fails_or_only_some_ran(tmp_path: Path) -> None:
    proc, written = run_nbval(notebook("x = 1", "1 / 0", "x"), tmp_path)
    assert proc.returncode == 1 and not written.exists()
    proc, written = run_nbval(notebook("x = 1", "x"), tmp_path, select="::Cell 0")
    assert "1 passed" in proc.stdout
    assert proc.returncode == 0 and not written.exists()


def placeholder(label: str, source: str | None = None) -> nbformat.NotebookNode:
    """A student placeholder as ``chapters.prepare`` puts it into a chapter for nbval."""
    cell = nbformat.v4.new_code_cell(source or f'# your answer here\nraise NotImplementedError("Exercise {label}")\ncheck(x)')
    cell.metadata["tags"] = [chapters.RAISES_TAG]
    cell.metadata[student.META] = {chapters.STUDENT_CHECK: label}
    return cell


def test_nbval_checks_student_placeholders_and_leaves_them_out_of_the_book(tmp_path: Path) -> None:
    # Placeholders run in the chapter's kernel: the right error passes, and the executed notebook (for the
    # book) holds the chapter's own cells only, numbered 1, 2, 3.
    nb = notebook("x = 6 * 7", "x + 1", "x")
    nb.cells[2:2] = [placeholder("ex-a"), placeholder("ex-b")]
    nb.metadata["mirage"] = {"chapter": "07_demo", "execution_key": "k"}
    proc, written = run_nbval(nb, tmp_path)
    assert proc.returncode == 0 and "5 passed" in proc.stdout, proc.stdout[-2000:]
    out = nbformat.read(written, as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["x = 6 * 7", "x + 1", "x"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert code[2].outputs[0].data["text/plain"] == "42" and code[2].outputs[0].execution_count == 3


def test_nbval_fails_a_placeholder_that_does_not_raise_its_own_error(tmp_path: Path) -> None:
    bad = {"ex-a": ("x = 2", "got no error"),
           "ex-b": ('raise NotImplementedError("Exercise ex-other")', "got NotImplementedError: Exercise ex-other"),
           "ex-c": ("undefined_name", "got NameError: name 'undefined_name' is not defined")}
    nb = notebook("x = 1", "x")
    nb.cells[2:2] = [placeholder(label, source) for label, (source, _) in bad.items()]
    proc, written = run_nbval(nb, tmp_path)
    assert proc.returncode == 1 and "3 failed, 2 passed" in proc.stdout and not written.exists(), proc.stdout[-2000:]
    for label, (_, message) in bad.items():
        assert f"07_demo, student notebook: the placeholder of exercise {label} must raise" in proc.stdout
        assert message in proc.stdout


def test_placeholders_go_before_the_first_solution_cell(tmp_path: Path) -> None:
    path = tmp_path / "07_synthetic.md"
    path.write_text(SYNTHETIC_CHAPTER)
    run = chapters.placeholder_run(path)
    assert run is not None and run.before_code_cell == 1
    assert [c.metadata[student.META][chapters.STUDENT_CHECK] for c in run.cells] == ["ex-toy-width", "ex-made-up"]
    nb = chapters.with_placeholders(chapters.read_chapter(path), run)
    code = [c.source.splitlines()[-1] for c in nb.cells if c.cell_type == "code"]
    assert code == ["x = 1", "check_toy_width(width)", 'raise NotImplementedError("Exercise ex-made-up")',
                    "secret_code = 2"]
    # a code cell outside the solutions after an exercise: the student notebook is not the chapter's
    # first cells plus placeholders, so the chapter's run cannot check it (tests/test_student.py runs it)
    path.write_text(SYNTHETIC_CHAPTER.replace("Closing words.", "Closing words.\n\n```{code-cell} ipython3\ny = 2\n```"))
    assert chapters.placeholder_run(path) is None



def test_nbval_fails_a_dead_kernel_within_seconds_naming_notebook_and_cell(tmp_path: Path) -> None:
    start = time.monotonic()
    proc, _ = run_nbval(notebook("x = 1", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "x"), tmp_path)
    assert time.monotonic() - start < 60
    assert proc.returncode == 1
    assert "07_demo" in proc.stdout and "Cell 1" in proc.stdout and "the kernel died" in proc.stdout


def test_nbval_fails_a_stalled_cell_at_its_timeout(tmp_path: Path) -> None:
    start = time.monotonic()
    proc, _ = run_nbval(notebook("import time; time.sleep(600)", "1"), tmp_path, "--nbval-cell-timeout=3")
    assert time.monotonic() - start < 60
    assert proc.returncode == 1 and "07_demo" in proc.stdout and "Cell 0" in proc.stdout


def test_the_default_cell_timeout_is_the_books(pytestconfig: pytest.Config) -> None:
    assert float(pytestconfig.getoption("nbval_cell_timeout")) == execute.CELL_TIMEOUT


# --- the book is built only from current executions ----------------------------------------------

def test_build_refuses_missing_or_stale_executed_notebooks(tmp_path: Path) -> None:
    assert set(build.stale_chapters(tmp_path)) == {p.stem for p in chapters.chapter_paths()}
    with pytest.raises(build.BuildError, match="missing or stale"):
        build.stage(tmp_path, tmp_path / "stage")


def test_exercise_and_solution_ids_are_numbered_once_per_page() -> None:
    page = ('<div class="exercise admonition" id="ex-a"><section id="exercise-content">a</section></div>'
            '<div class="solution" id="s-1"><section id="solution-content">b</section></div>'
            '<div class="exercise admonition" id="ex-b"><section id="exercise-content">c</section></div>')
    ids = re.findall(r'id="([^"]+)"', build.unique_exercise_ids(page))
    assert ids == ["ex-a", "exercise-content-1", "s-1", "solution-content-1", "ex-b", "exercise-content-2"]
    assert build.unique_exercise_ids("<p>no exercise</p>") == "<p>no exercise</p>"


def test_alt_text_is_the_caption_without_markup() -> None:
    caption = "Left: exact match $(1 - \\epsilon)^L$ against {numref}`fig-toy` and **bold** words."
    assert build.alt_text(caption) == "Left: exact match (1 - \\epsilon)^L against fig-toy and bold words."
    assert len(build.alt_text("word " * 100, limit=50)) <= 50
    cell = nbformat.v4.new_code_cell("1")
    cell.metadata["mystnb"] = {"figure": {"caption": "A caption.", "name": "fig-a"}}
    build.add_alt_text(cell)
    assert cell.metadata["mystnb"]["image"]["alt"] == "A caption."


# --- chapters are stored in the form JupyterLab saves them ---------------------------------------

@pytest.mark.parametrize("path", chapters.chapter_paths(), ids=lambda p: p.stem)
def test_chapter_survives_a_jupytext_round_trip_unchanged(path: Path) -> None:
    # JupyterLab saves a chapter through jupytext: read, then write. Stored in that form, a save in
    # JupyterLab changes nothing (tests/test_lab.py saves one in a real JupyterLab). After editing a chapter
    # by hand, `make normalise` (python -m booktools.chapters normalise) rewrites it in this form.
    import jupytext

    text = path.read_text(encoding="utf-8")
    written = jupytext.writes(jupytext.reads(text, fmt=chapters.JUPYTEXT_FORMAT), fmt=chapters.JUPYTEXT_FORMAT)
    assert written == text, f"{path.name} is not in the form jupytext writes: run `make normalise`"
    assert chapters.normal_form(text) == text, f"{path.name}: run `make normalise`"


def test_the_normal_kernelspec_is_the_one_jupyterlab_sets() -> None:
    # JupyterLab rewrites the kernelspec of an opened notebook with the running kernel's own: ipykernel's.
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert chapters.KERNELSPEC == {"name": "python3", "display_name": spec.display_name, "language": spec.language}


OLD_FORM = JUPYTEXT_HEADER + '''
# A chapter

```{code-cell} ipython3
:tags: [nbval-check-output]
:snapshot: a-number
print(1)
```

```{code-cell} ipython3
:tags: [hide-input]
:mystnb:
:  figure:
:    caption: |
:      A caption over two lines, with $x$ and
:      1. a line that Markdown would take for a list.
:
:      A second paragraph.
:    name: fig-x
plot()
```
'''


def test_normalise_keeps_every_cell_tag_snapshot_name_and_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jupytext

    book = tmp_path / "chapters"
    book.mkdir()
    (book / "01_x.md").write_text(OLD_FORM)
    monkeypatch.setattr(chapters, "CHAPTERS", book)
    assert chapters.normalise(check=True) == [book / "01_x.md"] and (book / "01_x.md").read_text() == OLD_FORM
    with pytest.raises(SystemExit, match="not in the form JupyterLab saves: 01_x.md"):
        chapters.main(["normalise", "--check"])
    assert chapters.normalise() == [book / "01_x.md"]
    new = (book / "01_x.md").read_text()
    assert chapters.normalise() == [] and (book / "01_x.md").read_text() == new  # a second run changes nothing
    old, now = jupytext.reads(OLD_FORM, fmt="md:myst"), jupytext.reads(new, fmt="md:myst")
    assert [(c.cell_type, c.source) for c in old.cells] == [(c.cell_type, c.source) for c in now.cells]
    assert now.cells[1].metadata == {"tags": ["nbval-check-output"], "snapshot": "a-number"}
    figure = now.cells[2].metadata["mystnb"]["figure"]
    assert now.cells[2].metadata["tags"] == ["hide-input"] and figure["name"] == "fig-x"
    assert figure["caption"] == ("A caption over two lines, with $x$ and 1. a line that Markdown would take for a "
                                 "list.\n\nA second paragraph.")
    assert chapters.checked_cells(now) and chapters.snapshot_names(now, "01_x.md") == ["a-number"]
    assert now.metadata["kernelspec"] == chapters.KERNELSPEC
