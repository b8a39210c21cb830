"""Running one untrusted notebook: a worker process of its own, within limits, and its kernel.

    run_job(job, limits, module)   the grader's side: starts ``python -m <module> --worker JOB`` in a
                                   session of its own and kills what is left of it if it overruns or fails
    serve(job_file, task)          the worker's side: sets this process's limits (``Limits``, inherited by
                                   the kernel and whatever it starts), runs ``task`` and writes its results
    execute(nb, scratch, limits)   runs a notebook cell by cell in a scratch folder, with a time limit per
                                   cell and for the whole notebook; a cell that runs past its limit is
                                   interrupted, and a kernel that does not answer again ends the run

Nothing here knows what is graded: ``booktools.grade`` decides what a job is and what its results mean.
A job is a dict with at least ``scratch`` (the worker's folder, working directory and ``HOME``),
``limits`` (``Limits`` as a dict), ``result`` (the JSON file the worker writes) and ``pid_file`` (where
the kernel's process id is written, so that a worker that cannot clean up has its kernel killed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .grade_kernel import MIME

MAX_OUTPUT_CHARS = 1_000_000  # per cell: a print loop must not fill the grader's memory
LIMIT_RANGES = {  # argument: (low, high, unit)
    "timeout": (10, 7200, "seconds"),
    "cell_timeout": (1, 3600, "seconds"),
    "memory": (0.5, 256, "GiB"),
}


class GradeError(ValueError):
    """Bad input to the grader (its limits here, its folder and options in ``booktools.grade``): the
    message names the argument and what it accepts."""


@dataclass(frozen=True)
class Limits:
    """Time and memory limits of one notebook's run."""

    timeout: float = 900.0       # seconds for the whole notebook
    cell_timeout: float = 300.0  # seconds for one cell
    memory: float = 4.0          # GiB of address space per process
    check_timeout: float = 120.0  # seconds for one self-check run by the grader on an answer

    def validate(self) -> Limits:
        for name in ("timeout", "cell_timeout", "memory"):
            _in_range(name.replace("_", "-"), getattr(self, name), *LIMIT_RANGES[name])
        if self.cell_timeout > self.timeout:
            raise GradeError(f"--cell-timeout must be at most --timeout ({self.timeout:g} s); got {self.cell_timeout:g}")
        return self


def _in_range(name: str, value: float, low: float, high: float, unit: str) -> None:
    if not isinstance(value, (int, float)) or value != value or not low <= value <= high:
        raise GradeError(f"--{name} must be between {low:g} and {high:g} {unit}; got {value!r}")


def _set_limits(limits: Limits) -> None:
    """Limits of this process, inherited by the kernel it starts and the kernel's own processes (soft and
    hard alike, so student code cannot raise them again, unless it runs as root)."""
    import resource

    memory = int(limits.memory * 2**30)
    cpu = int(2 * limits.timeout + 120)
    for name, soft, hard in (("RLIMIT_AS", memory, memory), ("RLIMIT_CORE", 0, 0), ("RLIMIT_FSIZE", 2**30, 2**30),
                             ("RLIMIT_CPU", cpu, cpu + 30)):
        kind = getattr(resource, name, None)
        if kind is None:  # pragma: no cover
            continue
        _, old_hard = resource.getrlimit(kind)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        try:
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):  # pragma: no cover  (a platform that refuses the limit)
            pass


def _client(nb: nbformat.NotebookNode, scratch: Path, cell_timeout: float):
    from .execute import _client_class

    base = _client_class()

    class Client(base):
        def output(self, outs, msg, display_id, cell_index):  # noqa: D102
            content = msg.get("content", {})
            if MIME not in content.get("data", {}):  # the grader's report is never dropped
                sizes = self.__dict__.setdefault("_mirage_sizes", {})
                size = sizes.get(cell_index, 0) + len(str(content.get("text", content.get("data", ""))))
                sizes[cell_index] = size
                if size > MAX_OUTPUT_CHARS:
                    return None
            return super().output(outs, msg, display_id, cell_index)

    return Client(nb, timeout=int(cell_timeout), startup_timeout=120, kernel_name="python3", allow_errors=True,
                  interrupt_on_timeout=False, store_widget_state=False, record_timing=False,
                  resources={"metadata": {"path": str(scratch)}})


