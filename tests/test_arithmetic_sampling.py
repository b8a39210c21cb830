"""Sampling answers from arithmetic models (helpers.arithmetic.sampling): exact pass rates, samples, PassUntil."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers.arithmetic import sampling


class FixedModel(torch.nn.Module):
    """A 'model' whose next-token distribution at each answer column puts probability q on the right digit."""

    num_members = 1

    def __init__(self, task, q: float) -> None:
        super().__init__()
        self.task, self.q = task, q

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        E, B, T = X.shape
        V = 14
        logits = torch.full((E, B, T, V), -30.0)
        start = self.task.answer_start
        right = X[:, :, start:]  # the right tokens when X is teacher forced
        wrong = (right + 1) % 10
        for j in range(right.shape[2]):
            col = logits[:, :, start - 1 + j]
            col.scatter_(-1, right[:, :, j:j + 1], math.log(self.q))
            col.scatter_(-1, wrong[:, :, j:j + 1], math.log(1 - self.q))
        return logits


def test_sampling_matches_exact_answer_probability() -> None:
    from helpers.arithmetic import tasks

    task = tasks.get_task("mul_kx1")
    pairs = np.array([[12, 3], [456, 7], [9, 9]])
    m = FixedModel(task, 0.5)
    ap = sampling.answer_probability(m, task, pairs)
    assert ap == pytest.approx([0.5**3, 0.5**4, 0.5**2], rel=1e-4)
    g = torch.Generator().manual_seed(0)
    hits = sampling.sample_answers(m, task, pairs, 20_000, generator=g)
    assert hits / 20_000 == pytest.approx(ap, abs=0.015)
    est, lo, hi = sampling.sampled_pass_rate(hits, 20_000)
    assert est == pytest.approx(ap.mean(), abs=0.01)
    assert lo <= ap.mean() <= hi
    assert lo < est < hi


def test_pass_until_counts_attempts() -> None:
    from helpers.arithmetic import tasks

    task = tasks.get_task("mul_kx1")
    pairs = np.tile([[456, 7]], (400, 1))  # L = 4: pass rate 1/16
    g = torch.Generator().manual_seed(0)
    r = sampling.pass_until(FixedModel(task, 0.5), task, pairs, budget=100, generator=g, chunk=7)
    assert (r.attempts <= 100).all() and (r.attempts >= 1).all()
    assert r.passed.mean() > 0.99  # P(no pass in 100) = (15/16)^100 < 0.2 %
    assert r.attempts.mean() == pytest.approx(16, rel=0.15)  # geometric mean 1/p
    est, lo, hi = sampling.pass_rate_estimate(r)
    assert lo <= 1 / 16 <= hi
    none = sampling.pass_until(FixedModel(task, 0.5), task, pairs[:5], budget=1, generator=g)
    assert (none.attempts == 1).all()


def test_sampled_pass_rate_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="hits"):
        sampling.sampled_pass_rate([5, 11], 10)
    with pytest.raises(ValueError, match="num_samples"):
        sampling.sampled_pass_rate([1], 0)



def test_live_model_is_the_committed_seed_0_member() -> None:
    """Chapter 7 retrains the sweep's smallest model with seed 0: its exact pass rate matches the committed table."""
    from helpers.arithmetic import sweep, tasks, train

    torch.set_num_threads(1)
    config = sweep.SweepConfig(task="mul_kx1", seeds=(0,))
    task = tasks.get_task("mul_kx1")
    split = task.split(config.num_test, config.split_seed)
    result = train.train(config.train_config(0), lambda b, g: task.sample_train(b, g, exclude=split), progress=False)
    lengths = task.encode(split.pairs)[2].numpy()
    table, _ = sweep.load_results("mul_kx1")
    for L in (4, 5):
        got = sampling.answer_probability(result.model, task, split.pairs[lengths == L]).mean()
        want = table[(table.params == table.params.min()) & (table.seed == 0) & (table.target_len == L)
                     & (table.metric == "answer_prob")]["value"].item()
        assert got == pytest.approx(want, rel=1e-3)


def test_expected_pooled_rate_is_harmonic_without_budget_and_mean_with_a_small_one() -> None:
    p = np.array([0.5, 1e-3, 1e-6])
    assert sampling.expected_pooled_rate(p) == pytest.approx(3 / (1 / 0.5 + 1 / 1e-3 + 1 / 1e-6), rel=1e-12)
    # B p << 1 for every item: each item takes the whole budget, and the ratio is the plain mean
    tiny = np.array([1e-6, 3e-6, 1e-7])
    assert sampling.expected_pooled_rate(tiny, 100) == pytest.approx(tiny.mean(), rel=1e-3)
    # below the mean whenever the rates differ, equal to it when they do not
    assert sampling.expected_pooled_rate(p, 2000) < p.mean()
    assert sampling.expected_pooled_rate(np.full(4, 0.01), 50) == pytest.approx(0.01, rel=1e-12)
    # a Monte Carlo PassUntil on these rates lands near the expectation
    rng = np.random.default_rng(0)
    rates = np.array([0.2, 0.01, 0.002])
    first = rng.geometric(rates, size=(20_000, 3))
    budget = 300
    passes, samples = (first <= budget).sum(), np.minimum(first, budget).sum()
    assert passes / samples == pytest.approx(sampling.expected_pooled_rate(rates, budget), rel=0.03)


def test_expected_pooled_rate_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="pass_rates"):
        sampling.expected_pooled_rate([0.1, 1.5])
    with pytest.raises(ValueError, match="pass_rates"):
        sampling.expected_pooled_rate([0.1, 0.0])
    with pytest.raises(ValueError, match="budget"):
        sampling.expected_pooled_rate([0.1], 0)
    assert sampling.expected_pooled_rate([0.0, 0.2], 10) > 0
