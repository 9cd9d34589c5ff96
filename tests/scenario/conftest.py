"""Fixtures shared by the scenario tests: the quickstart example as plain data."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from skyscreen.scenario import example_path, read_scenario_data

_QUICKSTART = read_scenario_data(example_path("quickstart"))


@pytest.fixture
def quickstart_data() -> dict[str, Any]:
    """examples/quickstart.yaml as plain data, a fresh copy safe to mutate."""
    return copy.deepcopy(_QUICKSTART)
