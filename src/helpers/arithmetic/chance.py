"""Chance levels of an arithmetic task: what a model that has learned nothing about the operands scores.

Two guessers, both computed exactly over every problem of the task (never from a test sample):

- **random digits**: write each of the item's L answer digits at random; right with probability 10**-L;
- **the best constant guess**: always write the task's most common answer. It is right on that
  answer's share of all problems (e.g. 10,999 is the sum of 9,000 of the 81 million 4-digit pairs).
  Picking the most common answer *of a test set* instead would overstate it: on 4,000 sampled sums
  the sample's most common sum appears 4 times (0.1 %), nine times its share of all sums.

Not in ``code_version``: these numbers describe the task, not what a model said.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tasks import ArithmeticTask

__all__ = ["answer_counts", "constant_guess", "random_digits_rate"]

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
