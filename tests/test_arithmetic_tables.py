"""Summaries of an arithmetic sweep table (helpers.arithmetic.tables), on a small made-up table.

``TABLE`` (built here, with known values) is shared with the plotting and self-check tests of chapter 5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from helpers import resolution as res
from helpers.arithmetic import tables
from helpers.plotting import arithmetic as pa

PARAMS = (678, 4310, 15518, 58670)
SEEDS = (0, 1, 2)
LENGTHS = (2, 3, 4, 5, 6)
N_ITEMS = {2: 36, 3: 360, 4: 534, 5: 535, 6: 535}


def _em(params: int, seed: int, L: int) -> float:
    """A made-up exact match that rises with params, falls geometrically with L and differs by seed."""
    p = {678: 0.2, 4310: 0.4, 15518: 0.7, 58670: 0.95}[params]
    return float(np.clip(p**L * (1 + 0.1 * (seed - 1)), 0, 1))


def make_table() -> pd.DataFrame:
    """A small sweep table with the columns of evaluate.score plus params (values computed above)."""
    rows = []
    for N in PARAMS:
        for seed in SEEDS:
            for L in LENGTHS:
                em = _em(N, seed, L)
                tok = em ** (1 / L)
                values = {"exact_match": em, "token_accuracy": tok, "cross_entropy": -np.log(max(tok, 1e-3)),
                          "edit_distance": L * (1 - tok)}
                for metric, value in values.items():
                    rows.append(dict(task="mul_kx1", seed=seed, target_len=L, metric=metric, value=value,
                                     n_items=N_ITEMS[L], params=N, size=PARAMS.index(N)))
    return pd.DataFrame(rows)


TABLE = make_table()


# --- menus, and pooling, a law: pooling one length gives that length's rows back -------------------


def test_task_length_options_offer_only_lengths_each_task_has() -> None:
    single = TABLE[TABLE.target_len == 4].assign(task="mul_2x2")
    options = tables.task_length_options(pd.concat([TABLE, single]))
    assert options[0] == ("mul_2x2 (L = 4)", ("mul_2x2", None))
    assert options[1] == ("mul_kx1, all lengths", ("mul_kx1", None))
    assert [value for _, value in options[2:]] == [("mul_kx1", L) for L in LENGTHS]
    for _, (task, L) in options:  # every entry plots without error
        assert isinstance(pa.plot_metric_vs_scale(pd.concat([TABLE, single]), task=task, target_len=L), Figure)


@settings(max_examples=25, deadline=None)
@given(L=st.sampled_from(LENGTHS), metric=st.sampled_from(["exact_match", "edit_distance"]))
def test_pooling_one_length_is_that_length(L: int, metric: str) -> None:
    pooled = tables.pool_lengths(TABLE, metric, target_len=L)
    rows = TABLE[(TABLE.metric == metric) & (TABLE.target_len == L)].sort_values(["params", "seed"])
    np.testing.assert_allclose(pooled["value"], rows["value"])


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(0.01, 1.0))
def test_pooled_exact_match_lies_between_its_lengths(scale: float) -> None:
    table = TABLE.assign(value=TABLE.value * scale)
    pooled = tables.pool_lengths(table, "exact_match")
    per_len = table[table.metric == "exact_match"].groupby(["params", "seed"])["value"]
    lo, hi = per_len.min().to_numpy(), per_len.max().to_numpy()
    assert ((pooled["value"].to_numpy() >= lo - 1e-12) & (pooled["value"].to_numpy() <= hi + 1e-12)).all()


def test_geometric_ratio_recovers_a_geometric_law() -> None:
    # seed 1 of the fake table is exactly p**L; the seed mean is p**L times a constant
    assert tables.geometric_ratio(TABLE, 15518) == pytest.approx(0.7, rel=1e-9)


# --- exact-match counts against chance levels -----------------------------------------------------


def test_exact_match_counts_sum_items_over_lengths() -> None:
    counts = tables.exact_match_counts(TABLE)
    assert len(counts) == len(PARAMS) * len(SEEDS)
    row = counts[(counts.params == 4310) & (counts.seed == 2)].iloc[0]
    assert row.n == sum(N_ITEMS.values())
    assert row.k == sum(round(_em(4310, 2, L) * N_ITEMS[L]) for L in LENGTHS)


def test_versus_chance_gives_exact_intervals_and_their_ratio_to_each_level() -> None:
    counts = pd.DataFrame({"params": [10, 20, 30], "seed": [0, 0, 1], "k": [0, 18, 93], "n": [10_000] * 3})
    levels = {"random digits": 1.075e-4, "constant guess": 8.504e-4}
    compared = tables.versus_chance(counts, levels)
    lo, hi = res.binomial_ci(18, 10_000)
    row = compared.loc[(20, 0)]
    assert (row.lower, row.upper) == pytest.approx((lo, hi))
    assert row["lower / constant guess"] == pytest.approx(lo / 8.504e-4)
    assert 1.2 < row["lower / constant guess"] < 1.3 < 9.9 < row["lower / random digits"] < 10  # the review's numbers
    assert row["P(0 of 100)"] == pytest.approx((1 - 18 / 10_000) ** 100)
    verdicts = tables.verdicts(compared)
    assert verdicts.columns.tolist() == ["likely 0 of 100", "above random digits", "above constant guess",
                                         "0 of 100 yet above all"]
    assert verdicts["likely 0 of 100"].tolist() == [True, True, False]  # (1 - 0.0093)**100 = 0.39
    assert verdicts["0 of 100 yet above all"].tolist() == [False, True, False]
    assert tables.strongest_cleared(compared, levels).tolist() == ["none", "constant guess", "constant guess"]
    weak = tables.versus_chance(pd.DataFrame({"params": [1], "seed": [0], "k": [5], "n": [10_000]}), levels)
    assert tables.strongest_cleared(weak, levels).tolist() == ["random digits"]


@pytest.mark.parametrize("counts, levels, name", [
    (pd.DataFrame({"params": [1], "seed": [0], "k": [3]}), {"x": 0.1}, "n"),
    (pd.DataFrame({"params": [1], "seed": [0], "k": [11], "n": [10]}), {"x": 0.1}, "k"),
    (pd.DataFrame({"params": [1], "seed": [0], "k": [1], "n": [10]}), {}, "levels"),
    (pd.DataFrame({"params": [1], "seed": [0], "k": [1], "n": [10]}), {"x": 1.5}, "levels"),
    (pd.DataFrame(columns=["params", "seed", "k", "n"]), {"x": 0.1}, "counts"),
])
def test_versus_chance_bad_input_names_the_argument(counts, levels, name) -> None:
    with pytest.raises(ValueError, match=name):
        tables.versus_chance(counts, levels)


def test_verdicts_and_strongest_cleared_need_a_versus_chance_table() -> None:
    with pytest.raises(ValueError, match="versus_chance"):
        tables.verdicts(pd.DataFrame({"k": [1]}))
    compared = tables.versus_chance(pd.DataFrame({"params": [1], "seed": [0], "k": [1], "n": [10]}), {"x": 0.01})
    with pytest.raises(ValueError, match="versus_chance"):
        tables.strongest_cleared(compared, {"y": 0.01})


def test_name_models_groups_seeds_by_size() -> None:
    assert tables.name_models([(682, 0), (2118, 0), (2118, 1)]) == "N=682 (seed 0); N=2,118 (seeds 0, 1)"
    assert tables.name_models([]) == "none"
