"""Lazy threat values change no outcome.

Without the event log, the decide stage's listed path computes a picture entry's
threat value only where it is read: by a weapon kind's ``evaluate_sparse`` (the
launchers' minimum time to go and reserve rounds) or by the greedy assignment (the
listed entries). With the event log every value is computed (the decision event logs
the surviving value over every entry). So a run with events and one without must end
the same, bit for bit, in every array but the log; doctrine is varied where the
launchers read the values, in both fidelities, and in the large pinned scenario,
where few entries are within any weapon's reach.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import skyscreen
from skyscreen.engine import run_chunk
from skyscreen.scenario import example_path, parse_scenario
from skyscreen.scenario.compile import compile_scenario

ROOT = Path(__file__).resolve().parents[2]

DOCTRINES: list[dict[str, Any]] = [
    {},
    {"missile_min_time_to_go_s": 40.0},
    {"missile_reserve_rounds": 3, "reserve_min_value_usd": 3.0e7},
    {"shoot_look_shoot": True, "max_shooters_per_drone": 1},
    {"weapons_control": "tight"},
]


def _same(p: Any, n: int, fidelity: str) -> None:
    eager = run_chunk(p, np.arange(n), 5, events=True, fidelity=fidelity)
    lazy = run_chunk(p, np.arange(n), 5, events=False, fidelity=fidelity)
    for name in eager.__dataclass_fields__:
        if name in ("events", "picture", "tables", "tracking", "trajectories"):
            continue
        a, b = getattr(eager, name), getattr(lazy, name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            assert a == b, name


@pytest.mark.parametrize("doctrine", DOCTRINES)
@pytest.mark.parametrize("name", ["coastal-airbase", "two-sites", "layered-defence"])
def test_events_on_or_off_end_the_same(name: str, doctrine: dict[str, Any]) -> None:
    """Eager (events) and lazy (no events) threat values give the same run."""
    data = skyscreen.load_scenario(example_path(name)).model_dump(
        mode="json", by_alias=True
    )
    data["doctrine"].update(doctrine)
    p = compile_scenario(parse_scenario(data))
    _same(p, 12, "truth")


@pytest.mark.parametrize("name", ["coastal-airbase", "two-sites"])
def test_events_on_or_off_end_the_same_tracked(name: str) -> None:
    """The same in the tracked fidelity (entries are tracks, some false)."""
    p = compile_scenario(skyscreen.load_scenario(example_path(name)))
    _same(p, 6, "tracked")


def test_events_on_or_off_end_the_same_large() -> None:
    """The large pinned scenario: most entries beyond every weapon's reach."""
    path = ROOT / "benchmarks" / "scenarios" / "large-500x100.yaml"
    p = compile_scenario(skyscreen.load_scenario(path))
    _same(p, 2, "truth")
