"""Right answers (computed independently) and rejection tests for the chapter 8 self-checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import coursework as cw
from helpers.emergence import emergence_score
from helpers import null_models
from tests.coursework import assert_rejects

PARAMS = np.array([200.0, 500, 1e3, 3e3, 1e4, 3e4, 1e5])


def synthetic_errors() -> list[np.ndarray]:
    """Per-image squared errors whose log-median falls linearly in ln N (a smooth family), 300 images each."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal(300)
    return [np.exp(2.0 - 0.8 * math.log(p / 200.0) + 0.3 * z) for p in PARAMS]


def make_emergent_right() -> tuple:
    """A threshold found by brute force: the rise and the score are computed here with numpy."""
    errors = synthetic_errors()
    mse = emergence_score(PARAMS, [-e.mean() for e in errors])
    for c in np.geomspace(1e-3, 10, 200):
        curve = [float((e < c).mean()) for e in errors]
        if max(curve) - min(curve) >= 0.5 and emergence_score(PARAMS, curve) >= 3 * mse:
            return float(c), PARAMS, errors
    raise AssertionError("no threshold qualifies in the synthetic family")


def relative_by_hand(curve, lower_is_better: bool) -> float:
    """Eq. 1 over n - 1, written out with numpy (curve already sorted by scale), oriented so improvement is > 0."""
    y = -np.asarray(curve, dtype=float) if lower_is_better else np.asarray(curve, dtype=float)
    sign = 1.0 if np.argmax(y) > np.argmin(y) else -1.0
    return sign * np.ptp(y) / math.sqrt(np.median(np.diff(y) ** 2)) / (y.size - 1)


def sharp_threshold(errors) -> float:
    """A threshold whose Reconstruction_c curve looks emergent (R >= 2.5 by hand), found by brute force."""
    for c in np.geomspace(1e-2, 10, 300):
        curve = [float((e < c).mean()) for e in errors]
        if max(curve) - min(curve) >= 0.5 and np.median(np.diff(curve) ** 2) == 0:  # R = +inf
            return float(c)
    raise AssertionError("no threshold of the synthetic family looks emergent")


def remove_right() -> tuple:
    """Mean log error of each model (a graded metric) and its relative score, by hand."""
    errors = synthetic_errors()
    values = np.array([np.log(e).mean() for e in errors])
    return values, relative_by_hand(values, lower_is_better=True), PARAMS, errors, sharp_threshold(errors)


ROOT = Path(__file__).resolve().parents[2]


def read_rules_right() -> tuple:
    """Flagged and late-rising Reconstruction_c curves of the committed sweep, by hand: seeds averaged,
    R = oriented Eq. 1 / (n - 1) >= 2.5; late: largest step at position >= 0.5 of the n - 2 gaps;
    rise >= 0.1 (values are shares); no duplicates among thresholds of one metric are possible to
    count twice here (identical curves at two thresholds are only the constant ones, never flagged)."""
    table = pd.read_csv(ROOT / "results" / "vision_autoencoder.csv")
    table = table[table["metric"] == "reconstruction_c"]
    flagged = late = 0
    for _, rows in table.groupby("c"):
        y = rows.groupby("params")["value"].mean().sort_index().to_numpy()
        if np.ptp(y) == 0:
            continue
        median_step = np.median(np.diff(y) ** 2)
        r = math.inf if median_step == 0 else relative_by_hand(y, lower_is_better=False)
        if r >= 2.5:
            flagged += 1
            if np.argmax(np.diff(y)) / (y.size - 2) >= 0.5 and np.ptp(y) >= 0.1:
                late += 1
    return flagged, late


