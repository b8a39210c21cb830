"""Run independent pieces of work (one model each) in worker processes, one torch thread per process.

On the project's 2-core CPU, two processes with one thread each beat one process with two threads for
small models (COMPUTE.md): a second thread per process made small workloads many times slower whenever
another process was busy. This is the one worker pool of the book: chapters train their live models
side by side with ``map_in_workers`` (results in input order), and the sweeps' cached runner
(``helpers.cache.run_cached``) uses ``completed_in_workers`` (results as they finish, so each unit is
cached the moment it is done).

How many workers: two by default (one per core of the project's machine), or what the environment
variable ``MIRAGE_WORKERS`` says. The book's executors set it to 1 in each chapter's kernel, since they
already run one chapter per core: a chapter that started two more workers of its own would put three
busy processes on two cores (chapter 5's training cell was seen to pass its 115 s limit that way).
"""

from __future__ import annotations

import atexit
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, TypeVar

from .validation import check_int

__all__ = ["map_in_workers", "completed_in_workers", "shutdown", "default_workers", "WORKERS_ENV"]

WORKERS_ENV = "MIRAGE_WORKERS"
DEFAULT_WORKERS = 2

T = TypeVar("T")
_POOLS: dict[tuple[int, int], ProcessPoolExecutor] = {}  # (workers, threads) -> a pool kept for later calls


def default_workers() -> int:
    """The worker processes used when a call names none: ``MIRAGE_WORKERS`` if set, else 2.

    Used in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    value = os.environ.get(WORKERS_ENV)
    if value is None:
        return DEFAULT_WORKERS
    try:
        workers = int(value)
    except ValueError:
        workers = 0
    if workers < 1 or str(workers) != value.strip():
        raise ValueError(f"the environment variable {WORKERS_ENV} must be a whole number of workers >= 1; got {value!r}")
    return workers


def _init_worker(threads: int) -> None:
    """Worker initialiser: this many torch threads; Ctrl-C (or a kernel interrupt) is the parent's to handle."""
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)


def _pool(workers: int, threads: int) -> ProcessPoolExecutor:
    """The pool of ``workers`` processes with ``threads`` threads each, started once and reused (start-up costs seconds)."""
    key = (workers, threads)
    if key not in _POOLS:
        _POOLS[key] = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                          initializer=_init_worker, initargs=(threads,))
    return _POOLS[key]


def _discard(workers: int, threads: int, *, stop_running: bool) -> None:
    """Forget a pool that broke or was interrupted, so the next call starts afresh.

    After an interrupt the workers are stopped too (they ignore Ctrl-C themselves), so a stopped
    sweep or chapter does not keep training in the background.
    """
    pool = _POOLS.pop((workers, threads), None)
    if pool is None:
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    if stop_running:
        for process in processes:
            process.terminate()


def shutdown() -> None:
    """Stop every worker process this module started (also done at interpreter exit).

    Used in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


def _checked(fn: Callable[[Any], T], items: Iterable[Any], workers: int, threads: int) -> list[Any]:
    """The items as a list, once ``fn``, ``workers`` and ``threads`` are known to be valid."""
    check_int("workers", workers, low=1, high=256)
    check_int("threads", threads, low=1)
    if not callable(fn):
        raise ValueError(f"fn must be callable; got {type(fn).__name__}")
    return list(items)


def _results(fn: Callable[[Any], T], items: list[Any], workers: int, threads: int,
             in_order: bool) -> Iterator[tuple[Any, T]]:
    """(item, fn(item)) for every item: in this process when one worker or one item suffices, else in the pool."""
    if workers == 1 or len(items) <= 1:
        for item in items:
            yield item, fn(item)
        return
    futures: dict[Future, Any] = {}
    try:
        pool = _pool(workers, threads)
        futures = {pool.submit(fn, item): item for item in items}
        for future in (futures if in_order else as_completed(futures)):
            yield futures[future], future.result()
    except BrokenProcessPool:  # a worker died: start afresh next time
        _discard(workers, threads, stop_running=False)
        raise
    except KeyboardInterrupt:  # the user interrupted: stop the workers too
        _discard(workers, threads, stop_running=True)
        raise
    finally:
        for future in futures:  # after an error, what has not started is not started
            future.cancel()


def map_in_workers(fn: Callable[[Any], T], items: Iterable[Any], *, workers: int | None = None,
                   threads: int = 1) -> list[T]:
    """[fn(item) for item in items], computed in ``workers`` spawned processes of ``threads`` torch threads each.

    ``workers``: by default ``default_workers()`` (2, or the environment's ``MIRAGE_WORKERS``).
    ``fn`` and the items must be picklable (a module-level function or a ``functools.partial`` of one).
    Results come back in the order of ``items``; put the slowest items first so no worker idles at the end.
    The worker processes are started on the first call and reused by later ones (``shutdown`` stops them).
    ``workers=1`` runs everything in this process (with this process's threads), which gives the same
    numbers: each item is computed alone, whichever process computes it.

    Used in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    workers = default_workers() if workers is None else workers
    items = _checked(fn, items, workers, threads)
    return [result for _, result in _results(fn, items, workers, threads, in_order=True)]


def completed_in_workers(fn: Callable[[Any], T], items: Iterable[Any], *, workers: int | None = None,
                         threads: int = 1) -> Iterator[tuple[Any, T]]:
    """(item, fn(item)) for every item, each as soon as it is computed, in the workers of ``map_in_workers``.

    The same pool, rules and arguments as ``map_in_workers``; only the order differs: items come back as
    they finish (in the order of ``items`` when this process computes them), so the caller can keep
    each result the moment it exists.

    Used in chapter 5, section 'The committed sweep'.
    """
    workers = default_workers() if workers is None else workers
    items = _checked(fn, items, workers, threads)
    return _results(fn, items, workers, threads, in_order=False)
