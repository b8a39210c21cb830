"""Train an ensemble of same-shaped transformers (one member per seed) on any next-token task.

The task enters only through ``sample_batch(batch_size, generator) -> (X, mask)``: X (B, T) token
ids and mask (B, T) True where the NEXT token X[:, t+1] is a target (the answer tokens). The loss of
a member is the mean cross-entropy over its masked positions; the members' losses are summed, so
each member's gradient is exactly what it would get trained alone.

Seeds: member e is initialised from ``torch.Generator(seeds[e])`` and draws its batches from its own
generator derived from ``seeds[e]``, so its run does not depend on which other seeds share the ensemble.

Threads are the caller's choice: this module never calls ``torch.set_num_threads``. On the 2-core
CPU, 1 thread suits the tiny models (and tests, notebooks, two worker processes side by side);
2 threads pay only for the largest sizes on an otherwise idle machine (see COMPUTE.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..validation import check_int, check_real
from .model import EnsembleTransformer, ModelConfig, count_params

__all__ = ["TrainConfig", "TrainResult", "SampleBatch", "train", "data_seed", "auto_precision", "resolve_device"]

SampleBatch = Callable[[int, torch.Generator], tuple[torch.Tensor, torch.Tensor]]
PRECISIONS = ("fp32", "bf16")
DEVICES = ("cpu", "cuda", "auto")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that fixes a training run of one model size over one or more seeds."""

    model: ModelConfig  # shape of every member
    seeds: tuple[int, ...] = (0, 1, 2)  # one ensemble member per seed (init and data stream), distinct, >= 0
    steps: int = 600  # optimiser steps, >= 1
    batch_size: int = 256  # sequences per member per step, >= 1
    lr: float = 3e-3  # peak learning rate of AdamW, > 0
    warmup_steps: int | None = None  # linear warm-up to lr, then cosine decay to 0; in [0, steps); None: min(50, steps // 10)
    weight_decay: float = 0.01  # AdamW decoupled weight decay on matrices and embeddings, >= 0
    precision: str = "fp32"  # 'fp32', or 'bf16' autocast (pays on CPU from d_model ~32 up: auto_precision)
    device: str = "auto"  # 'cpu', 'cuda', or 'auto' (cuda when available, else cpu)
    grad_clip: float | None = None  # clip each member's gradient norm to this value; None: no clipping
    log_every: int = 1  # record the loss every this many steps (and always the last step), >= 1

    def __post_init__(self) -> None:
        if not isinstance(self.model, ModelConfig):
            raise ValueError(f"model must be a ModelConfig; got {type(self.model).__name__}")
        if isinstance(self.seeds, (int, str)) or len(self.seeds) == 0:
            raise ValueError(f"seeds must be a non-empty tuple of integers in [0, inf); got {self.seeds!r}")
        seeds = tuple(check_int("seeds", s, low=0) for s in self.seeds)
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct; got {self.seeds!r}")
        object.__setattr__(self, "seeds", seeds)
        check_int("steps", self.steps, low=1)
        check_int("batch_size", self.batch_size, low=1)
        check_real("lr", self.lr, low=0, low_open=True)
        if self.warmup_steps is None:
            object.__setattr__(self, "warmup_steps", min(50, self.steps // 10))
        check_int("warmup_steps", self.warmup_steps, low=0, high=self.steps - 1)
        check_real("weight_decay", self.weight_decay, low=0)
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}; got {self.precision!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}; got {self.device!r}")
        if self.grad_clip is not None:
            check_real("grad_clip", self.grad_clip, low=0, low_open=True)
        check_int("log_every", self.log_every, low=1)


@dataclass(frozen=True, eq=False)
class TrainResult:
    """A trained ensemble (in eval mode) and how its training went."""

    model: EnsembleTransformer  # the trained members, on the training device, eval mode
    config: TrainConfig  # the run's configuration
    loss_steps: torch.Tensor  # (K,) 1-based step numbers at which the loss was recorded
    loss_history: torch.Tensor  # (E, K) float32 training loss of each member at those steps (CPU)
    wall_time_s: float  # seconds spent in the training loop (model build and data included)
    tokens_seen: int  # token positions processed, all members: steps * batch_size * T * E

    @property
    def flops(self) -> float:
        """Training compute by the 6 * params * tokens rule, all members together."""
        return 6.0 * count_params(self.config.model) * self.tokens_seen


def data_seed(seed: int) -> int:
    """Seed of a member's data stream, derived from its seed (distinct from the init stream)."""
    return int(np.random.SeedSequence([check_int("seed", seed, low=0), 1]).generate_state(1, np.uint64)[0] >> 1)


def auto_precision(model: ModelConfig) -> str:
    """'bf16' where autocast pays on the project's CPU (d_model >= 32), else 'fp32'.

    Measured per training step (1 thread, 3 members, batch 256): bf16 is 1.2x faster at width 16-24,
    1.6x at 32, 1.8x at 48-96 and 2x at the 4-layer width-128 model; below width 16 it is no faster.
    """
    return "bf16" if model.d_model >= 32 else "fp32"


def resolve_device(device: str) -> torch.device:
    """torch.device for 'cpu', 'cuda' or 'auto' (cuda when available)."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}; got {device!r}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device must be 'cpu' or 'auto' on this machine; 'cuda' is not available")
    return torch.device(device)


def lr_at(step: int, config: TrainConfig) -> float:
    """Learning rate at 0-based step: linear warm-up, then cosine decay to 0 at the last step."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    span = max(1, config.steps - config.warmup_steps)
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * (step - config.warmup_steps) / span))


