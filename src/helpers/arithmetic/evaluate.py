"""Fixed outputs of a trained ensemble on a fixed test set, then every metric as tidy rows.

The mirage argument in two steps: ``collect_outputs`` runs the model once and keeps what it said;
``score`` applies every metric to those same arrays. Nothing in ``score`` touches the model.

Shapes
------
E       ensemble members (e.g. seeds); the model maps X (E, B, T) -> logits (E, B, T, V)
n       test items
Lmax    answer columns of the task, ``task.answer_len``; item i has L_i <= Lmax real answer tokens
K       candidate answers of the multiple-choice framing (the right one and K - 1 distractors)

Metric names in the table (``value`` is the mean over the items of one target length):
cross_entropy (nats per answer token, teacher forced), token_accuracy (teacher-forced argmax right),
exact_match (greedy answer right), edit_distance (token Levenshtein, greedy vs right answer),
answer_logprob (log-prob of the whole right answer), answer_prob (its probability),
exact_match_first_<k> for k = 1..L (greedy, the first k answer tokens as written: with reversed
answers the k least significant digits; read k with ``metric.str.extract(r"first_(\\d+)")``),
multiple_choice_grade and brier_score (softmax over the K candidates' log-probs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from .. import metrics
from ..validation import check_int
from .tasks import PAD, VOCAB_SIZE, ArithmeticTask, Split

__all__ = ["Outputs", "collect_outputs", "score", "SCORE_COLUMNS", "metric_names"]

SCORE_COLUMNS: tuple[str, ...] = ("task", "seed", "target_len", "metric", "value", "n_items")


@dataclass(frozen=True, eq=False)
class Outputs:
    """What an ensemble said on a fixed test set: every metric is computed from these arrays alone."""

    task: str  # name of the task
    pairs: np.ndarray  # (n, 2) int64 operands (a, b) of the test items
    target_tokens: np.ndarray  # (n, Lmax) int64 right answer tokens as written (PAD after target_len)
    target_len: np.ndarray  # (n,) int64 number of real answer tokens L of each item
    token_logprob: np.ndarray  # (E, n, Lmax) float64 teacher-forced log-prob of each right token (NaN after L)
    argmax_tokens: np.ndarray  # (E, n, Lmax) int64 teacher-forced most probable token at each answer column
    greedy_tokens: np.ndarray  # (E, n, Lmax) int64 answer written by greedy decoding (PAD after L)
    candidate_tokens: np.ndarray  # (n, K, Lmax) int64 candidate answers: the right one and K - 1 distractors
    answer_index: np.ndarray  # (n,) int64 which candidate is the right answer
    candidate_logprob: np.ndarray  # (E, n, K) float64 log-prob of each whole candidate answer
    member_seeds: tuple[int, ...] | None = None  # seed of each member (from model.seeds), or None: 0..E-1

    def __post_init__(self) -> None:
        n, lmax = np.shape(self.target_tokens)
        e = np.shape(self.token_logprob)[0]
        k = np.shape(self.candidate_tokens)[1] if np.ndim(self.candidate_tokens) == 3 else -1
        expected = {
            "pairs": (n, 2),
            "target_len": (n,),
            "token_logprob": (e, n, lmax),
            "argmax_tokens": (e, n, lmax),
            "greedy_tokens": (e, n, lmax),
            "candidate_tokens": (n, k, lmax),
            "answer_index": (n,),
            "candidate_logprob": (e, n, k),
        }
        for name, shape in expected.items():
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(f"{name} must have shape {shape}; got {np.shape(getattr(self, name))}")
        if k < 2:
            raise ValueError(f"candidate_tokens must hold K >= 2 candidates per item; got {k}")
        if n and ((self.target_len < 1).any() or (self.target_len > lmax).any()):
            raise ValueError(f"target_len must hold integers in [1, {lmax}]")
        if n and ((self.answer_index < 0).any() or (self.answer_index >= k).any()):
            raise ValueError(f"answer_index must hold integers in [0, {k - 1}]")
        if self.member_seeds is not None:
            seeds = tuple(int(s) for s in self.member_seeds)
            if len(seeds) != e:
                raise ValueError(f"member_seeds must hold one seed per member ({e}); got {len(seeds)}")
            object.__setattr__(self, "member_seeds", seeds)

    @property
    def num_members(self) -> int:
        """Number of ensemble members E."""
        return self.token_logprob.shape[0]

    @property
    def num_items(self) -> int:
        """Number of test items n."""
        return self.target_tokens.shape[0]

    @property
    def num_candidates(self) -> int:
        """Number of multiple-choice candidates K."""
        return self.candidate_tokens.shape[1]


# ---------------------------------------------------------------------- running the model


def _device_of(model: Callable) -> torch.device:
    if isinstance(model, torch.nn.Module):
        for p in model.parameters():
            return p.device
    return torch.device("cpu")


def _members(model: Callable, num_members: int | None) -> int:
    if num_members is None:
        num_members = getattr(model, "num_members", None)
        if num_members is None:
            raise ValueError("num_members must be given (an int >= 1) when the model has no num_members attribute")
    return check_int("num_members", num_members, low=1)


def _seeds_of(model: Callable, E: int) -> tuple[int, ...] | None:
    """The model's ``seeds`` attribute when it names each of the E members with an int, else None."""
    seeds = getattr(model, "seeds", None)
    try:
        seeds = tuple(int(s) for s in seeds)
    except (TypeError, ValueError):
        return None
    return seeds if len(seeds) == E else None


