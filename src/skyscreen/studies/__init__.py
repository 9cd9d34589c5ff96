"""Studies over many runs: sweeps, paired comparisons, sensitivity analyses.

They call :func:`skyscreen.simulate`'s machinery, so they sit in the run layer, above
it (docs/architecture.md). Every study runs its scenarios with the same seed and
replication ids: common random numbers, so that differences are due to what changed.
"""

from __future__ import annotations

from skyscreen.studies.overrides import Vary, VaryError, parse_vary, with_values
from skyscreen.studies.sweep import SweepResult, load_sweep, resume_sweep, sweep

__all__ = [
    "SweepResult",
    "Vary",
    "VaryError",
    "load_sweep",
    "parse_vary",
    "resume_sweep",
    "sweep",
    "with_values",
]
