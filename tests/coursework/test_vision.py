"""Right answers (computed independently) and rejection tests for the chapter 8 self-checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import coursework as cw
from helpers.emergence import emergence_score
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


RIGHT = {
    "ex-vision-half": lambda: (2 ** -0.2, 5 * 2 ** -0.8),
    "ex-vision-make-emergent": make_emergent_right,
    "ex-vision-remove-emergence": remove_right,
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
