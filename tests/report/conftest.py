"""Small runs shared by the report tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

import skyscreen
from skyscreen.report import Report, build_report
from skyscreen.run import RunResult
from skyscreen.scenario import example_path


@pytest.fixture(scope="session")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """coastal-airbase, 20 replications, with events and 3 recorded replications, saved."""
    run = skyscreen.simulate(
        example_path("coastal-airbase"),
        replications=20,
        seed=5,
        events=True,
        record=3,
        progress=False,
        workers=1,
    )
    run.save(tmp_path_factory.mktemp("runs") / "full")
    return run


@pytest.fixture(scope="session")
def bare_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """quickstart, 20 replications, no events and no trajectories, saved."""
    run = skyscreen.simulate(
        example_path("quickstart"),
        replications=20,
        seed=2,
        progress=False,
        workers=1,
    )
    run.save(tmp_path_factory.mktemp("runs") / "bare")
    return run


@pytest.fixture(scope="session")
def full_dir(full_run: RunResult) -> Path:
    assert full_run.path is not None
    return Path(full_run.path)


@pytest.fixture(scope="session")
def bare_dir(bare_run: RunResult) -> Path:
    assert bare_run.path is not None
    return Path(bare_run.path)


@pytest.fixture(scope="session")
def full_report(full_dir: Path) -> Report:
    """The report of the full run, read back from its directory."""
    return build_report(full_dir)
