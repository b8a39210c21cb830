"""Tests of helpers.published.curves: curves per family from the published extracts, their audit, exact
intervals and chance flags. Known values are traced to the extracts (see data/published/*/SOURCE.md)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import emergence as em
from helpers import null_models
from helpers import published
from helpers import resolution as res
from helpers.published import curves as cv


@lru_cache(maxsize=1)
def table() -> pd.DataFrame:
    return published.load()


@lru_cache(maxsize=3)
def pts(x: str = "params") -> pd.DataFrame:
    return cv.points(table(), x)


# --- metric kinds and final evaluations --------------------------------------------------------


def test_every_metric_of_the_extracts_has_a_kind() -> None:
    assert set(published.load.__globals__["HIGHER_IS_BETTER"]) == cv.ALL_OR_NOTHING | cv.GRADED
    assert not cv.ALL_OR_NOTHING & cv.GRADED
    assert cv.metric_kind("exact_match") == "all-or-nothing" and cv.metric_kind("brier") == "graded"
    assert cv.metric_kind("score", "TruthfulQA") == "graded" and cv.metric_kind("score", "MMLU") == "all-or-nothing"
    assert cv.LOWER_IS_BETTER == {"ppl", "bpb", "ce_loss", "loss", "edit_distance", "brier", "brier_unnormalised"}
    with pytest.raises(ValueError, match="metric must be one of"):
        cv.metric_kind("rouge")


def test_final_evaluations_keep_the_last_checkpoint_and_drop_groups() -> None:
    final = cv.final_evaluations(table())
    pythia = final[final["source"] == "pythia"]
    assert set(pythia["step"]) == {143000}  # the last of 27 zero-shot and 15 five-shot checkpoints
    ladder = final[(final["source"] == "olmo-ladder") & final["run"].eq("3B-1xC")]
    assert set(ladder["step"]) == {20162}
    assert final["group"].isna().all()
    rest = table()[table()["step"].isna() & table()["group"].isna()]
    assert len(final[final["step"].isna()]) == len(rest)  # rows without a step are all kept
    with pytest.raises(ValueError, match="published.load"):
        cv.final_evaluations(pd.DataFrame({"value": [1.0]}))


# --- points and curves ------------------------------------------------------------------------


def test_points_trace_to_the_extract() -> None:
    bloom = cv.curve(pts(), source="obsscaling", family="BLOOM", task="ipa_transliterate", metric="exact_match")
    assert bloom["model"].tolist() == ["bigscience/bloom-560m", "bigscience/bloom-1b1", "bigscience/bloom-3b",
                                       "bigscience/bloom-7b1"]
    assert bloom["scale"].tolist() == [5.6e8, 1.1e9, 3e9, 7.1e9]
    assert bloom["value"].tolist()[:3] == [0.0, 0.0, 0.0] and bloom["value"].iloc[3] == pytest.approx(2 / 1003)
    assert set(bloom["kind"]) == {"all-or-nothing"} and set(bloom["n_runs"]) == {1}


def test_runs_of_one_model_are_averaged() -> None:
    # the OLMo ladder's 1xC runs were trained twice (run and rerun): one point, their mean
    ladder = cv.curve(pts(), source="olmo-ladder", family="olmo-ladder", task="hellaswag_val",
                      metric="acc_len_norm", budget="1xC")
    assert ladder["model"].tolist() == ["190M", "370M", "760M", "1B", "3B"] and set(ladder["n_runs"]) == {2}
    raw = table()[(table()["run"].isin(["190M-1xC", "190M-1xC-rerun"])) & (table()["task"] == "hellaswag_val")
                  & (table()["metric"] == "acc_len_norm")]
    raw = raw[raw["step"] == raw.groupby("run")["step"].transform("max")]
    assert ladder["value"].iloc[0] == pytest.approx(raw["value"].mean()) and len(raw) == 2
    # on-emergence: three seeds of LLaMA 7B on gsm8k (open prompt, 5-shot)
    llama = cv.curve(pts(), source="on-emergence", family="llama", task="gsm8k", metric="exact_match_accuracy",
                     setting="open", shots=5, instruct="base")
    assert llama["model"].tolist() == ["models--llama/7B", "models--llama/13B", "models--llama/30B"]
    assert llama["n_runs"].tolist() == [3, 3, 3] and llama["n_items"].tolist() == [1319, 1319, 1319]
    assert llama["value"].iloc[0] == pytest.approx((0.034117 + 0.031842 + 0.032600) / 3, abs=1e-6)


def test_budgets_split_curves_only_on_the_parameter_axis() -> None:
    by_n = pts("params")
    ladder = by_n[(by_n["family"] == "olmo-ladder")]
    assert {"0.5xC", "1xC", "2xC", "5xC", "10xC"} <= set(ladder["budget"])
    assert set(by_n.loc[by_n["source"] == "pythia", "budget"]) == {"-"}
    assert set(pts("flops")["budget"]) == {"-"}
    olm = by_n[by_n["source"] == "open-lm-scaling"]
    assert {f"{m:g}xC" for m in (0.25, 0.5, 1, 2, 4, 8, 16, 32)} == set(olm["budget"])
    split = cv.points(table()[table()["source"] == "olmo-ladder"], "flops", split_budgets=True)
    assert {"1xC", "10xC"} <= set(split["budget"])


def test_points_leave_out_models_without_the_axis() -> None:
    oe = table()[table()["source"] == "on-emergence"]
    assert oe["params"].isna().any()  # the OpenAI API models
    assert pts()["scale"].notna().all() and (pts()["scale"] > 0).all()
    assert "gpt-4" not in set(pts()["model"])


@pytest.mark.parametrize("kwargs, name", [({"x": "size"}, "x"), ({"x": "params", "split_budgets": "yes"},
                                                                 "split_budgets")])
def test_points_reject_bad_input(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        cv.points(table().head(10), **kwargs)


def test_curve_rejects_unknown_filters() -> None:
    with pytest.raises(ValueError, match="curve keys"):
        cv.curve(pts(), model="gpt2")


def test_select_filters_any_table_as_text() -> None:
    p = pts()
    got = cv.select(p, source="pythia", shots=5, task="lambada_openai")
    want = p[(p["source"] == "pythia") & (p["shots"] == "5") & (p["task"] == "lambada_openai")]
    pd.testing.assert_frame_equal(got, want)
    scores = pd.DataFrame({"emergent": [True, False], "n_scales": [4, 5]})
    assert cv.select(scores, emergent=True, n_scales=4).index.tolist() == [0]
    with pytest.raises(ValueError, match="select"):
        cv.select(p, nope=1)
    with pytest.raises(ValueError, match="frame"):
        cv.select([1, 2], source="x")


# --- the audit ------------------------------------------------------------------------------


def test_audit_is_emergence_audit_per_curve() -> None:
    bloom = cv.curve(pts("flops"), source="obsscaling", family="BLOOM", task="ipa_transliterate")
    scores, skipped = cv.audit(bloom)
    assert skipped.empty and scores["metric"].tolist() == ["bleu", "exact_match"]
    for _, row in scores.iterrows():
        c = bloom[bloom["metric"] == row["metric"]]
        assert row["score"] == em.emergence_score(c["scale"], c["value"])
        assert row["relative"] == pytest.approx(row["score"] / (len(c) - 1))
    em_row = scores.set_index("metric").loc["exact_match"]
    assert math.isinf(em_row["score"]) and em_row["note"] == "floor" and em_row["kind"] == "all-or-nothing"


def test_audit_orients_lower_is_better_metrics() -> None:
    lam = cv.curve(pts(), source="pythia", task="lambada_openai", metric="ppl", dataset="pile", shots=0)
    scores, _ = cv.audit(lam)
    row = scores.iloc[0]
    assert row["score"] < 0 < row["oriented"] and row["kind"] == "graded"  # perplexity falls: an improvement
    assert row["jump_at"] == 0.0  # its largest drop is the first step


def test_audit_skips_ties_and_short_curves() -> None:
    toy = pd.DataFrame({k: "-" for k in cv.KEYS}, index=range(9)).assign(
        family=["a"] * 4 + ["b"] * 3 + ["c"] * 2, kind="all-or-nothing",
        model=[f"m{i}" for i in range(9)], scale=[1, 2, 3, 4, 1, 2, 2, 1, 2],
        value=[0.1, 0.2, 0.3, 0.5, 0.1, 0.2, 0.3, 0.1, 0.2], n_items=pd.array([10] * 9, dtype="Float64"),
        metric="acc", source="s")
    scores, skipped = cv.audit(toy)
    assert scores["family"].tolist() == ["a"]
    reasons = skipped.set_index("family")["reason"]
    assert reasons["b"] == "3 models on 2 distinct scales (ties)" and reasons["c"] == "only 2 distinct scales"
    with pytest.raises(ValueError, match="no curve"):
        cv.audit(toy[toy["family"] != "a"])
    with pytest.raises(ValueError, match="threshold"):
        cv.audit(toy, threshold=-1)
    with pytest.raises(ValueError, match="pts must be"):
        cv.audit(toy.drop(columns="kind"))


def test_tokens_axis_cannot_order_pythia() -> None:
    """Every Pythia size saw the same 300B tokens: on the token axis its curves are ties, not curves."""
    tok = pts("tokens")
    assert set(tok.loc[tok["source"] == "pythia", "scale"]) == {143000 * 2_097_152}
    scores, skipped = cv.audit(tok)
    assert not (scores["source"] == "pythia").any()
    pythia_skips = skipped[skipped["source"] == "pythia"]
    assert len(pythia_skips) and pythia_skips["reason"].str.endswith("(ties)").all()


def test_flag_reasons() -> None:
    scores = pd.DataFrame({"emergent": [True, True, True, False], "relative": [np.inf, 3.0, 4.0, 1.0],
                           "jump_at": [1.0, 0.0, 0.5, 0.0]})
    assert cv.flag_reasons(scores).tolist() == ["floor (infinite R)", "first step", "later step"]
    with pytest.raises(ValueError, match="scores"):
        cv.flag_reasons(scores.drop(columns="jump_at"))


# --- pooled curves and rank trends -----------------------------------------------------------


def test_binned_is_the_median_per_bin() -> None:
    p = pd.DataFrame({"scale": [1e8, 2e8, 9e8, 1e9, 5e9, 1e10], "value": [1.0, 3.0, 2.0, 4.0, 6.0, 10.0]})
    b = cv.binned(p, per_decade=1)
    assert b["n_models"].tolist() == [3, 2, 1]
    assert b["value"].tolist() == [2.0, 5.0, 10.0]
    assert b["scale"].tolist() == pytest.approx([10**8.5, 10**9.5, 10**10.5])
    assert cv.binned(p, per_decade=2)["n_models"].sum() == 6
    with pytest.raises(ValueError, match="per_decade"):
        cv.binned(p, per_decade=0)
    with pytest.raises(ValueError, match="pts"):
        cv.binned(p.iloc[:0])


def test_rank_trend() -> None:
    p = pd.DataFrame({"scale": [1.0, 2, 3, 4, 5] * 2, "value": [1.0, 2, 3, 4, 5] + [5.0, 4, 3, 2, 1],
                      "metric": ["acc"] * 5 + ["loss"] * 5, "higher_is_better": [True] * 5 + [False] * 5})
    out = cv.rank_trend(p, by=["metric"]).set_index("metric")["rho"]
    assert out["acc"] == pytest.approx(1.0) and out["loss"] == pytest.approx(1.0)  # both improve at every step
    assert cv.rank_trend(p.iloc[:4], by=["metric"])["rho"].isna().all()  # fewer than 5 models
    with pytest.raises(ValueError, match="by"):
        cv.rank_trend(p, by=["family"])
    with pytest.raises(ValueError, match="min_models"):
        cv.rank_trend(p, by=["metric"], min_models=2)


# --- exact intervals and resolution ----------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 3000), frac=st.floats(0, 1), conf=st.sampled_from([0.8, 0.95, 0.99]))
def test_clopper_pearson_is_the_vectorised_binomial_ci(n, frac, conf) -> None:
    k = int(round(frac * n))
    low, high = cv.clopper_pearson([k], [n], conf)
    want = res.binomial_ci(k, n, conf)
    assert low[0] == pytest.approx(want[0], abs=1e-9) and high[0] == pytest.approx(want[1], abs=1e-9)
    assert 0 <= low[0] <= k / n <= high[0] <= 1


@pytest.mark.parametrize("k, n, conf, name", [([1], [0], 0.95, "n must"), ([3], [2], 0.95, "k must"),
                                             ([0.5], [10], 0.95, "k must"), ([0], [10], 1.0, "confidence")])
def test_clopper_pearson_rejects_bad_input(k, n, conf, name) -> None:
    with pytest.raises(ValueError, match=name):
        cv.clopper_pearson(k, n, conf)


def test_resolution_of_repeat_copy_logic() -> None:
    r = cv.resolution(table())
    rcl = r[(r["source"] == "open-lm-scaling") & (r["task"] == "bigbench_repeat_copy_logic")]
    assert len(rcl) == 104 and set(rcl["n_items"]) == {32}
    assert int(rcl["zero"].sum()) == 80  # SOURCE.md data: 80 of the 104 models score 0 of 32
    assert rcl.loc[rcl["zero"], "high"].unique() == pytest.approx([1 - 0.025 ** (1 / 32)])
    assert (rcl["k"] == np.round(rcl["value"] * 32)).all()
    # open_lm's arc_challenge carries ARC-Easy's item count (SOURCE.md): left out
    assert not ((r["source"] == "open-lm-scaling") & (r["task"] == "arc_challenge")).any()
    # at chance: the interval holds the source's chance level
    mc = r[r["chance"] > 0]
    assert (mc["at_chance"] == ((mc["low"] <= mc["chance"]) & (mc["chance"] <= mc["high"]))).all()


def test_resolution_leaves_out_scores_that_are_not_counts() -> None:
    r = cv.resolution(table())
    assert (r["source"] == "pythia").any()
    assert not ((r["source"] == "pythia") & (r["task"] == "mmlu")).any()  # Pythia's MMLU is a mean of subjects
    assert (np.abs(r["value"] * r["n_items"] - r["k"]) < 1e-3).all()


def test_zeros_before_scores() -> None:
    r = pd.DataFrame({"source": "s", "family": "f", "dataset": "-", "instruct": "base", "budget": "-", "task": "t",
                      "setting": "-", "shots": "-", "metric": "acc", "model": ["a", "b", "c", "d"],
                      "params": [1e8, 1e9, 1e10, 1e11], "value": [0.0, 0.0, 0.05, 0.5], "n_items": 100,
                      "zero": [True, True, False, False], "high": [0.036, 0.036, 0.11, 0.6]})
    out = cv.zeros_before_scores(r)
    assert out["model"].tolist() == ["a", "b"] and out["next_score"].tolist() == [0.05, 0.05]
    assert not out["compatible"].any()
    r.loc[2, "value"] = 0.02
    assert cv.zeros_before_scores(r)["compatible"].all()
    with pytest.raises(ValueError, match="res must"):
        cv.zeros_before_scores(r.drop(columns="high"))


# --- chance ------------------------------------------------------------------------------------


def test_expected_chance_flags_sums_the_null_rates() -> None:
    scores = pd.DataFrame({"n_scales": [3, 4, 4, 6], "n_items": pd.array([100, None, 100, 30], dtype="Float64")})
    got = cv.expected_chance_flags(scores, assumed_items=100, num_tasks=2000, seed=1)
    want = 0 + 2 * null_models.null_flag_rate(4, 100, num_tasks=2000, seed=1) + null_models.null_flag_rate(6, 30, num_tasks=2000, seed=1)
    assert got == pytest.approx(want)
    assert cv.expected_chance_flags(scores.iloc[:1]) == 0.0  # three scales are never flagged
    with pytest.raises(ValueError, match="assumed_items"):
        cv.expected_chance_flags(scores, assumed_items=0)
    with pytest.raises(ValueError, match="scores must"):
        cv.expected_chance_flags(scores.drop(columns="n_items"))
