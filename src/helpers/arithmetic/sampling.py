"""Sampling answers from a trained arithmetic model: exact answer probabilities, sampled passes, PassUntil.

Notation (chapter 7): L target length, PU the pass rate of answers sampled token by token at
temperature 1, which equals the mean probability the model gives the whole right answer
(``answer_probability``, the sweep's ``answer_prob``). PassUntil (Hu et al. 2023) samples each item
until its first right answer, so a tiny pass rate is measured with a bounded budget; the pass-rate
estimates come with bootstrap-over-items intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..validation import check_int, check_real

if TYPE_CHECKING:  # torch is imported inside the functions that sample, so the estimates load fast
    import torch

__all__ = ["answer_probability", "sample_answers", "PassUntilResult", "pass_until", "pass_rate_estimate",
           "sampled_pass_rate", "expected_pooled_rate"]


def _member_logits(model: Callable, X: torch.Tensor, member: int, batch_size: int = 32_768) -> torch.Tensor:
    """Logits (B, T, V) of one ensemble member for token ids X (B, T), computed in batches."""
    import torch

    E = getattr(model, "num_members", 1)
    check_int("member", member, low=0, high=E - 1)
    parts = []
    with torch.no_grad():
        for lo in range(0, len(X), batch_size):
            xb = X[lo:lo + batch_size]
            parts.append(model(xb.unsqueeze(0).expand(E, *xb.shape).contiguous())[member].float())
    return torch.cat(parts) if parts else torch.empty(0)


def _answer_distributions(model: Callable, task: Any, pairs: np.ndarray, member: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Next-token probabilities (n, Lmax, V) at each answer column given the right answer so far,
    the right tokens (n, Lmax) and the target lengths (n,)."""
    import torch

    X, _, lens = task.encode(pairs)
    start, lmax = task.answer_start, task.answer_len
    probs = torch.softmax(_member_logits(model, X, member)[:, start - 1:start - 1 + lmax].double(), dim=-1)
    return probs, X[:, start:start + lmax], lens


def _pairs(pairs: Any) -> np.ndarray:
    """Operand pairs (n, 2) from an array or a Split."""
    return np.asarray(pairs.pairs if hasattr(pairs, "pairs") else pairs)


def answer_probability(model: Callable, task: Any, pairs: Any, *, member: int = 0) -> np.ndarray:
    """Exact probability (n,) that one temperature-1 sampled answer is the right one: the product of
    the teacher-forced probabilities of the right tokens.

    Taught in chapter 7, section 'Resolution as a forecasting tool'.
    """
    import torch

    probs, target, lens = _answer_distributions(model, task, _pairs(pairs), member)
    right = probs.gather(-1, target[..., None])[..., 0]
    real = torch.arange(target.shape[1])[None, :] < lens[:, None]
    return torch.where(real, right, 1.0).prod(dim=1).numpy()


def _draw(probs: torch.Tensor, target: torch.Tensor, lens: torch.Tensor, num_samples: int,
          generator: torch.Generator) -> np.ndarray:
    """(n, num_samples) bool: whether each of num_samples sampled answers per item is right.

    A sample still alive at answer column j has written exactly the right tokens so far, so its
    next-token distribution is ``probs[i, j]``: tokens are drawn from it for the survivors only.
    """
    import torch

    n = len(target)
    rows = torch.arange(n).repeat_interleave(num_samples)
    ok = torch.ones(len(rows), dtype=torch.bool)
    alive = torch.arange(len(rows))
    for j in range(int(lens.max()) if n else 0):
        alive = alive[lens[rows[alive]] > j]
        if len(alive) == 0:
            break
        token = torch.multinomial(probs[rows[alive], j].float(), 1, replacement=True, generator=generator)[:, 0]
        wrong = token != target[rows[alive], j]
        ok[alive[wrong]] = False
        alive = alive[~wrong]
    return ok.numpy().reshape(n, num_samples)


def sample_answers(model: Callable, task: Any, pairs: Any, num_samples: int, *, generator: torch.Generator,
                   member: int = 0) -> np.ndarray:
    """Right-answer counts (n,) among ``num_samples`` answers per item sampled token by token at temperature 1.

    Taught in chapter 7, section 'Resolution as a forecasting tool'.
    """
    num_samples = check_int("num_samples", num_samples, low=1)
    probs, target, lens = _answer_distributions(model, task, _pairs(pairs), member)
    return _draw(probs, target, lens, num_samples, generator).sum(axis=1)


@dataclass(frozen=True, eq=False)
class PassUntilResult:
    """Samples drawn per item until its first right answer (or the budget).

    Taught in chapter 7, section 'Resolution as a forecasting tool'.
    """

    attempts: np.ndarray  # (n,) samples drawn for each item (<= budget)
    passed: np.ndarray  # (n,) bool: a right answer was drawn
    budget: int  # the largest number of samples per item


