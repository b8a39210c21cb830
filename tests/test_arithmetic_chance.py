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


def test_levels_by_length_match_brute_force_counts_of_each_length() -> None:
    kx1 = tasks.get_task("mul_kx1")
    levels = chance.levels_by_length(kx1)
    assert levels.index.tolist() == [2, 3, 4, 5, 6]
    for k, L in ((1, 2), (2, 3), (3, 4)):  # a of k digits, answers zero-padded to L = k + 1 digits
        answers = Counter(a * b for a in range(10 ** (k - 1), 10**k) for b in range(2, 10))
        top = max(answers.values())
        row = levels.loc[L]
        assert row.problems == sum(answers.values()) == 9 * 10 ** (k - 1) * 8
        assert row.answer == min(x for x, v in answers.items() if v == top)
        assert row["constant guess"] == pytest.approx(top / row.problems)
        leading_zero = sum(v for x, v in answers.items() if x < 10 ** (L - 1)) / row.problems
        assert row.starts_with_0 == pytest.approx(leading_zero)
        assert row["random digits"] == pytest.approx(10.0**-L)
    assert (levels.starts_with_0.between(0.14, 0.2)).all(), "14-19 % of the answers of each length start with 0"
    assert levels.loc[[2, 3, 4, 5, 6], "answer"].tolist() == [12, 120, 840, 10080, 90720]


def test_levels_by_length_of_a_one_length_task_is_the_whole_task() -> None:
    for name in ("mul_2x2", "add_4x4"):
        task = tasks.get_task(name)
        levels = chance.levels_by_length(task)
        assert len(levels) == 1
        best, rate = chance.constant_guess(task)
        assert levels.answer.iloc[0] == best and levels["constant guess"].iloc[0] == pytest.approx(rate)
        assert levels["random digits"].iloc[0] == pytest.approx(chance.random_digits_rate(task))
    # 4-digit sums below 10,000 are zero-padded: s = a + b < 10,000 for sum_{s=2000}^{9999} (s - 1999) pairs
    below = sum(s - 1999 for s in range(2000, 10_000)) / 9000**2
    assert chance.levels_by_length(tasks.get_task("add_4x4")).starts_with_0.iloc[0] == pytest.approx(below)


def test_item_levels_expect_the_reviewed_hits_on_the_chapter_split() -> None:
    # chapter 5's split: 10,000 held-out mul_kx1 items; the constant guess expects 8.5 hits, 7.9 x random digits
    task = tasks.get_task("mul_kx1")
    lengths = task.encode(task.split(10_000, seed=1).pairs)[2].numpy()
    items = chance.item_levels(task, lengths)
    assert list(items.columns) == list(chance.LEVELS) and len(items) == 10_000
    hits = items.sum()
    assert hits["random digits"] == pytest.approx(float(np.sum(10.0 ** -lengths.astype(float))))
    assert hits["constant guess"] == pytest.approx(8.504, abs=1e-3)
    assert hits["constant guess"] / hits["random digits"] == pytest.approx(7.91, abs=0.01)


def test_item_levels_refuse_lengths_the_task_does_not_have() -> None:
    task = tasks.get_task("mul_2x2")
    with pytest.raises(ValueError, match="target_lens"):
        chance.item_levels(task, [4, 5])
    with pytest.raises(ValueError, match="target_lens"):
        chance.item_levels(task, [])
    with pytest.raises(ValueError, match="task must be an ArithmeticTask"):
        chance.levels_by_length("mul_2x2")
