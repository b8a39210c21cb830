"""Right answers (computed independently of the checks) and rejection tests for chapter 5's self-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from helpers import resolution as res
from helpers.arithmetic import tables
from helpers.coursework import SelfCheckError, check_name
from helpers.coursework import arithmetic as cwa
from tests.coursework import assert_rejects
from tests.test_arithmetic_tables import TABLE


# --- right answers, computed independently ----------------------------------------------------


def arith_geometric():
    """Fitted EM ratio per extra digit and pooled per-token accuracy of the 26,830-parameter sweep model."""
    from helpers.arithmetic import sweep

    table = sweep.load_results("mul_kx1")[0]
    p = float(tables.seed_curves(table, "token_accuracy").loc[26830, "mean"])
    return 26830, tables.geometric_ratio(table, 26830), p


def arith_chance():
    """Expected number of exact hits of a uniform random digit guesser on a held-out mul_kx1 split."""
    from helpers.arithmetic import tasks

    task = tasks.get_task("mul_kx1")
    split = task.split(500, 3)
    _, _, target_len = task.encode(split.pairs)
    return float((10.0 ** -target_len.double()).sum()), split


def arith_step_share():
    from helpers.arithmetic import sweep

    return tuple(tables.step_shares(sweep.load_results("mul_kx1")[0]).values())


def arith_guesser():
    """Smallest n (multiple of 1,000) at which round(3e-4 n) right has a Clopper-Pearson lower end above each level."""
    def first(level):
        for n in range(1000, 10**6, 1000):
            k = round(3e-4 * n)
            if k > 0 and stats.beta.ppf(0.025, k, n - k + 1) > level:
                return n
    return first(1 / 9000), first(1e-5)


def arith_stretch_at(L: int = 4):
    """The toy model fitted to exact match at length L: least squares of ln(-ln EM / L) on ln N, 0 < EM < 1."""
    from helpers.arithmetic import sweep

    table = sweep.load_results("mul_kx1")[0]
    rows = table[(table.metric == "exact_match") & (table.target_len == L)]
    em = rows.groupby("params")["value"].mean()
    em = em[(em > 0) & (em < 1)]
    slope, intercept = np.polyfit(np.log(em.index.to_numpy(float)), np.log(-np.log(em.to_numpy()) / L), 1)
    return float(slope), float(np.exp(-intercept / slope))


def arith_stretch():
    return arith_stretch_at(4)


RIGHT = {
    "ex-arith-stretch": arith_stretch,
    "ex-arith-geometric": arith_geometric,
    "ex-arith-guesser": arith_guesser,
    "ex-arith-chance": arith_chance,
    "ex-arith-step-share": arith_step_share,
}


# --- accepting and rejecting ---------------------------------------------------------------------


def test_arith_guesser_rejections() -> None:
    n_constant, n_digits = arith_guesser()
    assert "other chance level" in assert_rejects("ex-arith-guesser", n_digits, n_constant)
    assert "multiples of 1,000" in assert_rejects("ex-arith-guesser", n_constant + 500, n_digits)
    assert "smallest" in assert_rejects("ex-arith-guesser", 2 * n_constant, n_digits)
    assert "does not yet clear" in assert_rejects("ex-arith-guesser", n_constant, n_digits - 1000)
    # the normal interval: p - 1.96 sqrt(p (1 - p) / n), searched on the same grid
    wald = next(n for n in range(1000, 10**6, 1000)
                if (k := round(3e-4 * n)) and k / n - 1.96 * math.sqrt(k / n * (1 - k / n) / n) > 1 / 9000)
    assert wald != n_constant and "Wald" in assert_rejects("ex-arith-guesser", wald, n_digits)


def test_check_geometric_passes_the_right_answer_and_diagnoses_slips() -> None:
    N = 15518
    ratio = tables.geometric_ratio(TABLE, N)
    p = float(tables.seed_curves(TABLE, "token_accuracy").loc[N, "mean"])
    assert cwa.check_arith_geometric(N, ratio, p, table=TABLE).startswith("✓")
    with pytest.raises(SelfCheckError, match="exponential") as err:
        cwa.check_arith_geometric(N, np.log(ratio), p, table=TABLE)
    assert f"{ratio:.3f}" not in str(err.value)
    with pytest.raises(SelfCheckError, match="positive"):
        cwa.check_arith_geometric(N, -0.5, p, table=TABLE)
    with pytest.raises(SelfCheckError, match="error rate"):
        cwa.check_arith_geometric(N, ratio, 1 - p, table=TABLE)
    with pytest.raises(ValueError, match="params"):
        cwa.check_arith_geometric(999, ratio, p, table=TABLE)


def test_check_chance_uses_the_split() -> None:
    from helpers.arithmetic import tasks

    task = tasks.get_task("mul_kx1")
    split = task.split(500, seed=3)
    lengths = task.encode(split.pairs)[2].numpy().astype(float)
    want = float(np.sum(10.0**-lengths))
    assert cwa.check_arith_chance(want, split).startswith("✓")
    with pytest.raises(SelfCheckError, match="multiply"):
        cwa.check_arith_chance(want / len(split), split)
    with pytest.raises(SelfCheckError):
        cwa.check_arith_chance(want * 3, split)
    with pytest.raises(ValueError, match="split"):
        cwa.check_arith_chance(want, split.pairs)


def test_check_step_share() -> None:
    shares = tables.step_shares(TABLE)
    em = res.largest_step_share(tables.seed_curves(TABLE, "exact_match")["mean"].to_numpy())
    assert shares["exact_match"] == pytest.approx(em)
    assert cwa.check_arith_step_share(shares["exact_match"], shares["token_accuracy"], table=TABLE).startswith("✓")
    with pytest.raises(SelfCheckError, match="other metric"):
        cwa.check_arith_step_share(shares["token_accuracy"], shares["exact_match"], table=TABLE)
    with pytest.raises(SelfCheckError, match="between 0 and 1"):
        cwa.check_arith_step_share(1.5, shares["token_accuracy"], table=TABLE)


def test_arith_stretch_rejections() -> None:
    alpha, c = arith_stretch()
    assert -1.2 < alpha < -1.1 and 4000 < c < 4300  # the fit quoted in the instructor's rubric
    assert "negative" in assert_rejects("ex-arith-stretch", -alpha, c)
    assert "positive" in assert_rejects("ex-arith-stretch", alpha, -c)
    assert "without dividing by L" in assert_rejects("ex-arith-stretch", alpha, c * 4 ** (-1 / alpha))
    assert "intercept" in assert_rejects("ex-arith-stretch", alpha, float(np.exp(alpha * np.log(c))))
    alpha_6 = arith_stretch_at(6)[0]
    assert "L = 6" in assert_rejects("ex-arith-stretch", alpha_6, c)
    with pytest.raises(SelfCheckError, match="alpha"):
        cwa.check_arith_stretch(alpha * 1.1, c)


def test_checks_are_registered_by_label() -> None:
    assert set(cwa.CHECKS) == {"ex-arith-geometric", "ex-arith-chance", "ex-arith-step-share", "ex-arith-guesser",
                               "ex-arith-stretch"}
    assert all(fn.__name__ == check_name(label) for label, fn in cwa.CHECKS.items())
