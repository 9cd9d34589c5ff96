"""Scenarios shared by the studies tests: the quickstart example, full and shortened.

Most of a run's time is spent per chunk (the engine steps every replication of a chunk
together), so a study's cost is mostly its number of points times its time steps. The
shortened quickstart lasts 60 s with a launch every 5 s: every drone of up to 12 is
launched (``n_launched`` equals ``raids.0.count``) but none arrives, and a point costs
a few tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import with_values

WriteScenario = Callable[[ScenarioSpec, Path], Path]

_QUICKSTART = load_scenario(example_path("quickstart"))
_SHORT = with_values(
    _QUICKSTART, {"run.duration_s": 60.0, "raids.0.launch_interval_s": 5.0}
)


def _write_scenario(spec: ScenarioSpec, path: Path) -> Path:
    data = spec.model_dump(mode="json", by_alias=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def quickstart() -> ScenarioSpec:
    """examples/quickstart.yaml (specs are immutable: safe to share)."""
    return _QUICKSTART


@pytest.fixture(scope="session")
def short() -> ScenarioSpec:
    """The quickstart cut to 60 s, a launch every 5 s: cheap points."""
    return _SHORT


@pytest.fixture(scope="session")
def write_scenario() -> WriteScenario:
    """Write a spec as a scenario file (its JSON dump as YAML); returns the path."""
    return _write_scenario


@pytest.fixture(scope="session")
def short_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shortened quickstart as a file (for the command line)."""
    return _write_scenario(_SHORT, tmp_path_factory.mktemp("scenarios") / "short.yaml")
