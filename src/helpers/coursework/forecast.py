"""Self-checks for the exercises of chapter 7 (can we predict emergence?).

Each ``check_<exercise>(...)`` computes the expected value itself from the committed mul_kx1 sweep,
returns a "✓" ``CheckPassed`` message when the answer is right, and otherwise raises
``SelfCheckError`` saying what is wrong without printing the answer. Bad input raises ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from .. import forecast as fc
from ..validation import check_choice, check_int
from .checking import CheckPassed, as_number, check_name, diagnose, verdict

__all__ = ["CHECKS", "check_fc_half_scale", "check_fc_predict_k", "check_fc_budget", "check_fc_stretch"]

TASK = "mul_kx1"  # the committed sweep the exercises read
HALF_K, HALF_L = 7, 6  # ex-fc-half-scale: fit on the 7 smallest models, answers of length 6
PREDICT_K, PREDICT_METHOD = 6, "direct"  # ex-fc-predict-k: the direct forecast from the 6 smallest models
BUDGET_L, BUDGET_PASSES = 6, 10  # ex-fc-budget: length-6 items, 10 expected passes in all


def _table(table: pd.DataFrame | None, task: str = TASK) -> pd.DataFrame:
    """The committed sweep table of ``task`` (default mul_kx1), or the given one, for tests."""
    if table is None:
        from ..arithmetic import sweep  # imports torch: only when a check needs it

        table, _ = sweep.load_results(task)
    return table


def _half_scale(table: pd.DataFrame, k: int = HALF_K, L: int = HALF_L, log=math.log) -> float:
    """N at which exp(-L (N/c)^alpha) = 1/2, with (c, alpha) fitted to the seed-mean CE at length L of the k smallest."""
    arr = fc.sweep_arrays(table)
    j = arr.target_lens.tolist().index(L)
    law = fc.fit_power_law(arr.params[:k], arr.cross_entropy[:k, :, j].mean(axis=1))
    return float(law.c * (log(2) / L) ** (1 / law.alpha))


def check_fc_half_scale(n_half: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-fc-half-scale: the N at which the toy forecast (fitted on the 7 smallest, L = 6) reaches EM = 1/2.

    Used in chapter 7, section 'Exercises'.
    """
    table = _table(table)
    got = as_number("n_half", n_half)
    want = _half_scale(table)
    arr = fc.sweep_arrays(table)
    j = arr.target_lens.tolist().index(HALF_L)
    law = fc.fit_power_law(arr.params[:HALF_K], arr.cross_entropy[:HALF_K, :, j].mean(axis=1))
    known = [
        (float(law.c * math.log(2) ** (1 / law.alpha)), "that solves exp(-(N/c)^alpha) = 1/2: the exponent has a factor L"),
        (_half_scale(table, log=math.log10), "use the natural log of 2: EM is exp(-L CE), not 10**(-L CE)"),
        (float(law.c * (0.5 / HALF_L) ** (1 / law.alpha)), "EM = 1/2 means L CE = ln 2, not CE = 1/2 per token"),
        (float(law.c * (math.log(2) / HALF_L) ** (-1 / law.alpha)), "solve for N: the exponent of the ratio is 1/alpha"),
    ]
    if got <= 0:
        return verdict("ex-fc-half-scale", ["n_half: a number of parameters is positive"], "")
    problem = diagnose("n_half", got, want, rtol=0.01, known=known)
    return verdict("ex-fc-half-scale", [problem], "within 1 %")


def _largest_forecast(table: pd.DataFrame, k: int, method: str, target_len: int = fc.ALL_LENGTHS) -> float:
    """A method's point forecast of the largest model's exact match (all items pooled by default)."""
    arr = fc.sweep_arrays(table)
    f = fc.forecast_em(arr, k, method)[-1]
    if target_len == fc.ALL_LENGTHS:
        return float(f @ (arr.n_items / arr.n_items.sum()))
    return float(f[arr.target_lens.tolist().index(target_len)])


