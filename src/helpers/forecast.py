"""Forecasting exact match of large models from small ones: power-law and logit fits on sweep tables.

Notation (chapter 7): N parameters, L target length, CE(N) cross-entropy per answer token (nats),
p = exp(-CE) per-token probability, EM exact match, q_k the conditional probability that answer token k
is right given that tokens 1..k-1 are (greedy), PU the pass rate of sampled answers (temperature 1),
which equals the mean probability the model gives the whole right answer (``answer_prob``). Sampling
answers from a trained model (PassUntil) lives in ``helpers.arithmetic.sampling``.

Four forecasts of EM at length L, each fitted on the k smallest models of a sweep:

``toy``          CE(N) = (N/c)^alpha fitted in log-log space, then EM = p^L = exp(-L (N/c)^alpha).
``pass_rate``    -ln PU(N) = (N/c)^alpha fitted to the exact answer probability (Hu et al.'s form).
``conditional``  logit q_k = a_k + b_k ln N for each k, then EM = q_1 q_2 ... q_L.
``direct``       logit EM = a + b ln N (a baseline that ignores the tokens).

Two naive baselines (``BASELINES``), scored beside them:

``last``         the exact match of the largest fitted model, carried flat to every larger size.
``log_linear``   EM = a + b ln N, a least-squares line on the k smallest, clipped to [0, 1].

How good each forecast was (errors, interval coverage) is scored in ``helpers.forecast_scores``.

Any target length (``forecast_any_length``): one fit of a per-token quantity pooled over the measured
lengths, pooled CE -> exp(-L CE(N)) (``toy``) or the pooled conditional rate qbar -> qbar(N)^L
(``conditional``), evaluated at any L, including lengths never measured.

Uncertainty: a bootstrap over seeds (at every size, the seeds are drawn with replacement and
averaged, then everything is refitted), reported as a percentile interval; ``power_law_interval``
gives the same interval for the fitted alpha and c.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import expit, logit

from .validation import check_choice, check_int, check_positive_array, check_real

__all__ = [
    "METHODS",
    "BASELINES",
    "ALL_METHODS",
    "ALL_LENGTHS",
    "PowerLaw",
    "LogitLine",
    "fit_power_law",
    "fit_logit_line",
    "smoothed_rate",
    "SweepArrays",
    "sweep_arrays",
    "forecast_em",
    "forecast_table",
    "ANY_LENGTH_METHODS",
    "forecast_any_length",
    "PowerLawInterval",
    "power_law_interval",
]

METHODS: tuple[str, ...] = ("toy", "pass_rate", "conditional", "direct")
BASELINES: tuple[str, ...] = ("last", "log_linear")  # naive forecasts a method has to beat
ALL_METHODS: tuple[str, ...] = METHODS + BASELINES
ALL_LENGTHS = 0  # target_len value of the rows pooled over every target length (weighted by items)


# ---------------------------------------------------------------------------------------- fits


@dataclass(frozen=True)
class PowerLaw:
    """y(N) = irreducible + (N / c)^alpha.

    Taught in chapter 7, section 'From a loss law to an exact-match law'.
    """

    c: float  # scale constant (parameters), > 0
    alpha: float  # exponent (negative for a falling loss)
    irreducible: float = 0.0  # the floor y approaches as N grows, >= 0
    log_c: float = math.nan  # ln c, kept exactly when c itself overflows (alpha near 0); NaN: use ln(c)

    @property
    def ln_c(self) -> float:
        """ln c, exact even where c itself overflowed to inf."""
        return self.log_c if math.isfinite(self.log_c) else math.log(self.c)

    def __call__(self, N: Any) -> np.ndarray:
        """The law at parameter counts N."""
        N = check_positive_array("N", N)
        return self.irreducible + np.exp(self.alpha * (np.log(N) - self.ln_c))


def _xy(N: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """N and y as float arrays of one equal length >= 2, N > 0, y finite, else ValueError."""
    N = check_positive_array("N", N)
    y = np.asarray(y, dtype=float)
    if N.ndim != 1 or y.shape != N.shape or len(N) < 2:
        raise ValueError(f"N and {name} must be 1-D of one length >= 2; got shapes {N.shape} and {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError(f"{name} must be finite")
    return N, y


def fit_power_law(N: Any, y: Any, *, irreducible: bool = False) -> PowerLaw:
    """Least-squares fit of y = E + (N/c)^alpha in log space (E = 0 unless ``irreducible``); y > 0.

    Taught in chapter 7, section 'From a loss law to an exact-match law'.
    """
    N, y = _xy(N, y, "y")
    if (y <= 0).any():
        raise ValueError("y must be > 0 to fit a power law")
    x, ly = np.log(N), np.log(y)
    slope, intercept = np.polyfit(x, ly, 1)
    if not irreducible:
        if abs(slope) < 1e-12 or not math.isfinite(-intercept / slope):
            raise ValueError(f"y does not change with N (fitted exponent alpha = {slope:.3g}): a power law "
                             "(N/c)^alpha has no finite scale c; give y that rises or falls with N")
        log_c = float(-intercept / slope)
        return PowerLaw(c=math.exp(log_c) if log_c < 700 else math.inf, alpha=float(slope), log_c=log_c)
    if len(N) < 4:
        raise ValueError("N must hold at least 4 points to fit a power law with an irreducible term")

    def model(x: np.ndarray, log_a: float, alpha: float, floor: float) -> np.ndarray:
        return np.log(floor + np.exp(log_a + alpha * x))

    p0 = (intercept, min(slope, -1e-3), 0.5 * float(y.min()))
    bounds = ([-np.inf, -10.0, 0.0], [np.inf, -1e-3, float(y.min())])  # a falling law with a floor below y
    (log_a, alpha, floor), _ = optimize.curve_fit(model, x, ly, p0=p0, bounds=bounds, maxfev=20_000)
    return PowerLaw(c=float(math.exp(-log_a / alpha)), alpha=float(alpha), irreducible=float(floor))


@dataclass(frozen=True)
class LogitLine:
    """q(N) = sigmoid(intercept + slope * ln N): a rate rising (slope > 0) from 0 to 1 over ln N.

    Taught in chapter 7, section 'From a loss law to an exact-match law'.
    """

    intercept: float  # logit q at N = 1
    slope: float  # change of logit q per unit of ln N

    def __call__(self, N: Any) -> np.ndarray:
        """The rate at parameter counts N."""
        N = check_positive_array("N", N)
        return expit(self.intercept + self.slope * np.log(N))


def smoothed_rate(successes: Any, trials: Any) -> np.ndarray:
    """(successes + 1/2) / (trials + 1): a rate that is never exactly 0 or 1, so its logit is finite.

    Taught in chapter 7, section 'From a loss law to an exact-match law'.
    """
    s, t = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    if s.shape != t.shape or (s < 0).any() or (t < s - 1e-9).any():
        raise ValueError("successes and trials must have one shape, with 0 <= successes <= trials")
    return (s + 0.5) / (t + 1.0)


def fit_logit_line(N: Any, successes: Any, trials: Any) -> LogitLine:
    """Least-squares line through logit((successes + 1/2) / (trials + 1)) against ln N.

    Taught in chapter 7, section 'From a loss law to an exact-match law'.
    """
    N, s = _xy(N, successes, "successes")
    t = np.asarray(trials, dtype=float)
    try:
        t = np.broadcast_to(t, s.shape)
    except ValueError:
        raise ValueError(f"trials must be one number or one per N (length {len(N)}); got shape {t.shape}") from None
    rate = smoothed_rate(s, t)
    slope, intercept = np.polyfit(np.log(N), logit(rate), 1)
    return LogitLine(intercept=float(intercept), slope=float(slope))


# ---------------------------------------------------------------------------------------- sweep data


@dataclass(frozen=True, eq=False)
class SweepArrays:
    """A sweep table as arrays indexed [size, seed, length] (sizes and lengths sorted).

    Taught in chapter 7, section 'Why the forecasts miss'.
    """

    task: str  # task name
    params: np.ndarray  # (S,) parameter counts N
    seeds: np.ndarray  # (R,) seeds
    target_lens: np.ndarray  # (J,) target lengths L
    n_items: np.ndarray  # (J,) test items of each length
    cross_entropy: np.ndarray  # (S, R, J) CE per answer token
    answer_prob: np.ndarray  # (S, R, J) mean probability of the whole right answer
    exact_match: np.ndarray  # (S, R, J) greedy exact match
    first: np.ndarray  # (S, R, J, Lmax + 1) exact match of the first k tokens, k = 0..Lmax (k = 0 is 1)


def sweep_arrays(table: pd.DataFrame) -> SweepArrays:
    """The arrays of one task's sweep table (``sweep.load_results``), for the forecasts.

    Taught in chapter 7, section 'Why the forecasts miss'.
    """
    need = {"task", "params", "seed", "target_len", "metric", "value", "n_items"}
    if not isinstance(table, pd.DataFrame) or not need <= set(table.columns):
        raise ValueError(f"table must be a sweep table with columns {sorted(need)}")
    if table["task"].nunique() != 1:
        raise ValueError(f"table must hold one task; got {sorted(table['task'].unique())}")
    for metric in ("cross_entropy", "answer_prob", "exact_match"):
        if not (table["metric"] == metric).any():
            raise ValueError(f"table must hold rows of metric {metric!r} (a sweep table from sweep.load_results)")
    if table["params"].nunique() < 2:
        raise ValueError(f"table must hold at least 2 model sizes (params); got {table['params'].nunique()}")
    params = np.sort(table["params"].unique())
    seeds = np.sort(table["seed"].unique())
    lens = np.sort(table["target_len"].unique())

    def cube(metric: str) -> np.ndarray:
        rows = table[table["metric"] == metric]
        full = pd.MultiIndex.from_product([params, seeds, lens], names=["params", "seed", "target_len"])
        values = rows.set_index(["params", "seed", "target_len"])["value"].reindex(full)
        return values.to_numpy(dtype=float).reshape(len(params), len(seeds), len(lens))

    n_items = (table[table["metric"] == "exact_match"].groupby("target_len")["n_items"].first()
               .reindex(lens).to_numpy(dtype=float))
    lmax = int(lens.max())
    first = np.ones((len(params), len(seeds), len(lens), lmax + 1))
    for k in range(1, lmax + 1):
        values = cube(f"exact_match_first_{k}")
        first[..., k] = np.where(np.isnan(values), first[..., k - 1], values)  # past L: unchanged
    return SweepArrays(task=str(table["task"].iloc[0]), params=params, seeds=seeds, target_lens=lens,
                       n_items=n_items, cross_entropy=cube("cross_entropy"), answer_prob=cube("answer_prob"),
                       exact_match=cube("exact_match"), first=first)


def _forecast_one(arr: SweepArrays, seed_idx: np.ndarray, k: int, method: str) -> np.ndarray:
    """EM forecast (S, J) for every size and length from the k smallest sizes, seeds averaged by seed_idx (S, R')."""
    sizes = np.arange(len(arr.params))[:, None]

    def mean(cube: np.ndarray) -> np.ndarray:  # (S, R, ...) -> (S, ...) over the drawn seeds
        return cube[sizes, seed_idx].mean(axis=1)

    N, fit_N = arr.params.astype(float), arr.params[:k].astype(float)
    out = np.empty((len(N), len(arr.target_lens)))
    trials = arr.n_items * seed_idx.shape[1]  # items x seeds behind each averaged rate
    for j, L in enumerate(arr.target_lens):
        if method == "toy":
            law = fit_power_law(fit_N, mean(arr.cross_entropy[..., j])[:k])
            out[:, j] = np.exp(-L * law(N))
        elif method == "pass_rate":
            pu = np.clip(mean(arr.answer_prob[..., j])[:k], 1e-300, 1 - 1e-12)
            law = fit_power_law(fit_N, -np.log(pu))
            out[:, j] = np.exp(-law(N))
        elif method == "conditional":
            firsts = mean(arr.first[:, :, j, :])  # (S, Lmax + 1)
            em = np.ones(len(N))
            for kk in range(1, int(L) + 1):
                line = fit_logit_line(fit_N, firsts[:k, kk] * trials[j], firsts[:k, kk - 1] * trials[j])
                em *= line(N)
            out[:, j] = em
        elif method == "direct":
            line = fit_logit_line(fit_N, mean(arr.exact_match[..., j])[:k] * trials[j], np.full(k, trials[j]))
            out[:, j] = line(N)
        elif method == "last":
            out[:, j] = mean(arr.exact_match[..., j])[k - 1]
        elif method == "log_linear":
            slope, intercept = np.polyfit(np.log(fit_N), mean(arr.exact_match[..., j])[:k], 1)
            out[:, j] = np.clip(intercept + slope * np.log(N), 0.0, 1.0)
        else:
            raise ValueError(f"method must be one of {ALL_METHODS}; got {method!r}")
    return out


def forecast_em(arr: SweepArrays, k: int, method: str) -> np.ndarray:
    """Point forecast of exact match (sizes x lengths) by ``method`` (``ALL_METHODS``), fitted on the ``k`` smallest.

    Taught in chapter 7, section 'Forecasting the largest model'.
    """
    k = check_int("k", k, low=2, high=len(arr.params))
    check_choice("method", method, ALL_METHODS)
    all_seeds = np.broadcast_to(np.arange(len(arr.seeds)), (len(arr.params), len(arr.seeds)))
    return _forecast_one(arr, all_seeds, k, method)


def forecast_table(table: pd.DataFrame, k: int, *, methods: tuple[str, ...] = METHODS, n_boot: int = 200,
                   confidence: float = 0.9, seed: int = 0) -> pd.DataFrame:
    """Forecast vs measured exact match for every size, length (and all items, target_len 0) and method.

    Columns: task, method, k, params, target_len, fitted (size used in the fit), measured (mean over
    seeds), forecast, lo, hi (bootstrap-over-seeds percentile interval), trials (items x seeds behind
    ``measured``), error = forecast - measured. ``methods`` are drawn from ``ALL_METHODS``.

    Taught in chapter 7, section 'Forecasting the largest model'.
    """
    arr = sweep_arrays(table)
    k = check_int("k", k, low=2, high=len(arr.params))
    n_boot = check_int("n_boot", n_boot, low=0)
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    for m in methods:
        if m not in ALL_METHODS:
            raise ValueError(f"methods must be drawn from {ALL_METHODS}; got {m!r}")
    rng = np.random.default_rng(seed)
    S, R = len(arr.params), len(arr.seeds)
    w = arr.n_items / arr.n_items.sum()
    measured = arr.exact_match.mean(axis=1)  # (S, J)
    measured_all = (arr.exact_match * w).sum(axis=2).mean(axis=1)
    draws = [rng.integers(0, R, size=(S, R)) for _ in range(n_boot)]
    rows = []
    for method in methods:
        point = forecast_em(arr, k, method)
        boot = np.stack([_forecast_one(arr, d, k, method) for d in draws]) if n_boot else point[None]
        tail = (1 - confidence) / 2
        lo, hi = np.quantile(boot, tail, axis=0), np.quantile(boot, 1 - tail, axis=0)
        point_all, boot_all = point @ w, boot @ w
        lo_all, hi_all = np.quantile(boot_all, tail, axis=0), np.quantile(boot_all, 1 - tail, axis=0)
        for i, N in enumerate(arr.params):
            base = dict(task=arr.task, method=method, k=k, params=int(N), fitted=i < k)
            for j, L in enumerate(arr.target_lens):
                rows.append(dict(base, target_len=int(L), measured=measured[i, j], forecast=point[i, j],
                                 lo=lo[i, j], hi=hi[i, j], trials=float(arr.n_items[j] * R)))
            if len(arr.target_lens) > 1:
                rows.append(dict(base, target_len=ALL_LENGTHS, measured=measured_all[i], forecast=point_all[i],
                                 lo=lo_all[i], hi=hi_all[i], trials=float(arr.n_items.sum() * R)))
    out = pd.DataFrame(rows)
    out["error"] = out["forecast"] - out["measured"]
    return out


# ---------------------------------------------------------------------------------------- any target length

# Forecasts at any target length L, each from ONE fit of a per-token quantity pooled over the measured lengths:
# ``toy``          CE pooled over all answer tokens (weights items x L), CE(N) = (N/c)^alpha, EM(L) = exp(-L CE(N)).
# ``conditional``  the per-position conditional rates q_j pooled over every position of every length into one
#                  rate qbar (right-given-prefix-right over prefix-right), logit qbar a line in ln N, EM(L) = qbar^L.
ANY_LENGTH_METHODS: tuple[str, ...] = ("toy", "conditional")


def _pooled_cross_entropy(arr: SweepArrays, seed_idx: np.ndarray, js: np.ndarray) -> np.ndarray:
    """Per-token CE of each size (S,), seed-resampled by ``seed_idx`` and pooled over every answer token of lengths js."""
    ce = arr.cross_entropy[np.arange(len(arr.params))[:, None], seed_idx][..., js].mean(axis=1)  # (S, J')
    w = arr.n_items[js] * arr.target_lens[js]  # answer tokens behind each length's mean CE
    return (ce * w).sum(axis=1) / w.sum()


def _any_length_one(arr: SweepArrays, seed_idx: np.ndarray, k: int, method: str, lengths: np.ndarray,
                    fit_j: np.ndarray) -> np.ndarray:
    """EM forecast (S, len(lengths)) from one pooled per-token fit on the k smallest sizes and the lengths fit_j."""
    sizes = np.arange(len(arr.params))[:, None]
    N, fit_N = arr.params.astype(float), arr.params[:k].astype(float)
    L_fit = arr.target_lens[fit_j].astype(float)
    if method == "toy":
        law = fit_power_law(fit_N, _pooled_cross_entropy(arr, seed_idx, fit_j)[:k])
        return np.exp(-np.outer(law(N), lengths))
    first = arr.first[sizes, seed_idx][:, :, fit_j, :].mean(axis=1)  # (S, J', Lmax + 1)
    trials = arr.n_items[fit_j] * seed_idx.shape[1]
    hits = np.zeros(len(N))
    tries = np.zeros(len(N))
    for jj, L in enumerate(L_fit.astype(int)):
        hits += (first[:, jj, 1:L + 1] * trials[jj]).sum(axis=1)
        tries += (first[:, jj, 0:L] * trials[jj]).sum(axis=1)
    line = fit_logit_line(fit_N, hits[:k], tries[:k])
    return np.power.outer(line(N), lengths)


def forecast_any_length(table: pd.DataFrame, k: int, lengths: Any, *, method: str = "conditional",
                        fit_lens: Any = None, n_boot: int = 200, confidence: float = 0.9,
                        seed: int = 0) -> pd.DataFrame:
    """Exact-match forecasts at any target lengths from one per-token fit (``ANY_LENGTH_METHODS``).

    The per-token quantity is pooled over the measured lengths ``fit_lens`` (default: all) of the
    ``k`` smallest sizes; ``lengths`` may include lengths that were never measured. Columns: task,
    method, k, params, target_len, fitted, measured (NaN where that length was not measured),
    forecast, lo, hi (bootstrap-over-seeds percentile interval), error, extrapolated_length.

    Taught in chapter 7, section 'One per-token fit, any target length'.
    """
    arr = sweep_arrays(table)
    k = check_int("k", k, low=2, high=len(arr.params))
    check_choice("method", method, ANY_LENGTH_METHODS)
    n_boot = check_int("n_boot", n_boot, low=0)
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    L_out = np.atleast_1d(np.asarray(lengths))
    if L_out.ndim != 1 or len(L_out) == 0 or not np.issubdtype(L_out.dtype, np.integer) or (L_out < 1).any():
        raise ValueError(f"lengths must be a non-empty list of integers >= 1; got {lengths!r}")
    measured_lens = arr.target_lens.tolist()
    chosen = measured_lens if fit_lens is None else list(np.atleast_1d(fit_lens))
    for L in chosen:
        check_choice("fit_lens", L, measured_lens)
    fit_j = np.array([measured_lens.index(L) for L in chosen])
    S, R = len(arr.params), len(arr.seeds)
    all_seeds = np.broadcast_to(np.arange(R), (S, R))
    point = _any_length_one(arr, all_seeds, k, method, L_out, fit_j)
    rng = np.random.default_rng(seed)
    if n_boot:
        boot = np.stack([_any_length_one(arr, rng.integers(0, R, size=(S, R)), k, method, L_out, fit_j)
                         for _ in range(n_boot)])
    else:
        boot = point[None]
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(boot, tail, axis=0), np.quantile(boot, 1 - tail, axis=0)
    measured = arr.exact_match.mean(axis=1)
    rows = []
    for i, N in enumerate(arr.params):
        for jo, L in enumerate(L_out.tolist()):
            m = measured[i, measured_lens.index(L)] if L in measured_lens else math.nan
            rows.append(dict(task=arr.task, method=method, k=k, params=int(N), target_len=int(L), fitted=i < k,
                             measured=m, forecast=point[i, jo], lo=lo[i, jo], hi=hi[i, jo],
                             extrapolated_length=L not in chosen))
    out = pd.DataFrame(rows)
    out["error"] = out["forecast"] - out["measured"]
    return out


@dataclass(frozen=True)
class PowerLawInterval:
    """A power law fitted to seed means, with bootstrap-over-seeds percentile intervals for alpha and c.

    Taught in chapter 7, section 'Why the forecasts miss'.
    """

    law: PowerLaw  # the fit to the mean over all seeds
    alpha_lo: float
    alpha_hi: float
    c_lo: float
    c_hi: float
    confidence: float


def power_law_interval(arr: SweepArrays, k: int, target_len: int | None = None, *,
                       quantity: str = "cross_entropy", n_boot: int = 200, confidence: float = 0.9,
                       seed: int = 0) -> PowerLawInterval:
    """Fit y = (N/c)^alpha on the k smallest sizes, y = CE (``cross_entropy``) or -ln PU (``neg_log_pass_rate``)
    at ``target_len`` (None: CE pooled over tokens of every length), with a bootstrap over seeds for alpha and c.

    Taught in chapter 7, section 'Why the forecasts miss'.
    """
    k = check_int("k", k, low=2, high=len(arr.params))
    check_choice("quantity", quantity, ("cross_entropy", "neg_log_pass_rate"))
    n_boot = check_int("n_boot", n_boot, low=1)
    confidence = check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    lens = arr.target_lens.tolist()
    if target_len is None:
        if quantity != "cross_entropy":
            raise ValueError("target_len must be given for quantity 'neg_log_pass_rate'")
        js = np.arange(len(lens))
    else:
        js = np.array([lens.index(check_choice("target_len", target_len, lens))])
    S, R = len(arr.params), len(arr.seeds)
    sizes = np.arange(S)[:, None]

    def fit(seed_idx: np.ndarray) -> PowerLaw:
        if quantity == "cross_entropy":
            y = _pooled_cross_entropy(arr, seed_idx, js)
        else:
            y = -np.log(np.clip(arr.answer_prob[sizes, seed_idx][..., js[0]].mean(axis=1), 1e-300, 1 - 1e-12))
        return fit_power_law(arr.params[:k].astype(float), y[:k])

    law = fit(np.broadcast_to(np.arange(R), (S, R)))
    rng = np.random.default_rng(seed)
    boots = [fit(rng.integers(0, R, size=(S, R))) for _ in range(n_boot)]
    alphas = np.array([b.alpha for b in boots])
    log_c = np.array([b.ln_c for b in boots])
    tail = (1 - confidence) / 2
    return PowerLawInterval(law=law, alpha_lo=float(np.quantile(alphas, tail)),
                            alpha_hi=float(np.quantile(alphas, 1 - tail)),
                            c_lo=float(np.exp(min(np.quantile(log_c, tail), 700))),
                            c_hi=float(np.exp(min(np.quantile(log_c, 1 - tail), 700))),
                            confidence=confidence)
