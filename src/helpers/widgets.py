"""Thin explorers over the pure ``plot_...(params) -> Figure`` helpers.

Two ways to explore the same plot:

* ``live(plot_fn, **controls)``: ipywidgets sliders that redraw the plot. Needs a running kernel
  (JupyterLab); in the static book the sliders are shown but cannot redraw.
* ``scrubber(plot_fn, name, values, fixed=...)``: the plot pre-drawn at each value and packed into a
  JavaScript player (``matplotlib.animation``'s ``HTMLWriter``). Works in the static, offline book.
"""

from __future__ import annotations

import base64
import io
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.animation import HTMLWriter
from matplotlib.figure import Figure

from .plotting import figure_to_rgba
from .validation import check_int, check_real

__all__ = ["live", "scrubber", "STATIC_DPI"]

# The resolution at which a notebook (and so the static book) shows a bare Figure: the default dpi
# of ``helpers.plotting.figure_to_png``, which the plotting package registers as IPython's PNG
# formatter (tests/test_widgets.py holds the two equal).
STATIC_DPI = 100

# matplotlib's player draws its buttons with Font Awesome icons linked from a CDN; the book must work
# offline, so the link is dropped and each icon becomes a small inline SVG drawn in the text colour.
# No Unicode media glyphs (U+23EE "first frame" and the like): many system fonts lack them, and a
# browser then shows an empty box (seen in Chromium on Debian). An SVG depends on no font.
_CDN_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]+">\s*')
_SVG = ('<svg class="anim-icon" viewBox="0 0 16 16" width="14" height="14" fill="currentColor" '
        'aria-hidden="true" focusable="false" style="vertical-align: middle">{}</svg>')
_BAR = '<rect x="{}" y="3" width="2" height="10"/>'
_ICONS = {
    "fa fa-minus": '<rect x="3" y="7" width="10" height="2"/>',
    "fa fa-fast-backward": _BAR.format(1) + '<path d="M8.5 3 3 8l5.5 5z"/><path d="M15 3 9.5 8l5.5 5z"/>',
    "fa fa-step-backward": _BAR.format(3) + '<path d="M13 3 6 8l7 5z"/>',
    "fa fa-play fa-flip-horizontal": '<path d="M12 3 4 8l8 5z"/>',
    "fa fa-pause": '<rect x="4" y="3" width="3" height="10"/><rect x="9" y="3" width="3" height="10"/>',
    "fa fa-play": '<path d="M4 3l8 5-8 5z"/>',
    "fa fa-step-forward": '<path d="M3 3l7 5-7 5z"/>' + _BAR.format(11),
    "fa fa-fast-forward": '<path d="M1 3l5.5 5L1 13z"/><path d="M7.5 3 13 8l-5.5 5z"/>' + _BAR.format(13),
    "fa fa-plus": '<rect x="3" y="7" width="10" height="2"/><rect x="7" y="3" width="2" height="10"/>',
}


def _offline_player(html: str) -> str:
    """The player's HTML with no network link: CDN stylesheet removed, icons replaced by inline SVG."""
    html = _CDN_STYLESHEET.sub("", html)
    for cls, shapes in _ICONS.items():
        html = html.replace(f'<i class="{cls}"></i>', _SVG.format(shapes))
    if re.search(r"https?://", html) or 'class="fa ' in html:
        raise RuntimeError("matplotlib's player changed: it still links to the network or uses icon fonts")
    return html


def live(plot_fn: Callable[..., Figure], **controls: Any):
    """An ``ipywidgets.interactive`` that shows ``plot_fn(**values)`` for the current control values.

    ``controls`` are what ``ipywidgets.interact`` accepts: ``(min, max, step)`` tuples, lists of
    options, widgets, or ``ipywidgets.fixed(value)``.

    Used in chapter 1, section 'A first taste: smooth per-token progress, sharp exact match'.
    """
    from IPython.display import display
    from ipywidgets import interactive

    def _show(**values: Any) -> None:
        display(plot_fn(**values))

    return interactive(_show, **controls)


def scrubber(
    plot_fn: Callable[..., Figure],
    name: str,
    values: Sequence[Any],
    *,
    fixed: Mapping[str, Any] | None = None,
    label: str = "{name} = {value}",
    dpi: int = STATIC_DPI,
    fps: float = 2.0,
):
    """A JavaScript frame player over ``plot_fn(**fixed, name=value)`` for each of ``values``.

    Returns an ``IPython.display.HTML`` object holding the frames (base64 PNG) and the player,
    so the reader can step through the values in a browser with no kernel and no network. The
    frames are drawn at the resolution of the book's static figures (``STATIC_DPI``), so a frame
    shows at the same size, with the same legible fonts, as the figure it varies.

    Used in chapter 1, section 'A first taste: smooth per-token progress, sharp exact match'.
    """
    from IPython.display import HTML

    values = list(values)
    if len(values) < 2:
        raise ValueError(f"values must hold at least 2 frames; got {len(values)}")
    check_int("dpi", dpi, low=20, high=300)
    check_real("fps", fps, low=0, low_open=True, high=60)
    fixed = dict(fixed or {})
    if name in fixed:
        raise ValueError(f"name {name!r} is varied by the scrubber, so it must not also be in fixed")

    frames = [figure_to_rgba(plot_fn(**fixed, **{name: value}), dpi) for value in values]
    if any(f.shape != frames[0].shape for f in frames):
        raise ValueError("plot_fn must draw every frame at the same figure size")
    width = frames[0].shape[1]
    strip = round(0.28 * dpi)  # pixels for the frame label under the plot (0.28 inch)
    pngs = [_png(np.concatenate([frame, _label_strip(label.format(name=name, value=value), width, strip, dpi)]))
            for value, frame in zip(values, frames)]
    return HTML(_offline_player(_player(pngs, fps)))


def _label_strip(text: str, width: int, height: int, dpi: int) -> np.ndarray:
    """An (height, width, 4) uint8 image of ``text`` centred in the figure's face colour."""
    fig = Figure(figsize=((width + 1) / dpi, (height + 1) / dpi), dpi=dpi)
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=11)
    return figure_to_rgba(fig, dpi)[:height, :width]


def _png(image: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, 4) uint8 image."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image, "RGBA").save(buf, format="png")
    return buf.getvalue()


class _Frames(HTMLWriter):
    """matplotlib's HTML player writer, fed finished PNG frames instead of grabbing a figure."""

    def add(self, png: bytes) -> None:
        self._saved_frames.append(base64.encodebytes(png).decode("ascii"))


def _player(pngs: Sequence[bytes], fps: float) -> str:
    """matplotlib's JavaScript player (``HTMLWriter``, as ``Animation.to_jshtml`` writes it) over finished
    PNG frames: each frame is drawn once, not redrawn into an animation figure and encoded again."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "player.html"
        writer = _Frames(fps=fps, embed_frames=True, default_mode="once")
        writer.setup(Figure(), path, dpi=STATIC_DPI)
        for png in pngs:
            writer.add(png)
        writer.finish()
        return path.read_text()
