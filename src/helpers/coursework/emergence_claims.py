"""Self-checks for the exercises of chapter 1 (emergent abilities: the claim and the mirage).

Each ``check_<exercise>(...)`` computes the expected value itself from the toy model and the table of
published emergence points, and answers as ``helpers.coursework.checking`` describes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .. import emergence_claims as ec
from .. import toy_model as tm
from .checking import (CHAPTER_MODEL, LN10, CheckPassed, as_number, as_numbers, check_name, decades_where_em, diagnose,
                       verdict)

__all__ = ["CHECKS", "check_ch1_half", "check_ch1_longer_answers", "check_ch1_read_table"]


def check_ch1_half(p_half: float, n_half: float) -> CheckPassed:
    """ex-ch1-half: (a) per-token p giving EM = 1/2 at L = 5; (b) parameters N with EM = 1/2 (c = 1e9, alpha = -0.3).

    Used in chapter 1, section 'Exercises'.
    """
    p_got, n_got = as_number("p_half", p_half), as_number("n_half", n_half)
    L = 5
    log_n = decades_where_em(0.5, L, CHAPTER_MODEL)
    n_want = 10.0**log_n
    p_want = float(tm.token_prob(n_want, CHAPTER_MODEL))
    n_where_p_half = 10.0 ** decades_where_em(0.5, 1, CHAPTER_MODEL)
    if not 0 < p_got < 1:
        p_problem = "(a) p is a probability, so it must lie strictly between 0 and 1"
    else:
        p_problem = diagnose("(a) p", p_got, p_want, rtol=1e-3, known=[
            (0.5, "that makes one token right half the time; exact match needs all L tokens right"),
            (0.5 / L, "p**L is a power, not a product: solve p**L = 1/2 for p")])
    problems = [
        p_problem,
        diagnose("(b) N", n_got, n_want, rtol=0.01, known=[
            (n_where_p_half, "that is where the per-token probability is 1/2, not exact match"),
            (log_n, "give N itself, not log10 N"),
            (math.log(n_want), "give N itself, not ln N")]),
    ]
    return verdict("ex-ch1-half", problems, "both answers within tolerance (p: 0.1 %, N: 1 %)")


def check_ch1_longer_answers(slopes: Sequence[float]) -> CheckPassed:
    """ex-ch1-longer-answers: the largest slope of EM per unit of ln N for L = 1, 5, 20 (in that order).

    Used in chapter 1, section 'Exercises'.
    """
    lengths = (1, 5, 20)
    got = as_numbers("slopes", slopes, len(lengths))
    want = tm.steepest_slope(CHAPTER_MODEL)
    problems = []
    for L, g in zip(lengths, got):
        if 0 < g < want * 1e-3:
            problems.append(f"L = {L}: far too small; did you differentiate with respect to N instead of ln N?")
            continue
        problems.append(diagnose(f"L = {L}", g, want, rtol=0.01, known=[
            (want * LN10, "that is the slope per decade (log10 N); the exercise asks per unit of ln N"),
            (want * L, "too large by a factor of L") if L > 1 else (math.nan, "")]))
    return verdict("ex-ch1-longer-answers", problems, "all three slopes within 1 %")


# Why each prediction of the mirage hypothesis is out of this figure's reach (part (c) of ex-ch1-read-table).
_WHY_NOT = {
    "P1": "P1 compares metrics on the outputs of one model family; each point here is a single number, "
          "already reduced to a threshold, from one of several families",
    "P2": "P2 needs the same outputs re-scored with a continuous metric; the figure holds no outputs",
    "P3": "P3 needs the small models re-evaluated on more test items; the figure holds one score per task",
    "P4": "P4 needs more model sizes of one family; each point is the first size of its own family",
}
_PREDICTIONS = ("P1", "P2", "P3", "P4", "none")


def check_ch1_read_table(orders: float, prediction: str) -> CheckPassed:
    """ex-ch1-read-table: (b) orders of magnitude of training FLOPs from the scratchpad point up to the
    leftmost few-shot point; (c) which prediction P1-P4 the figure could test ("none" if none).

    Used in chapter 1, section 'Exercises'.
    """
    got = as_number("orders", orders)
    choice = str(prediction).strip().upper() if isinstance(prediction, str) else None
    choice = "none" if choice == "NONE" else choice
    if choice not in _PREDICTIONS:
        raise ValueError(f"prediction must be one of {', '.join(repr(p) for p in _PREDICTIONS)}; got {prediction!r}")
    points = ec.emergence_points("flops")
    scratch = next(pt for pt in points if pt.task.startswith("Scratchpad"))
    few_shot = [pt for pt in points if pt.setting == "few-shot"]
    lowest = min(few_shot, key=lambda pt: pt.flops)
    highest = max(few_shot, key=lambda pt: pt.flops)
    want = math.log10(lowest.flops / scratch.flops)
    problem = diagnose("orders of magnitude", got, want, atol=0.02, known=[
        (math.log(lowest.flops / scratch.flops), "that is a natural logarithm; orders of magnitude are powers of ten"),
        (math.log10(highest.flops / scratch.flops), "compare with the leftmost (lowest-compute) few-shot point"),
        (math.log10(lowest.params / scratch.params), "that compares parameter counts; the figure's axis is training FLOPs"),
        (lowest.flops / scratch.flops, "that is the ratio of the FLOPs; orders of magnitude are its log10"),
        (0.0, "that compares a point with itself")])
    if problem:
        problem = f"(b) {problem}"
    reason = _WHY_NOT.get(choice, "")
    problems = [problem, f"(c) {reason}" if reason else ""]
    return verdict("ex-ch1-read-table", problems, "(b) within 0.02 orders of magnitude, and (c) is right")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-ch1-half", "ex-ch1-longer-answers", "ex-ch1-read-table")
}
