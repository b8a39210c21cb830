"""Grade a folder of student notebooks with the book's self-checks.

    python -m booktools.grade SUBMISSIONS [--timeout 900] [--cell-timeout 300] [--memory 4] [--workers N]
    make grade SUBMISSIONS=path/to/submissions

SUBMISSIONS holds one folder per student, each with that student's notebooks (the ``.ipynb`` files of
``make student``, filled in). The command writes ``SUBMISSIONS/gradebook.csv`` (one row per student,
one column per exercise: passed / failed / error / timeout / not attempted, then the points) and
``SUBMISSIONS/feedback/<student>.md`` (each exercise's result, the self-check's hint, and the student's
written answers for the teacher to read). Nothing else in SUBMISSIONS is written or changed.

How a notebook is graded
------------------------
Each notebook is copied into a scratch folder and executed there, top to bottom, by a worker process
of its own (one per core at a time), with a time limit per cell, a time limit for the whole notebook
and a memory limit (``resource.setrlimit``: address space per process, inherited by the kernel and
whatever the kernel starts); ``booktools.sandbox`` holds that part, this module what is graded.
Before the first cell the grader wraps every self-check so that each call records its arguments; after
each exercise's cells it asks the kernel for the last recorded call, tagged with a random token that
only the grader knows. The grader then rebuilds the arguments from plain JSON (``booktools.answers``:
no pickle, no eval) and runs the self-check *itself*, in its own process: printed text, a "✓" string
or a patched check in the kernel cannot make an answer pass.

An exercise is found by its cells' ``metadata["mirage"]["exercise"]`` (written by ``make student``),
not by its placeholder text. Its status:

- ``passed``: the self-check accepted the last answer passed to it;
- ``failed``: the self-check rejected it (the hint goes to the feedback), or code was written but no
  answer ever reached the self-check call;
- ``error``: the student's code raised an exception before an answer reached the check, the answer was
  malformed (the check's ValueError), could not be read, or the kernel died;
- ``timeout``: a cell of the exercise ran past the cell time limit, or the notebook's time ran out
  before the exercise was reached;
- ``not attempted``: the placeholder is untouched, the exercise's code cell was deleted, or the
  student handed in no notebook for the chapter.

What this does not isolate: student code runs as the user who runs the grader, with that user's
files and network. It cannot change the teacher's copy of the notebooks (the scratch copy is what runs)
but it could read or write any other file that user can. Run the grader as a user (or in a container)
that can see nothing else when the code is untrusted.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import secrets
import shutil
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import sandbox
from .grade_kernel import MIME
from .sandbox import LIMIT_RANGES, GradeError, Limits, _in_range
from .student import CHAPTERS, META, _exercise_labels

STATUSES = ("passed", "failed", "error", "timeout", "not attempted")
RANK = {s: i for i, s in enumerate(STATUSES)}  # a lower rank is a better result
FEEDBACK_DIR = "feedback"
GRADEBOOK = "gradebook.csv"
RANGES = {  # argument: (low, high, unit)
    **LIMIT_RANGES,
    "workers": (1, 256, "processes"),
    "points": (0, 100, "points"),
}


@dataclass
class ExerciseResult:
    label: str
    status: str
    message: str = ""
    written: list[str] = field(default_factory=list)  # the student's written answers (markdown)


# --- finding submissions ---------------------------------------------------------------------------------


def chapter_exercises(chapters: Path = CHAPTERS) -> dict[str, list[str]]:
    """Each chapter's exercise labels, in order, read from the book's sources."""
    return {p.stem: [label for label in _exercise_labels(p.read_text(encoding="utf-8")) if label]
            for p in sorted(Path(chapters).glob("*.md"))}


def find_submissions(folder: Path) -> dict[str, list[Path]]:
    """``{student: [notebooks]}`` for each student folder in ``folder`` (GradeError if there are none)."""
    folder = Path(folder)
    if not folder.exists():
        raise GradeError(f"SUBMISSIONS must be an existing folder with one folder per student; "
                         f"{str(folder)!r} does not exist")
    if not folder.is_dir():
        raise GradeError(f"SUBMISSIONS must be a folder with one folder per student; {str(folder)!r} is a file")
    found = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if sub.name.startswith((".", "_")) or sub.name == FEEDBACK_DIR:
            continue
        notebooks = sorted(p for p in sub.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        if notebooks:
            found[sub.name] = notebooks
    if not found:
        raise GradeError(f"SUBMISSIONS must hold one folder per student with their .ipynb notebooks; "
                         f"{str(folder)!r} has no student folder with a notebook")
    return found


def chapter_of(path: Path, nb: nbformat.NotebookNode | None, chapters: dict[str, list[str]]) -> str | None:
    """The chapter a notebook belongs to: its metadata, else a file name starting like a chapter's."""
    stem = (nb.metadata.get(META, {}) if nb is not None else {}).get("chapter")
    if stem in chapters:
        return stem
    name = re.split(r"[. (]", path.stem)[0]
    if name in chapters:
        return name
    number = re.match(r"^(\d+)_", path.stem)
    same = [c for c in chapters if number and c.split("_")[0] == number.group(1)]
    return same[0] if len(same) == 1 else None


