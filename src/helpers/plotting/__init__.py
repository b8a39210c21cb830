"""Pure plotting functions, one submodule per topic; this module holds the shared conventions.

Every ``plot_...`` helper returns a fresh ``Figure`` and never trains or computes expensive results.
Submodules mirror the book: ``plotting.toy_model`` (chapter 2), ``plotting.metrics`` (chapter 3),
``plotting.resolution`` (chapter 4).

Figures are made with ``matplotlib.figure.Figure`` (not pyplot), so nothing leaks between calls,
a notebook shows a figure once when it is the cell's last expression, and tests can call the
plotting functions without a display.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.image
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
    """A new (Figure, axes) pair with constrained layout; ``axes`` is squeezed like ``plt.subplots``."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


def sequential_colors(n: int, cmap: str = "viridis") -> list:
    """``n`` colors evenly spaced along a sequential colormap (for families of curves, e.g. L = 1..5)."""
    return [mpl.colormaps[cmap](v) for v in np.linspace(0.1, 0.85, max(n, 1))]


def figure_to_rgba(fig: Figure, dpi: float = 100) -> np.ndarray:
    """Rasterise a figure to an (H, W, 4) float array (used to turn pure plots into animation frames)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    buf.seek(0)
    return mpl.image.imread(buf, format="png")


def figure_to_png(fig: Figure, dpi: float = 100) -> bytes:
    """PNG bytes of a figure, trimmed to its drawn area (what a notebook shows)."""
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
