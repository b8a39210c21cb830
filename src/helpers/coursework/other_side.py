"""Self-checks for the exercises of chapter 9 (the other side: when is emergence real?).

Each ``check_<exercise>(...)`` computes the expected value itself (from the committed sweep, from the
closed form, or from the history table the student passes), returns a "✓" ``CheckPassed`` message
when the answer is right, and otherwise raises ``SelfCheckError`` saying what is wrong without
printing the answer. Bad input raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..validation import check_int, check_real
from .checking import CheckPassed, as_number, check_name, close, diagnose, verdict

__all__ = ["CHECKS", "check_other_loss_slope", "check_other_mcq_threshold", "check_other_grok_delay",
           "check_other_stretch"]

TASK = "mul_kx1"  # the committed sweep ex-other-loss-slope reads


def _loss_pairs(table: pd.DataFrame | None) -> pd.DataFrame:
    """(cross_entropy, exact_match) rows of the committed mul_kx1 sweep, or of ``table``."""
    from .. import other_side as osd

    if table is None:
        from ..arithmetic import sweep  # imports torch: only when the check runs

        table, _ = sweep.load_results(TASK)
    return osd.em_vs_loss(table)


def check_other_loss_slope(L: int, slope: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-other-loss-slope: least-squares slope of ln(exact match) against per-token loss at target length L.

    Used in chapter 9, section 'Exercises'.
    """
    from .. import other_side as osd

    pairs = _loss_pairs(table)
    lengths = sorted(int(v) for v in pairs["target_len"].unique())
    L = check_int("L", L, low=1)
    if L not in lengths:
        raise ValueError(f"L must be one of the sweep's target lengths {lengths}; got {L}")
    got = as_number("slope", slope)
    want = osd.log_em_loss_slope(pairs, L)
    problem = diagnose("slope", got, want, rtol=0.01, known=[
        (-float(L), "that is the toy model's slope -L; fit the sweep's points instead"),
        (want / math.log(10), "that is the slope of log10 EM; use the natural logarithm"),
        (1 / want, "that is the slope of loss against ln EM; regress ln EM on the loss")])
    return verdict("ex-other-loss-slope", [problem], "slope within 1 %")


def check_other_mcq_threshold(num_options: int, p_even: float, p_one: float) -> CheckPassed:
    """ex-other-mcq-threshold: right-option probability needed with the wrong mass spread evenly, and on one option.

    Used in chapter 9, section 'Exercises'.
    """
    K = check_int("num_options", num_options, low=2)
    got_even, got_one = as_number("p_even", p_even), as_number("p_one", p_one)
    share_even = 1.0 / (K - 1)
    want_even = share_even / (1 + share_even)
    want_one = 0.5
    problems = [
        diagnose("p_even", got_even, want_even, atol=1e-3, known=[
            (share_even, "that is the share of one wrong option; the right option must beat its mass s(1 - p)"),
            (1.0 / (K + 1), "the even share is of the K - 1 wrong options, s = 1/(K - 1), not 1/K of all options")]),
        diagnose("p_one", got_one, want_one, atol=1e-3, known=[
            (1.0, "the right option wins as soon as it beats the distractor, not only at certainty")]),
    ]
    return verdict("ex-other-mcq-threshold", problems, "both thresholds right")


def _first(history: pd.DataFrame, column: str, level: float) -> float:
    hit = history.loc[history[column] >= level, "step"]
    if hit.empty:
        raise ValueError(f"history: {column} never reaches {level}; pass the history of a run that grokked")
    return float(hit.iloc[0])


def check_other_grok_delay(ratio: float, history: pd.DataFrame) -> CheckPassed:
    """ex-other-grok-delay: (first step with test accuracy >= 0.9) / (first step with train accuracy >= 0.99).

    Used in chapter 9, section 'Exercises'.
    """
    if not isinstance(history, pd.DataFrame) or not {"step", "train_acc", "test_acc"} <= set(history.columns):
        raise ValueError("history must be run.history from helpers.grokking.train (columns step, train_acc, test_acc)")
    got = as_number("ratio", ratio)
    fit, gen = _first(history, "train_acc", 0.99), _first(history, "test_acc", 0.9)
    if fit <= 0:
        raise ValueError("history: training accuracy is already 0.99 at step 0, so the ratio is undefined")
    want = gen / fit
    half = _first(history, "test_acc", 0.5) / fit
    problem = diagnose("ratio", got, want, rtol=0.01, known=[
        (1 / want, "that is memorisation step / generalisation step; divide the later step by the earlier"),
        (half, "that uses test accuracy 0.5; the exercise asks for 0.9"),
        (gen - fit, "that is the difference of the steps, not their ratio")])
    if problem is None and not np.isfinite(got):
        problem = "ratio: must be a finite number"
    return verdict("ex-other-grok-delay", [problem], "ratio within 1 %")


def _at_first(history: pd.DataFrame, column: str, level: float, value: str) -> float:
    """``value`` at the first evaluation whose ``column`` reaches ``level`` (NaN if none does)."""
    hit = history.loc[history[column] >= level, value]
    return float(hit.iloc[0]) if len(hit) else math.nan


def check_other_stretch(exit_loss: float, history: pd.DataFrame, level: float = 0.1) -> CheckPassed:
    """ex-other-stretch: the test loss (nats) at the first evaluation whose test accuracy reaches ``level``.

    Used in chapter 9, section 'Exercises'.
    """
    need = {"step", "train_loss", "test_loss", "test_acc", "test_prob"}
    if not isinstance(history, pd.DataFrame) or not need <= set(history.columns):
        raise ValueError(f"history must be run.history from helpers.grokking.train (columns {sorted(need)})")
    level = check_real("level", level, low=0, high=1, low_open=True)
    got = as_number("exit_loss", exit_loss)
    want = _at_first(history, "test_acc", level, "test_loss")
    if math.isnan(want):
        raise ValueError(f"history: test accuracy never reaches level {level}; pass a run that grokked")
    known = [
        (_at_first(history, "test_acc", level, "step"), "that is the step; give the test loss at that step"),
        (_at_first(history, "test_acc", level, "train_loss"), "that is the training loss; use the test loss"),
        (float(history["test_loss"].max()), "that is the peak of the test loss, not its value when accuracy leaves chance"),
        (_at_first(history, "test_prob", level, "test_loss"),
         "that uses the mean probability of the right answer; use the test accuracy"),
        (want / math.log(2), "that is in bits; the history's losses are in nats"),
    ]
    known += [(_at_first(history, "test_acc", other, "test_loss"), f"that is where test accuracy reaches {other}, "
               f"not {level}") for other in (0.5, 0.9) if other != level]
    known = [(v, m) for v, m in known if not math.isnan(v) and not close(v, want, 0.01, 1e-9)]
    problem = diagnose("exit_loss", got, want, rtol=0.01, known=known)
    return verdict("ex-other-stretch", [problem], f"test loss at the first test accuracy >= {level:g}, within 1 %")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-other-loss-slope", "ex-other-mcq-threshold", "ex-other-grok-delay", "ex-other-stretch")
}
