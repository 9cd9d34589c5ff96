"""The public API: every name in every ``__all__`` exists; the top level is complete."""

from __future__ import annotations

import importlib
import pkgutil

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


def test_scenario_error_is_a_value_error() -> None:
    """ScenarioError derives from ValueError, so `except ValueError` keeps working."""
    assert issubclass(skyscreen.ScenarioError, ValueError)
    assert issubclass(skyscreen.ScenarioError, skyscreen.SkyscreenError)
