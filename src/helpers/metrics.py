"""Metrics on fixed model outputs. Each returns one score per test item; average for the headline.

Keeping outputs and metrics apart is the mirage argument in code: the outputs below never change,
only the function applied to them does.

Shapes
------
y_hat, y        predicted and target token sequences, one per item (lists or 2-D int arrays)
p_correct       (items, L) probability the model gave to each correct target token
option_probs    (items, K) probability of each of K options, rows summing to 1
answer          (items,) index of the right option
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from .validation import check_probability

__all__ = [
    "exact_match",
    "token_accuracy",
    "token_edit_distance",
    "cross_entropy",
    "multiple_choice_grade",
    "brier_score",
]


def _pairs(y_hat: Sequence, y: Sequence) -> list[tuple[list, list]]:
    if len(y_hat) != len(y):
        raise ValueError(f"y_hat and y must hold the same number of items; got {len(y_hat)} and {len(y)}")
    if isinstance(y_hat, np.ndarray) and isinstance(y, np.ndarray) and y_hat.ndim == y.ndim == 2:
        return list(zip(y_hat.tolist(), y.tolist()))
    return [(_tokens(a), _tokens(b)) for a, b in zip(y_hat, y)]


def _tokens(seq) -> list:
    return seq.tolist() if isinstance(seq, np.ndarray) else list(seq)


def _grids(y_hat: Sequence, y: Sequence) -> tuple[np.ndarray, np.ndarray] | None:
    """Both inputs as equal-shape 2-D numpy arrays (items, L) with L >= 1, else None (the general path)."""
    if not (isinstance(y_hat, np.ndarray) and isinstance(y, np.ndarray)):
        return None
    if y_hat.ndim != 2 or y_hat.shape != y.shape or y.shape[1] == 0:
        return None
    return y_hat, y


def exact_match(y_hat: Sequence, y: Sequence) -> np.ndarray:
    """1.0 where the whole predicted sequence equals the target, else 0.0."""
    grids = _grids(y_hat, y)
    if grids is not None:
        return (grids[0] == grids[1]).all(axis=1).astype(float)
    return np.array([float(a == b) for a, b in _pairs(y_hat, y)])


def token_accuracy(y_hat: Sequence, y: Sequence) -> np.ndarray:
    """Fraction of target positions predicted right (sequences of equal length)."""
    grids = _grids(y_hat, y)
    if grids is not None:
        return (grids[0] == grids[1]).mean(axis=1)
    scores = []
    for i, (a, b) in enumerate(_pairs(y_hat, y)):
        if len(a) != len(b) or not b:
            raise ValueError(f"y_hat[{i}] and y[{i}] must have the same, nonzero length; got {len(a)} and {len(b)}")
        scores.append(np.mean([u == v for u, v in zip(a, b)]))
    return np.array(scores, dtype=float)


def token_edit_distance(y_hat: Sequence, y: Sequence) -> np.ndarray:
    """Levenshtein distance between token sequences (insertions, deletions, substitutions), via rapidfuzz."""
    pairs = _pairs(y_hat, y)
    if not pairs:
        return np.zeros(0)
    a, b = zip(*pairs)
    return cpdist(a, b, scorer=Levenshtein.distance, workers=1).astype(float)


def cross_entropy(p_correct) -> np.ndarray:
    """Mean per-token cross-entropy in nats, ``-mean(log p)`` over each item's target tokens."""
    p = check_probability("p_correct", p_correct)
    if p.ndim != 2:
        raise ValueError(f"p_correct must be 2-D (items, L); got shape {p.shape}")
    with np.errstate(divide="ignore"):
        return -np.log(p).mean(axis=1)


def _options(option_probs, answer) -> tuple[np.ndarray, np.ndarray]:
    q = check_probability("option_probs", option_probs)
    if q.ndim != 2 or q.shape[1] < 2:
        raise ValueError(f"option_probs must be 2-D (items, K) with K >= 2; got shape {q.shape}")
    a = np.asarray(answer)
    if a.shape != (q.shape[0],) or not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"answer must be {q.shape[0]} integer indices; got shape {a.shape}, dtype {a.dtype}")
    if (a < 0).any() or (a >= q.shape[1]).any():
        raise ValueError(f"answer must index an option, in [0, {q.shape[1] - 1}]")
    return q, a


def multiple_choice_grade(option_probs, answer) -> np.ndarray:
    """1.0 where the right option has the (strictly) highest probability, else 0.0; ties score 0."""
    q, a = _options(option_probs, answer)
    right = q[np.arange(len(a)), a]
    others = q.copy()
    others[np.arange(len(a)), a] = -np.inf
    return (right > others.max(axis=1)).astype(float)


def brier_score(option_probs, answer) -> np.ndarray:
    """Squared error between option probabilities and the one-hot answer, averaged over the K options.

    Averaging (not summing, as Brier 1950 did) makes K = 2 equal the toy model's ``(1 - p) ** 2``;
    multiply by K for the summed form. Lower is better.
    """
    q, a = _options(option_probs, answer)
    onehot = np.zeros_like(q)
    onehot[np.arange(len(a)), a] = 1.0
    return ((q - onehot) ** 2).mean(axis=1)
