"""The loader: every source's extract as one tidy long table, with model facts and training FLOPs filled in."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from . import extract
from ..validation import check_choice

__all__ = ["SOURCES", "DATA_DIR", "FACTS_FILE", "SCHEMA", "HIGHER_IS_BETTER", "load", "model_facts"]

SOURCES: tuple[str, ...] = (
    "pythia", "obsscaling", "olmo-ladder", "u-shaped", "on-emergence", "open-lm-scaling", "sloth",
)
DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "published"
FACTS_FILE = "model_facts.csv"

# Whether a larger value is better, for every metric name in the extracts.
HIGHER_IS_BETTER: dict[str, bool] = {
    "acc": True, "acc_norm": True, "acc_len_norm": True, "accuracy": True, "score": True, "exact_match": True,
    "bleu": True, "soft": True, "soft_log": True, "exact_match_accuracy": True, "exact_match_f1": True,
    "bert_score_accuracy": True, "bert_score_f1": True, "single_bert_score": True,
    "ppl": False, "bpb": False, "ce_loss": False, "loss": False, "edit_distance": False, "brier": False,
    "brier_unnormalised": False,
}

SCHEMA: tuple[str, ...] = (
    "source", "family", "model", "dataset", "run", "step", "params", "tokens", "flops",
    "params_source", "tokens_source", "flops_source", "instruct", "task", "setting", "shots", "seed",
    "n_groups", "group", "metric", "value", "n_items", "chance", "higher_is_better",
)


def model_facts(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Facts the sources do not give (parameters, tokens, family), one row per source and model, with a reference."""
    path = Path(DATA_DIR if data_dir is None else data_dir) / FACTS_FILE
    dtypes = {"source": "str", "model": "str", "family": "str", "instruct": "boolean", "params": "float64",
              "tokens": "float64", "tokens_per_step": "float64", "flops_per_token": "float64", "reference": "str",
              "note": "str"}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])


def _sources(sources: str | Iterable[str] | None) -> list[str]:
    """The validated list of source names to load (all of them for None)."""
    if sources is None:
        return list(SOURCES)
    if isinstance(sources, str):
        names = [sources]
    elif isinstance(sources, Iterable):
        names = list(sources)
    else:
        raise ValueError(f"sources must be None, a source name or a list of them from {list(SOURCES)}; got {sources!r}")
    if not names:
        raise ValueError(f"sources must name at least one of {list(SOURCES)}; got an empty list")
    for name in names:
        check_choice("sources", name, list(SOURCES))
    return list(dict.fromkeys(names))


def _fill(table: pd.DataFrame, column: str, values: pd.Series, how: str) -> None:
    """Fill the missing entries of ``column`` from ``values`` and record where each value came from."""
    given = table[column].notna()
    table[f"{column}_source"] = pd.Series(np.where(given, "source", None), index=table.index, dtype="str")
    missing = ~given & values.notna()
    table.loc[missing, column] = values[missing]
    table.loc[missing, f"{column}_source"] = how


def load(sources: str | Iterable[str] | None = None, *, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One tidy long table of the published evaluations: a row per model, checkpoint, task, setting and metric.

    ``params`` are parameters, ``tokens`` training tokens seen (at ``step`` for checkpoints), ``flops``
    training FLOPs: the source's own where it gives them, else a model fact's FLOPs per token times
    ``tokens``, else 6 * params * tokens. The ``*_source`` columns say which ("source", "model_facts"
    or "6ND"); facts come from ``model_facts()``.
    """
    names = _sources(sources)
    folder = Path(DATA_DIR if data_dir is None else data_dir)
    parts = []
    for name in names:
        part = extract.read(folder / name / extract.FILENAME)
        part.insert(0, "source", name)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table["source"] = table["source"].astype("str")
    facts = model_facts(folder).set_index(["source", "model"])
    key = pd.MultiIndex.from_arrays([table["source"], table["model"]])
    matched = facts.reindex(key)
    matched.index = table.index
    for column in ("family", "instruct"):
        table[column] = table[column].fillna(matched[column])
    _fill(table, "params", matched["params"], "model_facts")
    checkpoint_tokens = table["step"].astype("float64") * matched["tokens_per_step"]
    _fill(table, "tokens", checkpoint_tokens.where(table["step"].notna(), matched["tokens"]), "model_facts")
    counted = matched["flops_per_token"] * table["tokens"]
    _fill(table, "flops", counted.where(counted.notna(), 6.0 * table["params"] * table["tokens"]), "6ND")
    table.loc[table["flops_source"].eq("6ND") & counted.notna(), "flops_source"] = "model_facts"
    unknown = set(table["metric"]) - set(HIGHER_IS_BETTER)
    if unknown:
        raise ValueError(f"metrics without a direction in HIGHER_IS_BETTER: {sorted(unknown)}")
    table["higher_is_better"] = table["metric"].map(HIGHER_IS_BETTER).astype(bool)
    return table[list(SCHEMA)]
