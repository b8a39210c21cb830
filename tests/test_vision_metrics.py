"""helpers.vision.metrics: smooth and sharp metrics, checked by hand, by brute force and by properties."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.vision import metrics as vm


@given(st.lists(st.booleans(), min_size=1, max_size=9), st.integers(1, 4))
def test_subset_accuracy_is_the_mean_over_all_subsets(correct, K) -> None:
    K = min(K, len(correct))
    brute = np.mean([all(t) for t in itertools.combinations(correct, K)])
    assert vm.subset_accuracy(correct, K) == pytest.approx(brute)


def test_subset_accuracy_by_hand_and_close_to_the_power_for_many_items() -> None:
    assert vm.subset_accuracy([1, 1, 0, 1], 2) == pytest.approx(3 / 6)
    rng = np.random.default_rng(0)
    r = rng.random(100_000) < 0.8
    a = vm.accuracy(r)
    assert vm.subset_accuracy(r, 5) == pytest.approx(a**5, rel=1e-3)
    assert vm.independence_prediction(a, 5) == pytest.approx(a**5)
    np.testing.assert_allclose(vm.independence_prediction([0.5, 1.0], 2), [0.25, 1.0])


def test_sampled_subset_accuracy_estimates_the_exact_value() -> None:
    r = np.random.default_rng(1).random(500) < 0.7
    exact = vm.subset_accuracy(r, 3)
    est = vm.sampled_subset_accuracy(r, 3, 20_000, seed=0)
    assert abs(est - exact) < 4 * math.sqrt(exact * (1 - exact) / 20_000)
    assert est == vm.sampled_subset_accuracy(r, 3, 20_000, seed=0)


def test_reconstruction_c_is_the_empirical_cdf_strictly_below_c() -> None:
    e = [0.5, 1.0, 2.0, 3.0]
    assert vm.reconstruction_c(e, 1.0) == 0.25  # 1.0 is not < 1.0
    np.testing.assert_allclose(vm.reconstruction_c(e, [0.1, 2.5, 10]), [0, 0.75, 1])
    assert vm.mean_squared_error(e) == pytest.approx(1.625)


@given(st.lists(st.floats(0, 100), min_size=1, max_size=30), st.floats(0.01, 50), st.floats(0.01, 50))
def test_reconstruction_c_is_monotone_in_c(errors, c1, c2) -> None:
    lo, hi = sorted((c1, c2))
    assert vm.reconstruction_c(errors, lo) <= vm.reconstruction_c(errors, hi)
    assert vm.reconstruction_c(errors, hi) == pytest.approx(np.mean(np.asarray(errors) < hi))


def test_sequence_metrics() -> None:
    r = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 0]], dtype=bool)
    assert vm.per_item_accuracy(r) == pytest.approx(8 / 12)
    assert vm.all_correct(r) == 0.5
    with pytest.raises(ValueError, match="shape"):
        vm.all_correct([True, False])


def test_most_emergent_c_prefers_the_curve_that_jumps() -> None:
    params = [1e2, 1e3, 1e4, 1e5, 1e6, 1e7]
    # Model i has errors spread around 10**(2 - i/2): a low c is reached only by the largest models.
    errors = [10.0 ** (2 - i / 2) * np.linspace(0.5, 1.5, 200) for i in range(6)]
    cs = np.geomspace(0.01, 100, 25)
    scores = vm.emergence_scores_by_c(params, errors, cs)
    assert scores.shape == cs.shape and np.all(scores >= 0)
    c_best, s_best = vm.most_emergent_c(params, errors, cs)
    rise = np.ptp([vm.reconstruction_c(e, c_best) for e in errors])
    assert rise >= 0.5 and s_best == np.max(scores[[np.ptp([vm.reconstruction_c(e, c) for e in errors]) >= 0.5
                                                     for c in cs]])
    with pytest.raises(ValueError, match="min_rise"):
        vm.most_emergent_c(params, errors, [1e-6], min_rise=0.5)


@pytest.mark.parametrize("call", [lambda: vm.accuracy([]), lambda: vm.accuracy([0.5]),
                                  lambda: vm.subset_accuracy([1, 0], 3), lambda: vm.reconstruction_c([-1.0], 1),
                                  lambda: vm.reconstruction_c([1.0], 0), lambda: vm.independence_prediction(1.5, 2),
                                  lambda: vm.emergence_scores_by_c([1, 2, 3], [[1.0]], [1.0])])
def test_bad_inputs_raise_value_errors(call) -> None:
    with pytest.raises(ValueError):
        call()
