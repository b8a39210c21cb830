"""Sampled model outputs for the toy model: one fixed test set, scored later by any metric.

The toy model of Schaeffer et al. (2023) gives each target token a probability ``p(N)`` of being
right. Here that becomes concrete outputs (seeded torch sampling): target token sequences for a
fixed set of test items, the model's predicted sequences and per-token probabilities at each scale
N, and a two-option multiple-choice question per item. ``score`` then applies every metric in
``helpers.metrics`` to those same outputs.

Correlated errors: with ``rho > 0`` each item i gets its own token probability ``q_i``, drawn from
a Beta distribution with mean ``p`` and variance ``rho * p * (1 - p)``. Tokens of one item are then
right or wrong together more often than chance (``rho`` is the correlation between the errors at
two positions of the same item); the per-token accuracy stays ``p``. ``rho = 0`` gives the
paper's independent errors.

Symbols
-------
N      model scales (parameters), shape (S,)
L      target length in tokens
p      per-token probability of the right token, ``exp(-L_CE(N))``
rho    correlation between the errors at two positions of one item, in [0, 1)
q      per-item token probability (equals p when rho = 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from scipy import special

from . import metrics
from . import toy_model as tm
from .validation import check_choice, check_int, check_positive_array, check_probability, check_real

__all__ = [
    "METRICS",
    "SampledOutputs",
    "item_probs",
    "sample_outputs",
    "score",
    "expected_metric",
    "error_correlation",
]

# Metric names, in the order of the six-panel picture; keys of helpers.plotting.METRIC_COLORS
# except token_accuracy (the sampled estimate of the per-token probability p).
METRICS: tuple[str, ...] = (
    "cross_entropy",
    "token_accuracy",
    "exact_match",
    "multiple_choice_grade",
    "edit_distance",
    "brier_score",
)


@dataclass(frozen=True, eq=False)
class SampledOutputs:
    """A model family's outputs on one fixed test set: arrays indexed (scale, item, position).

    Taught in chapter 3, section 'One set of model outputs'.
    """

    N: np.ndarray  # (S,) model scales
    targets: np.ndarray  # (items, L) target tokens, shared by every scale
    predictions: np.ndarray  # (S, items, L) predicted tokens
    p_correct: np.ndarray  # (S, items, L) probability the model gave each target token
    option_probs: np.ndarray  # (S, items, 2) probabilities of the two multiple-choice options
    answer: np.ndarray  # (items,) index of the right option
    rho: float  # correlation of errors within an item

    @property
    def length(self) -> int:
        """Number of target positions sampled per item."""
        return int(self.targets.shape[1])


_RHO_ZERO = 1e-9  # below this, Beta(mean p, correlation rho) is indistinguishable from the point mass at p


def _check_rho(rho: float) -> float:
    """rho in [0, 1), with values under 1e-9 treated as 0 (the Beta formulas lose precision there)."""
    rho = check_real("rho", rho, low=0, high=1, high_open=True)
    return 0.0 if rho < _RHO_ZERO else rho


def _beta_params(p: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) with mean p and variance rho * p * (1 - p): a + b = 1 / rho - 1."""
    k = 1.0 / rho - 1.0
    return p * k, (1.0 - p) * k


def item_probs(p, u, rho: float = 0.0) -> np.ndarray:
    """Per-item token probabilities ``q``: the ``u``-quantiles of Beta(mean p, correlation rho); p if rho = 0.

    ``p`` has shape (S,) and ``u`` (items,); the result is (S, items). Using one ``u`` per item for
    every scale keeps an item's difficulty rank fixed: an item hard for a small model stays hard.

    Taught in chapter 3, section 'A Monte Carlo check of the independence approximation'.
    """
    p = check_probability("p", p)[..., None]
    u = check_probability("u", u)[None, ...]
    rho = _check_rho(rho)
    if rho == 0:
        return np.broadcast_to(p, np.broadcast_shapes(p.shape, u.shape)).copy()
    a, b = _beta_params(np.clip(p, 1e-12, 1 - 1e-12), rho)
    q = special.betaincinv(a, b, u)
    return np.where((p == 0) | (p == 1), p, q)


def sample_outputs(
    N,
    L: int,
    *,
    num_items: int = 1000,
    vocab: int = 10,
    rho: float = 0.0,
    model: tm.ToyModel = tm.ToyModel(),
    seed: int = 0,
) -> SampledOutputs:
    """Sample targets, predictions, per-token and multiple-choice probabilities for each scale in ``N``.

    All scales share one set of random draws (common random numbers), so a token a small model gets
    right stays right in a larger one; wrong tokens are drawn uniformly from the other ``vocab - 1``.

    Taught in chapter 3, section 'One set of model outputs'.
    """
    N = np.atleast_1d(check_positive_array("N", N))
    if N.ndim != 1:
        raise ValueError(f"N must be a 1-D array of scales; got shape {N.shape}")
    L = check_int("L", L, low=1)
    num_items = check_int("num_items", num_items, low=1)
    vocab = check_int("vocab", vocab, low=2)
    rho = _check_rho(rho)
    seed = check_int("seed", seed, low=0)

    g = torch.Generator().manual_seed(seed)
    targets = torch.randint(0, vocab, (num_items, L), generator=g)
    shift = torch.randint(1, vocab, (num_items, L), generator=g)  # a wrong token: target + shift mod vocab
    u_token = torch.rand((num_items, L), generator=g, dtype=torch.float64).numpy()
    u_item = torch.rand((num_items,), generator=g, dtype=torch.float64).numpy()
    answer = torch.randint(0, 2, (num_items,), generator=g).numpy()

    p = tm.token_prob(N, model)  # (S,)
    q = item_probs(p, u_item, rho)  # (S, items)
    right = u_token[None, :, :] < q[:, :, None]  # (S, items, L)
    wrong = ((targets + shift) % vocab).numpy()
    targets = targets.numpy()
    predictions = np.where(right, targets[None], wrong[None])
    p_correct = np.broadcast_to(q[:, :, None], right.shape).copy()
    option_probs = np.empty((len(N), num_items, 2))
    rows = np.arange(num_items)
    option_probs[:, rows, answer] = q
    option_probs[:, rows, 1 - answer] = 1.0 - q
    return SampledOutputs(N, targets, predictions, p_correct, option_probs, answer, rho)


