"""Published evaluations of open language-model families: a committed extract and one tidy loader."""

from .load import SOURCES, load, model_facts

__all__ = ["SOURCES", "load", "model_facts"]