def stretch_right() -> tuple:
    """A metric of the smooth synthetic errors: mean over images of exp(-e_i / 0.5) ** 10, its R by hand,
    and the near-floor null's flag rate (accuracy 0 -> 0.05 linear in log N) by a plain simulation loop."""
    errors = synthetic_errors()
    values = np.array([np.mean(np.exp(-e / 0.5) ** 10) for e in errors])
    n_items = errors[0].size
    rng = np.random.default_rng(11)
    truth = np.linspace(0.0, 0.05, PARAMS.size)
    flags = 0
    for _ in range(4000):
        y = rng.binomial(n_items, truth) / n_items
        if np.ptp(y) == 0:
            continue
        if np.median(np.diff(y) ** 2) == 0:
            flags += np.argmax(y) > np.argmin(y)
        else:
            flags += relative_by_hand(y, lower_is_better=False) >= 2.5
    return values, PARAMS, relative_by_hand(values, lower_is_better=False), n_items, flags / 4000


RIGHT = {
    "ex-vision-half": lambda: (2 ** -0.2, 5 * 2 ** -0.8),
    "ex-vision-make-emergent": make_emergent_right,
    "ex-vision-remove-emergence": remove_right,
    "ex-vision-read-rules": read_rules_right,
    "ex-vision-stretch": stretch_right,
}


def test_half_rejects_common_slips() -> None:
    assert "power" in assert_rejects("ex-vision-half", 0.1, 5 * 2 ** -0.8)
    assert "factor K" in assert_rejects("ex-vision-half", 2 ** -0.2, 2 ** -0.8)
    assert "strictly between" in assert_rejects("ex-vision-half", 1.5, 1.0)


def test_make_emergent_rejects_thresholds_outside_the_errors() -> None:
    _, params, errors = make_emergent_right()
    assert "raise c" in assert_rejects("ex-vision-make-emergent", 1e-6, params, errors)
    assert "lower c" in assert_rejects("ex-vision-make-emergent", 1e6, params, errors)
    with pytest.raises(ValueError, match="c must"):
        cw.check_vision_make_emergent(-1.0, params, errors)
    with pytest.raises(ValueError, match="errors_by_model"):
        cw.check_vision_make_emergent(1.0, params, errors[:3])


def test_make_emergent_rejects_a_smooth_threshold() -> None:
    """A family whose errors spread over many decades: any threshold gives a gentle curve."""
    rng = np.random.default_rng(1)
    z = rng.standard_normal(400)
    errors = [np.exp(-0.3 * math.log(p / 200.0) + 4.0 * z) for p in PARAMS]
    message = assert_rejects("ex-vision-make-emergent", 1.0, PARAMS, errors)
    assert "not sharp enough" in message or "rises by less" in message


def test_remove_emergence_accepts_other_graded_metrics() -> None:
    _, _, params, errors, c = remove_right()
    mse = np.array([e.mean() for e in errors])
    assert cw.check_vision_remove_emergence(mse, relative_by_hand(mse, True), params, errors, c).startswith("✓")
    soft = np.array([np.mean(1 / (1 + np.exp(-(math.log(c) - np.log(e)) / 2.0))) for e in errors])  # a sigmoid cut
    assert cw.check_vision_remove_emergence(soft, relative_by_hand(soft, False), params, errors, c).startswith("✓")


def test_remove_emergence_rejects_slips() -> None:
    values, relative, params, errors, c = remove_right()
    sharp = np.array([(e < c).mean() for e in errors])
    assert "itself" in assert_rejects("ex-vision-remove-emergence", sharp, 0.5, params, errors, c)
    other = np.array([(e < 3 * c).mean() for e in errors])
    assert "another threshold" in assert_rejects("ex-vision-remove-emergence", other, 0.5, params, errors, c)
    assert "n - 1" in assert_rejects("ex-vision-remove-emergence", values, relative * (len(params) - 1),
                                     params, errors, c)
    assert "orient" in assert_rejects("ex-vision-remove-emergence", values, -relative, params, errors, c)
    assert "does not change" in assert_rejects("ex-vision-remove-emergence", np.ones(len(params)), 0.0,
                                               params, errors, c)
    assert "does not follow" in assert_rejects("ex-vision-remove-emergence", [1.0, 0, 1, 0, 1, 0, 1], 0.1,
                                               params, errors, c)
    steep = np.concatenate([np.zeros(4), np.ones(3)]) + 1e-3 * np.arange(7)  # a graded-looking jump
    assert "still looks emergent" in assert_rejects("ex-vision-remove-emergence", steep, 0.1, params, errors, c)
    assert "does not look emergent" in assert_rejects("ex-vision-remove-emergence", values, relative,
                                                      params, errors, 1e6)
    with pytest.raises(ValueError, match="values"):
        cw.check_vision_remove_emergence(values[:3], relative, params, errors, c)
    with pytest.raises(ValueError, match="c must"):
        cw.check_vision_remove_emergence(values, relative, params, errors, -1.0)
    with pytest.raises(ValueError, match="sorted"):
        cw.check_vision_remove_emergence(values, relative, params[::-1], errors, c)


