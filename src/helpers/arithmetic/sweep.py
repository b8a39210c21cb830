"""The arithmetic sweep: train every model size of the family on a task, score the fixed outputs, save a tidy table.

    python -m helpers.arithmetic.sweep                       # the default sweep (mul_kx1), into results/
    python -m helpers.arithmetic.sweep --task mul_2x2        # one of the paper's tasks (long: ~2,400 steps)
    python -m helpers.arithmetic.sweep --task mul_kx1 --seeds 0 1 2 --steps 600
    python -m helpers.arithmetic.sweep --quick               # a small, fast check of the whole pipeline

Each (task, model size) is one unit of work: one ensemble holding every seed, trained once, then run
once on the fixed test set (``evaluate.collect_outputs``) and scored with every metric
(``evaluate.score``). Units are cached on disk by their configuration and a hash of the code that
computes them (``helpers.sweeps``, the runner shared with the vision sweeps), so a rerun only trains
what changed, and a stale or corrupt entry is reported and recomputed, never used.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from .. import sweeps
from ..sweeps import RESULTS
from ..validation import check_int, check_real
from . import evaluate, model, tasks, train

__all__ = ["SweepConfig", "DEFAULT_SWEEPS", "PAPER_SWEEPS", "RESOLUTION_SWEEPS", "QUICK_SWEEP", "RESOLUTION_RESULTS",
           "native_bf16", "machine_precision", "train_and_collect",
           "code_version", "run_unit", "run_sweep", "main"]

RESOLUTION_RESULTS = RESULTS / "resolution"  # the RESOLUTION_SWEEPS tables: a folder of their own, so that
# every results/*.csv stays one full size family (chapter 6 audits them all)


def native_bf16() -> bool:
    """Whether this CPU has bfloat16 matrix instructions (AVX512-BF16 or AMX), as oneDNN reports it.

    Without them torch emulates bf16 matmuls: on an AVX2-only CPU (AMD EPYC, 2026-12-01) a bf16 training
    step was 8-9x *slower* than fp32 at widths 32 and 128, where a CPU with AMX made it 1.6-2x faster.

    Used in chapter 5, section 'The committed sweep'.
    """
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without oneDNN: no fast bf16 either
        return False


def machine_precision(cfg: model.ModelConfig) -> str:
    """What precision 'auto' trains ``cfg`` in on this machine: ``train.auto_precision`` with bf16 units, else fp32.

    Used in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    return train.auto_precision(cfg) if native_bf16() else "fp32"


@dataclass(frozen=True)
class SweepConfig:
    """One task trained at several model sizes with several seeds, then evaluated on one fixed test set.

    Used in chapter 5, section 'The committed sweep'.
    """

    task: str = "mul_kx1"  # task name, see tasks.get_task
    sizes: tuple[int, ...] = ()  # indices into model.family(...); () means every size
    seeds: tuple[int, ...] = (0, 1, 2)  # one ensemble member per seed
    steps: int = 600  # optimiser steps per model
    batch_size: int = 256  # sequences per member per step
    lr: float = 3e-3  # peak learning rate (AdamW, warm-up then cosine decay)
    warmup_steps: int = 50  # linear warm-up steps
    weight_decay: float = 0.01  # AdamW weight decay
    precision: str = "auto"  # 'fp32', 'bf16', or 'auto' (bf16 where it pays on this CPU: machine_precision)
    num_test: int = 2000  # fixed held-out test problems (never seen in training)
    split_seed: int = 0  # seed of the train/test split
    num_candidates: int = 4  # options in the multiple-choice framing (right answer + distractors)
    eval_seed: int = 0  # seed of the distractors and the right option's position

    def __post_init__(self) -> None:
        try:
            tasks.get_task(self.task)
        except ValueError as err:
            raise ValueError(f"task: {err}") from None
        n_sizes = len(self.family())
        for i in self.sizes:
            check_int("sizes", i, low=0, high=n_sizes - 1)
        if not self.seeds:
            raise ValueError("seeds must hold at least one seed")
        for s in self.seeds:
            check_int("seeds", s, low=0)
        check_int("steps", self.steps, low=1)
        check_int("batch_size", self.batch_size, low=1)
        check_real("lr", self.lr, low=0, low_open=True)
        check_int("warmup_steps", self.warmup_steps, low=0, high=self.steps - 1)
        check_real("weight_decay", self.weight_decay, low=0)
        if self.precision not in ("fp32", "bf16", "auto"):
            raise ValueError(f"precision must be one of ('fp32', 'bf16', 'auto'); got {self.precision!r}")
        check_int("num_test", self.num_test, low=1)
        check_int("num_candidates", self.num_candidates, low=2)

    def family(self) -> tuple[model.ModelConfig, ...]:
        """The model sizes this task's sequences allow."""
        task = tasks.get_task(self.task)
        return model.family(tasks.VOCAB_SIZE, task.seq_len)

    def size_indices(self) -> tuple[int, ...]:
        """The sizes to train, as indices into ``family()``."""
        return self.sizes or tuple(range(len(self.family())))

    def unit(self, size: int) -> "SweepConfig":
        """One unit of work: this sweep restricted to one size, with 'auto' precision resolved on this machine.

        Resolving it makes the cache key say what was run: a unit trained in bf16 on one CPU is never
        reused for an fp32 run on another.
        """
        return dataclasses.replace(self, sizes=(size,), precision=self.train_config(size).precision)

    def train_config(self, size: int) -> train.TrainConfig:
        """How the model of index ``size`` is trained."""
        cfg = self.family()[size]
        precision = machine_precision(cfg) if self.precision == "auto" else self.precision
        return train.TrainConfig(model=cfg, seeds=tuple(self.seeds), steps=self.steps, batch_size=self.batch_size,
                                 lr=self.lr, warmup_steps=self.warmup_steps, weight_decay=self.weight_decay,
                                 precision=precision, device="cpu")


