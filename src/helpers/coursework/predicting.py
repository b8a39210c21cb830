"""Self-checks for the exercises of chapter 11 (predicting real models).

Each ``check_<exercise>(...)`` computes the expected value itself from the published extracts, returns
a "✓" ``CheckPassed`` message when the answer is right, and otherwise raises ``SelfCheckError`` saying
what is wrong without printing the answer. Bad input raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import pandas as pd

from .checking import CheckPassed, as_number, check_name, diagnose, verdict
from ..published import fits
from ..published import forecasting as pf
from ..published import training as tr

__all__ = [
    "CHECKS",
    "check_predicting_half_loss",
    "check_predicting_cutoff",
    "check_predicting_lag",
]

HALF_TASK = "hellaswag_val"  # ex-predicting-half-loss: the ladder's link on this task
CUTOFF_TASK, CUTOFF, CUTOFF_METHOD = "word_unscrambling", 4.2e22, "capability"  # ex-predicting-cutoff
LAG_SIZE = "1.4b"  # ex-predicting-lag: pythia-1.4b on LAMBADA


@lru_cache(maxsize=1)
def _ladder() -> pd.DataFrame:
    return pf.ladder_points()


@lru_cache(maxsize=1)
def _public() -> pd.DataFrame:
    return pf.public_points()


@lru_cache(maxsize=1)
def _pythia() -> pd.DataFrame:
    return tr.pythia_curves()


def _half_loss(points: pd.DataFrame, task: str = HALF_TASK, *, finals_only: bool = False,
              level: float | None = None, ignore_floor: bool = False) -> float:
    """Bits per byte at which the ladder's link g + (1 - g) sigmoid(b0 + b bpb) reaches ``level``
    (default: half way from chance to 1), the link fitted on every evaluation of the ladder runs
    (``ignore_floor``: the slip of solving sigmoid(b0 + b bpb) = level, as if g were 0)."""
    rows = points[points["task"].eq(task) & points["family"].eq("olmo-ladder")]
    if finals_only:
        rows = rows[rows["final"]]
    g = 1.0 / pf.LADDER_TASKS[task]
    link = fits.fit_sigmoid(rows["bpb"].to_numpy(), rows["acc"].to_numpy(), g)
    b0, b = float(link.intercept()[0]), float(link.slope()[0, 0])
    level = (1 + g) / 2 if level is None else level
    u = level if ignore_floor else (level - g) / (1 - g)
    return (math.log(u / (1 - u)) - b0) / b


def check_predicting_half_loss(bpb_half: float, points: pd.DataFrame | None = None) -> CheckPassed:
    """ex-predicting-half-loss: bits per byte at which the hellaswag_val link is half way from chance to 1.

    Used in chapter 11, section 'Exercises'.
    """
    points = _ladder() if points is None else points
    got = as_number("bpb_half", bpb_half)
    if got <= 0:
        return verdict("ex-predicting-half-loss", ["bpb_half: bits per byte are positive"], "")
    want = _half_loss(points)
    known = [
        (_half_loss(points, level=0.5), "that is where accuracy is 1/2; half way from chance g to 1 is (1 + g)/2"),
        (_half_loss(points, finals_only=True), "fit the link on every evaluation of the ladder runs, not only "
                                              "their final checkpoints"),
        (_half_loss(points, ignore_floor=True), "the link's floor is chance g, not 0: solve "
                                               "g + (1 - g) sigmoid(z) = (1 + g)/2"),
    ]
    problem = diagnose("bpb_half", got, want, rtol=0.001, known=known)
    return verdict("ex-predicting-half-loss", [problem], "within 0.1 %")


def _cutoff_mae(points: pd.DataFrame, cutoff: float = CUTOFF, method: str = CUTOFF_METHOD,
               task: str = CUTOFF_TASK, *, signed: bool = False) -> float:
    """Mean (absolute, unless ``signed``) error of one method's point forecasts of every model above ``cutoff``."""
    f = pf.forecast_public(points, cutoff=cutoff, tasks=[task], testbeds=["across"], n_boot=2)
    f = f[f["method"].eq(method)]
    err = f["forecast"] - f["measured"]
    return float(err.mean() if signed else err.abs().mean())


def check_predicting_cutoff(mae: float, points: pd.DataFrame | None = None) -> CheckPassed:
    """ex-predicting-cutoff: the capability method's mean absolute error on word_unscrambling at a cut-off
    of 4.2e22 FLOPs.

    Used in chapter 11, section 'Exercises'.
    """
    points = _public() if points is None else points
    got = as_number("mae", mae)
    if got < 0:
        return verdict("ex-predicting-cutoff", ["mae: a mean absolute error is not negative (average the "
                                                 "absolute errors, not the signed ones)"], "")
    want = _cutoff_mae(points)
    known = [
        (_cutoff_mae(points, cutoff=8.4e22), "that is the error at the chapter's cut-off of 8.4e22 FLOPs"),
        (_cutoff_mae(points, method="direct"), "that is the direct method's error; the exercise asks for capability"),
    ]
    problem = diagnose("mae", got, want, atol=0.002, known=known)
    return verdict("ex-predicting-cutoff", [problem], "within 0.002")


def _token_lag(curves: pd.DataFrame, size: str = LAG_SIZE, *, crossing: str = "start", log=math.log10) -> float:
    """Decades of tokens from where -ln perplexity's rise first reaches 10 % (``crossing`` "start") or 90 %
    ("end") of its total change to where accuracy's does, for one Pythia size (``log``: the unit)."""
    c = curves[curves["size"].eq(size)]
    w = tr.rise_widths(c, {"acc": (False, False), "ppl": (True, True)}).set_index("metric")[crossing]
    lag = float(w["acc"] - w["ppl"])
    return lag if log is math.log10 else lag * math.log(10)


def check_predicting_lag(decades: float, curves: pd.DataFrame | None = None) -> CheckPassed:
    """ex-predicting-lag: decades of training tokens by which pythia-1.4b's LAMBADA accuracy starts its rise
    after -ln perplexity does (both at 10 % of their total change).

    Used in chapter 11, section 'Exercises'.
    """
    curves = _pythia() if curves is None else curves
    got = as_number("decades", decades)
    want = _token_lag(curves)
    known = [
        (_token_lag(curves, crossing="end"), "that compares the 90 % crossings; the exercise asks where each rise starts "
                                       "(10 %)"),
        (_token_lag(curves, log=math.log), "give decades (log10 of tokens), not natural-log units"),
        (10 ** want, "give the lag in decades, not the ratio of token counts"),
    ]
    problem = diagnose("decades", got, want, atol=0.01, known=known)
    return verdict("ex-predicting-lag", [problem], "within 0.01 decades")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-predicting-half-loss", "ex-predicting-cutoff", "ex-predicting-lag")
}
