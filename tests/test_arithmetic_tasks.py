"""Arithmetic tasks: token layout, encode/decode round trips, answer masks, and no train/test overlap."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.arithmetic.tasks import (
    EQUALS,
    PAD,
    PLUS,
    TASK_NAMES,
    TIMES,
    VOCAB,
    VOCAB_SIZE,
    ArithmeticTask,
    Split,
    get_task,
)

torch.set_num_threads(1)

NUM_TEST = {"mul_2x2": 4050, "add_4x4": 2000, "mul_kx1": 2000}


def _problem(task: ArithmeticTask, draw) -> tuple[int, int, int]:
    """A random (a, b, k) of the task, drawn by hypothesis."""
    k = draw(st.sampled_from(task.digit_counts))
    lo, hi = task.a_range(k)
    return draw(st.integers(lo, hi)), draw(st.integers(task.b_min, task.b_max)), k


# ---------------------------------------------------------------- vocabulary and layout


def test_vocabulary():
    assert VOCAB_SIZE == len(VOCAB) == 14
    assert VOCAB[:10] == tuple("0123456789")
    assert (VOCAB[PLUS], VOCAB[TIMES], VOCAB[EQUALS]) == ("+", "*", "=")
    assert PAD == 13 and PAD not in (PLUS, TIMES, EQUALS)


@pytest.mark.parametrize(
    ("name", "T", "start", "length", "lens", "count"),
    [
        ("mul_2x2", 10, 6, 4, (4,), 8_100),
        ("add_4x4", 15, 10, 5, (5,), 81_000_000),
        ("mul_kx1", 14, 8, 6, (2, 3, 4, 5, 6), 8 * 99_999),
    ],
)
def test_named_task_sizes(name, T, start, length, lens, count):
    task = get_task(name)
    assert (task.name, task.seq_len, task.answer_start, task.answer_len) == (name, T, start, length)
    assert task.target_lens == lens
    assert task.num_problems() == count


def test_encode_by_hand():
    task = get_task("mul_2x2")
    X, mask, L = task.encode([[37, 64]])
    # 37 * 64 = 2368, written reversed: 8 6 3 2
    assert X[0].tolist() == [3, 7, TIMES, 6, 4, EQUALS, 8, 6, 3, 2]
    assert mask[0].tolist() == [False] * 5 + [True] * 4 + [False]
    assert L.tolist() == [4]
    fwd = get_task("mul_2x2", reverse_answer=False)
    assert fwd.encode([[37, 64]])[0][0, 6:].tolist() == [2, 3, 6, 8]


def test_mul_kx1_pads_left_and_right():
    task = get_task("mul_kx1")
    X, mask, L = task.encode([[5, 3], [12, 2], [99999, 9]])
    P = PAD
    assert X[0].tolist() == [P, P, P, P, 5, TIMES, 3, EQUALS, 5, 1, P, P, P, P]
    assert X[1].tolist() == [P, P, P, 1, 2, TIMES, 2, EQUALS, 4, 2, 0, P, P, P]
    assert X[2].tolist() == [9, 9, 9, 9, 9, TIMES, 9, EQUALS, 1, 9, 9, 9, 9, 8]
    assert L.tolist() == [2, 3, 6]
    assert mask.sum(dim=1).tolist() == [2, 3, 6]


@pytest.mark.parametrize(
    ("name", "a", "b", "text"),
    [
        ("mul_2x2", 37, 64, "37*64=2368"),
        ("mul_2x2", 10, 10, "10*10=0100"),
        ("add_4x4", 1234, 8766, "1234+8766=10000"),
        ("add_4x4", 1000, 1000, "1000+1000=02000"),
        ("mul_kx1", 7, 3, "7*3=21"),
        ("mul_kx1", 12, 2, "12*2=024"),
    ],
)
def test_format_problem(name, a, b, text):
    assert get_task(name).format_problem(a, b) == text


@settings(max_examples=150)
@given(data=st.data(), name=st.sampled_from(TASK_NAMES), reverse=st.booleans())
def test_encode_decode_round_trip(data, name, reverse):
    task = get_task(name, reverse_answer=reverse)
    a, b, k = _problem(task, data.draw)
    X, mask, L = task.encode(np.array([[a, b]]))
    result = a * b if task.op == "mul" else a + b
    width = k + task.b_digits if task.op == "mul" else max(k, task.b_digits) + 1
    written = str(result).zfill(width)
    op = "*" if task.op == "mul" else "+"
    assert task.decode(X) == [f"{a}{op}{b}={written}"]
    assert task.decode(X, natural=False) == [f"{a}{op}{b}={written[::-1] if reverse else written}"]
    assert task.decode_pairs(X).tolist() == [[a, b]]
    assert task.result([[a, b]]).tolist() == [result]
    assert L.tolist() == [width]
    # '=' in the same column for every item, PAD only before a and after the answer
    row = X[0].tolist()
    assert row[task.answer_start - 1] == EQUALS
    assert row[: task.a_digits[1] - k] == [PAD] * (task.a_digits[1] - k)
    assert row[task.answer_start + width :] == [PAD] * (task.answer_len - width)
    # mask marks exactly the columns whose next token is a real answer token
    expected = [task.answer_start - 1 <= t < task.answer_start - 1 + width for t in range(task.seq_len)]
    assert mask[0].tolist() == expected
    assert all(row[t + 1] < 10 for t in range(task.seq_len) if expected[t])


@settings(max_examples=50)
@given(data=st.data(), name=st.sampled_from(TASK_NAMES))
def test_reversed_answer_is_the_usual_answer_backwards(data, name):
    rev, fwd = get_task(name), get_task(name, reverse_answer=False)
    pairs = [_problem(rev, data.draw)[:2] for _ in range(5)]
    Xr, mr, Lr = rev.encode(pairs)
    Xf, mf, Lf = fwd.encode(pairs)
    assert torch.equal(Lr, Lf) and torch.equal(mr, mf)
    assert torch.equal(Xr[:, : rev.answer_start], Xf[:, : fwd.answer_start])
    for i, L in enumerate(Lr.tolist()):
        s = rev.answer_start
        assert Xr[i, s : s + L].tolist() == Xf[i, s : s + L].flip(0).tolist()


def test_mul_kx1_target_len_is_digits_plus_one():
    task = get_task("mul_kx1")
    split = task.split(2000, seed=0)
    _, _, L = task.encode(split.pairs)
    digits = np.array([len(str(a)) for a in split.pairs[:, 0]])
    assert L.numpy().tolist() == (digits + 1).tolist()
    assert sorted(set(L.tolist())) == [2, 3, 4, 5, 6]


def test_encode_is_batched_consistently():
    task = get_task("mul_kx1")
    pairs = task.split(300, seed=3).pairs
    X, mask, L = task.encode(pairs)
    for i in (0, 17, 299):
        Xi, mi, Li = task.encode(pairs[i : i + 1])
        assert torch.equal(Xi[0], X[i]) and torch.equal(mi[0], mask[i]) and Li.item() == L[i].item()


# ---------------------------------------------------------------- split and training batches


@pytest.mark.parametrize("name", TASK_NAMES)
def test_split_is_distinct_deterministic_and_in_range(name):
    task = get_task(name)
    split = task.split(NUM_TEST[name], seed=5)
    assert isinstance(split, Split) and len(split) == NUM_TEST[name] and split.task == name
    assert len({tuple(p) for p in split.pairs.tolist()}) == len(split)
    task.encode(split.pairs)  # every pair is a valid problem (encode validates)
    again = task.split(NUM_TEST[name], seed=5)
    assert np.array_equal(split.pairs, again.pairs)
    assert not np.array_equal(split.pairs, task.split(NUM_TEST[name], seed=6).pairs)
    assert split.contains(split.pairs).all()


@pytest.mark.parametrize("name", TASK_NAMES)
def test_training_never_sees_a_test_problem(name):
    task = get_task(name)
    split = task.split(NUM_TEST[name], seed=0)
    test = {tuple(p) for p in split.pairs.tolist()}
    g = torch.Generator().manual_seed(1)
    seen = set()
    for _ in range(40):
        X, mask = task.sample_train(512, g, exclude=split)
        assert X.shape == (512, task.seq_len) and mask.shape == X.shape and mask.dtype == torch.bool
        seen |= {tuple(p) for p in task.decode_pairs(X).tolist()}
    assert seen and not (seen & test)
    # the loss targets are the right answers of the sampled problems
    pairs = task.decode_pairs(X)
    X2, mask2, _ = task.encode(pairs)
    assert torch.equal(X, X2) and torch.equal(mask, mask2)


def test_mul_2x2_training_covers_exactly_the_complement():
    task = get_task("mul_2x2")
    split = task.split(4050, seed=2)  # the most it may hold: half of 8,100
    test = {tuple(p) for p in split.pairs.tolist()}
    every = {(a, b) for a in range(10, 100) for b in range(10, 100)}
    g = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(25):
        seen |= {tuple(p) for p in task.sample_pairs(4000, g, split).tolist()}
    assert seen == every - test  # uniform enough to reach all 4,050 others, and never a test problem


def test_mul_kx1_draws_digit_counts_by_weight():
    task = get_task("mul_kx1")
    split = task.split(2000, seed=0)
    g = torch.Generator().manual_seed(0)
    k = np.array([len(str(a)) for a in task.sample_pairs(20_000, g, split)[:, 0].tolist()])
    np.testing.assert_allclose(np.bincount(k, minlength=6)[1:] / len(k), 0.2, atol=0.015)
    only_one = get_task("mul_kx1", digit_weights=(1, 0, 0, 0, 0))
    pairs = only_one.sample_pairs(2000, g, only_one.split(2000, seed=0)).tolist()
    held_out = {tuple(p) for p in only_one.split(2000, seed=0).pairs.tolist() if p[0] < 10}
    assert len(held_out) == 36  # half of the 72 one-digit problems
    drawn = {tuple(p) for p in pairs}
    assert all(a < 10 for a, _ in drawn) and len(drawn) == 36 and not (drawn & held_out)


def test_sampling_is_deterministic_given_the_generator():
    task = get_task("add_4x4")
    split = task.split(100, seed=0)
    a = task.sample_train(64, torch.Generator().manual_seed(9), exclude=split)
    b = task.sample_train(64, torch.Generator().manual_seed(9), exclude=split)
    c = task.sample_train(64, torch.Generator().manual_seed(10), exclude=split)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) and not torch.equal(a[0], c[0])


def test_split_spreads_over_digit_counts():
    task = get_task("mul_kx1")
    split = task.split(2000, seed=0)
    counts = np.bincount([len(str(a)) for a in split.pairs[:, 0].tolist()], minlength=6)[1:]
    assert counts.tolist() == [36, 360, 535, 535, 534]  # 1- and 2-digit a capped at half their problems


# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: get_task("div_2x2"), "name must be one of"),
        (lambda: ArithmeticTask(name="t", op="div", a_digits=2, b_digits=2), "op must be one of"),
        (lambda: ArithmeticTask(name="t", op="mul", a_digits=(3, 2), b_digits=2), r"a_digits\[1\] must be"),
        (lambda: ArithmeticTask(name="t", op="mul", a_digits=10, b_digits=2), r"a_digits\[0\] must be"),
        (lambda: ArithmeticTask(name="t", op="mul", a_digits=2, b_digits=0), r"b_digits must be .* in \[1, 9\]"),
        (lambda: ArithmeticTask(name="t", op="mul", a_digits=2, b_digits=2, b_min=5), r"b_min must be .* in \[10, 99\]"),
        (lambda: get_task("mul_kx1", digit_weights=(1, 1)), "digit_weights must hold 5"),
        (lambda: get_task("mul_2x2", reverse_answer="yes"), "reverse_answer must be"),
        (lambda: get_task("mul_2x2").split(4051, seed=0), r"num_test must be an integer in \[1, 4050\]"),
        (lambda: get_task("mul_2x2").split(10, seed=-1), "seed must be"),
        (lambda: get_task("mul_2x2").split(10, seed=0, max_test_fraction=1), "max_test_fraction must be in"),
        (lambda: get_task("mul_2x2").encode([[9, 10]]), r"pairs\[:, 0\] \(a\) must hold integers in \[10, 99\]"),
        (lambda: get_task("mul_kx1").encode([[9, 1]]), r"pairs\[:, 1\] \(b\) must hold integers in \[2, 9\]"),
        (lambda: get_task("mul_2x2").encode([10, 10]), r"pairs must have shape \(n, 2\)"),
        (lambda: get_task("mul_2x2").encode([[10.5, 10]]), "pairs must hold integers"),
        (lambda: get_task("mul_2x2").decode(torch.zeros(2, 9, dtype=torch.long)), r"X must have shape \(n, 10\)"),
        (lambda: get_task("mul_2x2").decode_pairs(torch.full((1, 10), 14)), r"X must hold token ids in \[0, 13\]"),
        (lambda: get_task("mul_2x2").sample_train(0, torch.Generator(), None), "batch_size must be"),
        (lambda: get_task("mul_2x2").sample_train(8, 0, None), "generator must be a torch.Generator"),
        (
            lambda: get_task("mul_2x2").sample_train(8, torch.Generator(), get_task("add_4x4").split(5, 0)),
            "exclude must be a Split of task 'mul_2x2'",
        ),
    ],
)
def test_bad_inputs_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
