"""Tests of helpers.published.fits: the batched fits recover known curves, agree with scipy, take bootstrap
weights row by row, and reject bad input with a ValueError naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize
from scipy.special import expit

from helpers.published import fits


def test_sigmoid_link_and_logit_above_are_inverse() -> None:
    z = np.linspace(-4, 4, 9)
    for g in (0.0, 0.25, 0.5):
        acc = fits.sigmoid_link(z, g)
        assert np.all((acc >= g) & (acc <= 1))
        np.testing.assert_allclose(fits.logit_above(acc, g), z, atol=1e-9)


def test_logit_above_clips_at_one_percent() -> None:
    assert fits.logit_above(0.25, 0.25) == pytest.approx(np.log(0.01 / 0.99))
    assert fits.logit_above(1.0, 0.25) == pytest.approx(np.log(0.99 / 0.01))
    assert fits.logit_above(0.0, 0.25) == pytest.approx(np.log(0.01 / 0.99))  # below chance: clipped too


@given(b0=st.floats(-2, 2), b=st.floats(0.5, 3), g=st.sampled_from([0.0, 0.2, 0.5]))
def test_fit_sigmoid_recovers_a_noiseless_curve(b0: float, b: float, g: float) -> None:
    x = np.linspace(-3, 3, 25)
    fit = fits.fit_sigmoid(x, fits.sigmoid_link(b0 + b * x, g), g)
    assert fit.intercept()[0] == pytest.approx(b0, abs=1e-4)
    assert fit.slope()[0, 0] == pytest.approx(b, abs=1e-4)


def test_fit_sigmoid_matches_scipy_least_squares_on_noisy_data() -> None:
    rng = np.random.default_rng(3)
    x = np.linspace(0, 4, 60)
    g = 0.25
    y = fits.sigmoid_link(-3 + 1.5 * x, g) + rng.normal(0, 0.03, x.size)
    ours = fits.fit_sigmoid(x, y, g)
    ref = optimize.least_squares(lambda t: g + (1 - g) * expit(t[0] + t[1] * x) - y, [0.0, 1.0]).x
    assert ours.intercept()[0] == pytest.approx(ref[0], rel=1e-4)
    assert ours.slope()[0, 0] == pytest.approx(ref[1], rel=1e-4)


def test_fit_sigmoid_with_two_features_and_per_replicate_designs() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = fits.sigmoid_link(0.5 + 1.0 * X[:, 0] - 2.0 * X[:, 1], 0.0)
    fit = fits.fit_sigmoid(X, y, 0.0)
    np.testing.assert_allclose(fit.slope()[0], [1.0, -2.0], atol=1e-4)
    W = np.ones((3, 80))
    stacked = fits.fit_sigmoid(np.stack([X, X, X]), y, 0.0, W)  # one design per replicate
    np.testing.assert_allclose(stacked.slope(), np.tile([1.0, -2.0], (3, 1)), atol=1e-4)


def test_bootstrap_weights_are_seeded_multinomial_counts() -> None:
    W = fits.bootstrap_weights(7, 50, 0)
    assert W.shape == (50, 7) and (W.sum(axis=1) == 7).all() and (W >= 0).all()
    np.testing.assert_array_equal(W, fits.bootstrap_weights(7, 50, 0))
    assert not np.array_equal(W, fits.bootstrap_weights(7, 50, 1))


def test_weights_equal_repeated_rows() -> None:
    """A weight of 2 on a point is the same fit as the point listed twice."""
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([0.02, 0.1, 0.45, 0.8, 0.95])
    w = np.array([[1.0, 2.0, 1.0, 1.0, 1.0]])
    a = fits.fit_sigmoid(x, y, 0.0, w)
    b = fits.fit_sigmoid(np.r_[x, 1.0], np.r_[y, 0.1], 0.0)
    assert a.intercept()[0] == pytest.approx(b.intercept()[0], rel=1e-5)


def test_fit_power_floor_recovers_a_law() -> None:
    x = np.linspace(0, 8, 30)
    fit = fits.fit_power_floor(x, 1.5 + 2.0 * np.exp(-0.3 * x))
    assert fit.E[0] == pytest.approx(1.5, rel=0.01)
    assert fit.A[0] == pytest.approx(2.0, rel=0.01)
    assert fit.a[0] == pytest.approx(0.3, rel=0.03)  # the exponent lives on a grid


def test_fit_power_floor_keeps_coefficients_non_negative() -> None:
    x = np.linspace(0, 5, 20)
    fit = fits.fit_power_floor(x, 0.5 + 0.1 * x)  # a rising curve has no falling law
    assert fit.E[0] >= 0 and fit.A[0] >= 0


def test_fit_ladder_law_agrees_with_curve_fit() -> None:
    rng = np.random.default_rng(1)
    N = np.repeat([1.9e8, 3.7e8, 7.6e8, 1.3e9, 3.2e9], 6)
    D = N * 20 * np.tile([0.5, 1, 1, 2, 5, 10], 5)
    y = 0.8 + 0.3 * (N / 1e9) ** -0.3 + 0.5 * (D / 1e9) ** -0.25 + rng.normal(0, 0.003, 30)
    ours = fits.fit_ladder_law(N, D, y)
    law = lambda X, E, A, a, B, b: E + A * (X[0] / 1e9) ** -a + B * (X[1] / 1e9) ** -b  # noqa: E731
    ref, _ = optimize.curve_fit(law, (N, D), y, p0=[0.8, 0.3, 0.3, 0.5, 0.25])
    np.testing.assert_allclose(ours(N, D)[0], law((N, D), *ref), atol=2e-4)
    assert ours.alpha[0] == pytest.approx(ref[2], abs=0.02)
    assert ours.beta[0] == pytest.approx(ref[4], abs=0.02)


def test_fit_ladder_law_on_a_flat_loss_falls_back_to_a_constant() -> None:
    N = np.repeat([1e8, 1e9, 1e10], 3)
    D = N * 20
    y = np.full(9, 0.5)
    fit = fits.fit_ladder_law(N, D, y)
    np.testing.assert_allclose(fit(N, D)[0], 0.5, atol=1e-5)
    assert min(fit.E[0], fit.A[0], fit.B[0]) >= 0


def test_principal_components_are_unit_orthogonal_and_signed() -> None:
    rng = np.random.default_rng(2)
    latent = rng.normal(size=(40, 1))
    S = latent @ np.array([[1.0, 0.8, 0.6, 0.4]]) + 0.05 * rng.normal(size=(40, 4))
    center, load = fits.principal_components(S, k=2)
    L = load[0]
    np.testing.assert_allclose(L.T @ L, np.eye(2), atol=1e-9)
    assert L[:, 0].sum() > 0
    np.testing.assert_allclose(center[0], S.mean(axis=0))
    scores = (S - center[0]) @ L
    assert abs(np.corrcoef(scores[:, 0], latent[:, 0])[0, 1]) > 0.99


def test_percentile_interval_ignores_nan_replicates() -> None:
    s = np.r_[np.arange(100.0), np.nan][:, None]
    lo, hi = fits.percentile_interval(s, 0.9)
    assert lo[0] == pytest.approx(4.95) and hi[0] == pytest.approx(94.05)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: fits.sigmoid_link(0.0, 1.0), "floor"),
        (lambda: fits.logit_above(0.5, 0.0, clip=0.7), "clip"),
        (lambda: fits.fit_sigmoid([0, 1, 2], [0.1, 0.2], 0.0), "X"),
        (lambda: fits.fit_sigmoid([0, 1], [0.1, np.nan], 0.0), "y"),
        (lambda: fits.fit_sigmoid([0, 1, 2], [0.1, 0.2, 0.3], 0.0, [[1, 1]]), "weights"),
        (lambda: fits.fit_sigmoid([0, 1, 2], [0.1, 0.2, 0.3], 0.0, [[1, -1, 1]]), "weights"),
        (lambda: fits.bootstrap_weights(0, 10, 0), "n"),
        (lambda: fits.bootstrap_weights(5, 0, 0), "n_boot"),
        (lambda: fits.fit_power_floor([0, 1], [1, 0.5], None), "x and y"),
        (lambda: fits.fit_ladder_law([1e9] * 4, [1e10] * 4, [1.0] * 4), "N, D and y"),
        (lambda: fits.fit_ladder_law([-1e9] * 5, [1e10] * 5, [1.0] * 5), "N and D"),
        (lambda: fits.principal_components(np.ones((5, 3)), k=4), "k"),
        (lambda: fits.percentile_interval([1.0, 2.0], 1.0), "confidence"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
