"""The viewer's JSON: a run directory's scenario, outcomes and recorded replications.

Everything the page draws comes from the run directory, read once and verified by
:func:`skyscreen.load_run`: the resolved scenario in run.json (sites, assets, sensors,
effectors, raids), the sensors' coverage computed from it (:func:`skyscreen.coverage.
coverage`, against each raid's drone), and the tables of each recorded replication
(trajectories, events, drones, the air picture). Positions are metres in the scenario's
local East-North-Up plane, rounded to 0.1 m; times are seconds from the start.

Payloads are columnar (one array per quantity) to stay compact; NaN becomes ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from skyscreen.coverage import coverage
from skyscreen.errors import SkyscreenError
from skyscreen.run import RunResult, load_run
from skyscreen.scenario.compile import compile_scenario
from skyscreen.schema import TABLES

__all__ = ["MAX_COVERAGE_TARGETS", "RunData", "load_run_data"]

MAX_COVERAGE_TARGETS = 6
"""Most distinct drone types (RCS, cruise height) whose sensor coverage is offered."""

_POS_DECIMALS = 1
_TIME_DECIMALS = 3
# Events drawn and listed; ``decision`` (one per decision cycle, drone -1) is summarised
# by its count instead.
_LISTED_EVENTS = (
    "launch",
    "detect",
    "identify",
    "assign",
    "fire",
    "cancel",
    "miss",
    "kill",
    "leak",
    "damage",
    "link_lost",
    "gnss_lost",
    "defeated",
    "expended",
)


def _num(value: Any, decimals: int = 3) -> float | None:
    """A finite float rounded, or None (JSON has no NaN)."""
    if value is None:
        return None
    f = float(value)
    if not math.isfinite(f):
        return None
    r = round(f, decimals)
    return int(r) if r == int(r) and abs(r) < 2**53 else r


def _nums(values: Iterable[Any] | np.ndarray, decimals: int = 3) -> list[float | None]:
    """A float column as a JSON list: rounded, NaN as None, whole numbers as ints."""
    a = np.round(np.asarray(values, dtype=np.float64), decimals)
    out: list[float | None] = []
    for v in a.tolist():
        if not math.isfinite(v):
            out.append(None)
        elif v == int(v):
            out.append(int(v))
        else:
            out.append(v)
    return out


def _strs(values: Iterable[Any]) -> list[str]:
    return [
        "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        for v in values
    ]


def _xy(pos: Any) -> tuple[float | None, float | None, float | None]:
    p = np.asarray(pos, dtype=np.float64)
    return (
        _num(p[0], _POS_DECIMALS),
        _num(p[1], _POS_DECIMALS),
        _num(p[2], _POS_DECIMALS),
    )


class RunData:
    """A run directory's viewer payloads, built once (the scenario) or on demand.

    Parameters
    ----------
    result : RunResult
        The run, as :func:`skyscreen.load_run` reads it.
    """

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.path = result.path
        traj = result.trajectories
        if traj is not None and len(traj):
            ids = np.unique(traj["replication"].to_numpy())
            self.recorded: tuple[int, ...] = tuple(int(i) for i in ids)
        else:
            self.recorded = ()
        self._meta: dict[str, Any] | None = None

    def result_files(self) -> list[str]:
        """The Parquet files of the run directory (those its run.json lists)."""
        return [
            t.file
            for name, t in TABLES.items()
            if getattr(self.result, name, None) is not None
        ]

    # ------------------------------------------------------------------ the run

    def meta(self) -> dict[str, Any]:
        """``/api/run``: the scenario, the recorded replications, coverage."""
        if self._meta is None:
            self._meta = self._build_meta()
        return self._meta

    def _build_meta(self) -> dict[str, Any]:
        r = self.result
        spec = r.scenario
        meta = r.meta
        params = compile_scenario(spec)
        unit_pos = {**params.sensors.positions(), **params.effectors.positions()}

        assets_tab = r.assets
        p_damaged = (
            assets_tab.groupby("asset", observed=True)["damaged"].mean().to_dict()
            if len(assets_tab)
            else {}
        )
        sites: list[dict[str, Any]] = []
        assets: list[dict[str, Any]] = []
        sensors: list[dict[str, Any]] = []
        effectors: list[dict[str, Any]] = []
        a_index = {a: i for i, a in enumerate(params.assets.ids)}
        for site in spec.sites:
            xs: list[float] = []
            ys: list[float] = []
            for a in site.assets:
                i = a_index[a.id]
                x, y, z = _xy(params.assets.pos_m[i])
                xs.append(x or 0.0)
                ys.append(y or 0.0)
                assets.append(
                    {
                        "id": a.id,
                        "site": site.id,
                        "type": a.type,
                        "x": x,
                        "y": y,
                        "z": z,
                        "radius_m": _num(a.radius_m, 1),
                        "value_usd": _num(a.value_usd, 0),
                        "occupancy": int(a.occupancy),
                        "vulnerability": _num(a.vulnerability),
                        "lethality": _num(a.lethality),
                        "p_damaged": _num(p_damaged.get(a.id), 4),
                    }
                )
            for units, out in ((site.sensors, sensors), (site.effectors, effectors)):
                for u in units:
                    if not u.enabled or u.id not in unit_pos:
                        continue
                    x, y, z = _xy(unit_pos[u.id])
                    out.append(
                        {
                            "id": u.id,
                            "site": site.id,
                            "kind": u.kind,
                            "class": getattr(u, "class_", ""),
                            "x": x,
                            "y": y,
                            "z": z,
                            "range_min_m": _num(getattr(u, "range_min_m", 0.0), 1),
                            "range_max_m": _num(getattr(u, "range_max_m", None), 1),
                            **_sector(u),
                        }
                    )
                    xs.append(x or 0.0)
                    ys.append(y or 0.0)
            sites.append(
                {
                    "id": site.id,
                    "name": site.name or site.id,
                    "x": _num(float(np.mean(xs)) if xs else 0.0, 1),
                    "y": _num(float(np.mean(ys)) if ys else 0.0, 1),
                }
            )

        raids: list[dict[str, Any]] = []
        drones = params.drones
        for ri, raid in enumerate(spec.raids):
            mask = np.asarray(drones.raid_idx) == ri
            first = int(np.argmax(mask)) if mask.any() else 0
            d = raid.drone
            route = [
                [_num(p[0], 1), _num(p[1], 1)]
                for p in np.asarray(drones.route_m[first])[
                    : int(drones.n_waypoints[first])
                ]
            ]
            launch = np.asarray(drones.launch_pos_m[first])
            raids.append(
                {
                    "id": raid.id,
                    "class": d.class_,
                    "count": int(raid.count),
                    "guidance": d.guidance,
                    "speed_mps": _num(d.speed_mps, 2),
                    "cruise_height_m": _num(d.cruise_height_m, 1),
                    "rcs_m2": _num(d.rcs_m2, 6),
                    "launch_x": _num(launch[0], 1),
                    "launch_y": _num(launch[1], 1),
                    "launch_radius_m": _num(raid.launch.radius_m, 1),
                    "launch_time_s": _num(raid.launch_time_s, 3),
                    "route": route,
                    "target_asset": raid.target.asset or "",
                    "target_site": raid.target.site or "",
                }
            )

        drone_raid = [int(v) for v in np.asarray(drones.raid_idx).tolist()]
        summary = r.summary
        rec = summary[summary["replication"].isin(self.recorded)]
        # run --record-select: which of the recorded replications are the best, median
        # or worst (by value damaged), named in the picker.
        picked: dict[int, list[str]] = {}
        for name, rep_id in (meta.get("record_select") or {}).items():
            picked.setdefault(int(rep_id), []).append(str(name))
        replications = [
            {
                "id": int(row["replication"]),
                "label": "/".join(picked.get(int(row["replication"]), [])),
                "n_launched": int(row["n_launched"]),
                "n_detected": int(row["n_detected"]),
                "n_engaged": int(row["n_engaged"]),
                "n_killed": int(row["n_killed"]),
                "n_defeated": int(row["n_defeated"]),
                "n_leaked": int(row["n_leaked"]),
                "n_expended": int(row["n_expended"]),
                "n_airborne": int(row["n_airborne"]),
                "value_damaged_usd": _num(row["value_damaged_usd"], 0),
                "casualties": int(row["casualties"]),
                "munitions_cost_usd": _num(row["munitions_cost_usd"], 0),
            }
            for row in rec.to_dict("records")
        ]
        n = len(summary)
        overall = {
            "mean_killed": _num(summary["n_killed"].mean(), 3) if n else None,
            "mean_leaked": _num(summary["n_leaked"].mean(), 3) if n else None,
            "mean_value_damaged_usd": _num(summary["value_damaged_usd"].mean(), 0)
            if n
            else None,
            "p_leak": _num((summary["n_leaked"] > 0).mean(), 4) if n else None,
        }
        return {
            "scenario_name": spec.name,
            "description": spec.description,
            "path": str(self.path) if self.path is not None else "",
            "seed": meta.get("seed"),
            "fidelity": meta.get("fidelity", "truth"),
            "replications": n,
            "record": meta.get("record", 0),
            "events": bool(meta.get("events", False)),
            "dt_s": _num(meta.get("dt_s", spec.run.dt_s), 6),
            "duration_s": _num(meta.get("duration_s", spec.run.duration_s), 3),
            "time_of_day": spec.environment.time_of_day,
            "skyscreen_version": meta.get("skyscreen_version", ""),
            "started_at": meta.get("started_at", ""),
            "has_picture": r.picture is not None and len(r.picture) > 0,
            "recorded": list(self.recorded),
            "replication_summaries": replications,
            "overall": overall,
            "sites": sites,
            "assets": assets,
            "sensors": sensors,
            "effectors": effectors,
            "raids": raids,
            "drone_raid": drone_raid,
            "coverage": _coverage_targets(r),
        }

    # ------------------------------------------------------------- a replication

    def replication(self, rep: int) -> dict[str, Any]:
        """``/api/replication/<rep>``: trajectories, events, outcomes, air picture.

        Raises
        ------
        KeyError
            If the replication's trajectories were not recorded.
        """
        if rep not in self.recorded:
            raise KeyError(rep)
        r = self.result
        dt = float(r.meta.get("dt_s", r.scenario.run.dt_s))
        return {
            "replication": rep,
            "drones": _drones(r.drones, rep),
            "trajectories": _trajectories(r.trajectories, rep, dt),
            "events": _events(r.events, rep),
            "picture": _picture(r.picture, rep),
            "assets": _assets(r.assets, rep),
        }


def _sector(unit: Any) -> dict[str, Any]:
    """A unit's azimuth sector as a math angle (counter-clockwise from east), if any."""
    sector = getattr(unit, "sector_deg", None)
    azimuth = getattr(unit, "azimuth_deg", None)
    if sector is None or azimuth is None or float(sector) >= 360.0:
        return {"azimuth_rad": None, "half_sector_rad": None}
    return {
        "azimuth_rad": _num(math.pi / 2 - math.radians(float(azimuth)), 6),
        "half_sector_rad": _num(math.radians(float(sector)) / 2, 6),
    }


