"""The committed sweep is reproducible: rerun one committed unit and compare with the committed numbers.

Training is deterministic on one machine (same seeds, same data streams); across machines and BLAS
builds float rounding can differ slightly, hence the tolerances. Wall time is the one column left out.
"""

import json

import numpy as np
import pytest
import torch

from helpers.arithmetic import sweep

SIZE = 2  # a small model whose rerun takes seconds, yet whose metrics are not all 0 or 1
TIMING = ["train_seconds"]


@pytest.fixture(scope="module")
def committed():
    table, config = sweep.load_results("mul_kx1")
    return table, config


def test_committed_results_match_their_config(committed) -> None:
    table, config = committed
    assert config == sweep.DEFAULT_SWEEPS[0], "results/ must hold what `make sweep` produces"
    assert set(table["size"]) == set(config.size_indices())
    assert set(table["seed"]) == set(config.seeds) and len(config.seeds) >= 3
    assert table["params"].max() / table["params"].min() > 10**2.5, "the family spans >= 2.5 decades"


def test_rerunning_one_unit_reproduces_the_committed_numbers(committed) -> None:
    table, config = committed
    torch.set_num_threads(1)
    rerun = sweep.run_unit(config, SIZE).drop(columns=TIMING)
    keys = ["seed", "target_len", "metric"]
    saved = table[table["size"] == SIZE].drop(columns=TIMING)
    merged = saved.merge(rerun, on=keys, suffixes=("_saved", "_rerun"), validate="one_to_one")
    assert len(merged) == len(saved) == len(rerun)
    np.testing.assert_allclose(merged["value_rerun"], merged["value_saved"], rtol=0.02, atol=0.01)
    assert (merged["params_rerun"] == merged["params_saved"]).all()


@pytest.mark.parametrize("path", sorted(sweep.RESULTS.glob("arithmetic_*.json"))
                         + sorted(sweep.RESOLUTION_RESULTS.glob("arithmetic_*.json")), ids=lambda p: p.parent.name + "/" + p.stem)
def test_committed_results_were_made_by_the_current_code(path) -> None:
    """A change to the code that computes the numbers must come with regenerated results (never silently stale)."""
    meta = json.loads(path.read_text())
    task = path.stem.removeprefix("arithmetic_")
    assert meta["code_version"] == sweep.code_version(), f"{path.with_suffix('.csv')} is stale: rerun its sweep ({task})"


def test_committed_resolution_sweep_scores_every_held_out_problem() -> None:
    """results/resolution/arithmetic_add_4x4.csv is what `make sweep-resolution` makes: 1e5 sums per model."""
    assert len(sorted(sweep.RESULTS.glob("arithmetic_*.json"))) == 3, "the three full sweeps"
    table, config = sweep.load_results("add_4x4", sweep.RESOLUTION_RESULTS)
    assert config == sweep.RESOLUTION_SWEEPS[0]
    assert set(table["size"]) == set(config.sizes) and set(table["seed"]) == set(config.seeds)
    exact = table[table["metric"] == "exact_match"]
    assert (exact["n_items"] == config.num_test).all() and config.num_test >= 10**5
    main, _ = sweep.load_results("add_4x4")
    same = main[main["size"].isin(config.sizes)].groupby("size")["params"].first()
    assert (table.groupby("size")["params"].first() == same).all(), "the same model sizes as the paper sweep"