def _item_scores(out: SampledOutputs, s: int, L: int) -> dict[str, np.ndarray]:
    """Every metric, one score per item, on the first L positions of scale s."""
    y, y_hat = out.targets[:, :L], out.predictions[s, :, :L]
    return {
        "cross_entropy": metrics.cross_entropy(out.p_correct[s, :, :L]),
        "token_accuracy": metrics.token_accuracy(y_hat, y),
        "exact_match": metrics.exact_match(y_hat, y),
        "multiple_choice_grade": metrics.multiple_choice_grade(out.option_probs[s], out.answer),
        "edit_distance": metrics.token_edit_distance(y_hat, y),
        "brier_score": metrics.brier_score(out.option_probs[s], out.answer),
    }


def score(outputs: SampledOutputs, L=None) -> pd.DataFrame:
    """Tidy table of every metric's mean and standard error: one row per scale (column ``params``), target
    length (``target_len``) and metric, with columns rho, value and stderr.

    ``L`` is a length or a list of lengths (default: the sampled length); a length-L target is the
    first L positions of each sampled item, so every length is scored on the same outputs.

    Taught in chapter 3, section 'Six metrics, one set of outputs'.
    """
    lengths = [outputs.length] if L is None else list(np.atleast_1d(L))
    lengths = [check_int("L", ell, low=1, high=outputs.length) for ell in lengths]
    n = outputs.targets.shape[0]
    rows = []
    for s, N in enumerate(outputs.N):
        for ell in lengths:
            for name, values in _item_scores(outputs, s, ell).items():
                if n < 2:
                    se = float("nan")
                elif np.ptp(values) == 0:  # every item scores the same: exactly 0, not rounding noise
                    se = 0.0
                else:
                    se = float(values.std(ddof=1) / np.sqrt(n))
                rows.append(dict(params=float(N), target_len=ell, rho=outputs.rho, metric=name,
                                 value=float(values.mean()), stderr=se))
    return pd.DataFrame(rows)


def expected_metric(metric: str, N, L: float = 1, *, rho: float = 0.0,
                    model: tm.ToyModel = tm.ToyModel()) -> np.ndarray:
    """The toy model's expected value of ``metric`` at scales N (Beta-distributed item difficulty if rho > 0).

    With rho = 0 these are the helpers.toy_model curves; edit distance is the substitution count
    ``L * (1 - p)``, an upper bound on the Levenshtein distance that ``score`` measures.

    Taught in chapter 3, section 'Six metrics, one set of outputs'.
    """
    check_choice("metric", metric, METRICS)
    rho = _check_rho(rho)
    L = check_real("L", L, low=1, high=np.inf, high_open=True)
    p = tm.token_prob(N, model)
    if metric == "token_accuracy":
        return p
    if metric == "edit_distance":
        return tm.edit_distance(N, L, model)
    if rho == 0:
        simple = {
            "cross_entropy": lambda: tm.cross_entropy(N, model),
            "exact_match": lambda: tm.exact_match(N, L, model),
            "multiple_choice_grade": lambda: tm.multiple_choice_grade(N, model),
            "brier_score": lambda: tm.brier_score(N, model),
        }
        return simple[metric]()
    a, b = _beta_params(p, rho)
    if metric == "cross_entropy":  # E[-log q] for q ~ Beta(a, b)
        return special.digamma(a + b) - special.digamma(a)
    if metric == "exact_match":  # E[q^L] = (a)_L / (a + b)_L, rising factorials
        # poch keeps full precision when a + b is huge (tiny rho); differences of gammaln lose ~1e-9
        return special.poch(a, L) / special.poch(a + b, L)
    if metric == "multiple_choice_grade":  # P(q > 1/2)
        return special.betainc(b, a, 0.5)
    return (1 - p) ** 2 + rho * p * (1 - p)  # brier: E[(1 - q)^2] = (1 - p)^2 + Var q


def error_correlation(outputs: SampledOutputs, s: int, L: int | None = None) -> float:
    """Correlation between the errors at two positions of one item, averaged over all pairs of the
    first ``L`` positions (default: all), at scale index ``s``. Estimates ``rho``.

    Taught in chapter 3, section 'A Monte Carlo check of the independence approximation'.
    """
    s = check_int("s", s, low=0, high=len(outputs.N) - 1)
    L = outputs.length if L is None else check_int("L", L, low=2, high=outputs.length)
    if L < 2:
        raise ValueError(f"L must be at least 2 (a pair of positions); the outputs hold {outputs.length}")
    wrong = (outputs.predictions[s, :, :L] != outputs.targets[:, :L]).astype(float)
    if (wrong.std(axis=0) == 0).any():
        raise ValueError(f"s must index a scale whose errors vary at every position; at s = {s} some position "
                         "is right (or wrong) on every item, so its correlation is undefined")
    corr = np.corrcoef(wrong, rowvar=False)
    return float(corr[~np.eye(L, dtype=bool)].mean())