def test_read_rules_right_answer_is_the_chapter_count() -> None:
    assert read_rules_right() == (18, 13)  # chapter 8, snapshot threshold-audit


def test_read_rules_rejects_slips() -> None:
    assert "every stored threshold" in assert_rejects("ex-vision-read-rules", 21, 13)
    assert "apply the rules" in assert_rejects("ex-vision-read-rules", 18, 18)
    assert "remove" in assert_rejects("ex-vision-read-rules", 18, 5)
    assert "once" in assert_rejects("ex-vision-read-rules", 18, 12)
    with pytest.raises(ValueError, match="n_flagged"):
        cw.check_vision_read_rules("many", 13)


def test_stretch_accepts_an_infinite_score_and_rejects_slips() -> None:
    values, params, relative, n_items, rate = stretch_right()
    floor_step = np.concatenate([np.zeros(5), [0.6, 0.95]])  # a late jump off a floor of 0: R = inf
    inf_rate = cw.check_vision_stretch(floor_step, params, math.inf, n_items, rate)
    assert inf_rate.startswith("✓")
    assert "infinite" in assert_rejects("ex-vision-stretch", floor_step, params, 12.0, n_items, rate)
    assert "n - 1" in assert_rejects("ex-vision-stretch", values, params, relative * (len(params) - 1),
                                     n_items, rate)
    assert "not flagged" in assert_rejects("ex-vision-stretch", np.linspace(0.1, 0.9, 7), params, 1.0,
                                           n_items, rate)
    early = np.array([0.05, 0.9, 0.92, 0.93, 0.94, 0.95, 0.96])
    assert "first half" in assert_rejects("ex-vision-stretch", early, params, 1.0, n_items, rate)
    tiny = np.array([0.94, 0.94, 0.94, 0.94, 0.94, 0.95, 1.0])
    assert "minimum-rise" in assert_rejects("ex-vision-stretch", tiny, params, math.inf, n_items, rate)
    assert "between 0 and 1" in assert_rejects("ex-vision-stretch", values * 100, params, relative, n_items, rate)
    assert "floor_rate" in assert_rejects("ex-vision-stretch", values, params, relative, n_items, rate + 0.2)


def test_stretch_names_the_mid_range_null_and_percentages() -> None:
    params = np.geomspace(1e3, 1e6, 4)
    values = np.array([0.0, 0.0, 0.0, 0.8])
    floor = cw.check_vision_stretch  # 4 sizes, 30 items: near floor about a third, mid-range about 5 %
    from helpers import emergence as em
    near = null_models.null_flag_rate(4, 30, num_tasks=20000, start=0, stop=0.05, seed=3)
    mid = null_models.null_flag_rate(4, 30, num_tasks=20000, seed=3)
    assert floor(values, params, math.inf, 30, near).startswith("✓")
    assert "mid-range" in assert_rejects("ex-vision-stretch", values, params, math.inf, 30, mid)
    assert "percentage" in assert_rejects("ex-vision-stretch", values, params, math.inf, 30, 100 * near)


def test_stretch_bad_input() -> None:
    values, params, relative, n_items, rate = stretch_right()
    with pytest.raises(ValueError, match="params"):
        cw.check_vision_stretch(values, params[::-1], relative, n_items, rate)
    with pytest.raises(ValueError, match="n_items"):
        cw.check_vision_stretch(values, params, relative, 0, rate)
    with pytest.raises(ValueError, match="values"):
        cw.check_vision_stretch(values[:3], params, relative, n_items, rate)
