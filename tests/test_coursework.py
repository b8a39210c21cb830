"""Tests of helpers.coursework: every self-check accepts the right answer and rejects wrong ones helpfully.

The right answers are computed here independently (closed forms, scipy, fresh simulations), not with
the checks' own internals. A rejection must raise SelfCheckError whose message names the exercise and
never contains the right answer's digits. The chapters must wire each check into its exercise text and
its executed solution, so that executing the book proves every solution passes its self-check.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from helpers import coursework as cw
from helpers import emergence_claims as ec
from helpers import metrics
from helpers import simulation as sim
from helpers import toy_model as tm

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book" / "chapters").glob("*.md"))
C, ALPHA = 1e9, -0.3
MODEL = tm.ToyModel(C, ALPHA)


def z_q(q: float) -> float:
    """Gumbel coordinate at which exp(-exp(-z)) = q."""
    return -math.log(-math.log(q))


# --- right answers, computed independently ----------------------------------------------------


def ch1_half() -> tuple:
    return 2 ** (-1 / 5), C * (math.log(2) / 5) ** (1 / ALPHA)


def ch1_read_table() -> tuple:
    scratch = next(p for p in ec.EMERGENCE_POINTS if "Scratchpad" in p.task)
    lowest = min(p.flops for p in ec.EMERGENCE_POINTS if p.setting == "few-shot")
    return (math.log10(lowest / scratch.flops),)


def toy_kaplan() -> tuple:
    c, alpha = 8.8e13, -0.076
    return [c * L ** (-1 / alpha) for L in range(1, 6)], (z_q(0.5) - z_q(0.01)) / (-alpha * math.log(10))


def toy_width_value() -> float:
    return (z_q(0.9) - z_q(0.1)) / (-ALPHA * math.log(10))


def metrics_predict_rho() -> float:
    """Beta-difficulty exact match E[q^5] at p = 0.8, rho = 0.2, from scipy's Beta moments."""
    p, rho = 0.8, 0.2
    k = 1 / rho - 1
    return float(stats.beta(p * k, (1 - p) * k).moment(5))


def metrics_levenshtein() -> tuple:
    outputs = sim.sample_outputs(np.logspace(7, 12, 11), 8, num_items=1000, vocab=10, model=MODEL, seed=0)
    y, y_hat = outputs.targets[:, :5], outputs.predictions[0, :, :5]
    hamming = float((y_hat != y).sum(axis=1).mean())
    lev = float(np.mean([metrics.token_edit_distance([a], [b])[0] for a, b in zip(y_hat.tolist(), y.tolist())]))
    return hamming, lev


def metrics_mcg() -> tuple:
    N = np.logspace(7, 12, 11)
    out = sim.sample_outputs(N, 5, num_items=4000, rho=0.3, model=MODEL, seed=1)
    grades = [float(metrics.multiple_choice_grade(out.option_probs[s], out.answer).mean()) for s in range(len(N))]
    return N, np.array(grades)


def res_items_needed() -> tuple:
    em = math.exp(-5 * (1e8 / C) ** ALPHA)
    return math.exp(5 * (1e8 / C) ** ALPHA), math.ceil(math.log(0.05) / math.log(1 - em))


def res_predict_zero() -> tuple:
    return (1 - 0.005) ** 200, 1 - 0.025 ** (1 / 200)


def res_four_sizes() -> list:
    grid = np.logspace(7, 12, 4)
    em = np.exp(-5 * (grid / C) ** ALPHA)
    counts = np.random.default_rng(0).binomial(100, em, size=(1, 4))[0]
    out = []
    for k in counts:
        lo = 0.0 if k == 0 else stats.beta.ppf(0.025, k, 100 - k + 1)
        hi = 1.0 if k == 100 else stats.beta.ppf(0.975, k + 1, 100 - k)
        out.append((float(lo), float(hi)))
    return out


L_SYM = sp.Symbol("L", positive=True)
SERIES = {"per-token loss": 1, "token accuracy": -1, "exact match": -L_SYM, "edit distance": L_SYM, "Brier score": 0}

