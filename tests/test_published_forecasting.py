"""Tests of helpers.published.forecasting: the testbeds' tables are the extract's numbers, the forecasts
and baselines follow their definitions, and the scoring and verdict follow the chapter's stated rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.published import fits
from helpers.published import forecasting as pf


@pytest.fixture(scope="module")
def ladder_fc(ladder) -> pd.DataFrame:
    return pf.forecast_ladder(ladder, tasks=["hellaswag_val", "mmlu_stem_test"], n_boot=20, seed=0)


# --- the tables -------------------------------------------------------------------------------------


def test_ladder_points_hold_the_extract_values(ladder) -> None:
    # olmo-ladder/extract.csv.gz, peteish7 step 925000, hellaswag_val rc: acc_len_norm and bpb
    r = ladder[(ladder["run"] == "peteish7") & (ladder["task"] == "hellaswag_val") & ladder["final"]].iloc[0]
    assert r["step"] == 925000
    assert r["acc"] == pytest.approx(0.8046205639839172)
    assert r["bpb"] == pytest.approx(0.6797590255737305)
    assert r["tokens"] == pytest.approx(3879731200000.0)
    # 3B-10xC, step 201524: the ladder run with the most compute
    r = ladder[(ladder["run"] == "3B-10xC") & (ladder["task"] == "hellaswag_val") & ladder["final"]].iloc[0]
    assert (r["step"], r["acc"], r["bpb"]) == (201524, pytest.approx(0.7311292290687561), pytest.approx(0.7182701826095581))
    assert r["flops"] == pytest.approx(1.456181984254954e22)


def test_ladder_points_cover_30_runs_and_two_targets(ladder) -> None:
    runs = ladder.groupby("family")["run"].nunique()
    assert runs["olmo-ladder"] == 30 and runs["olmo-2"] == 2
    assert set(ladder["task"]) == set(pf.LADDER_TASKS)
    assert ladder.groupby(["run", "task"])["final"].sum().eq(1).all()  # one final step per run and task
    assert (ladder["chance"] == ladder["task"].map(lambda t: 1 / pf.LADDER_TASKS[t])).all()
    assert ladder[["acc", "bpb"]].notna().all().all()


def test_public_points_hold_the_extract_values(public) -> None:
    r = public[(public["model"] == "meta-llama/Llama-2-7b-hf")].set_index("task")
    # obsscaling/extract.csv.gz: word_unscrambling exact match 0.089; IPA BLEU 27.2388 and exact match 0.0718
    assert r.loc["word_unscrambling", "acc"] == pytest.approx(0.089)
    assert r.loc["ipa_transliterate", "acc"] == pytest.approx(0.0717846460618145)
    assert r.loc["ipa_transliterate", "loss"] == pytest.approx(1 - 27.23879164406593 / 100)
    assert r.loc["word_unscrambling", "MMLU"] == pytest.approx(0.4379609636092418)
    assert r.loc["word_unscrambling", "flops"] == pytest.approx(8.4e22)
    assert np.isnan(r.loc["word_unscrambling", "loss"])  # no continuous metric for unscrambling


def test_public_points_counts_at_the_cutoff(public) -> None:
    fitted = public[public["flops"] <= 8.4e22].groupby("task").size()
    larger = public[public["flops"] > 8.4e22].groupby("task").size()
    assert (fitted["word_unscrambling"], larger["word_unscrambling"]) == (44, 29)
    assert (fitted["mmlu"], larger["mmlu"]) == (54, 11)
    assert public["flops"].notna().all()


def test_public_floor(public) -> None:
    assert pf.public_floor(public, "mmlu", 8.4e22) == 0.25
    assert pf.public_floor(public, "word_unscrambling", 8.4e22) == 0.0
    arith = public[(public["task"] == "arithmetic") & (public["flops"] <= 8.4e22)].sort_values(["flops", "model"])
    assert pf.public_floor(public, "arithmetic", 8.4e22) == pytest.approx(arith["acc"].iloc[:10].mean())
    with pytest.raises(ValueError, match="^cutoff"):
        pf.public_floor(public, "arithmetic", 1.3e20)
    with pytest.raises(ValueError, match="^task"):
        pf.public_floor(public, "gsm8k", 8.4e22)


def test_impute_benchmarks_is_exact_for_linear_scores() -> None:
    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.8, size=(12, 5))
    arc = 0.1 + base @ np.array([0.2, 0.1, 0.3, 0.05, 0.1])
    fit = pd.DataFrame(np.column_stack([base[:, 0], arc, base[:, 1:]]), columns=list(pf.BENCHMARKS))
    new = fit.iloc[:2].copy()
    new.loc[new.index[0], "ARC-C"] = np.nan
    np.testing.assert_allclose(pf.impute_benchmarks(fit, new)[:, 1], arc[:2], atol=1e-9)


# --- forecasts --------------------------------------------------------------------------------------


def test_forecast_ladder_rows_and_baselines(ladder, ladder_fc) -> None:
    assert len(ladder_fc) == 2 * 2 * 4  # tasks x targets x methods
    last = ladder_fc[(ladder_fc["task"] == "hellaswag_val") & (ladder_fc["method"] == "last")]
    assert np.allclose(last["forecast"], 0.7311292290687561)  # 3B-10xC, the run with the most compute
    chance = ladder_fc[ladder_fc["method"] == "chance"]
    assert np.allclose(chance["forecast"], 0.25)
    assert ladder_fc.loc[ladder_fc["method"].isin(["last", "chance"]), "lo"].isna().all()
    fitted = ladder_fc[ladder_fc["method"].isin(["direct", "two_step"])]
    assert ((fitted["lo"] <= fitted["hi"]) & fitted["forecast"].between(0.25, 1)).all()


def test_forecast_ladder_direct_is_the_point_fit(ladder, ladder_fc) -> None:
    fin = ladder[(ladder["family"] == "olmo-ladder") & ladder["final"] & (ladder["task"] == "mmlu_stem_test")]
    fit = fits.fit_sigmoid(np.log10(fin["flops"].to_numpy()), fin["acc"].to_numpy(), 0.25)
    rows = ladder_fc[(ladder_fc["task"] == "mmlu_stem_test") & (ladder_fc["method"] == "direct")]
    np.testing.assert_allclose(rows["forecast"], fit(np.log10(rows["flops"].to_numpy()))[0], rtol=1e-6)


def test_forecast_ladder_is_deterministic(ladder, ladder_fc) -> None:
    again = pf.forecast_ladder(ladder, tasks=["hellaswag_val", "mmlu_stem_test"], n_boot=20, seed=0)
    pd.testing.assert_frame_equal(ladder_fc, again)


def test_forecast_public_methods_and_testbeds(public) -> None:
    f = pf.forecast_public(public, tasks=["ipa_transliterate", "word_unscrambling"], n_boot=10)
    across = f[f["testbed"] == "across"]
    assert set(across.loc[across["task"] == "ipa_transliterate", "method"]) == set(pf.METHODS)
    assert "two_step" not in set(across.loc[across["task"] == "word_unscrambling", "method"])
    targets = public[public["flops"] > 8.4e22].groupby("task").size()
    for (task, _method), n in across.groupby(["task", "method"]).size().items():
        assert n == targets[task]  # every method forecasts every larger model
    assert (f["flops"] > 8.4e22).all()
    within = f[f["testbed"] == "within"]
    assert set(within["method"]) == {"direct", "last", "chance"}
    for (task, family), rows in within.groupby(["task", "family"]):
        fitted = public[(public["task"] == task) & (public["family"] == family) & (public["flops"] <= 8.4e22)]
        assert len(fitted) >= 3 and rows["n_fit"].iloc[0] == len(fitted)


def test_forecast_public_rejects_a_cutoff_without_models(public) -> None:
    with pytest.raises(ValueError, match="^cutoff"):
        pf.forecast_public(public, cutoff=1e30, tasks=["mmlu"], n_boot=2)
    with pytest.raises(ValueError, match="^testbeds"):
        pf.forecast_public(public, testbeds=["ladder"], n_boot=2)
    with pytest.raises(ValueError, match="^n_boot"):
        pf.forecast_public(public, n_boot=1)


# --- scoring ----------------------------------------------------------------------------------------


def _toy_forecasts() -> pd.DataFrame:
    return pd.DataFrame({
        "testbed": ["ladder"] * 6, "task": ["t"] * 6, "model": list("abcabc"),
        "method": ["two_step"] * 3 + ["last"] * 3, "floor": [0.25] * 6,
        "measured": [0.5, 0.6, 0.7, 0.5, 0.6, 0.7], "forecast": [0.55, 0.45, 0.7, 0.3, 0.6, 0.9],
        "lo": [0.5, 0.40, 0.71, np.nan, np.nan, np.nan], "hi": [0.6, 0.5, 0.8, np.nan, np.nan, np.nan],
    })


def test_score_by_hand() -> None:
    s = pf.score(_toy_forecasts(), target=0.10, primary="two_step")
    np.testing.assert_allclose(s["error"], [0.05, -0.15, 0.0, -0.2, 0.0, 0.2])
    assert s["hit"].tolist() == [True, False, True, False, True, False]
    assert s["covered"].tolist()[:3] == [True, False, False] and s["covered"].iloc[3:].isna().all()
    u = lambda a: np.log(((a - 0.25) / 0.75) / (1 - (a - 0.25) / 0.75))  # noqa: E731
    assert s["logodds_error"].iloc[0] == pytest.approx(u(0.55) - u(0.5))
    assert s["primary"].tolist() == [True] * 3 + [False] * 3


def test_summarise_and_verdict_follow_the_rule() -> None:
    summary = pf.summarise(pf.score(_toy_forecasts(), target=0.10))
    two = summary.set_index("method").loc["two_step"]
    assert two["n"] == 3 and two["mae"] == pytest.approx(0.2 / 3) and two["hit_share"] == pytest.approx(2 / 3)
    assert two["coverage"] == pytest.approx(1 / 3)
    # no chance baseline in the toy table: "beats both baselines" cannot hold
    v = pf.verdict(summary, pass_share=0.6).iloc[0]
    assert v["share_ok"] and not v["beats_baselines"] and not v["passed"]
    both = pd.concat([_toy_forecasts(), _toy_forecasts().iloc[3:].assign(method="chance", forecast=0.25)])
    v = pf.verdict(pf.summarise(pf.score(both, target=0.10)), pass_share=0.6).iloc[0]
    assert v["passed"]
    assert not pf.verdict(pf.summarise(pf.score(both, target=0.10)), pass_share=0.7).iloc[0]["passed"]


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: pf.score(_toy_forecasts(), target=0), "target"),
        (lambda: pf.score(_toy_forecasts(), primary="last"), "primary"),
        (lambda: pf.score(pd.DataFrame()), "forecasts"),
        (lambda: pf.summarise(pd.DataFrame({"x": [1]})), "scored"),
        (lambda: pf.verdict(pd.DataFrame(), pass_share=1.5), "pass_share"),
        (lambda: pf.forecast_ladder(pf.ladder_points(), tasks=["gsm8k"]), "tasks"),
        (lambda: pf.ladder_fit_curves(pf.ladder_points(), "gsm8k"), "task"),
        (lambda: pf.public_fit_curves(pf.public_points(), "mmlu", -1.0), "cutoff"),
        (lambda: pf.two_step_curve(pf.public_points(), "word_unscrambling", 8.4e22, [1e22]), "task"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


def test_fit_curves_for_plots(ladder, public) -> None:
    c = pf.ladder_fit_curves(ladder, "hellaswag_val", n_grid=50)
    assert len(c["direct"]) == 50 and c["direct"]["acc"].is_monotonic_increasing
    assert list(c["targets"]["run"]) == ["peteish7", "peteish13"]
    assert c["targets"]["bpb_hat"].between(0.5, 1.0).all()
    p = pf.public_fit_curves(public, "mmlu", 8.4e22, n_grid=40)
    assert set(p) == {"direct", "two_step"} and len(p["two_step"]) == 40
    idx = pf.capability_index(public, "word_unscrambling", 8.4e22)
    assert idx["fitted"].sum() == 44 and idx["fitted_acc"].between(0, 1).all()
