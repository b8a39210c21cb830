"""Execute chapters (or any notebooks) in parallel, one kernel per core, with stalls failing fast.

    python -m booktools.execute build/executed [02_toy_model ...] [--force]

Each chapter is executed top to bottom in its own process (several nbclient clients in threads of one
process were seen to deadlock) and written to ``OUTDIR/<chapter>.ipynb`` with its execution key (the
chapter's source, the helpers, results, data and pins: ``chapters.execution_key``). A chapter whose
executed notebook already carries the current key is not executed again, so ``make book`` after
``make test`` (whose nbval run writes the same notebooks) executes nothing.

Each kernel may start ``cores_per_kernel`` worker processes of its own (``helpers.parallel``, through
the environment variable ``MIRAGE_WORKERS``): one when two chapters run side by side on two cores.

A cell that runs longer than ``CELL_TIMEOUT`` seconds fails, naming the chapter and the cell, and so
does a kernel that dies (nbclient checks every second).

Why chapters used to stall for exactly the execution timeout (300 s) and then finish without error:
nbclient mimics a browser's ipywidgets Output widget, and each output the widget captures (every
``live()`` explorer draws its figure into one) makes it send a ``comm_msg`` on the *shell* socket while
the cell's reply is awaited on that same socket. jupyter_client sends through a raw shadow of the
asyncio socket, and a raw send on a zmq socket consumes the edge-triggered readiness signal of a reply
arriving at that moment; pyzmq's asyncio poller, which never saw the send, then sleeps until its
timeout, when a last non-blocking poll finds the reply. (The kernel-side twin of this bug was fixed in
ipykernel 7.4, ipython/ipykernel#1529.) The executor here turns the Output-widget mimicry off: the
static book shows no live widgets (their cells are tagged ``remove-cell``), so nothing is lost.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import nbformat

from helpers.cache import atomic_write

from . import chapters

# The longest cell (chapter 5 trains five models) takes 30-50 s alone and was seen at 75-90 s on a
# machine loaded by other jobs; a cell still running at 115 s has stalled and fails (nbval then waits
# up to 5 s more for the kernel's last messages), so a stall costs at most 2 minutes.
CELL_TIMEOUT = 115
STARTUP_TIMEOUT = 60


class ExecutionError(RuntimeError):
    """A notebook cell failed, timed out, or its kernel died."""


def _client_class():
    """nbclient's NotebookClient without its Output-widget mimicry (the cause of the timeout stalls)."""
    from nbclient import NotebookClient

    class Client(NotebookClient):
        def on_comm_open_jupyter_widget(self, msg):
            return None  # no frontend object for any widget, so nothing is ever sent on the shell socket

    return Client