def arith_geometric():
    """Fitted EM ratio per extra digit and pooled per-token accuracy of the 26,830-parameter sweep model."""
    from helpers import coursework_arithmetic as cwa
    from helpers.arithmetic import sweep
    from helpers.plotting import arithmetic as pa

    table = sweep.load_results("mul_kx1")[0]
    p = float(pa.seed_curves(table, "token_accuracy").loc[26830, "mean"])
    return 26830, cwa.geometric_ratio(table, 26830), p


def arith_chance():
    """Expected number of exact hits of a uniform random digit guesser on a held-out mul_kx1 split."""
    from helpers.arithmetic import tasks

    task = tasks.get_task("mul_kx1")
    split = task.split(500, 3)
    _, _, target_len = task.encode(split.pairs)
    return float((10.0 ** -target_len.double()).sum()), split


def arith_step_share():
    from helpers import coursework_arithmetic as cwa
    from helpers.arithmetic import sweep

    return tuple(cwa.step_shares(sweep.load_results("mul_kx1")[0]).values())


def arith_guesser():
    """Smallest n (multiple of 1,000) at which round(3e-4 n) right has a Clopper-Pearson lower end above each level."""
    def first(level):
        for n in range(1000, 10**6, 1000):
            k = round(3e-4 * n)
            if k > 0 and stats.beta.ppf(0.025, k, n - k + 1) > level:
                return n
    return first(1 / 9000), first(1e-5)


RIGHT = {
    "ex-arith-geometric": arith_geometric,
    "ex-arith-guesser": arith_guesser,
    "ex-arith-chance": arith_chance,
    "ex-arith-step-share": arith_step_share,
    "ex-ch1-half": ch1_half,
    "ex-ch1-longer-answers": lambda: ([-ALPHA / math.e] * 3,),
    "ex-ch1-read-table": ch1_read_table,
    "ex-toy-kaplan": toy_kaplan,
    "ex-toy-double": lambda: (math.log10(2) / -ALPHA, math.exp(-10 * (1e12 / C) ** ALPHA)),
    "ex-toy-width": lambda: (toy_width_value(),),
    "ex-toy-levenshtein": lambda: ("12345", "23451"),
    "ex-metrics-series": lambda: (SERIES,),
    "ex-metrics-predict-rho": lambda: (metrics_predict_rho(),),
    "ex-metrics-levenshtein": metrics_levenshtein,
    "ex-metrics-mcg-smooth": metrics_mcg,
    "ex-res-items-needed": res_items_needed,
    "ex-res-predict-zero": res_predict_zero,
    "ex-res-four-sizes": lambda: (res_four_sizes(),),
}


def all_right() -> dict:
    """RIGHT here, merged with the ``RIGHT`` of every topic module ``tests/test_coursework_<topic>.py``."""
    import importlib

    merged = dict(RIGHT)
    for path in sorted(Path(__file__).parent.glob("test_coursework_*.py")):
        topic = importlib.import_module(f"tests.{path.stem}")
        clash = set(merged) & set(topic.RIGHT)
        assert not clash, f"{path.name}: right answers defined twice for {sorted(clash)}"
        merged.update(topic.RIGHT)
    return merged


def numbers(args) -> list[float]:
    """Every number in a nested answer (for the 'no digits of the answer in the message' test)."""
    out = []
    for a in args if isinstance(args, (list, tuple)) else [args]:
        if isinstance(a, (list, tuple, np.ndarray)):
            out += numbers(list(np.ravel(np.asarray(a, dtype=float))))
        elif isinstance(a, (int, float, np.floating, np.integer)):
            out.append(float(a))
    return out


def forbidden_strings(args) -> set[str]:
    """Renderings of the right answer's numbers that a message must not contain."""
    out = set()
    for v in numbers(args):
        if v == 0 or v == round(v) and abs(v) < 10:
            continue  # 0, 1, 5 ... are too common to forbid (and are not the hard part of any answer)
        for s in (f"{v:.3g}", f"{v:.2e}", f"{v:.3f}", f"{v:,.0f}"):
            if len(s.strip("-0.,e+")) >= 3:
                out.add(s)
    return out


