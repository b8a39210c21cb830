"""Chance levels of the arithmetic tasks, checked against brute-force counts and closed forms."""

from collections import Counter

import numpy as np
import pytest

from helpers.arithmetic import chance, tasks


def test_mul_2x2_counts_match_brute_force() -> None:
    brute = Counter(a * b for a in range(10, 100) for b in range(10, 100))
    counts = chance.answer_counts(tasks.get_task("mul_2x2"))
    assert counts.sum() == 8100 and dict(counts) == dict(brute)
    best, rate = chance.constant_guess(tasks.get_task("mul_2x2"))
    top = max(brute.values())
    assert rate == pytest.approx(top / 8100)
    assert best == min(k for k, v in brute.items() if v == top), "ties go to the smallest answer"


def test_add_4x4_most_common_sum_has_the_closed_form_share() -> None:
    # a + b = s has min(s - 1999, 19999 - s) solutions with 1000 <= a, b <= 9999: most (9,000) at s = 10,999
    best, rate = chance.constant_guess(tasks.get_task("add_4x4"))
    assert best == 10_999 and rate == pytest.approx(9000 / 9000**2)
    counts = chance.answer_counts(tasks.get_task("add_4x4"))
    s = np.array([2000, 5000, 10_999, 15_000, 19_998])
    np.testing.assert_array_equal(counts.loc[s].to_numpy(), np.minimum(s - 1999, 19_999 - s))


def test_random_digits_weights_each_target_length_by_its_problems() -> None:
    assert chance.random_digits_rate(tasks.get_task("mul_2x2")) == pytest.approx(1e-4)
    assert chance.random_digits_rate(tasks.get_task("add_4x4")) == pytest.approx(1e-5)
    kx1 = tasks.get_task("mul_kx1")  # a of k digits has 9 * 10**(k-1) values (k = 1: 1..9), answers of k + 1 digits
    n = np.array([9, 90, 900, 9000, 90000]) * 8
    assert chance.random_digits_rate(kx1) == pytest.approx(float(n @ 10.0 ** -np.arange(2, 7) / n.sum()))


def test_bad_tasks_are_refused_with_the_argument_named() -> None:
    with pytest.raises(ValueError, match="task must be an ArithmeticTask"):
        chance.answer_counts("mul_2x2")
    with pytest.raises(ValueError, match="too many to count"):
        chance.constant_guess(tasks.ArithmeticTask(name="big", op="mul", a_digits=6, b_digits=3))
