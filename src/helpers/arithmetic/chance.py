"""Chance levels of an arithmetic task: what a model that has learned nothing about the operands scores.

Two guessers, both computed exactly over every problem of the task (never from a test sample):

- **random digits**: write each of the item's L answer digits at random; right with probability 10**-L;
- **the best constant guess**: always write the task's most common answer. It is right on that
  answer's share of all problems (e.g. 10,999 is the sum of 9,000 of the 81 million 4-digit pairs).
  For a task whose answers have several lengths (``mul_kx1``) both guessers know the item's length L,
  as the model does from its operands: the constant guess is then the most common answer *of that
  length* (answers are zero-padded to L digits, so it can start with 0), computed over every problem
  of that length (``levels_by_length``), and a test set's chance is the mean of its items' levels
  (``item_levels``).
  Picking the most common answer *of a test set* instead would overstate it: on 4,000 sampled sums
  the sample's most common sum appears 4 times (0.1 %), nine times its share of all sums.

Not in ``code_version``: these numbers describe the task, not what a model said.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tasks import ArithmeticTask

__all__ = ["LEVELS", "answer_counts", "constant_guess", "random_digits_rate", "levels_by_length", "item_levels"]

LEVELS: tuple[str, ...] = ("random digits", "constant guess")  # the two guessers, weakest first

_MAX_ANSWER = 10**7  # answers above this need too large a count table


def _largest_answer(task: ArithmeticTask) -> int:
    """The task's largest answer; refuses tasks whose answers are too many to count."""
    if not isinstance(task, ArithmeticTask):
        raise ValueError(f"task must be an ArithmeticTask (see tasks.get_task); got {type(task).__name__}")
    largest_a = task.a_range(task.a_digits[1])[1]
    largest = largest_a * task.b_max if task.op == "mul" else largest_a + task.b_max
    if largest > _MAX_ANSWER:
        raise ValueError(f"task: answers up to {largest:,} are too many to count (at most {_MAX_ANSWER:,})")
    return largest


def answer_counts(task: ArithmeticTask) -> pd.Series:
    """How many problems of ``task`` have each answer, over every (a, b) there is (index: answer, sorted).

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    largest = _largest_answer(task)
    a = np.concatenate([np.arange(lo, hi + 1) for lo, hi in map(task.a_range, task.digit_counts)])
    counts = np.zeros(largest + 1, dtype=np.int64)
    for b in range(task.b_min, task.b_max + 1):  # one bincount per b: memory stays O(largest answer)
        counts += np.bincount(a * b if task.op == "mul" else a + b, minlength=largest + 1)
    nonzero = np.flatnonzero(counts)
    return pd.Series(counts[nonzero], index=pd.Index(nonzero, name="answer"), name="problems")


def constant_guess(task: ArithmeticTask) -> tuple[int, float]:
    """The task's most common answer and the share of all its problems that have it (ties: the smallest).

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    counts = answer_counts(task)
    best = counts.idxmax()
    return int(best), float(counts[best] / counts.sum())


def random_digits_rate(task: ArithmeticTask) -> float:
    """Exact match of a guesser writing random digits, averaged over every problem: mean of 10**-L.

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    _largest_answer(task)
    weights = np.array([task.num_problems(k) for k in task.digit_counts], dtype=float)
    rates = np.array([10.0 ** -task.answer_width(k) for k in task.digit_counts])
    return float(weights @ rates / weights.sum())


def _counts_of(task: ArithmeticTask, k: int, largest: int) -> np.ndarray:
    """How many problems whose a has k digits have each answer 0 .. largest (one bincount per b)."""
    lo, hi = task.a_range(k)
    a = np.arange(lo, hi + 1, dtype=np.int64)
    counts = np.zeros(largest + 1, dtype=np.int64)
    for b in range(task.b_min, task.b_max + 1):
        counts += np.bincount(a * b if task.op == "mul" else a + b, minlength=largest + 1)
    return counts


def levels_by_length(task: ArithmeticTask) -> pd.DataFrame:
    """Both chance levels for each target length L, over every problem of that length (index ``target_len``).

    Columns: ``problems`` (how many), ``starts_with_0`` (share of zero-padded answers), ``answer`` (the
    most common answer of that length; ties: the smallest), ``random digits`` (10**-L) and ``constant
    guess`` (the share of the length's problems whose answer is ``answer``).

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    largest = _largest_answer(task)
    by_len: dict[int, np.ndarray] = {}
    for k in task.digit_counts:
        L = task.answer_width(k)
        by_len[L] = by_len.get(L, 0) + _counts_of(task, k, largest)  # digit counts of one width pool
    out = []
    for L, counts in sorted(by_len.items()):
        total = int(counts.sum())
        best = int(np.argmax(counts))  # the first maximum: ties go to the smallest answer
        out.append({"target_len": L, "problems": total,
                    "starts_with_0": float(counts[: 10 ** (L - 1)].sum() / total),
                    "answer": best, "random digits": 10.0 ** -L,
                    "constant guess": float(counts[best] / total)})
    return pd.DataFrame(out).set_index("target_len")


def item_levels(task: ArithmeticTask, target_lens) -> pd.DataFrame:
    """Each test item's chance of being exactly right under each guesser of ``LEVELS`` (one row per item).

    ``target_lens`` holds the items' target lengths (as ``task.encode`` returns them). The mean of a
    column over the first n items is that guesser's expected exact match on those n items.

    Taught in chapter 5, section 'Prediction (b): resolution, with models trained now'.
    """
    levels = levels_by_length(task)
    lens = np.asarray(target_lens).astype(np.int64).ravel()
    if lens.size == 0:
        raise ValueError("target_lens must hold at least one item's target length")
    unknown = sorted(set(lens.tolist()) - set(levels.index.tolist()))
    if unknown:
        raise ValueError(f"target_lens must be lengths of {task.name!r} answers {levels.index.tolist()}; "
                         f"got {unknown}")
    return levels.loc[lens, list(LEVELS)].reset_index(drop=True)