def execute(nb: nbformat.NotebookNode, scratch: Path, limits: Limits, pid_file: Path | None = None) -> list[str]:
    """Execute ``nb`` in ``scratch`` cell by cell; return each cell's fate: 'ok', 'error', 'timeout',
    'dead' (the kernel died in it) or 'not run'."""
    fate = ["ok" if c.cell_type != "code" else "not run" for c in nb.cells]
    deadline = time.monotonic() + limits.timeout
    client = _client(nb, scratch, limits.cell_timeout)
    kernel_pid = None
    try:
        with client.setup_kernel():
            kernel_pid = client.km.provisioner.process.pid
            if pid_file is not None:
                pid_file.write_text(str(kernel_pid))
            _execute_cells(client, nb, fate, deadline, limits)
    finally:
        if kernel_pid:  # whatever the kernel started is in its process group (it leads its own session)
            _kill_group(kernel_pid)
    return fate


def _execute_cells(client, nb: nbformat.NotebookNode, fate: list[str], deadline: float, limits: Limits) -> None:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        remaining = deadline - time.monotonic()
        if remaining < 1:
            break
        client.timeout = max(1, int(min(limits.cell_timeout, remaining)))
        try:
            client.execute_cell(cell, index)
            fate[index] = "error" if any(o.output_type == "error" for o in cell.outputs) else "ok"
        except CellTimeoutError:
            fate[index] = "timeout"
            if not _recover(client):
                break
        except DeadKernelError:
            fate[index] = "dead"
            break


def _recover(client) -> bool:
    """After a cell timed out: interrupt the kernel; whether it answers again within 15 s."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbclient.util import run_sync

    try:
        run_sync(client.km.interrupt_kernel)()
        client.timeout = 15
        msg_id = client.kc.execute("pass", store_history=False)
        return client.wait_for_reply(msg_id, nbformat.v4.new_code_cell("pass")) is not None
    except (CellTimeoutError, DeadKernelError, RuntimeError):
        return False


def _kill_group(pid: int) -> None:
    """Kill the process group led by ``pid`` (a kernel or a worker this module started)."""
    if pid <= 0:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def run_job(job: dict, limits: Limits, module: str) -> tuple[list[dict] | None, str | None, list[str]]:
    """Run ``python -m <module> --worker JOB`` for ``job`` in its scratch folder (a session of its own,
    ``HOME`` there) and wait for it, ``limits.timeout`` + 300 s at most; if it overruns or fails, kill its
    process group and its kernel's. Return what it wrote to the job's result file (None if nothing),
    the problem (None, "timeout" or "the grader's worker stopped (exit N)") and its output's last 3 lines."""
    job_file = Path(job["scratch"]) / "job.json"
    job_file.write_text(json.dumps(job))
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg",
               PYDEVD_DISABLE_FILE_VALIDATION="1", HOME=job["scratch"], IPYTHONDIR=str(Path(job["scratch"]) / ".ipython"),
               MPLCONFIGDIR=str(Path(job["scratch"]).parent / "matplotlib"))  # one font cache for all jobs
    proc = subprocess.Popen([sys.executable, "-m", module, "--worker", str(job_file)],
                            cwd=job["scratch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=limits.timeout + 300)
        problem = None if proc.returncode == 0 else f"the grader's worker stopped (exit {proc.returncode})"
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, _ = proc.communicate()
        problem = "timeout"
    if problem is not None:  # the worker could not clean up: the kernel and whatever it started
        pid_file = Path(job["pid_file"])
        text = pid_file.read_text().strip() if pid_file.exists() else ""
        _kill_group(int(text) if text.isdigit() else 0)
    result = Path(job["result"])
    results = json.loads(result.read_text()) if result.exists() else None
    return results, problem, (out or b"").decode(errors="replace").strip().splitlines()[-3:]


def serve(job_file: Path, task: Callable[[dict, Limits], list[dict]]) -> None:
    """The worker's side of ``run_job``: read the job, set this process's limits, run ``task(job, limits)``
    and write what it returns (plain JSON) to the job's result file, whole or not at all."""
    job = json.loads(Path(job_file).read_text())
    limits = Limits(**job["limits"])
    _set_limits(limits)
    results = task(job, limits)
    tmp = Path(job["result"]).with_suffix(".tmp")
    tmp.write_text(json.dumps(results))
    os.replace(tmp, job["result"])