# The book's sweeps. The default (what `make sweep` regenerates and chapter 5 loads) is the k-digit x
# 1-digit task: it shows all three predictions, target length included, and its 10 sizes x 3 seeds fit
# the 10-minute budget on a CPU with bf16 units (386 s; 719 s on an AVX2-only AMD EPYC, see README).
# The paper's two tasks need far more steps to reach the top of their curves (COMPUTE.md: a 2.3e5
# model needed ~2,400 steps on 2-digit multiplication), so they are run on request:
# `python -m helpers.arithmetic.sweep --task mul_2x2`.
DEFAULT_SWEEPS: tuple[SweepConfig, ...] = (SweepConfig(task="mul_kx1"),)
PAPER_SWEEPS: tuple[SweepConfig, ...] = (
    SweepConfig(task="mul_2x2", steps=2400, num_test=4000),
    SweepConfig(task="add_4x4", steps=2400, num_test=4000),
)
# Prediction (b) at the paper's resolution. The paper sweeps score 4,000 held-out problems; for 4-digit
# addition that cannot tell the smallest models from chance, so their sizes are trained again with
# 100,000 sums held out (and never trained on) and scored on all of them; saved in RESOLUTION_RESULTS.
# Only the small sizes: the larger ones are far above chance on 4,000 items already. For 2-digit
# multiplication 4,000 is already 99% of the 4,050 pairs that can be held out (half of all 8,100; the
# rest must stay for training).
RESOLUTION_SWEEPS: tuple[SweepConfig, ...] = (
    SweepConfig(task="add_4x4", sizes=(0, 1, 2), steps=2400, num_test=100_000),
)
QUICK_SWEEP = SweepConfig(task="mul_kx1", sizes=(0, 3, 6), seeds=(0, 1), steps=60, warmup_steps=10, num_test=300)


def code_version() -> str:
    """Hash of the code that produces a unit's numbers (tasks, model, training, evaluation, metrics, torch).

    Used in chapter 5, section 'The committed sweep'.
    """
    here = Path(__file__).resolve().parent
    files = [here / f for f in ("tasks.py", "model.py", "train.py", "evaluate.py")]
    files.append(here.parent / "metrics.py")
    return sweeps.code_version(files)


def run_unit(config: SweepConfig, size: int, *, progress: bool = False) -> pd.DataFrame:
    """Train model size ``size`` for every seed of ``config``, evaluate on the fixed test set, return tidy rows.

    Used in chapter 5, section 'The committed sweep'.
    """
    task = tasks.get_task(config.task)
    split = task.split(config.num_test, config.split_seed)
    tcfg = config.train_config(size)

    def sample_batch(batch_size: int, generator: torch.Generator):
        return task.sample_train(batch_size, generator, exclude=split)

    result = train.train(tcfg, sample_batch, progress=progress)
    outputs = evaluate.collect_outputs(result.model, task, split, num_candidates=config.num_candidates,
                                       seed=config.eval_seed)
    cfg = tcfg.model
    return evaluate.score(
        outputs, seeds=config.seeds,
        labels=dict(size=size, params=model.count_params(cfg), d_model=cfg.d_model, n_layers=cfg.n_layers,
                    steps=config.steps, precision=tcfg.precision, train_flops=result.flops / len(config.seeds),
                    train_seconds=result.wall_time_s),
    )


