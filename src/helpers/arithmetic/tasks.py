"""Arithmetic problems as token sequences: vocabulary, layout, train/test split, training batches.

Layout of one item (``task.seq_len`` = T columns)::

    [PAD ... PAD] a-digits op b-digits '='  answer-digits [PAD ...]
                                        ^ column task.answer_start - 1, the same for every item

Operands are written most significant digit first; a k-digit ``a`` shorter than the task's longest
is left-padded with PAD so that '=' lines up. The answer is written with exactly
``task.answer_width(k)`` digits (zero-padded), by default **reversed** (least significant digit
first), and right-padded with PAD up to ``task.answer_len`` columns.

Symbols
-------
a, b    operands; a has k digits (k in ``task.a_digits``), b has ``task.b_digits`` digits
k       number of digits of a
L       target length: the number of real answer tokens of an item, ``task.answer_width(k)``
T       sequence length, ``task.seq_len``
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from ..validation import check_int, check_real

__all__ = [
    "VOCAB",
    "VOCAB_SIZE",
    "PAD",
    "PLUS",
    "TIMES",
    "EQUALS",
    "TASK_NAMES",
    "ArithmeticTask",
    "Split",
    "get_task",
]

VOCAB: tuple[str, ...] = tuple("0123456789") + ("+", "*", "=", "_")  # token id -> text; digits are their own ids
VOCAB_SIZE: int = len(VOCAB)  # 14
PLUS: int = 10  # token id of '+'
TIMES: int = 11  # token id of '*'
EQUALS: int = 12  # token id of '='
PAD: int = 13  # token id of padding (shown as '_'; never an answer token)

_OPS = {"add": PLUS, "mul": TIMES}
_MAX_DIGITS = 9  # operands up to 9 digits keep every product inside int64 and sequences short
_MAX_REJECTION_ROUNDS = 10_000
_REDRAWS = 8  # candidates drawn per rejected training problem in each rejection round
_DENSE_TABLE_MAX = 1 << 24  # look test problems up in a dense table when there are at most this many codes


def _pow10(exponents: torch.Tensor) -> torch.Tensor:
    """10 ** exponents for a LongTensor of small non-negative exponents (exact integers)."""
    return torch.tensor(10, dtype=torch.long) ** exponents


def _digits(values: torch.Tensor, width: int) -> torch.Tensor:
    """Digits of each value, most significant first, zero-padded to ``width`` columns: (n,) -> (n, width)."""
    places = _pow10(torch.arange(width - 1, -1, -1, dtype=torch.long))
    return (values[:, None] // places) % 10


def _num_digits(values: torch.Tensor) -> torch.Tensor:
    """Number of decimal digits of each positive value (1 for 1..9)."""
    places = _pow10(torch.arange(1, 19, dtype=torch.long))
    return 1 + (values[:, None] >= places).sum(dim=1)


@dataclass(frozen=True, eq=False)
class Split:
    """A fixed test set of one task, and what ``sample_train`` needs to keep it out of training."""

    task: str  # name of the task the test problems belong to
    seed: int  # seed that drew the test set
    pairs: np.ndarray  # (n, 2) int64 operands (a, b) of the test problems, all distinct
    codes: torch.Tensor = field(repr=False)  # sorted LongTensor of a * code_base + b, one per test problem
    code_base: int = field(repr=False)  # b_max + 1, so that a code identifies a pair
    table: torch.Tensor | None = field(default=None, repr=False)  # dense BoolTensor over codes (small tasks), or None

    def __len__(self) -> int:
        """Number of test problems."""
        return len(self.pairs)

    def contains(self, pairs: Any) -> torch.Tensor:
        """BoolTensor (n,): True where a pair (a, b) is one of the test problems."""
        if isinstance(pairs, torch.Tensor):
            p = pairs.to(device="cpu", dtype=torch.long).reshape(-1, 2)
        else:
            p = torch.as_tensor(np.asarray(pairs), dtype=torch.long).reshape(-1, 2)
        code = p[:, 0] * self.code_base + p[:, 1]
        if self.table is not None:
            inside = (code >= 0) & (code < len(self.table))
            return inside & self.table[code.clamp(0, len(self.table) - 1)]
        pos = torch.searchsorted(self.codes, code).clamp(max=len(self.codes) - 1)
        return self.codes[pos] == code


@dataclass(frozen=True)
class ArithmeticTask:
    """One arithmetic task: operand sizes, operation and answer order; encodes problems as tokens.

    ``reverse_answer=True`` writes the answer least significant digit first. That is the order in
    which carries are computed, so each answer digit depends only on the operands and on digits
    already written: a left-to-right (causal) model learns it far more easily than the usual order.
    """

    name: str  # short label used in tables and figures, e.g. "mul_2x2"
    op: str  # "add" (a + b) or "mul" (a * b)
    a_digits: tuple[int, int]  # (fewest, most) digits of a; an int d means (d, d); 1..9
    b_digits: int  # digits of b, 1..9
    b_min: int | None = None  # smallest b (None: the smallest b_digits-digit number); e.g. 2 drops multipliers 0, 1
    reverse_answer: bool = True  # answer written least significant digit first (easier for a causal model)
    digit_weights: tuple[float, ...] | None = None  # training probability of each digit count of a (None: uniform)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        if self.op not in _OPS:
            raise ValueError(f"op must be one of {sorted(_OPS)}; got {self.op!r}")
        a = self.a_digits
        if isinstance(a, (int, np.integer)) and not isinstance(a, bool):
            a = (int(a), int(a))
        if not isinstance(a, (tuple, list)) or len(a) != 2:
            raise ValueError(f"a_digits must be an int or a pair (fewest, most) in [1, {_MAX_DIGITS}]; got {a!r}")
        lo = check_int("a_digits[0]", a[0], low=1, high=_MAX_DIGITS)
        hi = check_int("a_digits[1]", a[1], low=lo, high=_MAX_DIGITS)
        object.__setattr__(self, "a_digits", (lo, hi))
        bd = check_int("b_digits", self.b_digits, low=1, high=_MAX_DIGITS)
        object.__setattr__(self, "b_digits", bd)
        smallest = 0 if bd == 1 else 10 ** (bd - 1)
        b_min = smallest if self.b_min is None else check_int("b_min", self.b_min, low=smallest, high=10**bd - 1)
        object.__setattr__(self, "b_min", b_min)
        if not isinstance(self.reverse_answer, (bool, np.bool_)):
            raise ValueError(f"reverse_answer must be True or False; got {self.reverse_answer!r}")
        if self.digit_weights is not None:
            w = tuple(check_real(f"digit_weights[{i}]", x, low=0) for i, x in enumerate(self.digit_weights))
            if len(w) != hi - lo + 1 or sum(w) <= 0:
                raise ValueError(
                    f"digit_weights must hold {hi - lo + 1} non-negative weights (one per digit count "
                    f"{lo}..{hi}) with a positive sum; got {self.digit_weights!r}"
                )
            object.__setattr__(self, "digit_weights", w)

    # ------------------------------------------------------------------ sizes and layout

    @property
    def digit_counts(self) -> tuple[int, ...]:
        """The digit counts k of a that this task mixes, e.g. (1, 2, 3, 4, 5)."""
        return tuple(range(self.a_digits[0], self.a_digits[1] + 1))

    @property
    def b_max(self) -> int:
        """Largest b, ``10 ** b_digits - 1``."""
        return 10**self.b_digits - 1

    def a_range(self, k: int) -> tuple[int, int]:
        """Smallest and largest k-digit a, ``(10 ** (k - 1), 10 ** k - 1)`` (1..9 for k = 1)."""
        k = check_int("k", k, low=self.a_digits[0], high=self.a_digits[1])
        return 10 ** (k - 1), 10**k - 1

    def answer_width(self, k: int) -> int:
        """Target length L of an item whose a has k digits: k + b_digits (mul), max(k, b_digits) + 1 (add)."""
        k = check_int("k", k, low=self.a_digits[0], high=self.a_digits[1])
        return k + self.b_digits if self.op == "mul" else max(k, self.b_digits) + 1

    @property
    def target_lens(self) -> tuple[int, ...]:
        """The distinct target lengths L of the task's items, shortest first."""
        return tuple(sorted({self.answer_width(k) for k in self.digit_counts}))

    @property
    def answer_len(self) -> int:
        """Number of answer columns: the longest target length."""
        return max(self.target_lens)

    @property
    def answer_start(self) -> int:
        """Column of the first answer token (the '=' sits just before it)."""
        return self.a_digits[1] + 1 + self.b_digits + 1

    @property
    def seq_len(self) -> int:
        """Sequence length T: prompt plus answer columns."""
        return self.answer_start + self.answer_len

    def num_problems(self, k: int | None = None) -> int:
        """Number of distinct problems whose a has k digits (None: all digit counts)."""
        nb = self.b_max - self.b_min + 1
        if k is None:
            return sum(self.num_problems(kk) for kk in self.digit_counts)
        lo, hi = self.a_range(k)
        return (hi - lo + 1) * nb

    # ------------------------------------------------------------------ encoding and decoding

    def _check_pairs(self, pairs: Any) -> torch.Tensor:
        """Pairs as a LongTensor (n, 2) with every a and b in the task's range, else ValueError."""
        if isinstance(pairs, torch.Tensor):
            p = pairs.detach().to("cpu")
        else:
            p = torch.as_tensor(np.asarray(pairs))
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"pairs must have shape (n, 2) of operands (a, b); got shape {tuple(p.shape)}")
        if p.dtype.is_floating_point or p.dtype == torch.bool or p.dtype.is_complex:
            if p.dtype.is_floating_point and bool((p == p.round()).all()):
                p = p.round()
            else:
                raise ValueError(f"pairs must hold integers; got dtype {p.dtype}")
        p = p.to(torch.long)
        a_lo, a_hi = 10 ** (self.a_digits[0] - 1), 10 ** self.a_digits[1] - 1
        for col, name, lo, hi in ((0, "a", a_lo, a_hi), (1, "b", self.b_min, self.b_max)):
            bad = (p[:, col] < lo) | (p[:, col] > hi)
            if bool(bad.any()):
                raise ValueError(
                    f"pairs[:, {col}] ({name}) must hold integers in [{lo}, {hi}] for task {self.name!r}; "
                    f"got {int(p[bad.nonzero()[0, 0], col])}"
                )
        return p

    def result(self, pairs: Any) -> np.ndarray:
        """The true answers a + b or a * b as int64, one per pair."""
        p = self._check_pairs(pairs)
        r = p[:, 0] + p[:, 1] if self.op == "add" else p[:, 0] * p[:, 1]
        return r.numpy()

    def encode(self, pairs: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sequences X (n, T), answer mask (n, T) and target lengths (n,) of the given (a, b) pairs.

        ``mask[:, t]`` is True where the next token ``X[:, t + 1]`` is a real answer token, so the
        training loss is ``CE(logits[:, :-1][mask[:, :-1]], X[:, 1:][mask[:, :-1]])``.
        """
        p = self._check_pairs(pairs)
        a, b = p[:, 0], p[:, 1]
        n, bd, kmax, lmax = len(p), self.b_digits, self.a_digits[1], self.answer_len
        eq = self.answer_start - 1
        X = torch.full((n, self.seq_len), PAD, dtype=torch.long)
        X[:, eq] = EQUALS
        X[:, eq - bd : eq] = _digits(b, bd)
        X[:, eq - bd - 1] = _OPS[self.op]
        k = _num_digits(a)
        col = torch.arange(kmax)
        X[:, : eq - bd - 1] = torch.where(col >= kmax - k[:, None], _digits(a, kmax), PAD)
        width = k + bd if self.op == "mul" else torch.clamp(k, min=bd) + 1
        result = a + b if self.op == "add" else a * b
        written = _digits(result, lmax)  # most significant first, zero-padded to lmax
        j = torch.arange(lmax)
        if self.reverse_answer:
            idx = (lmax - 1 - j).expand(n, lmax)
        else:
            idx = torch.clamp(lmax - width[:, None] + j, max=lmax - 1)
        real = j < width[:, None]
        X[:, self.answer_start :] = torch.where(real, written.gather(1, idx), PAD)
        mask = torch.zeros((n, self.seq_len), dtype=torch.bool)
        mask[:, eq : eq + lmax] = real
        return X, mask, width

    def _check_sequences(self, X: Any) -> torch.Tensor:
        """X as a LongTensor (n, T) of token ids, else ValueError."""
        x = torch.as_tensor(X.detach().cpu() if isinstance(X, torch.Tensor) else np.asarray(X))
        if x.ndim == 1:
            x = x[None]
        if x.ndim != 2 or x.shape[1] != self.seq_len:
            raise ValueError(f"X must have shape (n, {self.seq_len}) for task {self.name!r}; got {tuple(x.shape)}")
        if x.dtype.is_floating_point or bool(((x < 0) | (x >= VOCAB_SIZE)).any()):
            raise ValueError(f"X must hold token ids in [0, {VOCAB_SIZE - 1}]")
        return x.to(torch.long)

    def decode_pairs(self, X: Any) -> np.ndarray:
        """The operands (a, b) written in the prompts of sequences X (n, T), as int64 (n, 2)."""
        x = self._check_sequences(X)
        bd, kmax = self.b_digits, self.a_digits[1]
        eq = self.answer_start - 1

        def _number(cols: torch.Tensor) -> torch.Tensor:
            d = torch.where(cols < 10, cols, 0)
            return (d * _pow10(torch.arange(cols.shape[1] - 1, -1, -1))).sum(dim=1)

        a = _number(x[:, : eq - bd - 1])
        b = _number(x[:, eq - bd : eq])
        return torch.stack([a, b], dim=1).numpy()

    def decode(self, X: Any, *, natural: bool = True) -> list[str]:
        """Text of each sequence without PAD, e.g. '37*64=2368'; ``natural=False`` keeps the written answer order."""
        x = self._check_sequences(X).tolist()
        texts = []
        for row in x:
            prompt = "".join(VOCAB[t] for t in row[: self.answer_start] if t != PAD)
            answer = "".join(VOCAB[t] for t in row[self.answer_start :] if t != PAD)
            if natural and self.reverse_answer:
                answer = answer[::-1]
            texts.append(prompt + answer)
        return texts

    def format_problem(self, a: int, b: int) -> str:
        """One problem and its answer as text in the usual digit order, e.g. '37*64=2368'."""
        return self.decode(self.encode([[a, b]])[0])[0]

    # ------------------------------------------------------------------ test split and training batches

    def _check_generator(self, generator: Any) -> torch.Generator:
        if not isinstance(generator, torch.Generator):
            raise ValueError(f"generator must be a torch.Generator (seed it with manual_seed); got {generator!r}")
        return generator

    def split(self, num_test: int, seed: int, *, max_test_fraction: float = 0.5) -> Split:
        """Draw ``num_test`` distinct test problems, spread evenly over the digit counts of a.

        At most ``max_test_fraction`` of each digit count's problems are held out, so training always
        has the rest (a held-out problem is never trained on: mul_2x2 has 8,100 problems, so with the
        default at most 4,050 can be test items). Digit counts with too few problems (e.g. 72 one-digit
        by one-digit products in mul_kx1) give their surplus to the others. Deterministic given seed.
        """
        frac = check_real("max_test_fraction", max_test_fraction, low=0, high=1, low_open=True, high_open=True)
        caps = {k: int(frac * self.num_problems(k)) for k in self.digit_counts}
        total_cap = sum(caps.values())
        num_test = check_int("num_test", num_test, low=1, high=total_cap)
        seed = check_int("seed", seed, low=0)
        g = torch.Generator().manual_seed(seed)
        # water-filling: equal shares, strata with the smallest caps first
        quota, remaining = {}, num_test
        order = sorted(self.digit_counts, key=lambda kk: caps[kk])
        for i, k in enumerate(order):
            share = -(-remaining // (len(order) - i))
            quota[k] = min(caps[k], share)
            remaining -= quota[k]
        nb = self.b_max - self.b_min + 1
        blocks = []
        for k in self.digit_counts:
            m = quota[k]
            if m == 0:
                continue
            population = self.num_problems(k)
            if population <= 4_000_000:
                idx = torch.randperm(population, generator=g)[:m]
            else:  # too many to permute: draw with replacement, keep distinct ones, pick m at random
                draw = 2 * m + 64
                while True:
                    u = torch.unique(torch.randint(0, population, (draw,), generator=g))
                    if len(u) >= m:
                        idx = u[torch.randperm(len(u), generator=g)[:m]]
                        break
                    draw *= 2
            a0 = self.a_range(k)[0]
            blocks.append(torch.stack([a0 + idx // nb, self.b_min + idx % nb], dim=1))
        pairs = torch.cat(blocks)[torch.randperm(num_test, generator=g)]
        base = self.b_max + 1
        codes = torch.sort(pairs[:, 0] * base + pairs[:, 1]).values
        size = (10 ** self.a_digits[1]) * base
        table = None
        if size <= _DENSE_TABLE_MAX:
            table = torch.zeros(size, dtype=torch.bool)
            table[codes] = True
        return Split(task=self.name, seed=seed, pairs=pairs.numpy(), codes=codes, code_base=base, table=table)

    def _draw(self, k: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Uniform random pairs (len(k), 2) whose a has the given digit counts."""
        lo = _pow10(k - 1)
        span = _pow10(k) - lo
        u = torch.rand((len(k), 2), generator=generator, dtype=torch.float64)
        a = lo + torch.minimum((u[:, 0] * span).long(), span - 1)
        nb = self.b_max - self.b_min + 1
        b = self.b_min + torch.clamp((u[:, 1] * nb).long(), max=nb - 1)
        return torch.stack([a, b], dim=1)

    def sample_pairs(self, batch_size: int, generator: torch.Generator, exclude: Split | None) -> torch.Tensor:
        """Random training pairs (batch_size, 2): k from ``digit_weights``, a and b uniform, test problems redrawn."""
        batch_size = check_int("batch_size", batch_size, low=1)
        g = self._check_generator(generator)
        if exclude is not None and not isinstance(exclude, Split):
            raise ValueError(f"exclude must be a Split from task.split(...) or None; got {type(exclude).__name__}")
        if exclude is not None and exclude.task != self.name:
            raise ValueError(f"exclude must be a Split of task {self.name!r}; got one of {exclude.task!r}")
        ks = torch.tensor(self.digit_counts, dtype=torch.long)
        if len(ks) == 1:
            k = ks.expand(batch_size).clone()
        else:
            w = torch.tensor(self.digit_weights or [1.0] * len(ks), dtype=torch.float64)
            k = ks[torch.multinomial(w, batch_size, replacement=True, generator=g)]
        pairs = self._draw(k, g)
        if exclude is None:
            return pairs
        bad = exclude.contains(pairs).nonzero().flatten()
        for _ in range(_MAX_REJECTION_ROUNDS):  # redraw test problems, keeping k (so k keeps its weights)
            if len(bad) == 0:
                return pairs
            # _REDRAWS candidates per rejected item at once; keep each item's first accepted candidate
            cand = self._draw(k[bad].repeat_interleave(_REDRAWS), g).reshape(len(bad), _REDRAWS, 2)
            ok = ~exclude.contains(cand.reshape(-1, 2)).reshape(len(bad), _REDRAWS)
            first = ok.to(torch.uint8).argmax(dim=1)
            found = ok.any(dim=1)
            pairs[bad[found]] = cand[found, first[found]]
            bad = bad[~found]
        raise RuntimeError("rejection sampling did not leave the test set; is the test set almost every problem?")

    def sample_train(
        self, batch_size: int, generator: torch.Generator, exclude: Split | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A training batch (X, mask) of shapes (batch_size, T), with no problem of the test split ``exclude``."""
        X, mask, _ = self.encode(self.sample_pairs(batch_size, generator, exclude))
        return X, mask


_TASKS: dict[str, ArithmeticTask] = {
    # the paper's two arithmetic tasks (BIG-bench / GPT-3 style)
    "mul_2x2": ArithmeticTask(name="mul_2x2", op="mul", a_digits=(2, 2), b_digits=2),
    "add_4x4": ArithmeticTask(name="add_4x4", op="add", a_digits=(4, 4), b_digits=4),
    # target-length experiment: k-digit a (k = 1..5) times a multiplier 2..9, answers of k + 1 digits
    "mul_kx1": ArithmeticTask(name="mul_kx1", op="mul", a_digits=(1, 5), b_digits=1, b_min=2),
}
TASK_NAMES: tuple[str, ...] = tuple(_TASKS)


def get_task(name: str, **overrides: Any) -> ArithmeticTask:
    """The named task ('mul_2x2', 'add_4x4' or 'mul_kx1'), with any fields replaced by ``overrides``.

    mul_2x2: 10..99 x 10..99 (8,100 problems), answers of 4 digits. add_4x4: 1000..9999 + 1000..9999
    (81M problems), answers of 5 digits. mul_kx1: a of k = 1..5 digits times b in 2..9, answers of
    k + 1 digits, so the target length L runs from 2 to 6 inside one task. Answers are reversed by
    default; ``get_task("mul_2x2", reverse_answer=False, name="mul_2x2_fwd")`` writes them in the usual order.
    """
    if name not in _TASKS:
        raise ValueError(f"name must be one of {list(TASK_NAMES)}; got {name!r}")
    return replace(_TASKS[name], **overrides) if overrides else _TASKS[name]
