"""A tiny decoder-only transformer, held as an ensemble of E same-shaped members in one module.

Every weight carries a leading member dimension (a matrix is (E, in, out)) and is applied with a
batched matmul, so E seeds of one size train in one pass: a step costs a few large matmuls instead
of E small ones (the tiny models are overhead-bound on a CPU). Member e is initialised from its own
``torch.Generator(seeds[e])``: it is the same model whichever other members share the ensemble.

Attention is written by hand (matmul, causal mask, softmax): PyTorch's fused attention has a slow
bf16 backward on the project's CPU (see COMPUTE.md), and plain matmuls batch over members.

Shapes: X (E, B, T) token ids -> logits (E, B, T, V).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..validation import check_int

__all__ = ["ModelConfig", "EnsembleTransformer", "count_params", "family"]


@dataclass(frozen=True)
class ModelConfig:
    """Shape of one decoder-only transformer (pre-LayerNorm blocks, learned positions)."""

    vocab_size: int  # number of token ids V (embedding rows and output logits)
    seq_len: int  # longest sequence T the position embedding covers
    d_model: int  # width of the residual stream
    n_layers: int  # number of transformer blocks (attention + MLP each)
    n_heads: int  # attention heads per block; must divide d_model
    d_mlp: int  # hidden width of each block's MLP

    def __post_init__(self) -> None:
        check_int("vocab_size", self.vocab_size, low=2)
        check_int("seq_len", self.seq_len, low=1)
        check_int("d_model", self.d_model, low=1)
        check_int("n_layers", self.n_layers, low=1)
        check_int("n_heads", self.n_heads, low=1, high=self.d_model)
        check_int("d_mlp", self.d_mlp, low=1)
        if self.d_model % self.n_heads:
            raise ValueError(
                f"n_heads must divide d_model; got d_model={self.d_model}, n_heads={self.n_heads}"
            )


def count_params(config: ModelConfig) -> int:
    """Exact number of trainable parameters of one member (embeddings and biases included)."""
    V, T, D, M, L = config.vocab_size, config.seq_len, config.d_model, config.d_mlp, config.n_layers
    per_block = 2 * D + (D * 3 * D + 3 * D) + (D * D + D) + 2 * D + (D * M + M) + (M * D + D)
    return V * D + T * D + L * per_block + 2 * D + (D * V + V)


def family(vocab_size: int, seq_len: int) -> tuple[ModelConfig, ...]:
    """The default size ladder: 2-layer models of width 4…96 and one 4-layer width-128 model."""
    check_int("vocab_size", vocab_size, low=2)
    check_int("seq_len", seq_len, low=1)
    configs = [
        ModelConfig(vocab_size, seq_len, d_model=d, n_layers=2, n_heads=_heads(d), d_mlp=4 * d)
        for d in (4, 8, 12, 16, 24, 32, 48, 64, 96)
    ]
    configs.append(ModelConfig(vocab_size, seq_len, d_model=128, n_layers=4, n_heads=8, d_mlp=512))
    return tuple(configs)


def _heads(d_model: int) -> int:
    """One head per 16 channels (at least one): small heads are overhead, not capacity."""
    return max(1, d_model // 16)


def _param_shapes(config: ModelConfig) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, per-member shape, init kind) in the fixed order each member's generator fills them."""
    V, T, D, M = config.vocab_size, config.seq_len, config.d_model, config.d_mlp
    shapes: list[tuple[str, tuple[int, ...], str]] = [
        ("tok_emb", (V, D), "embed"),
        ("pos_emb", (T, D), "embed"),
    ]
    for i in range(config.n_layers):
        shapes += [
            (f"b{i}_ln1_w", (D,), "one"),
            (f"b{i}_ln1_b", (D,), "zero"),
            (f"b{i}_qkv_w", (D, 3 * D), "linear"),
            (f"b{i}_qkv_b", (3 * D,), "zero"),
            (f"b{i}_out_w", (D, D), "residual"),
            (f"b{i}_out_b", (D,), "zero"),
            (f"b{i}_ln2_w", (D,), "one"),
            (f"b{i}_ln2_b", (D,), "zero"),
            (f"b{i}_fc_w", (D, M), "linear"),
            (f"b{i}_fc_b", (M,), "zero"),
            (f"b{i}_proj_w", (M, D), "residual"),
            (f"b{i}_proj_b", (D,), "zero"),
        ]
    shapes += [
        ("lnf_w", (D,), "one"),
        ("lnf_b", (D,), "zero"),
        ("unembed_w", (D, V), "linear"),
        ("unembed_b", (V,), "zero"),
    ]
    return shapes


def _init_member(config: ModelConfig, seed: int) -> dict[str, torch.Tensor]:
    """All parameters of one member, drawn from torch.Generator(seed) in a fixed order."""
    gen = torch.Generator().manual_seed(seed)
    out: dict[str, torch.Tensor] = {}
    residual_scale = 1.0 / math.sqrt(2 * config.n_layers)
    for name, shape, kind in _param_shapes(config):
        if kind == "zero":
            out[name] = torch.zeros(shape)
        elif kind == "one":
            out[name] = torch.ones(shape)
        elif kind == "embed":
            out[name] = torch.randn(shape, generator=gen)
        else:  # a (fan_in, fan_out) matrix: unit-variance outputs, residual branches scaled down
            std = 1.0 / math.sqrt(shape[0]) * (residual_scale if kind == "residual" else 1.0)
            out[name] = torch.randn(shape, generator=gen) * std
    return out


