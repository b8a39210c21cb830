"""Test-wide settings: hypothesis runs derandomized (the same examples on every machine and run),
so CI is deterministic, and without per-example deadlines (the 2-core machine is shared and noisy)."""

from hypothesis import settings

settings.register_profile("mirage", derandomize=True, deadline=None)
settings.load_profile("mirage")
