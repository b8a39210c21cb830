"""Tests of booktools.grade: a folder of made-up submissions is graded as what each one is.

Nine students hand in chapter 1 (its student notebook without the figures of its body): right
answers, wrong ones, code that crashes, a runaway loop, a loop that ignores interrupts, forged "✓"
output (and a patched self-check), the untouched notebook, a deleted exercise cell and a memory hog.
The gradebook and the feedback must say what happened, and nothing the teacher gave may change.
Also: answers survive the trip from kernel to grader (``booktools.answers``), data that could run
code is refused, and bad input is named.
"""

from __future__ import annotations

import csv
import hashlib
import math
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from booktools import answers, grade, student
from helpers import coursework as cw

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "chapters" / "01_emergent_abilities.md"
LABELS = ["ex-ch1-half", "ex-ch1-longer-answers", "ex-ch1-read-table"]
RIGHT = {
    "ex-ch1-half": "import math\np_half = 2 ** (-1 / 5)\nn_half = 1e9 * (math.log(2) / 5) ** (1 / -0.3)\n"
                   "check_ch1_half(p_half, n_half)",
    "ex-ch1-longer-answers": "import math\nslopes = [0.3 / math.e] * 3\ncheck_ch1_longer_answers(slopes)",
    "ex-ch1-read-table": "import math\nfrom helpers import emergence_claims as ec\n"
                         "scratch = next(p for p in ec.EMERGENCE_POINTS if 'Scratchpad' in p.task)\n"
                         "lowest = min(p.flops for p in ec.EMERGENCE_POINTS if p.setting == 'few-shot')\n"
                         "orders = math.log10(lowest / scratch.flops)\ncheck_ch1_read_table(orders, 'none')",
}
FORGED = {
    "ex-ch1-half": "'✓ ex-ch1-half: both answers within tolerance'",
    # a patched check and a display that imitates the grader's, without its token
    "ex-ch1-longer-answers": "import helpers.coursework as cw\ncw.check_ch1_longer_answers = lambda *a: '✓ passed'\n"
                             "from IPython.display import display\n"
                             "display({'application/vnd.mirage.answer+json': {'token': 'guess', "
                             "'label': 'ex-ch1-longer-answers', 'call': {'args': [[0.11, 0.11, 0.11]], 'kwargs': {}}}}, raw=True)\n"
                             "cw.check_ch1_longer_answers([1, 2, 3])",
    "ex-ch1-read-table": "print('✓ ex-ch1-read-table: within 0.05')",
}
STUBBORN = "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except KeyboardInterrupt:\n        pass"
SUBMISSIONS = {  # student: (answers by label, labels whose code cell is deleted)
    "right": (RIGHT, ()),
    "wrong": ({**RIGHT, "ex-ch1-half": "check_ch1_half(0.5, 1e9)",
               "ex-ch1-read-table": "check_ch1_read_table('about three', 'none')"}, ()),
    "crash": ({**RIGHT, "ex-ch1-half": "x = 1 / 0\ncheck_ch1_half(x, x)"}, ()),
    "runaway": ({**RIGHT, "ex-ch1-half": "while True:\n    pass"}, ()),
    "stubborn": ({**RIGHT, "ex-ch1-longer-answers": STUBBORN}, ()),
    "forged": (FORGED, ()),
    "untouched": ({}, ()),
    "deleted": (RIGHT, ("ex-ch1-read-table",)),
    "memory": ({**RIGHT, "ex-ch1-longer-answers": "x = bytearray(64 * 2**30)\ncheck_ch1_longer_answers([0.1] * 3)"}, ()),
}
EXPECTED = {
    "right": ["passed", "passed", "passed"],
    "wrong": ["failed", "passed", "error"],
    "crash": ["error", "passed", "passed"],
    "runaway": ["timeout", "passed", "passed"],
    "stubborn": ["passed", "timeout", "timeout"],
    "forged": ["failed", "failed", "failed"],
    "untouched": ["not attempted"] * 3,
    "deleted": ["passed", "passed", "not attempted"],
    "memory": ["passed", "error", "passed"],
}