def assert_rejects(label: str, *args) -> str:
    """The check for ``label`` rejects ``args`` with a helpful message free of the right answer; returns it."""
    with pytest.raises(cw.SelfCheckError) as info:
        cw.CHECKS[label](*args)
    message = str(info.value)
    assert message.startswith(f"{label}: ") and len(message) > len(label) + 10, message
    answer = all_right()[label]()
    if label == "ex-metrics-mcg-smooth":
        answer = answer[1]  # the scales N are given, not part of the answer
    leaked = [s for s in forbidden_strings(answer) if s in message]
    assert not leaked, f"message gives away the answer ({leaked}): {message}"
    return message


# --- accepting the right answer ---------------------------------------------------------------


def test_every_check_has_an_independent_right_answer() -> None:
    assert set(all_right()) == set(cw.CHECKS)


@pytest.mark.parametrize("label", sorted(cw.CHECKS))
def test_check_accepts_the_right_answer(label: str) -> None:
    result = cw.CHECKS[label](*all_right()[label]())
    assert isinstance(result, cw.CheckPassed) and result.startswith(f"✓ {label}")
    assert repr(result) == str(result)  # shown without quotes in a notebook


def test_checks_accept_answers_within_tolerance() -> None:
    p, n = ch1_half()
    cw.check_ch1_half(round(p, 4), n * 1.005)
    cw.check_res_predict_zero(math.exp(-1), 3.7 / 200)  # the hand approximations of the solution
    cw.check_res_items_needed(*res_items_needed()[:1], 3 / math.exp(-5 * (1e8 / C) ** ALPHA))  # rule of three
    cw.check_metrics_predict_rho(metrics_predict_rho() + 0.015)  # a sampled value, about 4 standard errors off
    cw.check_toy_double(1.0, 0.533**2)
    cw.check_ch1_longer_answers({1: -ALPHA / math.e, 5: -ALPHA / math.e, 20: -ALPHA / math.e * 1.005})


def test_width_accepts_the_sympy_expression_in_alpha() -> None:
    s = tm.symbolic()
    q = sp.symbols("q", positive=True)
    x_q = sp.solve(sp.Eq(s.em_log, q), s.x)[0]
    width = sp.simplify((x_q.subs(q, sp.Rational(9, 10)) - x_q.subs(q, sp.Rational(1, 10))) / sp.log(10))
    assert cw.check_toy_width(width).startswith("✓")
    plain_alpha = sp.Symbol("alpha")  # a student's symbol without the 'negative' assumption
    assert cw.check_toy_width(width.subs(s.alpha, plain_alpha)).startswith("✓")


def test_series_accepts_other_spellings_and_symbols() -> None:
    L = sp.Symbol("L")  # no assumptions: a different sympy symbol, same name
    first = {"per_token_loss": 1, "Token accuracy": -1, "exact-match": -L, "edit distance": L, "brier score": 0}
    assert cw.check_metrics_series(first).startswith("✓")


# --- rejecting wrong answers with a helpful message -------------------------------------------


def test_ch1_half_rejections() -> None:
    p, n = ch1_half()
    assert "all L tokens" in assert_rejects("ex-ch1-half", 0.5, n)
    assert "per-token probability is 1/2" in assert_rejects("ex-ch1-half", p, C * math.log(2) ** (1 / ALPHA))
    assert "log10" in assert_rejects("ex-ch1-half", p, math.log10(n))
    assert "between 0 and 1" in assert_rejects("ex-ch1-half", 1.2, n)
    assert "(b) N: too large" in assert_rejects("ex-ch1-half", p, 3 * n)


def test_ch1_longer_answers_rejections() -> None:
    slope = -ALPHA / math.e
    assert "per decade" in assert_rejects("ex-ch1-longer-answers", [slope * math.log(10)] * 3)
    assert "wrong sign" in assert_rejects("ex-ch1-longer-answers", [-slope] * 3)
    assert "with respect to N" in assert_rejects("ex-ch1-longer-answers", [slope / 1e9] * 3)
    message = assert_rejects("ex-ch1-longer-answers", [slope, 5 * slope, 20 * slope])
    assert "L = 1" not in message and "factor of L" in message


