"""Seeded training of the three families, and the fixed outputs each model gives on a fixed test set.

Training is plain minibatch AdamW with a cosine learning-rate decay. Every source of randomness (weights,
batch order, sequence composition) comes from the ``seed`` argument; nothing reads global state.
The outputs, not the metrics, are what a trained model hands on: per-item correctness for classifiers,
per-image squared error for autoencoders (``metrics`` turns them into smooth and sharp scores).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..validation import check_int, check_real
from .datasets import ImageData, make_sequences
from .models import AEConfig, CNNConfig, SeqConfig, build

__all__ = ["TrainConfig", "train_classifier", "classifier_correct", "train_autoencoder", "reconstruction_errors",
           "train_sequence_model", "sequence_correct"]


@dataclass(frozen=True)
class TrainConfig:
    """How one model is trained."""

    steps: int = 500  # optimiser steps
    batch_size: int = 128  # examples (or sequences) per step
    lr: float = 1e-2  # peak learning rate of AdamW (cosine decay to 0)
    weight_decay: float = 0.0  # AdamW weight decay

    def __post_init__(self) -> None:
        check_int("steps", self.steps, low=1)
        check_int("batch_size", self.batch_size, low=1)
        check_real("lr", self.lr, low=0, low_open=True)
        check_real("weight_decay", self.weight_decay, low=0)


def _fit(model: nn.Module, loss_fn, num_train: int, config: TrainConfig, seed: int) -> nn.Module:
    """Run ``config.steps`` AdamW steps of ``loss_fn(batch_indices, generator)`` on ``model``."""
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * s / config.steps)))
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(config.steps):
        idx = torch.randint(0, num_train, (config.batch_size,), generator=gen)
        loss = loss_fn(idx, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    return model


def train_classifier(config: CNNConfig, data: ImageData, train: TrainConfig, seed: int) -> nn.Module:
    """A LeNet-style CNN trained with cross-entropy on ``data``'s training set."""
    check_int("seed", seed, low=0)
    model = build(config, seed)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    return _fit(model, lambda idx, _: nn.functional.cross_entropy(model(x[idx]), y[idx]), len(y), train, seed)


@torch.no_grad()
def classifier_correct(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether the model's top class is the label, per test item (bool array)."""
    return (model(torch.from_numpy(np.asarray(x, dtype=np.float32))).argmax(-1).numpy() == np.asarray(y))


def train_autoencoder(config: AEConfig, data: ImageData, train: TrainConfig, seed: int) -> nn.Module:
    """A shallow autoencoder trained to minimise the squared error on ``data``'s training images."""
    check_int("seed", seed, low=0)
    model = build(config, seed)
    x = torch.from_numpy(data.x_train)
    return _fit(model, lambda idx, _: ((model(x[idx]) - x[idx]) ** 2).sum(1).mean(), len(x), train, seed)


@torch.no_grad()
def reconstruction_errors(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """Squared error ||x - x_hat||^2 of each image (summed over pixels), as float64."""
    xt = torch.from_numpy(np.asarray(x, dtype=np.float32))
    return ((model(xt) - xt) ** 2).sum(1).double().numpy()


def train_sequence_model(config: SeqConfig, data: ImageData, train: TrainConfig, seed: int) -> nn.Module:
    """A sequence model trained to label every item of random sequences of length 1..max_len."""
    check_int("seed", seed, low=0)
    model = build(config, seed)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    lengths = torch.arange(1, config.max_len + 1)

    def loss_fn(_, gen: torch.Generator) -> torch.Tensor:
        B, T = train.batch_size, config.max_len
        idx = torch.randint(0, len(y), (B, T), generator=gen)
        seq_len = lengths[torch.randint(0, T, (B,), generator=gen)]
        valid = torch.arange(T)[None, :] < seq_len[:, None]  # positions past the length are not scored
        logits = model(x[idx])
        return nn.functional.cross_entropy(logits[valid], y[idx][valid])

    return _fit(model, loss_fn, len(y), train, seed)


@torch.no_grad()
def sequence_correct(model: nn.Module, data: ImageData, num: int, length: int, seed: int) -> np.ndarray:
    """Per-item correctness (num, length) of the model on ``num`` test sequences of exactly ``length`` items."""
    xs, ys, _ = make_sequences(data.x_test, data.y_test, num, length, seed, length=length)
    return model(torch.from_numpy(xs)).argmax(-1).numpy() == ys
