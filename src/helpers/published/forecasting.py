"""Forecasting large models' task scores from small ones, on published evaluations (chapter 11).

Three testbeds, each fitted on small models only and scored on the large ones:

``ladder``   the OLMo ladder's 30 runs (190M-3B) forecast the final OLMo 2 7B and 13B checkpoints
             (Bhagia et al. 2024's setting), one recipe and data set;
``across``   public base models of many families (ObsScaling's emergent BIG-bench tasks and the
             U-shaped tables' multiple-choice tasks): fit on models with at most ``cutoff`` training
             FLOPs, forecast every larger model;
``within``   the same, one family at a time (families with at least 3 fitted and 1 larger model).

Methods (``METHODS``):

``direct``      acc = g + (1 - g) sigmoid(b0 + b log10 C), C training FLOPs;
``two_step``    a continuous metric l of the same evaluation (bits per byte, Brier score, 1 - BLEU/100)
                fitted against scale (the ladder law E + A N^-alpha + B D^-beta, or E + A (C/1e21)^-a),
                then acc = g + (1 - g) sigmoid(b0 + b l) fitted on the small models;
``capability``  acc = g + (1 - g) sigmoid(b0 + b . PC), PC the first 3 principal components of six
                standard benchmark scores (Ruan et al. 2024's observational capability measure);
``last``        the score of the fitted model with the most compute (a naive baseline);
``chance``      g (a naive baseline).

Intervals: a percentile bootstrap over the fitted models (ladder: over runs), ``n_boot`` replicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..validation import check_choice, check_int, check_real
from . import fits
from .load import load

__all__ = [
    "METHODS",
    "FITTED_METHODS",
    "TESTBEDS",
    "LADDER_TASKS",
    "LADDER_TARGETS",
    "PublicTask",
    "PUBLIC_TASKS",
    "BENCHMARKS",
    "ladder_points",
    "public_points",
    "public_floor",
    "forecast_ladder",
    "forecast_public",
    "score",
    "summarise",
    "verdict",
    "direct_curve",
    "two_step_curve",
    "capability_index",
    "impute_benchmarks",
    "ladder_fit_curves",
    "public_fit_curves",
]

METHODS: tuple[str, ...] = ("direct", "two_step", "capability", "last", "chance")
FITTED_METHODS: tuple[str, ...] = ("direct", "two_step", "capability")
TESTBEDS: tuple[str, ...] = ("ladder", "across", "within")

# The ladder's tasks (ranked-classification format) and their numbers of answer choices K (chance 1/K).
# Test splits where the ladder has them, else validation; MMLU in its four subject groups.
LADDER_TASKS: dict[str, int] = {
    "arc_challenge_test": 4, "arc_easy_test": 4, "boolq_val": 2, "csqa_val": 5, "hellaswag_val": 4,
    "mmlu_humanities_test": 4, "mmlu_other_test": 4, "mmlu_social_sciences_test": 4, "mmlu_stem_test": 4,
    "openbookqa_test": 4, "piqa_val": 2, "socialiqa_val": 3, "winogrande_val": 2,
}
LADDER_TARGETS: tuple[str, ...] = ("peteish7", "peteish13")  # the final OLMo 2 7B and 13B checkpoints
_LADDER_ACC = {"boolq_val": "acc"}  # the accuracy metric of each task; acc_len_norm unless listed


@dataclass(frozen=True)
class PublicTask:
    """One emergent task of the public-model tables."""

    source: str  # "obsscaling" or "u-shaped"
    task: str  # the task's name in the source (unique across the two sources)
    metric: str  # the accuracy-like metric forecast
    continuous: str | None  # the continuous metric of the same evaluation, or None
    chance: float | None  # the floor g; None: the mean score of the ten lowest-compute fitted models


PUBLIC_TASKS: tuple[PublicTask, ...] = (
    PublicTask("obsscaling", "arithmetic_2da", "acc", None, 0.0),
    PublicTask("obsscaling", "arithmetic_2dm", "acc", None, 0.0),
    PublicTask("obsscaling", "arithmetic_3da", "acc", None, 0.0),
    PublicTask("obsscaling", "arithmetic_3ds", "acc", None, 0.0),
    PublicTask("obsscaling", "ipa_transliterate", "exact_match", "bleu", 0.0),
    PublicTask("obsscaling", "word_unscrambling", "exact_match", None, 0.0),
    PublicTask("obsscaling", "parsinlu_qa", "acc", None, 0.25),
    PublicTask("u-shaped", "arithmetic", "acc", "brier", None),
    PublicTask("u-shaped", "mmlu", "acc", "brier", 0.25),
    PublicTask("u-shaped", "parsinlu_qa_mc", "acc", "brier", 0.25),
)
# ObsScaling's standard benchmarks that every one of its models has (XWinograd and HumanEval have gaps).
BENCHMARKS: tuple[str, ...] = ("MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K")
_FLOOR_MODELS = 10  # models behind a data-derived floor


# ---------------------------------------------------------------------------------------- data


def ladder_points(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every evaluation of the ladder runs and the OLMo 2 7B/13B runs on ``LADDER_TASKS``, one row per
    run, step and task: accuracy ``acc``, bits per byte ``bpb``, ``final`` (the run's last step), chance."""
    if table is None:
        table = load("olmo-ladder")
    t = table[table["setting"].eq("rc") & table["task"].isin(list(LADDER_TASKS)) & table["step"].notna()
              & (table["family"].eq("olmo-ladder") | table["run"].isin(list(LADDER_TARGETS)))]
    acc_metric = t["task"].map(lambda k: _LADDER_ACC.get(k, "acc_len_norm"))
    t = t[t["metric"].eq(acc_metric) | t["metric"].eq("bpb")].copy()
    t["metric"] = t["metric"].where(t["metric"].eq("bpb"), "acc")
    keys = ["family", "model", "run", "step", "params", "tokens", "flops", "task"]
    wide = t.pivot_table(index=keys, columns="metric", values="value", observed=True).reset_index()
    wide.columns.name = None
    if wide.empty:
        raise ValueError("table must hold the OLMo ladder extract (source 'olmo-ladder')")
    wide["step"] = wide["step"].astype(int)
    wide["final"] = wide["step"].eq(wide.groupby("run")["step"].transform("max"))
    wide["chance"] = wide["task"].map(lambda k: 1.0 / LADDER_TASKS[k])
    for col in ("family", "model", "run", "task"):
        wide[col] = wide[col].astype(str)
    return wide.sort_values(["task", "run", "step"]).reset_index(drop=True)


