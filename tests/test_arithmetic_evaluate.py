"""Fixed outputs and their scores, checked with stand-in models whose right answers are known."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from helpers.arithmetic.evaluate import SCORE_COLUMNS, Outputs, collect_outputs, metric_names, score
from helpers.arithmetic.tasks import EQUALS, PAD, VOCAB_SIZE, get_task

torch.set_num_threads(1)
V = VOCAB_SIZE


def _wrong(pairs: torch.Tensor, t: torch.Tensor, e: torch.Tensor, rate: float) -> torch.Tensor:
    """Deterministic coin per (item, column, member): True with probability about ``rate``."""
    h = (pairs[:, 0, None] * 1_000_003 + pairs[:, 1, None] * 7_919 + t * 104_729 + e * 15_485_863) % (1 << 31)
    return ((h * 2_654_435_761) % (1 << 32)).double() / 2**32 < rate


class Oracle:
    """Stand-in ensemble: probability q on one token, the rest spread evenly over the other V - 1.

    The favoured token is the right next token, computed from the prompt alone, except where the
    coin ``_wrong`` (rate ``flip``) says this member is wrong at this column; then it is the right
    digit + 1 (mod 10). It ignores the answer tokens it is fed, so greedy and teacher-forced agree.
    """

    def __init__(self, task, q: float, num_members: int = 2, flip: float = 0.0):
        self.task, self.q, self.num_members, self.flip = task, q, num_members, flip

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        E, B, T = X.shape
        pairs = torch.from_numpy(self.task.decode_pairs(X.reshape(E * B, T)))
        right = self.task.encode(pairs)[0]
        nxt = torch.cat([right[:, 1:], torch.full((E * B, 1), PAD)], dim=1)
        if self.flip:
            member = torch.arange(E).repeat_interleave(B)[:, None]
            wrong = _wrong(pairs, torch.arange(T)[None, :], member, self.flip) & (nxt < 10)
            nxt = torch.where(wrong, (nxt + 1) % 10, nxt)
        rest = math.log((1 - self.q) / (V - 1)) if self.q < 1 else -math.inf
        logits = torch.full((E * B, T, V), rest)
        logits.scatter_(-1, nxt[..., None], math.log(self.q))
        return logits.reshape(E, B, T, V)


class Counter:
    """Stand-in that predicts (current digit + 1) mod 10, and 0 after '=': greedy writes 0, 1, 2, ..."""

    num_members = 1

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        nxt = torch.where(X < 10, (X + 1) % 10, 0)
        return torch.nn.functional.one_hot(nxt, V).float() * 10.0


class RandomModel(torch.nn.Module):
    """Stand-in causal ensemble with random weights: logits from the current and previous token and the column."""

    def __init__(self, E: int, T: int, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.num_members = E
        self.cur = torch.nn.Parameter(torch.randn(E, V, V, generator=g))
        self.prev = torch.nn.Parameter(torch.randn(E, V, V, generator=g))
        self.col = torch.nn.Parameter(torch.randn(E, T, V, generator=g))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        E = X.shape[0]
        prev = torch.cat([torch.full_like(X[:, :, :1], PAD), X[:, :, :-1]], dim=2)
        idx = torch.arange(E)[:, None, None]
        return self.cur[idx, X] + self.prev[idx, prev] + self.col[:, None]


def _levenshtein(a: list, b: list) -> int:
    """Textbook dynamic-programming edit distance, an independent check of the library's."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def _metric(table: pd.DataFrame, name: str) -> pd.Series:
    return table[table.metric == name].set_index(["seed", "target_len"]).value


# ---------------------------------------------------------------- the oracle: known answers


