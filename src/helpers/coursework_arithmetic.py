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
from scipy import stats

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
    "check_arith_guesser",
    "geometric_ratio",
    "items_to_beat",
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


GUESSER_Q = 3e-4  # ex-arith-guesser: true exact match of the best run of the smallest add_4x4 model (30 of 1e5)


def items_to_beat(q: float, level: float, *, step: int = 1000, max_n: int = 10**7, confidence: float = 0.95,
                  interval: str = "exact") -> int:
    """Smallest n (a multiple of ``step``) at which k = round(q n) right puts the interval's lower end above ``level``.

    ``interval`` is 'exact' (Clopper-Pearson, ``resolution.binomial_ci``) or 'wald' (p - z sqrt(p(1-p)/n)).
    """
    q = _real("q", q)
    level = _real("level", level)
    if not 0 < q < 1:
        raise ValueError(f"q must be a rate in (0, 1); got {q}")
    if not 0 <= level < q:
        raise ValueError(f"level must be in [0, q) = [0, {q}): no n can show a rate above a level it does not exceed; "
                         f"got {level}")
    step = check_int("step", step, low=1)
    max_n = check_int("max_n", max_n, low=step)
    if interval not in ("exact", "wald"):
        raise ValueError(f"interval must be 'exact' or 'wald'; got {interval!r}")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    for n in range(step, max_n + 1, step):
        k = round(q * n)
        if interval == "exact":
            lower = res.binomial_ci(k, n, confidence)[0]
        else:
            rate = k / n
            lower = rate - z * math.sqrt(rate * (1 - rate) / n)
        if lower > level:
            return n
    raise ValueError(f"max_n={max_n}: no n up to it shows q={q} above level={level}; raise max_n")


def check_arith_guesser(n_constant: int, n_digits: int) -> CheckPassed:
    """ex-arith-guesser: smallest n (multiple of 1,000) placing q = 3e-4 above the constant guess, and above random digits."""
    from .arithmetic import chance, tasks  # imports torch: only when a check needs it

    got_c, got_d = _real("n_constant", n_constant), _real("n_digits", n_digits)
    add = tasks.get_task("add_4x4")
    constant, digits = chance.constant_guess(add)[1], chance.random_digits_rate(add)  # 1/9,000 and 1e-5
    problems = []
    for name, got, level, other in (("n_constant", got_c, constant, digits),
                                    ("n_digits", got_d, digits, constant)):
        if got <= 0 or got % 1000:
            problems.append(f"{name}: n is searched on multiples of 1,000 (1,000, 2,000, ...)")
            continue
        want = items_to_beat(GUESSER_Q, level)
        if got == want:
            problems.append(None)
            continue
        slips: dict[int, list[str]] = {}
        for value, message in ((items_to_beat(GUESSER_Q, other), "the n for the other chance level"),
                               (items_to_beat(GUESSER_Q, level, interval="wald"), "the n of the normal (Wald) interval"),
                               (items_to_beat(GUESSER_Q, level, confidence=0.99), "the n of a 99 % interval")):
            slips.setdefault(value, []).append(message)
        # the grid is coarse: a factor hint would give the answer away, so say only the direction
        if got in slips:
            problems.append(f"{name}: that is {' or '.join(slips[got])}; use the exact 95 % interval (res.binomial_ci) "
                            f"and this level")
        elif got > want:
            problems.append(f"{name}: too large; is it the *smallest* n on the grid whose lower end clears the level?")
        else:
            problems.append(f"{name}: too small: at that n the lower end of the interval does not yet clear the level")
    return _verdict("ex-arith-guesser", problems, "both n exact")


CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in ("ex-arith-geometric", "ex-arith-chance", "ex-arith-step-share", "ex-arith-guesser")
}
