"""Metrics on fixed model outputs: hand-computed cases, input checks, and laws that must hold."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import metrics as m
from helpers import toy_model as tm
from helpers.plotting import metrics as pm

# ---------------------------------------------------------------- hand-computed cases


def test_exact_match_by_hand():
    y = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    y_hat = [[1, 2, 3], [4, 0, 6], [9, 8, 7]]
    assert m.exact_match(y_hat, y).tolist() == [1.0, 0.0, 0.0]


def test_exact_match_allows_different_lengths():
    assert m.exact_match([[1, 2], [1, 2, 3]], [[1, 2, 3], [1, 2, 3]]).tolist() == [0.0, 1.0]


def test_token_accuracy_by_hand():
    y = [[1, 2, 3, 4], [5, 6, 7, 8]]
    y_hat = [[1, 2, 0, 4], [0, 0, 0, 8]]
    np.testing.assert_allclose(m.token_accuracy(y_hat, y), [0.75, 0.25])


def test_edit_distance_by_hand():
    # substitution; shifted sequence (one deletion + one insertion beats 4 substitutions); strings
    y_hat = [[1, 2, 0], [2, 1, 2, 1], "kitten"]
    y = [[1, 2, 3], [1, 2, 1, 2], "sitting"]
    np.testing.assert_allclose(m.token_edit_distance(y_hat, y), [1.0, 2.0, 3.0])


def test_cross_entropy_by_hand():
    p = [[0.5, 0.5], [1.0, np.exp(-2.0)]]
    np.testing.assert_allclose(m.cross_entropy(p), [np.log(2), 1.0])


def test_cross_entropy_of_zero_is_infinite():
    assert m.cross_entropy([[0.0, 1.0]])[0] == np.inf


def test_multiple_choice_grade_by_hand():
    q = [[0.7, 0.3], [0.2, 0.8], [0.5, 0.5], [0.2, 0.3, 0.5]]
    assert m.multiple_choice_grade(q[:3], [0, 0, 0]).tolist() == [1.0, 0.0, 0.0]  # a tie scores 0
    assert m.multiple_choice_grade([q[3]], [2]).tolist() == [1.0]


def test_brier_score_by_hand():
    # (0.7-1)^2 + (0.3-0)^2 = 0.18, averaged over K=2 options: 0.09; three options: (0.04+0.09+0.25)/3
    np.testing.assert_allclose(m.brier_score([[0.7, 0.3]], [0]), [0.09])
    np.testing.assert_allclose(m.brier_score([[0.2, 0.3, 0.5]], [2]), [(0.04 + 0.09 + 0.25) / 3])


@given(st.floats(0, 1))
def test_brier_with_two_options_is_the_toy_formula(p):
    assert m.brier_score([[p, 1 - p]], [0])[0] == pytest.approx((1 - p) ** 2, abs=1e-12)
    assert m.brier_score([[1 - p, p]], [1])[0] == pytest.approx((1 - p) ** 2, abs=1e-12)


def test_brier_with_two_options_matches_toy_helper():
    p = np.exp(-1)  # the toy model's p at N = c = 1e9
    assert m.brier_score([[p, 1 - p]], [0])[0] == pytest.approx(tm.brier_score(1e9)[()])


def test_array_and_list_inputs_agree():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, (50, 4))
    y_hat = rng.integers(0, 3, (50, 4))
    for f in (m.exact_match, m.token_accuracy, m.token_edit_distance):
        np.testing.assert_array_equal(f(y_hat, y), f(y_hat.tolist(), y.tolist()))


# ---------------------------------------------------------------- bad input names the argument


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: m.exact_match([[1]], [[1], [2]]), "y_hat and y"),
        (lambda: m.token_edit_distance([[1], [2]], [[1]]), "y_hat and y"),
        (lambda: m.token_accuracy([[1, 2]], [[1, 2, 3]]), r"y_hat\[0\] and y\[0\]"),
        (lambda: m.token_accuracy([[]], [[]]), r"y_hat\[0\] and y\[0\]"),
        (lambda: m.cross_entropy([[0.5, 1.5]]), "p_correct"),
        (lambda: m.cross_entropy([[-0.1]]), "p_correct"),
        (lambda: m.cross_entropy([0.5, 0.5]), "p_correct"),
        (lambda: m.multiple_choice_grade([[0.5, 1.2]], [0]), "option_probs"),
        (lambda: m.multiple_choice_grade([[0.5, 0.5]], [2]), "answer"),
        (lambda: m.multiple_choice_grade([[0.5, 0.5]], [-1]), "answer"),
        (lambda: m.brier_score([[0.5, 0.5]], [0, 1]), "answer"),
        (lambda: m.brier_score([[0.5, 0.5]], [0.0]), "answer"),
        (lambda: m.brier_score([[1.0]], [0]), "option_probs"),
        (lambda: m.brier_score([[np.nan, 0.5]], [0]), "option_probs"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ---------------------------------------------------------------- properties

tokens = st.lists(st.integers(0, 4), max_size=8)


@given(tokens, tokens)
def test_edit_distance_symmetric_and_bounded(a, b):
    d_ab = m.token_edit_distance([a], [b])[0]
    assert d_ab == m.token_edit_distance([b], [a])[0]
    assert d_ab <= max(len(a), len(b))
    assert d_ab >= abs(len(a) - len(b))
    assert (d_ab == 0) == (a == b)


@given(tokens, tokens, tokens)
def test_edit_distance_triangle_inequality(a, b, c):
    d = lambda u, v: m.token_edit_distance([u], [v])[0]  # noqa: E731
    assert d(a, c) <= d(a, b) + d(b, c)


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(st.lists(st.integers(0, 2), min_size=n, max_size=n),
                                                        st.lists(st.integers(0, 2), min_size=n, max_size=n))))
def test_exact_match_at_most_token_accuracy_and_distance_at_most_hamming(pair):
    y_hat, y = pair
    em, acc = m.exact_match([y_hat], [y])[0], m.token_accuracy([y_hat], [y])[0]
    assert em <= acc
    assert (em == 1) == (acc == 1)
    hamming = len(y) * (1 - acc)
    assert m.token_edit_distance([y_hat], [y])[0] <= hamming + 1e-12


probs_rows = st.integers(2, 5).flatmap(
    lambda k: st.tuples(st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k), st.integers(0, k - 1)))


@given(probs_rows)
def test_brier_in_unit_interval_and_mcg_binary(row):
    raw, answer = row
    q = np.asarray(raw)
    q = q / q.sum() if q.sum() > 0 else np.full(len(q), 1 / len(q))
    brier = m.brier_score([q], [answer])[0]
    grade = m.multiple_choice_grade([q], [answer])[0]
    assert 0.0 <= brier <= 1.0
    assert grade in (0.0, 1.0)
    if grade == 1.0:  # the right option is the strict favourite, so Brier is below a uniform guess's maximum
        assert q[answer] > 1 / len(q) - 1e-12


@settings(max_examples=50)
@given(st.lists(st.floats(1e-6, 1.0), min_size=1, max_size=6))
def test_cross_entropy_nonnegative_and_zero_only_when_certain(p):
    ce = m.cross_entropy([p])[0]
    assert ce >= 0
    assert (ce == 0) == all(v == 1.0 for v in p)


# ---------------------------------------------------------------- metrics as functions of the per-token error


@given(st.floats(1e-4, 0.999), st.integers(1, 10))
def test_metric_of_error_matches_toy_model(eps, L):
    """The eps-form of each metric equals the toy helpers at the scale with that error."""
    N = 1e9 * (-np.log1p(-eps)) ** (1 / -0.3)  # scale with loss -ln(1 - eps) under ToyModel()
    assert pm.metric_of_error("exact_match", eps, L) == pytest.approx(tm.exact_match(N, L)[()], rel=1e-6, abs=1e-12)
    assert pm.metric_of_error("edit_distance", eps, L) == pytest.approx(tm.edit_distance(N, L)[()], rel=1e-6)
    assert pm.metric_of_error("brier_score", eps) == pytest.approx(tm.brier_score(N)[()], rel=1e-6, abs=1e-15)


def test_metric_of_error_rejects_unknown_metric():
    with pytest.raises(ValueError, match="metric"):
        pm.metric_of_error("rouge", 0.1)
