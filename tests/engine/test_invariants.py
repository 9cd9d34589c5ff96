"""Accounting and engagement invariants over generated scenarios (Hypothesis).

The generated scenarios empty magazines, put drones out of envelopes, and produce all
five terminal states; ``test_generator_covers_every_state`` checks how often.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import skyscreen
from skyscreen.scenario import parse_scenario

TERMINAL = {"killed", "defeated", "leaked", "expended", "airborne"}

# name: ("int", lo, hi) | ("float", lo, hi) | ("choice", options)
SPACE: dict[str, tuple[Any, ...]] = {
    "n_wing": ("int", 0, 4),
    "n_quad": ("int", 0, 4),
    "wing_range_m": ("float", 3000.0, 14000.0),
    "wing_bearing": ("float", 0.0, 6.28),
    "wing_endurance_s": ("choice", [60.0, 150.0, 5000.0]),
    "wing_launch_s": ("float", 0.0, 800.0),
    "quad_range_m": ("float", 1200.0, 5000.0),
    "quad_bearing": ("float", 0.0, 6.28),
    "quad_loss": ("choice", ["crash", "land", "hover", "return", "continue"]),
    "quad_launch_s": ("float", 0.0, 800.0),
    "gun_magazine": ("choice", [0, 9, 27, 100]),
    "gun_reloads": ("int", 0, 2),
    "gun_reload_s": ("float", 5.0, 150.0),
    "gun_range_m": ("float", 400.0, 4000.0),
    "gun_elevation_max_deg": ("float", 5.0, 85.0),
    "msl_ready": ("choice", [0, 1, 2, 4]),
    "msl_reloads": ("int", 0, 1),
    "msl_range_m": ("float", 1000.0, 8000.0),
    "msl_altitude_m": ("float", 100.0, 4000.0),
    "msl_channels": ("int", 1, 2),
    "jammer": ("choice", [False, True, True]),
    "jammer_eirp_w": ("float", 5.0, 50.0),
    "duration_s": ("float", 350.0, 900.0),
    "dt_s": ("choice", [0.5, 1.0]),
    "slsk": ("choice", [False, True]),
    "max_shooters": ("int", 1, 3),
    "seed": ("int", 0, 2**31),
}


def _strategy() -> st.SearchStrategy[dict[str, Any]]:
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for name, (kind, *args) in SPACE.items():
        if kind == "int":
            parts[name] = st.integers(args[0], args[1])
        elif kind == "float":
            parts[name] = st.floats(args[0], args[1], allow_nan=False)
        else:
            parts[name] = st.sampled_from(args[0])
    return st.fixed_dictionaries(parts)


def _sample(rng: np.random.Generator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (kind, *args) in SPACE.items():
        if kind == "int":
            out[name] = int(rng.integers(args[0], args[1] + 1))
        elif kind == "float":
            out[name] = float(rng.uniform(args[0], args[1]))
        else:
            out[name] = args[0][int(rng.integers(len(args[0])))]
    return out


def _pos(range_m: float, bearing: float) -> dict[str, float]:
    return {"east_m": range_m * np.sin(bearing), "north_m": range_m * np.cos(bearing)}


def make_scenario(p: dict[str, Any]) -> skyscreen.ScenarioSpec:
    """Build a small scenario from generated parameters."""
    effectors: list[dict[str, Any]] = [
        {
            "kind": "gun",
            "id": "gun",
            "position": {"east_m": 200, "north_m": 300},
            "magazine_rounds": p["gun_magazine"],
            "reloads": p["gun_reloads"],
            "reload_s": p["gun_reload_s"],
            "range_max_m": p["gun_range_m"],
            "elevation_max_deg": p["gun_elevation_max_deg"],
        },
        {
            "kind": "missile",
            "id": "sam",
            "position": {"east_m": -200, "north_m": 0},
            "ready_rounds": p["msl_ready"],
            "reloads": p["msl_reloads"],
            "reload_s": 60.0,
            "range_max_m": p["msl_range_m"],
            "altitude_max_m": p["msl_altitude_m"],
            "channels": p["msl_channels"],
        },
    ]
    if p["jammer"]:
        effectors.append(
            {
                "kind": "jammer",
                "id": "jammer",
                "position": {"east_m": 0, "north_m": 0},
                "eirp_w": p["jammer_eirp_w"],
            }
        )
    raids: list[dict[str, Any]] = []
    duration = p["duration_s"]
    if p["n_wing"]:
        raids.append(
            {
                "id": "wing",
                "drone": {
                    "class": "fixed_wing_owa",
                    "endurance_s": p["wing_endurance_s"],
                    "cruise_height_m": 250,
                },
                "count": p["n_wing"],
                "launch_time_s": min(
                    p["wing_launch_s"], duration - 60 - 5 * p["n_wing"]
                ),
                "launch_interval_s": 5,
                "launch": {
                    "position": _pos(p["wing_range_m"], p["wing_bearing"]),
                    "radius_m": 300,
                },
                "target": {"site": "base"},
            }
        )
    if p["n_quad"] or not raids:
        n = max(p["n_quad"], 1)
        raids.append(
            {
                "id": "quad",
                "drone": {"class": "multirotor", "on_link_loss": p["quad_loss"]},
                "count": n,
                "launch_time_s": min(p["quad_launch_s"], duration - 60 - 5 * n),
                "launch_interval_s": 5,
                "launch": {
                    "position": _pos(p["quad_range_m"], p["quad_bearing"]),
                    "radius_m": 200,
                },
                "target": {"asset": "depot"},
            }
        )
    data = {
        "name": "generated",
        "origin": {"lat_deg": 10.0, "lon_deg": 10.0},
        "run": {"dt_s": p["dt_s"], "duration_s": duration, "seed": p["seed"]},
        "doctrine": {
            "shoot_look_shoot": p["slsk"],
            "max_shooters_per_drone": p["max_shooters"],
        },
        "sites": [
            {
                "id": "base",
                "assets": [
                    {
                        "id": "depot",
                        "position": {"east_m": 0, "north_m": 0},
                        "radius_m": 40,
                        "value_usd": 1e7,
                        "occupancy": 30,
                        "lethality": 0.3,
                    },
                    {
                        "id": "hangar",
                        "position": {"east_m": 250, "north_m": -150},
                        "radius_m": 25,
                        "value_usd": 3e7,
                        "occupancy": 3,
                        "lethality": 0.9,
                    },
                ],
                "sensors": [
                    {
                        "kind": "radar",
                        "id": "radar",
                        "position": {"east_m": 0, "north_m": 50, "height_m": 10},
                    }
                ],
                "effectors": effectors,
            }
        ],
        "raids": raids,
    }
    return parse_scenario(data)


def check_invariants(spec: skyscreen.ScenarioSpec, res: skyscreen.RunResult) -> None:
    """Every invariant of the accounting and engagement contracts (docs/models.md)."""
    drones, summary, ev = res.drones, res.summary, res.events
    assert ev is not None
    n_d = spec.n_drones
    # Every launched drone ends in exactly one terminal state.
    assert drones.groupby("replication").size().eq(n_d).all()
    assert not drones.duplicated(["replication", "drone"]).any()
    assert drones["state"].notna().all()
    assert set(drones["state"].astype(str)) <= TERMINAL
    parts = summary[["n_killed", "n_defeated", "n_leaked", "n_expended", "n_airborne"]]
    assert (parts.sum(axis=1) == summary["n_launched"]).all()
    assert (summary["n_launched"] == n_d).all()
    # Causes agree with states.
    cause = dict(
        zip(
            ["killed", "defeated", "leaked", "expended"],
            [{"gun", "missile"}, {"jammer"}, {"arrival"}, {"endurance"}],
            strict=True,
        )
    )
    for state, allowed in cause.items():
        got = set(drones.loc[drones["state"] == state, "cause"].astype(str))
        assert got <= allowed, (state, got)
    air = drones[drones["state"] == "airborne"]
    assert air["t_end_s"].isna().all()
    ended = drones[drones["state"] != "airborne"]
    assert (ended["t_end_s"] >= ended["t_launch_s"] - 1e-9).all()
    assert (ended["t_end_s"] <= spec.run.duration_s + 1e-9).all()
    shot = drones.dropna(subset=["t_first_shot_s"])
    assert (shot["t_first_shot_s"] >= shot["t_first_detect_s"]).all()

    effs = {e.id: e for e in spec.sites[0].effectors}
    fires = ev[ev["kind"] == "fire"]
    # Round counts live in their own column: a burst's rounds, 1 per missile, else 0.
    assert (fires["outcome"].astype(str) == "").all()
    assert (ev.loc[ev["kind"] != "fire", "rounds"] == 0).all()
    for (rep, name), group in fires.groupby(
        ["replication", "sensor_or_effector"], observed=True
    ):
        e = effs[str(name)]
        times = group["t_s"].to_numpy()
        if e.kind == "gun":
            spent = group["rounds"].to_numpy()
            assert (spent >= 1).all()
            capacity, per_mag, reload_s = (
                e.magazine_rounds,
                e.magazine_rounds,
                e.reload_s,
            )
            reloads = e.reloads
        else:
            spent = group["rounds"].to_numpy()
            assert (spent == 1).all()
            capacity, per_mag, reload_s = e.ready_rounds, e.ready_rounds, e.reload_s
            reloads = e.reloads
        # Replay the magazine: no attempted shot with an empty magazine, reloads only
        # after their reload time, never more than magazine x (1 + reloads) in all.
        left, refill_at = capacity, np.inf
        for t, n in zip(times, spent, strict=True):
            if t >= refill_at - 1e-9:
                left, refill_at = per_mag, np.inf
            assert left >= n, f"rep {rep} {name}: {n} fired with {left} left at t={t}"
            left -= n
            if left == 0 and reloads > 0 and not np.isfinite(refill_at):
                reloads -= 1
                refill_at = t + reload_s
        assert spent.sum() <= per_mag * (1 + e.reloads)
        # No shot outside the envelope (gun: at the drone; missile: at intercept).
        rel = group[["x_m", "y_m", "z_m"]].to_numpy() - np.array(
            [e.position.east_m, e.position.north_m, e.position.height_m]
        )
        rng = np.linalg.norm(rel, axis=1)
        assert (rng >= e.range_min_m - 1e-6).all()
        assert (rng <= e.range_max_m + 1e-6).all()
        if e.kind == "gun":
            el = np.degrees(np.arctan2(rel[:, 2], np.hypot(rel[:, 0], rel[:, 1])))
            assert (el >= e.elevation_min_deg - 1e-9).all()
            assert (el <= e.elevation_max_deg + 1e-9).all()
        else:
            assert (group["z_m"] <= e.altitude_max_m + 1e-6).all()
    # Effector totals agree with the event log, and kills with the drone table.
    eff = res.effectors.set_index(["replication", "effector"])
    fired_rounds = fires.groupby(["replication", "sensor_or_effector"], observed=True)[
        "rounds"
    ].sum()
    for (rep, name), n in fired_rounds.items():
        col = "rounds_fired" if effs[str(name)].kind == "gun" else "missiles_fired"
        assert eff.loc[(rep, name), col] == n
    assert (res.effectors["rounds_fired"] >= 0).all()
    killed = drones[drones["state"].isin(["killed", "defeated"])]
    by_eff = killed.groupby(["replication", "effector"], observed=True).size()
    for (rep, name), k in by_eff.items():
        assert eff.loc[(rep, name), "kills"] == k
    assert eff["kills"].sum() == len(killed)
    # Assets: casualties never above occupancy; value counts once.
    assets = res.assets
    assert (assets["casualties"] <= assets["occupancy"]).all()
    assert ((assets["value_damaged_usd"] > 0) == assets["damaged"]).all()
    assert ((assets["hits"] > 0) == assets["damaged"]).all()


def _run(p: dict[str, Any]) -> tuple[skyscreen.ScenarioSpec, skyscreen.RunResult]:
    spec = make_scenario(p)
    return spec, skyscreen.simulate(
        spec, replications=3, workers=1, events=True, record=3
    )


def _out_of_gun_envelope(
    spec: skyscreen.ScenarioSpec, res: skyscreen.RunResult
) -> bool:
    """Whether a flying drone came near the gun while outside its envelope."""
    gun = spec.sites[0].effectors[0]
    tr = res.trajectories
    assert tr is not None
    tr = tr[tr["state"] == "flying"]
    rel = tr[["x_m", "y_m", "z_m"]].to_numpy() - np.array(
        [gun.position.east_m, gun.position.north_m, gun.position.height_m]
    )
    rng = np.linalg.norm(rel, axis=1)
    el = np.degrees(np.arctan2(rel[:, 2], np.hypot(rel[:, 0], rel[:, 1])))
    beyond = (rng > gun.range_max_m) & (rng < 1.5 * gun.range_max_m)
    overhead = (rng <= gun.range_max_m) & (el > gun.elevation_max_deg)
    return bool((beyond | overhead).any())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(_strategy())
def test_invariants_hold_on_generated_scenarios(p: dict[str, Any]) -> None:
    """Accounting, magazine and envelope invariants hold on any generated scenario."""
    spec, res = _run(p)
    check_invariants(spec, res)


def test_generator_covers_every_state() -> None:
    """Every terminal state, emptied magazines and out-of-envelope drones are common."""
    rng = np.random.default_rng(20261124)
    seen: Counter[str] = Counter()
    n = 30
    for _ in range(n):
        spec, res = _run(_sample(rng))
        check_invariants(spec, res)
        for state in set(res.drones["state"].astype(str)):
            seen[state] += 1
        ev = res.events
        assert ev is not None
        if (
            res.effectors.query("kind == 'gun'")["rounds_fired"]
            >= spec.sites[0].effectors[0].magazine_rounds
        ).any():
            seen["gun_emptied"] += 1
        if _out_of_gun_envelope(spec, res):
            seen["out_of_envelope"] += 1
    shares = {
        k: seen[k] / n for k in [*sorted(TERMINAL), "gun_emptied", "out_of_envelope"]
    }
    assert all(share >= 0.15 for share in shares.values()), shares
