"""Smooth and sharp metrics of fixed model outputs, with their analytic predictions.

Symbols: n test items; a model's per-item correctness r_i in {0, 1}; accuracy a = mean(r_i);
K items per tuple or sequence; e_i = ||x_i - x_hat_i||^2 the squared error of image i; c a threshold.

* accuracy a (smooth)  vs  subset accuracy: the share of K-tuples of distinct test items that are all
  right (sharp). Over *all* K-subsets it is exactly C(k, K) / C(n, K) with k = n a right items, which is
  a^K up to O(K^2 / n); a^K is the independence prediction.
* mean squared error mean(e_i) (smooth)  vs  Reconstruction_c = mean(1[e_i < c]) (sharp): the empirical
  CDF of the per-image errors evaluated at c.
* per-item accuracy (smooth)  vs  all-correct: the share of sequences whose every item is right.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..emergence import emergence_score
from ..validation import check_int, check_positive_array, check_real

__all__ = ["accuracy", "subset_accuracy", "sampled_subset_accuracy", "independence_prediction",
           "mean_squared_error", "reconstruction_c", "per_item_accuracy", "all_correct", "emergence_scores_by_c",
           "most_emergent_c"]


def _correct(correct) -> np.ndarray:
    arr = np.asarray(correct)
    if arr.size == 0:
        raise ValueError("correct must hold at least one item")
    if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
        raise ValueError("correct must hold booleans (or 0/1): whether each item is right")
    return arr.astype(bool)


def accuracy(correct) -> float:
    """Share of items that are right."""
    return float(_correct(correct).mean())


def subset_accuracy(correct, K: int) -> float:
    """Share of all K-subsets of distinct items with every item right: C(k, K) / C(n, K), computed stably."""
    r = _correct(correct).ravel()
    n, k = r.size, int(r.sum())
    K = check_int("K", K, low=1, high=n)
    i = np.arange(K)
    return float(np.prod((k - i).clip(min=0) / (n - i)))


def sampled_subset_accuracy(correct, K: int, num_tuples: int, seed: int) -> float:
    """Subset accuracy on ``num_tuples`` random K-tuples of distinct items (a finite benchmark of tuples)."""
    r = _correct(correct).ravel()
    K = check_int("K", K, low=1, high=r.size)
    num_tuples = check_int("num_tuples", num_tuples, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    idx = np.argsort(rng.random((num_tuples, r.size)), axis=1)[:, :K]
    return float(r[idx].all(axis=1).mean())


def independence_prediction(acc, K) -> np.ndarray | float:
    """a^K: the chance that K independent items are all right when each is right with probability a."""
    a = np.asarray(acc, dtype=float)
    if np.isnan(a).any() or (a < 0).any() or (a > 1).any():
        raise ValueError("acc must be accuracies in [0, 1]")
    out = a ** np.asarray(K, dtype=float)
    return float(out) if np.ndim(out) == 0 else out


def _errors(errors) -> np.ndarray:
    e = np.asarray(errors, dtype=float)
    if e.size == 0 or np.isnan(e).any() or (e < 0).any():
        raise ValueError("errors must be a non-empty array of squared errors >= 0")
    return e


def mean_squared_error(errors) -> float:
    """Mean of the per-image squared errors ||x - x_hat||^2."""
    return float(_errors(errors).mean())


def reconstruction_c(errors, c) -> np.ndarray | float:
    """Reconstruction_c = mean(1[e_i < c]): the empirical CDF of the errors at c (c may be an array)."""
    e = np.sort(_errors(errors).ravel())
    cs = check_positive_array("c", c)
    out = np.searchsorted(e, cs, side="left") / e.size  # number of errors strictly below c, over n
    return float(out) if out.ndim == 0 else out


def per_item_accuracy(correct) -> float:
    """Share of items right, over every position of every sequence: correct has shape (sequences, length)."""
    r = _correct(correct)
    if r.ndim != 2:
        raise ValueError(f"correct must have shape (sequences, length); got {r.shape}")
    return float(r.mean())


def all_correct(correct) -> float:
    """Share of sequences whose every item is right: correct has shape (sequences, length)."""
    r = _correct(correct)
    if r.ndim != 2:
        raise ValueError(f"correct must have shape (sequences, length); got {r.shape}")
    return float(r.all(axis=1).mean())


def emergence_scores_by_c(params, errors_by_model: Sequence, cs) -> np.ndarray:
    """Emergence score of the curve Reconstruction_c(params) for each threshold c of ``cs``."""
    params = check_positive_array("params", params)
    if len(errors_by_model) != params.size:
        raise ValueError(f"errors_by_model must hold one error array per model; got {len(errors_by_model)} "
                         f"for {params.size} models")
    cs = check_positive_array("cs", cs).ravel()
    curves = np.array([reconstruction_c(e, cs) for e in errors_by_model])  # (models, cs)
    return np.array([emergence_score(params, curves[:, j]) for j in range(cs.size)])


def most_emergent_c(params, errors_by_model: Sequence, cs, min_rise: float = 0.5) -> tuple[float, float]:
    """(c, score): the threshold of ``cs`` whose Reconstruction_c curve has the highest emergence score.

    Only curves that rise by at least ``min_rise`` count (a curve that stays near 0 is no ability at all);
    ties, e.g. several +inf scores (all of the change in fewer than half the steps), go to the larger rise.
    """
    min_rise = check_real("min_rise", min_rise, low=0, high=1)
    cs = check_positive_array("cs", cs).ravel()
    scores = emergence_scores_by_c(params, errors_by_model, cs)
    curves = np.array([reconstruction_c(e, cs) for e in errors_by_model])
    rise = curves.max(axis=0) - curves.min(axis=0)
    ok = rise >= min_rise
    if not ok.any():
        raise ValueError(f"min_rise: no threshold in cs gives a curve that rises by {min_rise:g} or more")
    order = np.lexsort((rise, np.where(ok, scores, -np.inf)))  # by score, then by rise
    best = order[-1]
    return float(cs[best]), float(scores[best])