def _logprobs(model: Callable, X: torch.Tensor, start: int, width: int) -> torch.Tensor:
    """log-softmax of the model's logits at columns start .. start + width - 1: (E, B, T) -> (E, B, width, V)."""
    logits = model(X.contiguous())
    e, b, t = X.shape
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (e, b, t, VOCAB_SIZE):
        got = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"model must map X of shape {(e, b, t)} to logits of shape {(e, b, t, VOCAB_SIZE)}; got {got}")
    return torch.log_softmax(logits[:, :, start : start + width].float(), dim=-1)


def _distractors(
    target: np.ndarray, target_len: np.ndarray, num_candidates: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates (n, K, Lmax): the right answer at a random index, others with one answer digit changed."""
    n, lmax = target.shape
    # options (position j, shift s): digit j becomes (digit + s) % 10, s in 1..9; K - 1 distinct options per item
    keys = rng.random((n, lmax * 9))
    keys[np.repeat(np.arange(lmax), 9)[None, :] >= target_len[:, None]] = np.inf
    chosen = np.argsort(keys, axis=1)[:, : num_candidates - 1]
    pos, shift = chosen // 9, chosen % 9 + 1
    others = np.repeat(target[:, None, :], num_candidates - 1, axis=1)
    rows = np.arange(n)[:, None]
    cols = np.arange(num_candidates - 1)[None, :]
    others[rows, cols, pos] = (others[rows, cols, pos] + shift) % 10
    answer = rng.integers(0, num_candidates, size=n)
    slot = np.arange(num_candidates)[None, :]
    from_others = np.clip(slot - (slot > answer[:, None]), 0, num_candidates - 2)  # skip the answer's slot
    candidates = others[rows, from_others]
    candidates[np.arange(n), answer] = target
    return candidates, answer.astype(np.int64)


def _greedy(
    model: Callable,
    X: torch.Tensor,
    target: np.ndarray,
    lens: np.ndarray,
    argmax_tokens: np.ndarray,
    E: int,
    batch_size: int,
    start: int,
    device: torch.device,
) -> np.ndarray:
    """Greedy answers (E, n, Lmax), each member feeding back its own tokens; PAD after each item's L.

    While a member's answer so far equals the right one, its input is exactly the teacher-forced
    one, so its next token is the teacher-forced argmax (the model is causal): the model runs again
    only for items on which some member has gone off the right answer.
    """
    n, lmax = target.shape
    real = np.arange(lmax)[None, :] < lens[:, None]
    greedy = np.where(real[None], argmax_tokens, PAD)
    for j in range(1, lmax):
        off = (greedy[:, :, :j] != target[None, :, :j]).any(axis=2)  # (E, n)
        todo = np.nonzero(off.any(axis=0) & (lens > j))[0]
        for lo in range(0, len(todo), batch_size):
            idx = todo[lo : lo + batch_size]
            cur = X[idx].expand(E, len(idx), X.shape[1]).clone()
            cur[:, :, start : start + j] = torch.from_numpy(greedy[:, idx, :j])
            cur[:, :, start + j :] = PAD
            nxt = _logprobs(model, cur.to(device), start - 1 + j, 1)[:, :, 0].argmax(-1).cpu().numpy()
            greedy[:, idx, j] = np.where(off[:, idx], nxt, argmax_tokens[:, idx, j])
    return greedy


def collect_outputs(
    model: Callable[[torch.Tensor], torch.Tensor],
    task: ArithmeticTask,
    pairs: Any,
    *,
    num_members: int | None = None,
    batch_size: int = 512,
    num_candidates: int = 4,
    seed: int = 0,
) -> Outputs:
    """Run an ensemble once on fixed test problems: teacher-forced log-probs, greedy answers, candidate scores.

    ``pairs`` is an (n, 2) array of operands or a ``Split``. ``num_members`` (E) defaults to
    ``model.num_members``; ``model.seeds``, when present, names the members in ``score``.
    Distractors change one answer digit of the right answer (each a different change), and the
    right answer's index is random; both are fixed by ``seed``. The model must be causal (column t
    sees columns <= t only): greedy decoding reuses teacher-forced predictions while they agree.
    """
    if not isinstance(task, ArithmeticTask):
        raise ValueError(f"task must be an ArithmeticTask (see get_task); got {type(task).__name__}")
    if isinstance(pairs, Split):
        if pairs.task != task.name:
            raise ValueError(f"pairs must be a Split of task {task.name!r}; got one of {pairs.task!r}")
        pairs = pairs.pairs
    E = _members(model, num_members)
    batch_size = check_int("batch_size", batch_size, low=1)
    seed = check_int("seed", seed, low=0)
    X, _, target_len = task.encode(pairs)
    n, T = X.shape
    if n == 0:
        raise ValueError("pairs must hold at least one test problem")
    start, lmax = task.answer_start, task.answer_len
    shortest = int(target_len.min())
    num_candidates = check_int("num_candidates", num_candidates, low=2, high=9 * shortest + 1)
    target = X[:, start:].numpy().copy()
    lens = target_len.numpy().astype(np.int64)
    real = np.arange(lmax)[None, :] < lens[:, None]
    candidates, answer = _distractors(target, lens, num_candidates, np.random.default_rng(seed))

    device = _device_of(model)
    token_logprob = np.empty((E, n, lmax))
    argmax_tokens = np.empty((E, n, lmax), dtype=np.int64)
    # only the K - 1 distractors need a forward pass: the right answer's log-prob is the teacher-forced sum
    others = np.ones((n, num_candidates), dtype=bool)
    others[np.arange(n), answer] = False
    X_other = X.repeat_interleave(num_candidates - 1, dim=0)
    X_other[:, start:] = torch.from_numpy(np.where(real[:, None], candidates, PAD)[others])
    other_real = torch.from_numpy(np.repeat(real, num_candidates - 1, axis=0))
    other_logprob = np.empty((E, n * (num_candidates - 1)))

    was_training = isinstance(model, torch.nn.Module) and model.training
    if isinstance(model, torch.nn.Module):
        model.eval()
    try:
        with torch.no_grad():
            for lo in range(0, n, batch_size):
                xb = X[lo : lo + batch_size].to(device)
                b = len(xb)
                lp = _logprobs(model, xb.expand(E, b, T), start - 1, lmax)  # (E, b, lmax, V)
                tgt = xb[:, start:].expand(E, b, lmax)
                token_logprob[:, lo : lo + b] = lp.gather(-1, tgt[..., None])[..., 0].cpu().double().numpy()
                argmax_tokens[:, lo : lo + b] = lp.argmax(-1).cpu().numpy()
            greedy_tokens = _greedy(model, X, target, lens, argmax_tokens, E, batch_size, start, device)
            for lo in range(0, len(X_other), batch_size):
                xb = X_other[lo : lo + batch_size].to(device)
                b = len(xb)
                lp = _logprobs(model, xb.expand(E, b, T), start - 1, lmax)
                tok = lp.gather(-1, xb[:, start:].expand(E, b, lmax)[..., None])[..., 0].double()
                tok = torch.where(other_real[lo : lo + b].to(device), tok, 0.0)
                other_logprob[:, lo : lo + b] = tok.sum(-1).cpu().numpy()
    finally:
        if was_training:
            model.train()
    token_logprob[:, ~real] = np.nan
    candidate_logprob = np.empty((E, n, num_candidates))
    candidate_logprob[:, others] = other_logprob
    candidate_logprob[:, np.arange(n), answer] = np.nansum(token_logprob, axis=2)
    return Outputs(
        task=task.name,
        pairs=task.decode_pairs(X).astype(np.int64),
        target_tokens=target.astype(np.int64),
        target_len=lens,
        token_logprob=token_logprob,
        argmax_tokens=argmax_tokens,
        greedy_tokens=greedy_tokens,
        candidate_tokens=candidates.astype(np.int64),
        answer_index=answer,
        candidate_logprob=candidate_logprob,
        member_seeds=_seeds_of(model, E),
    )


# ---------------------------------------------------------------------- metrics -> tidy table


def metric_names(target_len: int) -> list[str]:
    """The metric names ``score`` reports for items of target length L, in table order."""
    L = check_int("target_len", target_len, low=1)
    return [
        "cross_entropy",
        "token_accuracy",
        "exact_match",
        "edit_distance",
        "answer_logprob",
        "answer_prob",
        *(f"exact_match_first_{k}" for k in range(1, L + 1)),
        "multiple_choice_grade",
        "brier_score",
    ]


def _softmax(logp: np.ndarray) -> np.ndarray:
    z = logp - logp.max(axis=-1, keepdims=True)
    q = np.exp(z)
    return q / q.sum(axis=-1, keepdims=True)


def score(
    outputs: Outputs,
    *,
    seeds: Sequence[int] | None = None,
    labels: Mapping[str, Any] | None = None,
    **extra_labels: Any,
) -> pd.DataFrame:
    """Every metric of every member and target length as a tidy table (columns ``SCORE_COLUMNS`` + labels).

    One row per (seed, target_len, metric); ``value`` is the mean over that length's items and
    ``n_items`` their number. ``seeds`` names the members (default ``outputs.member_seeds``, else
    0..E-1); ``labels`` and keyword
    labels (e.g. ``params=1234``) become constant columns.
    """
    if not isinstance(outputs, Outputs):
        raise ValueError(f"outputs must be an Outputs from collect_outputs; got {type(outputs).__name__}")
    E = outputs.num_members
    if seeds is None:
        seeds = outputs.member_seeds if outputs.member_seeds is not None else range(E)
    seeds = list(seeds)
    if len(seeds) != E:
        raise ValueError(f"seeds must name each of the {E} members; got {len(seeds)} seeds")
    extra = {**(dict(labels) if labels else {}), **extra_labels}
    clash = sorted(set(extra) & set(SCORE_COLUMNS))
    if clash:
        raise ValueError(f"labels must not reuse the table's own columns {list(SCORE_COLUMNS)}; got {clash}")
    option_probs = _softmax(outputs.candidate_logprob)  # (E, n, K)
    rows = []
    for L in np.unique(outputs.target_len):
        L = int(L)
        items = outputs.target_len == L
        y = outputs.target_tokens[items, :L]
        answer = outputs.answer_index[items]
        for e, seed in enumerate(seeds):
            logp = outputs.token_logprob[e, items, :L]
            greedy = outputs.greedy_tokens[e, items, :L]
            values = {
                "cross_entropy": metrics.cross_entropy(np.exp(logp)),
                "token_accuracy": metrics.token_accuracy(outputs.argmax_tokens[e, items, :L], y),
                "exact_match": metrics.exact_match(greedy, y),
                "edit_distance": metrics.token_edit_distance(greedy, y),
                "answer_logprob": logp.sum(axis=1),
                "answer_prob": np.exp(logp.sum(axis=1)),
                **{f"exact_match_first_{k}": metrics.exact_match(greedy[:, :k], y[:, :k]) for k in range(1, L + 1)},
                "multiple_choice_grade": metrics.multiple_choice_grade(option_probs[e, items], answer),
                "brier_score": metrics.brier_score(option_probs[e, items], answer),
            }
            n_items = int(items.sum())
            for name, per_item in values.items():
                rows.append((outputs.task, seed, L, name, float(np.mean(per_item)), n_items))
    table = pd.DataFrame(rows, columns=list(SCORE_COLUMNS))
    for name, value in extra.items():
        table[name] = value
    return table
