"""Right answers (computed independently) and rejection tests for the chapter 6 self-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from helpers import emergence as em
from helpers import null_models
from helpers.coursework import emergence as ce
from tests.coursework import assert_rejects


def three_sizes() -> tuple:
    a, b = sp.symbols("a b", positive=True)
    score = (a + b) / sp.sqrt((a**2 + b**2) / 2)
    t = sp.symbols("t", positive=True)  # t = b / a
    f = sp.simplify(score.subs(b, t * a))
    crit = sp.solve(sp.diff(f, t), t)
    return float(f.subs(t, crit[0])), float(sp.limit(f, t, 0))


def _rate_by_loop(n_sizes: int, n_items: int = 100, tasks: int = 6000, seed: int = 7) -> float:
    rng = np.random.default_rng(seed)
    truth = np.linspace(0.3, 0.5, n_sizes)
    x = np.logspace(8, 11, n_sizes)
    flags = 0
    for _ in range(tasks):
        y = rng.binomial(n_items, truth) / n_items
        flags += em.emergence_score(x, y) / (n_sizes - 1) >= em.DEFAULT_THRESHOLD
    return flags / tasks


def chance_rate() -> tuple:
    return _rate_by_loop(4), _rate_by_loop(5), 100


def metric_share() -> tuple:
    bench = null_models.synthetic_benchmark(null_models.BenchmarkConfig())
    flagged_metrics, ce_early = [], []
    for (_, metric), g in bench.groupby(["task", "metric"]):
        g = g.sort_values("params")
        y = g["value"].to_numpy()
        flip = -1 if metric in em.LOWER_IS_BETTER else 1
        r = flip * em.emergence_score(g["params"], y) / (len(y) - 1)
        if r >= em.DEFAULT_THRESHOLD:
            flagged_metrics.append(metric)
            if metric == "cross_entropy":
                ce_early.append(int(np.argmax(flip * np.diff(y))) == 0)
    share = float(np.mean([m in ("exact_match", "multiple_choice_grade") for m in flagged_metrics]))
    return share, float(np.mean(ce_early)) if ce_early else 0.0


RIGHT = {
    "ex-emerge-three-sizes": three_sizes,
    "ex-emerge-chance-rate": chance_rate,
    "ex-emerge-metric-share": metric_share,
}


def test_three_sizes_rejections() -> None:
    assert "maximum" in assert_rejects("ex-emerge-three-sizes", math.sqrt(2), math.sqrt(2))
    assert "max_score" in assert_rejects("ex-emerge-three-sizes", 3.0, math.sqrt(2))
    assert "1/2" in assert_rejects("ex-emerge-three-sizes", 2.0, 1.0)


def test_chance_rate_rejections() -> None:
    r4, r5 = ce._rate(4, 100), ce._rate(5, 100)
    assert r4 - r5 > 2 * ce.CHANCE_ATOL  # the exercise's point: 4 sizes flag more often than 5
    assert "swapped" in assert_rejects("ex-emerge-chance-rate", r5, r4)
    assert "percentage" in assert_rejects("ex-emerge-chance-rate", 100 * r4, r5)
    assert "rate_4" in assert_rejects("ex-emerge-chance-rate", 0.5, r5)
    with pytest.raises(ValueError, match="n_items"):
        ce.check_emerge_chance_rate(r4, r5, n_items=0)


def test_metric_share_rejections() -> None:
    share, early = RIGHT["ex-emerge-metric-share"]()
    assert "percentage" in assert_rejects("ex-emerge-metric-share", 100 * share, early)
    if 0.05 < early < 0.95:
        assert "NOT" in assert_rejects("ex-emerge-metric-share", share, 1 - early)
    assert "share_em_mcg" in assert_rejects("ex-emerge-metric-share", share / 3, early)


def test_bad_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="max_score"):
        ce.check_emerge_three_sizes("two", 1.4)
    with pytest.raises(ValueError, match="max_score"):
        ce.check_emerge_three_sizes(math.inf, 1.4)
