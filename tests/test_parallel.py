"""helpers.parallel: results in input order (or as they finish), the same numbers as in-process, one reused pool,
clear errors."""

import os
import time
from functools import partial

import pytest
import torch

from helpers import parallel


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _threads(_: object) -> int:
    return torch.get_num_threads()


def _sleep_then_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _seeded_sum(seed: int, n: int) -> float:
    return float(torch.randn(n, generator=torch.Generator().manual_seed(seed)).sum())


def test_results_keep_the_input_order_and_run_in_worker_processes() -> None:
    out = parallel.map_in_workers(_pid_and_square, [5, 1, 4, 2, 3], workers=2)
    assert [sq for _, sq in out] == [25, 1, 16, 4, 9]
    pids = {pid for pid, _ in out}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_workers_are_reused_and_run_one_thread_each() -> None:
    first = {pid for pid, _ in parallel.map_in_workers(_pid_and_square, range(6), workers=2)}
    second = {pid for pid, _ in parallel.map_in_workers(_pid_and_square, range(6), workers=2)}
    assert len(first | second) <= 2, "the second call reuses the first call's two processes"
    assert parallel.map_in_workers(_threads, range(4), workers=2, threads=1) == [1, 1, 1, 1]
    parallel.shutdown()
    third = {pid for pid, _ in parallel.map_in_workers(_pid_and_square, range(4), workers=2)}
    assert not third & first, "after shutdown new processes are started"
    parallel.shutdown()


def test_workers_give_the_same_numbers_as_this_process() -> None:
    work = partial(_seeded_sum, n=1000)
    assert parallel.map_in_workers(work, [0, 1, 2], workers=2) == parallel.map_in_workers(work, [0, 1, 2], workers=1)
    parallel.shutdown()


def test_one_worker_or_one_item_runs_here() -> None:
    assert parallel.map_in_workers(_pid_and_square, [3], workers=2) == [(os.getpid(), 9)]
    assert parallel.map_in_workers(_pid_and_square, [2, 3], workers=1) == [(os.getpid(), 4), (os.getpid(), 9)]
    assert parallel.map_in_workers(_pid_and_square, [], workers=2) == []


@pytest.mark.parametrize("kwargs, match", [
    (dict(workers=0), r"workers must be .*\[1"),
    (dict(threads=0), r"threads must be .*\[1"),
])
def test_bad_arguments_are_named(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        parallel.map_in_workers(_pid_and_square, [1, 2], **kwargs)


def test_default_workers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)
    assert parallel.default_workers() == 2
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    assert parallel.default_workers() == 1
    assert parallel.map_in_workers(_pid_and_square, [2, 3]) == [(os.getpid(), 4), (os.getpid(), 9)]  # here: 1 worker
    for bad in ("0", "two", "1.5", ""):
        monkeypatch.setenv(parallel.WORKERS_ENV, bad)
        with pytest.raises(ValueError, match=rf"MIRAGE_WORKERS must be a whole number of workers >= 1; got {bad!r}"):
            parallel.map_in_workers(_pid_and_square, [2, 3])


def test_fn_must_be_callable() -> None:
    with pytest.raises(ValueError, match="fn must be callable"):
        parallel.map_in_workers(3, [1, 2])


def test_completed_results_come_as_they_finish_from_the_same_pool() -> None:
    out = list(parallel.completed_in_workers(_sleep_then_pid, [3.0, 0.0, 0.0], workers=2))
    assert sorted(item for item, _ in out) == [0.0, 0.0, 3.0]
    assert out[0][0] == 0.0, "a quick item comes back before the slow one started before it"
    pids = {pid for _, pid in out}
    assert os.getpid() not in pids
    assert {pid for pid, _ in parallel.map_in_workers(_pid_and_square, range(4), workers=2)} <= pids, \
        "map_in_workers reuses the processes of completed_in_workers: one pool"
    assert parallel.map_in_workers(_threads, range(2), workers=2) == [1, 1]
    parallel.shutdown()


def test_completed_in_this_process_keeps_the_input_order_and_checks_arguments_at_once() -> None:
    assert list(parallel.completed_in_workers(_pid_and_square, [3, 1], workers=1)) == \
        [(3, (os.getpid(), 9)), (1, (os.getpid(), 1))]
    with pytest.raises(ValueError, match=r"workers must be .*\[1"):
        parallel.completed_in_workers(_pid_and_square, [1, 2], workers=0)  # before any item is asked for
