"""How fast the default arithmetic sweep trains, against this machine's matmul peak and a naive loop.

Prints, asserts nothing (a benchmark reports; wall-clock times are never test failures):

(a) matmul peak: square matmuls n = 512..1024, fp32 and bf16, 1 and 2 threads (median of reps, best n);
(b) the default sweep (every size of ``model.family``, 3 seeds, 600 steps x batch 256), trained the
    fast way: seeds as ensemble members, bf16 autocast from width 32 where the CPU has bf16 units
    (``sweep.machine_precision``), two worker processes with 1 thread each (or one process, 2 threads:
    ``--strategy threads``); achieved FLOP/s
    by 6 * params * tokens per size and overall, as a fraction of the measured peak;
(c) the speed-up over a naive loop: one model at a time (ensemble of 1), fp32, one process with
    torch's default threads, on the same sizes and seeds, both timed with ``--ratio-steps`` steps;
    and the ceiling on any speed-up: the naive loop's FLOPs at the best measured 2-thread peak (a CPU
    without bf16 units has only its fp32 peak, so a naive loop at 40 % of it leaves at most 2.5x).

    .venv/bin/python benchmarks/sweep_speed.py            # about 8-10 min on the 2-core machine
    .venv/bin/python benchmarks/sweep_speed.py --quick    # under a minute: fewer steps and reps

Data: the ``mul_kx1`` task of ``helpers.arithmetic.tasks`` (5-digit x 1-digit multiplication, T = 14,
answers of up to 6 tokens) when importable, else a synthetic stand-in with the same shapes.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch  # noqa: E402

from helpers.arithmetic.model import ModelConfig, count_params, family  # noqa: E402
from helpers.arithmetic.sweep import machine_precision, native_bf16  # noqa: E402
from helpers.arithmetic.train import TrainConfig, train  # noqa: E402

SEEDS = (0, 1, 2)
STEPS = 600
BATCH = 256
NUM_TEST = 2000


# ---------------------------------------------------------------- (a) matmul peak


def matmul_gflops(n: int, dtype: torch.dtype, reps: int) -> float:
    """Median GFLOP/s of an n x n x n matmul at the current thread count."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=g).to(dtype)
    b = torch.randn(n, n, generator=g).to(dtype)
    out = torch.empty(n, n, dtype=dtype)
    for _ in range(2):
        torch.mm(a, b, out=out)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        torch.mm(a, b, out=out)
        times.append(time.perf_counter() - t)
    return 2 * n**3 / statistics.median(times) / 1e9


def matmul_peaks(sizes: tuple[int, ...], reps: int) -> dict[tuple[str, int], float]:
    """Best-over-n median GFLOP/s for each (precision, threads)."""
    before = torch.get_num_threads()
    peaks = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            rates = [matmul_gflops(n, dtype, reps) for n in sizes]
            peaks[(name, threads)] = max(rates)
            shown = ", ".join(f"n={n}: {r:5.0f}" for n, r in zip(sizes, rates))
            print(f"  {name} {threads} thread{'s' if threads > 1 else ' '}  {shown}  -> peak {max(rates):5.0f} GFLOP/s")
    torch.set_num_threads(before)
    return peaks


# ---------------------------------------------------------------- data


