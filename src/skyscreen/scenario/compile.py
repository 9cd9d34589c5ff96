"""Compile a validated :class:`ScenarioSpec` into one read-only :class:`ScenarioParams`.

Everything downstream of this module works in SI units on arrays and never re-validates:
degrees become radians, dB become linear ratios, milliradians radians, rounds per
minute rounds per second. This is the one place where a scenario becomes numbers,
derived tables included: each registered kind's compile step
(:mod:`skyscreen.scenario.kinds`) may call the physics in :mod:`skyscreen.models` (a
radar's reference SNR, a gun's tabulated burst kill probability), once per scenario.
Entity order is the scenario's order (sites, then their assets, sensors and effectors;
raids, then their drones), kind by kind in registry order for sensors and effectors,
which fixes every index in the engine and outputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np

from skyscreen._typing import FloatArray
from skyscreen.scenario._geometry import to_enu
from skyscreen.scenario.kinds import (
    EFFECTOR_SPECS,
    SENSOR_SPECS,
    GunParams,
    JammerParams,
    MissileParams,
    RadarParams,
    SpecKind,
    UnitSpec,
)
from skyscreen.scenario.params import (
    GUIDANCE,
    LINK_LOSS,
    AssetParams,
    CompileContext,
    DoctrineParams,
    DroneParams,
    KindBlocks,
    ScenarioParams,
    TrackingParams,
    arr,
)
from skyscreen.scenario.spec import ScenarioSpec

__all__ = [
    "GUIDANCE",
    "LINK_LOSS",
    "AssetParams",
    "DoctrineParams",
    "DroneParams",
    "GunParams",
    "JammerParams",
    "KindBlocks",
    "MissileParams",
    "RadarParams",
    "ScenarioParams",
    "compile_scenario",
    "scenario_hash",
]


def compile_scenario(spec: ScenarioSpec, dt_s: float | None = None) -> ScenarioParams:
    """Compile a scenario into engine parameters.

    Parameters
    ----------
    spec : ScenarioSpec
        A validated scenario.
    dt_s : float, optional
        Override of ``spec.run.dt_s``.

    Returns
    -------
    ScenarioParams
        Read-only arrays; no further validation happens downstream.

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> params = compile_scenario(load_scenario(example_path("quickstart")))
    >>> params.drones.n, params.effectors["gun"].n, params.effector_kinds
    (4, 1, ('gun', 'missile'))
    """
    dt = spec.run.dt_s if dt_s is None else float(dt_s)
    origin = spec.origin

    a_ids, a_types, a_site, a_pos = [], [], [], []
    a_r, a_v, a_occ, a_vul, a_let = [], [], [], [], []
    sensors: dict[str, list[tuple[UnitSpec, FloatArray]]] = {
        k: [] for k in SENSOR_SPECS
    }
    effectors: dict[str, list[tuple[UnitSpec, FloatArray]]] = {
        k: [] for k in EFFECTOR_SPECS
    }
    site_ids = tuple(s.id for s in spec.sites)
    for si, site in enumerate(spec.sites):
        centre = to_enu(site.position, origin)
        for a in site.assets:
            a_ids.append(a.id)
            a_types.append(a.type)
            a_site.append(si)
            a_pos.append(to_enu(a.position, origin, centre))
            a_r.append(a.radius_m)
            a_v.append(a.value_usd)
            a_occ.append(a.occupancy)
            a_vul.append(a.vulnerability)
            a_let.append(a.lethality)
        for s in site.sensors:
            if s.enabled:  # a disabled unit is left out, as if absent
                sensors[s.kind].append((s, to_enu(s.position, origin, centre)))
        for e in site.effectors:
            if e.enabled:
                effectors[e.kind].append((e, to_enu(e.position, origin, centre)))

    assets = AssetParams(
        ids=tuple(a_ids),
        types=tuple(a_types),
        site_ids=site_ids,
        site_idx=arr(a_site, np.int64),
        pos_m=np.reshape(arr(a_pos), (-1, 3)),
        radius_m=arr(a_r),
        value_usd=arr(a_v),
        occupancy=arr(a_occ, np.int64),
        vulnerability=arr(a_vul),
        lethality=arr(a_let),
    )
    drones = _compile_drones(spec, assets)
    raid_ids = tuple(r.id for r in spec.raids)
    ctx = CompileContext(
        dt_s=dt,
        raid_ids=raid_ids,
        drones=drones,
        assets=assets,
        time_of_day=spec.environment.time_of_day,
        visibility_m=spec.environment.visibility_m,
    )
    return ScenarioParams(
        name=spec.name,
        raid_ids=raid_ids,
        drones=drones,
        assets=assets,
        sensors=_compile_kinds(SENSOR_SPECS, sensors, ctx),
        effectors=_compile_kinds(EFFECTOR_SPECS, effectors, ctx),
        # The doctrine's fields are already SI and named alike in spec and params.
        doctrine=DoctrineParams(
            **{f.name: getattr(spec.doctrine, f.name) for f in fields(DoctrineParams)}
        ),
        dt_s=dt,
        duration_s=spec.run.duration_s,
        n_steps=int(np.ceil(spec.run.duration_s / dt - 1e-9)),
        tracking=TrackingParams(
            **{f.name: getattr(spec.tracking, f.name) for f in fields(TrackingParams)}
        ),
    )


def _compile_kinds(
    registry: Mapping[str, SpecKind],
    units: Mapping[str, list[tuple[UnitSpec, FloatArray]]],
    ctx: CompileContext,
) -> KindBlocks:
    """Each registered kind's units to its parameter block, in registry order."""
    return KindBlocks(
        (name, kind.compile(units[name], ctx)) for name, kind in registry.items()
    )


