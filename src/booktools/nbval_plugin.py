"""A pytest plugin so that the chapters are executed once, by nbval, for both the tests and the book.

    pytest -p booktools.nbval_plugin --executed-dir build/executed -n 2 --dist loadgroup ... build/notebooks

- Every cell nbval executes keeps the outputs nbval collected; when the last cell of a notebook has run
  and every cell of it passed, the notebook is written to ``--executed-dir`` with its execution key
  (``booktools.chapters.execution_key``), ready for the book build (``booktools.build``).
- The cells of one notebook share a kernel, so with ``--dist loadgroup`` pytest-xdist sends a notebook
  whole to one worker (``NotebookScheduling``; xdist's own grouping by ``xdist_group`` marks does not
  work with pytest 9, which ignores the node id xdist rewrites). Notebooks, and tests marked ``heavy``,
  are scheduled first, longest first (give ``--no-loadscope-reorder`` so xdist keeps that order).
- A chapter's student notebook is checked in the same run: ``chapters.prepare`` puts its placeholders
  just before the chapter's first solution cell (``chapters.placeholder_run``), and each must raise the
  NotImplementedError naming its exercise, and nothing else; they are left out of the executed notebook.
- Each chapter kernel may start ``execute.cores_per_kernel`` worker processes of its own (one per
  xdist worker's share of the cores), as in ``booktools.execute``.
- A cell times out after ``execute.CELL_TIMEOUT`` seconds unless ``--nbval-cell-timeout`` says otherwise,
  and a kernel that dies while a cell runs fails that cell within a second instead of at the timeout.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from helpers.cache import atomic_write

from . import chapters, execute, student

_NBVAL_DEFAULT_TIMEOUT = 2000  # nbval's own default for --nbval-cell-timeout
_POLL_SECONDS = 1.0
_CELL_ID = re.compile(r"^(?P<notebook>.+ipynb)::Cell \d+$")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mirage")
    group.addoption("--executed-dir", default=None, type=Path,
                    help="write each notebook nbval executed, all cells passed, to this folder")
    group.addoption("--timeline", default=None, type=Path,
                    help="append one JSON line per test (worker, test, start, end) to this file")


def _is_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "nbval_cell_timeout", None) in (_NBVAL_DEFAULT_TIMEOUT, str(_NBVAL_DEFAULT_TIMEOUT)):
        config.option.nbval_cell_timeout = execute.CELL_TIMEOUT
    # Each pytest-xdist worker runs one chapter kernel at a time: its share of the cores is what the
    # chapter may use for worker processes of its own (helpers.parallel), as booktools.execute gives it.
    from helpers.parallel import WORKERS_ENV

    if os.environ.get("PYTEST_XDIST_WORKER") or not getattr(config.option, "numprocesses", None):
        kernels = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))  # (not in xdist's controller,
        os.environ.setdefault(WORKERS_ENV, str(execute.cores_per_kernel(kernels)))  # whose env workers inherit)
    _watch_kernel_deaths()


def _watch_kernel_deaths() -> None:
    """Make nbval's wait for a cell's reply notice a dead kernel within a second (it waits the full timeout)."""
    from queue import Empty

    from nbval.kernel import RunningKernel

    if getattr(RunningKernel.await_reply, "_mirage", False):
        return
    original = RunningKernel.await_reply

    def await_reply(self, msg_id, timeout=None):
        if timeout is None:
            return original(self, msg_id, timeout)
        deadline = time.monotonic() + float(timeout)
        while True:
            left = deadline - time.monotonic()
            try:
                return original(self, msg_id, timeout=min(_POLL_SECONDS, max(left, 0.0)))
            except Empty:
                if not self.is_alive():
                    raise RuntimeError("the kernel died while the cell ran") from None
                if left <= _POLL_SECONDS:
                    raise

    await_reply._mirage = True
    RunningKernel.await_reply = await_reply


def _weight(item: pytest.Item) -> float:
    """How long an item's group is expected to take: notebooks by their last run, heavy tests next."""
    if _is_cell(item):
        path = Path(str(item.fspath))
        executed = item.config.getoption("executed_dir")
        target = Path(executed) / path.name if executed else path
        return 1e6 + execute._expected_seconds(target, path)
    if item.get_closest_marker("heavy"):
        return 1e3
    return 0.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A stable sort: cells keep their order within a notebook, tests their order within a module.
    weights = {}
    for item in items:
        key = Path(str(item.fspath)).name if _is_cell(item) else item.nodeid
        item._mirage_weight = weights.setdefault(key, _weight(item))
    items.sort(key=lambda it: -it._mirage_weight)


