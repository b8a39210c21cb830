"""helpers.vision.datasets and models: offline data with no side effects, exact parameter counts, families."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.vision import datasets as ds
from helpers.vision import models as m


@pytest.fixture(scope="module")
def small_mnist1d():
    return ds.mnist1d(ds.Mnist1dConfig(num_samples=200))


def test_mnist1d_is_generated_offline_deterministically_without_touching_global_rng(small_mnist1d, monkeypatch) -> None:
    import mnist1d.data

    def no_download(*args, **kwargs):
        raise AssertionError("get_dataset downloads; it must never be called")

    monkeypatch.setattr(mnist1d.data, "get_dataset", no_download)
    monkeypatch.setattr("requests.get", no_download)
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    again = ds.mnist1d(ds.Mnist1dConfig(num_samples=200))
    assert np.random.random() == before, "loading data must not change numpy's global random state"
    np.testing.assert_array_equal(again.x_train, small_mnist1d.x_train)
    assert small_mnist1d.x_train.shape == (160, 40) and small_mnist1d.x_test.shape == (40, 40)
    assert small_mnist1d.x_train.dtype == np.float32 and set(small_mnist1d.y_train) <= set(range(10))


def test_digits_split_is_stratified_and_scaled() -> None:
    data = ds.digits()
    assert data.x_train.shape[1] == 64 and len(data.y_train) + len(data.y_test) == 1797
    assert 0 <= data.x_train.min() and data.x_train.max() <= 1
    assert len(data.y_test) == 540 and np.bincount(data.y_test).min() >= 50


def test_make_sequences_pads_past_the_length() -> None:
    x, y = np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10)
    xs, ys, lengths = ds.make_sequences(x, y, num=50, max_len=4, seed=0)
    assert xs.shape == (50, 4, 2) and ys.shape == (50, 4) and set(lengths) <= {1, 2, 3, 4}
    for row, L in zip(ys, lengths):
        assert (row[L:] == -1).all() and (row[:L] >= 0).all()
    _, ys3, l3 = ds.make_sequences(x, y, num=5, max_len=4, seed=0, length=3)
    assert (l3 == 3).all() and (ys3[:, 3] == -1).all()
    np.testing.assert_array_equal(ds.make_sequences(x, y, 5, 4, 1)[1], ds.make_sequences(x, y, 5, 4, 1)[1])


@pytest.mark.parametrize("bad", [dict(num_samples=5), dict(train_split=1.0), dict(seed=-1)])
def test_bad_data_configs_name_the_argument(bad) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        ds.Mnist1dConfig(**bad)


@pytest.mark.parametrize("family", [m.cnn_family(), m.ae_family(), m.seq_family()], ids=["cnn", "ae", "seq"])
def test_families_span_two_decades_with_exact_counts(family) -> None:
    counts = [m.count_params(cfg) for cfg in family]
    assert len(family) >= 6 and counts == sorted(counts) and counts[-1] / counts[0] >= 100
    for cfg in family:
        module = m.build(cfg, seed=0)
        assert sum(p.numel() for p in module.parameters()) == m.count_params(cfg)


def test_count_params_closed_forms() -> None:
    assert m.count_params(m.CNNConfig(1)) == 228  # conv 5+1, conv 2*5+2, linear 20*10+10
    assert m.count_params(m.AEConfig(1)) == 193  # 64 + 1 + 64 + 64
    assert m.count_params(m.AEConfig(3, input_dim=10)) == 2 * 10 * 3 + 3 + 10


def test_modules_have_the_right_shapes_and_seeded_weights() -> None:
    x = torch.randn(3, 40)
    assert m.build(m.CNNConfig(2), 0)(x).shape == (3, 10)
    assert m.build(m.AEConfig(4), 0)(torch.rand(3, 64)).shape == (3, 64)
    seq = m.build(m.SeqConfig(8, 2), 0)
    out = seq(torch.randn(2, 5, 40))
    assert out.shape == (2, 5, 10)
    a, b = m.build(m.CNNConfig(3), 7), m.build(m.CNNConfig(3), 7)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_sequence_model_is_causal() -> None:
    seq = m.build(m.SeqConfig(8, 2), 0).eval()
    x = torch.randn(1, 5, 40)
    y = x.clone()
    y[0, 3:] = torch.randn(2, 40)
    with torch.no_grad():
        torch.testing.assert_close(seq(x)[0, :3], seq(y)[0, :3])


@pytest.mark.parametrize("make", [lambda: m.CNNConfig(0), lambda: m.CNNConfig(2, input_len=42),
                                  lambda: m.AEConfig(0), lambda: m.SeqConfig(6, 1, n_heads=4)])
def test_bad_model_configs_raise(make) -> None:
    with pytest.raises(ValueError):
        make()


def test_build_rejects_other_configs() -> None:
    with pytest.raises(ValueError, match="config"):
        m.build("cnn", 0)
    with pytest.raises(ValueError, match="config"):
        m.count_params(3)
