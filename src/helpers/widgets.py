"""Thin explorers over the pure ``plot_...(params) -> Figure`` helpers.

Two ways to explore the same plot:

* ``live(plot_fn, **controls)``: ipywidgets sliders that redraw the plot. Needs a running kernel
  (JupyterLab); in the static book the sliders are shown but cannot redraw.
* ``scrubber(plot_fn, name, values, fixed=...)``: the plot pre-drawn at each value and packed into a
  JavaScript player (``matplotlib.animation`` ``to_jshtml``). Works in the static, offline book.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from matplotlib.animation import ArtistAnimation
from matplotlib.figure import Figure

from .plotting import figure_to_rgba
from .validation import check_int, check_real

__all__ = ["live", "scrubber"]

# matplotlib's player draws its buttons with Font Awesome icons linked from a CDN; the book must work
# offline, so the link is dropped and each icon becomes a plain Unicode glyph.
_CDN_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]+">\s*')
_ICONS = {
    "fa fa-minus": "\u2212",
    "fa fa-fast-backward": "\u23ee",
    "fa fa-step-backward": "\u25c0\ufe0e|",
    "fa fa-play fa-flip-horizontal": "\u25c0\ufe0e",
    "fa fa-pause": "\u23f8\ufe0e",
    "fa fa-play": "\u25b6\ufe0e",
    "fa fa-step-forward": "|\u25b6\ufe0e",
    "fa fa-fast-forward": "\u23ed",
    "fa fa-plus": "+",
}


def _offline_player(html: str) -> str:
    """The player's HTML with no network link: CDN stylesheet removed, icons replaced by glyphs."""
    html = _CDN_STYLESHEET.sub("", html)
    for cls, glyph in _ICONS.items():
        html = html.replace(f'<i class="{cls}"></i>', f"<span>{glyph}</span>")
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
    dpi: int = 80,
    fps: float = 2.0,
):
    """A JavaScript frame player over ``plot_fn(**fixed, name=value)`` for each of ``values``.

    Returns an ``IPython.display.HTML`` object holding the frames (base64 PNG) and the player,
    so the reader can step through the values in a browser with no kernel and no network.

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

    frames = []
    for value in values:
        fig = plot_fn(**fixed, **{name: value})
        frames.append(figure_to_rgba(fig, dpi=dpi))
    height, width = frames[0].shape[:2]
    if any(f.shape != frames[0].shape for f in frames):
        raise ValueError("plot_fn must draw every frame at the same figure size")

    strip = 22  # pixels for the frame label under the plot
    anim_fig = Figure(figsize=(width / dpi, (height + strip) / dpi), dpi=dpi)
    ax = anim_fig.add_axes((0, strip / (height + strip), 1, height / (height + strip)))
    ax.set_axis_off()
    artists = []
    for value, frame in zip(values, frames):
        image = ax.imshow(frame, interpolation="none")
        text = anim_fig.text(0.5, 0.5 * strip / (height + strip), label.format(name=name, value=value),
                             ha="center", va="center", fontsize=11)
        artists.append([image, text])
    animation = ArtistAnimation(anim_fig, artists, interval=1000 / fps, blit=False)
    return HTML(_offline_player(animation.to_jshtml(fps=fps, default_mode="once")))
