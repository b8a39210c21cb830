"""Tests of helpers.resolution (finite test sets) and its plots in helpers.plotting.resolution."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from helpers import resolution as res
from helpers import toy_model as tm
from helpers.plotting import resolution as pres

fast = settings(max_examples=60, deadline=None)  # per test, so other test files keep their own settings

sizes = st.integers(min_value=1, max_value=10**6)
rates = st.floats(min_value=0.0, max_value=1.0)
lengths = st.floats(min_value=1.0, max_value=20.0)


# --- bad input: ValueError naming the argument -------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: res.smallest_nonzero_accuracy(0), "n"),
        (lambda: res.per_token_resolution(0, 5), "n"),
        (lambda: res.per_token_resolution(10, 0.5), "L"),
        (lambda: res.prob_observe_zero(0.1, 0), "n"),
        (lambda: res.prob_observe_zero(-0.1, 10), "em"),
        (lambda: res.prob_observe_zero([0.2, 1.5], 10), "em"),
        (lambda: res.detection_limit(0), "n"),
        (lambda: res.detection_limit(10, 0.0), "confidence"),
        (lambda: res.detection_limit(10, 1.0), "confidence"),
        (lambda: res.onset_scale(0, 5), "n"),
        (lambda: res.onset_scale(1, 5), "n"),  # EM = 1/1 needs an infinite model
        (lambda: res.onset_scale(100, 0.5), "L"),
        (lambda: res.binomial_ci(0, 0), "n"),
        (lambda: res.binomial_ci(11, 10), "k"),
        (lambda: res.binomial_ci(-1, 10), "k"),
        (lambda: res.binomial_ci(1, 10, 1.5), "confidence"),
        (lambda: res.binomial_ci(1, 10, 0.0), "confidence"),
        (lambda: res.simulate_evaluations(1.2, 10), "em"),
        (lambda: res.simulate_evaluations(0.5, 0), "n"),
        (lambda: res.simulate_evaluations(0.5, 10, num_evals=0), "num_evals"),
        (lambda: res.first_nonzero_scale([1e7, -1.0], [0, 1]), "N"),
        (lambda: res.first_nonzero_scale([1e7, 1e8], [0, 1, 2]), "N and scores"),
        (lambda: res.family_scales(1), "num_scales"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


def test_rates_must_be_integers_not_fractions():
    with pytest.raises(ValueError, match=r"^n must be an integer"):
        res.binomial_ci(1, 10.5)


# --- hand-checked values -----------------------------------------------------------------------


def test_zero_of_hundred_allows_about_three_point_six_percent():
    low, high = res.binomial_ci(0, 100)
    assert low == 0.0
    assert high == pytest.approx(1 - 0.025 ** (1 / 100), rel=1e-9)  # solves (1 - u)**100 = 0.025
    assert high == pytest.approx(0.0362, abs=5e-5)


def test_ci_for_half_matches_the_beta_quantiles():
    low, high = res.binomial_ci(5, 10)
    assert (low, high) == pytest.approx((0.187086, 0.812914), abs=1e-6)


def test_detection_limit_is_the_rule_of_three_for_large_n():
    for n in (10**3, 10**4, 10**6):
        assert n * res.detection_limit(n) == pytest.approx(-math.log(0.05), rel=2e-3)
        assert n * res.detection_limit(n) == pytest.approx(3.0, rel=5e-3)
    assert res.detection_limit(1) == pytest.approx(0.95)


def test_detection_limit_is_where_zero_has_the_leftover_probability():
    for n in (1, 7, 100, 5000):
        assert res.prob_observe_zero(res.detection_limit(n, 0.9), n) == pytest.approx(0.1, rel=1e-9)


def test_resolutions_and_small_values():
    assert res.smallest_nonzero_accuracy(100) == 0.01
    assert res.per_token_resolution(1000, 5) == pytest.approx(2e-4)
    assert res.prob_observe_zero(0.01, 100) == pytest.approx(0.99**100)
    assert res.prob_observe_zero(1e-12, 10**6) == pytest.approx(1 - 1e-6, rel=1e-9)  # no rounding to 1
    assert res.prob_observe_zero(1.0, 3) == 0.0
    assert res.prob_observe_zero(0.0, 3) == 1.0


def test_onset_scale_matches_hand_computation():
    # c * (ln 100 / 5) ** (1 / -0.3) with the default toy model
    assert res.onset_scale(100, 5) == pytest.approx(1e9 * (math.log(100) / 5) ** (-1 / 0.3), rel=1e-12)
    assert res.onset_scale(100, 5) == pytest.approx(1.3155e9, rel=1e-4)
    # n = e ** L puts the onset exactly at c, where the per-token loss is 1 nat
    assert res.onset_scale(148, math.log(148)) == pytest.approx(1e9)


def test_simulate_evaluations_shape_seed_and_mean():
    em = np.array([0.0, 0.3, 1.0])
    a = res.simulate_evaluations(em, 50, num_evals=4000, seed=3)
    assert a.shape == (4000, 3)
    assert np.array_equal(a, res.simulate_evaluations(em, 50, num_evals=4000, seed=3))
    assert not np.array_equal(a, res.simulate_evaluations(em, 50, num_evals=4000, seed=4))
    assert (a[:, 0] == 0).all() and (a[:, 2] == 1).all()
    counts = a * 50
    assert np.allclose(counts, np.rint(counts)) and counts.min() >= 0 and counts.max() <= 50
    assert a[:, 1].mean() == pytest.approx(0.3, abs=0.005)  # 5 standard errors
    assert a[:, 1].var() == pytest.approx(0.3 * 0.7 / 50, rel=0.1)


def test_first_nonzero_scale_and_largest_step():
    N = [1e7, 1e8, 1e9, 1e10]
    assert res.first_nonzero_scale(N, [0, 0, 0.01, 0.3]) == 1e9
    assert math.isnan(res.first_nonzero_scale(N, [0, 0, 0, 0]))
    assert res.largest_step_share([0, 0, 0.1, 0.5]) == pytest.approx(0.8)
    assert math.isnan(res.largest_step_share([0.2, 0.2]))
    with pytest.raises(ValueError, match="^scores must"):
        res.largest_step_share([1.0])


# --- properties --------------------------------------------------------------------------------


@fast
@given(n=sizes, data=st.data())
def test_ci_contains_the_estimate_and_lies_in_unit_interval(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    low, high = res.binomial_ci(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert low < high


@fast
@given(k=st.integers(0, 50), extra=st.integers(0, 50), m=st.integers(1, 50))
def test_ci_narrows_as_n_grows_at_fixed_rate(k, extra, m):
    n = k + extra + 1  # any rate k/n in [0, 1)
    low1, high1 = res.binomial_ci(k, n)
    low2, high2 = res.binomial_ci(k * (m + 1), n * (m + 1))
    assert high2 - low2 < high1 - low1


@fast
@given(n=st.integers(1, 10**5), em=st.floats(1e-6, 1 - 1e-6), step=st.integers(1, 1000))
def test_prob_observe_zero_decreases_in_n(n, em, step):
    p1, p2 = res.prob_observe_zero(em, n), res.prob_observe_zero(em, n + step)
    assert p2 <= p1
    if p1 > 1e-300:
        assert p2 < p1


@fast
@given(n=sizes, em=rates, bump=st.floats(1e-6, 1.0))
def test_prob_observe_zero_decreases_in_em(n, em, bump):
    em2 = min(em + bump, 1.0)
    p1, p2 = res.prob_observe_zero(em, n), res.prob_observe_zero(em2, n)
    assert 0.0 <= p2 <= p1 <= 1.0
    if 1e-300 < p1 and em2 > em:
        assert p2 < p1


@fast
@given(n=st.integers(2, 10**6), step=st.integers(1, 10**6), L=lengths)
def test_onset_moves_to_smaller_models_as_n_grows(n, step, L):
    # More items resolve smaller accuracies, so the apparent onset comes EARLIER (smaller N).
    assert res.onset_scale(n + step, L) < res.onset_scale(n, L)


@fast
@given(n=st.integers(2, 10**6), L=lengths, dL=st.floats(0.01, 10.0))
def test_onset_moves_to_larger_models_as_targets_lengthen(n, L, dL):
    # Longer targets make EM smaller at every N, so 1/n is reached LATER (larger N).
    assert res.onset_scale(n, L + dL) > res.onset_scale(n, L)


@fast
@given(n=st.integers(2, 10**6), L=lengths, c=st.floats(1e6, 1e12), alpha=st.floats(-1.0, -0.05))
def test_exact_match_at_onset_is_one_over_n(n, L, c, alpha):
    model = tm.ToyModel(c=c, alpha=alpha)
    assert tm.exact_match(res.onset_scale(n, L, model), L, model) == pytest.approx(1 / n, rel=1e-8)


@fast
@given(n=st.integers(1, 10**6), confidence=st.floats(0.5, 0.999))
def test_detection_limit_lies_between_one_over_n_scale_bounds(n, confidence):
    limit = res.detection_limit(n, confidence)
    assert 0.0 < limit < 1.0
    assert res.prob_observe_zero(limit, n) == pytest.approx(1 - confidence, rel=1e-7)
    # 1 - (1 - conf)**(1/n) <= -ln(1 - conf) / n, with equality as n -> infinity
    assert limit <= -math.log1p(-confidence) / n * (1 + 1e-12)


# --- plots -------------------------------------------------------------------------------------


def test_plots_return_figures():
    figs = [
        pres.plot_prob_observe_zero(n_values=(10, 1000)),
        pres.plot_detection_limit(n_max=1000),
        pres.plot_onset(L=3, n_values=(100,)),
        pres.plot_simulated_evaluations(n=100, num_scales=6),
        pres.plot_simulated_evaluations(n=1, num_scales=3),  # every score 0: no onset line
        pres.plot_sparse_scales(num_scales=3),
    ]
    assert all(isinstance(f, Figure) for f in figs)


def test_simulated_evaluation_title_reports_the_first_nonzero_scale():
    fig = pres.plot_simulated_evaluations(n=100, seed=0, num_scales=26)
    N = res.family_scales(26)
    score = res.simulate_evaluations(tm.exact_match(N, 5), 100, seed=0)[0]
    assert f"{res.first_nonzero_scale(N, score):.2g}" in fig._suptitle.get_text()


# --- exact binomial tails: the false alarms of a check, and the test behind an interval ----------


def test_binomial_tail_is_twice_the_smaller_exact_tail() -> None:
    from scipy import stats

    n, q = 40, 0.2
    k = np.arange(n + 1)
    lower = np.array([stats.binomtest(int(j), n, q, alternative="less").pvalue for j in k])
    upper = np.array([stats.binomtest(int(j), n, q, alternative="greater").pvalue for j in k])
    np.testing.assert_allclose(res.binomial_tail(k, n, q), np.minimum(1, 2 * np.minimum(lower, upper)), rtol=1e-9)
    assert res.binomial_tail(np.array(0), 100, 0.01) == pytest.approx(2 * 0.99**100)


def test_z_rule_false_alarm_is_normal_only_where_the_count_is_large() -> None:
    from scipy import stats

    normal = 2 * stats.norm.sf(4)
    assert res.z_rule_false_alarm(20_000, 0.5) == pytest.approx(normal, rel=0.2)
    # chapter 2: n = 4000 items at N = 1e8, where n * EM is about 0.19: one seed in about 65 fails
    em = float(tm.exact_match(1e8, 5, tm.ToyModel(c=1e9, alpha=-0.3)))
    assert 0.012 < res.z_rule_false_alarm(4000, em) < 0.02
    # a single success already lies more than 4 standard deviations above a tiny mean
    assert res.z_rule_false_alarm(100, 1e-6) == pytest.approx(1 - (1 - 1e-6) ** 100)


@fast
@given(n=st.integers(1, 400), q=st.floats(1e-6, 1 - 1e-6), level=st.floats(1e-6, 0.5))
def test_tail_rule_never_fails_a_fair_count_more_often_than_its_level(n, q, level) -> None:
    assert res.tail_rule_false_alarm(n, q, level) <= level * (1 + 1e-9)


def test_binomtest_interval_inverts_scipys_two_sided_test() -> None:
    from scipy import stats

    for k, n in [(0, 100), (1, 100), (3, 1000), (7, 20), (20, 20)]:
        lo, hi = res.binomtest_interval(k, n)
        assert lo <= k / n <= hi
        for rate in (lo, hi):
            if 0 < rate < 1:
                assert stats.binomtest(k, n, rate).pvalue >= 0.05
                step = 1e-6 * max(rate, 1e-3)
                assert stats.binomtest(k, n, rate - step if rate == lo else rate + step).pvalue < 0.05
    # not Clopper-Pearson's interval: longer for 0 of 100, shorter for 1 of 100
    assert res.binomtest_interval(0, 100)[1] > res.binomial_ci(0, 100)[1] + 1e-3
    (lo, hi), (cp_lo, cp_hi) = res.binomtest_interval(1, 100), res.binomial_ci(1, 100)
    assert hi - lo < cp_hi - cp_lo


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: res.binomial_tail(np.array([1]), 0, 0.5), "n"),
        (lambda: res.binomial_tail(np.array([11]), 10, 0.5), "k"),
        (lambda: res.binomial_tail(np.array([1.5]), 10, 0.5), "k"),
        (lambda: res.binomial_tail(np.array([1]), 10, 0.0), "prob"),
        (lambda: res.z_rule_false_alarm(10, 1.0), "prob"),
        (lambda: res.z_rule_false_alarm(10, 0.5, z=0), "z"),
        (lambda: res.tail_rule_false_alarm(10, 0.5, 1.0), "level"),
        (lambda: res.tail_rule_false_alarm(0, 0.5, 0.1), "n"),
        (lambda: res.binomtest_interval(3, 2), "k"),
        (lambda: res.binomtest_interval(1, 2, 1.0), "confidence"),
    ],
)
def test_exact_tail_helpers_name_a_bad_argument(call, name) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


def test_prob_zero_plot_keeps_its_labels_off_the_curves():
    """The P = 0.05 line is named in the legend beside the axes; a text inside them crossed a curve."""
    fig = pres.plot_prob_observe_zero()
    (ax,) = fig.axes
    assert not ax.texts
    assert any(text.get_text().startswith("P = 0.05") for text in ax.get_legend().get_texts())


@fast
@given(st.lists(st.floats(0, 1), min_size=2, max_size=60))
def test_largest_step_share_of_a_rising_curve_is_at_least_one_over_k_minus_one(values):
    scores = np.sort(values)
    if scores[-1] > scores[0]:
        assert res.largest_step_share(scores) >= 1 / (len(scores) - 1) - 1e-12
    line = np.linspace(0, 1, len(scores))
    assert res.largest_step_share(line) == pytest.approx(1 / (len(scores) - 1))
