"""Abilities over training steps, on published checkpoints (Pythia; OLMo 2 7B and 13B).

Symbols
-------
t        training tokens seen at a checkpoint (Pythia: step x 2,097,152)
acc      accuracy of the checkpoint; ppl LAMBADA perplexity of the same targets; bpb bits per byte of
         the right answer (OLMo) from the same evaluation as acc
rise     a curve normalised to its own change: r(t) = (v(t) - v(first)) / (v(last) - v(first)), after
         turning a lower-is-better metric around (-ln ppl, -bpb) so that it rises too
width    decades of tokens between the first checkpoints at which r reaches 0.1 and 0.9 (log-linear
         interpolation between checkpoints): small = sudden, large = gradual
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..validation import check_choice, check_real
from .load import load

__all__ = ["pythia_curves", "normalised_rise", "rise_width", "rise_widths", "PYTHIA_SIZES"]

PYTHIA_SIZES: tuple[str, ...] = ("70m", "160m", "410m", "1.4b", "2.8b", "6.9b", "12b")


def pythia_curves(table: pd.DataFrame | None = None, *, task: str = "lambada_openai", shots: int = 0,
                  dataset: str = "pile") -> pd.DataFrame:
    """One row per Pythia model and checkpoint of ``task``: size, params, step, tokens, and one column per
    metric (LAMBADA: acc and ppl; the others: acc and, where given, acc_norm). Step 0 has tokens 0."""
    if table is None:
        table = load("pythia")
    t = table[table["source"].eq("pythia")]
    check_choice("task", task, sorted(t["task"].unique().tolist()))
    check_choice("shots", shots, sorted(int(s) for s in t["shots"].dropna().unique()))
    check_choice("dataset", dataset, sorted(t["dataset"].dropna().unique().tolist()))
    t = t[t["task"].eq(task) & t["shots"].eq(shots) & t["dataset"].eq(dataset)]
    wide = t.pivot_table(index=["model", "params", "step", "tokens"], columns="metric", values="value",
                         observed=True).reset_index()
    wide.columns.name = None
    wide["model"] = wide["model"].astype(str)
    wide["size"] = wide["model"].str.replace("pythia-", "", regex=False).str.replace("-deduped", "", regex=False)
    wide["step"] = wide["step"].astype(int)
    wide["tokens"] = wide["tokens"].astype(float)
    return wide.sort_values(["params", "step"]).reset_index(drop=True)


def normalised_rise(values: Any, *, lower_is_better: bool = False, log: bool = False) -> np.ndarray:
    """The curve as a share of its total change from the first to the last checkpoint (0 at the first,
    1 at the last); a lower-is-better metric is turned around first, and ``log`` takes its logarithm
    (perplexity: -ln ppl, the mean log-probability of the target)."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or len(v) < 2 or not np.isfinite(v).all():
        raise ValueError(f"values must be a 1-D finite array of at least 2 checkpoints; got shape {v.shape}")
    if log:
        if (v <= 0).any():
            raise ValueError("values must be positive to take their logarithm (log=True)")
        v = np.log(v)
    if lower_is_better:
        v = -v
    change = v[-1] - v[0]
    if change == 0:
        raise ValueError("values must change between the first and the last checkpoint")
    return (v - v[0]) / change


def _first_crossing(log_t: np.ndarray, r: np.ndarray, level: float) -> float:
    """log10 t at which r first reaches ``level``, linearly interpolated in log10 t."""
    idx = np.nonzero(r >= level)[0]
    if len(idx) == 0:
        return float("nan")
    i = int(idx[0])
    if i == 0:
        return float(log_t[0])
    frac = (level - r[i - 1]) / (r[i] - r[i - 1])
    return float(log_t[i - 1] + frac * (log_t[i] - log_t[i - 1]))


def rise_width(tokens: Any, rise: Any, *, low: float = 0.1, high: float = 0.9) -> tuple[float, float, float]:
    """(log10 tokens where the rise first reaches ``low``, where it first reaches ``high``, their difference in
    decades). Checkpoints with 0 tokens are dropped (no logarithm)."""
    low = check_real("low", low, low=0, high=1, low_open=True, high_open=True)
    high = check_real("high", high, low=low, high=1, low_open=True)
    t = np.asarray(tokens, dtype=float)
    r = np.asarray(rise, dtype=float)
    if t.shape != r.shape or t.ndim != 1 or (t < 0).any():
        raise ValueError("tokens and rise must be 1-D arrays of one length, tokens >= 0")
    keep = t > 0
    order = np.argsort(t[keep])
    lt, rr = np.log10(t[keep][order]), r[keep][order]
    a, b = _first_crossing(lt, rr, low), _first_crossing(lt, rr, high)
    return a, b, b - a


def rise_widths(curves: pd.DataFrame, metrics: dict[str, tuple[bool, bool]], *, by: str = "model",
                low: float = 0.1, high: float = 0.9) -> pd.DataFrame:
    """Rise widths of several metrics of each curve: ``metrics`` maps a column to (lower_is_better, log).
    One row per curve and metric: start and end (log10 tokens at the low and high crossings) and width."""
    rows = []
    for name, c in curves.groupby(by, sort=False):
        c = c.sort_values("tokens")
        for metric, (lower, log) in metrics.items():
            r = normalised_rise(c[metric].to_numpy(), lower_is_better=lower, log=log)
            a, b, w = rise_width(c["tokens"].to_numpy(), r, low=low, high=high)
            rows.append({by: name, "metric": metric, "start": a, "end": b, "width": w})
    return pd.DataFrame(rows)
