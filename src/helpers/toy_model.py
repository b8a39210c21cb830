"""The analytic toy model of Schaeffer et al. (2023, Sec. 2): power-law loss -> per-token p -> metrics.

Every quantity exists twice: as a sympy expression (``symbolic()``), which the chapters derive
from, and as a fast numpy twin, which the plots use. Tests check that the two agree.

Symbols
-------
N      number of model parameters (> 0)
c      scale constant: the N at which the per-token loss is exactly 1 nat (> 0)
alpha  power-law exponent of the loss (< 0: loss falls as N grows)
L      target length in tokens (>= 1)
p      probability that one token is right, p = exp(-L_CE)
x      ln N, the natural log of the scale
z      Gumbel coordinate, z = -alpha * (ln N - ln N*), in which EM = exp(-exp(-z)) for every L
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import sympy as sp

from .validation import check_choice, check_positive_array, check_real

__all__ = [
    "ToyModel",
    "symbolic",
    "cross_entropy",
    "token_prob",
    "exact_match",
    "edit_distance",
    "multiple_choice_grade",
    "brier_score",
    "steepest_scale",
    "steepest_slope",
    "gumbel_coordinate",
    "lambdified",
]


@dataclass(frozen=True)
class ToyModel:
    """Parameters of the power-law loss ``L_CE(N) = (N / c) ** alpha``.

    Taught in chapter 2, section 'Four assumptions'.
    """

    c: float = 1e9  # scale constant: parameters at which L_CE = 1 nat; must be > 0
    alpha: float = -0.3  # power-law exponent; must be < 0 so loss falls with N

    def __post_init__(self) -> None:
        check_real("c", self.c, low=0, low_open=True, high=np.inf, high_open=True)
        check_real("alpha", self.alpha, high=0, high_open=True, low=-np.inf, low_open=True)


def symbolic() -> SimpleNamespace:
    """Sympy symbols and expressions of the toy model (loss, p, EM, TED, EM in log N, N*, Gumbel form).

    Taught in chapter 2, section 'Four assumptions'.
    """
    N, c, L = sp.symbols("N c L", positive=True)
    alpha = sp.symbols("alpha", negative=True)
    x = sp.symbols("x", real=True)  # x = ln N
    z = sp.symbols("z", real=True)  # Gumbel coordinate, -alpha * (ln N - ln N*)
    loss = (N / c) ** alpha
    p = sp.exp(-loss)
    em = p**L
    ted = L * (1 - p)
    em_log = em.subs(N, sp.exp(x))
    n_star = c * L ** (-1 / alpha)
    gumbel = sp.exp(-sp.exp(-z))
    return SimpleNamespace(N=N, c=c, alpha=alpha, L=L, x=x, z=z, loss=loss, p=p, em=em, ted=ted,
                           em_log=em_log, n_star=n_star, gumbel=gumbel)


_SYMBOLIC_NAMES = ("loss", "p", "em", "ted")


def lambdified(name: str, model: ToyModel = ToyModel()) -> Callable[..., np.ndarray]:
    """Numpy function ``f(N, L)`` lambdified from the sympy expression ``name`` (loss, p, em or ted).

    Taught in chapter 2, section 'The numeric twins agree with sympy'.
    """
    check_choice("name", name, _SYMBOLIC_NAMES)
    s = symbolic()
    expr = getattr(s, name).subs({s.c: model.c, s.alpha: model.alpha})
    return sp.lambdify((s.N, s.L), expr, modules="numpy")


def _scales(N) -> np.ndarray:
    return check_positive_array("N", N)


def _length(L) -> float:
    return check_real("L", L, low=1, high=np.inf, high_open=True)


def cross_entropy(N, model: ToyModel = ToyModel()) -> np.ndarray:
    """Per-token cross-entropy in nats, ``(N / c) ** alpha``.

    Taught in chapter 2, section 'The numeric twins agree with sympy'.
    """
    return (_scales(N) / model.c) ** model.alpha


def token_prob(N, model: ToyModel = ToyModel()) -> np.ndarray:
    """Probability that a single token is right, ``exp(-L_CE(N))``.

    Taught in chapter 2, section 'Smooth metric, sharp metric'.
    """
    return np.exp(-cross_entropy(N, model))


def exact_match(N, L: float, model: ToyModel = ToyModel()) -> np.ndarray:
    """Exact match on an L-token target if token errors are independent, ``p ** L``.

    Taught in chapter 2, section 'Where exact match rises fastest'.
    """
    return token_prob(N, model) ** _length(L)


def edit_distance(N, L: float, model: ToyModel = ToyModel()) -> np.ndarray:
    """Expected token edit distance (substitutions only), ``L * (1 - p)``.

    Taught in chapter 2, section 'Smooth metric, sharp metric'.
    """
    return _length(L) * -np.expm1(-cross_entropy(N, model))


def multiple_choice_grade(N, model: ToyModel = ToyModel()) -> np.ndarray:
    """Two-option multiple-choice grade: 1 when the right option is more probable, ``1[p > 1/2]``.

    Taught in chapter 3, section 'Six metrics, one set of outputs'.
    """
    return (token_prob(N, model) > 0.5).astype(float)


def brier_score(N, model: ToyModel = ToyModel()) -> np.ndarray:
    """Two-option Brier score of the right option, ``(1 - p) ** 2`` (lower is better).

    Taught in chapter 3, section 'Six metrics, one set of outputs'.
    """
    return np.expm1(-cross_entropy(N, model)) ** 2


def steepest_scale(L: float, model: ToyModel = ToyModel()) -> float:
    """Scale where EM rises fastest per unit of log N, ``c * L ** (-1 / alpha)`` (EM = 1/e there).

    Taught in chapter 2, section 'Where exact match rises fastest'.
    """
    return float(model.c * _length(L) ** (-1.0 / model.alpha))


def steepest_slope(model: ToyModel = ToyModel()) -> float:
    """Largest rise of EM per unit of ln N, ``-alpha / e``, reached at N*; the same for every L.

    Taught in chapter 2, section 'Where exact match rises fastest'.
    """
    return float(-model.alpha / np.e)


def gumbel_coordinate(N, L: float, model: ToyModel = ToyModel()) -> np.ndarray:
    """``z = -alpha * (ln N - ln N*)``: in it EM is the standard Gumbel CDF ``exp(-exp(-z))`` for every L.

    Taught in chapter 2, section 'One shape, shifted: the Gumbel curve'.
    """
    # ln N* = ln c - ln(L) / alpha, written out so that a huge N* cannot overflow
    return -model.alpha * (np.log(_scales(N)) - np.log(model.c)) - np.log(_length(L))
