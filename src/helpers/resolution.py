"""Finite test sets: what n items can and cannot measure.

Symbols
-------
n    number of test items (>= 1)
k    number of items answered right (0 <= k <= n)
em   a model's true exact-match rate, in [0, 1]
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .toy_model import ToyModel
from .validation import check_int, check_probability, check_real

__all__ = [
    "smallest_nonzero_accuracy",
    "prob_observe_zero",
    "detection_limit",
    "onset_scale",
    "binomial_ci",
    "simulate_evaluations",
]


def smallest_nonzero_accuracy(n: int) -> float:
    """The smallest accuracy other than 0 that n items can report, ``1 / n``."""
    return 1.0 / check_int("n", n, low=1)


def prob_observe_zero(em, n: int) -> np.ndarray:
    """Probability that a model with true rate ``em`` gets none of n independent items right, ``(1-em)**n``."""
    return (1.0 - check_probability("em", em)) ** check_int("n", n, low=1)


def detection_limit(n: int, confidence: float = 0.95) -> float:
    """Smallest true rate that scores at least one of n items right with the given probability."""
    n = check_int("n", n, low=1)
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    return float(-np.expm1(np.log1p(-confidence) / n))


def onset_scale(n: int, L: float, model: ToyModel = ToyModel()) -> float:
    """Scale at which the toy model's exact match reaches ``1/n``: ``c * (ln(n) / L) ** (1/alpha)``.

    Below it, an n-item test set usually reads exactly 0, so this is where 'emergence' appears to start.
    """
    n = check_int("n", n, low=2)
    L = check_real("L", L, low=1, high=np.inf, high_open=True)
    return float(model.c * (np.log(n) / L) ** (1.0 / model.alpha))


def binomial_ci(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) confidence interval for a rate from k successes in n items (scipy)."""
    n = check_int("n", n, low=1)
    k = check_int("k", k, low=0, high=n)
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def simulate_evaluations(em, n: int, *, num_evals: int = 1, seed: int = 0) -> np.ndarray:
    """Measured accuracies (k / n) of models with true rates ``em`` on ``num_evals`` fresh n-item test sets.

    Returns an array of shape ``(num_evals, *np.shape(em))``.
    """
    em = check_probability("em", em)
    n = check_int("n", n, low=1)
    num_evals = check_int("num_evals", num_evals, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    return rng.binomial(n, em, size=(num_evals, *em.shape)) / n
