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
from helpers import null_models  # noqa: E402
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
    cfg = null_models.BenchmarkConfig(num_tasks=4, seed=3)
    a, b = null_models.synthetic_benchmark(cfg), null_models.synthetic_benchmark(cfg)
    pd.testing.assert_frame_equal(a, b)
    assert {"task", "params", "metric", "value", "target_len", "n_items", "rho", "n_sizes"} <= set(a.columns)
    assert a["task"].nunique() == 4 and a["metric"].nunique() == 6
    sizes = a.groupby("task")["params"].nunique()
    assert (sizes == a.groupby("task")["n_sizes"].first()).all()
    assert not a.equals(null_models.synthetic_benchmark(null_models.BenchmarkConfig(num_tasks=4, seed=4)))
    scores = em.audit(a)
    assert len(scores) == 4 * 6


def test_benchmark_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="n_sizes"):
        null_models.BenchmarkConfig(n_sizes=(2, 5))
    with pytest.raises(ValueError, match="alpha"):
        null_models.BenchmarkConfig(alpha=(-0.3, 0.1))


def test_three_scales_never_exceed_a_straight_line() -> None:
    # with 3 scales the median squared step is the mean of the two: R <= 1 (equality at equal steps)
    assert null_models.null_scores(3, 10, num_tasks=500).max() <= 1 + 1e-12
    assert null_models.null_flag_rate(3, 10, threshold=1.01) == 0.0


def test_null_rates_fall_with_more_items() -> None:
    few = null_models.null_flag_rate(4, 30, num_tasks=4000, start=0.1, stop=0.6)
    many = null_models.null_flag_rate(4, 3000, num_tasks=4000, start=0.1, stop=0.6)
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
    lines = [line for line in ax.lines if line.get_label() != "5 %"]  # not the 5 % reference line
    drawn = sorted(np.concatenate([line.get_ydata() for line in lines]))
    assert drawn == pytest.approx(sorted(100 * rates["rate"]))  # drawn in percent


