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

import importlib
from typing import TYPE_CHECKING, Any

from skyscreen._version import __version__
from skyscreen.errors import (
    ModelError,
    ResultSchemaError,
    RunDirectoryError,
    ScenarioError,
    SkyscreenError,
)
from skyscreen.scenario import (
    ScenarioSpec,
    ScenarioWarning,
    dump_scenario,
    load_scenario,
    scenario_warnings,
)

if TYPE_CHECKING:
    from skyscreen.coverage import (
        detection_range_m,
        eoir_detection_range_m,
        rf_detection_range_m,
    )
    from skyscreen.decisions import (
        decision_instances,
        export_decision_instances,
        to_wta_instance,
    )
    from skyscreen.run import RunResult, load_run, simulate

_LAZY = {
    "RunResult": "skyscreen.run",
    "load_run": "skyscreen.run",
    "simulate": "skyscreen.run",
    "decision_instances": "skyscreen.decisions",
    "export_decision_instances": "skyscreen.decisions",
    "to_wta_instance": "skyscreen.decisions",
    # Not ``coverage`` itself: the attribute skyscreen.coverage is the module.
    "detection_range_m": "skyscreen.coverage",
    "eoir_detection_range_m": "skyscreen.coverage",
    "rf_detection_range_m": "skyscreen.coverage",
}
"""Names of the run layer, by the module that defines them."""


def __getattr__(name: str) -> Any:
    # The run layer pulls in pandas, pyarrow and the engine; importing it only when
    # first used keeps `skyscreen validate` and `skyscreen schema` quick to start.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skyscreen' has no attribute {name!r}")


__all__ = [
    "ModelError",
    "ResultSchemaError",
    "RunDirectoryError",
    "RunResult",
    "ScenarioError",
    "ScenarioSpec",
    "ScenarioWarning",
    "SkyscreenError",
    "__version__",
    "decision_instances",
    "detection_range_m",
    "dump_scenario",
    "eoir_detection_range_m",
    "export_decision_instances",
    "load_run",
    "load_scenario",
    "rf_detection_range_m",
    "scenario_warnings",
    "simulate",
    "to_wta_instance",
]