def check_fc_predict_k(forecast: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-fc-predict-k: the direct forecast of the largest model's exact match (all items) from the 6 smallest.

    Used in chapter 7, section 'Exercises'.
    """
    table = _table(table)
    got = as_number("forecast", forecast)
    if not 0 <= got <= 1:
        return verdict("ex-fc-predict-k", ["forecast: an exact-match forecast lies between 0 and 1"], "")
    want = _largest_forecast(table, PREDICT_K, PREDICT_METHOD)
    arr = fc.sweep_arrays(table)
    measured = float((arr.exact_match[-1].mean(axis=0) * arr.n_items).sum() / arr.n_items.sum())
    known = [
        (_largest_forecast(table, PREDICT_K + 1, PREDICT_METHOD), "that is the forecast from the 7 smallest; use k = 6"),
        (_largest_forecast(table, PREDICT_K, PREDICT_METHOD, int(arr.target_lens[-1])),
         "that is the forecast for the longest answers only; pool all items"),
        (abs(want - measured), "that is the forecast's error; report the forecast itself"),
    ]
    if abs(got - measured) < 1e-3 and abs(want - measured) > 1e-3:
        return verdict("ex-fc-predict-k", ["forecast: that is the measured exact match, not the forecast"], "")
    problem = diagnose("forecast", got, want, atol=0.005, known=known)
    return verdict("ex-fc-predict-k", [problem], "within 0.005")


def _samples_for_passes(table: pd.DataFrame, L: int = BUDGET_L,
                        passes: float = BUDGET_PASSES) -> tuple[float, float, float]:
    """(samples per item, pass rate PU, items n): samples per item for ``passes`` expected passes over all
    items of length L, for the smallest model (PU = its seed-mean answer probability)."""
    arr = fc.sweep_arrays(table)
    j = arr.target_lens.tolist().index(L)
    pu = float(arr.answer_prob[0, :, j].mean())
    n = float(arr.n_items[j])
    return passes / (n * pu), pu, n


def check_fc_budget(samples_per_item: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-fc-budget: samples per item for 10 expected passes on the length-6 items at the smallest model.

    Used in chapter 7, section 'Exercises'.
    """
    table = _table(table)
    got = as_number("samples_per_item", samples_per_item)
    if got <= 0:
        return verdict("ex-fc-budget", ["samples_per_item: a number of samples is positive"], "")
    want, pu, n = _samples_for_passes(table)
    arr = fc.sweep_arrays(table)
    em = float(arr.exact_match[0, :, arr.target_lens.tolist().index(BUDGET_L)].mean())
    known = [
        (BUDGET_PASSES / pu, "that is the budget for 10 passes on ONE item; the passes are spread over all n items"),
        (1 / (n * pu), "that gives one expected pass in all; the exercise asks for 10"),
        (want / len(arr.seeds), "use the test items of one model, not items times seeds"),
    ]
    if em > 0:
        known.append((BUDGET_PASSES / (n * em), "use the sampled pass rate PU (answer probability), not greedy exact match"))
    problem = diagnose("samples_per_item", got, want, rtol=0.02, known=known)
    return verdict("ex-fc-budget", [problem], "within 2 %")


STRETCH_TASKS = ("mul_2x2", "add_4x4", "mul_kx1")  # ex-fc-stretch: the committed sweeps one may choose from


def check_fc_stretch(task: str, method: str, k: int, target_len: int, forecast: float,
                     table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-fc-stretch: the point forecast of the largest model's exact match by ``method`` fitted on the ``k``
    smallest models of ``task``, at ``target_len`` (0: all items pooled by their numbers of items).

    Used in chapter 7, section 'Exercises'.
    """
    if table is None:
        check_choice("task", task, STRETCH_TASKS)
    table = _table(table, task)
    check_choice("method", method, fc.ALL_METHODS)
    arr = fc.sweep_arrays(table)
    k = check_int("k", k, low=2, high=len(arr.params))
    lengths = [int(v) for v in arr.target_lens] + ([fc.ALL_LENGTHS] if len(arr.target_lens) > 1 else [])
    target_len = check_choice("target_len", int(as_number("target_len", target_len)), lengths)
    got = as_number("forecast", forecast)
    if not 0 <= got <= 1:
        return verdict("ex-fc-stretch", ["forecast: an exact-match forecast lies between 0 and 1"], "")
    want = _largest_forecast(table, k, method, target_len)
    j = lengths.index(target_len)
    measured = float(arr.exact_match[-1].mean(axis=0) @ (arr.n_items / arr.n_items.sum())
                     if target_len == fc.ALL_LENGTHS else arr.exact_match[-1, :, j].mean())
    known = [(_largest_forecast(table, kk, method, target_len), f"that is the forecast from the {kk} smallest "
              f"models; you chose k = {k}") for kk in (k - 1, k + 1) if 2 <= kk <= len(arr.params)]
    known += [(abs(want - measured), "that is the forecast's error; give the forecast itself")]
    if target_len != fc.ALL_LENGTHS and fc.ALL_LENGTHS in lengths:
        known.append((_largest_forecast(table, k, method), "that is the forecast for all items pooled; "
                      f"you chose target_len = {target_len}"))
    if abs(got - measured) < 1e-3 and abs(want - measured) > 1e-3:
        return verdict("ex-fc-stretch", ["forecast: that is the measured exact match, not the forecast"], "")
    known = [(v, m) for v, m in known if abs(v - want) > 0.005]
    problem = diagnose("forecast", got, want, atol=0.005, known=known)
    return verdict("ex-fc-stretch", [problem], "within 0.005")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-fc-half-scale", "ex-fc-predict-k", "ex-fc-budget", "ex-fc-stretch")
}
