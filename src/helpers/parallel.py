"""Run independent pieces of work (one model each) in worker processes, one torch thread per process.

On the project's 2-core CPU, two processes with one thread each beat one process with two threads for
small models (COMPUTE.md): a second thread per process made small workloads many times slower whenever
another process was busy. Chapters use this to train their live models side by side.
"""

from __future__ import annotations

import atexit
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, TypeVar

from .validation import check_int

__all__ = ["map_in_workers", "shutdown"]

T = TypeVar("T")
_POOLS: dict[tuple[int, int], ProcessPoolExecutor] = {}  # (workers, threads) -> a pool kept for later calls


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


def shutdown() -> None:
    """Stop every worker process this module started (also done at interpreter exit)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


def map_in_workers(fn: Callable[[Any], T], items: Iterable[Any], *, workers: int = 2, threads: int = 1) -> list[T]:
    """[fn(item) for item in items], computed in ``workers`` spawned processes of ``threads`` torch threads each.

    ``fn`` and the items must be picklable (a module-level function or a ``functools.partial`` of one).
    Results come back in the order of ``items``; put the slowest items first so no worker idles at the end.
    The worker processes are started on the first call and reused by later ones (``shutdown`` stops them).
    ``workers=1`` runs everything in this process (with this process's threads), which gives the same
    numbers: each item is computed alone, whichever process computes it.
    """
    check_int("workers", workers, low=1)
    check_int("threads", threads, low=1)
    if not callable(fn):
        raise ValueError(f"fn must be callable; got {type(fn).__name__}")
    items = list(items)
    if workers == 1 or len(items) <= 1:
        return [fn(item) for item in items]
    try:
        return list(_pool(workers, threads).map(fn, items))
    except (BrokenProcessPool, KeyboardInterrupt):  # a worker died, or the user interrupted: start afresh next time
        _POOLS.pop((workers, threads)).shutdown(wait=False, cancel_futures=True)
        raise
