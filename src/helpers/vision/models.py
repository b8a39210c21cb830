"""Three model families with exact parameter counts: a LeNet-style 1-D CNN, a shallow autoencoder, and a
sequence model (a small conv encoder per item, then a decoder-only transformer over the items).

Every family is a tuple of frozen configs ordered by size; ``count_params(config)`` is a closed form in
the config's fields (tests compare it with ``sum(p.numel())`` of the built module). Modules are built
with an explicit seed: ``build(config, seed)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..validation import check_int

__all__ = [
    "CNNConfig", "AEConfig", "SeqConfig", "LeNet1d", "Autoencoder", "SequenceModel",
    "count_params", "build", "cnn_family", "ae_family", "seq_family",
]

NUM_CLASSES = 10
KERNEL = 5  # width of every 1-D convolution (padding keeps the length)


@dataclass(frozen=True)
class CNNConfig:
    """LeNet-style 1-D CNN: conv(1->c) ReLU pool2, conv(c->2c) ReLU pool2, linear(2c*len/4 -> 10)."""

    channels: int  # c, the width of the first convolution (the second has 2c)
    input_len: int = 40  # length of one input signal (MNIST-1D: 40); must be divisible by 4

    def __post_init__(self) -> None:
        check_int("channels", self.channels, low=1)
        check_int("input_len", self.input_len, low=4)
        if self.input_len % 4:
            raise ValueError(f"input_len must be a multiple of 4 (two 2x poolings); got {self.input_len}")


@dataclass(frozen=True)
class AEConfig:
    """One-hidden-layer autoencoder: linear(d -> h) tanh linear(h -> d) sigmoid; the scale is h."""

    hidden: int  # h, the bottleneck width
    input_dim: int = 64  # d, pixels per image (8x8 digits: 64)

    def __post_init__(self) -> None:
        check_int("hidden", self.hidden, low=1)
        check_int("input_dim", self.input_dim, low=1)


@dataclass(frozen=True)
class SeqConfig:
    """Conv encoder per item (as CNNConfig, ending in a linear map to d), then a causal transformer over items."""

    d_model: int  # d, transformer width (also the item embedding size)
    channels: int  # c, first conv width of the item encoder
    n_layers: int = 2  # transformer blocks (pre-LayerNorm, attention + 4d MLP)
    n_heads: int = 1  # attention heads; must divide d_model
    max_len: int = 5  # longest sequence (learned position embeddings)
    input_len: int = 40  # length of one item's signal; a multiple of 4

    def __post_init__(self) -> None:
        check_int("d_model", self.d_model, low=1)
        check_int("channels", self.channels, low=1)
        check_int("n_layers", self.n_layers, low=1)
        check_int("n_heads", self.n_heads, low=1)
        check_int("max_len", self.max_len, low=1)
        check_int("input_len", self.input_len, low=4)
        if self.d_model % self.n_heads:
            raise ValueError(f"n_heads must divide d_model; got {self.n_heads} and {self.d_model}")
        if self.input_len % 4:
            raise ValueError(f"input_len must be a multiple of 4 (two 2x poolings); got {self.input_len}")


def _trunk_params(c: int) -> int:
    """Parameters of the two convolutions: (k c + c) + (2c c k + 2c)."""
    return (KERNEL * c + c) + (2 * c * c * KERNEL + 2 * c)


def count_params(config: CNNConfig | AEConfig | SeqConfig) -> int:
    """Exact number of trainable parameters of the module ``build(config)`` makes."""
    if isinstance(config, CNNConfig):
        c, flat = config.channels, 2 * config.channels * (config.input_len // 4)
        return _trunk_params(c) + flat * NUM_CLASSES + NUM_CLASSES
    if isinstance(config, AEConfig):
        d, h = config.input_dim, config.hidden
        return 2 * d * h + h + d
    if isinstance(config, SeqConfig):
        c, d = config.channels, config.d_model
        encoder = _trunk_params(c) + 2 * c * (config.input_len // 4) * d + d
        block = 12 * d * d + 13 * d  # 2 LayerNorms (4d), qkv (3d^2+3d), out (d^2+d), MLP (8d^2+5d)
        return encoder + config.max_len * d + config.n_layers * block + 2 * d + d * NUM_CLASSES + NUM_CLASSES
    raise ValueError(f"config must be a CNNConfig, AEConfig or SeqConfig; got {type(config).__name__}")


class _Trunk(nn.Module):
    """conv(1->c) ReLU pool2 conv(c->2c) ReLU pool2 flatten: (B, len) -> (B, 2c*len/4)."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(1, c, KERNEL, padding=KERNEL // 2)
        self.conv2 = nn.Conv1d(c, 2 * c, KERNEL, padding=KERNEL // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = nn.functional.max_pool1d(torch.relu(self.conv1(x.unsqueeze(1))), 2)
        h = nn.functional.max_pool1d(torch.relu(self.conv2(h)), 2)
        return h.flatten(1)


class LeNet1d(nn.Module):
    """The CNN family's module: signals (B, len) -> class logits (B, 10)."""

    def __init__(self, config: CNNConfig) -> None:
        super().__init__()
        self.trunk = _Trunk(config.channels)
        self.head = nn.Linear(2 * config.channels * (config.input_len // 4), NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))


class Autoencoder(nn.Module):
    """The autoencoder family's module: images (B, d) in [0, 1] -> reconstructions (B, d) in (0, 1)."""

    def __init__(self, config: AEConfig) -> None:
        super().__init__()
        self.encode = nn.Linear(config.input_dim, config.hidden)
        self.decode = nn.Linear(config.hidden, config.input_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decode(torch.tanh(self.encode(x))))


class _Block(nn.Module):
    """Pre-LayerNorm transformer block with hand-written causal attention (fast on CPU, see COMPUTE.md)."""

    def __init__(self, d: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        att = q @ k.transpose(-1, -2) / math.sqrt(d // self.n_heads)
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        att = att.masked_fill(causal, float("-inf")).softmax(-1)
        x = x + self.out((att @ v).transpose(1, 2).reshape(B, T, d))
        return x + self.mlp(self.ln2(x))


class SequenceModel(nn.Module):
    """The sequence family's module: items (B, T, len) -> logits (B, T, 10), item t seeing items <= t."""

    def __init__(self, config: SeqConfig) -> None:
        super().__init__()
        d = config.d_model
        self.trunk = _Trunk(config.channels)
        self.embed = nn.Linear(2 * config.channels * (config.input_len // 4), d)
        self.pos = nn.Parameter(torch.zeros(config.max_len, d))
        self.blocks = nn.ModuleList(_Block(d, config.n_heads) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, n = x.shape
        h = self.embed(self.trunk(x.reshape(B * T, n))).view(B, T, -1) + self.pos[:T]
        for block in self.blocks:
            h = block(h)
        return self.head(self.ln_f(h))


def build(config: CNNConfig | AEConfig | SeqConfig, seed: int) -> nn.Module:
    """A freshly initialised module for ``config``, its weights drawn from ``torch.manual_seed(seed)``."""
    check_int("seed", seed, low=0)
    kinds = {CNNConfig: LeNet1d, AEConfig: Autoencoder, SeqConfig: SequenceModel}
    if type(config) not in kinds:
        raise ValueError(f"config must be a CNNConfig, AEConfig or SeqConfig; got {type(config).__name__}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return kinds[type(config)](config)


# The families. Each spans more than two decades of parameters (tests check >= 6 sizes, >= 100x).
CNN_CHANNELS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48)  # 228 ... 33,034 parameters
AE_HIDDEN = (1, 2, 3, 5, 8, 12, 18, 27, 40, 60, 100, 160)  # 193 ... 20,704 parameters
SEQ_WIDTHS = (4, 6, 8, 12, 16, 24, 32, 48, 64)  # d_model; channels = max(1, d // 4)


def cnn_family(input_len: int = 40) -> tuple[CNNConfig, ...]:
    """The CNN family for signals of ``input_len`` samples, smallest first."""
    return tuple(CNNConfig(c, input_len) for c in CNN_CHANNELS)


def ae_family(input_dim: int = 64) -> tuple[AEConfig, ...]:
    """The autoencoder family for images of ``input_dim`` pixels, smallest bottleneck first."""
    return tuple(AEConfig(h, input_dim) for h in AE_HIDDEN)


def seq_family(max_len: int = 5, input_len: int = 40) -> tuple[SeqConfig, ...]:
    """The sequence-model family (2 layers, 1 head), smallest first."""
    return tuple(SeqConfig(d, max(1, d // 4), max_len=max_len, input_len=input_len) for d in SEQ_WIDTHS)
