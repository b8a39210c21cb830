"""The OLMo ladder reader: training curves of the ladder runs and of the OLMo 2 7B and 13B runs."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .units import scaled

__all__ = ["read_olmo_ladder", "LADDER_DIR", "MAX_EVALUATIONS"]

LADDER_DIR = Path("src/scripts/paper/data/ladder-runs")

# Evaluations kept per run (evenly spaced, counted back from the final one, which is always kept).
MAX_EVALUATIONS = 50

LADDER_FILE = re.compile(r"(?P<size>\d+[MB])-(?P<mult>[\d.]+)xC(?P<rerun>-rerun)?\.csv")
# Full OLMo 2 ("peteish") curves: file -> (run, model size). The other peteish files are slices of these.
PETEISH = {"peteish7_eval_full.csv": ("peteish7", "7B"), "peteish7_medlr_eval_full.csv": ("peteish7-medlr", "7B"),
           "peteish13_eval_full.csv": ("peteish13", "13B"), "peteish7_eval_anneal.csv": ("peteish7-anneal", "7B")}
PETEISH_SLICES = {"peteish7_eval_170k-450k.csv": "peteish7_eval_full.csv",
                  "peteish13_eval_50k-150k.csv": "peteish13_eval_full.csv",
                  "peteish13_eval_final.csv": "peteish13_eval_full.csv",
                  **{f"peteish7_medlr_eval_{s}.csv": "peteish7_medlr_eval_full.csv"
                     for s in ("5k-205k", "170k-end", "210k-325k", "330k-490k")}}

LOSS = re.compile(r"eval/(?P<task>.+)-validation/CrossEntropyLoss")
TASK = re.compile(r"eval/(?P<kind>downstream|downstream_bpb|downstream_soft|downstream_soft_log)/(?P<task>.+)_"
                  r"(?P<format>rc|mc)_(?P<shots>\d+)shot_(?P<metric>bpb|len_norm|acc|soft_log|soft)")
KIND_METRICS = {"downstream": {"len_norm", "acc"}, "downstream_bpb": {"bpb"}, "downstream_soft": {"soft"},
                "downstream_soft_log": {"soft_log"}}
METRIC_NAMES = {"len_norm": "acc_len_norm", "acc": "acc", "bpb": "bpb", "soft": "soft", "soft_log": "soft_log"}
# Columns used for tokens and FLOPs, or dropped.
OTHER = {"_step", "throughput/total_tokens", "throughput/total_training_Gflops", "optim/learning_rate_group0",
         "learning_rate_peak", "batch_size_in_tokens"}


def _columns(columns: list[str]) -> pd.DataFrame:
    """What each score column holds: task, setting (rc/mc format), shots and metric."""
    rows = []
    for column in columns:
        if column in OTHER:
            continue
        if (m := LOSS.fullmatch(column)) is not None:
            rows.append({"column": column, "task": m["task"], "metric": "ce_loss"})
        elif (m := TASK.fullmatch(column)) is not None and m["metric"] in KIND_METRICS[m["kind"]]:
            rows.append({"column": column, "task": m["task"], "setting": m["format"], "shots": int(m["shots"]),
                         "metric": METRIC_NAMES[m["metric"]]})
        else:
            raise ValueError(f"olmo-ladder: unexpected column {column!r}")
    return pd.DataFrame(rows)


def _every(table: pd.DataFrame, keep: int) -> pd.DataFrame:
    """At most ``keep`` rows, evenly spaced by position and always including the last."""
    stride = -(-len(table) // keep)
    return table.iloc[::-1].iloc[::stride].iloc[::-1]


def _long(table: pd.DataFrame, run: str, model: str, family: str) -> pd.DataFrame:
    """One run's scores as long rows, with its step and training tokens."""
    info = _columns(list(table.columns))
    if "_step" in table:
        tokens = table["_step"] * table["batch_size_in_tokens"]
        if "throughput/total_tokens" in table and (tokens != table["throughput/total_tokens"]).any():
            raise ValueError(f"olmo-ladder {run}: total_tokens differs from step x batch size")
        meta = pd.DataFrame({"step": table["_step"], "tokens": tokens.astype(float)})
    else:
        meta = pd.DataFrame({"step": pd.NA, "tokens": table["throughput/total_tokens"].astype(float)})
    gflops = table.get("throughput/total_training_Gflops")
    meta["flops"] = math.nan if gflops is None else scaled(gflops, 9)
    long = pd.concat([meta, table[list(info["column"])]], axis=1).melt(
        id_vars=["step", "tokens", "flops"], var_name="column", value_name="value")
    long = long.merge(info, on="column").drop(columns="column").dropna(subset=["value"])
    return long.assign(model=model, run=run, family=family)


def read_olmo_ladder(raw: Path) -> pd.DataFrame:
    """Bhagia et al.'s ladder runs (5 sizes x 6 token budgets) and the OLMo 2 runs, subsampled along training."""
    folder = raw / LADDER_DIR
    names = sorted(p.name for p in folder.glob("*.csv"))
    if not names:
        raise ValueError(f"olmo-ladder: no CSV files under {folder}")
    parts = []
    for name in names:
        table = pd.read_csv(folder / name)
        if (m := LADDER_FILE.fullmatch(name)) is not None:
            parts.append(_long(_every(table, MAX_EVALUATIONS), name.removesuffix(".csv"), m["size"], "olmo-ladder"))
        elif name in PETEISH:
            run, size = PETEISH[name]
            parts.append(_long(_every(table, MAX_EVALUATIONS), run, size, "olmo-2"))
        elif name in PETEISH_SLICES:
            full = pd.read_csv(folder / PETEISH_SLICES[name]).set_index("_step")
            part = table.set_index("_step")
            if not part.index.isin(full.index).all() or not part.equals(full.loc[part.index, part.columns]):
                raise ValueError(f"olmo-ladder: {name} holds rows that are not in {PETEISH_SLICES[name]}")
        else:
            raise ValueError(f"olmo-ladder: unexpected file {name}")
    return pd.concat(parts, ignore_index=True)
