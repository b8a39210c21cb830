"""Tests of helpers.emergence against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers.emergence import emergence_score


def test_hand_computed_rising_curve() -> None:
    # steps 0.1, 0.1, 0.6: squared 0.01, 0.01, 0.36, median 0.01 -> sqrt 0.1; range 0.8
    assert emergence_score([1, 10, 100, 1000], [0.0, 0.1, 0.2, 0.8]) == pytest.approx(8.0)


def test_hand_computed_even_number_of_steps() -> None:
    # steps 1, 2, 3, 4 -> squared 1, 4, 9, 16, median (4 + 9) / 2 = 6.5; range 10
    assert emergence_score([1, 2, 3, 4, 5], [0, 1, 3, 6, 10]) == pytest.approx(10 / math.sqrt(6.5))


def test_falling_curve_is_negative_and_order_of_input_does_not_matter() -> None:
    x, y = [1, 10, 100, 1000], [0.8, 0.2, 0.1, 0.0]
    assert emergence_score(x, y) == pytest.approx(-8.0)
    assert emergence_score(x[::-1], y[::-1]) == pytest.approx(-8.0)


def test_documented_values() -> None:
    assert emergence_score([1, 2, 3], [0.5, 0.5, 0.5]) == 0.0
    assert emergence_score([1, 2, 3, 4], [0, 0, 0, 1]) == math.inf
    assert emergence_score([1, 2, 3, 4], [1, 0, 0, 0]) == -math.inf


@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=12), st.floats(0.1, 10), st.floats(-5, 5))
def test_invariant_to_affine_rescaling_of_scores(y, a, b) -> None:
    x = np.arange(1, len(y) + 1)
    y = np.asarray(y)
    assume(np.ptp(y) > 1e-6)  # below that, adding b rounds the differences away (1 + 1e-88 == 1)
    base = emergence_score(x, y)
    scaled = emergence_score(x, a * y + b)
    if math.isfinite(base) and abs(base) < 1e6:
        assert scaled == pytest.approx(base, rel=1e-6, abs=1e-9)


def test_linear_curve_scores_number_of_steps() -> None:
    n = 7
    assert emergence_score(np.logspace(3, 9, n), np.linspace(0, 1, n)) == pytest.approx(n - 1)


@pytest.mark.parametrize(
    "scales, scores, name",
    [
        ([1, 2], [0, 1], "scales"),
        ([1, 2, 3], [0, 1], "same length"),
        ([1, 2, 3], [0, float("nan"), 1], "scores"),
        ([1, 0, 3], [0, 1, 2], "scales"),
        ([1, 1, 3], [0, 1, 2], "distinct"),
        ([1, 2, 3], ["low", "mid", "high"], "scores must be numbers"),
        ([1, 2, 3], [0.1, None, {}], "scores must be numbers"),
    ],
)
def test_bad_input_names_the_problem(scales, scores, name) -> None:
    with pytest.raises(ValueError, match=name):
        emergence_score(scales, scores)


# --- audit, synthetic benchmark, null model -------------------------------------------------------

import pandas as pd  # noqa: E402

from helpers import emergence as em  # noqa: E402
from helpers.plotting import emergence as pe  # noqa: E402


def _tidy() -> pd.DataFrame:
    rows = []
    for seed, shift in ((0, 0.0), (1, 0.02)):
        for x, em_v, ce in zip([1e6, 1e7, 1e8, 1e9], [0.0, 0.01, 0.02, 0.8], [3.0, 2.5, 2.0, 1.5]):
            rows.append(dict(task="t", params=x, metric="exact_match", value=em_v + shift, seed=seed))
            rows.append(dict(task="t", params=x, metric="cross_entropy", value=ce + shift, seed=seed))
    return pd.DataFrame(rows)


def test_vectorised_scores_match_the_scalar_function() -> None:
    rng = np.random.default_rng(1)
    curves = rng.normal(size=(50, 6))
    curves[0] = 0.3
    curves[1] = [0, 0, 0, 0, 0, 1]
    want = [emergence_score(np.arange(1, 7), c) for c in curves]
    assert em.emergence_scores(curves) == pytest.approx(want)


def test_audit_averages_seeds_and_orients_lower_is_better_metrics() -> None:
    out = em.audit(_tidy()).set_index("metric")
    # seeds average to the curve + 0.01, which Eq. 1 ignores; steps 0.01, 0.01, 0.78 -> 0.8 / 0.01 = 80
    assert out.loc["exact_match", "score"] == pytest.approx(80.0)
    assert out.loc["exact_match", "relative"] == pytest.approx(80.0 / 3)
    assert out.loc["exact_match", "n_runs"] == 2 and out.loc["exact_match", "n_scales"] == 4
    assert bool(out.loc["exact_match", "emergent"])
    assert out.loc["exact_match", "jump_at"] == 1.0
    # cross-entropy falls in equal steps: Eq. 1 gives -3, oriented +3, relative 1: a straight line
    assert out.loc["cross_entropy", "score"] == pytest.approx(-3.0)
    assert out.loc["cross_entropy", "relative"] == pytest.approx(1.0)
    assert not bool(out.loc["cross_entropy", "emergent"])


def test_audit_accepts_scale_column_and_extra_groups() -> None:
    t = _tidy().rename(columns={"params": "scale"})
    t = pd.concat([t.assign(target_len=2), t.assign(target_len=3)])
    out = em.audit(t, threshold=100.0)
    assert len(out) == 4 and "target_len" in out.columns
    assert not out["emergent"].any()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.drop(columns="metric"), "missing the column"),
        (lambda t: t.drop(columns="params"), "scale column"),
        (lambda t: t.assign(params="big"), "numeric"),
        (lambda t: t.assign(value=np.where(t.index == 3, np.nan, t["value"])), "missing value"),
        (lambda t: t[t["params"] < 1e8], "at least 3 distinct"),
        (lambda t: t.iloc[0:0], "empty"),
        (lambda t: t.assign(params=-t["params"]), "positive"),
    ],
)
def test_audit_names_the_problem_of_a_bad_table(change, message) -> None:
    with pytest.raises(ValueError, match=message):
        em.audit(change(_tidy()))


def test_audit_rejects_bad_threshold() -> None:
    with pytest.raises(ValueError, match="threshold"):
        em.audit(_tidy(), threshold=0)


def test_synthetic_benchmark_is_deterministic_and_tidy() -> None:
    cfg = em.BenchmarkConfig(num_tasks=4, seed=3)
    a, b = em.synthetic_benchmark(cfg), em.synthetic_benchmark(cfg)
    pd.testing.assert_frame_equal(a, b)
    assert {"task", "params", "metric", "value", "target_len", "n_items", "rho", "n_sizes"} <= set(a.columns)
    assert a["task"].nunique() == 4 and a["metric"].nunique() == 6
    sizes = a.groupby("task")["params"].nunique()
    assert (sizes == a.groupby("task")["n_sizes"].first()).all()
    assert not a.equals(em.synthetic_benchmark(em.BenchmarkConfig(num_tasks=4, seed=4)))
    scores = em.audit(a)
    assert len(scores) == 4 * 6


def test_benchmark_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="n_sizes"):
        em.BenchmarkConfig(n_sizes=(2, 5))
    with pytest.raises(ValueError, match="alpha"):
        em.BenchmarkConfig(alpha=(-0.3, 0.1))


def test_three_scales_never_exceed_a_straight_line() -> None:
    # with 3 scales the median squared step is the mean of the two: R <= 1 (equality at equal steps)
    assert em.null_scores(3, 10, num_tasks=500).max() <= 1 + 1e-12
    assert em.null_flag_rate(3, 10, threshold=1.01) == 0.0


def test_null_rates_fall_with_more_items() -> None:
    few = em.null_flag_rate(4, 30, num_tasks=4000, start=0.1, stop=0.6)
    many = em.null_flag_rate(4, 3000, num_tasks=4000, start=0.1, stop=0.6)
    assert few > many


def test_plots_return_figures() -> None:
    scores = em.audit(_tidy())
    for fig in (pe.plot_scores_by_metric(scores), pe.plot_flagged_curves(_tidy(), scores),
                pe.plot_flagged_curves(_tidy(), scores, per_metric=True, only_flagged=False),
                pe.plot_flagged_curves(_tidy(), scores.assign(emergent=False)),
                pe.plot_chance_emergence(2.0, 5, 50, num_tasks=50),
                pe.plot_null_rates(pd.DataFrame(dict(n_sizes=[4, 5], n_items=[10, 10], rate=[0.1, 0.0])))):
        assert fig.axes
    with pytest.raises(ValueError, match="scores"):
        pe.plot_scores_by_metric(pd.DataFrame())


def test_audit_folder_audits_good_files_and_reports_bad_ones(tmp_path) -> None:
    _tidy().to_csv(tmp_path / "a.csv", index=False)
    (tmp_path / "b.csv").write_text("x,y\n1,2\n")
    scores, skipped = em.audit_folder(tmp_path)
    assert set(scores["source"]) == {"a"} and list(skipped) == ["b.csv"]
    assert "missing" in skipped["b.csv"]
    with pytest.raises(ValueError, match="could be audited"):
        em.audit_folder(tmp_path, pattern="b.csv")


def test_scores_plot_draws_every_curve_and_the_threshold() -> None:
    """plot_scores_by_metric draws one point per curve (flagged ones separately) and the threshold line."""
    scores = em.audit(_tidy())
    for threshold in (1.5, 50.0):
        ax = pe.plot_scores_by_metric(scores, threshold).axes[0]
        points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
        assert len(points) == len(scores)
        assert sorted(points) == pytest.approx(sorted(np.clip(scores["relative"], -1e9, pe._CAP)))  # drawn at the cap
        assert any(list(line.get_ydata()) == [threshold, threshold] for line in ax.lines)
        labels = [t.get_text() for t in ax.texts]
        flagged = int((scores["relative"] >= threshold).sum())
        assert sum(int(t.split("/")[0]) for t in labels) == flagged


def test_null_rates_plot_draws_the_rates() -> None:
    rates = pd.DataFrame(dict(n_sizes=[4, 5, 4, 5], n_items=[10, 10, 100, 100], rate=[0.1, 0.0, 0.05, 0.02]))
    ax = pe.plot_null_rates(rates).axes[0]
    drawn = sorted(np.concatenate([line.get_ydata() for line in ax.lines if len(line.get_ydata()) == 2]))
    assert drawn == pytest.approx(sorted(100 * rates["rate"]))  # drawn in percent


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_sizes=2, n_items=100), "n_sizes"),
        (dict(n_sizes=4, n_items=0), "n_items"),
        (dict(n_sizes=4, n_items=100, num_tasks=0), "num_tasks"),
        (dict(n_sizes=4, n_items=100, start=-0.1), "start"),
        (dict(n_sizes=4, n_items=100, stop=1.5), "stop"),
        (dict(n_sizes=4.5, n_items=100), "n_sizes"),
    ],
)
def test_null_scores_reject_bad_input(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        em.null_scores(**kwargs)


@pytest.mark.parametrize(
    "curves, name",
    [([0.1, 0.2, 0.3], "2-D"), ([[0.1, 0.2]], "at least 3"), ([[0.1, np.nan, 0.3]], "finite")],
)
def test_emergence_scores_reject_bad_input(curves, name) -> None:
    with pytest.raises(ValueError, match=name):
        em.emergence_scores(curves)


def test_default_threshold_is_above_the_null_95th_percentile_from_100_items() -> None:
    """The justification in emergence.py and chapter 6: theta above the null's 95th percentile of R for
    test sets of 100 or more items at 4 to 12 sizes (and not for 30 items, so the bound is not vacuous)."""
    q95 = {(k, m): float(np.quantile(em.null_scores(k, m, num_tasks=4000, seed=0), 0.95))
           for k in (4, 5, 6, 8, 10, 12) for m in (30, 100, 300, 1000)}
    assert max(v for (k, m), v in q95.items() if m >= 100) < em.DEFAULT_THRESHOLD
    assert max(v for (k, m), v in q95.items() if m == 30) > em.DEFAULT_THRESHOLD


# --- scoring what can be scored (real leaderboards) ----------------------------------------------


def test_audit_scoreable_scores_long_curves_and_reports_short_ones() -> None:
    table = pd.DataFrame({"task": ["a"] * 4 + ["b"] * 2 + ["c"] * 5, "params": [1, 2, 3, 4, 1, 2, 1, 2, 3, 4, 5],
                          "metric": "em", "value": [0, 0, 0, 0.5, 0.1, 0.2, 0.1, 0.2, 0.3, 0.4, 0.5]})
    scores, skipped = em.audit_scoreable(table)
    plain = em.audit(table[table["task"] != "b"])
    pd.testing.assert_frame_equal(scores.drop(columns="note"), plain)  # the same scores as audit itself
    assert scores["note"].tolist() == ["floor", ""]
    assert skipped.to_dict("records") == [{"task": "b", "metric": "em", "n_scales": 2,
                                           "reason": "only 2 distinct scales"}]
    with pytest.raises(ValueError, match="at least 3 distinct model scales"):
        em.audit_scoreable(table[table["task"] == "b"])
    with pytest.raises(ValueError, match="threshold"):
        em.audit_scoreable(table, threshold=0)


@pytest.mark.parametrize("y, higher, note", [
    ([0, 0, 0, 0.5], True, "floor"),
    ([0.5, 0.5, 0.5, 0.2], False, "floor"),       # a loss stuck at its worst value
    ([0.1, 0.9, 0.9, 0.9], True, "ceiling"),
    ([0.1, 0.9, 0.9, 0.9], False, "floor"),       # the same numbers as a loss: stuck at the worst
    ([0.1, 0.4, 0.4, 0.4, 0.4, 0.9], True, "plateau"),
    ([0.3, 0.3, 0.3], True, "constant"),
    ([0.1, 0.2, 0.4, 0.8], True, ""),
])
def test_flat_note(y, higher, note) -> None:
    assert em.flat_note(y, higher) == note
    if note and note != "constant":
        assert math.isinf(emergence_score(np.arange(1, len(y) + 1), y))
    assert set(em.FLAT_NOTES) >= {note} - {""}


@pytest.mark.parametrize("args, name", [(([0.1, 0.2],), "scores"), (([0.1, np.nan, 0.3],), "scores"),
                                        (([0.1, 0.2, 0.3], "yes"), "higher_is_better")])
def test_flat_note_rejects_bad_input(args, name) -> None:
    with pytest.raises(ValueError, match=name):
        em.flat_note(*args)
