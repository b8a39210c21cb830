"""Grokking on modular addition: a sharp transition over *training steps* in a tiny network.

A one-hidden-layer network learns ``(a + b) mod P`` from a fixed share of the ``P * P`` pairs,
trained full-batch with AdamW and strong weight decay (the setting of Power et al. 2022, with an MLP
instead of a transformer, as in later studies of the effect). It fits the training pairs within a
few dozen steps, while accuracy on the held-out pairs stays near chance (1/P) for hundreds of steps
and then climbs to 1. ``train`` records a history table (train and test loss, accuracy and the mean
probability of the right answer every ``eval_every`` steps) and each test item's probability of the
right answer, so a chapter can compare the mean curve with the per-item curves.

Symbols
-------
P      the modulus; inputs a, b and the answer are in 0..P-1
a, b   the two operands; the answer is (a + b) mod P
t      training step (one full-batch AdamW update)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .validation import check_int, check_real

__all__ = ["GrokConfig", "GrokRun", "GrokModel", "make_split", "train", "milestones", "jump_summary", "rise_steps"]

HISTORY_COLUMNS = ("step", "train_loss", "train_acc", "test_loss", "test_acc", "test_prob")


@dataclass(frozen=True)
class GrokConfig:
    """How one grokking run is set up; with the defaults (seed 0) test accuracy reaches 0.9 near step 1,500.

    Taught in chapter 9, section 'A real transition: grokking'.
    """

    modulus: int = 47  # P: the task is (a + b) mod P with a, b in 0..P-1; 2..211
    train_fraction: float = 0.4  # share of the P*P pairs used for training, in (0, 1); the rest is the test set
    embed_dim: int = 32  # width of the learned embedding of each operand (>= 1)
    hidden: int = 128  # units of the single ReLU hidden layer (>= 1)
    lr: float = 1e-2  # AdamW learning rate, constant (> 0)
    weight_decay: float = 1.0  # AdamW decoupled weight decay (>= 0); large values are what make it grok
    steps: int = 2000  # full-batch optimiser steps (>= 1)
    eval_every: int = 20  # evaluate train and test metrics every this many steps (>= 1)
    seed: int = 0  # seed of the train/test split and of the initial weights (>= 0)

    def __post_init__(self) -> None:
        check_int("modulus", self.modulus, low=2, high=211)
        check_real("train_fraction", self.train_fraction, low=0, high=1, low_open=True, high_open=True)
        check_int("embed_dim", self.embed_dim, low=1)
        check_int("hidden", self.hidden, low=1)
        check_real("lr", self.lr, low=0, low_open=True)
        check_real("weight_decay", self.weight_decay, low=0)
        check_int("steps", self.steps, low=1)
        check_int("eval_every", self.eval_every, low=1, high=self.steps)
        check_int("seed", self.seed, low=0)
        n_train = int(self.train_fraction * self.modulus**2)
        if not 1 <= n_train < self.modulus**2:
            raise ValueError(f"train_fraction must leave at least one training and one test pair; got {self.train_fraction}")


@dataclass(frozen=True, eq=False)
class GrokRun:
    """The result of ``train``: a history table and the per-item record of the test set.

    Taught in chapter 9, section 'A real transition: grokking'.
    """

    config: GrokConfig  # what was trained
    history: pd.DataFrame  # one row per evaluation: step, train/test loss, accuracy, test_prob
    item_prob: np.ndarray  # (evaluations, test items): probability each test item's right answer gets
    cpu_seconds: float  # process CPU time the training took


class GrokModel(torch.nn.Module):
    """Embed a and b, concatenate, one ReLU hidden layer, logits over the P answers.

    Taught in chapter 9, section 'A real transition: grokking'.
    """

    def __init__(self, config: GrokConfig) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(config.modulus, config.embed_dim)
        self.hidden = torch.nn.Linear(2 * config.embed_dim, config.hidden)
        self.out = torch.nn.Linear(config.hidden, config.modulus)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, P)."""
        x = torch.cat([self.embed(a), self.embed(b)], dim=-1)
        return self.out(F.relu(self.hidden(x)))