def _coverage_targets(r: RunResult) -> list[dict[str, Any]]:
    """Sensor coverage against each distinct raid drone (RCS, cruise height)."""
    spec = r.scenario
    targets: dict[tuple[float, float], list[str]] = {}
    for raid in spec.raids:
        key = (float(raid.drone.rcs_m2), float(raid.drone.cruise_height_m))
        targets.setdefault(key, []).append(raid.id)
    out: list[dict[str, Any]] = []
    for (rcs, height), raid_ids in sorted(targets.items())[:MAX_COVERAGE_TARGETS]:
        try:
            cov = coverage(spec, rcs_m2=rcs, height_m=height)
        except SkyscreenError as exc:  # a model refusing the target: say so
            out.append(
                {
                    "label": f"RCS {rcs:g} m² at {height:g} m",
                    "raids": raid_ids,
                    "error": str(exc),
                    "sensors": [],
                }
            )
            continue
        out.append(
            {
                "label": f"RCS {rcs:g} m² at {height:g} m ({', '.join(raid_ids)})",
                "raids": raid_ids,
                "rcs_m2": _num(rcs, 6),
                "height_m": _num(height, 1),
                "target": cov.target,
                "sensors": [
                    {
                        "id": s.id,
                        "kind": s.kind,
                        "range_m": _num(s.range_m, 1),
                        "intervals_m": [
                            [_num(lo, 1), _num(hi, 1)] for lo, hi in s.intervals_m
                        ],
                        "azimuth_rad": _num(s.azimuth_rad, 6),
                        "half_sector_rad": _num(s.half_sector_rad, 6),
                        "note": s.note,
                    }
                    for s in cov.sensors
                ],
            }
        )
    return out


