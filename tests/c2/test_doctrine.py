"""Fire doctrine in the engine: holds, identification, thresholds, costs, reserve."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import skyscreen
from skyscreen.scenario import example_path, parse_scenario


def _run(name: str, n: int = 60, **doctrine: Any) -> skyscreen.RunResult:
    data = skyscreen.load_scenario(example_path(name)).model_dump(
        mode="json", by_alias=True
    )
    data["doctrine"].update(doctrine)
    return skyscreen.simulate(
        parse_scenario(data),
        replications=n,
        seed=17,
        workers=1,
        events=True,
        progress=False,
    )


def _weapon_positions(res: skyscreen.RunResult) -> dict[str, np.ndarray]:
    out = {}
    for site in res.scenario.sites:
        c = site.position
        for e in site.effectors:
            out[e.id] = np.array(
                [
                    c.east_m + e.position.east_m,
                    c.north_m + e.position.north_m,
                    e.position.height_m,
                ]
            )
    return out


def test_weapons_hold_fires_only_in_self_defence() -> None:
    """Under weapons hold no weapon is assigned a drone beyond self_defence_range_m."""
    res = _run("coastal-airbase", weapons_control="hold", self_defence_range_m=800.0)
    ev = res.events
    assert ev is not None
    assign = ev[ev["kind"] == "assign"]
    assert len(assign) > 0
    where = _weapon_positions(res)
    weapon = np.stack([where[str(w)] for w in assign["sensor_or_effector"]])
    dist = np.linalg.norm(assign[["x_m", "y_m", "z_m"]].to_numpy() - weapon, axis=1)
    assert dist.max() <= 800.0 + 1e-6


def test_weapons_tight_waits_for_identification() -> None:
    """Under weapons tight a drone is engaged only once a sensor has identified it."""
    res = _run("coastal-airbase", weapons_control="tight", identify_time_s=3.0)
    ev = res.events
    assert ev is not None
    assign = ev[ev["kind"] == "assign"]
    ident = res.drones.set_index(["replication", "drone"])["t_identified_s"]
    at = ident.loc[list(zip(assign["replication"], assign["drone"], strict=True))]
    assert (assign["t_s"].to_numpy() >= at.to_numpy()).all()  # NaN fails
    assert len(assign) > 0
    # A camera identifies only after holding the drone for identify_time_s.
    by = res.drones["id_sensor"].astype(str)
    cam = res.drones[by.str.startswith("eo-")]
    assert len(cam) > 0
    assert (cam["t_identified_s"] - cam["t_first_detect_s"] >= 3.0 - 1e-9).all()


def test_min_shot_pk_is_respected_and_logged() -> None:
    """No assignment has a predicted Pk under min_shot_pk; the log carries each Pk."""
    res = _run("coastal-airbase", min_shot_pk=0.15)
    ev = res.events
    assert ev is not None
    assign = ev[ev["kind"] == "assign"]
    assert (assign["pk"] >= 0.15).all()
    assert (assign["value"] > 0).all()
    decisions = ev[ev["kind"] == "decision"]
    assert len(decisions) > 0
    assert (decisions["value"] >= 0).all()
    assert decisions["drone"].eq(-1).all()


def test_cost_weight_trades_missiles_for_leakage() -> None:
    """A high cost weight fires no missile and spends less, at the price of leakers."""
    free = _run("coastal-airbase").summary
    thrifty = _run("coastal-airbase", cost_weight=1000.0).summary
    assert free["missiles_fired"].mean() > 0
    assert thrifty["missiles_fired"].sum() == 0
    assert (
        thrifty["munitions_cost_usd"].mean() < 0.2 * free["munitions_cost_usd"].mean()
    )
    assert thrifty["n_leaked"].mean() > free["n_leaked"].mean()


def test_missile_minimum_time_to_go() -> None:
    """No missile is committed against a drone closer to impact than the minimum."""
    res = _run("quickstart", missile_min_time_to_go_s=3600.0)
    assert res.summary["missiles_fired"].sum() == 0
    assert res.summary["rounds_fired"].sum() > 0


@pytest.mark.parametrize(("threshold", "fires"), [(1e12, False), (0.0, True)])
def test_missile_reserve(threshold: float, fires: bool) -> None:
    """Rounds held in reserve go only to threats worth the reserve threshold."""
    res = _run("quickstart", missile_reserve_rounds=4, reserve_min_value_usd=threshold)
    assert (res.summary["missiles_fired"].sum() > 0) == fires


def test_shoot_look_shoot_spends_fewer_missiles_per_kill() -> None:
    """Shoot-look-shoot spends fewer missiles per missile kill than shoot-shoot-look."""

    def per_kill(res: skyscreen.RunResult) -> float:
        d = res.drones
        kills = ((d["state"] == "killed") & (d["cause"] == "missile")).sum()
        return float(res.summary["missiles_fired"].sum() / kills)

    sls = _run("coastal-airbase", n=200, weapons_control="free")
    ssl = _run("coastal-airbase", n=200, weapons_control="free", shoot_look_shoot=False)
    assert per_kill(sls) < per_kill(ssl)
