"""The sweep: a tidy table per task, cached units reused, bad cache entries recomputed, results round-trip."""

import pandas as pd
import pytest
import torch

from helpers.arithmetic import sweep
from helpers.cache import ResultCache

TINY = sweep.SweepConfig(task="mul_kx1", sizes=(0, 1), seeds=(0, 1), steps=4, warmup_steps=1, num_test=40,
                         batch_size=16)


@pytest.fixture(scope="module")
def table_and_cache(tmp_path_factory):
    torch.set_num_threads(1)
    cache_dir = tmp_path_factory.mktemp("cache")
    return sweep.run_sweep(TINY, cache_dir=cache_dir, workers=1, progress=False), cache_dir


def test_table_is_tidy(table_and_cache) -> None:
    table, _ = table_and_cache
    keys = ["size", "seed", "target_len", "metric"]
    assert not table.duplicated(keys).any(), "one row per size x seed x target length x metric"
    assert set(table["size"]) == {0, 1} and set(table["seed"]) == {0, 1}
    assert set(table["target_len"]) == {2, 3, 4, 5, 6}, "mul_kx1 has answers of 2..6 tokens"
    for metric in ("cross_entropy", "token_accuracy", "exact_match", "edit_distance", "answer_logprob",
                   "multiple_choice_grade", "brier_score", "exact_match_first_1"):
        assert metric in set(table["metric"]), metric
    counts = table.groupby(["target_len", "size", "seed"]).size()
    assert (counts.groupby("target_len").nunique() == 1).all(), "every model is scored on the same metrics"
    params = table.groupby("size")["params"].first()
    assert params[0] < params[1]


def test_cached_units_are_reused(table_and_cache, monkeypatch) -> None:
    table, cache_dir = table_and_cache

    def no_training(*args, **kwargs):
        raise AssertionError("a cached unit was trained again")

    monkeypatch.setattr(sweep, "run_unit", no_training)
    again = sweep.run_sweep(TINY, cache_dir=cache_dir, workers=1, progress=False)
    pd.testing.assert_frame_equal(again, table, check_dtype=False)


def test_corrupt_unit_is_reported_and_recomputed(table_and_cache, capsys, monkeypatch) -> None:
    table, cache_dir = table_and_cache
    csv_path, _ = ResultCache(cache_dir, code_version=sweep.code_version()).paths(TINY.unit(1))
    csv_path.write_text(csv_path.read_text().replace("exact_match", "exact_mitch", 1))
    calls = []
    real_unit = sweep.run_unit

    def counting_unit(config, size, **kwargs):
        calls.append(size)
        return real_unit(config, size, **kwargs)

    monkeypatch.setattr(sweep, "run_unit", counting_unit)
    again = sweep.run_sweep(TINY, cache_dir=cache_dir, workers=1, progress=False)
    assert calls == [1], "only the corrupt unit is retrained"
    assert "checksum" in capsys.readouterr().err
    timing = ["train_seconds"]  # wall time is the one column that may differ
    pd.testing.assert_frame_equal(again.drop(columns=timing), table.drop(columns=timing), check_dtype=False)


def test_results_round_trip(table_and_cache, tmp_path) -> None:
    table, _ = table_and_cache
    sweep.save_results(TINY, table, tmp_path)
    loaded, config = sweep.load_results("mul_kx1", tmp_path)
    assert config == TINY
    pd.testing.assert_frame_equal(loaded, table, check_dtype=False, atol=1e-5)


def test_bad_configs_name_the_argument() -> None:
    with pytest.raises(ValueError, match="sizes"):
        sweep.SweepConfig(sizes=(99,))
    with pytest.raises(ValueError, match="precision"):
        sweep.SweepConfig(precision="fp8")
    with pytest.raises(ValueError, match="seeds"):
        sweep.SweepConfig(seeds=())
    with pytest.raises(ValueError, match="task"):
        sweep.SweepConfig(task="division")


def test_auto_precision_is_bf16_only_where_the_cpu_has_bf16_units(monkeypatch) -> None:
    assert isinstance(sweep.native_bf16(), bool)
    wide = sweep.SweepConfig().family()[-1]
    assert wide.d_model >= 32
    monkeypatch.setattr(sweep, "native_bf16", lambda: False)
    assert sweep.machine_precision(wide) == "fp32"
    assert sweep.SweepConfig().train_config(9).precision == "fp32"
    assert sweep.SweepConfig().unit(9).precision == "fp32", "the cache key names the precision actually run"
    assert sweep.SweepConfig(precision="bf16").unit(9).precision == "bf16", "an explicit precision is kept"
    monkeypatch.setattr(sweep, "native_bf16", lambda: True)
    assert sweep.machine_precision(wide) == "bf16"
    assert sweep.SweepConfig().unit(9).precision == "bf16"
    assert sweep.machine_precision(sweep.SweepConfig().family()[0]) == "fp32", "tiny widths stay fp32"


def test_resolution_results_live_in_their_own_folder(table_and_cache, tmp_path) -> None:
    table, _ = table_and_cache
    folder = tmp_path / sweep.RESOLUTION_RESULTS.name
    path = sweep.save_results(TINY, table, folder, resolution=True)
    assert path.parent == folder and not list(tmp_path.glob("*.csv")), "results/*.csv stays full size families"
    loaded, config = sweep.load_results("mul_kx1", folder)
    assert config == TINY
    assert "--resolution" in path.with_suffix(".json").read_text()
    with pytest.raises(FileNotFoundError, match="make sweep-resolution"):
        sweep.load_results("add_4x4", folder)
    with pytest.raises(FileNotFoundError, match="make sweep`"):
        sweep.load_results("add_4x4", tmp_path)


def test_resolution_sweeps_hold_out_far_more_problems_than_the_paper_sweeps() -> None:
    paper = {s.task: s for s in sweep.PAPER_SWEEPS}
    for config in sweep.RESOLUTION_SWEEPS:
        main = paper[config.task]
        assert config.num_test >= 25 * main.num_test, "the point is many more held-out problems"
        assert config.steps == main.steps and config.seeds == main.seeds, "trained like the paper sweep"
        assert config.sizes, "only the small sizes are rerun"


@pytest.mark.parametrize("argv, message", [
    (["--quick", "--resolution"], "pick one"),
    (["--resolution", "--task", "mul_kx1"], "no resolution sweep"),
])
def test_command_line_refuses_contradictory_requests(argv, message, capsys) -> None:
    with pytest.raises(SystemExit):
        sweep.main(argv)
    assert message in capsys.readouterr().err
