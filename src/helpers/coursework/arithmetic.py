"""Self-checks for the exercises of chapter 5 (emergence in models we train).

Each ``check_<exercise>(...)`` computes the expected value itself (from the committed sweep table or
from the task's held-out split), and answers as ``helpers.coursework.checking`` describes.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from .. import resolution as res
from ..arithmetic import tables
from ..validation import check_int
from .checking import CheckPassed, SelfCheckError, as_number, check_name, diagnose, verdict

__all__ = ["CHECKS", "check_arith_geometric", "check_arith_chance", "check_arith_step_share", "check_arith_guesser",
           "check_arith_stretch"]

TASK = "mul_kx1"  # the task of the committed sweep the exercises read


def _table(table: pd.DataFrame | None) -> pd.DataFrame:
    """The committed sweep table of mul_kx1 (or the given one, for tests)."""
    if table is None:
        from ..arithmetic import sweep  # imports torch: only when a check needs it

        table, _ = sweep.load_results(TASK)
    if not isinstance(table, pd.DataFrame) or not {"params", "metric", "target_len", "value"} <= set(table.columns):
        raise ValueError("table must be a sweep table with columns params, metric, target_len, value")
    return table


def check_arith_geometric(params: int, ratio: float, p: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-arith-geometric: for the sweep's model with ``params`` parameters, the fitted ratio EM(L+1)/EM(L)
    and its per-token accuracy p (all items, mean over seeds).

    Used in chapter 5, section 'Exercises'.
    """
    table = _table(table)
    params = check_int("params", params, low=1)
    sizes = sorted(int(x) for x in table["params"].unique())
    if params not in sizes:
        raise ValueError(f"params must be one of the sweep's model sizes {sizes}; got {params}")
    r_got, p_got = as_number("ratio", ratio), as_number("p", p)
    r_want = tables.geometric_ratio(table, params)
    means = {m: float(tables.seed_curves(table, m).loc[params, "mean"]) for m in ("token_accuracy", "exact_match")}
    p_want = means["token_accuracy"]
    slope = math.log(r_want)
    problems = [
        diagnose("ratio", r_got, r_want, rtol=0.01, known=[
            (slope, "that is the slope of ln EM; the ratio per extra token is its exponential"),
            (slope / math.log(10), "that is the slope of log10 EM; the ratio per extra token is 10**slope"),
            (1 / r_want, "that is EM(L)/EM(L+1): longer answers should have the lower exact match")]),
        diagnose("p", p_got, p_want, rtol=0.01, known=[
            (means["exact_match"], "that is exact match, not per-token accuracy"),
            (1 - p_want, "that is the per-token error rate 1 - p")]),
    ]
    if r_got <= 0 and problems[0] is not None and "too" in problems[0]:  # no known slip recognised
        problems[0] = "ratio: EM(L+1)/EM(L) is a ratio of two positive rates, so it must be positive"
    return verdict("ex-arith-geometric", problems, "ratio and p within 1 %")


def check_arith_chance(expected_correct: float, split) -> CheckPassed:
    """ex-arith-chance: expected number of items of ``split`` a uniform random digit guesser gets exactly right.

    Used in chapter 5, section 'Exercises'.
    """
    from ..arithmetic.tasks import Split, get_task  # imports torch: only when a check needs it

    if not isinstance(split, Split):
        raise ValueError(f"split must be the Split the chapter drew with task.split(...); got {type(split).__name__}")
    got = as_number("expected_correct", expected_correct)
    task = get_task(split.task)
    lengths = task.encode(split.pairs)[2].numpy().astype(float)
    want = float(np.sum(10.0 ** -lengths))
    n = len(split)
    longest = float(n * 10.0 ** -lengths.max())
    problem = diagnose("expected number right", got, want, rtol=0.005, known=[
        (want / n, "that is the chance rate per item; multiply by the number of items"),
        (longest, "that treats every item as the longest answer; each item has its own length L"),
        (float(n * 10.0 ** -lengths.mean()), "average the chance 10**-L over items, not L itself"),
        (float(n * 10.0 ** -lengths.min()), "that treats every item as the shortest answer")])
    return verdict("ex-arith-chance", [problem], "within 0.5 %")


