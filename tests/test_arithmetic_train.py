"""Training: determinism, member independence, learning a copy task, the schedule, config checks.

A private copy task stands in for the arithmetic tasks so these tests do not depend on tasks.py:
k digits, a separator, the same k digits again; the loss is taken on the copied digits.
"""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from helpers.arithmetic.model import ModelConfig, count_params
from helpers.arithmetic.train import (
    TrainConfig,
    TrainResult,
    _clip_per_member,
    _member_loss,
    auto_precision,
    data_seed,
    lr_at,
    resolve_device,
    train,
)

torch.set_num_threads(1)

K = 4  # copied digits
SEP = 10
V, T = 11, 2 * K + 1


def copy_batch(batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """X = d1..dk SEP d1..dk; mask True where the next token is a copied digit."""
    d = torch.randint(0, 10, (batch_size, K), generator=generator)
    X = torch.cat([d, torch.full((batch_size, 1), SEP), d], dim=1)
    mask = torch.zeros(batch_size, T, dtype=torch.bool)
    mask[:, K : 2 * K] = True
    return X, mask


MODEL = ModelConfig(vocab_size=V, seq_len=T, d_model=16, n_layers=1, n_heads=2, d_mlp=32)


def cfg(**kw) -> TrainConfig:
    base = dict(model=MODEL, seeds=(0,), steps=20, batch_size=32, lr=3e-3, warmup_steps=5, device="cpu")
    return TrainConfig(**(base | kw))


def test_loss_decreases_on_a_copy_task() -> None:
    result = train(cfg(seeds=(0, 1), steps=200, lr=1e-2, warmup_steps=20), copy_batch, progress=False)
    h = result.loss_history
    assert h.shape == (2, 200) and torch.isfinite(h).all()
    # chance is log(10) ~ 2.3 on the copied digits; both members must get far below it
    assert (h[:, :5].mean(1) > 2.0).all()
    assert (h[:, -10:].mean(1) < 0.5).all(), h[:, -10:].mean(1)
    # and the trained model predicts the copies under teacher forcing
    X, mask = copy_batch(200, torch.Generator().manual_seed(123))
    with torch.no_grad():
        pred = result.model(X.expand(2, -1, -1)).argmax(-1)
    right = pred[:, :, K : 2 * K] == X[:, K + 1 :]
    assert right.float().mean() > 0.9


def test_same_config_same_losses_and_weights() -> None:
    a = train(cfg(seeds=(3, 4)), copy_batch, progress=False)
    b = train(cfg(seeds=(3, 4)), copy_batch, progress=False)
    assert torch.equal(a.loss_history, b.loss_history)
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters()))
    c = train(cfg(seeds=(3, 5)), copy_batch, progress=False)
    assert torch.equal(a.loss_history[0], c.loss_history[0])  # member 0 (seed 3) is the same run
    assert not torch.equal(a.loss_history[1], c.loss_history[1])