def make_split(config: GrokConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """All pairs (a, b), their answers y, and the seeded train / test index sets.

    Taught in chapter 9, section 'A real transition: grokking'.
    """
    P = config.modulus
    a, b = torch.meshgrid(torch.arange(P), torch.arange(P), indexing="ij")
    a, b = a.flatten(), b.flatten()
    y = (a + b) % P
    perm = torch.randperm(P * P, generator=torch.Generator().manual_seed(config.seed))
    n_train = int(config.train_fraction * P * P)
    return a, b, y, perm[:n_train], perm[n_train:]


def train(config: GrokConfig = GrokConfig(), *, progress: bool = False) -> GrokRun:
    """Train one network full-batch; return the evaluation history and per-item test probabilities.

    Taught in chapter 9, section 'A real transition: grokking'.
    """
    import time

    a, b, y, tr, te = make_split(config)
    torch.manual_seed(config.seed)
    net = GrokModel(config)
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay, betas=(0.9, 0.98))
    rows, item_prob = [], []
    start = time.process_time()
    for step in tqdm(range(config.steps + 1), desc="grokking: steps", disable=not progress, mininterval=0.5):
        if step % config.eval_every == 0:
            with torch.no_grad():
                lo_tr, lo_te = net(a[tr], b[tr]), net(a[te], b[te])
                prob_te = lo_te.softmax(-1).gather(1, y[te, None])[:, 0]
                rows.append((step, F.cross_entropy(lo_tr, y[tr]).item(),
                             (lo_tr.argmax(-1) == y[tr]).float().mean().item(),
                             F.cross_entropy(lo_te, y[te]).item(),
                             (lo_te.argmax(-1) == y[te]).float().mean().item(), prob_te.mean().item()))
                item_prob.append(prob_te.numpy().copy())
        if step == config.steps:
            break
        loss = F.cross_entropy(net(a[tr], b[tr]), y[tr])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    history = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    return GrokRun(config, history, np.stack(item_prob), time.process_time() - start)


def _first_step(steps: np.ndarray, curve: np.ndarray, level: float) -> float:
    """First step at which ``curve`` reaches ``level`` (NaN if it never does)."""
    hit = np.flatnonzero(np.asarray(curve) >= level)
    return float(steps[hit[0]]) if hit.size else float("nan")


def milestones(history: pd.DataFrame) -> dict[str, float]:
    """Steps at which training accuracy first reaches 0.99 and test accuracy first reaches 0.5 and 0.9.

    Taught in chapter 9, section 'A real transition: grokking'.
    """
    if not set(HISTORY_COLUMNS) <= set(history.columns):
        raise ValueError(f"history must have the columns {HISTORY_COLUMNS}; got {list(history.columns)}")
    steps = history["step"].to_numpy()
    return {"train_fit": _first_step(steps, history["train_acc"].to_numpy(), 0.99),
            "test_half": _first_step(steps, history["test_acc"].to_numpy(), 0.5),
            "test_90": _first_step(steps, history["test_acc"].to_numpy(), 0.9)}


def jump_summary(history: pd.DataFrame, plateau_factor: float = 10.0) -> dict[str, float]:
    """The continuous side of the jump: test-loss peak, mean right-answer probability on the plateau and its rise.

    The plateau is the steps from the training fit (train accuracy >= 0.99) to ``plateau_factor`` times
    that step. Keys: ``train_fit``, ``loss_peak_step``, ``loss_peak``, ``plateau_loss_min``,
    ``plateau_prob_max``, ``prob_10`` and ``prob_90`` (first steps with mean probability >= 0.1 / 0.9)
    and ``test_90`` (first step with test accuracy >= 0.9); NaN where a level is never reached.

    Taught in chapter 9, section 'A real transition: grokking'.
    """
    check_real("plateau_factor", plateau_factor, low=1)
    marks = milestones(history)
    steps = history["step"].to_numpy()
    loss, prob = history["test_loss"].to_numpy(), history["test_prob"].to_numpy()
    fit = marks["train_fit"]
    on_plateau = (steps >= fit) & (steps <= plateau_factor * fit) if np.isfinite(fit) else np.zeros(len(steps), bool)
    peak = int(np.argmax(loss))
    return {"train_fit": fit, "loss_peak_step": float(steps[peak]), "loss_peak": float(loss[peak]),
            "plateau_loss_min": float(loss[on_plateau].min()) if on_plateau.any() else float("nan"),
            "plateau_prob_max": float(prob[on_plateau].max()) if on_plateau.any() else float("nan"),
            "prob_10": _first_step(steps, prob, 0.1), "prob_90": _first_step(steps, prob, 0.9),
            "test_90": marks["test_90"]}


def rise_steps(steps, curves, low: float = 0.1, high: float = 0.9) -> np.ndarray:
    """Steps each curve (rows of ``curves``, or one 1-D curve) takes from first reaching ``low`` to first reaching ``high``.

    Taught in chapter 9, section 'A real transition: grokking'.
    """
    check_real("low", low, low=0, high=1, high_open=True)
    check_real("high", high, low=low, high=1, low_open=True)
    steps = np.asarray(steps, dtype=float)
    curves = np.atleast_2d(np.asarray(curves, dtype=float))
    if curves.shape[-1] != steps.shape[0]:
        raise ValueError(f"curves must have one value per step ({steps.shape[0]}); got shape {curves.shape}")
    return np.array([_first_step(steps, c, high) - _first_step(steps, c, low) for c in curves])
