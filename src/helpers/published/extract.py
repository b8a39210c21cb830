"""The extract file format: one tidy gzipped CSV per source, written byte-for-byte reproducibly.

Every extract has the same columns (``COLUMNS``); a source leaves empty the ones it does not give.
Rows are sorted by ``KEY``, which must identify each row; floats are written as Python's shortest
round-trip ``repr`` (so every number reads back exactly), integers as integers, missing values as
empty fields; the gzip header carries no file name and ``mtime=0``.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
from pathlib import Path

import pandas as pd

__all__ = ["COLUMNS", "STRINGS", "INTEGERS", "FLOATS", "KEY", "FILENAME", "to_bytes", "read"]

FILENAME = "extract.csv.gz"

STRINGS: tuple[str, ...] = ("model", "family", "dataset", "run", "task", "setting", "metric")
INTEGERS: tuple[str, ...] = ("step", "shots", "seed", "group", "n_groups", "n_items")
FLOATS: tuple[str, ...] = ("params", "tokens", "flops", "value", "chance")
BOOLEANS: tuple[str, ...] = ("instruct",)

COLUMNS: tuple[str, ...] = (
    "model", "family", "dataset", "run", "step", "params", "tokens", "flops", "instruct",
    "task", "setting", "shots", "seed", "n_groups", "group", "metric", "value", "n_items", "chance",
)

# The columns that identify a row; their order is the sort order of the file.
KEY: tuple[str, ...] = ("model", "run", "step", "task", "setting", "shots", "seed", "n_groups", "group", "metric")


def _text(column: str, values: list) -> list[str]:
    """One column's fields as text: '' for missing, repr for floats, digits for integers, true/false for flags."""
    missing = [v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) for v in values]
    if column in FLOATS:
        bad = [v for v, m in zip(values, missing) if not m and not math.isfinite(v)]
        if bad:
            raise ValueError(f"column {column!r} holds a non-finite value {bad[0]!r}")
        return ["" if m else repr(float(v)) for v, m in zip(values, missing)]
    if column in INTEGERS:
        return ["" if m else str(int(v)) for v, m in zip(values, missing)]
    if column in BOOLEANS:
        return ["" if m else ("true" if v else "false") for v, m in zip(values, missing)]
    text = ["" if m else str(v) for v, m in zip(values, missing)]
    if any(t == "" for t, m in zip(text, missing) if not m):
        raise ValueError(f"column {column!r} holds an empty string; use a missing value instead")
    return text


def to_bytes(table: pd.DataFrame) -> bytes:
    """The gzipped CSV of ``table`` (a subset of ``COLUMNS``), rows sorted by ``KEY``; errors on duplicate keys."""
    unknown = set(table.columns) - set(COLUMNS)
    if unknown:
        raise ValueError(f"table has columns outside the extract format: {sorted(unknown)}")
    if table["value"].isna().any():
        raise ValueError("table has rows without a value; drop missing measurements before writing")
    full = table.reindex(columns=list(COLUMNS))
    for column in INTEGERS:
        values = full[column].astype("Float64")
        if (values.round() != values).any():
            raise ValueError(f"column {column!r} holds a non-integer value")
        full[column] = values.astype("Int64")
    for column in FLOATS:
        full[column] = full[column].astype(float)
    dup = full.duplicated(list(KEY), keep=False)
    if dup.any():
        raise ValueError(f"{int(dup.sum())} rows share a key {KEY}; first: {full[dup].iloc[0].to_dict()}")
    full = full.sort_values(list(KEY), kind="mergesort", na_position="first", ignore_index=True)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(zip(*(_text(c, full[c].tolist()) for c in COLUMNS)))
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return raw.getvalue()


def read(path: str | os.PathLike) -> pd.DataFrame:
    """Read one extract file back with the format's dtypes (strings, nullable Int64, float64, boolean)."""
    dtypes: dict[str, object] = {c: "str" for c in STRINGS}
    dtypes.update({c: "Int64" for c in INTEGERS})
    dtypes.update({c: "float64" for c in FLOATS})
    dtypes.update({c: "boolean" for c in BOOLEANS})
    table = pd.read_csv(Path(path), dtype=dtypes, keep_default_na=False, na_values=[""])
    if tuple(table.columns) != COLUMNS:
        raise ValueError(f"{path} does not have the extract columns {COLUMNS}")
    return table
