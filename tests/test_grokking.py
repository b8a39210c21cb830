"""Tests of helpers.grokking: the configuration is validated, training is deterministic, and the default groks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from helpers import grokking as gk

QUICK = gk.GrokConfig(modulus=11, steps=40, eval_every=10)


@pytest.fixture(scope="module")
def default_run() -> gk.GrokRun:
    torch.set_num_threads(1)
    return gk.train(gk.GrokConfig())


@pytest.mark.parametrize("field, value", [("modulus", 1), ("train_fraction", 0.0), ("train_fraction", 1.0),
                                          ("lr", 0.0), ("weight_decay", -1.0), ("steps", 0), ("eval_every", 0),
                                          ("seed", -1), ("hidden", 0)])
def test_bad_config_is_rejected_naming_the_field(field: str, value) -> None:
    with pytest.raises(ValueError, match=field):
        gk.GrokConfig(**{field: value})


def test_split_covers_every_pair_once() -> None:
    a, b, y, tr, te = gk.make_split(QUICK)
    assert len(tr) == int(0.4 * 121) and len(tr) + len(te) == 121
    assert len(set(tr.tolist()) | set(te.tolist())) == 121
    assert torch.equal(y, (a + b) % 11)


def test_history_has_one_row_per_evaluation_and_valid_values() -> None:
    run = gk.train(QUICK)
    h = run.history
    assert list(h.columns) == list(gk.HISTORY_COLUMNS)
    assert h["step"].tolist() == [0, 10, 20, 30, 40]
    assert h[["train_acc", "test_acc", "test_prob"]].stack().between(0, 1).all()
    assert run.item_prob.shape == (5, 121 - int(0.4 * 121))
    np.testing.assert_allclose(run.item_prob.mean(axis=1), h["test_prob"], rtol=1e-5)


def test_training_is_deterministic_for_a_seed() -> None:
    first, second = gk.train(QUICK), gk.train(QUICK)
    pd.testing.assert_frame_equal(first.history, second.history)
    other = gk.train(gk.GrokConfig(modulus=11, steps=40, eval_every=10, seed=1))
    assert not first.history.equals(other.history)


def test_default_config_groks(default_run: gk.GrokRun) -> None:
    marks = gk.milestones(default_run.history)
    assert marks["train_fit"] <= 100, "the network memorises its training pairs quickly"
    assert marks["test_90"] >= 5 * marks["train_fit"], "generalisation comes long after memorisation"
    assert default_run.history["test_acc"].iloc[-1] > 0.99
    plateau = default_run.history[(default_run.history.step >= 100) & (default_run.history.step <= 400)]
    assert plateau["test_acc"].max() < 0.1, "test accuracy stays near chance after memorising"


def test_default_config_groks_near_step_1500(default_run: gk.GrokRun) -> None:
    # the GrokConfig docstring: with the defaults, test accuracy reaches 0.9 near step 1,500 of 2,000
    assert 1000 <= gk.milestones(default_run.history)["test_90"] <= 2000


def test_the_jump_is_there_in_the_continuous_metrics(default_run: gk.GrokRun) -> None:
    # chapter 9: "the jump is there in continuous metrics too"; every number is recomputed here from
    # the history, and jump_summary (what the chapter prints) must agree with it
    h = default_run.history
    steps, prob, loss = h["step"].to_numpy(), h["test_prob"].to_numpy(), h["test_loss"].to_numpy()
    fit = float(steps[np.argmax(h["train_acc"].to_numpy() >= 0.99)])
    plateau = (steps >= fit) & (steps <= 10 * fit)
    assert plateau.sum() >= 10, "the plateau spans many evaluations"
    # the mean probability of the right answer stays below chance (1/P) on the plateau ...
    assert prob[plateau].max() < 1 / default_run.config.modulus
    # ... then rises from 0.1 to 0.9 within less than a doubling of the step count (a small share of
    # the log-step axis), after a wait of more than ten times the fit step
    p10, p90 = float(steps[np.argmax(prob >= 0.1)]), float(steps[np.argmax(prob >= 0.9)])
    assert prob.max() >= 0.9
    assert p90 / p10 < 2, "the rise of the mean probability is steep"
    assert p10 / fit > 10, "the rise comes long after the training fit"
    assert np.log(p90 / p10) < 0.25 * np.log(steps[-1] / fit)
    # the test loss peaks after the training fit and stays near its worst value on the plateau
    peak_step = float(steps[np.argmax(loss)])
    assert peak_step > fit, "memorisation makes the test loss peak after the training fit"
    assert loss[plateau].min() > 0.8 * loss.max()
    assert loss[-1] < 0.1 * loss.max(), "then the test loss falls steeply"
    # the solution's "more than an order of magnitude later"
    test_90 = float(steps[np.argmax(h["test_acc"].to_numpy() >= 0.9)])
    assert test_90 / fit > 10
    jump = gk.jump_summary(h)
    assert jump == pytest.approx({"train_fit": fit, "loss_peak_step": peak_step, "loss_peak": loss.max(),
                                  "plateau_loss_min": loss[plateau].min(), "plateau_prob_max": prob[plateau].max(),
                                  "prob_10": p10, "prob_90": p90, "test_90": test_90})


def test_jump_summary_on_a_run_that_never_fits() -> None:
    jump = gk.jump_summary(gk.train(QUICK).history)
    assert np.isnan(jump["prob_90"]) and np.isnan(jump["test_90"])
    with pytest.raises(ValueError, match="plateau_factor"):
        gk.jump_summary(gk.train(QUICK).history, plateau_factor=0.5)


def test_items_rise_faster_than_the_mean(default_run: gk.GrokRun) -> None:
    steps = default_run.history["step"]
    mean_width = gk.rise_steps(steps, default_run.history["test_prob"])[0]
    item_widths = gk.rise_steps(steps, default_run.item_prob.T)
    assert np.nanmedian(item_widths) < mean_width


def test_rise_steps_and_milestones_on_known_curves() -> None:
    steps = np.arange(0, 100, 10)
    curve = np.array([0, 0, 0.1, 0.2, 0.5, 0.9, 1, 1, 1, 1])
    assert gk.rise_steps(steps, curve)[0] == 30
    assert np.isnan(gk.rise_steps(steps, np.zeros(10))[0])
    with pytest.raises(ValueError, match="curves"):
        gk.rise_steps(steps, np.zeros(3))
    with pytest.raises(ValueError, match="history"):
        gk.milestones(pd.DataFrame({"step": [0]}))
