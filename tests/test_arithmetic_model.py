"""The ensemble transformer: shapes, causality, exact parameter counts, member independence, the family."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.arithmetic.model import EnsembleTransformer, ModelConfig, count_params, family

torch.set_num_threads(1)

TINY = ModelConfig(vocab_size=12, seq_len=9, d_model=16, n_layers=2, n_heads=2, d_mlp=24)


def _tokens(E: int, B: int, T: int, V: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, V, (E, B, T), generator=torch.Generator().manual_seed(seed))


def test_forward_shape_dtype_and_shorter_sequences() -> None:
    model = EnsembleTransformer(TINY, 3)
    X = _tokens(3, 5, 9, 12)
    logits = model(X)
    assert logits.shape == (3, 5, 9, 12) and logits.dtype == torch.float32
    assert torch.isfinite(logits).all()
    # the vocabulary-first layout holds the same numbers
    torch.testing.assert_close(model.logits_vocab_first(X).permute(0, 2, 3, 1), logits, rtol=0, atol=0)
    # a prefix of length 4 gives the first 4 positions' logits (the model is causal)
    torch.testing.assert_close(model(X[:, :, :4]), logits[:, :, :4], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bad", [(2, 5, 9), (5, 9), (3, 5, 10), (3, 5, 0)])
def test_forward_rejects_wrong_shapes(bad) -> None:
    model = EnsembleTransformer(TINY, 3)
    with pytest.raises(ValueError, match="X"):
        model(torch.zeros(bad, dtype=torch.long))


@settings(max_examples=25)
@given(j=st.integers(1, 8), new=st.integers(0, 11), seed=st.integers(0, 2**16))
def test_causal_a_future_token_never_changes_earlier_logits(j: int, new: int, seed: int) -> None:
    model = EnsembleTransformer(TINY, 2, seeds=(seed, seed + 1))
    X = _tokens(2, 4, 9, 12, seed)
    Y = X.clone()
    Y[:, :, j] = new
    with torch.no_grad():
        a, b = model(X), model(Y)
    torch.testing.assert_close(a[:, :, :j], b[:, :, :j], rtol=0, atol=0)
    changed = (X[:, :, j] != new)  # where the token really changed, position j's logits must move
    if changed.any():
        assert (a[:, :, j] - b[:, :, j]).abs().amax(-1)[changed].min() > 0


@settings(max_examples=30)
@given(
    V=st.integers(2, 20), T=st.integers(1, 16), heads=st.integers(1, 4), hd=st.integers(1, 8),
    L=st.integers(1, 3), M=st.integers(1, 40), E=st.integers(1, 3),
)
def test_count_params_is_exact(V: int, T: int, heads: int, hd: int, L: int, M: int, E: int) -> None:
    config = ModelConfig(V, T, heads * hd, L, heads, M)
    model = EnsembleTransformer(config, E)
    total = sum(p.numel() for p in model.parameters())
    assert total == E * count_params(config)
    assert model.member_params() == count_params(config)


def test_count_params_by_hand() -> None:
    # V=14, T=13, D=4, 2 layers, MLP 16: embeddings 14*4 + 13*4, per block 2*4 + (48+12) + (16+4)
    # + 2*4 + (64+16) + (64+4) = 244, final LN 8, unembedding 4*14 + 14
    config = ModelConfig(14, 13, 4, 2, 1, 16)
    assert count_params(config) == 56 + 52 + 2 * 244 + 8 + 70


def test_family_spans_enough_decades() -> None:
    configs = family(14, 13)
    sizes = [count_params(c) for c in configs]
    assert len(configs) >= 7
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert 1e2 < sizes[0] < 3e3 and 3e5 < sizes[-1] < 3e6
    assert math.log10(sizes[-1] / sizes[0]) >= 2.5
    # no gap wider than half a decade between neighbouring sizes
    assert max(math.log10(b / a) for a, b in zip(sizes, sizes[1:])) <= 0.6
    assert all(c.vocab_size == 14 and c.seq_len == 13 for c in configs)


def test_member_equals_standalone_model_with_the_same_seed() -> None:
    X = _tokens(3, 6, 9, 12, seed=1)
    ensemble = EnsembleTransformer(TINY, 3, seeds=(5, 7, 9))
    alone = EnsembleTransformer(TINY, 1, seeds=(7,))
    for (name, p), q in zip(ensemble.named_parameters(), alone.parameters()):
        torch.testing.assert_close(p[1:2], q, rtol=0, atol=0, msg=name)
    with torch.no_grad():
        torch.testing.assert_close(ensemble(X)[1], alone(X[1:2])[0], rtol=1e-6, atol=1e-6)


def test_seeds_give_different_members_and_reproduce() -> None:
    a = EnsembleTransformer(TINY, 2, seeds=(0, 1))
    b = EnsembleTransformer(TINY, 2, seeds=(0, 1))
    assert not torch.equal(a.b0_qkv_w[0], a.b0_qkv_w[1])
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert EnsembleTransformer(TINY, 2).seeds == (0, 1)


def test_global_rng_untouched() -> None:
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    EnsembleTransformer(TINY, 2)
    torch.testing.assert_close(torch.rand(3), expected, rtol=0, atol=0)


def test_bf16_autocast_forward_is_close_to_fp32() -> None:
    model = EnsembleTransformer(TINY, 2)
    X = _tokens(2, 4, 9, 12)
    with torch.no_grad():
        ref = model(X)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = model(X)
    assert low.dtype == torch.bfloat16
    assert (low.float() - ref).abs().max() < 0.1 * ref.abs().max()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(d_model=10, n_heads=4), "n_heads must divide d_model"),
        (dict(d_model=0), "d_model must be an integer in \\[1, inf\\)"),
        (dict(n_heads=0), "n_heads must be an integer"),
        (dict(vocab_size=1), "vocab_size must be an integer in \\[2, inf\\)"),
        (dict(seq_len=0), "seq_len must be"),
        (dict(n_layers=0), "n_layers must be"),
        (dict(d_mlp=2.5), "d_mlp must be an integer"),
    ],
)
def test_model_config_validation(kwargs, match) -> None:
    base = dict(vocab_size=12, seq_len=9, d_model=16, n_layers=1, n_heads=2, d_mlp=8)
    with pytest.raises(ValueError, match=match):
        ModelConfig(**(base | kwargs))


def test_ensemble_validation() -> None:
    with pytest.raises(ValueError, match="num_members must be an integer in \\[1, inf\\)"):
        EnsembleTransformer(TINY, 0)
    with pytest.raises(ValueError, match="seeds must hold num_members=2 seeds"):
        EnsembleTransformer(TINY, 2, seeds=(1,))
    with pytest.raises(ValueError, match="config must be a ModelConfig"):
        EnsembleTransformer({"d_model": 4}, 1)  # type: ignore[arg-type]
