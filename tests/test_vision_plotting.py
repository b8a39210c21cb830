"""helpers.plotting.vision: every plot function returns a Figure for valid input and rejects bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers.plotting import vision as pv

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


@pytest.mark.parametrize("every", [1, 2, 3])
def test_subset_accuracy_plot(every) -> None:
    fig = pv.plot_subset_accuracy(fake_table("classifier"), K=3, every=every)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert isinstance(pv.plot_k_family(fake_table("classifier"), every=every), Figure)


def test_seed_mean_and_sparse_sizes() -> None:
    table = fake_table("classifier")
    mean = pv.seed_mean(table, "subset_accuracy", K=2)
    assert list(mean.index) == PARAMS and mean.iloc[0] == pytest.approx(np.mean([0.2**2, 0.21**2]))
    with pytest.raises(ValueError, match="K, c"):
        pv.seed_mean(table, "subset_accuracy", K=9)


def test_reconstruction_and_score_plots() -> None:
    fig = pv.plot_reconstruction(PARAMS, errors(), c=1.0)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    cs = np.geomspace(0.1, 10, 5)
    assert isinstance(pv.plot_emergence_vs_c(cs, [1.0, np.inf, 3.0, 2.0, 1.0], best_c=1.0), Figure)


def test_sequence_plot() -> None:
    assert isinstance(pv.plot_sequence(fake_table("sequence"), K=4), Figure)


@pytest.mark.parametrize("call", [
    lambda: pv.plot_subset_accuracy("table"),
    lambda: pv.plot_subset_accuracy(fake_table("sequence")),
    lambda: pv.plot_subset_accuracy(fake_table("classifier"), K=0),
    lambda: pv.plot_subset_accuracy(fake_table("classifier"), every=9),
    lambda: pv.plot_reconstruction(PARAMS, errors()[:2], c=1.0),
    lambda: pv.plot_reconstruction(PARAMS, errors(), c=0),
    lambda: pv.plot_emergence_vs_c([1.0], [1.0]),
    lambda: pv.plot_sequence(fake_table("classifier")),
])
def test_bad_input_raises_value_error(call) -> None:
    with pytest.raises(ValueError):
        call()