@pytest.mark.parametrize("name", ["mul_2x2", "add_4x4", "mul_kx1"])
def test_perfect_oracle_scores_perfectly(name):
    task = get_task(name)
    pairs = task.split(60, seed=1).pairs
    out = collect_outputs(Oracle(task, 1.0), task, pairs, num_candidates=5, batch_size=25)
    assert np.array_equal(out.greedy_tokens[0], out.target_tokens)  # greedy decoding finds the answer
    t = score(out)
    for metric in ["token_accuracy", "exact_match", "answer_prob", "multiple_choice_grade"]:
        np.testing.assert_array_equal(_metric(t, metric), 1.0)
    for metric in ["cross_entropy", "edit_distance", "answer_logprob", "brier_score"]:
        np.testing.assert_array_equal(_metric(t, metric), 0.0)
    assert (t[t.metric.str.startswith("exact_match_first_")].value == 1.0).all()


@pytest.mark.parametrize("q", [0.3, 0.8])
def test_oracle_with_known_q_matches_closed_forms(q):
    task, K = get_task("mul_kx1"), 4
    split = task.split(150, seed=2)
    out = collect_outputs(Oracle(task, q, num_members=3), task, split, num_candidates=K, seed=4)
    t = score(out, seeds=[10, 11, 12])
    L = _metric(t, "cross_entropy").index.get_level_values("target_len").to_numpy()
    assert sorted(set(L)) == [2, 3, 4, 5, 6]
    np.testing.assert_allclose(_metric(t, "cross_entropy"), -math.log(q), rtol=1e-5)  # float32 logits
    np.testing.assert_allclose(_metric(t, "answer_logprob"), L * math.log(q), rtol=1e-5)
    np.testing.assert_allclose(_metric(t, "answer_prob"), q**L, rtol=1e-5)
    np.testing.assert_array_equal(_metric(t, "token_accuracy"), 1.0)  # q beats (1 - q) / 13 each time
    np.testing.assert_array_equal(_metric(t, "exact_match"), 1.0)
    # a distractor differs in one digit: probability (1 - q) / 13 there, q elsewhere
    p_right = q / (q + (K - 1) * (1 - q) / (V - 1))
    brier = ((1 - p_right) ** 2 + (K - 1) * ((1 - p_right) / (K - 1)) ** 2) / K
    np.testing.assert_allclose(_metric(t, "brier_score"), brier, rtol=1e-5)
    np.testing.assert_array_equal(_metric(t, "multiple_choice_grade"), 1.0)


def test_wrong_columns_give_token_accuracy_and_exact_match():
    task, flip = get_task("mul_kx1"), 0.25
    split = task.split(400, seed=0)
    out = collect_outputs(Oracle(task, 0.9, num_members=2, flip=flip), task, split)
    t = score(out)
    pairs = torch.from_numpy(out.pairs)
    start = task.answer_start
    for e in range(2):
        cols = torch.arange(start - 1, start - 1 + task.answer_len)[None, :]
        wrong = _wrong(pairs, cols, torch.tensor(e), flip).numpy()
        assert np.array_equal(out.greedy_tokens[e], out.argmax_tokens[e])  # the oracle ignores its own answer
        for L in range(2, 7):
            items = out.target_len == L
            right = ~wrong[items, :L]
            assert _metric(t, "token_accuracy")[(e, L)] == pytest.approx(right.mean())
            assert _metric(t, "exact_match")[(e, L)] == pytest.approx(right.all(axis=1).mean())
            y, g = out.target_tokens[items, :L].tolist(), out.greedy_tokens[e, items, :L].tolist()
            edits = np.mean([_levenshtein(a, b) for a, b in zip(g, y)])
            assert _metric(t, "edit_distance")[(e, L)] == pytest.approx(edits)
            assert edits <= (~right).sum(axis=1).mean()  # never more than the wrong columns
            first = [_metric(t, f"exact_match_first_{k}")[(e, L)] for k in range(1, L + 1)]
            assert first == pytest.approx([right[:, :k].all(axis=1).mean() for k in range(1, L + 1)])
            assert all(a >= b for a, b in zip(first, first[1:]))  # non-increasing in k
            assert first[-1] == _metric(t, "exact_match")[(e, L)]
        overall = ~wrong[np.arange(task.answer_len)[None, :] < out.target_len[:, None]]
        assert 0.15 < 1 - overall.mean() < 0.35  # the coin lands near the flip rate


