"""Studies over many runs: sweeps, paired comparisons, sensitivity analyses, bounds.

They call :func:`skyscreen.simulate`'s machinery, so they sit in the run layer, above
it (docs/architecture.md). Every study runs its scenarios with the same seed and
replication ids: common random numbers, so that differences are due to what changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skyscreen.errors import ResultSchemaError
from skyscreen.studies.compare import (
    Comparison,
    compare,
    load_comparison,
    paired_differences,
    resume_comparison,
)
from skyscreen.studies.hindsight import (
    HindsightBound,
    candidate_shots,
    hindsight_bound,
)
from skyscreen.studies.overrides import Vary, VaryError, parse_vary, with_values
from skyscreen.studies.sensitivity import (
    SensitivityResult,
    load_sensitivity,
    resume_sensitivity,
    sensitivity,
)
from skyscreen.studies.sweep import (
    SweepResult,
    load_sweep,
    make_points,
    resume_sweep,
    sweep,
)

__all__ = [
    "Comparison",
    "HindsightBound",
    "SensitivityResult",
    "SweepResult",
    "Vary",
    "VaryError",
    "candidate_shots",
    "compare",
    "hindsight_bound",
    "load_comparison",
    "load_sensitivity",
    "load_sweep",
    "make_points",
    "paired_differences",
    "parse_vary",
    "resume",
    "resume_comparison",
    "resume_sensitivity",
    "resume_sweep",
    "sensitivity",
    "study_kind",
    "sweep",
    "with_values",
]


def study_kind(path: str | Path) -> str:
    """What the interrupted study in ``path`` is: run, sweep, compare, morris, sobol."""
    p = Path(path) / "plan.json"
    try:
        if p.stat().st_size > 200_000_000:
            raise ValueError("too large")
        plan = json.loads(p.read_text(encoding="utf-8"))
        kind = plan["kind"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ResultSchemaError(
            f"{path}: not an interrupted study (no readable plan.json); nothing to "
            "resume"
        ) from None
    if kind == "sweep":
        return str(
            plan.get("design")
            if plan.get("design") in ("compare", "morris", "sobol")
            else "sweep"
        )
    return str(kind)


def resume(
    path: str | Path,
    workers: int | None = None,
    progress: bool = True,
    *,
    executor: str = "local",
    scheduler: str | None = None,
) -> Any:
    """Complete the interrupted study in ``path``, whatever it is.

    A run, sweep, comparison or sensitivity study; returns its result (RunResult,
    SweepResult, Comparison or SensitivityResult).
    """
    kw: dict[str, Any] = {"executor": executor, "scheduler": scheduler}
    kind = study_kind(path)
    if kind == "run":
        from skyscreen.run import resume as resume_run

        return resume_run(path, workers, progress, **kw)
    if kind == "compare":
        return resume_comparison(path, workers, progress, **kw)
    if kind in ("morris", "sobol"):
        return resume_sensitivity(path, workers, progress, **kw)
    return resume_sweep(path, workers, progress, **kw)
