"""Test-wide settings: hypothesis runs derandomized (the same examples on every machine and run),
so CI is deterministic, and without per-example deadlines (the 2-core machine is shared and noisy).

Also the published tables several test modules read (chapters 10 and 11), each read once per session
and shared: tests only read them.
"""

from collections.abc import Callable

import pandas as pd
import pytest
from hypothesis import settings

from helpers.published import forecasting as pf
from helpers.published import loss_threshold as lt
from helpers.published import training as tr

settings.register_profile("mirage", derandomize=True, deadline=None)
settings.load_profile("mirage")


def _read_once(name: str, read: Callable[[], pd.DataFrame]):
    """A session fixture called ``name`` whose value is ``read()``."""
    return pytest.fixture(scope="session", name=name)(lambda: read())


ladder = _read_once("ladder", pf.ladder_points)      # the OLMo ladder's evaluations
public = _read_once("public", pf.public_points)      # the public base models on the forecast tasks
openlm = _read_once("openlm", lt.open_lm_points)     # the 104 open_lm models: loss and accuracy
pythia = _read_once("pythia", tr.pythia_curves)      # Pythia's LAMBADA curves over training
