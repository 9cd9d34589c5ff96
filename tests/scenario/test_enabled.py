"""Switchable units: ``enabled: false`` leaves a sensor or effector out of the run."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import skyscreen
from skyscreen.scenario import (
    ScenarioWarning,
    example_path,
    parse_scenario,
    scenario_warnings,
)
from skyscreen.scenario.compile import compile_scenario


def _data() -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        spec = skyscreen.load_scenario(example_path("coastal-airbase"))
    return spec.model_dump(mode="json", by_alias=True)


def _run(data: dict) -> skyscreen.RunResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        spec = parse_scenario(data)
    return skyscreen.simulate(spec, replications=6, seed=3, workers=1, progress=False)


@pytest.mark.parametrize(("group", "index"), [("effectors", 2), ("sensors", 1)])
def test_a_disabled_unit_is_the_same_as_an_absent_one(group: str, index: int) -> None:
    """Bit-identical tables: a unit switched off equals the unit deleted.

    Its own random stream goes with it; every other stream is keyed by its unit's id.
    """
    off = _data()
    off["sites"][0][group][index]["enabled"] = False
    gone = _data()
    del gone["sites"][0][group][index]
    a, b = _run(off), _run(gone)
    for name in ("summary", "drones", "effectors", "assets"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    unit = _data()["sites"][0][group][index]["id"]
    ids = (
        compile_scenario(parse_scenario(off)).sensor_ids
        + compile_scenario(parse_scenario(off)).effector_ids
    )
    assert unit not in ids


def test_enabled_defaults_to_true_and_switching_changes_results() -> None:
    data = _data()
    assert all(u.get("enabled", True) for u in data["sites"][0]["effectors"])
    for u in data["sites"][0]["effectors"][:6]:  # the six guns off
        u["enabled"] = False
    fewer = _run(data).summary["n_leaked"].mean()
    full = _run(_data()).summary["n_leaked"].mean()
    assert fewer > full


def test_warnings_count_only_enabled_units() -> None:
    data = _data()
    for u in data["sites"][0]["effectors"]:
        u["enabled"] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        spec = parse_scenario(data)
    assert "no site has effectors: no drone can be engaged" in scenario_warnings(spec)


def test_enabled_must_be_a_boolean() -> None:
    data = _data()
    data["sites"][0]["effectors"][0]["enabled"] = "perhaps"
    with pytest.raises(skyscreen.ScenarioError) as info:
        parse_scenario(data)
    assert "sites[0].effectors[0].enabled" in str(info.value)
