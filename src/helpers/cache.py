"""On-disk results keyed by their configuration: written atomically, never silently stale or corrupt.

An entry is two files in the cache folder, named by the key:

    <key>.csv    the result table
    <key>.json   what made it: the configuration, the code version, and the SHA-256 of the CSV

The key hashes the configuration *and* a code version (a hash of the source files that compute the
result), so changing either the settings or the code makes a new key instead of reusing old numbers.
On load, the stored configuration and checksum are compared with what is expected; a mismatch raises
``CacheError`` rather than returning the wrong table.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from .parallel import completed_in_workers
from .validation import check_int

__all__ = ["CacheError", "canonical", "config_hash", "source_hash", "atomic_write", "ResultCache", "run_cached"]


class CacheError(RuntimeError):
    """A cache entry exists but cannot be trusted (corrupt, or made by another configuration).

    Used in chapter 5, section 'The committed sweep'.
    """


def canonical(config: Any) -> Any:
    """A JSON-ready, order-independent form of a (nested) dataclass, mapping, sequence or scalar.

    Used in chapter 5, section 'The committed sweep'.
    """
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {"__type__": type(config).__name__,
                **{f.name: canonical(getattr(config, f.name)) for f in dataclasses.fields(config)}}
    if isinstance(config, dict):
        return {str(k): canonical(v) for k, v in sorted(config.items(), key=lambda kv: str(kv[0]))}
    if isinstance(config, (list, tuple)):
        return [canonical(v) for v in config]
    if isinstance(config, float) and config != config:
        raise ValueError("config must not contain NaN (it has no stable hash)")
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    raise ValueError(f"config holds a {type(config).__name__}, which has no stable hash; use plain values")


def config_hash(config: Any, code_version: str = "") -> str:
    """A 16-hex-digit key for a configuration and the version of the code that uses it.

    Used in chapter 5, section 'The committed sweep'.
    """
    blob = json.dumps({"config": canonical(config), "code": code_version}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def source_hash(paths: Iterable[str | os.PathLike]) -> str:
    """A hash of the contents of source files (in sorted order), used as the code version of a result.

    Used in chapter 5, section 'The committed sweep'.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the whole new one, never a part.

    Used in chapter 5, section 'The committed sweep'.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultCache:
    """A folder of result tables keyed by ``config_hash(config, code_version)``.

    Used in chapter 5, section 'The committed sweep'.
    """

    def __init__(self, root: str | os.PathLike, code_version: str = "") -> None:
        self.root = Path(root)
        self.code_version = code_version

    def key(self, config: Any) -> str:
        """The entry name for ``config`` under this cache's code version."""
        return config_hash(config, self.code_version)

    def paths(self, config: Any) -> tuple[Path, Path]:
        """The (table, metadata) files of ``config``'s entry."""
        key = self.key(config)
        return self.root / f"{key}.csv", self.root / f"{key}.json"

    def load(self, config: Any) -> pd.DataFrame | None:
        """The stored table for ``config``; None if there is none; CacheError if it cannot be trusted."""
        table_path, meta_path = self.paths(config)
        if not table_path.exists() and not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            data = table_path.read_bytes()
        except (OSError, json.JSONDecodeError) as err:
            raise CacheError(f"cache entry {table_path.stem} is incomplete or unreadable: {err}") from err
        if meta.get("sha256") != hashlib.sha256(data).hexdigest():
            raise CacheError(f"cache entry {table_path.stem}: the table does not match its checksum (corrupt)")
        if meta.get("config") != canonical(config) or meta.get("code_version") != self.code_version:
            raise CacheError(f"cache entry {table_path.stem} was made by another configuration or code version")
        return pd.read_csv(io.BytesIO(data))

    def save(self, config: Any, table: pd.DataFrame, **extra: Any) -> Path:
        """Store ``table`` for ``config`` (table first, then metadata, each atomically); return the table path."""
        table_path, meta_path = self.paths(config)
        data = table.to_csv(index=False).encode()
        meta = {"config": canonical(config), "code_version": self.code_version,
                "sha256": hashlib.sha256(data).hexdigest(), **canonical(extra)}
        atomic_write(table_path, data)
        atomic_write(meta_path, (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode())
        return table_path


def run_cached(units: Sequence[Any], compute: Callable[[Any], tuple[pd.DataFrame, float]], cache: ResultCache, *,
               config_of: Callable[[Any], Any], workers: int = 1, desc: str = "units",
               progress: bool = True) -> dict[Any, pd.DataFrame]:
    """Every unit's table: valid cache entries reused, the rest computed (in ``workers`` processes) and cached.

    ``compute(unit) -> (table, seconds)`` must be picklable when ``workers > 1`` (a module-level function or a
    ``functools.partial`` of one); the workers are ``helpers.parallel``'s, one torch thread each, and each
    unit is cached as soon as it finishes. ``config_of(unit)`` is the configuration that keys the unit's
    entry. Units are computed in the order given (put the slowest first). A corrupt or mismatched entry is
    reported on stderr and recomputed, never used.

    Used in chapter 5, section 'The committed sweep'.
    """
    check_int("workers", workers, low=1)
    tables: dict[Any, pd.DataFrame] = {}
    todo = []
    for unit in units:
        try:
            table = cache.load(config_of(unit))
        except CacheError as err:
            print(f"warning: {err}; recomputing it", file=sys.stderr)
            table = None
        if table is None:
            todo.append(unit)
        else:
            tables[unit] = table
    bar = tqdm(total=len(todo), desc=desc, disable=not progress or not todo)
    for unit, (table, seconds) in completed_in_workers(compute, todo, workers=workers, threads=1):
        tables[unit] = table
        cache.save(config_of(unit), table, seconds=seconds)
        bar.update()
    bar.close()
    return tables