class EnsembleTransformer(nn.Module):
    """E independent decoder-only transformers of one shape, run together with batched matmuls."""

    def __init__(self, config: ModelConfig, num_members: int, *, seeds: Sequence[int] | None = None) -> None:
        super().__init__()
        if not isinstance(config, ModelConfig):
            raise ValueError(f"config must be a ModelConfig; got {type(config).__name__}")
        E = check_int("num_members", num_members, low=1)
        seeds = tuple(range(E)) if seeds is None else tuple(check_int("seeds", s, low=0) for s in seeds)
        if len(seeds) != E:
            raise ValueError(f"seeds must hold num_members={E} seeds; got {len(seeds)}")
        self.config = config
        self.num_members = E
        self.seeds = seeds
        members = [_init_member(config, s) for s in seeds]
        for name, _, _ in _param_shapes(config):
            self.register_parameter(name, nn.Parameter(torch.stack([m[name] for m in members])))
        T = config.seq_len
        # [key, query]: -inf where the key comes after the query, else 0
        causal = torch.full((T, T), float("-inf")).tril(-1)
        self.register_buffer("causal_bias_kq", causal, persistent=False)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Logits (E, B, T, V) for token ids X (E, B, T); position t sees tokens 0…t only."""
        return self.logits_vocab_first(X).permute(0, 2, 3, 1)

    def logits_vocab_first(self, X: torch.Tensor) -> torch.Tensor:
        """Logits laid out (E, V, B, T), contiguous: the fast layout for a softmax over the vocabulary.

        A CPU softmax over a short innermost axis (V = 14) is ~10x slower than over an outer one, so
        cross-entropy takes this layout (class axis 1); ``forward`` returns a permuted view of it.
        """
        c, E = self.config, self.num_members
        if X.dim() != 3 or X.shape[0] != E:
            raise ValueError(f"X must have shape (num_members={E}, B, T); got {tuple(X.shape)}")
        _, B, T = X.shape
        if not 1 <= T <= c.seq_len:
            raise ValueError(f"X's sequence length must be in [1, {c.seq_len}]; got {T}")
        D, V = c.d_model, c.vocab_size
        offsets = torch.arange(E, device=X.device).view(E, 1, 1) * V
        h = F.embedding(X + offsets, self.tok_emb.view(E * V, D))  # (E, B, T, D)
        h = (h + self.pos_emb[:, None, :T, :]).reshape(E, B * T, D)
        for i in range(c.n_layers):
            p = lambda n: getattr(self, f"b{i}_{n}")  # noqa: E731
            a = _layer_norm(h, p("ln1_w"), p("ln1_b"))
            a = torch.baddbmm(p("qkv_b").unsqueeze(1), a, p("qkv_w"))
            a = self._attend(a, B, T)
            h = h + torch.baddbmm(p("out_b").unsqueeze(1), a, p("out_w"))
            m = _layer_norm(h, p("ln2_w"), p("ln2_b"))
            m = F.gelu(torch.baddbmm(p("fc_b").unsqueeze(1), m, p("fc_w")))
            h = h + torch.baddbmm(p("proj_b").unsqueeze(1), m, p("proj_w"))
        h = _layer_norm(h, self.lnf_w, self.lnf_b)
        # (E, V, D) @ (E, D, B*T): the vocabulary comes out as the outer axis
        logits = torch.baddbmm(self.unembed_b.unsqueeze(2), self.unembed_w.transpose(1, 2), h.transpose(1, 2))
        return logits.view(E, V, B, T)

    def _attend(self, qkv: torch.Tensor, B: int, T: int) -> torch.Tensor:
        """Causal multi-head attention from fused q, k, v (E, B*T, 3D) -> (E, B*T, D)."""
        c, E = self.config, self.num_members
        H, hd = c.n_heads, c.d_model // c.n_heads
        qkv = qkv.view(E, B, T, 3, H, hd).permute(3, 0, 1, 4, 2, 5).reshape(3, E * B * H, T, hd)
        q, k, v = qkv.unbind(0)  # unbind: its backward stacks, indexing would zero-fill
        # scores transposed, (N, key, query), so the softmax runs over axis 1 (fast on CPU, see above)
        bias = self.causal_bias_kq[:T, :T].to(q.dtype)
        scores = torch.baddbmm(bias, k, q.transpose(1, 2), alpha=1.0 / math.sqrt(hd))
        att = torch.softmax(scores, dim=1, dtype=torch.float32).to(v.dtype)
        y = torch.bmm(att.transpose(1, 2), v)  # (N, query, hd)
        return y.view(E, B, H, T, hd).transpose(2, 3).reshape(E, B * T, c.d_model)

    def member_params(self) -> int:
        """Trainable parameters of one member (equals count_params(config))."""
        return sum(p.numel() for p in self.parameters()) // self.num_members

    def extra_repr(self) -> str:
        return f"members={self.num_members}, seeds={self.seeds}, config={self.config}"


def _layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """LayerNorm over the last dim of x (E, N, D) with per-member affine weight, bias (E, D)."""
    y = F.layer_norm(x, x.shape[-1:])
    return torch.addcmul(bias.unsqueeze(1), y, weight.unsqueeze(1))
