"""Self-checks for the exercises: ``check_<exercise>(answer)``, one per exercise with a checkable answer.

Each check computes the expected value itself from the other helpers (nothing is copied from a
solution), compares the student's answer within a stated tolerance, and

- returns a short "✓" message (a ``CheckPassed`` string) when the answer is right;
- raises ``SelfCheckError`` (an ``AssertionError``) saying *what* is wrong when it is not: wrong
  sign, off by a recognisable factor, a known slip (natural log for decades, the wrong tail, ...),
  too large or too small for the tolerance. The message never contains the right answer.

Bad input (not a number, wrong shape, unknown key) raises ``ValueError`` naming the argument, as
every helper does. The function for exercise label ``ex-toy-width`` is ``check_toy_width``:
``check_name(label)`` gives the name and ``CHECKS`` maps every checked label to its function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from scipy import optimize

from . import emergence_claims as ec
from . import metrics
from . import resolution as res
from . import toy_model as tm
from .validation import check_int, check_positive_array, check_real

__all__ = [
    "SelfCheckError",
    "CheckPassed",
    "CHECKS",
    "check_name",
    "check_ch1_half",
    "check_ch1_longer_answers",
    "check_ch1_read_table",
    "check_toy_kaplan",
    "check_toy_double",
    "check_toy_width",
    "check_toy_levenshtein",
    "check_metrics_series",
    "check_metrics_predict_rho",
    "check_metrics_levenshtein",
    "check_metrics_mcg_smooth",
    "check_res_items_needed",
    "check_res_predict_zero",
    "check_res_four_sizes",
]

CHAPTER_MODEL = tm.ToyModel(c=1e9, alpha=-0.3)  # the constants every chapter uses (our choice)
KAPLAN_MODEL = tm.ToyModel(c=8.8e13, alpha=-0.076)  # Kaplan et al.'s fit, given in ex-toy-kaplan
LN10 = math.log(10)


class SelfCheckError(AssertionError):
    """A self-check found a wrong answer; the message says what is wrong, never the right answer."""


class CheckPassed(str):
    """The message of a passed self-check; shown without quotes in a notebook."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def check_name(label: str) -> str:
    """Name of the self-check function of an exercise label: 'ex-toy-width' -> 'check_toy_width'."""
    if not isinstance(label, str) or not label.startswith("ex-"):
        raise ValueError(f"label must be an exercise label starting with 'ex-'; got {label!r}")
    return "check_" + label.removeprefix("ex-").replace("-", "_")


# --- input handling ---------------------------------------------------------------------------


def _real(name: str, value: Any) -> float:
    """A finite real number, else ValueError naming the argument."""
    if isinstance(value, sp.Basic):
        try:
            value = float(value)
        except TypeError:
            raise ValueError(f"{name} must be a number, not an expression with symbols; got {value!r}") from None
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    return check_real(name, value, low=-math.inf, high=math.inf, low_open=True, high_open=True)