def _drones(drones: pd.DataFrame, rep: int) -> dict[str, Any]:
    d = drones[drones["replication"] == rep].sort_values("drone")
    return {
        "drone": [int(v) for v in d["drone"].tolist()],
        "raid": _strs(d["raid"]),
        "class": _strs(d["class"]),
        "target_asset": _strs(d["target_asset"]),
        "state": _strs(d["state"]),
        "cause": _strs(d["cause"]),
        "effector": _strs(d["effector"]),
        "t_launch_s": _nums(d["t_launch_s"], _TIME_DECIMALS),
        "t_first_detect_s": _nums(d["t_first_detect_s"], _TIME_DECIMALS),
        "t_identified_s": _nums(d["t_identified_s"], _TIME_DECIMALS),
        "t_first_shot_s": _nums(d["t_first_shot_s"], _TIME_DECIMALS),
        "t_end_s": _nums(d["t_end_s"], _TIME_DECIMALS),
        "x_end_m": _nums(d["x_end_m"], _POS_DECIMALS),
        "y_end_m": _nums(d["y_end_m"], _POS_DECIMALS),
        "z_end_m": _nums(d["z_end_m"], _POS_DECIMALS),
        "miss_m": _nums(d["miss_m"], _POS_DECIMALS),
    }


def _trajectories(
    traj: pd.DataFrame | None, rep: int, dt: float
) -> list[dict[str, Any]]:
    """One entry per drone: times (t0 + k·dt when on the step grid), x, y, z, states.

    ``states`` is run-length: ``[[k, state], ...]``, the state from sample k on.
    """
    if traj is None:
        return []
    t = traj[traj["replication"] == rep]
    out: list[dict[str, Any]] = []
    for _, g in t.groupby("drone", sort=True):
        g = g.sort_values("t_s", kind="stable")
        ts = g["t_s"].to_numpy(dtype=np.float64)
        entry: dict[str, Any] = {"drone": int(g["drone"].iloc[0])}
        steps = np.diff(ts)
        if len(ts) and (len(ts) == 1 or np.allclose(steps, dt, rtol=0, atol=1e-6)):
            entry["t0"] = _num(ts[0], _TIME_DECIMALS)
            entry["dt"] = _num(dt, 6)
        else:
            entry["t"] = _nums(ts, _TIME_DECIMALS)
        entry["x"] = _nums(g["x_m"], _POS_DECIMALS)
        entry["y"] = _nums(g["y_m"], _POS_DECIMALS)
        entry["z"] = _nums(g["z_m"], _POS_DECIMALS)
        states = _strs(g["state"])
        runs: list[list[Any]] = []
        for k, s in enumerate(states):
            if not runs or runs[-1][1] != s:
                runs.append([k, s])
        entry["states"] = runs
        out.append(entry)
    return out