def test_greedy_decoding_feeds_back_its_own_tokens():
    task = get_task("mul_2x2")
    out = collect_outputs(Counter(), task, [[37, 64], [99, 99]], num_candidates=2)
    assert out.greedy_tokens[0].tolist() == [[0, 1, 2, 3]] * 2
    # teacher forced, it sees the right digits: 8632 -> predicts 0, 9, 7, 4
    assert out.argmax_tokens[0, 0].tolist() == [0, 9, 7, 4]


# ---------------------------------------------------------------- a random causal model: consistency


def test_random_model_outputs_are_consistent():
    task = get_task("mul_kx1")
    split = task.split(90, seed=7)
    model = RandomModel(E=3, T=task.seq_len)
    model.train()
    out = collect_outputs(model, task, split, batch_size=16, num_candidates=6, seed=3)
    assert model.training  # put back as it was
    assert (out.num_members, out.num_items, out.num_candidates) == (3, 90, 6)
    real = np.arange(task.answer_len)[None, :] < out.target_len[:, None]
    assert np.isnan(out.token_logprob[:, ~real]).all() and np.isfinite(out.token_logprob[:, real]).all()
    right = out.candidate_logprob[:, np.arange(90), out.answer_index]
    np.testing.assert_allclose(right, np.nansum(out.token_logprob, axis=2), rtol=1e-5, atol=1e-5)
    # same outputs in one big batch; different seed moves the right answer's slot
    again = collect_outputs(model, task, split.pairs, batch_size=1000, num_candidates=6, seed=3)
    for field in ["token_logprob", "argmax_tokens", "greedy_tokens", "candidate_tokens", "candidate_logprob"]:
        np.testing.assert_allclose(getattr(out, field), getattr(again, field), rtol=1e-5, equal_nan=True)
    other = collect_outputs(model, task, split, num_candidates=6, seed=4)
    assert not np.array_equal(out.answer_index, other.answer_index)
    assert out.member_seeds is None and set(score(out).seed) == {0, 1, 2}
    # greedy decoding equals the plain loop: write one column at a time from the model's own tokens
    X = torch.from_numpy(np.repeat(task.encode(split.pairs)[0].numpy()[None], 3, axis=0))
    s = task.answer_start
    X[:, :, s:] = PAD
    with torch.no_grad():
        for j in range(task.answer_len):
            X[:, :, s + j] = model(X)[:, :, s - 1 + j].argmax(-1)
    plain = np.where(real[None], X[:, :, s:].numpy(), PAD)
    assert np.array_equal(out.greedy_tokens, plain)
    assert 0 < (out.greedy_tokens != out.argmax_tokens)[:, real].mean()  # feeding back its errors matters
    model.seeds = (7, 8, 9)  # like EnsembleTransformer.seeds: the table names members by seed
    named = collect_outputs(model, task, split, num_candidates=2)
    assert named.member_seeds == (7, 8, 9) and set(score(named).seed) == {7, 8, 9}


def test_candidates_are_distinct_one_digit_changes():
    task = get_task("mul_kx1")
    out = collect_outputs(Oracle(task, 0.5), task, task.split(200, seed=0), num_candidates=19, seed=1)
    assert out.answer_index.min() == 0 and out.answer_index.max() == 18  # not always column 0
    for i in range(out.num_items):
        L, cands = out.target_len[i], out.candidate_tokens[i]
        assert np.array_equal(cands[out.answer_index[i]], out.target_tokens[i])
        assert len({tuple(c) for c in cands.tolist()}) == 19
        diffs = (cands[:, :L] != out.target_tokens[i, :L]).sum(axis=1)
        assert sorted(diffs.tolist()) == [0] + [1] * 18
        assert (cands[:, L:] == PAD).all() and (cands[:, :L] < 10).all()


# ---------------------------------------------------------------- the tidy table