def _reals(name: str, values: Any, length: int) -> np.ndarray:
    """``length`` finite real numbers as a 1-D array, else ValueError naming the argument."""
    if isinstance(values, Mapping):
        values = list(values.values())
    try:
        arr = np.asarray([float(v) for v in np.ravel(np.asarray(values, dtype=object))], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of {length} numbers; got {values!r}") from None
    if arr.shape != (length,) or not np.isfinite(arr).all():
        raise ValueError(f"{name} must be a sequence of {length} finite numbers; got {values!r}")
    return arr


def _tokens(name: str, seq: Any) -> list:
    """A non-empty 1-D token sequence (a string is a sequence of characters), else ValueError."""
    if isinstance(seq, np.ndarray):
        seq = seq.tolist()
    if isinstance(seq, (str, list, tuple)) and len(seq) > 0 and all(not isinstance(t, (list, tuple)) for t in seq):
        return list(seq)
    raise ValueError(f"{name} must be a non-empty 1-D sequence of tokens (a list or a string); got {seq!r}")


# --- comparing one number ---------------------------------------------------------------------

_FACTORS = (
    (LN10, "ln 10 ≈ 2.3 (natural logarithm where log10 is meant, or the other way round?)"),
    (10.0, "10"),
    (2.0, "2"),
    (math.e, "e"),
    (3.0, "3"),
)


def _close(got: float, want: float, rtol: float, atol: float) -> bool:
    return abs(got - want) <= max(atol, rtol * abs(want))


def _diagnose(what: str, got: float, want: float, *, rtol: float = 0.0, atol: float = 0.0,
              known: Sequence[tuple[float, str]] = ()) -> str | None:
    """None if ``got`` is within tolerance of ``want``, else a message saying what is wrong with it."""
    if _close(got, want, rtol, atol):
        return None
    for value, message in known:
        if _close(got, value, max(rtol, 1e-3), atol):
            return f"{what}: {message}"
    if want != 0 and _close(-got, want, rtol, atol):
        return f"{what}: wrong sign"
    if want != 0 and got != 0 and np.sign(got) == np.sign(want):
        ratio = got / want
        for factor, name in _FACTORS:
            for r, size in ((factor, "large"), (1 / factor, "small")):
                if abs(ratio / r - 1) <= max(2 * rtol, 0.01):
                    return f"{what}: too {size} by a factor of about {name}"
    tol = f"tolerance {atol:g}" if atol else f"relative tolerance {rtol:g}"  # never derived from the answer
    if want != 0 and abs(got / want - 1) < 10 * max(rtol, atol / abs(want)):
        return f"{what}: close, but outside the {tol}; recompute it rather than rounding or reading a plot"
    return f"{what}: too {'large' if got > want else 'small'} (outside the {tol})"


def _verdict(label: str, problems: list[str | None], passed: str) -> CheckPassed:
    """Raise SelfCheckError listing the problems, or return the ✓ message."""
    problems = [p for p in problems if p]
    if problems:
        raise SelfCheckError(f"{label}: " + "; ".join(problems))
    return CheckPassed(f"✓ {label}: {passed}")


def _decades_where_em(q: float, L: float, model: tm.ToyModel) -> float:
    """log10 of the scale at which the toy model's exact match equals q (root finding on the helper)."""
    return optimize.brentq(lambda d: float(tm.exact_match(10.0**d, L, model)) - q, -10, 300, xtol=1e-13, rtol=1e-15)


# --- Chapter 1 --------------------------------------------------------------------------------


def check_ch1_half(p_half: float, n_half: float) -> CheckPassed:
    """ex-ch1-half: (a) per-token p giving EM = 1/2 at L = 5; (b) parameters N with EM = 1/2 (c = 1e9, alpha = -0.3)."""
    p_got, n_got = _real("p_half", p_half), _real("n_half", n_half)
    L = 5
    log_n = _decades_where_em(0.5, L, CHAPTER_MODEL)
    n_want = 10.0**log_n
    p_want = float(tm.token_prob(n_want, CHAPTER_MODEL))
    n_where_p_half = 10.0 ** _decades_where_em(0.5, 1, CHAPTER_MODEL)
    if not 0 < p_got < 1:
        p_problem = "(a) p is a probability, so it must lie strictly between 0 and 1"
    else:
        p_problem = _diagnose("(a) p", p_got, p_want, rtol=1e-3, known=[
            (0.5, "that makes one token right half the time; exact match needs all L tokens right"),
            (0.5 / L, "p**L is a power, not a product: solve p**L = 1/2 for p")])
    problems = [
        p_problem,
        _diagnose("(b) N", n_got, n_want, rtol=0.01, known=[
            (n_where_p_half, "that is where the per-token probability is 1/2, not exact match"),
            (log_n, "give N itself, not log10 N"),
            (math.log(n_want), "give N itself, not ln N")]),
    ]
    return _verdict("ex-ch1-half", problems, "both answers within tolerance (p: 0.1 %, N: 1 %)")


def check_ch1_longer_answers(slopes: Sequence[float]) -> CheckPassed:
    """ex-ch1-longer-answers: the largest slope of EM per unit of ln N for L = 1, 5, 20 (in that order)."""
    lengths = (1, 5, 20)
    got = _reals("slopes", slopes, len(lengths))
    want = tm.steepest_slope(CHAPTER_MODEL)
    problems = []
    for L, g in zip(lengths, got):
        if 0 < g < want * 1e-3:
            problems.append(f"L = {L}: far too small; did you differentiate with respect to N instead of ln N?")
            continue
        problems.append(_diagnose(f"L = {L}", g, want, rtol=0.01, known=[
            (want * LN10, "that is the slope per decade (log10 N); the exercise asks per unit of ln N"),
            (want * L, "too large by a factor of L") if L > 1 else (math.nan, "")]))
    return _verdict("ex-ch1-longer-answers", problems, "all three slopes within 1 %")


def check_ch1_read_table(orders: float) -> CheckPassed:
    """ex-ch1-read-table: orders of magnitude of training FLOPs from the scratchpad point up to the
    leftmost few-shot point."""
    got = _real("orders", orders)
    points = ec.emergence_points("flops")
    scratch = next(pt for pt in points if pt.task.startswith("Scratchpad"))
    few_shot = [pt for pt in points if pt.setting == "few-shot"]
    lowest = min(few_shot, key=lambda pt: pt.flops)
    highest = max(few_shot, key=lambda pt: pt.flops)
    want = math.log10(lowest.flops / scratch.flops)
    problem = _diagnose("orders of magnitude", got, want, atol=0.02, known=[
        (math.log(lowest.flops / scratch.flops), "that is a natural logarithm; orders of magnitude are powers of ten"),
        (math.log10(highest.flops / scratch.flops), "compare with the leftmost (lowest-compute) few-shot point"),
        (math.log10(lowest.params / scratch.params), "that compares parameter counts; the figure's axis is training FLOPs"),
        (lowest.flops / scratch.flops, "that is the ratio of the FLOPs; orders of magnitude are its log10"),
        (0.0, "that compares a point with itself")])
    return _verdict("ex-ch1-read-table", [problem], "within 0.02 orders of magnitude")


# --- Chapter 2 --------------------------------------------------------------------------------


def check_toy_kaplan(n_star: Sequence[float], width: float) -> CheckPassed:
    """ex-toy-kaplan: N* for L = 1..5 with Kaplan's constants, and the decades from EM = 1 % to 50 %."""
    got = _reals("n_star", n_star, 5)
    w_got = _real("width", width)
    problems = []
    for L, g in zip(range(1, 6), got):
        want = tm.steepest_scale(L, KAPLAN_MODEL)
        problems.append(_diagnose(f"N* for L = {L}", g, want, rtol=0.01, known=[
            (tm.steepest_scale(L, CHAPTER_MODEL), "that uses the chapter's constants, not Kaplan et al.'s"),
            (math.log10(want), "give N* itself, not log10 N*"),
            (math.log(want), "give N* itself, not ln N*")]))
    w_want = _decades_where_em(0.5, 1, KAPLAN_MODEL) - _decades_where_em(0.01, 1, KAPLAN_MODEL)
    w_chapter = _decades_where_em(0.5, 1, CHAPTER_MODEL) - _decades_where_em(0.01, 1, CHAPTER_MODEL)
    problems.append(_diagnose("width", w_got, w_want, rtol=0.01, known=[
        (w_chapter, "that is the width for the chapter's alpha = -0.3, not Kaplan's")]))
    return _verdict("ex-toy-kaplan", problems, "five N* and the width within 1 %")


def check_toy_double(shift: float, em_10: float) -> CheckPassed:
    """ex-toy-double: (a) decades N* moves from L = 5 to L = 10; (c) EM at N = 1e12 for L = 10."""
    s_got, e_got = _real("shift", shift), _real("em_10", em_10)
    ratio = tm.steepest_scale(10, CHAPTER_MODEL) / tm.steepest_scale(5, CHAPTER_MODEL)
    s_want = math.log10(ratio)
    e_want = float(tm.exact_match(1e12, 10, CHAPTER_MODEL))
    e_five = float(tm.exact_match(1e12, 5, CHAPTER_MODEL))
    problems = [
        _diagnose("(a) shift", s_got, s_want, atol=0.01, known=[
            (ratio, "that is the factor N* is multiplied by; the question asks for decades, its log10"),
            (math.log(ratio), "that is the shift in ln N; a decade is a factor of 10")]),
        _diagnose("(c) EM", e_got, e_want, rtol=0.01, known=[
            (e_five, "that is exact match for L = 5, not L = 10"),
            (2 * e_five, "doubling L squares exact match, it does not double it"),
            (e_five / 2, "doubling L squares exact match, it does not halve it")]),
    ]
    if not 0 <= e_got <= 1:
        problems[1] = "(c) EM is a probability, so it must lie in [0, 1]"
    return _verdict("ex-toy-double", problems, "shift within 0.01 decades, EM within 1 %")


def _width_decades(alpha: float) -> float:
    """Decades from EM = 10 % to 90 % in the toy model with exponent alpha (root finding on the helper)."""
    model = tm.ToyModel(c=1e9, alpha=alpha)
    return _decades_where_em(0.9, 1, model) - _decades_where_em(0.1, 1, model)


def check_toy_width(width: Any) -> CheckPassed:
    """ex-toy-width: log10 N_0.9 - log10 N_0.1, as a sympy expression in alpha or as its value at alpha = -0.3."""
    alphas = (-0.1, -0.3, -0.76)
    if isinstance(width, sp.Basic) and width.free_symbols:
        names = sorted(str(sym) for sym in width.free_symbols)
        others = [n for n in names if n != "alpha"]
        if others:
            raise SelfCheckError(
                f"ex-toy-width: your width still depends on {', '.join(others)}; the point of the exercise is that "
                "they cancel in the difference (try sp.simplify or sp.expand_log(..., force=True))")
        alpha_sym = next(iter(width.free_symbols))
        values = []
        for a in alphas:
            try:
                values.append(complex(width.subs(alpha_sym, a).evalf()))
            except (TypeError, ValueError):
                raise SelfCheckError(f"ex-toy-width: your expression cannot be evaluated at alpha = {a}") from None
        if any(abs(v.imag) > 1e-9 for v in values):
            raise SelfCheckError("ex-toy-width: your expression is not real for alpha < 0; check the logarithms")
        problems = [_diagnose(f"width at alpha = {a}", v.real, _width_decades(a), rtol=1e-4)
                    for a, v in zip(alphas, values)]
        return _verdict("ex-toy-width", problems, "your expression matches at three values of alpha")
    got = _real("width", width)
    problem = _diagnose("width at alpha = -0.3", got, _width_decades(-0.3), rtol=0.005)
    return _verdict("ex-toy-width", [problem], "within 0.5 %")


def check_toy_levenshtein(output: Sequence, target: Sequence) -> CheckPassed:
    """ex-toy-levenshtein: an output that differs from its target by substitutions only, yet whose
    Levenshtein distance is smaller than its number of wrong tokens."""
    out, tgt = _tokens("output", output), _tokens("target", target)
    if len(out) != len(tgt):
        raise SelfCheckError("ex-toy-levenshtein: output and target differ in length, so this is not "
                             "substitutions only; keep the length and change tokens")
    wrong = sum(a != b for a, b in zip(out, tgt))
    if wrong == 0:
        raise SelfCheckError("ex-toy-levenshtein: output and target are identical: no wrong tokens")
    lev = int(metrics.token_edit_distance([out], [tgt])[0])
    if lev >= wrong:
        raise SelfCheckError(
            f"ex-toy-levenshtein: for this pair the Levenshtein distance equals the number of wrong tokens "
            f"({wrong}); look for an output that is the target shifted by a position")
    return CheckPassed(f"✓ ex-toy-levenshtein: {wrong} wrong tokens, but Levenshtein distance only {lev}")


# --- Chapter 3 --------------------------------------------------------------------------------


_METRIC_NAMES = {"per token loss": "per-token loss", "token accuracy": "token accuracy", "exact match": "exact match",
                 "edit distance": "edit distance", "brier score": "Brier score"}


def _normalise_metric(name: str) -> str:
    return " ".join(str(name).lower().replace("_", " ").replace("-", " ").split())


@lru_cache(maxsize=1)
def _first_order_terms() -> dict[str, sp.Expr]:
    """Coefficient of eps in each toy metric, from the toy model's own sympy expressions."""
    s = tm.symbolic()
    eps = sp.symbols("epsilon", positive=True)
    loss_of_eps = -sp.log(1 - eps)  # p = exp(-loss) = 1 - eps
    p = s.p.subs(s.loss, loss_of_eps)
    as_error = {
        "per token loss": s.loss.subs(s.loss, loss_of_eps),
        "token accuracy": p,
        "exact match": s.em.subs(s.loss, loss_of_eps),
        "edit distance": s.ted.subs(s.loss, loss_of_eps),
        "brier score": (1 - p) ** 2,
    }
    return {name: sp.simplify(sp.series(f, eps, 0, 2).removeO().coeff(eps, 1)) for name, f in as_error.items()}


def check_metrics_series(first_order: Mapping[str, Any]) -> CheckPassed:
    """ex-metrics-series: the first-order (epsilon) coefficient of each metric, as a dict name -> coefficient."""
    want = _first_order_terms()
    if not isinstance(first_order, Mapping):
        raise ValueError(f"first_order must be a dict from metric name to coefficient; got {type(first_order).__name__}")
    got = {_normalise_metric(k): v for k, v in first_order.items()}
    unknown = sorted(set(got) - set(want))
    if unknown:
        raise ValueError(f"first_order has unknown metric names {unknown}; expected {sorted(want)}")
    shown = dict(_METRIC_NAMES) | {_normalise_metric(k): str(k) for k in first_order}  # the student's spelling
    L = tm.symbolic().L
    problems = [f"{shown[name]}: missing" for name in want if name not in got]
    for name, w in want.items():
        if name not in got:
            continue
        try:
            g = sp.sympify(got[name])
        except (sp.SympifyError, TypeError):
            raise ValueError(f"first_order[{shown[name]!r}] must be a number or a sympy expression; "
                             f"got {got[name]!r}") from None
        g = g.subs({sym: L for sym in g.free_symbols if str(sym) == "L"})
        extra = sorted(str(sym) for sym in g.free_symbols if sym != L)
        if extra:
            problems.append(f"{shown[name]}: the coefficient still contains {', '.join(extra)}; "
                            "it is the number (or expression in L) that multiplies epsilon")
        elif sp.simplify(g - w) == 0:
            continue
        elif w != 0 and sp.simplify(g + w) == 0:
            problems.append(f"{shown[name]}: wrong sign")
        elif w.has(L) and not g.has(L):
            problems.append(f"{shown[name]}: this coefficient should depend on the target length L")
        elif g.has(L) and not w.has(L):
            problems.append(f"{shown[name]}: this coefficient should not depend on L")
        else:
            problems.append(f"{shown[name]}: wrong coefficient; check which power of epsilon the expansion starts at")
    return _verdict("ex-metrics-series", problems, "all five first-order coefficients are right")


def _scale_with_token_prob(p: float, model: tm.ToyModel = CHAPTER_MODEL) -> float:
    """The scale N at which the toy model's per-token probability equals p (root finding on the helper)."""
    log_n = optimize.brentq(lambda d: float(tm.token_prob(10.0**d, model)) - p, -10, 300, xtol=1e-13, rtol=1e-15)
    return 10.0**log_n


def check_metrics_predict_rho(em: float) -> CheckPassed:
    """ex-metrics-predict-rho: exact match for p = 0.8, L = 5 with error correlation rho = 0.2."""
    got = _real("em", em)
    p, L, rho = 0.8, 5, 0.2
    n_08 = _scale_with_token_prob(p)
    from . import simulation as sim  # imports torch: only when a check needs it
    want = float(sim.expected_metric("exact_match", n_08, L, rho=rho, model=CHAPTER_MODEL))
    independent = float(tm.exact_match(n_08, L, CHAPTER_MODEL))
    problem = _diagnose("exact match", got, want, atol=0.02, known=[
        (independent, "that is the independence value p**L; correlated errors change it"),
        (independent + rho * p * (1 - p), "that adds only the L = 2 correction; with 5 positions every pair, "
                                          "triple, ... of positions shares the item's difficulty")])
    if problem and got < independent:
        problem = "exact match: below the independent value p**L, but positive correlation can only raise it"
    return _verdict("ex-metrics-predict-rho", [problem], "within 0.02 (about 4 standard errors of 20000 items)")


@lru_cache(maxsize=1)
def _chapter3_distances() -> dict[str, float]:
    """Mean Hamming and Levenshtein distances of the smallest model in Chapter 3's stored outputs."""
    from . import simulation as sim

    N = np.logspace(7, 12, 11)
    outputs = sim.sample_outputs(N, 8, num_items=1000, vocab=10, model=CHAPTER_MODEL, seed=0)
    out = {}
    for L in (5, 8):
        y, y_hat = outputs.targets[:, :L], outputs.predictions[0, :, :L]
        out[f"hamming{L}"] = float((L * (1 - metrics.token_accuracy(y_hat, y))).mean())
        out[f"levenshtein{L}"] = float(metrics.token_edit_distance(y_hat, y).mean())
    return out


def check_metrics_levenshtein(hamming: float, levenshtein: float) -> CheckPassed:
    """ex-metrics-levenshtein: mean Hamming and mean Levenshtein distance of the smallest model
    (N = 1e7), first L = 5 tokens of Chapter 3's stored outputs."""
    h_got, l_got = _real("hamming", hamming), _real("levenshtein", levenshtein)
    d = _chapter3_distances()
    L = 5
    if l_got > h_got + 1e-12:
        raise SelfCheckError("ex-metrics-levenshtein: your Levenshtein mean is above your Hamming mean, which is "
                             "impossible (substituting every wrong token is one way to fix an output); swapped?")
    problems = [
        _diagnose("Hamming", h_got, d["hamming5"], atol=0.002, known=[
            (L - d["hamming5"], "that counts right tokens; count the wrong ones"),
            (d["hamming5"] / L, "that is a per-token fraction; count wrong tokens per item"),
            (d["hamming8"], "that uses all 8 stored positions; the exercise uses the first L = 5")]),
        _diagnose("Levenshtein", l_got, d["levenshtein5"], atol=0.002, known=[
            (d["levenshtein8"], "that uses all 8 stored positions; the exercise uses the first L = 5"),
            (d["hamming5"], "that is the Hamming distance again; use metrics.token_edit_distance")]),
    ]
    return _verdict("ex-metrics-levenshtein", problems, "both means within 0.002")


def check_metrics_mcg_smooth(N: Sequence[float], grades: Sequence[float], num_items: int = 4000) -> CheckPassed:
    """ex-metrics-mcg-smooth: the multiple-choice grade of the rho = 0.3 outputs at scales N."""
    N = check_positive_array("N", N)
    if N.ndim != 1 or N.size < 2:
        raise ValueError(f"N must be a 1-D array of at least 2 scales; got shape {N.shape}")
    got = _reals("grades", grades, N.size)
    num_items = check_int("num_items", num_items, low=1)
    if ((got < 0) | (got > 1)).any():
        raise SelfCheckError("ex-metrics-mcg-smooth: a grade is an average of 0s and 1s, so it lies in [0, 1]")
    from . import simulation as sim

    want = sim.expected_metric("multiple_choice_grade", N, rho=0.3, model=CHAPTER_MODEL)
    tol = 4 * np.sqrt(want * (1 - want) / num_items) + 0.005
    bad = np.abs(got - want) > tol
    if not bad.any():
        return CheckPassed("✓ ex-metrics-mcg-smooth: every grade within 4 standard errors of P(q_i > 1/2)")
    if np.isin(got, (0.0, 1.0)).all():
        msg = "your grades are all 0 or 1, a step: did you score the rho = 0 outputs?"
    elif (np.abs(got[::-1] - want) <= tol).all():
        msg = "your grades run in the reverse order of N"
    else:
        where = ", ".join(f"N = {n:.1e}" for n in N[bad])
        msg = f"outside 4 standard errors at {where}; use the rho = 0.3 outputs scored with the grade"
    raise SelfCheckError(f"ex-metrics-mcg-smooth: {msg}")


# --- Chapter 4 --------------------------------------------------------------------------------


def check_res_items_needed(n_onset: float, n_detect: float) -> CheckPassed:
    """ex-res-items-needed: (a) items that put the onset at N = 1e8 (L = 5); (b) items for a 95 % chance
    that a 1e8 model scores above zero."""
    a_got, b_got = _real("n_onset", n_onset), _real("n_detect", n_detect)
    L, N = 5, 1e8
    em = float(tm.exact_match(N, L, CHAPTER_MODEL))
    a_want = 1 / em
    b_want = float(math.ceil(math.log(0.05) / math.log1p(-em)))  # the smallest n with P(k > 0) >= 0.95
    if not res.detection_limit(int(b_want)) <= em:
        raise RuntimeError("internal: detection limit and item count disagree")  # pragma: no cover
    problems = [
        _diagnose("(a) n", a_got, a_want, rtol=0.01, known=[
            (b_want, "that is the answer to (b); the onset is where EM = 1/n"),
            (1 / float(tm.token_prob(N, CHAPTER_MODEL)), "that uses the per-token probability; use exact match")]),
        _diagnose("(b) n", b_got, b_want, rtol=0.01, known=[
            (a_want, "that gives one expected success, not a 95 % chance of at least one"),
            (0.95 / em, "0.95/EM is not the condition; solve 1 - (1 - EM)**n = 0.95 for n")]),
    ]
    return _verdict("ex-res-items-needed", problems, "both item counts within 1 %")


def check_res_predict_zero(p_zero: float, ci_upper: float) -> CheckPassed:
    """ex-res-predict-zero: (a) P(score 0) for EM = 0.5 % on 200 items; (b) upper end of the two-sided
    95 % interval for 0 of 200."""
    a_got, b_got = _real("p_zero", p_zero), _real("ci_upper", ci_upper)
    em, n = 0.005, 200
    a_want = float(res.prob_observe_zero(em, n))
    b_want = res.binomial_ci(0, n)[1]
    problems = [
        _diagnose("(a) P(0)", a_got, a_want, rtol=0.02, known=[
            (1 - a_want, "that is the probability of scoring above zero"),
            (1 - em * n, "1 - n*EM is only a first-order approximation; use (1 - EM)**n")]),
        _diagnose("(b) upper end", b_got, b_want, rtol=0.03, known=[
            (res.detection_limit(n), "that is one-sided (the rule of three); a two-sided 95 % interval "
                                     "leaves 2.5 % in each tail"),
            (3 / n, "that is the rule of three, a one-sided bound; a two-sided 95 % interval leaves 2.5 % "
                    "in each tail"),
            (1 / n, "that is the smallest nonzero score, not a confidence bound"),
            (em, "that is the true rate; the question asks what you would report after seeing 0 of 200")]),
    ]
    if a_got < 0 or a_got > 1:
        problems[0] = "(a) P(0) is a probability, so it must lie in [0, 1]"
    return _verdict("ex-res-predict-zero", problems, "P(0) within 2 %, the upper end within 3 %")


@lru_cache(maxsize=1)
def _four_size_counts() -> tuple[np.ndarray, np.ndarray]:
    """Chapter 4's four-size evaluation (n = 100, L = 5, seed 0): the scales and the items right at each."""
    grid = np.logspace(7, 12, 4)  # helpers.plotting.resolution.family_scales(4)
    scores = res.simulate_evaluations(tm.exact_match(grid, 5, CHAPTER_MODEL), 100, seed=0)[0]
    return grid, np.rint(scores * 100).astype(int)


def check_res_four_sizes(intervals: Sequence[Sequence[float]]) -> CheckPassed:
    """ex-res-four-sizes: the 95 % Clopper-Pearson interval (low, high) of each of the four measured scores."""
    try:
        arr = np.asarray(intervals, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"intervals must be four (low, high) pairs; got {intervals!r}") from None
    if arr.shape != (4, 2) or not np.isfinite(arr).all():
        raise ValueError(f"intervals must be four (low, high) pairs of finite numbers; got shape {arr.shape}")
    n = 100
    grid, counts = _four_size_counts()
    problems = []
    for (lo, hi), N, k in zip(arr, grid, counts):
        where = f"N = {N:.1e}"
        if lo > hi:
            problems.append(f"{where}: low end above high end (swapped?)")
            continue
        want_lo, want_hi = res.binomial_ci(int(k), n)
        phat = k / n
        wald = 1.96 * math.sqrt(phat * (1 - phat) / n)
        if k > 0 and _close(lo, max(phat - wald, 0), 0, 1e-3) and _close(hi, phat + wald, 0, 1e-3):
            problems.append(f"{where}: that is the normal (Wald) approximation; use the exact interval")
            continue
        problems.append(_diagnose(f"{where}, low end", lo, want_lo, atol=1e-3))
        problems.append(_diagnose(f"{where}, high end", hi, want_hi, atol=1e-3, known=[
            (res.detection_limit(n), "that is one-sided (rule of three); the two-sided interval leaves 2.5 % "
                                     "in each tail") if k == 0 else (math.nan, ""),
            (3 / n, "that is the rule of three, a one-sided bound") if k == 0 else (math.nan, "")]))
    return _verdict("ex-res-four-sizes", problems, "all four intervals within 0.001")


_CORE_CHECKS: dict[str, Callable[..., CheckPassed]] = {
    label: globals()[check_name(label)]
    for label in (
        "ex-ch1-half", "ex-ch1-longer-answers", "ex-ch1-read-table",
        "ex-toy-kaplan", "ex-toy-double", "ex-toy-width", "ex-toy-levenshtein",
        "ex-metrics-series", "ex-metrics-predict-rho", "ex-metrics-levenshtein", "ex-metrics-mcg-smooth",
        "ex-res-items-needed", "ex-res-predict-zero", "ex-res-four-sizes",
    )
}

# Later chapters keep their checks in modules of their own, ``helpers/coursework_<topic>.py``, each with a
# ``CHECKS`` mapping (label -> function). They are found and re-exported here on first use (lazily, PEP 562,
# so that a topic module may import this one first), and `helpers.coursework` stays the one place a student
# (and booktools.student) looks for self-checks: ``CHECKS`` and every ``check_...`` of every chapter.
_ALL_CHECKS: dict[str, Callable[..., CheckPassed]] | None = None


def _all_checks() -> dict[str, Callable[..., CheckPassed]]:
    """Every self-check: this module's and those of every ``coursework_<topic>`` module, by exercise label."""
    global _ALL_CHECKS
    if _ALL_CHECKS is None:
        import importlib
        import pkgutil
        from pathlib import Path

        merged = dict(_CORE_CHECKS)
        package = __name__.rpartition(".")[0]
        topics = sorted(i.name for i in pkgutil.iter_modules([str(Path(__file__).resolve().parent)])
                        if i.name.startswith("coursework_"))
        for topic in topics:
            module = importlib.import_module(f"{package}.{topic}")
            for label, fn in module.CHECKS.items():
                if label in merged and merged[label] is not fn:
                    raise ImportError(f"{topic}: exercise label {label!r} already has a self-check")
                merged[label] = fn
        _ALL_CHECKS = merged
    return _ALL_CHECKS


def __getattr__(name: str) -> Any:
    """``CHECKS`` and the ``check_...`` functions of the topic modules, loaded on first use."""
    if name == "CHECKS":
        return _all_checks()
    if name.startswith("check_"):
        for fn in _all_checks().values():
            if fn.__name__ == name:
                return fn
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"CHECKS"} | {fn.__name__ for fn in _all_checks().values()})
