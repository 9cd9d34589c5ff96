"""skyscreen: counter-drone air-defence simulation and analysis.

All parameters are notional and supplied by the user; skyscreen drives no hardware.

Examples
--------
>>> import skyscreen
>>> from skyscreen.scenario import example_path
>>> spec = skyscreen.load_scenario(example_path("quickstart"))
>>> result = skyscreen.simulate(spec, replications=10, seed=1, workers=1, progress=False)
>>> sorted(result.stats()["metric"])[:2]
['P(at least one leaker)', 'P(fuel damaged)']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skyscreen._version import __version__
from skyscreen.errors import (
    ModelError,
    ResultSchemaError,
    RunDirectoryError,
    ScenarioError,
    SkyscreenError,
)
from skyscreen.scenario import ScenarioSpec, dump_scenario, load_scenario

if TYPE_CHECKING:
    from skyscreen.run import RunResult, load_run, simulate

_LAZY = {"RunResult", "load_run", "simulate"}


def __getattr__(name: str) -> Any:
    # The run layer pulls in pandas, pyarrow and the engine; importing it only when
    # first used keeps `skyscreen validate` and `skyscreen schema` quick to start.
    if name in _LAZY:
        from skyscreen import run

        return getattr(run, name)
    raise AttributeError(f"module 'skyscreen' has no attribute {name!r}")


__all__ = [
    "ModelError",
    "ResultSchemaError",
    "RunDirectoryError",
    "RunResult",
    "ScenarioError",
    "ScenarioSpec",
    "SkyscreenError",
    "__version__",
    "dump_scenario",
    "load_run",
    "load_scenario",
    "simulate",
]
