"""Scenario files: specification models, safe loading, schema and compilation.

A scenario is read once, validated into frozen ``*Spec`` models (every error with its
field path) and compiled into read-only ``*Params`` arrays for the engine.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from skyscreen.errors import ScenarioError
from skyscreen.scenario._classes import CLASSES, ClassDefault
from skyscreen.scenario.load import (
    ScenarioWarning,
    dump_scenario,
    load_scenario,
    parse_scenario,
    read_scenario_data,
    scenario_json_schema,
)
from skyscreen.scenario.spec import (
    AssetSpec,
    DoctrineSpec,
    DroneSpec,
    EnvironmentSpec,
    GunSpec,
    InterceptorSpec,
    JammerSpec,
    LaserSpec,
    LaunchSpec,
    MicrowaveSpec,
    MissileSpec,
    OriginSpec,
    PositionSpec,
    RadarSpec,
    RaidSpec,
    RunSpec,
    ScenarioSpec,
    SiteSpec,
    TargetSpec,
    scenario_warnings,
)

__all__ = [
    "CLASSES",
    "AssetSpec",
    "ClassDefault",
    "DoctrineSpec",
    "DroneSpec",
    "EnvironmentSpec",
    "GunSpec",
    "InterceptorSpec",
    "JammerSpec",
    "LaserSpec",
    "LaunchSpec",
    "MicrowaveSpec",
    "MissileSpec",
    "OriginSpec",
    "PositionSpec",
    "RadarSpec",
    "RaidSpec",
    "RunSpec",
    "ScenarioSpec",
    "ScenarioWarning",
    "SiteSpec",
    "TargetSpec",
    "dump_scenario",
    "example_names",
    "example_path",
    "examples_dir",
    "load_scenario",
    "parse_scenario",
    "read_scenario_data",
    "scenario_json_schema",
    "scenario_warnings",
]


def examples_dir() -> Path:
    """Folder of the bundled example scenarios (in the wheel, or the source tree)."""
    packaged = Path(str(resources.files("skyscreen"))) / "_examples"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "examples"


def example_names() -> list[str]:
    """Names of the bundled examples, e.g. ``['coastal-airbase', 'quickstart', ...]``."""
    return sorted(p.stem for p in examples_dir().glob("*.yaml"))


def example_path(name: str) -> Path:
    """Path of a bundled example by name (``'quickstart'`` or ``'quickstart.yaml'``).

    Raises
    ------
    ScenarioError
        If there is no such example.
    """
    stem = name.removesuffix(".yaml")
    path = examples_dir() / f"{stem}.yaml"
    if not path.is_file():
        raise ScenarioError(f"example must be one of {example_names()}; got {name!r}")
    return path
