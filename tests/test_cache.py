"""The result cache: keys follow config and code, entries round-trip, bad entries are never returned."""

from dataclasses import dataclass

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.cache import CacheError, ResultCache, canonical, config_hash, source_hash, run_cached


@dataclass(frozen=True)
class Inner:
    width: int = 8  # a nested field


@dataclass(frozen=True)
class Config:
    task: str = "mul_2x2"  # task name
    seeds: tuple = (0, 1, 2)  # seeds
    lr: float = 3e-3  # learning rate
    inner: Inner = Inner()  # nested dataclass


TABLE = pd.DataFrame({"metric": ["exact_match", "cross_entropy"], "value": [0.25, 1.5]})


def test_key_depends_on_every_field_and_on_code_version() -> None:
    base = config_hash(Config())
    assert config_hash(Config()) == base
    for other in (Config(task="add_4x4"), Config(seeds=(0, 1)), Config(lr=1e-3), Config(inner=Inner(16))):
        assert config_hash(other) != base
    assert config_hash(Config(), code_version="abc") != base


@given(st.dictionaries(st.text(max_size=5), st.integers(), max_size=6))
def test_key_ignores_mapping_order(d: dict) -> None:
    assert config_hash(d) == config_hash(dict(reversed(list(d.items()))))


def test_canonical_rejects_unhashable_values() -> None:
    with pytest.raises(ValueError, match="no stable hash"):
        canonical({"x": float("nan")})
    with pytest.raises(ValueError, match="has no stable hash"):
        canonical({"x": object()})


def test_round_trip_and_miss(tmp_path) -> None:
    cache = ResultCache(tmp_path, code_version="v1")
    assert cache.load(Config()) is None
    cache.save(Config(), TABLE, seconds=1.5)
    pd.testing.assert_frame_equal(cache.load(Config()), TABLE)
    assert cache.load(Config(lr=1e-3)) is None
    assert ResultCache(tmp_path, code_version="v2").load(Config()) is None, "new code must not reuse old results"
    assert not list(tmp_path.glob("*.tmp")), "temporary files left behind"


def test_corrupt_table_is_detected(tmp_path) -> None:
    cache = ResultCache(tmp_path)
    table_path = cache.save(Config(), TABLE)
    table_path.write_text(table_path.read_text().replace("0.25", "0.95"))
    with pytest.raises(CacheError, match="checksum"):
        cache.load(Config())


def test_missing_or_broken_metadata_is_detected(tmp_path) -> None:
    cache = ResultCache(tmp_path)
    table_path, meta_path = cache.paths(Config())
    cache.save(Config(), TABLE)
    meta_path.write_text("{not json")
    with pytest.raises(CacheError, match="unreadable"):
        cache.load(Config())
    meta_path.unlink()
    with pytest.raises(CacheError, match="incomplete"):
        cache.load(Config())


def test_entry_from_another_config_is_detected(tmp_path) -> None:
    cache = ResultCache(tmp_path)
    cache.save(Config(task="add_4x4"), TABLE)
    src_t, src_m = cache.paths(Config(task="add_4x4"))
    dst_t, dst_m = cache.paths(Config())
    src_t.rename(dst_t)
    src_m.rename(dst_m)
    with pytest.raises(CacheError, match="another configuration"):
        cache.load(Config())


def test_source_hash_follows_contents(tmp_path) -> None:
    a = tmp_path / "a.py"
    a.write_text("x = 1\n")
    before = source_hash([a])
    assert source_hash([a]) == before
    a.write_text("x = 2\n")
    assert source_hash([a]) != before


def _square_table(unit: int) -> tuple[pd.DataFrame, float]:
    """A unit's 'result' for run_cached (module level, so spawned workers can unpickle it)."""
    return pd.DataFrame({"unit": [unit], "value": [unit * unit]}), 0.0


def _never(unit: int) -> tuple[pd.DataFrame, float]:
    raise AssertionError(f"unit {unit} was computed again instead of loaded from the cache")


@pytest.mark.parametrize("workers", [1, 2])
def test_run_cached_computes_once_then_loads(tmp_path, workers) -> None:
    cache = ResultCache(tmp_path, code_version="v1")
    config_of = lambda unit: {"unit": unit}  # noqa: E731
    first = run_cached([3, 1, 2], _square_table, cache, config_of=config_of, workers=workers, progress=False)
    assert sorted(first) == [1, 2, 3] and int(first[3]["value"].iloc[0]) == 9
    again = run_cached([3, 1, 2], _never, cache, config_of=config_of, workers=workers, progress=False)
    for unit in (1, 2, 3):
        pd.testing.assert_frame_equal(again[unit], first[unit], check_dtype=False)


def test_run_cached_recomputes_a_corrupt_entry(tmp_path, capsys) -> None:
    cache = ResultCache(tmp_path)
    run_cached([1, 2], _square_table, cache, config_of=lambda u: {"unit": u}, progress=False)
    csv_path, _ = cache.paths({"unit": 2})
    csv_path.write_text(csv_path.read_text().replace("4", "5"))
    calls = []

    def counting(unit):
        calls.append(unit)
        return _square_table(unit)

    tables = run_cached([1, 2], counting, cache, config_of=lambda u: {"unit": u}, progress=False)
    assert calls == [2] and int(tables[2]["value"].iloc[0]) == 4
    assert "recomputing" in capsys.readouterr().err
    with pytest.raises(ValueError, match="workers"):
        run_cached([1], _square_table, cache, config_of=lambda u: {"unit": u}, workers=0)