def _events(events: pd.DataFrame | None, rep: int) -> dict[str, Any] | None:
    if events is None:
        return None
    e = events[events["replication"] == rep]
    decisions = int((e["kind"] == "decision").sum())
    e = e[e["kind"].isin(_LISTED_EVENTS)]
    return {
        "n_decisions": decisions,
        "t_s": _nums(e["t_s"], _TIME_DECIMALS),
        "kind": _strs(e["kind"]),
        "drone": [int(v) for v in e["drone"].tolist()],
        "who": _strs(e["sensor_or_effector"]),
        "x": _nums(e["x_m"], _POS_DECIMALS),
        "y": _nums(e["y_m"], _POS_DECIMALS),
        "z": _nums(e["z_m"], _POS_DECIMALS),
        "outcome": _strs(e["outcome"]),
        "rounds": [int(v) for v in e["rounds"].tolist()],
        "pk": _nums(e["pk"], 3),
    }


def _picture(picture: pd.DataFrame | None, rep: int) -> list[dict[str, Any]] | None:
    """The tracker's tracks: one entry per track with its updates."""
    if picture is None:
        return None
    p = picture[picture["replication"] == rep]
    out: list[dict[str, Any]] = []
    for _, g in p.groupby("track", sort=True):
        g = g.sort_values("t_s", kind="stable")
        out.append(
            {
                "track": int(g["track"].iloc[0]),
                "t": _nums(g["t_s"], _TIME_DECIMALS),
                "x": _nums(g["x_m"], _POS_DECIMALS),
                "y": _nums(g["y_m"], _POS_DECIMALS),
                "vx": _nums(g["vx_mps"], 1),
                "vy": _nums(g["vy_mps"], 1),
                "sigma": _nums(g["sigma_m"], 1),
                "confirmed": [bool(v) for v in g["confirmed"].tolist()],
            }
        )
    return out


def _assets(assets: pd.DataFrame, rep: int) -> dict[str, Any]:
    a = assets[assets["replication"] == rep]
    return {
        str(row["asset"]): {
            "hits": int(row["hits"]),
            "damaged": bool(row["damaged"]),
            "value_damaged_usd": _num(row["value_damaged_usd"], 0),
            "casualties": int(row["casualties"]),
        }
        for row in a.to_dict("records")
    }


def load_run_data(run_dir: str | Path) -> RunData:
    """Read and verify a run directory (:func:`skyscreen.load_run`) for the viewer.

    Raises
    ------
    ResultSchemaError
        If the directory is missing, incomplete or damaged (the loader's message).
    """
    return RunData(load_run(run_dir))
