"""Pure plotting functions, one submodule per chapter topic; this module holds the shared conventions.

Every ``plot_...`` helper returns a fresh ``Figure`` and only draws: it never trains, and the tables
and fits it shows are computed by the domain modules (``helpers.arithmetic.tables``,
``helpers.vision.tables``, ``helpers.resolution``, ...). Submodules mirror the book, named like the
self-check modules of ``helpers.coursework``; chapters import them as ``<topic>_plots``:

    emergence_claims.py  chapter 1: the published emergence points; per-token vs exact match
    toy_model.py         chapter 2: the toy model's metrics, the Gumbel collapse, smooth axes
    metrics.py           chapter 3: one set of outputs under six metrics, Taylor view, correlated errors
    resolution.py        chapter 4: P(score 0), detection limits, onsets, simulated evaluations
    arithmetic.py        chapter 5: the arithmetic sweep, target length, resolution, independence
    emergence.py         chapter 6: emergence scores by metric, flagged curves, emergence by chance
    forecast.py          chapter 7: forecasts against measurements, errors against k, pass rates
    vision.py            chapter 8: the vision sweeps under a smooth and a sharp metric
    other_side.py        chapter 9: item switches, EM against loss, grokking, multiple choice
    published.py         chapter 10: published evaluations: metric panels, intervals, audits, axes
    predicting.py        chapter 11: forecasts of real models, errors, loss against accuracy, training

Figures are made with ``matplotlib.figure.Figure`` (not pyplot), so nothing leaks between calls,
a notebook shows a figure once when it is the cell's last expression, and tests can call the
plotting functions without a display.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

__all__ = ["new_figure", "figure_to_rgba", "figure_to_png", "METRIC_COLORS", "sequential_colors"]

# One color per metric, used in every chapter so a reader learns them once.
METRIC_COLORS: dict[str, str] = {
    "cross_entropy": "#4c72b0",
    "token_prob": "#55a868",
    "exact_match": "#c44e52",
    "edit_distance": "#8172b2",
    "multiple_choice_grade": "#dd8452",
    "brier_score": "#937860",
}


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 6.4, height: float = 4.0, **kwargs):
    """A new (Figure, axes) pair with constrained layout; ``axes`` is squeezed like ``plt.subplots``.

    Not taught: the figure conventions every plotting module shares.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def sequential_colors(n: int, cmap: str = "viridis") -> list:
    """``n`` colors evenly spaced along a sequential colormap (for families of curves, e.g. L = 1..5).

    Not taught: the figure conventions every plotting module shares.
    """
    return [mpl.colormaps[cmap](v) for v in np.linspace(0.1, 0.85, max(n, 1))]


def figure_to_rgba(fig: Figure, dpi: float = 100) -> np.ndarray:
    """Rasterise a figure to an (H, W, 4) uint8 array, as ``savefig`` draws it (used to turn pure plots
    into animation frames; raw pixels, no PNG encoding; the figure is left as it was).

    Not taught: the figure conventions every plotting module shares.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas, old_dpi = fig.canvas, fig.dpi
    try:  # drawn on an Agg canvas of its own at ``dpi``, then the figure gets its canvas and dpi back
        agg = FigureCanvasAgg(fig)
        fig.set_dpi(dpi)
        agg.draw()
        return np.array(agg.buffer_rgba(), dtype=np.uint8)
    finally:
        fig.set_dpi(old_dpi)
        fig.set_canvas(canvas)


def figure_to_png(fig: Figure, dpi: float = 100) -> bytes:
    """PNG bytes of a figure, trimmed to its drawn area (what a notebook shows).

    Not taught: the figure conventions every plotting module shares.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _register_notebook_display() -> None:
    """Let IPython show a bare ``Figure`` as PNG (pyplot's inline backend does this only once activated)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the book's environment
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, figure_to_png)


_register_notebook_display()
