"""helpers.plotting.vision: every plot draws the values it is given (and the analytic overlays) and rejects bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers.plotting import vision as pv
from helpers.vision import tables

PARAMS = [200, 500, 1_000, 3_000, 10_000, 30_000]


def fake_table(kind: str) -> pd.DataFrame:
    rows = []
    for i, p in enumerate(PARAMS):
        for seed in (0, 1):
            a = 0.2 + 0.13 * i + 0.01 * seed
            if kind == "classifier":
                rows.append(dict(params=p, seed=seed, metric="accuracy", K=0, c=0.0, value=a))
                rows += [dict(params=p, seed=seed, metric="subset_accuracy", K=K, c=0.0, value=a**K) for K in range(1, 6)]
            else:
                for K in range(1, 6):
                    rows.append(dict(params=p, seed=seed, metric="item_accuracy", K=K, c=0.0, value=a))
                    rows.append(dict(params=p, seed=seed, metric="all_correct", K=K, c=0.0, value=a**K))
    return pd.DataFrame(rows)


def errors() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [np.exp(1.5 - 0.6 * i + 0.4 * rng.standard_normal(100)) for i in range(len(PARAMS))]


def line_y(ax, label_start: str) -> np.ndarray:
    """y data of the one line on ``ax`` whose legend label starts with ``label_start``."""
    lines = [ln for ln in ax.get_lines() if str(ln.get_label()).startswith(label_start)]
    assert len(lines) == 1, [ln.get_label() for ln in ax.get_lines()]
    return np.asarray(lines[0].get_ydata(), dtype=float)


def seed_avg(values_by_seed) -> np.ndarray:
    return np.array([np.mean(v) for v in values_by_seed])


@pytest.mark.parametrize("every", [1, 2, 3])
def test_subset_accuracy_plot(every) -> None:
    fig = pv.plot_subset_accuracy(fake_table("classifier"), K=3, every=every)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    keep = sorted(set(range(0, len(PARAMS), every)) | {len(PARAMS) - 1})
    a = np.array([[0.2 + 0.13 * i + 0.01 * s for s in (0, 1)] for i in keep])
    left, right = fig.axes
    np.testing.assert_allclose(line_y(left, "accuracy a"), a.mean(axis=1))
    np.testing.assert_allclose(line_y(right, "subset accuracy"), (a**3).mean(axis=1))
    np.testing.assert_allclose(line_y(right, "prediction"), (a**3).mean(axis=1))  # the overlay is mean(a**K)
    if every > 1:
        assert fig._suptitle.get_text().startswith({2: "only every 2nd ", 3: "only every 3rd "}[every])
    family = pv.plot_k_family(fake_table("classifier"), every=every)
    for K in range(1, 6):
        np.testing.assert_allclose(line_y(family.axes[0], f"K = {K} "), (a**K).mean(axis=1))


def test_ordinals() -> None:
    assert [pv._ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]


def test_seed_mean_and_sparse_sizes() -> None:
    table = fake_table("classifier")
    mean = tables.seed_mean(table, "subset_accuracy", K=2)
    assert list(mean.index) == PARAMS and mean.iloc[0] == pytest.approx(np.mean([0.2**2, 0.21**2]))
    with pytest.raises(ValueError, match="K, c"):
        tables.seed_mean(table, "subset_accuracy", K=9)


def test_reconstruction_and_score_plots() -> None:
    errs = errors()
    fig = pv.plot_reconstruction(PARAMS, errs, c=1.0)
    assert isinstance(fig, Figure) and len(fig.axes) == 4  # three panels and the colour bar of the sizes
    np.testing.assert_allclose(line_y(fig.axes[0], "score"), [e.mean() for e in errs])
    np.testing.assert_allclose(line_y(fig.axes[1], "score"), [(e < 1.0).mean() for e in errs])
    cdf_x = fig.axes[2].get_lines()[0].get_xdata()
    np.testing.assert_allclose(cdf_x, np.sort(errs[0]))  # the CDF of the smallest model is its sorted errors
    cs = np.geomspace(0.1, 10, 5)
    scores = [1.0, np.inf, 3.0, 2.0, 1.0]
    fig = pv.plot_emergence_vs_c(cs, scores, best_c=1.0)
    np.testing.assert_allclose(line_y(fig.axes[0], "finite"), [1.0, 3.0, 2.0, 1.0])
    top = line_y(fig.axes[0], "+inf")
    assert top.size == 1 and top[0] > 3.0  # the infinite score is drawn above every finite one


def test_lognormal_fit_and_its_plot() -> None:
    """Exactly lognormal errors whose log-mean falls on a line: the fit recovers the line and the spread."""
    z = np.random.default_rng(2).standard_normal(4000)
    z = (z - z.mean()) / z.std(ddof=1)
    errs = [np.exp(1.0 - 0.5 * np.log(p) + 0.3 * z) for p in PARAMS]
    fit = tables.lognormal_fit(PARAMS, errs)
    np.testing.assert_allclose(fit["mu"], 1.0 - 0.5 * np.log(PARAMS))
    np.testing.assert_allclose(fit["mu_line"], fit["mu"], atol=1e-9)
    np.testing.assert_allclose(fit["sigma"], 0.3)
    c = float(np.exp(1.0 - 0.5 * np.log(3_000)))
    fig = pv.plot_reconstruction_fit(PARAMS, errs, c=c)
    from scipy import stats

    want = stats.norm.cdf((np.log(c) - fit["mu"]) / 0.3)
    np.testing.assert_allclose(line_y(fig.axes[1], "lognormal, per"), want, atol=1e-12)
    np.testing.assert_allclose(line_y(fig.axes[1], "measured"), [(e < c).mean() for e in errs])
    assert abs(line_y(fig.axes[1], "measured")[3] - 0.5) < 0.03  # at N = 3,000 the median error is c
    with pytest.raises(ValueError, match="positive"):
        tables.lognormal_fit(PARAMS, [np.zeros(5)] * len(PARAMS))


def test_sequence_plot() -> None:
    fig = pv.plot_sequence(fake_table("sequence"), K=4)
    assert isinstance(fig, Figure)
    a = np.array([[0.2 + 0.13 * i + 0.01 * s for s in (0, 1)] for i in range(len(PARAMS))])
    left, right = fig.axes
    np.testing.assert_allclose(line_y(left, "per-item"), a.mean(axis=1))
    np.testing.assert_allclose(line_y(right, "all 4 right"), (a**4).mean(axis=1))
    np.testing.assert_allclose(line_y(right, "prediction"), (a**4).mean(axis=1))


@pytest.mark.parametrize("call", [
    lambda: pv.plot_subset_accuracy("table"),
    lambda: pv.plot_subset_accuracy(fake_table("sequence")),
    lambda: pv.plot_subset_accuracy(fake_table("classifier"), K=0),
    lambda: pv.plot_subset_accuracy(fake_table("classifier"), every=9),
    lambda: pv.plot_reconstruction(PARAMS, errors()[:2], c=1.0),
    lambda: pv.plot_reconstruction(PARAMS, errors(), c=0),
    lambda: pv.plot_emergence_vs_c([1.0], [1.0]),
    lambda: pv.plot_sequence(fake_table("classifier")),
    lambda: pv.plot_reconstruction_fit(PARAMS, errors(), c=-1.0),
    lambda: pv.plot_reconstruction_fit(PARAMS[:2], errors()[:2]),
])
def test_bad_input_raises_value_error(call) -> None:
    with pytest.raises(ValueError):
        call()


def ae_table() -> pd.DataFrame:
    """A tiny autoencoder sweep table: a late rise at c = 1, an early one at c = 4, a flat one at c = 9."""
    curves = {1.0: [0, 0, 0, 0, 0.5, 1.0], 4.0: [0.1, 0.9, 0.95, 0.96, 0.97, 1.0], 9.0: [1.0] * 6}
    rows = [dict(params=p, seed=0, metric="reconstruction_c", K=0, c=c, value=v, task="ae")
            for c, ys in curves.items() for p, v in zip(PARAMS, ys)]
    rows += [dict(params=p, seed=0, metric="mse", K=0, c=0.0, value=5.0 / (i + 1), task="ae")
             for i, p in enumerate(PARAMS)]
    return pd.DataFrame(rows)


def test_threshold_audit_and_its_plot() -> None:
    audit = tables.threshold_audit(ae_table())
    assert audit["c"].tolist() == [1.0, 4.0, 9.0]
    assert audit["verdict"].tolist() == ["late rise", "early jump", "not flagged"]
    assert audit.loc[0, "relative"] == np.inf and audit.loc[1, "jump_at"] == 0.0
    strict = tables.threshold_audit(ae_table(), late_from=0.8)
    assert strict["verdict"].tolist()[0] == "early jump"  # the c = 1 curve's largest step is at 3/4
    fig = pv.plot_threshold_audit(audit)
    top, bottom = fig.axes
    drawn = {line.get_label(): np.asarray(line.get_ydata(), dtype=float) for line in top.get_lines()}
    assert drawn["late rise"].tolist() == [1e3]  # infinite R drawn at the top
    assert drawn["not flagged"].tolist() == [0.3]  # R = 0 drawn at the bottom
    np.testing.assert_allclose(line_y(bottom, "jump_at"), audit["jump_at"])
    np.testing.assert_allclose(line_y(bottom, "rise"), audit["rise"])
    with pytest.raises(ValueError, match="audit"):
        pv.plot_threshold_audit(audit.drop(columns="verdict"))
    with pytest.raises(ValueError, match="reconstruction_c"):
        tables.threshold_audit(ae_table()[lambda d: d["metric"] == "mse"])
