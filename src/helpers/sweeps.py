"""The sweep runner shared by the arithmetic and the vision sweeps: cached units, committed tables.

A sweep trains one model family at several sizes. Each size is one unit of work, computed by the
sweep's own ``run_unit(config, size) -> table`` and cached on disk (``helpers.cache.run_cached``)
under the unit's configuration and the sweep's code version, in ``helpers.parallel``'s worker
processes, largest model first. The finished table is committed under ``results/`` beside a JSON file
holding the configuration, the code version and the command that made it.

    helpers.arithmetic.sweep   SweepConfig, results/arithmetic_<task>.csv   (make sweep)
    helpers.vision.sweep       VisionSweep, results/vision_<experiment>.csv (make sweep-vision)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from .cache import ResultCache, atomic_write, canonical, run_cached, source_hash
from .validation import check_int

__all__ = ["RESULTS", "code_version", "run_sweep", "save_table", "load_table"]

RESULTS = Path(__file__).resolve().parents[2] / "results"  # the committed sweep tables


def code_version(paths: Iterable[str | os.PathLike]) -> str:
    """The code version of a sweep's numbers: a hash of the source files that compute them, and torch's version.

    Used in chapter 5, section 'The committed sweep'.
    """
    import torch

    return f"{source_hash(paths)}-torch{torch.__version__}"


def _timed(run_unit: Callable[[Any, int], pd.DataFrame], config: Any, size: int) -> tuple[pd.DataFrame, float]:
    """One unit's table and the seconds it took (module level, so worker processes can run it)."""
    start = time.perf_counter()
    table = run_unit(config, size)
    return table, time.perf_counter() - start


def run_sweep(config: Any, run_unit: Callable[[Any, int], pd.DataFrame], *, params_of: Callable[[Any], int],
              version: str, cache_dir: str | os.PathLike, workers: int, progress: bool, desc: str,
              sort_by: Sequence[str]) -> pd.DataFrame:
    """Every size of ``config`` as one table sorted by ``sort_by``: cached units reused, the rest computed.

    ``config`` has ``size_indices()``, ``family()`` (the model configurations, by size index) and
    ``unit(size)`` (the configuration that keys one unit's cache entry); ``run_unit(config, size)``
    computes a unit's table and must be picklable (a module-level function); ``params_of(model_config)``
    counts a model's parameters, so the largest units start first.

    Used in chapter 5, section 'The committed sweep'.
    """
    check_int("workers", workers, low=1)
    cache = ResultCache(cache_dir, code_version=version)
    sizes = sorted(config.size_indices(), key=lambda s: -params_of(config.family()[s]))  # largest first
    tables = run_cached(sizes, partial(_timed, run_unit, config), cache, config_of=config.unit, workers=workers,
                        desc=desc, progress=progress)
    table = pd.concat([tables[s] for s in sorted(tables)], ignore_index=True)
    return table.sort_values(list(sort_by), ignore_index=True)


def save_table(csv_path: str | os.PathLike, config: Any, table: pd.DataFrame, *, version: str, command: str) -> Path:
    """Write ``table`` to ``csv_path`` and, beside it (``.json``), the configuration, code version and command.

    Used in chapter 5, section 'The committed sweep'.
    """
    csv_path = Path(csv_path)
    atomic_write(csv_path, table.to_csv(index=False, float_format="%.6g").encode())
    meta = {"config": canonical(config), "code_version": version, "command": command}
    atomic_write(csv_path.with_suffix(".json"), (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode())
    return csv_path


def load_table(csv_path: str | os.PathLike, *, missing: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The committed table at ``csv_path`` and the fields of the configuration that made it (lists as tuples).

    ``missing`` is the message of the FileNotFoundError raised when there is no table (say how to make it).

    Used in chapter 5, section 'The committed sweep'.
    """
    csv_path = Path(csv_path)
    if not csv_path.exists():
        raise FileNotFoundError(missing)
    meta = json.loads(csv_path.with_suffix(".json").read_text())
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["config"].items() if k != "__type__"}
    return pd.read_csv(csv_path), fields
