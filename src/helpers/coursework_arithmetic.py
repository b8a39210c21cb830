"""Self-checks for the exercises of chapter 5 (emergence in models we train), in the style of ``coursework``.

Each ``check_<exercise>(...)`` computes the expected value itself (from the committed sweep table or
from the task's held-out split), returns a "✓" ``CheckPassed`` message when the answer is right, and
otherwise raises ``SelfCheckError`` saying what is wrong without printing the answer. Bad input raises
``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from . import resolution as res
from .coursework import CheckPassed, SelfCheckError, _diagnose, _real, _verdict, check_name
from .validation import check_int

__all__ = [
    "SelfCheckError",
    "CheckPassed",
    "CHECKS",
    "check_arith_geometric",
    "check_arith_chance",
    "check_arith_step_share",
    "geometric_ratio",
    "step_shares",
]

TASK = "mul_kx1"  # the task of the committed sweep the exercises read


def _table(table: pd.DataFrame | None) -> pd.DataFrame:
    """The committed sweep table of mul_kx1 (or the given one, for tests)."""
    if table is None:
        from .arithmetic import sweep  # imports torch: only when a check needs it

        table, _ = sweep.load_results(TASK)
    if not isinstance(table, pd.DataFrame) or not {"params", "metric", "target_len", "value"} <= set(table.columns):
        raise ValueError("table must be a sweep table with columns params, metric, target_len, value")
    return table


def _mean_by_length(table: pd.DataFrame, params: int, metric: str) -> pd.Series:
    """Mean over seeds of ``metric`` for the model with ``params`` parameters, indexed by target length."""
    rows = table[(table["params"] == params) & (table["metric"] == metric)]
    return rows.groupby("target_len")["value"].mean().sort_index()


def geometric_ratio(table: pd.DataFrame, params: int) -> float:
    """exp of the least-squares slope of ln(exact match) against L (mean over seeds) for one model size."""
    em = _mean_by_length(table, params, "exact_match")
    if len(em) < 2 or (em <= 0).any():
        raise ValueError(f"params={params}: exact match must be above 0 at every target length to fit ln EM")
    slope = np.polyfit(em.index.to_numpy(dtype=float), np.log(em.to_numpy()), 1)[0]
    return float(math.exp(slope))


def _pooled(table: pd.DataFrame, params: int, metric: str) -> float:
    """The metric's mean over every test item (rows weighted by n_items), mean over seeds."""
    rows = table[(table["params"] == params) & (table["metric"] == metric)]
    per_seed = rows.assign(w=rows["value"] * rows["n_items"]).groupby("seed")[["w", "n_items"]].sum()
    return float((per_seed["w"] / per_seed["n_items"]).mean())


def check_arith_geometric(params: int, ratio: float, p: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-arith-geometric: for the sweep's model with ``params`` parameters, the fitted ratio EM(L+1)/EM(L)
    and its per-token accuracy p (all items, mean over seeds)."""
    table = _table(table)
    params = check_int("params", params, low=1)
    sizes = sorted(int(x) for x in table["params"].unique())
    if params not in sizes:
        raise ValueError(f"params must be one of the sweep's model sizes {sizes}; got {params}")
    r_got, p_got = _real("ratio", ratio), _real("p", p)
    r_want = geometric_ratio(table, params)
    p_want = _pooled(table, params, "token_accuracy")
    slope = math.log(r_want)
    problems = [
        _diagnose("ratio", r_got, r_want, rtol=0.01, known=[
            (slope, "that is the slope of ln EM; the ratio per extra token is its exponential"),
            (slope / math.log(10), "that is the slope of log10 EM; the ratio per extra token is 10**slope"),
            (1 / r_want, "that is EM(L)/EM(L+1): longer answers should have the lower exact match")]),
        _diagnose("p", p_got, p_want, rtol=0.01, known=[
            (_pooled(table, params, "exact_match"), "that is exact match, not per-token accuracy"),
            (1 - p_want, "that is the per-token error rate 1 - p")]),
    ]
    if r_got <= 0 and problems[0] is not None and "too" in problems[0]:  # no known slip recognised
        problems[0] = "ratio: EM(L+1)/EM(L) is a ratio of two positive rates, so it must be positive"
    return _verdict("ex-arith-geometric", problems, "ratio and p within 1 %")


def check_arith_chance(expected_correct: float, split) -> CheckPassed:
    """ex-arith-chance: expected number of items of ``split`` a uniform random digit guesser gets exactly right."""
    from .arithmetic.tasks import Split, get_task  # imports torch: only when a check needs it

    if not isinstance(split, Split):
        raise ValueError(f"split must be the Split the chapter drew with task.split(...); got {type(split).__name__}")
    got = _real("expected_correct", expected_correct)
    task = get_task(split.task)
    lengths = task.encode(split.pairs)[2].numpy().astype(float)
    want = float(np.sum(10.0 ** -lengths))
    n = len(split)
    longest = float(n * 10.0 ** -lengths.max())
    problem = _diagnose("expected number right", got, want, rtol=0.005, known=[
        (want / n, "that is the chance rate per item; multiply by the number of items"),
        (longest, "that treats every item as the longest answer; each item has its own length L"),
        (float(n * 10.0 ** -lengths.mean()), "average the chance 10**-L over items, not L itself"),
        (float(n * 10.0 ** -lengths.min()), "that treats every item as the shortest answer")])
    return _verdict("ex-arith-chance", [problem], "within 0.5 %")


def step_shares(table: pd.DataFrame, metrics: tuple[str, ...] = ("exact_match", "token_accuracy")) -> dict[str, float]:
    """Largest single step between neighbouring sizes as a share of the total change (mean over seeds, all items)."""
    out = {}
    for metric in metrics:
        sizes = sorted(int(x) for x in table["params"].unique())
        curve = np.array([_pooled(table, s, metric) for s in sizes])
        sign = -1.0 if metric in ("cross_entropy", "edit_distance", "brier_score") else 1.0
        out[metric] = res.largest_step_share(sign * curve)
    return out


def check_arith_step_share(em_share: float, token_share: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-arith-step-share: largest one-step share of the rise of exact match and of per-token accuracy."""
    table = _table(table)
    em_got, tok_got = _real("em_share", em_share), _real("token_share", token_share)
    want = step_shares(table)
    problems = []
    for name, got, w, other in (("exact match", em_got, want["exact_match"], want["token_accuracy"]),
                                ("per-token accuracy", tok_got, want["token_accuracy"], want["exact_match"])):
        if not 0 <= got <= 1:
            problems.append(f"{name}: a share of the total rise lies between 0 and 1")
            continue
        problems.append(_diagnose(name, got, w, atol=0.01, known=[
            (other, "that is the other metric's share; check which curve you used")]))
    return _verdict("ex-arith-step-share", problems, "both shares within 0.01")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)] for label in ("ex-arith-geometric", "ex-arith-chance", "ex-arith-step-share")
}