def public_points(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The public base models on ``PUBLIC_TASKS``, one row per model and task: family, params, flops,
    ``acc``, the continuous metric as a loss (``loss``: Brier, or 1 - BLEU/100; lower is better) and the
    six ``BENCHMARKS`` scores. Models without a training-FLOPs figure are left out."""
    if table is None:
        table = load(["obsscaling", "u-shaped"])
    bench = (table[table["source"].eq("obsscaling") & table["metric"].eq("score") & table["task"].isin(BENCHMARKS)]
             .pivot_table(index="model", columns="task", values="value", observed=True))
    if bench.empty:
        raise ValueError("table must hold the ObsScaling extract (its standard benchmark scores)")
    bench = bench.reindex(columns=list(BENCHMARKS))
    parts = []
    for spec in PUBLIC_TASKS:
        rows = table[table["source"].eq(spec.source) & table["task"].eq(spec.task) & table["group"].isna()]
        acc = rows[rows["metric"].eq(spec.metric)].set_index("model")
        part = acc[["family", "params", "flops"]].copy()
        part["acc"] = acc["value"]
        if spec.continuous is not None:
            cont = rows[rows["metric"].eq(spec.continuous)].set_index("model")["value"]
            part["loss"] = 1 - cont / 100 if spec.continuous == "bleu" else cont
        else:
            part["loss"] = np.nan
        part["source"], part["task"] = spec.source, spec.task
        parts.append(part.reset_index())
    out = pd.concat(parts, ignore_index=True)
    out = out[out["flops"].notna()].join(bench, on="model")
    out["loss"] = out["loss"].astype(float)
    for col in ("family", "model", "source", "task"):
        out[col] = out[col].astype(str)
    cols = ["source", "task", "family", "model", "params", "flops", "acc", "loss", *BENCHMARKS]
    return out[cols].sort_values(["task", "flops", "model"]).reset_index(drop=True)


def _spec(task: str) -> PublicTask:
    names = [s.task for s in PUBLIC_TASKS]
    return PUBLIC_TASKS[names.index(check_choice("task", task, names))]


def public_floor(points: pd.DataFrame, task: str, cutoff: float) -> float:
    """The floor g of a public task: its chance level, or (where the number of choices is not known)
    the mean score of the ten lowest-compute models fitted at this cutoff."""
    spec = _spec(task)
    if spec.chance is not None:
        return spec.chance
    fitted = points[points["task"].eq(task) & (points["flops"] <= cutoff)].sort_values(["flops", "model"])
    if len(fitted) < _FLOOR_MODELS:
        raise ValueError(f"cutoff must leave at least {_FLOOR_MODELS} models of {task} to set its floor; "
                         f"got {len(fitted)}")
    return float(fitted["acc"].iloc[:_FLOOR_MODELS].mean())


# ---------------------------------------------------------------------------------------- fits


def _direct(x_fit: np.ndarray, y_fit: np.ndarray, x_new: np.ndarray, g: float, W: np.ndarray) -> np.ndarray:
    """(B, m) direct forecasts: sigmoid in log10 compute."""
    return fits.fit_sigmoid(x_fit, y_fit, g, W)(x_new)


def _row_weights(weights: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per-row weights (B, rows) from per-group weights (B, groups) and each row's group index."""
    return weights[:, groups]


def _summary_rows(base: dict, method: str, g: float, measured: np.ndarray, point: np.ndarray,
                  boot: np.ndarray | None, confidence: float, targets: pd.DataFrame) -> list[dict]:
    """One row per target model for one method."""
    if boot is not None:
        lo, hi = fits.percentile_interval(boot, confidence)
    else:
        lo = hi = np.full(len(point), np.nan)
    rows = []
    for i, (_, t) in enumerate(targets.iterrows()):
        rows.append(dict(base, family=t["family"], model=t["model"], flops=float(t["flops"]), method=method,
                         floor=g, measured=float(measured[i]), forecast=float(point[i]), lo=float(lo[i]),
                         hi=float(hi[i])))
    return rows


def _check_common(n_boot: int, confidence: float, seed: int) -> tuple[int, float, int]:
    return (check_int("n_boot", n_boot, low=2), check_real("confidence", confidence, low=0, high=1, low_open=True,
                                                           high_open=True), check_int("seed", seed, low=0))


def forecast_ladder(points: pd.DataFrame, *, tasks: Sequence[str] | None = None, n_boot: int = 200,
                    confidence: float = 0.9, seed: int = 0) -> pd.DataFrame:
    """Forecasts of the OLMo 2 7B and 13B final scores from the 30 ladder runs (``ladder_points``).

    direct: sigmoid of the final accuracy in log10 FLOPs; two_step: the ladder law for the final bits per
    byte, bpb(N, D) = E + A N^-alpha + B D^-beta, then a sigmoid link from bits per byte to accuracy
    fitted on every evaluation of the ladder runs (as Bhagia et al. do); last; chance. The bootstrap
    resamples ladder runs. One row per task, target and method (columns as ``forecast_public``).
    """
    n_boot, confidence, seed = _check_common(n_boot, confidence, seed)
    tasks = list(LADDER_TASKS) if tasks is None else [check_choice("tasks", t, list(LADDER_TASKS)) for t in tasks]
    ladder = points[points["family"].eq("olmo-ladder")]
    runs = np.array(sorted(ladder["run"].unique()))
    if len(runs) < 5:
        raise ValueError(f"points must hold at least 5 ladder runs; got {len(runs)}")
    W = np.vstack([np.ones(len(runs)), fits.bootstrap_weights(len(runs), n_boot, seed)])
    out = []
    for task in tasks:
        rows = ladder[ladder["task"].eq(task)]
        fin = rows[rows["final"]].set_index("run").loc[runs]
        targets = points[points["task"].eq(task) & points["run"].isin(list(LADDER_TARGETS)) & points["final"]]
        targets = targets.sort_values("flops")
        if targets.empty:
            continue
        g = 1.0 / LADDER_TASKS[task]
        measured = targets["acc"].to_numpy()
        base = dict(testbed="ladder", source="olmo-ladder", task=task, n_fit=len(runs))
        f = _direct(np.log10(fin["flops"].to_numpy()), fin["acc"].to_numpy(), np.log10(targets["flops"].to_numpy()),
                    g, W)
        out += _summary_rows(base, "direct", g, measured, f[0], f[1:], confidence, targets)
        law = fits.fit_ladder_law(fin["params"].to_numpy(), fin["tokens"].to_numpy(), fin["bpb"].to_numpy(), W)
        bpb_hat = law(targets["params"].to_numpy(), targets["tokens"].to_numpy())  # (B + 1, m)
        group = np.searchsorted(runs, rows["run"].to_numpy())
        link = fits.fit_sigmoid(rows["bpb"].to_numpy(), rows["acc"].to_numpy(), g, _row_weights(W, group))
        f = link(bpb_hat[..., None])
        out += _summary_rows(base, "two_step", g, measured, f[0], f[1:], confidence, targets)
        top = fin.sort_values(["flops", "params"]).iloc[-1]
        out += _summary_rows(base, "last", g, measured, np.full(len(targets), top["acc"]), None, confidence, targets)
        out += _summary_rows(base, "chance", g, measured, np.full(len(targets), g), None, confidence, targets)
    return pd.DataFrame(out)


def impute_benchmarks(fit: pd.DataFrame, new: pd.DataFrame) -> np.ndarray:
    """The ``BENCHMARKS`` scores of ``new`` (m, 6), a missing score replaced by its least-squares prediction
    from the model's other scores, the regression fitted on the (complete) fitted models."""
    S = fit[list(BENCHMARKS)].to_numpy(dtype=float)
    if np.isnan(S).any():
        raise ValueError("fit must hold every benchmark score of every fitted model")
    T = new[list(BENCHMARKS)].to_numpy(dtype=float).copy()
    for i, j in zip(*np.nonzero(np.isnan(T))):
        others = [c for c in range(S.shape[1]) if c != j and not np.isnan(T[i, c])]
        X = np.column_stack([np.ones(len(S)), S[:, others]])
        coef, *_ = np.linalg.lstsq(X, S[:, j], rcond=None)
        T[i, j] = coef[0] + T[i, others] @ coef[1:]
    return T


def _fit_capability(fit: pd.DataFrame, new: pd.DataFrame, g: float, W: np.ndarray, k: int = 3) -> np.ndarray:
    """(B, m) capability forecasts: PCs of the benchmarks of the fitted models, then a sigmoid link."""
    S = fit[list(BENCHMARKS)].to_numpy(dtype=float)
    center, load_ = fits.principal_components(S, W, k)
    pcs_fit = np.einsum("bnq,bqk->bnk", S[None] - center[:, None], load_)
    pcs_new = np.einsum("bmq,bqk->bmk", impute_benchmarks(fit, new)[None] - center[:, None], load_)
    return fits.fit_sigmoid(pcs_fit, fit["acc"].to_numpy(), g, W)(pcs_new)


def _two_step_public(fit: pd.DataFrame, new: pd.DataFrame, g: float, W: np.ndarray) -> np.ndarray:
    """(B, m) two-step forecasts: loss = E + A (C/1e21)^-a, then a sigmoid link from the loss to accuracy."""
    x = np.log(fit["flops"].to_numpy() / 1e21)
    law = fits.fit_power_floor(x, fit["loss"].to_numpy(), W)
    loss_hat = law(np.log(new["flops"].to_numpy() / 1e21))
    link = fits.fit_sigmoid(fit["loss"].to_numpy(), fit["acc"].to_numpy(), g, W)
    return link(loss_hat[..., None])


def forecast_public(points: pd.DataFrame, *, cutoff: float = 8.4e22, tasks: Sequence[str] | None = None,
                    testbeds: Sequence[str] = ("across", "within"), n_boot: int = 200, confidence: float = 0.9,
                    seed: int = 0) -> pd.DataFrame:
    """Forecasts of every public model above ``cutoff`` training FLOPs from those at or below it.

    ``across``: all families pooled, methods direct, two_step (tasks with a continuous metric),
    capability, last, chance. ``within``: each family with at least 3 fitted and 1 larger model on the
    task, methods direct, last, chance. Columns: testbed, source, task, n_fit, family, model, flops,
    method, floor, measured, forecast, lo, hi (percentile bootstrap over the fitted models).
    """
    n_boot, confidence, seed = _check_common(n_boot, confidence, seed)
    cutoff = check_real("cutoff", cutoff, low=0, low_open=True)
    for t in testbeds:
        check_choice("testbeds", t, ["across", "within"])
    tasks = [s.task for s in PUBLIC_TASKS] if tasks is None else [_spec(t).task for t in tasks]
    out = []
    for task in tasks:
        rows = points[points["task"].eq(task)]
        fit, new = rows[rows["flops"] <= cutoff], rows[rows["flops"] > cutoff]
        if len(fit) < 10 or new.empty:
            raise ValueError(f"cutoff must leave at least 10 fitted and 1 larger model of {task}; "
                             f"got {len(fit)} and {len(new)}")
        g = public_floor(points, task, cutoff)
        spec = _spec(task)
        measured = new["acc"].to_numpy()
        if "across" in testbeds:
            base = dict(testbed="across", source=spec.source, task=task, n_fit=len(fit))
            W = np.vstack([np.ones(len(fit)), fits.bootstrap_weights(len(fit), n_boot, seed)])
            f = _direct(np.log10(fit["flops"].to_numpy()), fit["acc"].to_numpy(), np.log10(new["flops"].to_numpy()),
                        g, W)
            out += _summary_rows(base, "direct", g, measured, f[0], f[1:], confidence, new)
            if spec.continuous is not None:
                cfit = fit[fit["loss"].notna()]
                Wc = np.vstack([np.ones(len(cfit)), fits.bootstrap_weights(len(cfit), n_boot, seed)])
                f = _two_step_public(cfit, new, g, Wc)
                out += _summary_rows(dict(base, n_fit=len(cfit)), "two_step", g, measured, f[0], f[1:], confidence,
                                     new)
            f = _fit_capability(fit, new, g, W)
            out += _summary_rows(base, "capability", g, measured, f[0], f[1:], confidence, new)
            top = fit.sort_values(["flops", "model"]).iloc[-1]
            out += _summary_rows(base, "last", g, measured, np.full(len(new), top["acc"]), None, confidence, new)
            out += _summary_rows(base, "chance", g, measured, np.full(len(new), g), None, confidence, new)
        if "within" in testbeds:
            for family, ffit in fit.groupby("family", sort=True):
                fnew = new[new["family"].eq(family)]
                if len(ffit) < 3 or fnew.empty:
                    continue
                base = dict(testbed="within", source=spec.source, task=task, n_fit=len(ffit))
                Wf = np.vstack([np.ones(len(ffit)), fits.bootstrap_weights(len(ffit), n_boot, seed)])
                x = np.log10(ffit["flops"].to_numpy())
                distinct = np.array([len(np.unique(x[w > 0])) for w in Wf])
                f = _direct(x, ffit["acc"].to_numpy(), np.log10(fnew["flops"].to_numpy()), g, Wf)
                f[distinct < 2] = np.nan  # a resample of one model has no slope
                m = fnew["acc"].to_numpy()
                out += _summary_rows(base, "direct", g, m, f[0], f[1:], confidence, fnew)
                top = ffit.sort_values(["flops", "model"]).iloc[-1]
                out += _summary_rows(base, "last", g, m, np.full(len(fnew), top["acc"]), None, confidence, fnew)
                out += _summary_rows(base, "chance", g, m, np.full(len(fnew), g), None, confidence, fnew)
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------------- scoring


def score(forecasts: pd.DataFrame, *, target: float = 0.10, primary: str = "two_step") -> pd.DataFrame:
    """The forecasts with their errors: ``error`` (forecast - measured), ``abs_error``, ``logodds_error``
    (on the accuracy above chance, clipped to [0.01, 0.99]), ``covered`` (measured inside [lo, hi];
    missing for the baselines), ``hit`` (|error| <= target) and ``primary``."""
    target = check_real("target", target, low=0, low_open=True, high=1)
    check_choice("primary", primary, list(FITTED_METHODS))
    need = {"method", "floor", "measured", "forecast", "lo", "hi"}
    if not isinstance(forecasts, pd.DataFrame) or not need <= set(forecasts.columns) or forecasts.empty:
        raise ValueError(f"forecasts must be a non-empty table with columns {sorted(need)}")
    out = forecasts.copy()
    out["error"] = out["forecast"] - out["measured"]
    out["abs_error"] = out["error"].abs()
    lf = [float(fits.logit_above(f, g)) for f, g in zip(out["forecast"], out["floor"])]
    lm = [float(fits.logit_above(m, g)) for m, g in zip(out["measured"], out["floor"])]
    out["logodds_error"] = np.array(lf) - np.array(lm)
    has = out["lo"].notna()
    out["covered"] = pd.array(np.where(has, (out["lo"] <= out["measured"]) & (out["measured"] <= out["hi"]), False),
                              dtype="boolean")
    out.loc[~has, "covered"] = pd.NA
    out["hit"] = out["abs_error"] <= target
    out["primary"] = out["method"].eq(primary)
    return out


def summarise(scored: pd.DataFrame) -> pd.DataFrame:
    """Per testbed and method: forecasts n, mean absolute error, median |log-odds error|, share within
    the target (hit), share of intervals covering the measured value, and whether the method is primary."""
    need = {"testbed", "method", "abs_error", "logodds_error", "hit", "covered", "primary"}
    if not isinstance(scored, pd.DataFrame) or not need <= set(scored.columns) or scored.empty:
        raise ValueError(f"scored must be a non-empty table from score() with columns {sorted(need)}")
    g = scored.groupby(["testbed", "method"], sort=False)
    out = pd.DataFrame({
        "primary": g["primary"].any(),
        "n": g.size(),
        "mae": g["abs_error"].mean(),
        "median_abs_logodds": g["logodds_error"].apply(lambda s: float(np.median(np.abs(s)))),
        "hit_share": g["hit"].mean(),
        "coverage": g["covered"].apply(lambda s: float(s.dropna().astype(float).mean()) if s.notna().any() else np.nan),
    }).reset_index()
    order = {t: i for i, t in enumerate(TESTBEDS)}
    morder = {m: i for i, m in enumerate(METHODS)}
    out = out.sort_values(["testbed", "method"], key=lambda s: s.map(order if s.name == "testbed" else morder))
    return out.reset_index(drop=True)


def verdict(summary: pd.DataFrame, *, pass_share: float = 0.8) -> pd.DataFrame:
    """Per testbed with a primary method: whether its share of forecasts within the target reaches
    ``pass_share`` and its mean absolute error is below both baselines' (the chapter's stated rule)."""
    pass_share = check_real("pass_share", pass_share, low=0, high=1)
    rows = []
    for testbed, s in summary.groupby("testbed", sort=False):
        p = s[s["primary"]]
        if p.empty:
            continue
        p = p.iloc[0]
        base = s[s["method"].isin(["last", "chance"])].set_index("method")["mae"]
        share_ok = bool(p["hit_share"] >= pass_share)
        beats = bool((p["mae"] < base).all()) and len(base) == 2
        rows.append(dict(testbed=testbed, method=p["method"], n=int(p["n"]), hit_share=float(p["hit_share"]),
                         mae=float(p["mae"]), mae_last=float(base.get("last", np.nan)),
                         mae_chance=float(base.get("chance", np.nan)), share_ok=share_ok, beats_baselines=beats,
                         passed=share_ok and beats))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------- curves for plots


def direct_curve(x_fit: np.ndarray, y_fit: np.ndarray, floor: float, x_grid: np.ndarray) -> np.ndarray:
    """The direct fit's point curve (acc at each x of ``x_grid``), for plots."""
    return fits.fit_sigmoid(np.asarray(x_fit, float), np.asarray(y_fit, float), floor)(np.asarray(x_grid, float))[0]


def two_step_curve(points: pd.DataFrame, task: str, cutoff: float, flops_grid: np.ndarray) -> pd.DataFrame:
    """For a public task with a continuous metric: the fitted loss law and the link at each FLOPs of the grid
    (columns flops, loss, acc), fitted on the models at or below ``cutoff``."""
    spec = _spec(task)
    if spec.continuous is None:
        raise ValueError(f"task must have a continuous metric for a two-step curve; {task} has none")
    rows = points[points["task"].eq(task) & (points["flops"] <= cutoff) & points["loss"].notna()]
    g = public_floor(points, task, cutoff)
    law = fits.fit_power_floor(np.log(rows["flops"].to_numpy() / 1e21), rows["loss"].to_numpy())
    grid = np.asarray(flops_grid, dtype=float)
    loss = law(np.log(grid / 1e21))[0]
    link = fits.fit_sigmoid(rows["loss"].to_numpy(), rows["acc"].to_numpy(), g)
    return pd.DataFrame({"flops": grid, "loss": loss, "acc": link(loss[:, None])[0]})


def capability_index(points: pd.DataFrame, task: str, cutoff: float) -> pd.DataFrame:
    """Every model of a public task with its capability index z = b0 + b . PC (the link's linear
    predictor, fitted at or below ``cutoff``), its fitted accuracy and whether it was fitted."""
    rows = points[points["task"].eq(task)].copy()
    fit = rows[rows["flops"] <= cutoff]
    g = public_floor(points, task, cutoff)
    S = fit[list(BENCHMARKS)].to_numpy(dtype=float)
    center, load_ = fits.principal_components(S)
    pcs = (impute_benchmarks(fit, rows) - center[0]) @ load_[0]
    link = fits.fit_sigmoid(pcs[rows["flops"].to_numpy() <= cutoff], fit["acc"].to_numpy(), g)
    rows["index"] = link.linear(pcs)[0]
    rows["fitted_acc"] = link(pcs)[0]
    rows["fitted"] = rows["flops"] <= cutoff
    rows["floor"] = g
    return rows.reset_index(drop=True)


def ladder_fit_curves(points: pd.DataFrame, task: str, *, n_grid: int = 120) -> dict[str, pd.DataFrame]:
    """The point fits behind a ladder task's forecasts, for plots: ``direct`` (flops, acc) over a grid from
    the smallest ladder run to the largest target, ``link`` (bpb, acc) over the bits per byte seen, and
    ``targets`` (run, flops, bpb, bpb_hat: the ladder law's bits per byte at the target's N and D)."""
    check_choice("task", task, list(LADDER_TASKS))
    n_grid = check_int("n_grid", n_grid, low=2)
    rows = points[points["task"].eq(task) & points["family"].eq("olmo-ladder")]
    fin = rows[rows["final"]]
    targets = points[points["task"].eq(task) & points["run"].isin(list(LADDER_TARGETS)) & points["final"]]
    targets = targets.sort_values("flops")
    g = 1.0 / LADDER_TASKS[task]
    grid = np.geomspace(fin["flops"].min(), max(targets["flops"].max(), fin["flops"].max()) * 1.5, n_grid)
    direct = direct_curve(np.log10(fin["flops"].to_numpy()), fin["acc"].to_numpy(), g, np.log10(grid))
    law = fits.fit_ladder_law(fin["params"].to_numpy(), fin["tokens"].to_numpy(), fin["bpb"].to_numpy())
    link = fits.fit_sigmoid(rows["bpb"].to_numpy(), rows["acc"].to_numpy(), g)
    all_bpb = points.loc[points["task"].eq(task), "bpb"]
    bgrid = np.linspace(all_bpb.min() * 0.95, all_bpb.max(), n_grid)
    t = pd.DataFrame({"run": targets["run"].to_numpy(), "flops": targets["flops"].to_numpy(),
                      "acc": targets["acc"].to_numpy(), "bpb": targets["bpb"].to_numpy(),
                      "bpb_hat": law(targets["params"].to_numpy(), targets["tokens"].to_numpy())[0]})
    return {"direct": pd.DataFrame({"flops": grid, "acc": direct}),
            "link": pd.DataFrame({"bpb": bgrid, "acc": link(bgrid)[0]}),
            "targets": t}


def public_fit_curves(points: pd.DataFrame, task: str, cutoff: float, *, n_grid: int = 120) -> dict[str, pd.DataFrame]:
    """The point fits behind a public task's direct and two-step forecasts, over a FLOPs grid spanning its
    models: ``direct`` (flops, acc) and, for a task with a continuous metric, ``two_step`` (flops, loss, acc)."""
    spec = _spec(task)
    cutoff = check_real("cutoff", cutoff, low=0, low_open=True)
    n_grid = check_int("n_grid", n_grid, low=2)
    rows = points[points["task"].eq(task)]
    fit = rows[rows["flops"] <= cutoff]
    g = public_floor(points, task, cutoff)
    grid = np.geomspace(rows["flops"].min(), rows["flops"].max(), n_grid)
    out = {"direct": pd.DataFrame({"flops": grid, "acc": direct_curve(np.log10(fit["flops"].to_numpy()),
                                                                      fit["acc"].to_numpy(), g, np.log10(grid))})}
    if spec.continuous is not None:
        out["two_step"] = two_step_curve(points, task, cutoff, grid)
    return out