def train_and_collect(config: train.TrainConfig, task: str, held_out: tasks.Split, *,
                      num_candidates: int = 4, eval_seed: int = 0) -> evaluate.Outputs:
    """Train ``config`` on ``task`` (no held-out problem is ever drawn) and return its fixed outputs on ``held_out``.

    A module-level function, so chapters can train several live models side by side in worker processes
    (``helpers.parallel.map_in_workers``).

    Used in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    arithmetic_task = tasks.get_task(task)
    result = train.train(config, lambda bs, g: arithmetic_task.sample_train(bs, g, exclude=held_out), progress=False)
    return evaluate.collect_outputs(result.model, arithmetic_task, held_out, num_candidates=num_candidates,
                                    seed=eval_seed)


def run_sweep(config: SweepConfig, *, cache_dir: str | os.PathLike = RESULTS / ".cache", workers: int = 2,
              progress: bool = True) -> pd.DataFrame:
    """Every size of ``config`` (cached units reused, the rest trained in ``workers`` processes), as one table.

    Used in chapter 5, section 'The committed sweep'.
    """
    return sweeps.run_sweep(config, run_unit, params_of=model.count_params, version=code_version(),
                            cache_dir=cache_dir, workers=workers, progress=progress,
                            desc=f"{config.task}: sizes trained", sort_by=["size", "seed", "target_len", "metric"])


def save_results(config: SweepConfig, table: pd.DataFrame, out_dir: str | os.PathLike = RESULTS, *,
                 resolution: bool = False) -> Path:
    """Write ``<out>/arithmetic_<task>.csv`` and, beside it, the configuration, code version and command.

    ``resolution`` marks a RESOLUTION_SWEEPS table (the command then says ``--resolution``); pass
    ``RESOLUTION_RESULTS`` as ``out_dir`` for those, never ``RESULTS``.

    Used in chapter 5, section 'The committed sweep'.
    """
    flag = " --resolution" if resolution else ""
    return sweeps.save_table(Path(out_dir) / f"arithmetic_{config.task}.csv", config, table, version=code_version(),
                             command=f"python -m helpers.arithmetic.sweep{flag} --task {config.task}")


def load_results(task: str, out_dir: str | os.PathLike = RESULTS) -> tuple[pd.DataFrame, SweepConfig]:
    """The committed table of ``task`` and the config that made it (``out_dir=RESOLUTION_RESULTS``: the resolution sweep's).

    Used in chapter 5, section 'The committed sweep'.
    """
    csv_path = Path(out_dir) / f"arithmetic_{task}.csv"
    how = "make sweep-resolution" if Path(out_dir).name == RESOLUTION_RESULTS.name else "make sweep"
    table, fields = sweeps.load_table(csv_path, missing=f"no results for task {task!r} at {csv_path}; run `{how}`")
    return table, SweepConfig(**fields)


def main(argv: list[str] | None = None) -> None:
    """Command line: run the default sweeps (or one task) and save the tables under results/.

    Used in chapter 5, section 'The committed sweep'.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=[s.task for s in DEFAULT_SWEEPS + PAPER_SWEEPS],
                        help="one task (default: the default sweep, mul_kx1)")
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds (default: the sweep's)")
    parser.add_argument("--steps", type=int, help="training steps (default: the sweep's)")
    parser.add_argument("--sizes", type=int, nargs="+", help="indices into the size family (default: all)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, one thread each (default 2)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the tables go (default results/, or results/resolution/ with --resolution)")
    parser.add_argument("--quick", action="store_true", help="a small, fast run of the whole pipeline")
    parser.add_argument("--resolution", action="store_true",
                        help="the resolution sweeps (small sizes scored on many more held-out problems), "
                             "saved in results/resolution/")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = RESOLUTION_RESULTS if args.resolution else RESULTS
    if args.quick and args.resolution:
        parser.error("--quick and --resolution are different sweeps: pick one")
    if args.quick:
        sweeps = [QUICK_SWEEP]
    elif args.resolution:
        sweeps = [s for s in RESOLUTION_SWEEPS if args.task in (None, s.task)]
        if not sweeps:
            parser.error(f"--task: no resolution sweep for {args.task!r}; there are: "
                         f"{', '.join(s.task for s in RESOLUTION_SWEEPS)}")
    elif args.task is None:
        sweeps = list(DEFAULT_SWEEPS)
    else:
        sweeps = [s for s in DEFAULT_SWEEPS + PAPER_SWEEPS if s.task == args.task]
    for config in sweeps:
        overrides = {k: tuple(v) if isinstance(v, list) else v
                     for k, v in (("seeds", args.seeds), ("steps", args.steps), ("sizes", args.sizes)) if v}
        config = dataclasses.replace(config, **overrides)
        start = time.perf_counter()
        table = run_sweep(config, workers=args.workers, cache_dir=args.out / ".cache")
        path = save_results(config, table, args.out, resolution=args.resolution)
        print(f"{config.task}: {table['size'].nunique()} sizes x {len(config.seeds)} seeds -> {path} "
              f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
