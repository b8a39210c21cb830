"""Finite test sets: what n items can and cannot measure.

Symbols
-------
n           number of test items (>= 1)
k           number of items answered right (0 <= k <= n)
em          a model's true exact-match rate, in [0, 1]
confidence  coverage of an interval or detection probability, in (0, 1)
L           target length in tokens (>= 1)
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .toy_model import ToyModel
from .validation import check_int, check_positive_array, check_probability, check_real

__all__ = [
    "smallest_nonzero_accuracy",
    "per_token_resolution",
    "prob_observe_zero",
    "detection_limit",
    "onset_scale",
    "binomial_ci",
    "family_scales",
    "simulate_evaluations",
    "first_nonzero_scale",
    "largest_step_share",
    "items_to_beat",
    "binomial_tail",
    "z_rule_false_alarm",
    "tail_rule_false_alarm",
    "binomtest_interval",
]


def _confidence(confidence: float) -> float:
    return check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)


def smallest_nonzero_accuracy(n: int) -> float:
    """The smallest accuracy other than 0 that n items can report, ``1 / n``.

    Taught in chapter 4, section 'Items versus tokens: a small torch experiment'.
    """
    return 1.0 / check_int("n", n, low=1)


def per_token_resolution(n: int, L: float) -> float:
    """The smallest nonzero per-token accuracy that n items of L tokens can report, ``1 / (n * L)``.

    Taught in chapter 4, section 'Items versus tokens: a small torch experiment'.
    """
    n = check_int("n", n, low=1)
    L = check_real("L", L, low=1, high=np.inf, high_open=True)
    return 1.0 / (n * L)


def prob_observe_zero(em, n: int) -> np.ndarray:
    """Probability that a model with true rate ``em`` gets none of n independent items right, ``(1-em)**n``.

    Taught in chapter 4, section 'The smallest score a test set can report'.
    """
    em = check_probability("em", em)
    n = check_int("n", n, low=1)
    with np.errstate(divide="ignore"):  # em = 1 gives log(0) = -inf, hence exactly 0
        return np.exp(n * np.log1p(-em))  # accurate for tiny em, where 1 - em rounds to 1


def detection_limit(n: int, confidence: float = 0.95) -> float:
    """Smallest true rate that scores at least one of n items right with the given probability.

    Taught in chapter 4, section 'A zero is an interval, not a point'.
    """
    n = check_int("n", n, low=1)
    confidence = _confidence(confidence)
    return float(-np.expm1(np.log1p(-confidence) / n))


def onset_scale(n: int, L: float, model: ToyModel = ToyModel()) -> float:
    """Scale at which the toy model's exact match reaches ``1/n``: ``c * (ln(n) / L) ** (1/alpha)``.

    Below it, an n-item test set usually reads exactly 0, so this is where 'emergence' appears to start.

    Taught in chapter 4, section 'Where "emergence" appears to start'.
    """
    n = check_int("n", n, low=2)
    L = check_real("L", L, low=1, high=np.inf, high_open=True)
    return float(model.c * (np.log(n) / L) ** (1.0 / model.alpha))


def binomial_ci(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) confidence interval for a rate from k successes in n items (scipy).

    Taught in chapter 4, section 'A zero is an interval, not a point'.
    """
    n = check_int("n", n, low=1)
    k = check_int("k", k, low=0, high=n)
    confidence = _confidence(confidence)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def family_scales(num_scales: int = 26, low: float = 1e7, high: float = 1e12) -> np.ndarray:
    """``num_scales`` model sizes evenly spaced in log N between ``low`` and ``high``.

    Taught in chapter 4, section 'Simulated evaluations: emergence that moves with n'.
    """
    num_scales = check_int("num_scales", num_scales, low=2)
    low = check_real("low", low, low=0, low_open=True)
    high = check_real("high", high, low=low, low_open=True)
    return np.logspace(np.log10(low), np.log10(high), num_scales)


