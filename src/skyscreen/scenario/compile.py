"""Compile a validated :class:`ScenarioSpec` into read-only ``*Params`` arrays.

Everything downstream of this module works in SI units on arrays and never re-validates:
degrees become radians, dB become linear ratios, milliradians radians. Quantities derived
through the physics models (a radar's reference SNR, a gun's tabulated burst kill
probability) are computed by the engine, which sits above ``models`` in the layers; this
module sits below it. Entity order is the scenario's order (sites, then their assets, sensors and
effectors; raids, then their drones), which fixes every index in the engine and outputs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.scenario._geometry import to_enu
from skyscreen.scenario.spec import (
    GunSpec,
    JammerSpec,
    MissileSpec,
    RadarSpec,
    ScenarioSpec,
)

__all__ = [
    "GUIDANCE",
    "LINK_LOSS",
    "AssetParams",
    "DroneParams",
    "GunParams",
    "JammerParams",
    "MissileParams",
    "RadarParams",
    "ScenarioParams",
    "compile_scenario",
    "scenario_hash",
]

GUIDANCE = ("gnss", "rf_link", "autonomous")
LINK_LOSS = ("continue", "hover", "return", "land", "crash")


def _frozen(*arrays: Any) -> None:
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.setflags(write=False)


class _Params:
    """Mixin: make every ndarray field read-only after construction."""

    def __post_init__(self) -> None:
        _frozen(*(getattr(self, f.name) for f in fields(self)))  # type: ignore[arg-type]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Rebuild through the constructor, so arrays are read-only again after pickling
        # (unpickled arrays come back writeable, and numba would compile another
        # specialisation of every kernel for them in each worker process).
        return type(self), tuple(
            getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True, eq=False)
class AssetParams(_Params):
    """Assets of all sites, in scenario order.

    Attributes
    ----------
    ids, types : tuple of str, length n_asset
    site_idx : IntArray of shape (n_asset,)
    pos_m : FloatArray of shape (n_asset, 3)
        ENU position (m).
    radius_m, value_usd, vulnerability, lethality : FloatArray of shape (n_asset,)
    occupancy : IntArray of shape (n_asset,)
    """

    ids: tuple[str, ...]
    types: tuple[str, ...]
    site_ids: tuple[str, ...]
    site_idx: IntArray
    pos_m: FloatArray
    radius_m: FloatArray
    value_usd: FloatArray
    occupancy: IntArray
    vulnerability: FloatArray
    lethality: FloatArray

    @property
    def n(self) -> int:
        """Number of assets."""
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class RadarParams(_Params):
    """Radars, in scenario order; every array has shape (n_radar,) unless noted.

    ``pd_ref`` against a Swerling 1 target of ``rcs_ref_m2`` at ``range_ref_m`` is the
    reference detection; elevations are in radians.
    """

    ids: tuple[str, ...]
    pos_m: FloatArray  # (n_radar, 3)
    pd_ref: FloatArray
    rcs_ref_m2: FloatArray
    range_ref_m: FloatArray
    pfa: FloatArray
    scan_period_s: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray

    @property
    def n(self) -> int:
        """Number of radars."""
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class GunParams(_Params):
    """Guns; arrays of shape (n_gun,) unless noted.

    ``airburst`` guns hit a drone when a round falls within ``lethal_radius_m`` of it;
    others within the drone's presented radius.
    """

    ids: tuple[str, ...]
    pos_m: FloatArray
    rate_rpm: FloatArray
    burst_s: FloatArray
    dispersion_rad: FloatArray
    bias_rad: FloatArray
    muzzle_velocity_mps: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    slew_rate_rad_s: FloatArray
    settle_s: FloatArray
    magazine_rounds: IntArray
    reload_s: FloatArray
    reloads: IntArray
    cost_per_round_usd: FloatArray
    pk_hit: FloatArray
    airburst: BoolArray
    lethal_radius_m: FloatArray

    @property
    def n(self) -> int:
        """Number of guns."""
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class MissileParams(_Params):
    """Missile launchers; arrays of shape (n_missile,)."""

    ids: tuple[str, ...]
    pos_m: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    altitude_max_m: FloatArray
    speed_mps: FloatArray
    pk: FloatArray
    pk_edge: FloatArray
    falloff_start: FloatArray
    reaction_s: FloatArray
    channels: IntArray
    ready_rounds: IntArray
    reload_s: FloatArray
    reloads: IntArray
    cost_usd: FloatArray

    @property
    def n(self) -> int:
        """Number of missile launchers."""
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class JammerParams(_Params):
    """RF jammers; arrays of shape (n_jammer,). Angles in radians, math convention."""

    ids: tuple[str, ...]
    pos_m: FloatArray
    eirp_w: FloatArray
    azimuth_rad: FloatArray
    half_sector_rad: FloatArray
    range_max_m: FloatArray

    @property
    def n(self) -> int:
        """Number of jammers."""
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class DroneParams(_Params):
    """Every drone of every raid, flattened in raid order; arrays of shape (n_drone,).

    Per-replication randomness (launch jitter and point, speed, route offset, target) is
    drawn by the engine from these nominal values.

    Attributes
    ----------
    raid_idx : IntArray
        Index of the drone's raid.
    t_launch_s : FloatArray
        Nominal launch time (s), before jitter.
    launch_pos_m : FloatArray of shape (n_drone, 3)
        Centre of the launch area (height 0).
    route_m : FloatArray of shape (n_drone, max_waypoints, 3)
        Waypoints, padded with NaN; heights already resolved (cruise height if unset).
    n_waypoints : IntArray
        Waypoints used in ``route_m``.
    target_asset : IntArray
        Fixed target asset, or -1 when drawn per replication from ``target_weight``.
    target_weight : FloatArray of shape (n_drone, n_asset)
        Value weights of the drawable targets (rows sum to 1 when drawn).
    guidance, on_link_loss : IntArray
        Codes into :data:`GUIDANCE` and :data:`LINK_LOSS`.
    is_multirotor : BoolArray
    """

    raid_idx: IntArray
    index_in_raid: IntArray
    class_names: tuple[str, ...]
    is_multirotor: BoolArray
    speed_mps: FloatArray
    cruise_height_m: FloatArray
    climb_rate_mps: FloatArray
    rcs_m2: FloatArray
    swerling: IntArray
    presented_area_m2: FloatArray
    bank_max_rad: FloatArray
    dive_range_m: FloatArray
    dive_speed_mps: FloatArray
    endurance_s: FloatArray
    lethal_radius_m: FloatArray
    cep_m: FloatArray
    guidance: IntArray
    on_link_loss: IntArray
    link_eirp_w: FloatArray
    link_js_threshold: FloatArray
    link_loss_delay_s: FloatArray
    speed_jitter: FloatArray
    route_offset_m: FloatArray
    cost_usd: FloatArray
    t_launch_s: FloatArray
    launch_jitter_s: FloatArray
    launch_pos_m: FloatArray
    launch_radius_m: FloatArray
    route_m: FloatArray
    n_waypoints: IntArray
    target_asset: IntArray
    target_weight: FloatArray

    @property
    def n(self) -> int:
        """Number of drones per replication."""
        return len(self.raid_idx)


@dataclass(frozen=True, slots=True, eq=False)
class ScenarioParams:
    """Everything the engine needs, as arrays, plus names for the outputs.

    ``effector_ids`` and ``effector_kinds`` list guns, then missile launchers, then
    jammers, in scenario order within each kind: the effector index of the outputs.
    """

    name: str
    raid_ids: tuple[str, ...]
    assets: AssetParams
    radars: RadarParams
    guns: GunParams
    missiles: MissileParams
    jammers: JammerParams
    drones: DroneParams
    dt_s: float
    duration_s: float
    n_steps: int
    decision_period_s: float
    track_memory_s: float
    shoot_look_shoot: bool
    assess_time_s: float
    max_shooters_per_drone: int
    urgency_tau_s: float
    danger_margin_m: float
    wta_method: str
    wta_max_iter: int
    weapons_control: str
    identify_time_s: float
    self_defence_range_m: float
    cost_weight: float
    min_shot_pk: float
    missile_min_time_to_go_s: float
    missile_reserve_rounds: int
    reserve_min_value_usd: float
    effector_ids: tuple[str, ...]
    effector_kinds: tuple[str, ...]


def _arr(values: list[Any], dtype: Any = np.float64) -> Any:
    return np.asarray(values, dtype=dtype)


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
    >>> params.drones.n, params.guns.n, params.effector_kinds
    (4, 1, ('gun', 'missile'))
    """
    dt = spec.run.dt_s if dt_s is None else float(dt_s)
    origin = spec.origin

    a_ids, a_types, a_site, a_pos = [], [], [], []
    a_r, a_v, a_occ, a_vul, a_let = [], [], [], [], []
    radars: list[tuple[RadarSpec, FloatArray]] = []
    guns: list[tuple[GunSpec, FloatArray]] = []
    missiles: list[tuple[MissileSpec, FloatArray]] = []
    jammers: list[tuple[JammerSpec, FloatArray]] = []
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
            radars.append((s, to_enu(s.position, origin, centre)))
        for e in site.effectors:
            pos = to_enu(e.position, origin, centre)
            if isinstance(e, GunSpec):
                guns.append((e, pos))
            elif isinstance(e, MissileSpec):
                missiles.append((e, pos))
            else:
                jammers.append((e, pos))

    assets = AssetParams(
        ids=tuple(a_ids),
        types=tuple(a_types),
        site_ids=site_ids,
        site_idx=_arr(a_site, np.int64),
        pos_m=np.reshape(_arr(a_pos), (-1, 3)),
        radius_m=_arr(a_r),
        value_usd=_arr(a_v),
        occupancy=_arr(a_occ, np.int64),
        vulnerability=_arr(a_vul),
        lethality=_arr(a_let),
    )
    drones = _compile_drones(spec, assets)
    return ScenarioParams(
        name=spec.name,
        raid_ids=tuple(r.id for r in spec.raids),
        assets=assets,
        radars=_compile_radars(radars),
        guns=_compile_guns(guns),
        missiles=_compile_missiles(missiles),
        jammers=_compile_jammers(jammers),
        drones=drones,
        dt_s=dt,
        duration_s=spec.run.duration_s,
        n_steps=int(np.ceil(spec.run.duration_s / dt - 1e-9)),
        decision_period_s=spec.doctrine.decision_period_s,
        track_memory_s=spec.doctrine.track_memory_s,
        shoot_look_shoot=spec.doctrine.shoot_look_shoot,
        assess_time_s=spec.doctrine.assess_time_s,
        max_shooters_per_drone=spec.doctrine.max_shooters_per_drone,
        urgency_tau_s=spec.doctrine.urgency_tau_s,
        danger_margin_m=spec.doctrine.danger_margin_m,
        wta_method=spec.doctrine.wta_method,
        wta_max_iter=spec.doctrine.wta_max_iter,
        weapons_control=spec.doctrine.weapons_control,
        identify_time_s=spec.doctrine.identify_time_s,
        self_defence_range_m=spec.doctrine.self_defence_range_m,
        cost_weight=spec.doctrine.cost_weight,
        min_shot_pk=spec.doctrine.min_shot_pk,
        missile_min_time_to_go_s=spec.doctrine.missile_min_time_to_go_s,
        missile_reserve_rounds=spec.doctrine.missile_reserve_rounds,
        reserve_min_value_usd=spec.doctrine.reserve_min_value_usd,
        effector_ids=tuple(e.id for e, _ in guns)
        + tuple(e.id for e, _ in missiles)
        + tuple(e.id for e, _ in jammers),
        effector_kinds=("gun",) * len(guns)
        + ("missile",) * len(missiles)
        + ("jammer",) * len(jammers),
    )