def test_ch1_read_table_rejections() -> None:
    (orders,) = ch1_read_table()
    assert "natural logarithm" in assert_rejects("ex-ch1-read-table", orders * math.log(10))
    assert "wrong sign" in assert_rejects("ex-ch1-read-table", -orders)
    assert "parameter counts" in assert_rejects("ex-ch1-read-table", math.log10(13e9 / 40e6))
    assert "too" in assert_rejects("ex-ch1-read-table", orders + 0.5)


def test_arith_guesser_rejections() -> None:
    n_constant, n_digits = arith_guesser()
    assert "other chance level" in assert_rejects("ex-arith-guesser", n_digits, n_constant)
    assert "multiples of 1,000" in assert_rejects("ex-arith-guesser", n_constant + 500, n_digits)
    assert "smallest" in assert_rejects("ex-arith-guesser", 2 * n_constant, n_digits)
    assert "does not yet clear" in assert_rejects("ex-arith-guesser", n_constant, n_digits - 1000)
    # the normal interval: p - 1.96 sqrt(p (1 - p) / n), searched on the same grid
    wald = next(n for n in range(1000, 10**6, 1000)
                if (k := round(3e-4 * n)) and k / n - 1.96 * math.sqrt(k / n * (1 - k / n) / n) > 1 / 9000)
    assert wald != n_constant and "Wald" in assert_rejects("ex-arith-guesser", wald, n_digits)


def test_toy_kaplan_rejections() -> None:
    n_star, width = toy_kaplan()
    chapter = [C * L ** (-1 / ALPHA) for L in range(1, 6)]
    assert "chapter's constants" in assert_rejects("ex-toy-kaplan", chapter, width)
    assert "not log10" in assert_rejects("ex-toy-kaplan", np.log10(n_star), width)
    assert "ln 10" in assert_rejects("ex-toy-kaplan", n_star, width * math.log(10))
    assert "alpha = -0.3" in assert_rejects("ex-toy-kaplan", n_star, (z_q(0.5) - z_q(0.01)) / (0.3 * math.log(10)))


def test_toy_double_rejections() -> None:
    shift, em10 = RIGHT["ex-toy-double"]()
    assert "its log10" in assert_rejects("ex-toy-double", 10**shift, em10)
    assert "ln N" in assert_rejects("ex-toy-double", shift * math.log(10), em10)
    assert "L = 5" in assert_rejects("ex-toy-double", shift, math.sqrt(em10))
    assert "squares" in assert_rejects("ex-toy-double", shift, math.sqrt(em10) / 2)
    assert "[0, 1]" in assert_rejects("ex-toy-double", shift, 1.5)


def test_toy_width_rejections() -> None:
    value = toy_width_value()
    assert "wrong sign" in assert_rejects("ex-toy-width", -value)
    assert "ln 10" in assert_rejects("ex-toy-width", value * math.log(10))
    alpha, L = sp.symbols("alpha L")
    assert "still depends on L" in assert_rejects("ex-toy-width", sp.log(L) / alpha)
    assert "alpha = -0.3" in assert_rejects("ex-toy-width", -1 / alpha)  # right shape in alpha, wrong constant


def test_toy_levenshtein_rejections() -> None:
    assert "differ in length" in assert_rejects("ex-toy-levenshtein", "1234", "12345")
    assert "identical" in assert_rejects("ex-toy-levenshtein", [1, 2, 3], [1, 2, 3])
    assert "shifted" in assert_rejects("ex-toy-levenshtein", "12345", "12399")


