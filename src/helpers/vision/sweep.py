"""Cached sweeps of the three vision experiments; the CLI behind results/vision_<experiment>.csv.

    python -m helpers.vision.sweep                          # all three experiments, into results/
    python -m helpers.vision.sweep --experiment classifier  # one of classifier, autoencoder, sequence
    python -m helpers.vision.sweep --quick                  # a small, fast run of the whole pipeline

Each (experiment, model size) is one unit of work: every seed of that size trained, run once on the
fixed test set, and scored with the smooth and the sharp metric. Units are cached keyed by their
configuration and a hash of the code that computes them, by the runner shared with the arithmetic
sweeps (``helpers.sweeps``).

Tidy table columns: experiment, task, size (index into the family), params, seed, metric, K (items per
tuple or sequence; 0 where none), c (threshold; 0 where none), value, n_items (items the value averages).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import sweeps
from ..sweeps import RESULTS
from ..validation import check_int
from . import datasets, metrics, models, train

__all__ = ["EXPERIMENTS", "TASKS", "C_GRID", "VisionSweep", "DEFAULT_SWEEPS", "QUICK_SWEEPS", "code_version", "autoencoder_errors",
           "run_unit", "run_sweep", "save_results", "load_results", "main"]

EXPERIMENTS = ("classifier", "autoencoder", "sequence")
TASKS = {"classifier": "mnist1d", "autoencoder": "digits8x8", "sequence": "mnist1d_sequences"}
C_GRID = tuple(float(c) for c in np.round(np.geomspace(0.1, 10, 21), 4))  # thresholds c stored in the table
KS = (1, 2, 3, 4, 5)  # items per tuple / sequence


@dataclass(frozen=True)
class VisionSweep:
    """One experiment: a model family trained at several sizes and seeds, scored on one fixed test set.

    Used in chapter 8, section 'Experiment 1: all $K$ right'.
    """

    experiment: str = "classifier"  # one of EXPERIMENTS
    sizes: tuple[int, ...] = ()  # indices into the experiment's family; () means every size
    seeds: tuple[int, ...] = (0, 1, 2)  # one trained model per seed and size
    train: train.TrainConfig = train.TrainConfig()  # optimiser settings shared by every model
    data_seed: int = 0  # MNIST-1D: generator seed offset added to 42; digits: seed of the split
    num_sequences: int = 2000  # sequence experiment: test sequences per length K

    def __post_init__(self) -> None:
        if self.experiment not in EXPERIMENTS:
            raise ValueError(f"experiment must be one of {EXPERIMENTS}; got {self.experiment!r}")
        n = len(self.family())
        for i in self.sizes:
            check_int("sizes", i, low=0, high=n - 1)
        if not self.seeds:
            raise ValueError("seeds must hold at least one seed")
        for s in self.seeds:
            check_int("seeds", s, low=0)
        check_int("data_seed", self.data_seed, low=0)
        check_int("num_sequences", self.num_sequences, low=1)

    def family(self) -> tuple:
        """The experiment's model configs, smallest first."""
        return {"classifier": models.cnn_family, "autoencoder": models.ae_family,
                "sequence": models.seq_family}[self.experiment]()

    def size_indices(self) -> tuple[int, ...]:
        """The sizes to train, as indices into ``family()``."""
        return self.sizes or tuple(range(len(self.family())))

    def unit(self, size: int) -> "VisionSweep":
        """This sweep restricted to one size (the cache key of one unit of work)."""
        return dataclasses.replace(self, sizes=(size,))

    def data(self) -> datasets.ImageData:
        """The experiment's dataset (generated or loaded offline)."""
        if self.experiment == "autoencoder":
            return datasets.digits(datasets.DigitsConfig(seed=self.data_seed))
        return datasets.mnist1d(datasets.Mnist1dConfig(seed=42 + self.data_seed))


DEFAULT_SWEEPS: dict[str, VisionSweep] = {
    "classifier": VisionSweep("classifier", train=train.TrainConfig(steps=500, batch_size=128, lr=1e-2)),
    "autoencoder": VisionSweep("autoencoder", train=train.TrainConfig(steps=800, batch_size=128, lr=1e-2)),
    "sequence": VisionSweep("sequence", train=train.TrainConfig(steps=600, batch_size=64, lr=3e-3)),
}
QUICK_SWEEPS: dict[str, VisionSweep] = {
    name: dataclasses.replace(cfg, sizes=(0, 3), seeds=(0,), train=dataclasses.replace(cfg.train, steps=20),
                              num_sequences=100)
    for name, cfg in DEFAULT_SWEEPS.items()
}


