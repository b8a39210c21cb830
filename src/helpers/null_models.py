"""Curves whose truth is known, scored like real ones: a synthetic benchmark of toy-model tasks, and smooth
null curves measured on finite test sets, with how often the audit of ``helpers.emergence`` flags them.

Symbols as in ``helpers.emergence``; a null task's true accuracy rises linearly in log N from ``start`` to
``stop`` over ``n_sizes`` model sizes and is measured on ``n_items`` test items (binomial noise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .emergence import DEFAULT_THRESHOLD, audit, emergence_scores
from .validation import check_int, check_real

__all__ = ["BenchmarkConfig", "NULLS", "synthetic_benchmark", "benchmark_scores", "null_scores", "null_flag_rate",
           "null_rates"]

# Null models of chapter 6: a smooth ability whose true accuracy rises linearly in log N between
# these two values (start, stop); the mid-range one set the default threshold, the near-floor one is
# where emergence claims live (small models at almost 0).
NULLS: dict[str, tuple[float, float]] = {"mid-range": (0.3, 0.5), "near floor": (0.0, 0.05)}

@dataclass(frozen=True)
class BenchmarkConfig:
    """How synthetic toy-model tasks are drawn for ``synthetic_benchmark``.

    Taught in chapter 6, section 'A synthetic benchmark from the toy model'.
    """

    num_tasks: int = 60  # number of synthetic tasks
    alpha: tuple[float, float] = (-0.6, -0.15)  # power-law exponent of the loss, drawn uniformly in this range
    log10_c: tuple[float, float] = (8.0, 10.5)  # log10 of the scale constant c, drawn uniformly
    lengths: tuple[int, ...] = (1, 2, 3, 5, 8)  # target lengths L, one drawn per task
    items: tuple[int, ...] = (30, 100, 300, 1000)  # test-set sizes, one drawn per task
    rhos: tuple[float, ...] = (0.0, 0.1, 0.3)  # correlation of token errors within an item, one drawn per task
    n_sizes: tuple[int, int] = (3, 12)  # fewest and most model sizes of a task (inclusive), drawn uniformly
    log10_n: tuple[float, float] = (6.0, 13.0)  # model sizes lie in a window inside this log10 N range
    span: tuple[float, float] = (2.0, 5.0)  # width of a task's window of sizes, in decades, drawn uniformly
    seed: int = 0  # seed of every draw; the same config gives the same table

    def __post_init__(self) -> None:
        check_int("num_tasks", self.num_tasks, low=1, high=10_000)
        lo, hi = self.n_sizes
        check_int("n_sizes[0]", lo, low=3)
        check_int("n_sizes[1]", hi, low=lo, high=40)
        if not (self.alpha[0] <= self.alpha[1] < 0):
            raise ValueError(f"alpha must be a range (low, high) of negative exponents; got {self.alpha}")
        if self.span[0] <= 0 or self.span[1] < self.span[0] or self.span[1] > self.log10_n[1] - self.log10_n[0]:
            raise ValueError(f"span must be a positive range of decades inside log10_n; got {self.span}")
        if not self.lengths or min(self.lengths) < 1:
            raise ValueError(f"lengths must be target lengths >= 1; got {self.lengths}")
        if not self.items or min(self.items) < 2:
            raise ValueError(f"items must be test-set sizes >= 2; got {self.items}")
        if not self.rhos or not all(0 <= r < 1 for r in self.rhos):
            raise ValueError(f"rhos must lie in [0, 1); got {self.rhos}")
        check_int("seed", self.seed, low=0)


_BENCH_METRICS = ("exact_match", "multiple_choice_grade", "edit_distance", "cross_entropy", "token_accuracy",
                  "brier_score")


def synthetic_benchmark(config: BenchmarkConfig = BenchmarkConfig()) -> pd.DataFrame:
    """A fresh copy of the (memoised) tidy benchmark table of ``config``; see ``_synthetic_benchmark``.

    Taught in chapter 6, section 'A synthetic benchmark from the toy model'.
    """
    if not isinstance(config, BenchmarkConfig):
        raise ValueError(f"config must be a BenchmarkConfig; got {type(config).__name__}")
    return _synthetic_benchmark(config).copy()


@lru_cache(maxsize=4)
def _synthetic_benchmark(config: BenchmarkConfig) -> pd.DataFrame:
    """Tidy table (task, params, metric, value, target_len, n_items, rho, alpha, c_toy, n_sizes) of toy-model tasks.

    Each task draws alpha, c, L, a test-set size, rho and a number of model sizes on a window of
    log N, samples one set of outputs with ``helpers.simulation.sample_outputs`` and scores them
    with every metric, so the metrics of one task differ only in how they score the same outputs.
    """
    from . import simulation
    from . import toy_model as tm

    rng = np.random.default_rng(config.seed)
    frames = []
    width = len(str(config.num_tasks - 1))
    for t in range(config.num_tasks):
        alpha = float(rng.uniform(*config.alpha))
        c = float(10 ** rng.uniform(*config.log10_c))
        L = int(rng.choice(config.lengths))
        n_items = int(rng.choice(config.items))
        rho = float(rng.choice(config.rhos))
        k = int(rng.integers(config.n_sizes[0], config.n_sizes[1] + 1))
        span = float(rng.uniform(*config.span))
        low = float(rng.uniform(config.log10_n[0], config.log10_n[1] - span))
        N = np.logspace(low, low + span, k)
        out = simulation.sample_outputs(N, L, num_items=n_items, rho=rho, model=tm.ToyModel(c=c, alpha=alpha),
                                        seed=int(rng.integers(0, 2**31 - 1)))
        scored = simulation.score(out)
        scored = scored[scored["metric"].isin(_BENCH_METRICS)]
        frames.append(pd.DataFrame({
            "task": f"synth_{t:0{width}d}", "params": scored["params"].to_numpy(), "metric": scored["metric"].to_numpy(),
            "value": scored["value"].to_numpy(), "target_len": L, "n_items": n_items, "rho": rho,
            "alpha": alpha, "c_toy": c, "n_sizes": k}))
    return pd.concat(frames, ignore_index=True)


@lru_cache(maxsize=1)
def benchmark_scores() -> pd.DataFrame:
    """Audit table of the chapter's synthetic benchmark (default BenchmarkConfig, default threshold).

    Taught in chapter 6, section 'A synthetic benchmark from the toy model'.
    """
    return audit(synthetic_benchmark(BenchmarkConfig()))


def null_scores(n_sizes: int, n_items: int, *, num_tasks: int = 2000, start: float = 0.3, stop: float = 0.5,
                seed: int = 0) -> np.ndarray:
    """Relative scores R of ``num_tasks`` null tasks: accuracy rising linearly in log N from start to stop,
    measured on ``n_items`` test items (binomial noise) at ``n_sizes`` model sizes. The default is the
    mid-range null; ``start=0, stop=0.05`` is the near-floor one (``NULLS``).

    Taught in chapter 6, section 'Emergence by chance: many curves, few sizes, small test sets'.
    """
    n_sizes = check_int("n_sizes", n_sizes, low=3, high=1000)
    n_items = check_int("n_items", n_items, low=1)
    num_tasks = check_int("num_tasks", num_tasks, low=1)
    start = check_real("start", start, low=0, high=1)
    stop = check_real("stop", stop, low=0, high=1)
    rng = np.random.default_rng(seed)
    truth = np.linspace(start, stop, n_sizes)
    measured = rng.binomial(n_items, truth, size=(num_tasks, n_sizes)) / n_items
    return emergence_scores(measured) / (n_sizes - 1)


def null_flag_rate(n_sizes: int, n_items: int, threshold: float = DEFAULT_THRESHOLD, **kwargs: Any) -> float:
    """Share of null tasks (see null_scores) that the audit would flag as looking emergent.

    Taught in chapter 6, section 'Emergence by chance: many curves, few sizes, small test sets'.
    """
    threshold = check_real("threshold", threshold, low=0, low_open=True)
    return float(np.mean(null_scores(n_sizes, n_items, **kwargs) >= threshold))


def null_rates(sizes: Sequence[int], items: Sequence[int], *, nulls: Sequence[str] = tuple(NULLS),
               threshold: float = DEFAULT_THRESHOLD, num_tasks: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Share of smooth null curves flagged, for every null of ``NULLS`` named in ``nulls``, number of
    sizes in ``sizes`` and test-set size in ``items``: a tidy table (null, start, stop, n_sizes,
    n_items, rate), each rate from ``num_tasks`` simulated curves with seed ``seed``.

    Taught in chapter 6, section 'Emergence by chance: many curves, few sizes, small test sets'.
    """
    if isinstance(nulls, str) or not nulls or any(name not in NULLS for name in nulls):
        raise ValueError(f"nulls must name null models among {list(NULLS)}; got {nulls!r}")
    sizes = [check_int("sizes", k, low=3, high=1000) for k in sizes]
    items = [check_int("items", m, low=1) for m in items]
    if not sizes or not items:
        raise ValueError("sizes and items must each hold at least one value")
    rows = []
    for name in nulls:
        start, stop = NULLS[name]
        for k in sizes:
            for m in items:
                rate = null_flag_rate(k, m, threshold, num_tasks=num_tasks, start=start, stop=stop, seed=seed)
                rows.append(dict(null=name, start=start, stop=stop, n_sizes=k, n_items=m, rate=rate))
    return pd.DataFrame(rows)
