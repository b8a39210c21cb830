"""Sampled toy-model outputs: shapes, seeds, and agreement with the toy formulas."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import simulation as sim
from helpers import toy_model as tm

N = np.logspace(7, 12, 6)


@pytest.fixture(scope="module")
def outputs():
    return sim.sample_outputs(N, 6, num_items=3000, seed=3)


@pytest.fixture(scope="module")
def table(outputs):
    return sim.score(outputs, L=[1, 3, 6])


def test_shapes_and_consistency(outputs):
    S, n, L = len(N), 3000, 6
    assert outputs.targets.shape == (n, L) and outputs.predictions.shape == (S, n, L)
    assert outputs.p_correct.shape == (S, n, L) and outputs.option_probs.shape == (S, n, 2)
    np.testing.assert_allclose(outputs.option_probs.sum(axis=2), 1.0)
    q_right = outputs.option_probs[:, np.arange(n), outputs.answer]
    np.testing.assert_allclose(q_right, outputs.p_correct[:, :, 0])
    assert ((outputs.targets >= 0) & (outputs.targets < 10)).all()


def test_same_seed_same_outputs_and_different_seed_differs():
    a = sim.sample_outputs(N, 3, num_items=50, seed=7, rho=0.2)
    b = sim.sample_outputs(N, 3, num_items=50, seed=7, rho=0.2)
    c = sim.sample_outputs(N, 3, num_items=50, seed=8, rho=0.2)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    np.testing.assert_array_equal(a.p_correct, b.p_correct)
    assert not np.array_equal(a.predictions, c.predictions)


def test_global_torch_rng_untouched():
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    sim.sample_outputs(N, 2, num_items=10, seed=0)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())


def test_a_right_token_stays_right_at_larger_scale(outputs):
    right = outputs.predictions == outputs.targets[None]
    assert (right[1:] >= right[:-1]).all()


def test_wrong_tokens_are_wrong(outputs):
    p = outputs.p_correct[0, 0, 0]
    assert p < 0.05  # smallest model: almost every token is a wrong one
    assert (outputs.predictions[0] != outputs.targets).mean() == pytest.approx(1 - p, abs=0.01)


@pytest.mark.parametrize("metric", sim.METRICS)
def test_independent_sampling_matches_toy_formulas(table, metric):
    for L in (1, 3, 6):
        rows = table[(table.metric == metric) & (table.target_len == L)].sort_values("params")
        expected = sim.expected_metric(metric, rows.params.to_numpy(), L)
        if metric == "edit_distance":  # Levenshtein can beat counting substitutions, never exceed it
            assert (rows.value.to_numpy() <= expected + 4 * rows.stderr.to_numpy() + 1e-9).all()
            assert np.abs(rows.value.to_numpy() - expected).max() < 0.05 * L + 0.05
        else:
            tol = 4 * np.maximum(rows.stderr.to_numpy(), 1 / 3000)  # a zero count has zero SE
            assert (np.abs(rows.value.to_numpy() - expected) <= tol).all(), (metric, L)


def test_independent_exact_match_is_p_to_the_L(table):
    rows = table[(table.metric == "exact_match") & (table.target_len == 6)].sort_values("params")
    p = tm.token_prob(rows.params.to_numpy())
    assert np.abs(rows.value.to_numpy() - p**6).max() < 0.03


@pytest.mark.parametrize("rho", [0.1, 0.4])
def test_correlated_sampling_matches_beta_formulas(rho):
    out = sim.sample_outputs(N, 4, num_items=4000, rho=rho, seed=11)
    tab = sim.score(out)
    for metric in ("token_accuracy", "exact_match", "multiple_choice_grade", "brier_score"):
        rows = tab[tab.metric == metric].sort_values("params")
        expected = sim.expected_metric(metric, rows.params.to_numpy(), 4, rho=rho)
        assert (np.abs(rows.value.to_numpy() - expected) <= 4 * rows.stderr.to_numpy() + 2e-3).all(), metric


def test_positive_correlation_raises_exact_match_above_p_to_the_L():
    p = tm.token_prob(N)
    for L in (2, 5):
        for rho in (0.05, 0.3, 0.8):
            assert (sim.expected_metric("exact_match", N, L, rho=rho) > p**L).all()
    # L = 2 by hand: E[q^2] = p^2 + Var q = p^2 + rho p (1 - p)
    np.testing.assert_allclose(sim.expected_metric("exact_match", N, 2, rho=0.3), p**2 + 0.3 * p * (1 - p))


@settings(max_examples=40, deadline=None)
@given(st.floats(1e-3, 0.999), st.floats(0, 0.95), st.integers(1, 8))
def test_expected_metrics_in_range_and_monotone_in_rho(p, rho, L):
    Nq = 1e9 * (-np.log(p)) ** (1 / -0.3)
    em = sim.expected_metric("exact_match", Nq, L, rho=rho)
    assert p**L - 1e-12 <= em <= p + 1e-12  # Jensen below, a single token above
    brier = sim.expected_metric("brier_score", Nq, rho=rho)
    assert 0 <= brier <= 1
    assert 0 <= sim.expected_metric("multiple_choice_grade", Nq, rho=rho) <= 1


def test_expected_exact_match_is_precise_for_tiny_rho():
    # Regression: a difference of gammaln lost ~1e-9 here, putting EM below p**L for L = 1.
    Nq = 1e9 * (-np.log(0.5)) ** (1 / -0.3)
    assert abs(sim.expected_metric("exact_match", Nq, 1, rho=1.192092896e-07) - 0.5) < 1e-14


def test_expected_metric_tends_to_independent_as_rho_vanishes():
    for metric in ("cross_entropy", "exact_match", "brier_score"):
        np.testing.assert_allclose(sim.expected_metric(metric, N, 5, rho=1e-6),
                                   sim.expected_metric(metric, N, 5, rho=0.0), rtol=1e-4, atol=1e-9)


@given(st.floats(0, 0.95))
def test_item_probs_monotone_in_p_and_mean_p(rho):
    u = np.linspace(0.01, 0.99, 99)
    q = sim.item_probs(np.array([0.2, 0.5, 0.8]), u, rho)
    assert (np.diff(q, axis=0) >= -1e-12).all()  # an item gets easier as the model improves
    assert (np.diff(q, axis=1) >= -1e-12).all()  # items keep their difficulty order


def test_score_lengths_share_outputs(outputs):
    tab = sim.score(outputs, L=[2, 6])
    em2 = tab[(tab.metric == "exact_match") & (tab.target_len == 2)].value.to_numpy()
    em6 = tab[(tab.metric == "exact_match") & (tab.target_len == 6)].value.to_numpy()
    assert (em6 <= em2).all()  # a 6-token target contains the 2-token one


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: sim.sample_outputs(N, 0), "L"),
        (lambda: sim.sample_outputs(N, 3, rho=1.0), "rho"),
        (lambda: sim.sample_outputs(N, 3, vocab=1), "vocab"),
        (lambda: sim.sample_outputs([-1.0], 3), "N"),
        (lambda: sim.sample_outputs(N, 3, num_items=0), "num_items"),
        (lambda: sim.score(sim.sample_outputs(N, 3, num_items=5), L=4), "L"),
        (lambda: sim.expected_metric("rouge", N), "metric"),
        (lambda: sim.item_probs([0.5], [1.5]), "u"),
        (lambda: sim.error_correlation(sim.sample_outputs(N, 3, num_items=50), 6), "s"),
        (lambda: sim.error_correlation(sim.sample_outputs(N, 3, num_items=50), 2, L=1), "L"),
        (lambda: sim.error_correlation(sim.sample_outputs([1e15], 3, num_items=50), 0), "s"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_score_speaks_the_tidy_table_vocabulary(table):
    """Scale is ``params`` and answer length ``target_len``, as in every other tidy table of the book."""
    assert list(table.columns) == ["params", "target_len", "rho", "metric", "value", "stderr"]


def test_metrics_the_same_on_every_item_have_exactly_zero_standard_error(table):
    """Loss, Brier score and the grade are one number per scale with independent errors: their standard
    error is 0, not rounding noise such as 3.5e-18 (which a table would print)."""
    constant = table[table.metric.isin(["cross_entropy", "brier_score", "multiple_choice_grade"])]
    assert (constant.stderr == 0.0).all()
    assert (table[table.metric == "token_accuracy"].stderr > 0).any()


@pytest.mark.parametrize("rho", [0.0, 0.1, 0.3])
def test_error_correlation_averaged_over_position_pairs_recovers_rho(rho):
    out = sim.sample_outputs(N, 5, num_items=4000, rho=rho, seed=11)
    for s in (2, 3, 4):  # scales where p is between 0.2 and 0.9
        assert abs(sim.error_correlation(out, s) - rho) < 0.03, (rho, s)
    wrong = (out.predictions[3] != out.targets).astype(float)
    pair = np.corrcoef(wrong[:, 0], wrong[:, 1])[0, 1]
    assert sim.error_correlation(out, 3, L=2) == pytest.approx(pair)