def _notebook_scheduling():
    """pytest-xdist's scope scheduling with one scope per notebook and one per other test."""
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            m = _CELL_ID.match(nodeid)
            return m["notebook"] if m else nodeid

    return NotebookScheduling


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") == "loadgroup":
        return _notebook_scheduling()(config, log)
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    start = time.time()
    yield
    timeline = item.config.getoption("timeline")
    if timeline is not None:
        line = {"worker": os.environ.get("PYTEST_XDIST_WORKER", "main"), "test": item.nodeid,
                "start": start, "end": time.time()}
        if (label := _placeholder_label(item)) is not None:
            line["student_placeholder"] = label
        with open(timeline, "a", encoding="utf-8") as f:  # one short append per test: lines never interleave
            f.write(json.dumps(line) + "\n")


def _placeholder_label(item: pytest.Item) -> str | None:
    """The exercise label of a student placeholder that ``chapters.prepare`` put into a chapter; else None."""
    return item.cell.metadata.get(student.META, {}).get(chapters.STUDENT_CHECK) if _is_cell(item) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield
    label = _placeholder_label(item)
    if label is not None:  # nbval let it raise (tag raises-exception): it must raise exactly its own error
        errors = [o for o in item.test_outputs or [] if o.get("output_type") == "error"]
        got = ", ".join(f"{e['ename']}: {e['evalue']}" for e in errors) or "no error"
        if [(e["ename"], e["evalue"]) for e in errors] != [("NotImplementedError", f"Exercise {label}")]:
            pytest.fail(f"{Path(str(item.fspath)).stem}, student notebook: the placeholder of exercise {label} "
                        f"must raise NotImplementedError('Exercise {label}') and nothing else; got {got}",
                        pytrace=False)
    return result


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if _is_cell(item) and report.failed:
        item.parent._mirage_failed = True


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _is_cell(item) and not hasattr(item.parent, "_mirage_start"):
        item.parent._mirage_start = time.perf_counter()
        item.parent._mirage_ran = 0


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if not _is_cell(item):
        return
    item.cell.outputs = [nbformat.from_dict(dict(o)) for o in (item.test_outputs or [])]
    item.parent._mirage_ran += 1
    item.cell.execution_count = item.cell_num + 1
    for out in item.cell.outputs:
        if out.output_type == "execute_result":
            out.execution_count = item.cell.execution_count
    if nextitem is not None and nextitem.parent is item.parent:
        return
    executed = item.config.getoption("executed_dir")
    if executed is None:
        return
    notebook = item.parent
    target = Path(executed) / Path(str(notebook.fspath)).name
    nb = notebook.nb
    whole = notebook._mirage_ran == sum(1 for c in nb.cells if c.cell_type == "code")
    if getattr(notebook, "_mirage_failed", False) or not whole or target.parent == Path(str(notebook.fspath)).parent:
        target.unlink(missing_ok=True)  # never leave a stale, partial or broken notebook for the book
        return
    nb = chapters.without_placeholders(nbformat.from_dict(nb))
    meta = nb.metadata.get("mirage", {})
    meta["seconds"] = round(time.perf_counter() - notebook._mirage_start, 1)
    nb.metadata["mirage"] = meta
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, nbformat.writes(nb).encode())