def simulate_evaluations(em, n: int, *, num_evals: int = 1, seed: int = 0) -> np.ndarray:
    """Measured accuracies (k / n) of models with true rates ``em`` on ``num_evals`` fresh n-item test sets.

    Returns an array of shape ``(num_evals, *np.shape(em))``.

    Taught in chapter 4, section 'Simulated evaluations: emergence that moves with n'.
    """
    em = check_probability("em", em)
    n = check_int("n", n, low=1)
    num_evals = check_int("num_evals", num_evals, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    return rng.binomial(n, em, size=(num_evals, *em.shape)) / n


def first_nonzero_scale(N, scores) -> float:
    """The smallest scale in ``N`` whose measured score is above 0 (the apparent 'emergence'), else nan.

    Taught in chapter 4, section 'Simulated evaluations: emergence that moves with n'.
    """
    N = check_positive_array("N", N)
    scores = np.asarray(scores, dtype=float)
    if N.ndim != 1 or scores.shape != N.shape:
        raise ValueError(f"N and scores must be 1-D and of the same length; got shapes {N.shape} and {scores.shape}")
    if np.isnan(scores).any():
        raise ValueError("scores must not hold nan")
    above = N[scores > 0]
    return float(above.min()) if above.size else float("nan")


def largest_step_share(scores) -> float:
    """Share of the total rise made in the single largest step between neighbouring scales (nan if flat).

    For a rising curve of k scores it is at least ``1 / (k - 1)``, the share of the average step,
    so it falls with k by arithmetic alone; compare it with that floor.

    Taught in chapter 4, section 'Too few model sizes'.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or scores.size < 2 or np.isnan(scores).any():
        raise ValueError(f"scores must be a 1-D array of at least 2 numbers without nan; got shape {scores.shape}")
    rise = scores.max() - scores.min()
    return float(np.diff(scores).max() / rise) if rise > 0 else float("nan")


def items_to_beat(q: float, level: float, *, step: int = 1000, max_n: int = 10**7, confidence: float = 0.95,
                  interval: str = "exact") -> int:
    """Smallest n (a multiple of ``step``) at which k = round(q n) right puts the interval's lower end above ``level``.

    ``interval`` is 'exact' (Clopper-Pearson, ``binomial_ci``) or 'wald' (p - z sqrt(p(1-p)/n)).

    Taught in chapter 5, section 'Exercises'.
    """
    q = check_real("q", q, low=-math.inf, high=math.inf, low_open=True, high_open=True)
    level = check_real("level", level, low=-math.inf, high=math.inf, low_open=True, high_open=True)
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
            lower = binomial_ci(k, n, confidence)[0]
        else:
            rate = k / n
            lower = rate - z * math.sqrt(rate * (1 - rate) / n)
        if lower > level:
            return n
    raise ValueError(f"max_n={max_n}: no n up to it shows q={q} above level={level}; raise max_n")


def _rate_strictly_inside(name: str, prob) -> np.ndarray:
    prob = check_probability(name, prob)
    if ((prob <= 0) | (prob >= 1)).any():
        raise ValueError(f"{name} must hold rates strictly between 0 and 1 (a count with no spread cannot "
                         f"fail a fair check); got a value {prob[(prob <= 0) | (prob >= 1)].ravel()[0]!r}")
    return prob


def binomial_tail(k, n: int, prob) -> np.ndarray:
    """Two-sided exact tail of a Binomial(n, prob) count k: ``2 * min(P(X <= k), P(X >= k))``, at most 1.

    The chance, under the model, of a count at least as far out as k on its own side, doubled. It
    never uses a normal approximation, so it stays right where n * prob is small.

    Taught in chapter 2, section 'A torch experiment: sampling the tokens'.
    """
    n = check_int("n", n, low=1)
    k = np.asarray(k)
    if not np.issubdtype(k.dtype, np.integer) or (k < 0).any() or (k > n).any():
        raise ValueError(f"k must hold integer counts in [0, n] = [0, {n}]; got {k!r}")
    prob = _rate_strictly_inside("prob", prob)
    below, above = stats.binom.cdf(k, n, prob), stats.binom.sf(k - 1, n, prob)
    return np.minimum(1.0, 2 * np.minimum(below, above))


def z_rule_false_alarm(n: int, prob, z: float = 4.0) -> np.ndarray:
    """Exact chance that a fair Binomial(n, prob) count lies z or more standard deviations from its mean.

    That is how often a check 'within z standard errors' fails although nothing is wrong; for a
    normal distribution it would be ``2 * Phi(-z)`` (6.3e-5 for z = 4), whatever n * prob is.

    Taught in chapter 2, section 'A torch experiment: sampling the tokens'.
    """
    n = check_int("n", n, low=1)
    prob = _rate_strictly_inside("prob", prob)
    z = check_real("z", z, low=0, low_open=True, high=np.inf, high_open=True)
    counts = np.arange(n + 1)
    out = []
    for q in prob.ravel():
        far = np.abs(counts - n * q) >= z * np.sqrt(n * q * (1 - q))
        out.append(stats.binom.pmf(counts[far], n, q).sum())
    return np.minimum(1.0, np.array(out).reshape(prob.shape))


def tail_rule_false_alarm(n: int, prob, level: float) -> np.ndarray:
    """Exact chance that a fair Binomial(n, prob) count has ``binomial_tail`` below ``level``.

    At most ``level`` for every n and prob (an exact test never rejects more often than its level).

    Taught in chapter 2, section 'A torch experiment: sampling the tokens'.
    """
    n = check_int("n", n, low=1)
    prob = _rate_strictly_inside("prob", prob)
    level = check_real("level", level, low=0, high=1, low_open=True, high_open=True)
    counts = np.arange(n + 1)
    out = [stats.binom.pmf(counts, n, q)[binomial_tail(counts, n, q) < level].sum() for q in prob.ravel()]
    return np.minimum(1.0, np.array(out).reshape(prob.shape))


def _binomtest_pvalues(k: int, n: int, rates: np.ndarray, max_entries: int = 2**22) -> np.ndarray:
    """Two-sided exact p-values of k in n at each of ``rates``, as ``stats.binomtest`` defines them (the
    probability of every count no more likely than k, with its relative tolerance 1e-7), all at once."""
    counts = np.arange(n + 1)
    out = np.empty(len(rates))
    step = max(1, max_entries // (n + 1))
    for start in range(0, len(rates), step):
        rate = rates[start:start + step, None]
        pmf = stats.binom.pmf(counts, n, rate)
        at_k = pmf[:, k:k + 1] * (1 + 1e-7)
        out[start:start + step] = np.minimum(1.0, np.where(pmf <= at_k, pmf, 0.0).sum(axis=1))
    return out


def binomtest_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Rates that scipy's two-sided exact test (``binomtest``) does not reject at level 1 - confidence.

    That test's p-value adds up every count no more likely than k, on both sides, so its interval
    differs from Clopper-Pearson's (``binomial_ci``), which inverts two one-sided tests at
    (1 - confidence)/2 each. Its p-value is not monotone in the rate; this returns the lowest and the
    highest accepted rate (to about 1e-12 of the interval's scale).

    Taught in chapter 4, section 'A zero is an interval, not a point'.
    """
    n = check_int("n", n, low=1)
    k = check_int("k", k, low=0, high=n)
    confidence = _confidence(confidence)
    level = 1 - confidence

    def accepted(rate: float) -> bool:
        return rate == k / n or stats.binomtest(k, n, rate).pvalue >= level

    low, high = binomial_ci(k, n, confidence)
    width = high - low
    grid = np.linspace(max(0.0, low - width), min(1.0, high + width), 2001)
    ok = _binomtest_pvalues(k, n, grid) >= level  # a scan for where to look; the edges use scipy's test
    ok |= grid == k / n

    def edge(inside: float, outside: float) -> float:
        for _ in range(60):
            mid = 0.5 * (inside + outside)
            inside, outside = (mid, outside) if accepted(mid) else (inside, mid)
        return inside

    first, last = np.flatnonzero(ok)[[0, -1]]
    if first > 0:
        lo = edge(grid[first], grid[first - 1])
    else:
        lo = 0.0 if grid[0] == 0 or accepted(0.0) else edge(grid[0], 0.0)
    if last < len(grid) - 1:
        hi = edge(grid[last], grid[last + 1])
    else:
        hi = 1.0 if grid[-1] == 1 or accepted(1.0) else edge(grid[-1], 1.0)
    return float(lo), float(hi)
