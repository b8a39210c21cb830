"""Right answers (computed independently of the checks, from the raw extract with scipy and numpy) and
rejection tests for chapter 11's self-checks."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy.special import expit

from helpers.coursework import predicting as cwp
from helpers import published


@lru_cache(maxsize=1)
def _hellaswag_ladder() -> pd.DataFrame:
    t = published.load("olmo-ladder")
    t = t[(t["family"] == "olmo-ladder") & (t["task"] == "hellaswag_val") & (t["setting"] == "rc")
          & t["metric"].isin(["acc_len_norm", "bpb"])]
    return t.pivot_table(index=["run", "step"], columns="metric", values="value").dropna()


def _fit(x: np.ndarray, y: np.ndarray, g: float, p0) -> np.ndarray:
    """Least squares of y = g + (1 - g) sigmoid(x @ theta) with scipy."""
    res = optimize.least_squares(lambda th: g + (1 - g) * expit(x @ th) - y, p0, xtol=1e-14, ftol=1e-14, gtol=1e-14)
    return res.x


def predicting_half_loss() -> tuple:
    """-b0/b of the link acc = 1/4 + 3/4 sigmoid(b0 + b bpb), fitted by scipy on every ladder evaluation."""
    d = _hellaswag_ladder()
    x = np.column_stack([np.ones(len(d)), d["bpb"].to_numpy()])
    b0, b = _fit(x, d["acc_len_norm"].to_numpy(), 0.25, [0.0, -1.0])
    return (-b0 / b,)


def predicting_cutoff() -> tuple:
    """Capability forecasts at a 4.2e22 cut-off for word unscrambling: PCs by SVD, a 4-parameter link by scipy."""
    t = published.load("obsscaling")
    bench = ["MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K"]
    scores = t[(t["metric"] == "score") & t["task"].isin(bench)].pivot_table(index="model", columns="task",
                                                                             values="value")[bench]
    em = t[(t["task"] == "word_unscrambling") & t["flops"].notna()].set_index("model")
    data = scores.join(em[["flops", "value"]], how="inner")
    fit, new = data[data["flops"] <= 4.2e22], data[data["flops"] > 4.2e22].copy()
    S = fit[bench].to_numpy()
    for model in new.index[new[bench].isna().any(axis=1)]:  # fill a missing score from the other five
        miss = [b for b in bench if np.isnan(new.loc[model, b])]
        for b in miss:
            others = [c for c in bench if c != b]
            X = np.column_stack([np.ones(len(fit)), fit[others].to_numpy()])
            coef = np.linalg.lstsq(X, fit[b].to_numpy(), rcond=None)[0]
            new.loc[model, b] = coef[0] + new.loc[model, others].to_numpy(dtype=float) @ coef[1:]
    center = S.mean(axis=0)
    _, _, vt = np.linalg.svd(S - center, full_matrices=False)
    V = vt[:3].T
    pcs = (S - center) @ V
    X = np.column_stack([np.ones(len(fit)), pcs])
    theta = _fit(X, fit["value"].to_numpy(), 0.0, np.zeros(4))
    pred = expit(np.column_stack([np.ones(len(new)), (new[bench].to_numpy(dtype=float) - center) @ V]) @ theta)
    return (float(np.abs(pred - new["value"].to_numpy()).mean()),)


def predicting_lag(level: float = 0.1) -> tuple:
    """log10 tokens where acc first reaches ``level`` of its rise minus where -ln ppl does, pythia-1.4b."""
    t = published.load("pythia")
    t = t[(t["model"] == "pythia-1.4b") & (t["task"] == "lambada_openai") & (t["shots"] == 0)]
    w = t.pivot_table(index="step", columns="metric", values="value").sort_index()
    lt = np.log10(w.index.to_numpy(dtype=float)[1:] * 2_097_152)  # step 0 has no logarithm

    def start(v: np.ndarray) -> float:
        r = (v - v[0]) / (v[-1] - v[0])
        r = r[1:]
        i = int(np.argmax(r >= level))
        return lt[i - 1] + (level - r[i - 1]) / (r[i] - r[i - 1]) * (lt[i] - lt[i - 1])

    return (start(w["acc"].to_numpy()) - start(-np.log(w["ppl"].to_numpy())),)


RIGHT = {
    "ex-predicting-half-loss": predicting_half_loss,
    "ex-predicting-cutoff": predicting_cutoff,
    "ex-predicting-lag": predicting_lag,
}


def test_half_loss_rejections() -> None:
    from tests.coursework import assert_rejects

    (half,) = predicting_half_loss()
    ladder = cwp._ladder()
    assert "(1 + g)/2" in assert_rejects("ex-predicting-half-loss", cwp._half_loss(ladder, level=0.5))
    assert "every evaluation" in assert_rejects("ex-predicting-half-loss", cwp._half_loss(ladder, finals_only=True))
    assert "floor is chance" in assert_rejects("ex-predicting-half-loss", cwp._half_loss(ladder, ignore_floor=True))
    assert_rejects("ex-predicting-half-loss", half * 1.05)
    assert "positive" in assert_rejects("ex-predicting-half-loss", -half)


def test_cutoff_rejections() -> None:
    from tests.coursework import assert_rejects

    public = cwp._public()
    assert "8.4e22" in assert_rejects("ex-predicting-cutoff", cwp._cutoff_mae(public, cutoff=8.4e22))
    assert "direct" in assert_rejects("ex-predicting-cutoff", cwp._cutoff_mae(public, method="direct"))
    assert "signed" in assert_rejects("ex-predicting-cutoff", cwp._cutoff_mae(public, signed=True))
    assert_rejects("ex-predicting-cutoff", predicting_cutoff()[0] + 0.02)


def test_lag_rejections() -> None:
    from tests.coursework import assert_rejects

    (lag,) = predicting_lag()
    assert "90 %" in assert_rejects("ex-predicting-lag", predicting_lag(0.9)[0])
    assert "natural-log" in assert_rejects("ex-predicting-lag", lag * math.log(10))
    assert "ratio" in assert_rejects("ex-predicting-lag", 10**lag)
    assert_rejects("ex-predicting-lag", -lag)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: cwp.check_predicting_half_loss("low"), "bpb_half"),
        (lambda: cwp.check_predicting_cutoff(float("nan")), "mae"),
        (lambda: cwp.check_predicting_lag(None), "decades"),
    ],
)
def test_bad_input_raises_value_error(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
