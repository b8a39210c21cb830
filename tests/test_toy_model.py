"""Tests of helpers.toy_model and helpers.plotting.toy_model: validation, laws of the toy model, sympy twins."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy import stats

from helpers import toy_model as tm
from helpers.plotting import toy_model as tplot

# Constants drawn so the loss u = (N/c)**alpha stays in [1e-13, 148]: p is then strictly inside (0, 1) in floats.
alphas = st.floats(-1.0, -0.05)
log10_cs = st.floats(6.0, 12.0)
log_losses = st.floats(-30.0, 5.0)  # t = ln u = alpha * ln(N / c)
lengths = st.floats(1.0, 20.0)


def _model(alpha: float, log10_c: float) -> tm.ToyModel:
    return tm.ToyModel(c=10.0**log10_c, alpha=alpha)


def _scale(model: tm.ToyModel, log_loss: float) -> float:
    """The N at which the loss equals exp(log_loss)."""
    return model.c * math.exp(log_loss / model.alpha)


# --- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.3, float("nan"), "steep"])
def test_alpha_must_be_negative(alpha):
    with pytest.raises(ValueError, match="alpha"):
        tm.ToyModel(alpha=alpha)


@pytest.mark.parametrize("c", [0.0, -1e9, float("inf"), None])
def test_c_must_be_positive(c):
    with pytest.raises(ValueError, match=r"^c must"):
        tm.ToyModel(c=c)


@pytest.mark.parametrize("fn", [tm.exact_match, tm.edit_distance, tm.gumbel_coordinate])
@pytest.mark.parametrize("L", [0.999, 0, -3, float("nan")])
def test_length_must_be_at_least_one(fn, L):
    with pytest.raises(ValueError, match=r"^L must be in \[1, inf\)"):
        fn(1e9, L)
    with pytest.raises(ValueError, match=r"^L must"):
        tm.steepest_scale(L)


@pytest.mark.parametrize("N", [0.0, -1e9, [1e9, 0.0], [np.nan], np.inf])
@pytest.mark.parametrize("fn", [tm.cross_entropy, tm.token_prob, lambda N: tm.exact_match(N, 2),
                                lambda N: tm.edit_distance(N, 2), lambda N: tm.gumbel_coordinate(N, 2)])
def test_scale_must_be_positive(fn, N):
    with pytest.raises(ValueError, match=r"^N must hold finite numbers in \(0, inf\)"):
        fn(N)


def test_lambdified_rejects_unknown_names():
    with pytest.raises(ValueError, match="name must be one of"):
        tm.lambdified("accuracy")


def test_plots_validate_their_arguments():
    with pytest.raises(ValueError, match="L_max"):
        tplot.plot_toy_metrics(L_max=0)
    with pytest.raises(ValueError, match="N_max"):
        tplot.plot_gumbel_collapse(N_min=1e9, N_max=1e8)
    with pytest.raises(ValueError, match="alpha"):
        tplot.plot_toy_explorer(alpha=0.1)


# --- laws of the toy model (hypothesis) ---------------------------------------------------------------------


@given(alphas, log10_cs, log_losses)
def test_token_prob_is_strictly_between_zero_and_one(alpha, log10_c, log_loss):
    model = _model(alpha, log10_c)
    p = tm.token_prob(_scale(model, log_loss), model)
    assert 0.0 < p < 1.0


@given(alphas, log10_cs, log_losses, lengths, lengths)
def test_exact_match_falls_and_edit_distance_grows_with_length(alpha, log10_c, log_loss, L1, L2):
    L1, L2 = sorted((L1, L2))
    assume(L2 - L1 > 1e-3)
    u = math.exp(log_loss)
    assume((L2 - L1) * u > 1e-9 and L2 * u < 500)  # the difference is visible in floats, nothing underflows
    model = _model(alpha, log10_c)
    N = _scale(model, log_loss)
    assert tm.exact_match(N, L2, model) < tm.exact_match(N, L1, model)
    assert tm.edit_distance(N, L2, model) > tm.edit_distance(N, L1, model)


@given(alphas, log10_cs, log_losses, log_losses, lengths)
def test_exact_match_grows_and_edit_distance_falls_with_scale(alpha, log10_c, t1, t2, L):
    model = _model(alpha, log10_c)
    t_small_N, t_big_N = max(t1, t2), min(t1, t2)  # larger N means smaller loss
    assume(t_small_N - t_big_N > 1e-3 and L * math.exp(t_small_N) < 500 and L * math.exp(t_big_N) > 1e-9)
    # edit distance L * (1 - p) can only fall visibly in floats while p is not lost next to 1 (loss < ~27 nats)
    assume(math.exp(-math.exp(t_big_N)) > 1e-12)
    N_small, N_big = _scale(model, t_small_N), _scale(model, t_big_N)
    assert N_small < N_big
    assert tm.exact_match(N_big, L, model) > tm.exact_match(N_small, L, model)
    assert tm.edit_distance(N_big, L, model) < tm.edit_distance(N_small, L, model)
    assert tm.token_prob(N_big, model) > tm.token_prob(N_small, model)


@given(alphas, log10_cs, lengths)
def test_limits_as_scale_grows(alpha, log10_c, L):
    model = _model(alpha, log10_c)
    N = np.array([_scale(model, t) for t in np.linspace(0.0, -27.0, 10)])  # loss from 1 down to 2e-12 nats
    p, em, ted = tm.token_prob(N, model), tm.exact_match(N, L, model), tm.edit_distance(N, L, model)
    assert np.all(np.diff(N) > 0)
    assert np.all(np.diff(p) > 0) and np.all(np.diff(em) > 0) and np.all(np.diff(ted) < 0)
    huge = model.c * 1e200  # loss <= 1e-10 nats for every alpha drawn
    assert 1 - tm.token_prob(huge, model) < 1e-9 and 1 - tm.exact_match(huge, L, model) < 1e-8
    assert 0 < tm.edit_distance(huge, L, model) < 1e-8
    # and where the loss is 20 nats everything is as bad as it gets
    tiny = _scale(model, math.log(20.0))
    assert tm.exact_match(tiny, L, model) < 1e-8 and tm.edit_distance(tiny, L, model) > 0.999 * L


@given(alphas, log10_cs, lengths)
def test_exact_match_is_one_over_e_at_the_steepest_scale(alpha, log10_c, L):
    model = _model(alpha, log10_c)
    N_star = tm.steepest_scale(L, model)
    assert tm.exact_match(N_star, L, model) == pytest.approx(math.exp(-1), rel=1e-9)
    assert tm.gumbel_coordinate(N_star, L, model) == pytest.approx(0.0, abs=1e-9)


@given(alphas, log10_cs, log_losses, lengths)
def test_exact_match_is_the_gumbel_cdf_of_z(alpha, log10_c, log_loss, L):
    model = _model(alpha, log10_c)
    N = _scale(model, log_loss)
    z = tm.gumbel_coordinate(N, L, model)
    assert tm.exact_match(N, L, model) == pytest.approx(stats.gumbel_r.cdf(z), rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("alpha,c,L", [(-0.3, 1e9, 1), (-0.3, 1e9, 5), (-0.076, 8.8e13, 3), (-0.8, 1e6, 2.5)])
def test_steepest_slope_is_the_largest_gain_per_unit_log_scale(alpha, c, L):
    model = tm.ToyModel(c=c, alpha=alpha)
    centre = math.log(tm.steepest_scale(L, model))
    lnN = np.linspace(centre - 12 / -alpha, centre + 12 / -alpha, 40001)
    slope = np.gradient(tm.exact_match(np.exp(lnN), L, model), lnN)
    assert slope.max() == pytest.approx(tm.steepest_slope(model), rel=1e-5)
    assert abs(lnN[slope.argmax()] - centre) < 1e-3 / -alpha


def test_published_illustration_numbers():
    """PAPER.md: with c = 1e9, alpha = -0.3, p is about 0.14, 0.37, 0.61, 0.78, 0.88 at N = 1e8 .. 1e12."""
    p = tm.token_prob([1e8, 1e9, 1e10, 1e11, 1e12])
    np.testing.assert_allclose(p, [0.136, 0.368, 0.606, 0.778, 0.882], atol=5e-4)
    assert tm.exact_match(1e12, 5) == pytest.approx(0.533, abs=5e-4)


def test_two_option_metrics():
    model = tm.ToyModel()
    N_half = model.c * math.log(2) ** (1 / model.alpha)  # p = 1/2 here
    N = np.array([N_half / 1.01, N_half * 1.01])
    np.testing.assert_array_equal(tm.multiple_choice_grade(N, model), [0.0, 1.0])
    np.testing.assert_allclose(tm.brier_score(N, model), (1 - tm.token_prob(N, model)) ** 2, rtol=1e-12)


# --- numeric twins against sympy ----------------------------------------------------------------------------

_S = tm.symbolic()
_SYMPY_FNS = {name: sp.lambdify((_S.N, _S.L, _S.c, _S.alpha), getattr(_S, name), modules="numpy")
              for name in ("loss", "p", "em", "ted")}
_TWINS = {
    "loss": lambda N, L, m: tm.cross_entropy(N, m),
    "p": lambda N, L, m: tm.token_prob(N, m),
    "em": lambda N, L, m: tm.exact_match(N, L, m),
    "ted": lambda N, L, m: tm.edit_distance(N, L, m),
}


@settings(max_examples=60)
@given(alphas, log10_cs, log_losses, lengths, st.sampled_from(sorted(_TWINS)))
def test_numeric_twins_equal_lambdified_sympy(alpha, log10_c, log_loss, L, name):
    model = _model(alpha, log10_c)
    N = _scale(model, log_loss)
    expected = _SYMPY_FNS[name](N, L, model.c, model.alpha)
    # the sympy form L*(1 - exp(-u)) loses digits to cancellation when u is tiny (the twin uses expm1),
    # so TED is compared to within a few float epsilons of 1 - p, times L
    atol = 1e-15 * L if name == "ted" else 1e-300
    assert _TWINS[name](N, L, model) == pytest.approx(expected, rel=1e-9, abs=atol)


@pytest.mark.parametrize("model", [tm.ToyModel(), tm.ToyModel(c=8.8e13, alpha=-0.076)])
@pytest.mark.parametrize("name", sorted(_TWINS))
def test_lambdified_helper_matches_twins_on_a_grid(model, name):
    N = np.logspace(7, 12, 51)
    for L in (1, 2.5, 5):
        np.testing.assert_allclose(_TWINS[name](N, L, model), tm.lambdified(name, model)(N, L), rtol=1e-12)


def test_symbolic_derivations():
    s = _S
    x_star = sp.solve(sp.Eq(sp.diff(s.em_log, s.x, 2), 0), s.x)
    assert len(x_star) == 1
    assert sp.simplify(sp.exp(x_star[0]) - s.n_star) == 0
    assert sp.simplify(s.em_log.subs(s.x, x_star[0])) == sp.exp(-1)
    assert sp.simplify(sp.diff(s.em_log, s.x).subs(s.x, x_star[0]) + s.alpha / sp.E) == 0
    em_z = s.em_log.subs(s.x, sp.log(s.n_star) - s.z / s.alpha)
    assert sp.simplify(em_z - s.gumbel) == 0
    u = sp.symbols("u", positive=True)
    series = sp.series(s.ted.subs(s.loss, u), u, 0, 3).removeO()
    assert sp.expand(series - (s.L * u - s.L * u**2 / 2)) == 0
    t = sp.symbols("t", positive=True)
    assert sp.limit(s.loss.subs(s.N, 1 / t), t, 0, "+") == 0


# --- plots ----------------------------------------------------------------------------------------------------


def test_toy_metrics_plot_draws_the_helper_curves():
    fig = tplot.plot_toy_metrics(alpha=-0.3, c=1e9, L_max=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    ax_em = fig.axes[2]
    curves = [line for line in ax_em.get_lines() if len(line.get_xdata()) > 2]
    assert len(curves) == 3
    for L, line in enumerate(curves, start=1):
        np.testing.assert_allclose(line.get_ydata(), tm.exact_match(line.get_xdata(), L), rtol=1e-12)


def test_collapse_plot_puts_every_length_on_the_gumbel_curve():
    fig = tplot.plot_gumbel_collapse(alpha=-0.45, c=1e10, L_max=4)
    ax_z = fig.axes[1]
    lines = [line for line in ax_z.get_lines()[1:] if len(line.get_xdata()) > 2]  # after the Gumbel reference
    assert len(lines) == 4
    for line in lines:
        z, em = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        np.testing.assert_allclose(em, np.exp(-np.exp(-z)), rtol=1e-9, atol=1e-15)


def test_explorer_and_simulation_plots():
    fig = tplot.plot_toy_explorer(alpha=-0.3, c=1e9, L=5)
    assert len(fig.axes) == 2
    N = np.logspace(8, 11, 4)
    em = tm.exact_match(N, 3)
    fig = tplot.plot_token_simulation(N, em, np.full(4, 0.01), tm.edit_distance(N, 3), np.full(4, 0.02), L=3)
    assert len(fig.axes) == 2
    data_line = fig.axes[0].containers[0][0]  # the error-bar points, not the theory curve
    np.testing.assert_allclose(data_line.get_ydata(), em)
    np.testing.assert_allclose(data_line.get_xdata(), N)


@pytest.mark.parametrize("L", [1, 3, 10])
def test_explorer_draws_the_large_n_law_itself_without_a_flat_cap(L):
    """The dashed law L (N/c)^alpha is drawn as it is and clipped by the axes; capping its values (the
    old np.minimum(law, 1.5 L)) drew a flat dashed segment at 1.5 for L = 1, which the law does not have."""
    fig = tplot.plot_toy_explorer(alpha=-0.3, c=1e9, L=L)
    (law,) = [line for line in fig.axes[1].get_lines() if line.get_linestyle() == "--"]
    N, y = np.asarray(law.get_xdata()), np.asarray(law.get_ydata())
    np.testing.assert_allclose(y, L * tm.cross_entropy(N, tm.ToyModel(c=1e9, alpha=-0.3)), rtol=1e-12)
    assert not np.any(np.isclose(np.diff(y), 0.0, atol=1e-12)), "a flat segment"
