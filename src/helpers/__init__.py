"""Helpers for the Mirage book: the toy model, metrics, resolution, plots and widgets.

Chapters import from the modules named for what they hold, e.g. ``from helpers import toy_model``.
"""

__all__ = ["validation", "emergence_claims", "toy_model", "metrics", "simulation", "resolution", "cache", "plotting", "widgets", "arithmetic"]