def _compile_drones(spec: ScenarioSpec, assets: AssetParams) -> DroneParams:
    origin = spec.origin
    n_wp_max = max(len(r.route) for r in spec.raids)
    rows: dict[str, list[Any]] = {}
    routes: list[FloatArray] = []
    n_wp: list[int] = []
    weights: list[FloatArray] = []
    targets: list[int] = []
    asset_index = {a: i for i, a in enumerate(assets.ids)}
    site_index = {s: i for i, s in enumerate(assets.site_ids)}

    for ri, raid in enumerate(spec.raids):
        d = raid.drone
        route = np.full((max(n_wp_max, 1), 3), np.nan)
        for wi, wp in enumerate(raid.route):
            p = to_enu(wp, origin)
            p[2] = wp.height_m if wp.height_m > 0 else d.cruise_height_m
            route[wi] = p
        if raid.target.asset is not None:
            target, w = asset_index[raid.target.asset], np.zeros(assets.n)
        else:
            mask = (
                assets.site_idx == site_index[raid.target.site]
                if raid.target.site is not None
                else np.ones(assets.n, dtype=bool)
            )
            w = np.where(mask, assets.value_usd, 0.0)
            if w.sum() <= 0.0:  # all values zero: uniform over the candidates
                w = mask.astype(np.float64)
            target, w = -1, w / w.sum()
        launch = to_enu(raid.launch.position, origin)
        launch[2] = 0.0
        for k in range(raid.count):
            row = {
                "raid_idx": ri,
                "index_in_raid": k,
                "class_name": d.class_,
                "is_multirotor": d.airframe == "multirotor",
                "speed_mps": d.speed_mps,
                "cruise_height_m": d.cruise_height_m,
                "climb_rate_mps": d.climb_rate_mps,
                "rcs_m2": d.rcs_m2,
                "swerling": d.swerling,
                "presented_area_m2": d.presented_area_m2,
                "bank_max_rad": np.deg2rad(d.bank_max_deg),
                "dive_range_m": d.dive_range_m,
                "dive_speed_mps": d.dive_speed_mps,
                "endurance_s": d.endurance_s,
                "lethal_radius_m": d.warhead_lethal_radius_m,
                "cep_m": d.cep_m,
                "guidance": GUIDANCE.index(d.guidance),
                "on_link_loss": LINK_LOSS.index(d.on_link_loss),
                "link_eirp_w": d.link_eirp_w,
                "link_js_threshold": 10.0 ** (d.link_js_threshold_db / 10.0),
                "link_loss_delay_s": d.link_loss_delay_s,
                "gnss_js_threshold": 10.0 ** (d.gnss_js_threshold_db / 10.0),
                "gnss_signal_w": 10.0 ** ((d.gnss_signal_dbm - 30.0) / 10.0),
                "ins_drift_mps": d.ins_drift_mps,
                "hpm_s50_w_m2": d.hpm_s50_w_m2,
                "hpm_sigma_ln": d.hpm_sigma_ln,
                "downlink_eirp_w": d.downlink_eirp_w,
                "link_frequency_hz": d.link_frequency_hz,
                "speed_jitter": d.speed_jitter,
                "route_offset_m": d.route_offset_m,
                "cost_usd": d.cost_usd,
                "t_launch_s": raid.launch_time_s + k * raid.launch_interval_s,
                "launch_jitter_s": raid.launch_jitter_s,
                "launch_radius_m": raid.launch.radius_m,
            }
            for key, value in row.items():
                rows.setdefault(key, []).append(value)
            routes.append(route)
            n_wp.append(len(raid.route))
            weights.append(w)
            targets.append(target)
            rows.setdefault("launch_pos_m", []).append(launch)

    ints = {"raid_idx", "index_in_raid", "swerling", "guidance", "on_link_loss"}
    arrays: dict[str, Any] = {}
    for key, values in rows.items():
        if key == "class_name":
            continue
        if key == "is_multirotor":
            arrays[key] = arr(values, np.bool_)
        else:
            arrays[key] = arr(values, np.int64 if key in ints else np.float64)
    return DroneParams(
        class_names=tuple(rows["class_name"]),
        route_m=np.stack(routes),
        n_waypoints=arr(n_wp, np.int64),
        target_asset=arr(targets, np.int64),
        target_weight=np.stack(weights),
        **arrays,
    )


def scenario_hash(spec: ScenarioSpec) -> str:
    """SHA-256 of the resolved scenario (defaults expanded, canonical JSON)."""
    text = json.dumps(
        spec.model_dump(mode="json", by_alias=True),
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
