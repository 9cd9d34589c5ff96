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
    InsufficientMemoryError,
    ModelError,
    ResultSchemaError,
    RunDirectoryError,
    ScenarioError,
    SkyscreenError,
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
    from skyscreen.io.query import query
    from skyscreen.run import RunResult, load_run, simulate
    from skyscreen.scenario import (
        ScenarioSpec,
        ScenarioWarning,
        dump_scenario,
        load_scenario,
        scenario_warnings,
    )
    from skyscreen.studies import (
        Comparison,
        SensitivityResult,
        SweepResult,
        compare,
        load_comparison,
        load_sensitivity,
        load_sweep,
        resume,
        sensitivity,
        sweep,
    )

_LAZY = {
    "ScenarioSpec": "skyscreen.scenario",
    "ScenarioWarning": "skyscreen.scenario",
    "dump_scenario": "skyscreen.scenario",
    "load_scenario": "skyscreen.scenario",
    "scenario_warnings": "skyscreen.scenario",
    "RunResult": "skyscreen.run",
    "load_run": "skyscreen.run",
    "simulate": "skyscreen.run",
    "Comparison": "skyscreen.studies",
    "SensitivityResult": "skyscreen.studies",
    "SweepResult": "skyscreen.studies",
    "compare": "skyscreen.studies",
    "load_comparison": "skyscreen.studies",
    "load_sensitivity": "skyscreen.studies",
    "load_sweep": "skyscreen.studies",
    "resume": "skyscreen.studies",
    "sensitivity": "skyscreen.studies",
    "sweep": "skyscreen.studies",
    "query": "skyscreen.io.query",
    "decision_instances": "skyscreen.decisions",
    "export_decision_instances": "skyscreen.decisions",
    "to_wta_instance": "skyscreen.decisions",
    # Not ``coverage`` itself: the attribute skyscreen.coverage is the module.
    "detection_range_m": "skyscreen.coverage",
    "eoir_detection_range_m": "skyscreen.coverage",
    "rf_detection_range_m": "skyscreen.coverage",
}
"""Names of the scenario and run layers, by the module that defines them."""


def __getattr__(name: str) -> Any:
    # Only the errors and the version are imported with the package: the scenario
    # layer pulls in NumPy and pydantic, the run layer pandas, pyarrow, numba and the
    # engine. Importing them when first used keeps `skyscreen validate` quick to
    # start, and `import skyscreen.cli` light, so that a failure to load them (for
    # want of memory under `ulimit -v`) happens inside the command line's main,
    # which reports it.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skyscreen' has no attribute {name!r}")


__all__ = [
    "Comparison",
    "InsufficientMemoryError",
    "ModelError",
    "ResultSchemaError",
    "RunDirectoryError",
    "RunResult",
    "ScenarioError",
    "ScenarioSpec",
    "ScenarioWarning",
    "SensitivityResult",
    "SkyscreenError",
    "SweepResult",
    "__version__",
    "compare",
    "decision_instances",
    "detection_range_m",
    "dump_scenario",
    "eoir_detection_range_m",
    "export_decision_instances",
    "load_comparison",
    "load_run",
    "load_scenario",
    "load_sensitivity",
    "load_sweep",
    "query",
    "resume",
    "rf_detection_range_m",
    "scenario_warnings",
    "sensitivity",
    "simulate",
    "sweep",
    "to_wta_instance",
]
