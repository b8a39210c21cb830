"""Right answers (computed independently, from the raw long table with numpy and scipy) and rejection tests
for the chapter 10 self-checks."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.coursework import published as cp
from helpers import published
from tests.coursework import assert_rejects


@lru_cache(maxsize=1)
def table() -> pd.DataFrame:
    return published.load()


def eq1(y: np.ndarray) -> float:
    """Eq. 1 of the mirage paper for values already sorted by scale."""
    y = np.asarray(y, dtype=float)
    step = math.sqrt(float(np.median(np.diff(y) ** 2)))
    sign = 1.0 if np.argmax(y) > np.argmin(y) else -1.0
    return sign * (y.max() - y.min()) / step if step > 0 else sign * math.inf


def binned_median(flops: np.ndarray, values: np.ndarray, per_decade: int = 2) -> tuple[np.ndarray, np.ndarray]:
    bins = np.floor(np.log10(flops) * per_decade)
    keys = np.unique(bins)
    return keys, np.array([np.median(values[bins == k]) for k in keys])


def predict_brier() -> tuple:
    t = table()
    out = []
    for metric, sign in (("acc", 1), ("brier", -1)):
        rows = t[(t["source"] == "u-shaped") & (t["task"] == "analogical_similarity") & (t["metric"] == metric)
                 & t["group"].isna() & t["flops"].notna()]
        _, med = binned_median(rows["flops"].to_numpy(float), rows["value"].to_numpy(float))
        out.append(sign * eq1(med) / (len(med) - 1))
    return tuple(out)


def zeros() -> tuple:
    upper = 1 - 0.025 ** (1 / 32)
    assert upper == pytest.approx(stats.beta.ppf(0.975, 1, 32))
    n = 1
    while 1 - 0.025 ** (1 / n) >= 1 / 32:
        n += 1
    return upper, n


def groups() -> tuple:
    t = table()
    out = []
    for g in (1, 3):
        rows = t[(t["source"] == "u-shaped") & (t["task"] == "mmlu") & (t["metric"] == "brier")
                 & (t["n_groups"] == 3) & (t["group"] == g) & t["flops"].notna()]
        keys, med = binned_median(rows["flops"].to_numpy(float), rows["value"].to_numpy(float))
        centre = 10 ** ((keys + 0.5) / 2)
        below = med[centre < 1e23]
        out.append(float(below[-1] - below[0]))
    return tuple(out)


def stretch() -> tuple:
    t = table()
    rows = t[(t["source"] == "sloth") & (t["instruct"] == False) & t["task"].str.contains("MATH|math_")  # noqa: E712
             & t["params"].notna()]
    scored = flagged = 0
    for _, c in rows.groupby(["family", "task"]):
        if c["params"].nunique() < 3 or c["params"].nunique() < c["model"].nunique():
            continue  # fewer than 3 sizes, or two models of one size
        c = c.sort_values("params")
        scored += 1
        flagged += eq1(c["value"].to_numpy()) / (len(c) - 1) >= 2.5
    return scored, flagged


RIGHT = {
    "ex-pub-predict-brier": predict_brier,
    "ex-pub-zeros": zeros,
    "ex-pub-groups": groups,
    "ex-pub-stretch": stretch,
}


def test_the_exercises_make_their_point() -> None:
    r_acc, r_brier = predict_brier()
    assert r_brier > r_acc  # the surprise of ex-pub-predict-brier: the Brier curve is the sharper one
    easy, hard = groups()
    assert easy > 0 > hard  # the easiest third gets worse, the hardest better
    assert stretch()[1] >= 1


def test_predict_brier_rejections() -> None:


    r_acc, r_brier = predict_brier()
    assert "swapped" in assert_rejects("ex-pub-predict-brier", r_brier, r_acc)
    assert "flip its sign" in assert_rejects("ex-pub-predict-brier", r_acc, -r_brier)
    assert "minus one" in assert_rejects("ex-pub-predict-brier", r_acc * 7, r_brier)
    assert "r_acc" in assert_rejects("ex-pub-predict-brier", r_acc + 0.5, r_brier)
    with pytest.raises(ValueError, match="r_acc"):
        cp.check_pub_predict_brier("high", r_brier)


def test_zeros_rejections() -> None:


    upper, n = zeros()
    assert "rule of three" in assert_rejects("ex-pub-zeros", 3 / 32, n)
    assert "one-sided" in assert_rejects("ex-pub-zeros", 1 - 0.05 ** (1 / 32), n)
    assert "next whole number" in assert_rejects("ex-pub-zeros", upper, n - 1)
    assert "whole number" in assert_rejects("ex-pub-zeros", upper, n + 0.4)
    assert "(b) n" in assert_rejects("ex-pub-zeros", upper, 2 * n)
    with pytest.raises(ValueError, match="n_needed"):
        cp.check_pub_zeros(upper, None)


def test_groups_rejections() -> None:


    easy, hard = groups()
    assert "other group" in assert_rejects("ex-pub-groups", hard, easy)
    assert "last bin minus first" in assert_rejects("ex-pub-groups", -easy, hard)
    assert "change_hard" in assert_rejects("ex-pub-groups", easy, hard + 0.05)
    with pytest.raises(ValueError, match="change_easy"):
        cp.check_pub_groups(float("nan"), hard)


def test_stretch_rejections() -> None:


    scored, flagged = stretch()
    assert "instruction-tuned" in assert_rejects("ex-pub-stretch", cp._stretch_counts(False, True)[0], flagged)
    assert "seven" in assert_rejects("ex-pub-stretch", cp._stretch_counts(True, False)[0], flagged)
    assert "n_flagged" in assert_rejects("ex-pub-stretch", scored, flagged + 3)
    assert "swapped" in assert_rejects("ex-pub-stretch", flagged, scored)