def synthetic_batch(batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Stand-in for mul_kx1: 5-digit a * b (2..9), answer reversed; T = 14, 6 answer tokens, V = 14."""
    a = torch.randint(10_000, 100_000, (batch_size,), generator=generator)
    b = torch.randint(2, 10, (batch_size,), generator=generator)
    digits = lambda n, k: torch.stack([(n // 10**i) % 10 for i in range(k)], 1)  # noqa: E731  least significant first
    X = torch.cat(
        [digits(a, 5).flip(1), torch.full((batch_size, 1), 11), b[:, None], torch.full((batch_size, 1), 12), digits(a * b, 6)],
        dim=1,
    )
    mask = torch.zeros(batch_size, 14, dtype=torch.bool)
    mask[:, 7:13] = True
    return X, mask


def make_sampler(task_name: str):
    """(sample_batch, vocab_size, seq_len, description): the real task if tasks.py imports, else synthetic."""
    try:
        from helpers.arithmetic.tasks import VOCAB_SIZE, get_task
    except ImportError as err:
        return synthetic_batch, 14, 14, f"synthetic 5x1 multiplication (tasks.py not importable: {err})"
    task = get_task(task_name)
    split = task.split(NUM_TEST, seed=0)
    sampler = functools.partial(task.sample_train, exclude=split)
    return sampler, VOCAB_SIZE, task.seq_len, f"tasks.get_task({task_name!r}), T={task.seq_len}, answer_len={task.answer_len}"


# ---------------------------------------------------------------- jobs


@dataclass(frozen=True)
class Job:
    """One training run: a size, the seeds trained together, and how."""

    size: int  # index into family()
    seeds: tuple[int, ...]  # ensemble members
    steps: int
    precision: str
    threads: int  # torch threads inside the process that runs it


@dataclass(frozen=True)
class Done:
    """What a job measured."""

    job: Job
    params: int
    wall_s: float
    flops: float
    final_loss: float


_SAMPLER = None


def _worker_init(task_name: str, threads: int) -> None:
    global _SAMPLER
    torch.set_num_threads(threads)
    _SAMPLER = make_sampler(task_name)


def run_job(job: Job, task_name: str) -> Done:
    """Train one job in this process (threads set by the caller or the worker initialiser)."""
    global _SAMPLER
    if _SAMPLER is None:
        _SAMPLER = make_sampler(task_name)
    sample, V, T, _ = _SAMPLER
    model = family(V, T)[job.size]
    config = TrainConfig(model, seeds=job.seeds, steps=job.steps, batch_size=BATCH, precision=job.precision, device="cpu")
    result = train(config, sample, progress=False)
    return Done(job, count_params(model), result.wall_time_s, result.flops, float(result.loss_history[:, -1].mean()))


def fast_jobs(models: tuple[ModelConfig, ...], steps: int, threads: int) -> list[Job]:
    """Seeds batched as one ensemble per size, bf16 where it pays; largest first (for load balance)."""
    jobs = [Job(i, SEEDS, steps, machine_precision(m), threads) for i, m in enumerate(models)]
    return sorted(jobs, key=lambda j: -count_params(models[j.size]))


def naive_jobs(models: tuple[ModelConfig, ...], steps: int, threads: int) -> list[Job]:
    """One model at a time in fp32, in this process."""
    return [Job(i, (s,), steps, "fp32", threads) for i in range(len(models)) for s in SEEDS]


def run_jobs(jobs: list[Job], strategy: str, task_name: str) -> tuple[list[Done], float]:
    """Run jobs with 'workers' (2 processes x 1 thread) or in this process; return results and wall time."""
    start = time.perf_counter()
    if strategy == "workers":
        ctx = get_context("spawn")
        with ProcessPoolExecutor(2, mp_context=ctx, initializer=_worker_init, initargs=(task_name, 1)) as pool:
            done = list(pool.map(run_job, jobs, [task_name] * len(jobs)))
    else:
        before = torch.get_num_threads()
        done = []
        for job in jobs:
            torch.set_num_threads(job.threads)
            done.append(run_job(job, task_name))
        torch.set_num_threads(before)
    return done, time.perf_counter() - start


# ---------------------------------------------------------------- report


def report_sweep(done: list[Done], wall: float, peaks: dict, models, strategy: str) -> None:
    """Per-size and overall achieved FLOP/s against the matching measured peak."""
    threads_per_job = 1 if strategy == "workers" else 2
    cores = 2
    print(f"  {'params':>8} {'width':>5} {'L':>2} {'prec':>4} {'E':>2} {'wall s':>7} {'ms/step':>8} {'GFLOP/s':>8} {'% peak':>7} {'loss':>6}")
    ideal = 0.0  # seconds the work would take at the measured peak of the precision used, on both cores
    for d in sorted(done, key=lambda d: d.params):
        m = models[d.job.size]
        peak = peaks[(d.job.precision, threads_per_job)]
        rate = d.flops / d.wall_s / 1e9
        ideal += d.flops / 1e9 / (peaks[(d.job.precision, 1)] * cores)
        print(
            f"  {d.params:8d} {m.d_model:5d} {m.n_layers:2d} {d.job.precision:>4} {len(d.job.seeds):2d} {d.wall_s:7.1f} "
            f"{1e3 * d.wall_s / d.job.steps:8.1f} {rate:8.1f} {100 * rate / peak:6.1f}% {d.final_loss:6.3f}"
        )
    total = sum(d.flops for d in done)
    rate = total / wall / 1e9
    print(f"  overall: {total / 1e12:.2f} TFLOP in {wall:.1f} s wall ({strategy}) = {rate:.1f} GFLOP/s")
    print(
        f"    = {100 * ideal / wall:.1f}% of the peak of the precisions used (both cores), "
        f"{100 * rate / peaks[('fp32', 2)]:.1f}% of the fp32 2-thread peak, "
        f"{100 * rate / peaks[('bf16', 2)]:.1f}% of the bf16 2-thread peak"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sub-minute run: fewer reps and steps")
    parser.add_argument("--task", default="mul_kx1", help="task name for tasks.get_task (default mul_kx1)")
    parser.add_argument("--strategy", choices=("workers", "threads"), default="workers",
                        help="workers: 2 processes x 1 thread (default); threads: 1 process x 2 threads")
    parser.add_argument("--steps", type=int, default=None, help="sweep steps (default 600; --quick 15)")
    parser.add_argument("--ratio-steps", type=int, default=None,
                        help="steps for the naive comparison (default 100; --quick: the sweep's own steps, reusing (b))")
    parser.add_argument("--naive-threads", type=int, default=torch.get_num_threads(),
                        help="threads of the naive loop (default: torch's default, %(default)s here)")
    parser.add_argument("--skip-naive", action="store_true", help="skip (c)")
    args = parser.parse_args()
    steps = args.steps or (15 if args.quick else STEPS)
    ratio_steps = args.ratio_steps or (steps if args.quick else 100)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"default threads {torch.get_num_threads()}, native bf16 {native_bf16()}; load average {os.getloadavg()[0]:.2f} (other processes slow everything)")
    sample, V, T, description = make_sampler(args.task)
    print(f"data: {description}")
    models = family(V, T)

    print("(a) matmul peak (median of reps, best n)")
    peaks = matmul_peaks((512,) if args.quick else (512, 768, 1024), reps=3 if args.quick else 7)

    print(f"(b) default sweep: {len(models)} sizes x {len(SEEDS)} seeds x {steps} steps x batch {BATCH}"
          f"{'' if steps == STEPS else f' (the full sweep has {STEPS} steps)'}")
    done, wall = run_jobs(fast_jobs(models, steps, 1 if args.strategy == "workers" else 2), args.strategy, args.task)
    report_sweep(done, wall, peaks, models, args.strategy)
    if steps != STEPS:
        print(f"    full sweep estimate: {wall * STEPS / steps:.0f} s (linear in steps)")

    if args.skip_naive:
        return
    print(f"(c) naive loop (one model at a time, fp32, {args.naive_threads} thread(s)) vs the fast sweep, "
          f"both on all sizes and seeds with {ratio_steps} steps (worker start-up included in the fast time)")
    if ratio_steps == steps:
        fast_done, fast_wall = done, wall
        print("  fast: the timing of (b)")
    else:
        fast_done, fast_wall = run_jobs(fast_jobs(models, ratio_steps, 1 if args.strategy == "workers" else 2), args.strategy, args.task)
    naive_done, naive_wall = run_jobs(naive_jobs(models, ratio_steps, args.naive_threads), "inline", args.task)
    print(f"  fast {fast_wall:.1f} s, naive {naive_wall:.1f} s: {naive_wall / fast_wall:.2f}x")
    # No schedule can beat doing the same FLOPs at the best measured 2-thread matmul rate of this machine.
    best_name, best_peak = max(((name, peaks[(name, 2)]) for name in ("fp32", "bf16")), key=lambda kv: kv[1])
    floor_s = sum(d.flops for d in naive_done) / (best_peak * 1e9)
    print(f"  ceiling: the same work at the best measured 2-thread peak ({best_name}, {best_peak:.0f} GFLOP/s) takes "
          f"{floor_s:.1f} s, so no schedule on this machine can be more than {naive_wall / floor_s:.2f}x faster "
          f"than this naive loop (it already runs at {100 * floor_s / naive_wall:.0f}% of that peak)")
    per_size_naive: dict[int, float] = {}
    for d in naive_done:
        per_size_naive[d.job.size] = per_size_naive.get(d.job.size, 0.0) + d.wall_s
    for d in sorted(fast_done, key=lambda d: d.params):
        print(f"    {d.params:8d} params: naive {per_size_naive[d.job.size]:6.1f} s, fast job {d.wall_s:6.1f} s "
              f"({per_size_naive[d.job.size] / d.wall_s:.2f}x, one worker)")


if __name__ == "__main__":
    main()