def code_version() -> str:
    """Hash of the code that produces a unit's numbers (data, models, training, metrics) and the torch version.

    Used in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    here = Path(__file__).resolve().parent
    files = [here / f for f in ("datasets.py", "models.py", "train.py", "metrics.py")]
    return sweeps.code_version(files)


def _rows(config: VisionSweep, size: int, seed: int, data: datasets.ImageData) -> list[dict]:
    """Train one model and score its fixed test outputs with the smooth and the sharp metrics."""
    cfg = config.family()[size]
    base = dict(experiment=config.experiment, task=TASKS[config.experiment], size=size,
                params=models.count_params(cfg), seed=seed)
    rows = []

    def add(metric: str, value: float, n_items: int, K: int = 0, c: float = 0.0) -> None:
        rows.append({**base, "metric": metric, "K": K, "c": c, "value": value, "n_items": n_items})

    if config.experiment == "classifier":
        model = train.train_classifier(cfg, data, config.train, seed)
        correct = train.classifier_correct(model, data.x_test, data.y_test)
        add("accuracy", metrics.accuracy(correct), correct.size)
        for K in KS:
            add("subset_accuracy", metrics.subset_accuracy(correct, K), correct.size, K=K)
    elif config.experiment == "autoencoder":
        model = train.train_autoencoder(cfg, data, config.train, seed)
        errors = train.reconstruction_errors(model, data.x_test)
        add("mse", metrics.mean_squared_error(errors), errors.size)
        for c, value in zip(C_GRID, metrics.reconstruction_c(errors, C_GRID)):
            add("reconstruction_c", float(value), errors.size, c=c)
    else:
        model = train.train_sequence_model(cfg, data, config.train, seed)
        for K in KS:
            correct = train.sequence_correct(model, data, config.num_sequences, K, seed=1000 + K)
            add("item_accuracy", metrics.per_item_accuracy(correct), correct.size, K=K)
            add("all_correct", metrics.all_correct(correct), correct.shape[0], K=K)
    return rows


def run_unit(config: VisionSweep, size: int, data: datasets.ImageData | None = None) -> pd.DataFrame:
    """Every seed of model size ``size``, trained and scored: tidy rows.

    ``data`` may pass the experiment's dataset when it is already loaded (it must equal ``config.data()``,
    whose generation otherwise takes seconds); its input length is checked against the experiment's.

    Used in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    if data is None:
        data = config.data()
    elif not isinstance(data, datasets.ImageData):
        raise ValueError(f"data must be a helpers.vision.datasets.ImageData or None; got {type(data).__name__}")
    elif data.num_features != (64 if config.experiment == "autoencoder" else 40):
        raise ValueError(f"data must hold the {config.experiment} experiment's inputs (8x8 digits: 64 features, "
                         f"MNIST-1D: 40); got {data.num_features} features")
    return pd.DataFrame([r for seed in config.seeds for r in _rows(config, size, seed, data)])


def autoencoder_errors(cfg: models.AEConfig, data: datasets.ImageData, train_config: train.TrainConfig,
                       seed: int) -> np.ndarray:
    """Train one autoencoder on ``data`` and return the squared error of each test image (picklable work).

    Used in chapter 8, section 'Experiment 2: reconstructing images better than $c$'.
    """
    model = train.train_autoencoder(cfg, data, train_config, seed=seed)
    return train.reconstruction_errors(model, data.x_test)


def run_sweep(config: VisionSweep, *, cache_dir: str | os.PathLike = RESULTS / ".cache", workers: int = 2,
              progress: bool = True) -> pd.DataFrame:
    """Every size of ``config`` (cached units reused, the rest trained in ``workers`` processes), as one table.

    Used in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    return sweeps.run_sweep(config, run_unit, params_of=models.count_params, version=code_version(),
                            cache_dir=cache_dir, workers=workers, progress=progress,
                            desc=f"vision {config.experiment}: sizes trained",
                            sort_by=["size", "seed", "metric", "K", "c"])


def save_results(config: VisionSweep, table: pd.DataFrame, out_dir: str | os.PathLike = RESULTS) -> Path:
    """Write ``<out>/vision_<experiment>.csv`` and, beside it, the configuration, code version and command.

    Used in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    return sweeps.save_table(Path(out_dir) / f"vision_{config.experiment}.csv", config, table, version=code_version(),
                             command=f"python -m helpers.vision.sweep --experiment {config.experiment}")


def load_results(experiment: str, out_dir: str | os.PathLike = RESULTS) -> tuple[pd.DataFrame, VisionSweep]:
    """The committed table of ``experiment`` and the configuration that made it.

    Used in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    if experiment not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {EXPERIMENTS}; got {experiment!r}")
    csv_path = Path(out_dir) / f"vision_{experiment}.csv"
    table, fields = sweeps.load_table(
        csv_path, missing=f"no results for {experiment!r} at {csv_path}; run `python -m helpers.vision.sweep`")
    fields["train"] = train.TrainConfig(**{k: v for k, v in fields["train"].items() if k != "__type__"})
    return table, VisionSweep(**fields)


def main(argv: list[str] | None = None) -> None:
    """Command line: run the default sweeps (or one experiment) and save the tables under results/.

    Used in chapter 8, section 'Experiment 1: all $K$ right'.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experiment", choices=EXPERIMENTS, help="one experiment (default: all three)")
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds (default: the sweep's)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, one thread each (default 2)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the tables go (default results/)")
    parser.add_argument("--quick", action="store_true", help="a small, fast run of the whole pipeline")
    args = parser.parse_args(argv)
    sweeps = QUICK_SWEEPS if args.quick else DEFAULT_SWEEPS
    names = [args.experiment] if args.experiment else list(EXPERIMENTS)
    for name in names:
        config = sweeps[name]
        if args.seeds:
            config = dataclasses.replace(config, seeds=tuple(args.seeds))
        start = time.perf_counter()
        table = run_sweep(config, workers=args.workers, cache_dir=args.out / ".cache")
        path = save_results(config, table, args.out)
        print(f"{name}: {table['size'].nunique()} sizes x {len(config.seeds)} seeds -> {path} "
              f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