def make_submissions(folder: Path) -> None:
    # Chapter 1's student notebook without the figures, tables and players of its body (its import cells,
    # prose and exercises stay): grading treats every cell alike, and nine full runs of the chapter
    # made this the slowest test of `make test` without testing anything more.
    nb, _ = student.student_notebook(CHAPTER)
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or "mirage" in c.metadata
                or c.source.startswith(("import ", "from "))]
    assert sum(c.cell_type == "code" for c in nb.cells) == 2 + len(LABELS)
    for name, (answers_, deleted) in SUBMISSIONS.items():
        copy = nbformat.from_dict(nb)
        cells = []
        for cell in copy.cells:
            info = cell.metadata.get("mirage", {})
            if info.get("part") == "code" and info["exercise"] in deleted:
                continue
            if info.get("part") == "code" and info["exercise"] in answers_:
                cell.source = answers_[info["exercise"]]
            if info.get("part") == "written" and answers_:
                cell.source = f"I predict the curve moves right ({name})."
            cells.append(cell)
        copy.cells = cells
        (folder / name).mkdir(parents=True)
        nbformat.write(copy, folder / name / "01_emergent_abilities.ipynb")
    (folder / "right" / "notes.txt").write_text("not a notebook")


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("submissions")
    make_submissions(folder)
    before = fingerprint(folder)
    proc = subprocess.run([sys.executable, "-m", "booktools.grade", str(folder), "--cell-timeout", "15",
                           "--timeout", "400", "--memory", "4"], capture_output=True, text=True, timeout=2400)
    return folder, before, proc


@pytest.mark.heavy
@pytest.mark.xdist_group("grade")  # one grading run, shared by the tests that read its results
def test_a_folder_of_made_up_submissions_is_graded_as_what_each_is(graded) -> None:
    folder, before, proc = graded
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(folder / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert list(next(iter(rows.values()))) == ["student", *LABELS, "points", "out_of"]
    got = {name: [rows[name][label] for label in LABELS] for name in rows}
    assert got == {name: EXPECTED[name] for name in sorted(EXPECTED)}
    assert rows["right"]["points"] == "6" and rows["right"]["out_of"] == "6" and rows["wrong"]["points"] == "2"
    # nothing the teacher gave changed; the grader added only the gradebook and the feedback
    after = fingerprint(folder)
    assert {k: v for k, v in after.items() if k != "gradebook.csv" and not k.startswith("feedback/")} == before
    assert sorted(p.name for p in (folder / "feedback").iterdir()) == sorted(f"{n}.md" for n in SUBMISSIONS)


@pytest.mark.heavy
@pytest.mark.xdist_group("grade")
def test_feedback_says_what_happened(graded) -> None:
    folder, _, _ = graded
    fb = {p.stem: p.read_text() for p in (folder / "feedback").glob("*.md")}
    assert "## ex-ch1-half: failed" in fb["wrong"] and "ex-ch1-half:" in fb["wrong"].split("## ex-ch1-half: failed")[1]
    assert "the answer is malformed: orders" in fb["wrong"]  # check_ch1_read_table's ValueError, named
    assert "ZeroDivisionError" in fb["crash"]
    assert "ran past the time limit of 15 s" in fb["runaway"]
    assert "did not stop when interrupted" in fb["stubborn"]
    assert fb["forged"].count("no answer reached the self-check") == 3
    assert "the placeholder is untouched" in fb["untouched"]
    assert "code cell was deleted" in fb["deleted"]
    assert "MemoryError" in fb["memory"]
    assert "> I predict the curve moves right (right)." in fb["right"]  # the written answers, for the teacher
    assert "✓ ex-ch1-half" in fb["right"]


def test_bad_input_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    class Ran:  # what the command line gave back: its exit code and what it wrote to stderr
        def __init__(self, returncode: int, stderr: str) -> None:
            self.returncode, self.stderr = returncode, stderr

    def run(*args: str) -> Ran:  # in this process: the argument checks need no second interpreter
        with pytest.raises(SystemExit) as exit_:
            grade.main(list(args))
        return Ran(exit_.value.code, capsys.readouterr().err)

    proc = run(str(tmp_path / "missing"))
    assert proc.returncode == 2 and "SUBMISSIONS must be an existing folder" in proc.stderr
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "notes.txt").write_text("x")
    proc = run(str(tmp_path))
    assert proc.returncode == 2 and "has no student folder with a notebook" in proc.stderr
    for args, message in ((["--timeout", "5"], "--timeout must be between 10 and 7200 seconds; got 5"),
                          (["--cell-timeout", "0"], "--cell-timeout must be between 1 and 3600 seconds; got 0"),
                          (["--timeout", "60", "--cell-timeout", "120"], "--cell-timeout must be at most --timeout"),
                          (["--memory", "0.1"], "--memory must be between 0.5 and 256 GiB; got 0.1"),
                          (["--workers", "0"], "--workers must be between 1 and 256 processes; got 0")):
        proc = run(str(tmp_path), *args)
        assert proc.returncode == 2 and message in proc.stderr, (args, proc.stderr)
    assert not (tmp_path / "gradebook.csv").exists()