def pass_until(model: Callable, task: Any, pairs: Any, budget: int, *, generator: torch.Generator,
               chunk: int = 256, member: int = 0) -> PassUntilResult:
    """PassUntil (Hu et al. 2023): sample answers for each item until the first right one, at most ``budget``.

    Taught in chapter 7, section 'Resolution as a forecasting tool'.
    """
    import torch

    budget = check_int("budget", budget, low=1)
    chunk = check_int("chunk", chunk, low=1)
    probs, target, lens = _answer_distributions(model, task, _pairs(pairs), member)
    n = len(target)
    attempts = np.zeros(n, dtype=np.int64)
    passed = np.zeros(n, dtype=bool)
    while True:
        todo = np.nonzero(~passed & (attempts < budget))[0]
        if len(todo) == 0:
            break
        size = int(min(chunk, budget - attempts[todo].min()))
        t = torch.from_numpy(todo)
        hits = _draw(probs[t], target[t], lens[t], size, generator)
        room = budget - attempts[todo]
        hits[np.arange(size)[None, :] >= room[:, None]] = False  # past an item's budget
        got = hits.any(axis=1)
        attempts[todo] += np.where(got, hits.argmax(axis=1) + 1, np.minimum(size, room))
        passed[todo] |= got
    return PassUntilResult(attempts=attempts, passed=passed, budget=budget)


def pass_rate_estimate(result: PassUntilResult, *, confidence: float = 0.95, n_boot: int = 2000,
                       seed: int = 0) -> tuple[float, float, float]:
    """Pooled pass rate (passes / samples drawn, the censored-geometric MLE) with a bootstrap-over-items interval.

    Taught in chapter 7, section 'Resolution as a forecasting tool'.
    """
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    n_boot = check_int("n_boot", n_boot, low=1)
    a, p = result.attempts.astype(float), result.passed.astype(float)
    if len(a) == 0 or a.sum() == 0:
        raise ValueError("result must hold at least one item with at least one sample")
    est = p.sum() / a.sum()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(n_boot, len(a)))
    boot = p[idx].sum(1) / a[idx].sum(1)
    tail = (1 - confidence) / 2
    return float(est), float(np.quantile(boot, tail)), float(np.quantile(boot, 1 - tail))


def sampled_pass_rate(hits: Any, num_samples: int, *, confidence: float = 0.95, n_boot: int = 2000,
                      seed: int = 0) -> tuple[float, float, float]:
    """Mean over items of hits / num_samples (unbiased for the mean pass rate) with a bootstrap-over-items interval.

    Taught in chapter 7, section 'Resolution as a forecasting tool'.
    """
    num_samples = check_int("num_samples", num_samples, low=1)
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    n_boot = check_int("n_boot", n_boot, low=1)
    h = np.asarray(hits, dtype=float)
    if h.ndim != 1 or len(h) == 0 or (h < 0).any() or (h > num_samples).any():
        raise ValueError(f"hits must be a non-empty 1-D array of counts in [0, {num_samples}]")
    rate = h / num_samples
    rng = np.random.default_rng(seed)
    boot = rate[rng.integers(0, len(rate), size=(n_boot, len(rate)))].mean(axis=1)
    tail = (1 - confidence) / 2
    return float(rate.mean()), float(np.quantile(boot, tail)), float(np.quantile(boot, 1 - tail))


def expected_pooled_rate(pass_rates: Any, budget: int | None = None) -> float:
    """What PassUntil's pooled estimate (passes / samples) tends to for items with these exact pass rates.

    Item i stops at its first pass or after ``budget`` samples (None: no limit), so it gives
    1 - (1 - p_i)^B passes and (1 - (1 - p_i)^B) / p_i samples on average; the ratio of the sums is
    the harmonic mean of the p_i without a budget, and close to their plain mean when B p_i << 1.

    Taught in chapter 7, section 'Resolution as a forecasting tool'.
    """
    p = np.asarray(pass_rates, dtype=float)
    if p.ndim != 1 or len(p) == 0 or np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("pass_rates must be a non-empty 1-D array of probabilities in [0, 1]")
    if budget is None:
        if (p == 0).any():
            raise ValueError("pass_rates must all be > 0 without a budget: an item that never passes is sampled forever")
        return float(len(p) / np.sum(1.0 / p))
    budget = check_int("budget", budget, low=1)
    passes = -np.expm1(budget * np.log1p(-np.minimum(p, 1 - 1e-16)))  # 1 - (1 - p)^B, exact for tiny p
    passes = np.where(p >= 1, 1.0, passes)
    samples = np.where(p > 0, passes / np.where(p > 0, p, 1.0), float(budget))
    return float(passes.sum() / samples.sum())