def _draw(sample_batch: SampleBatch, gens: list[torch.Generator], B: int, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One batch per member from its own generator, stacked to (E, B, T)."""
    xs, ms = [], []
    for g in gens:
        X, mask = sample_batch(B, g)
        if X.shape != (B, T) or mask.shape != (B, T):
            raise ValueError(f"sample_batch must return X and mask of shape ({B}, {T}); got {tuple(X.shape)}, {tuple(mask.shape)}")
        xs.append(X)
        ms.append(mask)
    return torch.stack(xs), torch.stack(ms)


def _member_loss(logits_vf: torch.Tensor, X: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy over masked positions, per member: (E,) from logits (E, V, B, T)."""
    E = X.shape[0]
    target = torch.roll(X, -1, dims=2)  # target[t] = X[t + 1]; the wrapped last column is masked out
    m = mask.clone()
    m[:, :, -1] = False
    ce = F.cross_entropy(logits_vf.float(), target, reduction="none")  # (E, B, T)
    m = m.to(ce.dtype)
    return (ce * m).sum((1, 2)) / m.sum((1, 2)).clamp_min(1.0)


def _clip_per_member(params: list[torch.Tensor], max_norm: float) -> None:
    """Scale each member's gradient (slice e of every parameter) to norm <= max_norm."""
    grads = [p.grad for p in params if p.grad is not None]
    E = grads[0].shape[0]
    sq = torch.stack([g.reshape(E, -1).float().pow(2).sum(1) for g in grads]).sum(0)
    scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale.view((E,) + (1,) * (g.dim() - 1)).to(g.dtype))


def train(config: TrainConfig, sample_batch: SampleBatch, *, progress: bool = True) -> TrainResult:
    """Train one member per seed with AdamW, warm-up + cosine schedule; return the model in eval mode."""
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig; got {type(config).__name__}")
    if not callable(sample_batch):
        raise ValueError("sample_batch must be a callable (batch_size, generator) -> (X, mask)")
    start = time.perf_counter()
    device = resolve_device(config.device)
    E, B, T = len(config.seeds), config.batch_size, config.model.seq_len
    model = EnsembleTransformer(config.model, E, seeds=config.seeds).to(device)
    model.train()
    gens = [torch.Generator().manual_seed(data_seed(s)) for s in config.seeds]
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 3]  # (E, in, out) matrices and (E, rows, D) embeddings
    no_decay = [p for p in params if p.dim() < 3]  # biases and LayerNorm gains
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr_at(0, config), fused=True)
    logged = [s for s in range(1, config.steps + 1) if s % config.log_every == 0 or s == config.steps]
    history = torch.empty(E, len(logged), device=device)
    k = 0
    use_bf16 = config.precision == "bf16"
    bar = tqdm(range(config.steps), disable=not progress, desc=f"d={config.model.d_model} E={E}", leave=False)
    for step in bar:
        X, mask = _draw(sample_batch, gens, B, T)
        X, mask = X.to(device, non_blocking=True), mask.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            logits = model.logits_vocab_first(X)
        losses = _member_loss(logits, X, mask)
        losses.sum().backward()
        if config.grad_clip is not None:
            _clip_per_member(params, config.grad_clip)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, config)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if step + 1 == logged[k]:
            history[:, k] = losses.detach()
            k += 1
            if progress and (k % 10 == 0 or step + 1 == config.steps):
                bar.set_postfix(loss=f"{history[:, k - 1].mean().item():.3f}")
    bar.close()
    model.eval()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return TrainResult(
        model=model,
        config=config,
        loss_steps=torch.tensor(logged),
        loss_history=history.cpu(),
        wall_time_s=time.perf_counter() - start,
        tokens_seen=config.steps * B * T * E,
    )