def _compile_radars(items: list[tuple[RadarSpec, FloatArray]]) -> RadarParams:
    return RadarParams(
        ids=tuple(s.id for s, _ in items),
        pos_m=np.reshape(_arr([p for _, p in items]), (-1, 3)),
        pd_ref=_arr([s.pd_ref for s, _ in items]),
        rcs_ref_m2=_arr([s.rcs_ref_m2 for s, _ in items]),
        range_ref_m=_arr([s.range_ref_m for s, _ in items]),
        pfa=_arr([s.pfa for s, _ in items]),
        scan_period_s=_arr([s.scan_period_s for s, _ in items]),
        range_min_m=_arr([s.range_min_m for s, _ in items]),
        range_max_m=_arr([s.range_max_m for s, _ in items]),
        elevation_min_rad=np.deg2rad(_arr([s.elevation_min_deg for s, _ in items])),
        elevation_max_rad=np.deg2rad(_arr([s.elevation_max_deg for s, _ in items])),
    )


def _compile_guns(items: list[tuple[GunSpec, FloatArray]]) -> GunParams:
    return GunParams(
        ids=tuple(g.id for g, _ in items),
        pos_m=np.reshape(_arr([p for _, p in items]), (-1, 3)),
        rate_rpm=_arr([g.rate_rpm for g, _ in items]),
        burst_s=_arr([g.burst_s for g, _ in items]),
        dispersion_rad=_arr([g.dispersion_mrad * 1e-3 for g, _ in items]),
        bias_rad=_arr([g.bias_mrad * 1e-3 for g, _ in items]),
        muzzle_velocity_mps=_arr([g.muzzle_velocity_mps for g, _ in items]),
        range_min_m=_arr([g.range_min_m for g, _ in items]),
        range_max_m=_arr([g.range_max_m for g, _ in items]),
        elevation_min_rad=np.deg2rad(_arr([g.elevation_min_deg for g, _ in items])),
        elevation_max_rad=np.deg2rad(_arr([g.elevation_max_deg for g, _ in items])),
        slew_rate_rad_s=np.deg2rad(_arr([g.slew_rate_deg_s for g, _ in items])),
        settle_s=_arr([g.settle_s for g, _ in items]),
        magazine_rounds=_arr([g.magazine_rounds for g, _ in items], np.int64),
        reload_s=_arr([g.reload_s for g, _ in items]),
        reloads=_arr([g.reloads for g, _ in items], np.int64),
        cost_per_round_usd=_arr([g.cost_per_round_usd for g, _ in items]),
        pk_hit=_arr([g.pk_given_hit for g, _ in items]),
        airburst=_arr([g.airburst for g, _ in items], np.bool_),
        lethal_radius_m=_arr([g.lethal_radius_m for g, _ in items]),
    )


