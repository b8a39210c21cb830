"""Explorers: the static player holds one frame per value; the live widget wraps the same pure plot."""

import base64
import inspect
import io
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from matplotlib.image import imread

from helpers.plotting import figure_to_png, figure_to_rgba, new_figure
from helpers.widgets import STATIC_DPI, live, scrubber


def plot_line(slope: float = 1.0) -> Figure:
    """A tiny pure plot used to exercise the explorers."""
    fig, ax = new_figure(width=3, height=2)
    x = np.linspace(0, 1, 10)
    ax.plot(x, slope * x)
    ax.set_ylim(0, 3)
    return fig


def test_scrubber_embeds_one_distinct_png_frame_per_value() -> None:
    html = scrubber(plot_line, "slope", [0.5, 1.5, 2.5], dpi=40).data
    frames = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html.replace("\\\n", ""))
    assert len(frames) == 3
    assert len({base64.b64decode(f) for f in frames}) == 3, "frames should differ as the parameter changes"
    assert "http" not in html, "the player must not load anything from the network"
    assert 'title="Play"' in html


BUTTONS = ("Decrease speed", "First frame", "Previous frame", "Play backwards", "Pause", "Play", "Next frame",
           "Last frame", "Increase speed")


def test_scrubber_buttons_draw_svg_icons_and_no_font_glyphs() -> None:
    """Media glyphs (U+23E9-U+23FA, the arrows and geometric shapes U+2190-U+2BFF) need a font that has
    them; Chromium on Debian showed four of the nine buttons as empty boxes. Every icon is inline SVG."""
    html = scrubber(plot_line, "slope", [0.5, 1.5], dpi=40).data
    glyphs = sorted({f"U+{ord(ch):04X}" for ch in html if 0x2190 <= ord(ch) <= 0x2BFF or ord(ch) in (0xFE0E, 0xFE0F)})
    assert not glyphs, f"the player uses font glyphs {glyphs}"
    for title in BUTTONS:
        button = re.search(rf'<button title="{title}"[^>]*>(.*?)</button>', html, re.S)
        assert button, f"no {title!r} button"
        icon = button.group(1).strip()
        assert icon.startswith("<svg") and icon.endswith("</svg>") and "currentColor" in icon, (title, icon)
    assert len(set(re.findall(r"<svg.*?</svg>", html, re.S))) == len(BUTTONS), "each button has its own icon"


def png_frames(html: str) -> list[np.ndarray]:
    data = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html.replace("\\\n", ""))
    return [imread(io.BytesIO(base64.b64decode(d)), format="png") for d in data]


def test_scrubber_frames_have_the_static_figures_resolution() -> None:
    """A player's frame is as wide, in pixels, as the static figure a notebook shows for the same plot."""
    assert STATIC_DPI == inspect.signature(figure_to_png).parameters["dpi"].default
    frames = png_frames(scrubber(plot_line, "slope", [0.5, 1.5]).data)
    static = imread(io.BytesIO(figure_to_png(plot_line())), format="png")
    assert frames[0].shape[1] == 3 * STATIC_DPI  # plot_line is 3 inches wide
    assert abs(frames[0].shape[1] - static.shape[1]) <= 0.05 * static.shape[1]  # static: trimmed to its drawn area


def test_scrubber_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="values must hold at least 2 frames"):
        scrubber(plot_line, "slope", [1.0])
    with pytest.raises(ValueError, match="dpi must be an integer in"):
        scrubber(plot_line, "slope", [1.0, 2.0], dpi=5)
    with pytest.raises(ValueError, match="must not also be in fixed"):
        scrubber(plot_line, "slope", [1.0, 2.0], fixed={"slope": 3.0})


def test_figure_to_rgba_has_the_figure_size() -> None:
    fig = plot_line()
    canvas, dpi = fig.canvas, fig.dpi
    img = figure_to_rgba(fig, dpi=50)
    assert img.shape == (100, 150, 4) and img.dtype == np.uint8
    assert fig.canvas is canvas and fig.dpi == dpi  # the figure is left as it was
    assert figure_to_rgba(fig, dpi=50).tobytes() == img.tobytes()


def test_live_builds_sliders_for_the_plot_arguments() -> None:
    widget = live(plot_line, slope=(0.0, 3.0, 0.5))
    slider = widget.children[0]
    assert slider.description == "slope" and (slider.min, slider.max, slider.step) == (0.0, 3.0, 0.5)