# --- one notebook, in a worker process ---------------------------------------------------------------------


def _exercise_of(cell: nbformat.NotebookNode) -> str | None:
    info = cell.get("metadata", {}).get(META, {})
    return info.get("exercise") if isinstance(info, dict) else None


def areas(nb: nbformat.NotebookNode, labels: list[str]) -> dict[str, tuple[int, int]]:
    """``{label: (first, last)}`` cell indices of each exercise found in ``nb`` (its cells and those a
    student added after them, up to the next exercise)."""
    starts = {}
    for i, cell in enumerate(nb.cells):
        label = _exercise_of(cell)
        if label in labels and label not in starts:
            starts[label] = i
    order = sorted(starts, key=starts.get)
    out = {}
    for k, label in enumerate(order):
        end = starts[order[k + 1]] - 1 if k + 1 < len(order) else len(nb.cells) - 1
        out[label] = (starts[label], end)
    return out


def _grader_cell(source: str, role: str, label: str | None = None, token: str | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata[META] = {"grader": role, "label": label, "token": token}
    return cell


def prepare(nb: nbformat.NotebookNode, labels: list[str]) -> nbformat.NotebookNode:
    """``nb`` with the grader's cells: the recorder first, a report after each exercise and at the end."""
    found = areas(nb, labels)
    ends = {}
    for label, (_, end) in found.items():
        ends.setdefault(end, []).append(label)
    cells = [_grader_cell("from booktools.grade_kernel import install as _mirage_install\n_mirage_install()",
                          "install")]

    def report(label: str) -> nbformat.NotebookNode:
        token = secrets.token_hex(16)
        return _grader_cell(f"from booktools.grade_kernel import report as _mirage_report\n"
                            f"_mirage_report({label!r}, {token!r})", "report", label, token)

    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":  # outputs of the student's own run are never trusted
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        cells += [report(label) for label in ends.get(i, [])]
    cells += [report(label) for label in labels]  # calls made anywhere later count too
    out = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    return out


def _written_answers(nb: nbformat.NotebookNode, label: str) -> list[str]:
    return [c.source.strip() for c in nb.cells if c.cell_type == "markdown" and _exercise_of(c) == label
            and c.get("metadata", {}).get(META, {}).get("part") == "written"]


def _untouched(cell: nbformat.NotebookNode) -> bool:
    want = cell.get("metadata", {}).get(META, {}).get("source_sha256")
    return want is not None and hashlib.sha256(cell.source.encode()).hexdigest() == want


def _error_text(cell: nbformat.NotebookNode) -> str:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    if not errors:
        return ""
    if errors[-1].ename == "MemoryError":
        return "MemoryError (the notebook ran into its memory limit)"
    return f"{errors[-1].ename}: {errors[-1].evalue}"[:500]


def run_check(label: str, call: dict, timeout: float) -> tuple[str, str]:
    """Decode a recorded call and run ``label``'s self-check on it here; (status, message)."""
    from helpers import coursework

    from .answers import decode

    if "unreadable" in call:
        return "error", f"the answer could not be read by the grader: {call['unreadable']}"
    try:
        args = [decode(a) for a in call.get("args", [])]
        kwargs = {k: decode(v) for k, v in call.get("kwargs", {}).items()}
    except (ValueError, TypeError, KeyError) as err:
        return "error", f"the answer could not be read by the grader: {err}"

    def alarm(signum, frame):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        message = coursework.CHECKS[label](*args, **kwargs)
        return "passed", str(message)
    except getattr(coursework, "SelfCheckError", AssertionError) as err:  # SelfCheckError is an AssertionError
        return "failed", str(err)
    except TimeoutError:
        return "error", f"the self-check took over {timeout:g} s on this answer"
    except (ValueError, TypeError) as err:
        return "error", f"the answer is malformed: {err}"
    except Exception as err:  # noqa: BLE001  (an answer that breaks the check is an error, named)
        return "error", f"the self-check failed on this answer: {type(err).__name__}: {err}"[:500]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def grade_notebook(path: Path, labels: list[str], limits: Limits, scratch: Path,
                   pid_file: Path | None = None) -> list[ExerciseResult]:
    """Grade one notebook (executed from a copy in ``scratch``): one result per label, in order."""
    copy = scratch / "notebook.ipynb"
    shutil.copyfile(path, copy)
    try:
        original = nbformat.read(copy, as_version=4)
    except Exception as err:  # noqa: BLE001  (an unreadable file is graded as one, not a crash of the grader)
        return [ExerciseResult(label, "error", f"the notebook could not be read: {type(err).__name__}: {err}"[:300])
                for label in labels]
    nb = prepare(original, labels)
    try:
        fate = sandbox.execute(nb, scratch, limits, pid_file)
    except Exception as err:  # noqa: BLE001  (the kernel could not start, ...)
        return [ExerciseResult(label, "error", f"the notebook could not be run: {type(err).__name__}: {err}"[:300])
                for label in labels]
    calls: dict[str, dict | None] = {}
    for cell in nb.cells:
        info = cell.metadata.get(META, {})
        if info.get("grader") != "report":
            continue
        for out in cell.outputs:
            payload = out.get("data", {}).get(MIME) if out.get("output_type") == "display_data" else None
            if isinstance(payload, dict) and payload.get("token") == info["token"] and payload.get("label") == info["label"]:
                if payload.get("call") is not None:
                    calls[info["label"]] = payload["call"]
    spans = areas(nb, labels)
    stopped = next((i for i, f in enumerate(fate) if f in ("dead",)), None)
    results = []
    for label in labels:
        written = _written_answers(original, label)
        if label in calls:
            status, message = run_check(label, calls[label], limits.check_timeout)
            results.append(ExerciseResult(label, status, message, written))
            continue
        if label not in spans:
            results.append(ExerciseResult(label, "not attempted", "this exercise's cells are not in the notebook",
                                          written))
            continue
        first, last = spans[label]
        cells = [(i, nb.cells[i]) for i in range(first, last + 1) if nb.cells[i].cell_type == "code"
                 and nb.cells[i].metadata.get(META, {}).get("grader") is None]
        fates = [fate[i] for i, _ in cells]
        student_code = [c for _, c in cells if not _untouched(c) and c.source.strip()]
        placeholder = f'NotImplementedError: Exercise {label}'
        errors = [_error_text(c) for i, c in cells if fate[i] == "error" and _error_text(c) != placeholder]
        if "timeout" in fates:
            status, message = "timeout", f"a cell ran past the time limit of {limits.cell_timeout:g} s"
        elif "dead" in fates:
            status, message = "error", "the kernel died while running this exercise (memory limit, or the process was ended)"
        elif not student_code:
            code_cells = [c for _, c in cells if _exercise_of(c) == label]
            status = "not attempted"
            message = "the placeholder is untouched" if code_cells else "this exercise's code cell was deleted"
        elif fates and all(f == "not run" for f in fates):
            if stopped is not None:
                status, message = "error", "not run: the kernel died in an earlier cell"
            elif "timeout" in fate:
                status, message = "timeout", ("not run: an earlier cell ran past its time limit and the kernel "
                                              "did not stop when interrupted")
            else:
                status, message = "timeout", f"not run: the notebook's time limit ({limits.timeout:g} s) ran out first"
        elif errors:
            status, message = "error", f"your code raised {errors[-1]}"
        else:
            status = "failed"
            message = ("no answer reached the self-check: end the exercise's code with the self-check call "
                       "(delete the `raise NotImplementedError` line)")
        results.append(ExerciseResult(label, status, message, written))
    return results


def worker(job_file: Path) -> None:
    """Grade one notebook as described by ``job_file`` (written by ``grade``) and write its results."""
    from helpers import coursework  # the checks, imported before any student code runs

    coursework.CHECKS  # noqa: B018

    def task(job: dict, limits: Limits) -> list[dict]:
        results = grade_notebook(Path(job["notebook"]), job["labels"], limits, Path(job["scratch"]),
                                 Path(job["pid_file"]))
        return [asdict(r) for r in results]

    sandbox.serve(job_file, task)  # sets the limits first


# --- the folder ---------------------------------------------------------------------------------------------


def _run_job(job: dict, limits: Limits) -> list[ExerciseResult]:
    """Run one worker process; whatever happens to it, return a result per label."""
    results, problem, tail = sandbox.run_job(job, limits, "booktools.grade")
    if results is not None:
        return [ExerciseResult(**r) for r in results]
    if problem == "timeout":
        return [ExerciseResult(label, "timeout", f"the notebook ran past its time limit ({limits.timeout:g} s)")
                for label in job["labels"]]
    return [ExerciseResult(label, "error", f"{problem}: {' / '.join(tail)}"[:500]) for label in job["labels"]]


def grade(submissions: Path, limits: Limits = Limits(), workers: int | None = None, points: float = 2.0,
          chapters: Path = CHAPTERS, progress: bool = True) -> Path:
    """Grade every student folder in ``submissions``; write the gradebook and feedback; return the gradebook."""
    limits = limits.validate()
    workers = (os.cpu_count() or 1) if workers is None else workers
    _in_range("workers", workers, *RANGES["workers"])
    _in_range("points", points, *RANGES["points"])
    submissions = Path(submissions).resolve()
    found = find_submissions(submissions)
    book = chapter_exercises(chapters)
    scratch_root = Path(tempfile.mkdtemp(prefix="mirage-grade-"))
    jobs, notes = [], {student: [] for student in found}
    try:
        for student, notebooks in found.items():
            for k, path in enumerate(notebooks):
                try:
                    nb = nbformat.read(path, as_version=4)
                except Exception:  # noqa: BLE001  (graded as unreadable below, by the chapter its name gives)
                    nb = None
                chapter = chapter_of(path, nb, book)
                if chapter is None:
                    notes[student].append(f"{path.name}: not a notebook of a chapter of this book; not graded")
                    continue
                scratch = scratch_root / f"{len(jobs):04d}"
                scratch.mkdir()
                jobs.append({"student": student, "chapter": chapter, "notebook": str(path), "labels": book[chapter],
                             "limits": asdict(limits), "scratch": str(scratch), "result": str(scratch / "result.json"),
                             "pid_file": str(scratch / "kernel.pid")})
        results: dict[tuple[str, str], list[tuple[str, list[ExerciseResult]]]] = {}
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [(job, pool.submit(_run_job, job, limits)) for job in jobs]
            for n, (job, future) in enumerate(futures, start=1):
                res = future.result()
                results.setdefault((job["student"], job["chapter"]), []).append((Path(job["notebook"]).name, res))
                if progress:
                    summary = ", ".join(f"{r.label}: {r.status}" for r in res)
                    print(f"[{n}/{len(jobs)}] {job['student']}/{Path(job['notebook']).name}: {summary}", flush=True)
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    chapters_seen = [c for c in book if any(c == ch for _, ch in results)]
    labels = [label for c in chapters_seen for label in book[c]]
    table = {}
    for student in found:
        best: dict[str, ExerciseResult] = {}
        for chapter in chapters_seen:
            runs = results.get((student, chapter), [])
            if len(runs) > 1:
                notes[student].append(f"several notebooks for {chapter} ({', '.join(n for n, _ in runs)}): "
                                      "the best result of each exercise counts")
            for label in book[chapter]:
                candidates = [r for _, res in runs for r in res if r.label == label]
                best[label] = min(candidates, key=lambda r: RANK[r.status]) if candidates else \
                    ExerciseResult(label, "not attempted", f"no notebook for {chapter} was handed in")
        table[student] = best
    return write_outputs(submissions, table, labels, points, notes)


def write_outputs(submissions: Path, table: dict[str, dict[str, ExerciseResult]], labels: list[str],
                  points: float, notes: dict[str, list[str]]) -> Path:
    """``gradebook.csv`` and ``feedback/<student>.md`` in ``submissions``."""
    gradebook = submissions / GRADEBOOK
    out_of = points * len(labels)
    with open(gradebook, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *labels, "points", "out_of"])
        for student, best in table.items():
            earned = sum(points for label in labels if best[label].status == "passed")
            writer.writerow([student, *[best[label].status for label in labels], f"{earned:g}", f"{out_of:g}"])
    feedback = submissions / FEEDBACK_DIR
    feedback.mkdir(exist_ok=True)
    for student, best in table.items():
        earned = sum(points for label in labels if best[label].status == "passed")
        lines = [f"# Feedback for {student}", "",
                 f"Self-checked computations: {earned:g} of {out_of:g} points "
                 f"({points:g} per exercise whose self-check passes). Written answers are marked by your teacher.", ""]
        lines += [f"- Note: {note}" for note in notes.get(student, [])]
        for label in labels:
            r = best[label]
            lines += ["", f"## {label}: {r.status}", ""]
            if r.message:
                lines += [r.message, ""]
            for text in r.written:
                lines += ["Written answer:", "", *[f"> {line}" for line in text.splitlines()], ""]
        (feedback / f"{_safe(student)}.md").write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return gradebook


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name) or "student"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, nargs="?", help="folder with one folder per student")
    parser.add_argument("--timeout", type=float, default=Limits.timeout,
                        help="seconds for a whole notebook (10 to 7200; default %(default)g)")
    parser.add_argument("--cell-timeout", type=float, default=Limits.cell_timeout,
                        help="seconds for one cell (1 to 3600, at most --timeout; default %(default)g)")
    parser.add_argument("--memory", type=float, default=Limits.memory,
                        help="GiB of address space per process (0.5 to 256; default %(default)g)")
    parser.add_argument("--workers", type=int, default=None, help="notebooks graded at once (default: one per core)")
    parser.add_argument("--points", type=float, default=2.0, help="points per passed self-check (default 2)")
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker(args.worker)
        return
    if args.submissions is None:
        parser.error("SUBMISSIONS is required: a folder with one folder per student")
    start = time.perf_counter()
    try:
        gradebook = grade(args.submissions, Limits(args.timeout, args.cell_timeout, args.memory),
                          workers=args.workers, points=args.points)
    except GradeError as err:
        parser.error(str(err))
    print(f"graded in {time.perf_counter() - start:.0f} s: {gradebook} and {gradebook.parent / FEEDBACK_DIR}/")


if __name__ == "__main__":
    main()
