"""The public API: every name in every ``__all__`` exists; the top level is complete."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import skyscreen

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(skyscreen.__path__, prefix="skyscreen.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", ["skyscreen", *MODULES])
def test_all_names_exist(name: str) -> None:
    """Every name a module lists in __all__ can be imported from it."""
    module = importlib.import_module(name)
    for attr in getattr(module, "__all__", []):
        assert hasattr(module, attr), f"{name}.{attr} is in __all__ but missing"


def test_top_level_api_matches_the_design() -> None:
    """The documented Python API (docs/cli.md) is reachable from the package."""
    for attr in (
        "load_scenario",
        "simulate",
        "load_run",
        "RunResult",
        "ScenarioSpec",
        "ScenarioError",
        "SkyscreenError",
    ):
        assert attr in skyscreen.__all__
        assert getattr(skyscreen, attr) is not None


@pytest.mark.parametrize(
    "name", ["detection_range_m", "eoir_detection_range_m", "rf_detection_range_m"]
)
def test_coverage_functions_are_exported_lazily(name: str) -> None:
    """The sensor range functions are top-level names, loaded on first use."""
    code = (
        "import sys, skyscreen; "
        "assert 'skyscreen.coverage' not in sys.modules; "
        f"f = skyscreen.{name}; "
        "import skyscreen.coverage as c; "
        f"assert f is c.{name}; "
        "assert callable(skyscreen.coverage.coverage)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert name in skyscreen.__all__


def test_scenario_error_is_a_value_error() -> None:
    """ScenarioError derives from ValueError, so `except ValueError` keeps working."""
    assert issubclass(skyscreen.ScenarioError, ValueError)
    assert issubclass(skyscreen.ScenarioError, skyscreen.SkyscreenError)


def test_insufficient_memory_error_is_public() -> None:
    """One class: in skyscreen.errors, at the top level and in skyscreen.executors."""
    from skyscreen import errors, executors

    assert "InsufficientMemoryError" in skyscreen.__all__
    assert skyscreen.InsufficientMemoryError is errors.InsufficientMemoryError
    assert executors.InsufficientMemoryError is errors.InsufficientMemoryError
    assert issubclass(skyscreen.InsufficientMemoryError, skyscreen.SkyscreenError)
    assert issubclass(skyscreen.InsufficientMemoryError, MemoryError)
    err = skyscreen.InsufficientMemoryError("python words", cli_message="cli words")
    assert (str(err), err.cli_message) == ("python words", "cli words")
