"""Explorers: the static player holds one frame per value; the live widget wraps the same pure plot."""

import base64
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.plotting import figure_to_rgba, new_figure
from helpers.widgets import live, scrubber


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
    assert 'title="Play"' in html and "\u25b6" in html, "play button lost its glyph"


def test_scrubber_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="values must hold at least 2 frames"):
        scrubber(plot_line, "slope", [1.0])
    with pytest.raises(ValueError, match="dpi must be an integer in"):
        scrubber(plot_line, "slope", [1.0, 2.0], dpi=5)
    with pytest.raises(ValueError, match="must not also be in fixed"):
        scrubber(plot_line, "slope", [1.0, 2.0], fixed={"slope": 3.0})


def test_figure_to_rgba_has_the_figure_size() -> None:
    img = figure_to_rgba(plot_line(), dpi=50)
    assert img.shape == (100, 150, 4)


def test_live_builds_sliders_for_the_plot_arguments() -> None:
    widget = live(plot_line, slope=(0.0, 3.0, 0.5))
    slider = widget.children[0]
    assert slider.description == "slope" and (slider.min, slider.max, slider.step) == (0.0, 3.0, 0.5)
