"""Shared plotting conventions: fresh figures, and notebooks display a bare Figure as an image."""

from IPython.core.interactiveshell import InteractiveShell
from matplotlib.figure import Figure

import helpers.plotting as plotting


def test_new_figure_is_independent_of_pyplot() -> None:
    fig, axes = plotting.new_figure(1, 2, width=4, height=2)
    assert isinstance(fig, Figure) and len(axes) == 2
    assert tuple(fig.get_size_inches()) == (4.0, 2.0)


def test_figure_to_png_is_a_png() -> None:
    fig, ax = plotting.new_figure()
    ax.plot([0, 1], [0, 1])
    assert plotting.figure_to_png(fig).startswith(b"\x89PNG\r\n\x1a\n")


def test_ipython_shows_a_bare_figure_as_png() -> None:
    shell = InteractiveShell.instance()
    try:
        plotting._register_notebook_display()
        fig, ax = plotting.new_figure()
        ax.plot([0, 1], [1, 0])
        data, _ = shell.display_formatter.format(fig)
        assert "image/png" in data, "a chapter's figure would render as '<Figure size ...>' text"
    finally:
        InteractiveShell.clear_instance()


def test_sequential_colors_are_distinct() -> None:
    colors = plotting.sequential_colors(5)
    assert len(colors) == 5 and len(set(colors)) == 5