def test_metrics_series_rejections() -> None:
    wrong_sign = dict(SERIES, **{"exact match": L_SYM})
    assert "exact match: wrong sign" in assert_rejects("ex-metrics-series", wrong_sign)
    no_L = dict(SERIES, **{"edit distance": 1})
    assert "should depend on the target length" in assert_rejects("ex-metrics-series", no_L)
    brier = dict(SERIES, **{"Brier score": 2})
    assert "Brier score: wrong coefficient" in assert_rejects("ex-metrics-series", brier)
    missing = {k: v for k, v in SERIES.items() if k != "token accuracy"}
    assert "token accuracy: missing" in assert_rejects("ex-metrics-series", missing)
    eps = sp.Symbol("epsilon")
    assert "still contains epsilon" in assert_rejects("ex-metrics-series", dict(SERIES, **{"edit distance": L_SYM * eps}))


def test_metrics_predict_rho_rejections() -> None:
    assert "independence value" in assert_rejects("ex-metrics-predict-rho", 0.8**5)
    assert "can only raise it" in assert_rejects("ex-metrics-predict-rho", 0.2)
    assert "L = 2 correction" in assert_rejects("ex-metrics-predict-rho", 0.8**5 + 0.2 * 0.8 * 0.2)


def test_metrics_levenshtein_rejections() -> None:
    hamming, lev = metrics_levenshtein()
    assert "swapped" in assert_rejects("ex-metrics-levenshtein", lev, hamming)
    assert "right tokens" in assert_rejects("ex-metrics-levenshtein", 5 - hamming, 5 - hamming - 0.1)
    assert "per-token fraction" in assert_rejects("ex-metrics-levenshtein", hamming / 5, lev / 5)
    assert "Hamming distance again" in assert_rejects("ex-metrics-levenshtein", hamming, hamming)


def test_metrics_mcg_smooth_rejections() -> None:
    N, grades = metrics_mcg()
    step = (tm.token_prob(N, MODEL) > 0.5).astype(float)
    assert "a step" in assert_rejects("ex-metrics-mcg-smooth", N, step)
    assert "reverse order" in assert_rejects("ex-metrics-mcg-smooth", N, grades[::-1])
    shifted = grades.copy()
    shifted[5] = min(shifted[5] + 0.2, 1.0)
    assert "outside 4 standard errors" in assert_rejects("ex-metrics-mcg-smooth", N, shifted)


def test_res_items_needed_rejections() -> None:
    n_onset, n_detect = res_items_needed()
    assert "answer to (b)" in assert_rejects("ex-res-items-needed", n_detect, n_detect)
    assert "one expected success" in assert_rejects("ex-res-items-needed", n_onset, n_onset)
    assert "too large by a factor of about 10" in assert_rejects("ex-res-items-needed", n_onset, 10 * n_detect)


def test_res_predict_zero_rejections() -> None:
    p_zero, upper = res_predict_zero()
    assert "above zero" in assert_rejects("ex-res-predict-zero", 1 - p_zero, upper)
    assert "one-sided" in assert_rejects("ex-res-predict-zero", p_zero, 1 - 0.05 ** (1 / 200))
    assert "smallest nonzero score" in assert_rejects("ex-res-predict-zero", p_zero, 1 / 200)
    assert "first-order" in assert_rejects("ex-res-predict-zero", 1 - 200 * 0.005, upper)


def test_res_four_sizes_rejections() -> None:
    intervals = res_four_sizes()
    swapped = [(hi, lo) for lo, hi in intervals]
    assert "swapped" in assert_rejects("ex-res-four-sizes", swapped)
    one_sided = [(lo, 1 - 0.05 ** (1 / 100)) if lo == 0 else (lo, hi) for lo, hi in intervals]
    assert "one-sided" in assert_rejects("ex-res-four-sizes", one_sided)
    wald = []
    for (lo, hi), k in zip(intervals, np.random.default_rng(0).binomial(100, np.exp(-5 * (np.logspace(7, 12, 4) / C) ** ALPHA), size=(1, 4))[0]):
        ph = k / 100
        half = 1.96 * math.sqrt(ph * (1 - ph) / 100)
        wald.append((max(ph - half, 0), ph + half) if k else (lo, hi))
    assert "Wald" in assert_rejects("ex-res-four-sizes", wald)