def _compile_missiles(items: list[tuple[MissileSpec, FloatArray]]) -> MissileParams:
    return MissileParams(
        ids=tuple(m.id for m, _ in items),
        pos_m=np.reshape(_arr([p for _, p in items]), (-1, 3)),
        range_min_m=_arr([m.range_min_m for m, _ in items]),
        range_max_m=_arr([m.range_max_m for m, _ in items]),
        altitude_max_m=_arr([m.altitude_max_m for m, _ in items]),
        speed_mps=_arr([m.speed_mps for m, _ in items]),
        pk=_arr([m.pk for m, _ in items]),
        pk_edge=_arr([m.pk_edge for m, _ in items]),
        falloff_start=_arr([m.falloff_start for m, _ in items]),
        reaction_s=_arr([m.reaction_s for m, _ in items]),
        channels=_arr([m.channels for m, _ in items], np.int64),
        ready_rounds=_arr([m.ready_rounds for m, _ in items], np.int64),
        reload_s=_arr([m.reload_s for m, _ in items]),
        reloads=_arr([m.reloads for m, _ in items], np.int64),
        cost_usd=_arr([m.cost_usd for m, _ in items]),
    )


def _compile_jammers(items: list[tuple[JammerSpec, FloatArray]]) -> JammerParams:
    # Scenario azimuths are compass bearings (clockwise from north); the engine uses
    # math angles (counter-clockwise from east).
    bearing = np.deg2rad(_arr([j.azimuth_deg for j, _ in items]))
    return JammerParams(
        ids=tuple(j.id for j, _ in items),
        pos_m=np.reshape(_arr([p for _, p in items]), (-1, 3)),
        eirp_w=_arr([j.eirp_w for j, _ in items]),
        azimuth_rad=np.pi / 2.0 - bearing,
        half_sector_rad=np.deg2rad(_arr([j.sector_deg for j, _ in items])) / 2.0,
        range_max_m=_arr([j.range_max_m for j, _ in items]),
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
            arrays[key] = _arr(values, np.bool_)
        else:
            arrays[key] = _arr(values, np.int64 if key in ints else np.float64)
    return DroneParams(
        class_names=tuple(rows["class_name"]),
        route_m=np.stack(routes),
        n_waypoints=_arr(n_wp, np.int64),
        target_asset=_arr(targets, np.int64),
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