def check_arith_step_share(em_share: float, token_share: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-arith-step-share: largest one-step share of the rise of exact match and of per-token accuracy.

    Used in chapter 5, section 'Exercises'.
    """
    table = _table(table)
    em_got, tok_got = as_number("em_share", em_share), as_number("token_share", token_share)
    want = tables.step_shares(table)
    problems = []
    for name, got, w, other in (("exact match", em_got, want["exact_match"], want["token_accuracy"]),
                                ("per-token accuracy", tok_got, want["token_accuracy"], want["exact_match"])):
        if not 0 <= got <= 1:
            problems.append(f"{name}: a share of the total rise lies between 0 and 1")
            continue
        problems.append(diagnose(name, got, w, atol=0.01, known=[
            (other, "that is the other metric's share; check which curve you used")]))
    return verdict("ex-arith-step-share", problems, "both shares within 0.01")


GUESSER_Q = 3e-4  # ex-arith-guesser: true exact match of the best run of the smallest add_4x4 model (30 of 1e5)


def check_arith_guesser(n_constant: int, n_digits: int) -> CheckPassed:
    """ex-arith-guesser: smallest n (multiple of 1,000) placing q = 3e-4 above the constant guess, and above random digits.

    Used in chapter 5, section 'Exercises'.
    """
    from ..arithmetic import chance, tasks  # imports torch: only when a check needs it

    got_c, got_d = as_number("n_constant", n_constant), as_number("n_digits", n_digits)
    add = tasks.get_task("add_4x4")
    constant, digits = chance.constant_guess(add)[1], chance.random_digits_rate(add)  # 1/9,000 and 1e-5
    problems = []
    for name, got, level, other in (("n_constant", got_c, constant, digits),
                                    ("n_digits", got_d, digits, constant)):
        if got <= 0 or got % 1000:
            problems.append(f"{name}: n is searched on multiples of 1,000 (1,000, 2,000, ...)")
            continue
        want = res.items_to_beat(GUESSER_Q, level)
        if got == want:
            problems.append(None)
            continue
        slips: dict[int, list[str]] = {}
        for value, message in ((res.items_to_beat(GUESSER_Q, other), "the n for the other chance level"),
                               (res.items_to_beat(GUESSER_Q, level, interval="wald"), "the n of the normal (Wald) interval"),
                               (res.items_to_beat(GUESSER_Q, level, confidence=0.99), "the n of a 99 % interval")):
            slips.setdefault(value, []).append(message)
        # the grid is coarse: a factor hint would give the answer away, so say only the direction
        if got in slips:
            problems.append(f"{name}: that is {' or '.join(slips[got])}; use the exact 95 % interval (res.binomial_ci) "
                            f"and this level")
        elif got > want:
            problems.append(f"{name}: too large; is it the *smallest* n on the grid whose lower end clears the level?")
        else:
            problems.append(f"{name}: too small: at that n the lower end of the interval does not yet clear the level")
    return verdict("ex-arith-guesser", problems, "both n exact")


STRETCH_LEN = 4  # ex-arith-stretch: the target length the toy model is fitted to


def _toy_fit(table: pd.DataFrame, target_len: int, divide_by_len: bool = True) -> tuple[float, float]:
    """(alpha, c) of EM = exp(-L (N/c)**alpha) fitted by least squares of ln(-ln EM / L) on ln N.

    Exact match is the mean over seeds at ``target_len``; only sizes with 0 < EM < 1 enter the fit.
    """
    em = tables.seed_curves(table, "exact_match", target_len=target_len)["mean"]
    em = em[(em > 0) & (em < 1)]
    y = np.log(-np.log(em.to_numpy()) / (target_len if divide_by_len else 1))
    alpha, intercept = np.polyfit(np.log(em.index.to_numpy(dtype=float)), y, 1)
    return float(alpha), float(math.exp(-intercept / alpha))


def check_arith_stretch(alpha: float, c: float, table: pd.DataFrame | None = None) -> CheckPassed:
    """ex-arith-stretch: the toy model's alpha and c fitted to the sweep's exact match at L = 4 (mean over
    seeds, sizes with 0 < EM < 1) by least squares of ln(-ln EM / L) against ln N.

    Used in chapter 5, section 'Exercises'.
    """
    table = _table(table)
    a_got, c_got = as_number("alpha", alpha), as_number("c", c)
    a_want, c_want = _toy_fit(table, STRETCH_LEN)
    if a_got >= 0:
        raise SelfCheckError("ex-arith-stretch: alpha must be negative: the toy's loss (N/c)**alpha falls as N grows")
    if c_got <= 0:
        raise SelfCheckError("ex-arith-stretch: c is a number of parameters, so it must be positive")
    other_lengths = [L for L in sorted(int(x) for x in table["target_len"].unique()) if L != STRETCH_LEN]
    a_known = [(_toy_fit(table, L)[0], f"that is the fit at L = {L}; fit the exact match of L = {STRETCH_LEN}")
               for L in other_lengths]
    c_known = [(_toy_fit(table, STRETCH_LEN, divide_by_len=False)[1],
                "that fits ln(-ln EM) without dividing by L: -ln EM = L (N/c)**alpha")]
    c_known += [(_toy_fit(table, L)[1], f"that is the fit at L = {L}; fit the exact match of L = {STRETCH_LEN}")
                for L in other_lengths]
    c_known += [(math.exp(a_want * math.log(c_want)), "that is exp(-intercept); the intercept is -alpha ln c")]
    problems = [diagnose("alpha", a_got, a_want, rtol=0.02, known=a_known),
                diagnose("c", c_got, c_want, rtol=0.02, known=c_known)]
    return verdict("ex-arith-stretch", problems, "alpha and c within 2 %")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-arith-geometric", "ex-arith-chance", "ex-arith-step-share", "ex-arith-guesser",
                  "ex-arith-stretch")
}