def test_table_has_one_row_per_seed_length_metric():
    task = get_task("mul_kx1")
    out = collect_outputs(Oracle(task, 0.6, num_members=2), task, task.split(100, seed=0))
    t = score(out, seeds=[3, 8], labels={"params": 1234}, steps=600)
    assert list(t.columns) == [*SCORE_COLUMNS, "params", "steps"]
    assert (t.params == 1234).all() and (t.steps == 600).all() and (t.task == "mul_kx1").all()
    assert not t.duplicated(["seed", "target_len", "metric"]).any()
    assert len(t) == 2 * sum(len(metric_names(L)) for L in range(2, 7))
    assert set(t.seed) == {3, 8}
    n = t[t.metric == "exact_match"].groupby("target_len").n_items.first()
    assert n.to_dict() == {L: int((out.target_len == L).sum()) for L in range(2, 7)}
    assert n.sum() == 100
    assert set(t[t.target_len == 2].metric) == set(metric_names(2))
    assert "exact_match_first_3" not in set(t[t.target_len == 2].metric)


def test_single_length_task_has_one_target_len():
    task = get_task("mul_2x2")
    out = collect_outputs(Oracle(task, 0.7, num_members=1), task, task.split(50, seed=0))
    t = score(out)
    assert set(t.target_len) == {4} and set(t.seed) == {0} and len(t) == len(metric_names(4))
    assert (t.n_items == 50).all()


def test_outputs_check_shapes():
    task = get_task("mul_2x2")
    out = collect_outputs(Oracle(task, 0.7, num_members=1), task, task.split(5, seed=0))
    fields = {f: getattr(out, f) for f in out.__dataclass_fields__}
    Outputs(**fields)
    with pytest.raises(ValueError, match=r"candidate_logprob must have shape \(1, 5, 4\)"):
        Outputs(**{**fields, "candidate_logprob": np.zeros((1, 5, 3))})
    with pytest.raises(ValueError, match=r"answer_index must hold integers in \[0, 3\]"):
        Outputs(**{**fields, "answer_index": np.full(5, 4)})
    with pytest.raises(ValueError, match=r"member_seeds must hold one seed per member \(1\)"):
        Outputs(**{**fields, "member_seeds": (1, 2)})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t, m: collect_outputs(m, t, [[37, 64]], num_candidates=1), r"num_candidates must be .* in \[2, 37\]"),
        (lambda t, m: collect_outputs(m, t, [[37, 64]], batch_size=0), "batch_size must be"),
        (lambda t, m: collect_outputs(lambda X: X, t, [[37, 64]], num_members=1), "model must map X of shape"),
        (lambda t, m: collect_outputs(Counter().__call__, t, [[37, 64]]), "num_members must be given"),
        (lambda t, m: collect_outputs(m, t, [[37, 6]]), r"pairs\[:, 1\] \(b\) must hold integers in \[10, 99\]"),
        (lambda t, m: collect_outputs(m, t, get_task("add_4x4").split(3, 0)), "pairs must be a Split of task"),
        (lambda t, m: collect_outputs(m, "mul_2x2", [[37, 64]]), "task must be an ArithmeticTask"),
        (lambda t, m: score(collect_outputs(m, t, [[37, 64]]), seeds=[1, 2, 3]), "seeds must name each of the 2"),
        (lambda t, m: score(collect_outputs(m, t, [[37, 64]]), metric="x"), "labels must not reuse"),
        (lambda t, m: score({"task": "x"}), "outputs must be an Outputs"),
    ],
)
def test_bad_inputs_raise(call, message):
    task = get_task("mul_2x2")
    with pytest.raises(ValueError, match=message):
        call(task, Oracle(task, 0.9))


def test_metric_names_lists_first_k():
    assert metric_names(2) == [
        "cross_entropy",
        "token_accuracy",
        "exact_match",
        "edit_distance",
        "answer_logprob",
        "answer_prob",
        "exact_match_first_1",
        "exact_match_first_2",
        "multiple_choice_grade",
        "brier_score",
    ]
    assert EQUALS != PAD