def test_member_trains_as_if_alone() -> None:
    together = train(cfg(seeds=(5, 7, 9), grad_clip=0.5), copy_batch, progress=False)
    alone = train(cfg(seeds=(7,), grad_clip=0.5), copy_batch, progress=False)
    torch.testing.assert_close(together.loss_history[1], alone.loss_history[0], rtol=1e-4, atol=1e-5)
    X, _ = copy_batch(50, torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(together.model(X.expand(3, -1, -1))[1], alone.model(X[None])[0], rtol=1e-4, atol=1e-4)
    # weights agree to float tolerance; Adam turns rounding noise on zero-gradient weights (the key
    # bias, to which softmax is blind) into steps of size ~lr, hence the looser bound
    for p, q in zip(together.model.parameters(), alone.model.parameters()):
        torch.testing.assert_close(p[1], q[0], rtol=0, atol=20 * 3e-3)
        assert (p[1] - q[0]).abs().median() < 1e-5
    # the members really differ (own init, own data stream)
    assert not torch.allclose(together.loss_history[0], together.loss_history[1])


def test_result_fields() -> None:
    config = cfg(seeds=(0, 1), steps=10, log_every=4)
    result = train(config, copy_batch, progress=False)
    assert isinstance(result, TrainResult) and result.config is config
    assert result.loss_steps.tolist() == [4, 8, 10]
    assert result.loss_history.shape == (2, 3) and result.loss_history.device.type == "cpu"
    assert result.tokens_seen == 10 * 32 * T * 2
    assert result.flops == 6 * count_params(MODEL) * result.tokens_seen
    assert result.wall_time_s > 0
    assert not result.model.training


def test_bf16_training_runs_and_learns() -> None:
    result = train(cfg(precision="bf16", steps=60, lr=1e-2), copy_batch, progress=False)
    h = result.loss_history[0]
    assert torch.isfinite(h).all() and h[-5:].mean() < h[:5].mean() - 0.3


def test_progress_bar_does_not_change_results(capsys) -> None:
    a = train(cfg(), copy_batch, progress=True)
    b = train(cfg(), copy_batch, progress=False)
    assert torch.equal(a.loss_history, b.loss_history)


def test_global_rng_untouched() -> None:
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    train(cfg(steps=2, warmup_steps=0), copy_batch, progress=False)
    torch.testing.assert_close(torch.rand(3), expected, rtol=0, atol=0)


@given(steps=st.integers(2, 500), frac=st.floats(0, 0.99), lr=st.floats(1e-5, 1.0))
def test_schedule_warms_up_then_decays(steps: int, frac: float, lr: float) -> None:
    warm = min(int(frac * steps), steps - 1)
    config = cfg(steps=steps, warmup_steps=warm, lr=lr)
    rates = [lr_at(s, config) for s in range(steps)]
    assert all(0 < r <= lr * (1 + 1e-12) for r in rates[:-1]) and rates[-1] >= 0
    assert all(a <= b + 1e-15 for a, b in zip(rates[:warm], rates[1 : warm + 1]))  # rising
    assert all(a >= b - 1e-15 for a, b in zip(rates[warm:], rates[warm + 1 :]))  # then falling
    assert rates[warm] == pytest.approx(lr)
    if warm:
        assert rates[0] == pytest.approx(lr / warm)


@given(seed=st.integers(0, 2**16), B=st.integers(1, 5))
def test_member_loss_is_the_masked_next_token_cross_entropy(seed: int, B: int) -> None:
    g = torch.Generator().manual_seed(seed)
    E = 2
    logits = torch.randn(E, B, T, V, generator=g)
    X = torch.randint(0, V, (E, B, T), generator=g)
    mask = torch.rand(E, B, T, generator=g) < 0.5
    mask[:, 0, 0] = True  # at least one target per member
    got = _member_loss(logits.permute(0, 3, 1, 2).contiguous(), X, mask)
    for e in range(E):
        m = mask[e, :, :-1]
        want = torch.nn.functional.cross_entropy(logits[e, :, :-1][m], X[e, :, 1:][m])
        torch.testing.assert_close(got[e], want, rtol=1e-5, atol=1e-6)


def test_per_member_clipping() -> None:
    p = torch.nn.Parameter(torch.zeros(2, 3))
    q = torch.nn.Parameter(torch.zeros(2, 2, 2))
    p.grad = torch.tensor([[3.0, 0.0, 0.0], [0.1, 0.0, 0.0]])
    q.grad = torch.tensor([[[0.0, 4.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]])
    _clip_per_member([p, q], max_norm=1.0)
    # member 0 had norm 5 -> scaled to 1; member 1 had norm 0.1 -> untouched
    torch.testing.assert_close(p.grad[0], torch.tensor([0.6, 0.0, 0.0]), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(q.grad[0, 0, 1], torch.tensor(0.8), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(p.grad[1], torch.tensor([0.1, 0.0, 0.0]))


def test_helpers() -> None:
    assert auto_precision(MODEL) == "fp32"
    assert auto_precision(ModelConfig(V, T, 32, 1, 4, 64)) == "bf16"
    assert data_seed(0) != 0 and data_seed(0) != data_seed(1) and data_seed(3) == data_seed(3)
    assert 0 <= data_seed(2**40) < 2**63
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without cuda")
def test_cuda_requested_without_cuda() -> None:
    with pytest.raises(ValueError, match="'cuda' is not available"):
        train(cfg(device="cuda"), copy_batch, progress=False)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs cuda")
def test_cuda_matches_cpu() -> None:
    a = train(cfg(device="cpu"), copy_batch, progress=False)
    b = train(cfg(device="cuda"), copy_batch, progress=False)
    assert next(b.model.parameters()).device.type == "cuda"
    torch.testing.assert_close(a.loss_history, b.loss_history, rtol=1e-3, atol=1e-3)


def test_sample_batch_shape_is_checked() -> None:
    def bad(batch_size, generator):
        X, mask = copy_batch(batch_size, generator)
        return X[:, :-1], mask[:, :-1]

    with pytest.raises(ValueError, match="sample_batch must return X and mask of shape"):
        train(cfg(), bad, progress=False)
    with pytest.raises(ValueError, match="sample_batch must be a callable"):
        train(cfg(), None, progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="config must be a TrainConfig"):
        train(MODEL, copy_batch, progress=False)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(steps=0), r"steps must be an integer in \[1, inf\)"),
        (dict(lr=0.0), r"lr must be in \(0, inf\)"),
        (dict(lr=-1e-3), r"lr must be in \(0, inf\)"),
        (dict(lr=math.nan), r"lr must be in"),
        (dict(batch_size=0), r"batch_size must be an integer in \[1, inf\)"),
        (dict(warmup_steps=20), r"warmup_steps must be an integer in \[0, 19\]"),
        (dict(weight_decay=-0.1), r"weight_decay must be in \[0, inf\)"),
        (dict(precision="fp16"), r"precision must be one of \('fp32', 'bf16'\)"),
        (dict(device="tpu"), r"device must be one of \('cpu', 'cuda', 'auto'\)"),
        (dict(seeds=()), r"seeds must be a non-empty tuple"),
        (dict(seeds=3), r"seeds must be a non-empty tuple"),
        (dict(seeds=(1, 1)), r"seeds must be distinct"),
        (dict(seeds=(-1,)), r"seeds must be an integer in \[0, inf\)"),
        (dict(grad_clip=0.0), r"grad_clip must be in \(0, inf\)"),
        (dict(log_every=0), r"log_every must be an integer in \[1, inf\)"),
        (dict(model="small"), r"model must be a ModelConfig"),
    ],
)
def test_train_config_validation(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        cfg(**kwargs)


def test_train_config_is_frozen_and_normalises_seeds() -> None:
    config = cfg(seeds=[2, 1])
    assert config.seeds == (2, 1)
    assert TrainConfig(MODEL, steps=20).warmup_steps == 2 and TrainConfig(MODEL).warmup_steps == 50
    assert TrainConfig(MODEL, steps=1).warmup_steps == 0
    with pytest.raises(AttributeError):
        config.steps = 5  # type: ignore[misc]