def test_null_rates_plot_has_one_panel_per_null() -> None:
    rates = null_models.null_rates([4, 5], [30], num_tasks=200)
    fig = pe.plot_null_rates(rates)
    assert [ax.get_title().split(" null")[0] for ax in fig.axes] == list(null_models.NULLS)


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
        null_models.null_scores(**kwargs)


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
    q95 = {(k, m): float(np.quantile(null_models.null_scores(k, m, num_tasks=4000, seed=0), 0.95))
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


# --- the book's rules, the resolution variant, the near-floor null ----------------------------------


def test_single_jump_among_three_scales_scores_sqrt2_not_inf() -> None:
    """The docstring: one jump among three scales is sqrt(2); infinity needs more than half the steps at 0."""
    assert emergence_score([1, 2, 3], [0, 0, 1]) == pytest.approx(math.sqrt(2))
    assert emergence_score([1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0.5, 1]) == math.inf  # 3 of 5 steps are 0
    assert emergence_score([1, 2, 3, 4, 5], [0, 0, 0, 0.5, 1]) < math.inf  # 2 of 4: exactly half


def test_resolution_score_floors_the_typical_step_at_one_item() -> None:
    x = [1, 2, 3, 4, 5, 6]
    assert em.resolution_score(x, [0, 0, 0, 0, 0.5, 1.0], 36) == pytest.approx(1.0 / (1 / 36))
    line = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert em.resolution_score(x, line, 36) == pytest.approx(emergence_score(x, line))
    assert em.resolution_score(x, [1.0, 0.5, 0, 0, 0, 0], 10) == pytest.approx(-10.0)
    assert em.resolution_score(x, [0.3] * 6, 10) == 0.0
    with pytest.raises(ValueError, match="n_items"):
        em.resolution_score(x, [0, 0, 0, 0, 0.5, 1.0], 0)


def _rules_table() -> pd.DataFrame:
    x = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
    curves = {
        ("t", "exact_match"): [0, 0, 0, 0, 0.01, 0.3, 0.9],                     # late rise: kept
        ("t", "exact_match_first_5"): [0, 0, 0, 0, 0.01, 0.3, 0.9],             # identical: a duplicate
        ("t", "exact_match_first_1"): [0.1, 0.9, 0.95, 0.96, 0.96, 0.96, 0.96],  # largest step first: early
        ("t", "tiny"): [0.94, 0.94, 0.94, 0.94, 0.94, 0.95, 1.0],               # late, but rises only 0.06
        ("t", "loss"): [9.0, 9.0, 9.0, 9.0, 9.0, 8.97, 8.0],                    # not a share: no rise rule
        ("t", "token_accuracy"): [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],           # a line: not flagged
    }
    return pd.DataFrame([dict(task=t, params=p, metric=m, value=v) for (t, m), ys in curves.items()
                         for p, v in zip(x, ys)])


def test_audit_rules_columns() -> None:
    scores = em.audit(_rules_table()).set_index("metric")
    assert scores["emergent"].to_dict() == {m: m != "token_accuracy" for m in scores.index}
    assert scores.loc["exact_match_first_5", "duplicate_of"] == "exact_match"
    assert scores.loc["exact_match", "duplicate_of"] == ""
    assert scores["dropped_by"].to_dict() == {
        "exact_match": "", "exact_match_first_1": "early jump", "exact_match_first_5": "duplicate",
        "loss": "", "tiny": "small rise", "token_accuracy": ""}
    assert scores.loc["tiny", "rise"] == pytest.approx(0.06)
    assert scores["late_rising"].sum() == 2  # exact_match and loss
    assert not scores.loc["loss", "small_rise"]  # values outside [0, 1]: the rise rule does not apply
    lenient = em.audit(_rules_table(), min_rise=0.05, late_from=0.0).set_index("metric")
    assert lenient.loc["tiny", "late_rising"] and lenient.loc["exact_match_first_1", "late_rising"]


def test_rule_counts_alone_and_in_turn() -> None:
    counts = em.rule_counts(em.audit(_rules_table()))
    assert counts["alone"].tolist() == [5, 1, 1, 1, 2]
    assert counts["in_turn"].tolist() == [5, 1, 1, 1, 2]
    assert counts["in_turn"].iloc[0] - counts["in_turn"].iloc[1:4].sum() == counts["in_turn"].iloc[-1]
    with pytest.raises(ValueError, match="audit table"):
        em.rule_counts(pd.DataFrame({"emergent": [True]}))


def test_audit_rejects_bad_rule_settings() -> None:
    with pytest.raises(ValueError, match="min_rise"):
        em.audit(_rules_table(), min_rise=2)
    with pytest.raises(ValueError, match="late_from"):
        em.audit(_rules_table(), late_from=-0.1)


def test_near_floor_null_flags_a_third_of_smooth_curves_at_30_items() -> None:
    """Chapter 6's near-floor null (review: 33/18/35/35/33 % at 30 items for 4, 5, 6, 8, 12 sizes)."""
    rates = null_models.null_rates([4, 5, 6, 8, 12], [30, 100], nulls=["near floor"], num_tasks=4000)
    at30 = rates[rates["n_items"] == 30].set_index("n_sizes")["rate"]
    assert at30.to_dict() == pytest.approx({4: 0.334, 5: 0.182, 6: 0.345, 8: 0.354, 12: 0.331}, abs=1e-3)
    at100 = rates[rates["n_items"] == 100].set_index("n_sizes")["rate"]
    assert at100[4] > 0.05 and at100.max() < 0.07  # above 5 % at 4 sizes, yet far below 30 items
    mid = null_models.null_rates([4], [30], nulls=["mid-range"], num_tasks=4000)["rate"].iloc[0]
    assert mid < 0.06 < at30.min()


def test_null_rates_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="nulls"):
        null_models.null_rates([4], [30], nulls=["ceiling"])
    with pytest.raises(ValueError, match="sizes"):
        null_models.null_rates([2], [30])
    with pytest.raises(ValueError, match="items"):
        null_models.null_rates([4], [0])
