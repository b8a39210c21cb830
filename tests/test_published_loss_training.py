"""Tests of helpers.published.loss_threshold and helpers.published.training: tables traced to the extract,
fits that recover known thresholds and rises, and bad input raising a ValueError naming the argument."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.published import forecasting as pf
from helpers.published import loss_threshold as lt
from helpers.published import training as tr


# --- loss -------------------------------------------------------------------------------------------


def test_open_lm_points_hold_the_extract_values(openlm) -> None:
    assert openlm["model"].nunique() == 104 and openlm["task"].nunique() == 46
    assert len(openlm) == 104 * 46
    # open-lm-scaling/extract.csv.gz, the first model: c4_val loss and hellaswag accuracy
    r = openlm[(openlm["model"] == "c4_original-d=1024_l=24_h=8-0.25") & (openlm["task"] == "hellaswag")].iloc[0]
    assert r["loss"] == pytest.approx(3.5279492850157737)
    assert r["acc"] == pytest.approx(0.28131845593452454)
    assert (r["chance"], r["n_items"], r["dataset"]) == (0.25, 10042, "c4_original")


def test_hard_tasks_rule(openlm) -> None:
    hard = lt.hard_tasks(openlm)
    assert "hellaswag" in hard and "squad" in hard
    assert "mmlu" not in hard  # never leaves chance: best model < 0.10 above it
    assert "lambada_openai" not in hard  # most models are well above chance
    above = openlm.assign(a=openlm["acc"] - openlm["chance"]).groupby("task")["a"]
    for t in hard:
        assert above.get_group(t).median() <= 0.05 and above.get_group(t).max() >= 0.10


def test_fit_hinge_recovers_a_threshold() -> None:
    L = np.linspace(2.0, 4.0, 81)
    acc = 0.25 + 0.3 * np.maximum(0.0, 3.1 - L)
    fit = lt.fit_hinge(L, acc, 0.25, grid=801)
    assert fit.threshold[0] == pytest.approx(3.1, abs=0.003)
    assert fit.slope[0] == pytest.approx(0.3, rel=0.01)
    assert fit(np.array([5.0, 3.1, 0.0]))[0].tolist() == pytest.approx([0.25, 0.25, 1.0], abs=0.002)  # capped at 1


def test_left_out_errors_prefer_the_true_shape() -> None:
    L = np.tile(np.linspace(2.0, 5.0, 40), 3)
    sets = np.repeat(["a", "b", "c"], 40)
    base = dict(loss=L, dataset=sets, task="t", chance=0.25, n_items=1000.0)
    smooth = pd.DataFrame(dict(base, acc=0.25 + 0.75 / (1 + np.exp(4 * (L - 3.0)))))
    kinked = pd.DataFrame(dict(base, acc=np.minimum(0.25 + 0.4 * np.maximum(0, 3.5 - L), 1)))
    e_s = lt.compare_models(smooth, ["t"]).iloc[0]
    e_k = lt.compare_models(kinked, ["t"]).iloc[0]
    assert e_s["mse_sigmoid"] < e_s["mse_hinge"] and e_k["mse_hinge"] < e_k["mse_sigmoid"]
    assert e_s["groups"] == 3 and e_s["noise"] > 0


def test_onsets_per_group(openlm) -> None:
    o = lt.onsets(openlm, "hellaswag", n_boot=20)
    assert list(o["group"]) == ["c4_original", "rpj", "rw_original"]
    assert ((o["lo"] <= o["threshold"]) & (o["threshold"] <= o["hi"])).all()
    assert o["n"].tolist() == [34, 35, 35]


def test_ladder_loss_points(openlm) -> None:
    pts = lt.ladder_loss_points(pf.ladder_points())
    r = pts[(pts["run"] == "3B-10xC") & (pts["step"] == 201524) & (pts["task"] == "hellaswag_val")].iloc[0]
    assert r["loss"] == pytest.approx(2.6643989086151123)  # c4_en ce_loss at that step
    assert set(pts["dataset"]) == {"190M", "370M", "760M", "1B", "3B"}


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: lt.open_lm_points(loss="wiki"), "loss"),
        (lambda: lt.hard_tasks(pd.DataFrame(), max_median_above=2), "max_median_above"),
        (lambda: lt.hard_tasks(pd.DataFrame(), min_items=-1), "min_items"),
        (lambda: lt.fit_hinge([1, 2], [0.3, 0.4], 0.25), "L and acc"),
        (lambda: lt.fit_hinge([1, 2, 3], [0.3, 0.4, 0.5], 1.0), "floor"),
        (lambda: lt.fit_loss_model("step", [1, 2, 3], [0.3, 0.4, 0.5], 0.25), "model"),
        (lambda: lt.left_out_errors(lt.open_lm_points(), "gsm8k"), "task"),
        (lambda: lt.onsets(lt.open_lm_points(), "hellaswag", n_boot=1), "n_boot"),
    ],
)
def test_loss_bad_input(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


# --- training ---------------------------------------------------------------------------------------


def test_pythia_curves_hold_the_extract_values(pythia) -> None:
    assert pythia["model"].nunique() == 7 and (pythia.groupby("model").size() == 27).all()
    r = pythia[(pythia["model"] == "pythia-1.4b") & (pythia["step"] == 3000)].iloc[0]
    assert r["acc"] == pytest.approx(0.3242771201241995)  # pythia/extract.csv.gz, zero-shot LAMBADA
    assert r["ppl"] == pytest.approx(44.178121189565175)
    assert r["tokens"] == 3000 * 2_097_152
    assert set(pythia["size"]) == set(tr.PYTHIA_SIZES)


def test_normalised_rise() -> None:
    np.testing.assert_allclose(tr.normalised_rise([2.0, 3.0, 6.0]), [0, 0.25, 1])
    np.testing.assert_allclose(tr.normalised_rise([100.0, 10.0, 1.0], lower_is_better=True, log=True), [0, 0.5, 1])


def test_rise_width_of_a_logistic_in_log_tokens() -> None:
    t = np.logspace(6, 12, 601)
    raw = 1 / (1 + np.exp(-(np.log10(t) - 9.0) * 2.0))  # a logistic of slope 2 per decade, centred at 1e9
    r = (raw - raw[0]) / (raw[-1] - raw[0])
    a, b, w = tr.rise_width(t, r)
    level = lambda q: raw[0] + q * (raw[-1] - raw[0])  # noqa: E731  the raw value at share q of the rise
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    assert w == pytest.approx((logit(level(0.9)) - logit(level(0.1))) / 2.0, abs=0.005)
    assert (a + b) / 2 == pytest.approx(9.0, abs=0.005)


def test_rise_widths_table(pythia) -> None:
    w = tr.rise_widths(pythia, {"acc": (False, False), "ppl": (True, True)})
    assert len(w) == 14 and (w["width"] > 0).all() and (w["end"] > w["start"]).all()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: tr.pythia_curves(task="gsm8k"), "task"),
        (lambda: tr.pythia_curves(shots=3), "shots"),
        (lambda: tr.normalised_rise([1.0]), "values"),
        (lambda: tr.normalised_rise([1.0, -1.0], log=True), "values"),
        (lambda: tr.normalised_rise([1.0, 1.0]), "values"),
        (lambda: tr.rise_width([1, 2], [0, 1], low=0.9, high=0.5), "high"),
        (lambda: tr.rise_width([1, 2, 3], [0, 1], low=0.1), "tokens and rise"),
    ],
)
def test_training_bad_input(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
