"""Published emergence points, quoted (not measured) from Wei et al. (2022), Table 1 {wei2022emergent}.

Each point is the smallest model in which Wei et al. report above-random performance on a task:
its training compute, its parameter count and its model family. The numbers are copied from their
table as reported; this book did not measure any of them. The families differ in data and
architecture, so the points do not come from one controlled series of models.

Symbols
-------
flops    training compute of that model, in floating-point operations (> 0)
params   number of model parameters (> 0)
setting  "few-shot" (plain few-shot prompting) or "augmented" (fine-tuning or a prompting strategy)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .validation import check_choice, check_real

__all__ = [
    "EmergencePoint",
    "EMERGENCE_POINTS",
    "SETTINGS",
    "SORT_KEYS",
    "emergence_points",
    "emergence_table",
    "format_count",
]

SETTINGS: tuple[str, ...] = ("few-shot", "augmented")
SORT_KEYS: tuple[str, ...] = ("flops", "params", "task", "none")


@dataclass(frozen=True)
class EmergencePoint:
    """One published emergence point: task, training FLOPs, parameters and model family.

    Taught in chapter 1, section 'The published emergence points'.
    """

    task: str  # the ability, as Wei et al. name it
    flops: float  # training FLOPs of the smallest model showing the ability; must be > 0
    params: float  # parameters of that model; must be > 0
    model: str  # model family (GPT-3, Gopher, PaLM, LaMDA, ...)
    setting: str = "few-shot"  # one of SETTINGS

    def __post_init__(self) -> None:
        check_real("flops", self.flops, low=0, low_open=True, high=np.inf, high_open=True)
        check_real("params", self.params, low=0, low_open=True, high=np.inf, high_open=True)
        if not self.task or not self.model:
            raise ValueError(f"task and model must be non-empty strings; got {self.task!r}, {self.model!r}")
        check_choice("setting", self.setting, SETTINGS)


# Wei et al. (2022), Table 1: the rows listed in the book's facts sheet, in the table's order.
EMERGENCE_POINTS: tuple[EmergencePoint, ...] = (
    EmergencePoint("3-digit addition/subtraction", 2.3e22, 13e9, "GPT-3"),
    EmergencePoint("4-5 digit addition/subtraction", 3.1e23, 175e9, "GPT-3"),
    EmergencePoint("MMLU (57-topic average)", 3.1e23, 175e9, "GPT-3"),
    EmergencePoint("TruthfulQA", 5.0e23, 280e9, "Gopher"),
    EmergencePoint("Word in Context (WiC)", 2.5e24, 540e9, "PaLM"),
    EmergencePoint("Chain-of-thought: math word problems", 1.3e23, 68e9, "LaMDA", "augmented"),
    EmergencePoint("Scratchpad: 8-digit addition (fine-tuned)", 8.9e19, 40e6, "LaMDA", "augmented"),
)


def emergence_points(sort_by: str = "flops") -> tuple[EmergencePoint, ...]:
    """The published points, sorted by ``sort_by`` (one of SORT_KEYS; "none" keeps the table order).

    Taught in chapter 1, section 'The published emergence points'.
    """
    check_choice("sort_by", sort_by, SORT_KEYS)
    if sort_by == "none":
        return EMERGENCE_POINTS
    return tuple(sorted(EMERGENCE_POINTS, key=lambda p: (getattr(p, sort_by), p.task)))


def emergence_table(sort_by: str = "flops") -> pd.DataFrame:
    """The published points as a DataFrame (columns task, flops, params, model, setting).

    Taught in chapter 1, section 'The published emergence points'.
    """
    return pd.DataFrame([asdict(p) for p in emergence_points(sort_by)])


def format_count(x: float) -> str:
    """A count in the papers' short form, e.g. 1.3e10 -> '13B', 4e7 -> '40M', 2.3e22 -> '2.3e+22'.

    Taught in chapter 1, section 'The published emergence points'.
    """
    x = check_real("x", x, low=0, low_open=True, high=np.inf, high_open=True)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if scale <= x < 1000 * scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}" if x < 1e3 else f"{x:.1e}"