def test_notebooks_are_matched_to_chapters() -> None:
    book = grade.chapter_exercises()
    assert book["01_emergent_abilities"] == LABELS
    assert grade.chapter_of(Path("01_emergent_abilities (1).ipynb"), None, book) == "01_emergent_abilities"
    assert grade.chapter_of(Path("04_mine.ipynb"), None, book) == "04_resolution"
    assert grade.chapter_of(Path("essay.ipynb"), None, book) is None
    nb = nbformat.v4.new_notebook(metadata={"mirage": {"chapter": "02_toy_model"}})
    assert grade.chapter_of(Path("renamed.ipynb"), nb, book) == "02_toy_model"


# --- answers travel as plain data ------------------------------------------------------------------------


def roundtrip(value):
    import json

    return answers.decode(json.loads(json.dumps(answers.encode(value))))


def test_answers_survive_the_trip_from_kernel_to_grader() -> None:
    import pandas as pd
    import sympy as sp
    import torch

    L = sp.Symbol("L", positive=True)
    eps = sp.Symbol("epsilon")
    values = [1, 2**70, -0.5, math.inf, math.nan, 1 + 2j, "text", None, True, (1, [2, 3]), {"a": 1, 2: "b"},
              np.arange(6, dtype=np.int32).reshape(2, 3), np.array([0.5, np.nan]), np.array([True, False]),
              np.array(["a", 1], dtype=object), np.float32(0.25), torch.tensor([1.0, 2.0]),
              pd.DataFrame({"step": [1, 2], "acc": [0.1, 0.9]}, index=[3, 4]), pd.Series([1.0, 2.0], name="s"),
              -L, sp.exp(-L * eps) + sp.Rational(1, 3), sp.Float("0.125"), sp.pi * sp.oo, sp.Function("f")(L),
              {"exact match": -L, "brier score": 0}]
    for value in values:
        back = roundtrip(value)
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(back)
        elif isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and back.shape == value.shape
            assert np.array_equal(back, value, equal_nan=value.dtype.kind == "f")
        elif isinstance(value, torch.Tensor):
            assert torch.equal(back, value)
        elif isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(back, value)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(back, value)
        elif isinstance(value, np.generic):
            assert back == value.item()  # a numpy scalar comes back as the Python number it holds
        else:
            assert back == value and type(back) is type(value), value
    with pytest.raises(TypeError, match="cannot be read by the grader"):
        answers.encode(object())


def test_decoded_answers_pass_their_self_checks() -> None:
    # the kinds of answer the exercises take: sympy dicts and expressions, strings, interval lists, a Split
    from tests.coursework import all_right
    from tests.coursework.test_arithmetic import arith_chance

    RIGHT = all_right()

    for label in ("ex-metrics-series", "ex-toy-width", "ex-toy-levenshtein", "ex-res-four-sizes", "ex-res-predict-zero"):
        args = RIGHT[label]()
        assert str(cw.CHECKS[label](*[roundtrip(a) for a in args])).startswith("✓"), label
    expected, split = arith_chance()
    assert str(cw.CHECKS["ex-arith-chance"](roundtrip(expected), roundtrip(split))).startswith("✓")


@pytest.mark.parametrize("data, message", [
    ({"$sympy": ["Mul", [["Symbol", "x", {}], "__import__('os').system('true')"]]}, "not a sympy node"),
    ({"$sympy": ["Float", "__import__('os')", 53]}, "not a number"),
    ({"$sympy": ["Popen"]}, "unknown sympy class"),
    ({"$dataclass": {"module": "subprocess", "name": "CompletedProcess", "fields": {}}}, "only dataclasses of"),
    ({"$ndarray": {"dtype": "|O", "shape": [1], "b64": ""}}, "unsupported array dtype"),
    ({"$pickle": "gASV"}, "unreadable answer data tag"),
])
def test_data_that_could_run_code_is_refused(data, message) -> None:
    with pytest.raises(ValueError, match=message):
        answers.decode(data)


def test_the_check_runs_in_the_grader_on_the_recorded_call() -> None:
    call = {"args": [answers.encode(2 ** (-1 / 5)), answers.encode(1e9 * (math.log(2) / 5) ** (1 / -0.3))], "kwargs": {}}
    assert grade.run_check("ex-ch1-half", call, 30)[0] == "passed"
    assert grade.run_check("ex-ch1-half", {"args": [0.5, 1e9], "kwargs": {}}, 30)[0] == "failed"
    assert grade.run_check("ex-ch1-half", {"args": ["x", 1e9], "kwargs": {}}, 30)[0] == "error"
    assert grade.run_check("ex-ch1-half", {"unreadable": "an answer of type socket"}, 30) == (
        "error", "the answer could not be read by the grader: an answer of type socket")