def execute_notebook(nb: nbformat.NotebookNode, *, allow_errors: bool = False, timeout: int = CELL_TIMEOUT,
                     name: str = "notebook") -> tuple[nbformat.NotebookNode, float]:
    """Execute ``nb`` in a scratch folder with the python3 kernel; return it and the seconds taken.

    A failing cell (unless ``allow_errors``), a cell over ``timeout`` seconds and a dead kernel raise
    ``ExecutionError`` naming ``name`` and the cell."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    start = time.perf_counter()
    current = {"cell": None}
    client = _client_class()(nb, timeout=timeout, startup_timeout=STARTUP_TIMEOUT, kernel_name="python3",
                             allow_errors=allow_errors, record_timing=True, store_widget_state=False,
                             on_cell_start=lambda cell, cell_index: current.update(cell=cell_index))
    with tempfile.TemporaryDirectory() as tmp:
        client.resources = {"metadata": {"path": tmp}}
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            where = f"Cell {_code_index(nb, current['cell'])}" if current["cell"] is not None else "kernel start"
            raise ExecutionError(f"{name}: {where}: {type(err).__name__}: {str(err)[-2000:]}") from None
    return nb, time.perf_counter() - start


def _code_index(nb: nbformat.NotebookNode, index: int) -> int:
    """The position of cell ``index`` among code cells (what nbval calls 'Cell N')."""
    return sum(1 for c in nb.cells[:index] if c.cell_type == "code")


def stamp(nb: nbformat.NotebookNode, path: Path, key: str, seconds: float) -> nbformat.NotebookNode:
    """Mark an executed chapter with what it was executed from and how long it took."""
    nb.metadata["mirage"] = {"chapter": path.stem, "execution_key": key, "seconds": round(seconds, 1)}
    return nb


def is_current(target: Path, key: str) -> bool:
    """Whether ``target`` is an executed notebook made from the chapter and code version ``key``."""
    if not target.exists():
        return False
    try:
        nb = nbformat.read(target, as_version=4)
    except (OSError, ValueError):
        return False
    return nb.metadata.get("mirage", {}).get("execution_key") == key


def cores_per_kernel(kernels: int) -> int:
    """The cores each of ``kernels`` chapters executed side by side may use for worker processes of its own."""
    return max(1, (os.cpu_count() or 1) // max(1, kernels))


def _execute_chapter(path: str, target: str, key: str, cores: int) -> tuple[str, float]:
    """Worker: execute one chapter (its kernel may start ``cores`` workers) and write it to ``target``."""
    from helpers.parallel import WORKERS_ENV

    os.environ[WORKERS_ENV] = str(cores)  # the kernel inherits it: helpers.parallel's default workers
    path = Path(path)
    nb, seconds = execute_notebook(chapters.read_chapter(path), name=path.name)
    atomic_write(Path(target), nbformat.writes(stamp(nb, path, key, seconds)).encode())
    return path.stem, seconds


def execute_chapters(paths: list[Path], outdir: Path, *, force: bool = False, workers: int | None = None,
                     progress: bool = True) -> dict[str, float]:
    """Execute ``paths`` into ``outdir`` side by side; skip those already current; return seconds per chapter."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    inputs = chapters.inputs_version()
    todo = []
    for path in paths:
        key = chapters.execution_key(path, inputs)
        target = outdir / f"{path.stem}.ipynb"
        if force or not is_current(target, key):
            todo.append((str(path), str(target), key))
    if not todo:
        return {}
    # Longest first, so two workers finish together: the last recorded time, else the source size.
    todo.sort(key=lambda t: -_expected_seconds(Path(t[1]), Path(t[0])))
    workers = max(1, min(len(todo), workers or os.cpu_count() or 1))
    from tqdm import tqdm

    done, failures = {}, []
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_execute_chapter, *t, cores_per_kernel(workers)): Path(t[0]).stem for t in todo}
        with tqdm(total=len(todo), desc="executing chapters", unit="chapter", disable=not progress) as bar:
            for future in as_completed(futures):
                try:
                    stem, seconds = future.result()
                    done[stem] = seconds
                    bar.write(f"  {stem}: {seconds:.1f} s")
                except ExecutionError as err:
                    failures.append(str(err))
                bar.update()
    if failures:
        raise ExecutionError("\n\n".join(failures))
    return done


def _expected_seconds(target: Path, source: Path) -> float:
    """How long a chapter took last time (from its executed notebook), else its source size in kB."""
    try:
        return float(nbformat.read(target, as_version=4).metadata["mirage"]["seconds"])
    except (OSError, KeyError, ValueError, TypeError):
        return source.stat().st_size / 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path, help="folder for the executed notebooks, e.g. build/executed")
    parser.add_argument("chapters", nargs="*", help="chapter file stems (default: all)")
    parser.add_argument("--force", action="store_true", help="execute even chapters whose executed notebook is current")
    parser.add_argument("--workers", type=int, default=None, help="parallel kernels (default: one per core)")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers must be at least 1; got {args.workers}")
    start = time.perf_counter()
    try:
        done = execute_chapters(chapters.select(args.chapters), args.outdir, force=args.force, workers=args.workers)
    except ExecutionError as err:
        sys.exit(f"chapter execution failed:\n{err}")
    skipped = len(chapters.select(args.chapters)) - len(done)
    print(f"{len(done)} chapters executed in {time.perf_counter() - start:.1f} s"
          + (f"; {skipped} already current in {args.outdir}" if skipped else ""))


if __name__ == "__main__":
    main()
