"""Right answers (computed independently) and rejection tests for the chapter 8 self-checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import coursework as cw
from helpers.emergence import emergence_score

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


def classifier_table() -> pd.DataFrame:
    from helpers.vision import sweep

    return sweep.load_results("classifier")[0]


def remove_right() -> tuple:
    table = classifier_table()
    rows = table[(table["metric"] == "subset_accuracy") & (table["K"] == 5)]
    wide = rows.pivot(index="params", columns="seed", values="value").sort_index()
    root = wide.mean(axis=1).to_numpy() ** 0.2
    return root, emergence_score(wide.index.to_numpy(dtype=float), root)


RIGHT = {
    "ex-vision-half": lambda: (2 ** -0.2, 5 * 2 ** -0.8),
    "ex-vision-make-emergent": make_emergent_right,
    "ex-vision-remove-emergence": remove_right,
}


def test_half_rejects_common_slips() -> None:
    from tests.test_coursework import assert_rejects

    assert "power" in assert_rejects("ex-vision-half", 0.1, 5 * 2 ** -0.8)
    assert "factor K" in assert_rejects("ex-vision-half", 2 ** -0.2, 2 ** -0.8)
    assert "strictly between" in assert_rejects("ex-vision-half", 1.5, 1.0)


def test_make_emergent_rejects_thresholds_outside_the_errors() -> None:
    from tests.test_coursework import assert_rejects

    _, params, errors = make_emergent_right()
    assert "raise c" in assert_rejects("ex-vision-make-emergent", 1e-6, params, errors)
    assert "lower c" in assert_rejects("ex-vision-make-emergent", 1e6, params, errors)
    with pytest.raises(ValueError, match="c must"):
        cw.check_vision_make_emergent(-1.0, params, errors)
    with pytest.raises(ValueError, match="errors_by_model"):
        cw.check_vision_make_emergent(1.0, params, errors[:3])


def test_make_emergent_rejects_a_smooth_threshold() -> None:
    """A family whose errors spread over many decades: any threshold gives a gentle curve."""
    from tests.test_coursework import assert_rejects

    rng = np.random.default_rng(1)
    z = rng.standard_normal(400)
    errors = [np.exp(-0.3 * math.log(p / 200.0) + 4.0 * z) for p in PARAMS]
    message = assert_rejects("ex-vision-make-emergent", 1.0, PARAMS, errors)
    assert "not sharp enough" in message or "rises by less" in message


def test_remove_emergence_rejects_slips() -> None:
    from tests.test_coursework import assert_rejects

    root, score = remove_right()
    assert "K-th root" in assert_rejects("ex-vision-remove-emergence", root**5, score)
    assert "smallest" in assert_rejects("ex-vision-remove-emergence", root[::-1], score)
    subset_score = emergence_score(np.sort(classifier_table()["params"].unique()).astype(float), root**5)
    assert "subset accuracy itself" in assert_rejects("ex-vision-remove-emergence", root, subset_score)
    with pytest.raises(ValueError, match="values"):
        cw.check_vision_remove_emergence(root[:3], score)