# --- bad input: ValueError naming the argument ------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: cw.check_ch1_half("abc", 1e11), "p_half"),
        (lambda: cw.check_ch1_half(0.87, float("nan")), "n_half"),
        (lambda: cw.check_ch1_longer_answers([0.1, 0.1]), "slopes"),
        (lambda: cw.check_ch1_read_table(None), "orders"),
        (lambda: cw.check_toy_kaplan([1.0] * 4, 1.0), "n_star"),
        (lambda: cw.check_toy_double(1.0, "x"), "em_10"),
        (lambda: cw.check_toy_width(sp.Symbol("alpha") * 0 + sp.oo), "width"),
        (lambda: cw.check_toy_levenshtein([], "12"), "output"),
        (lambda: cw.check_toy_levenshtein("12", [[1, 2]]), "target"),
        (lambda: cw.check_metrics_series([1, 2]), "first_order"),
        (lambda: cw.check_metrics_series({"accuracy": 1}), "first_order"),
        (lambda: cw.check_metrics_predict_rho(float("inf")), "em"),
        (lambda: cw.check_metrics_levenshtein(4.9, "x"), "levenshtein"),
        (lambda: cw.check_metrics_mcg_smooth([1e7, -1], [0, 0]), "N"),
        (lambda: cw.check_metrics_mcg_smooth([1e7, 1e8], [0, 0, 0]), "grades"),
        (lambda: cw.check_metrics_mcg_smooth([1e7, 1e8], [0, 0], num_items=0), "num_items"),
        (lambda: cw.check_res_items_needed(1e4, None), "n_detect"),
        (lambda: cw.check_res_predict_zero([0.3, 0.4], 0.01), "p_zero"),
        (lambda: cw.check_res_four_sizes([(0, 0.03)] * 3), "intervals"),
        (lambda: cw.check_name("toy-width"), "label"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


def test_check_name() -> None:
    assert cw.check_name("ex-toy-steepest") == "check_toy_steepest"
    assert all(cw.check_name(label) == fn.__name__ for label, fn in cw.CHECKS.items())
    assert issubclass(cw.SelfCheckError, AssertionError)


# --- the chapters use the checks ---------------------------------------------------------------

EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}.*?$(.*?)^\1\s*$", re.S | re.M)
SOLUTION = re.compile(r"^(`{3,})\{solution-start\}\s*(\S+).*?^\1\s*$(.*?)^(`{3,})\{solution-end\}", re.S | re.M)


def exercises(text: str) -> dict[str, str]:
    """Exercise label -> the exercise's text."""
    out = {}
    for m in EXERCISE.finditer(text):
        label = re.search(r":label:\s*(\S+)", m.group(2)).group(1)
        out[label] = m.group(2)
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_exercises_name_and_pass_their_checks(path: Path) -> None:
    text = path.read_text()
    found = exercises(text)
    assert len(found) >= 3, "fewer than 3 exercises"
    solutions = {m.group(2): m.group(3) for m in SOLUTION.finditer(text)}
    assert set(solutions) == set(found), "every exercise needs exactly one gated solution"
    imports = re.search(r"^```\{code-cell\}[^\n]*\n(from helpers\.coursework import .*?)^```", text, re.S | re.M)
    assert imports, "no code cell imports the self-checks before the exercises"
    for label, body in found.items():
        assert label in cw.CHECKS, f"{label}: no self-check in helpers.coursework"
        name = cw.check_name(label)
        assert f"`{name}(" in body, f"{label}: the exercise does not tell the student to call {name}"
        assert f"\n{name}(" in solutions[label], f"{label}: the executed solution does not call {name}"
        assert re.search(rf"\b{name}\b", imports.group(1)), f"{name} is not imported before the exercises"
        assert imports.start() < text.index(body), f"{name} is imported after its exercise"


def test_every_check_belongs_to_an_exercise_and_the_instructor_page() -> None:
    labels = set().union(*(exercises(p.read_text()) for p in CHAPTERS))
    assert set(cw.CHECKS) == labels
    instructor = (ROOT / "book" / "instructor.md").read_text()
    for label in labels:
        assert label in instructor and cw.check_name(label) in instructor, f"instructor page misses {label}"
