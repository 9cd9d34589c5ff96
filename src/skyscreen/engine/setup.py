"""A chunk's initial state: launch and damage randomness drawn, every buffer made."""

from __future__ import annotations

import numpy as np
from scipy import special

from skyscreen._typing import IntArray
from skyscreen.engine.codes import PENDING
from skyscreen.engine.kinds import Layout
from skyscreen.engine.rng import Purpose, drone_keys, drone_uniforms, stream_key
from skyscreen.engine.state import ChunkState, full
from skyscreen.scenario.params import ScenarioParams

__all__ = ["init_state"]


def init_state(
    p: ScenarioParams, layout: Layout, reps: IntArray, seed: int
) -> ChunkState:
    """Draw per-replication launch and damage randomness and build the state."""
    dr, a_ = p.drones, p.assets
    n_rep, n_d, n_a = len(reps), dr.n, a_.n

    # LAUNCH stream: per drone [launch delay, disc radius, disc angle, speed, offset,
    # target choice], whether or not the scenario uses each.
    dkey = drone_keys(p.raid_ids, dr.raid_idx, dr.index_in_raid)
    u = drone_uniforms(stream_key(seed, Purpose.LAUNCH), reps, dkey, 6)
    t_launch = dr.t_launch_s + u[..., 0] * dr.launch_jitter_s
    rad = dr.launch_radius_m * np.sqrt(u[..., 1])
    ang = 2.0 * np.pi * u[..., 2]
    home = np.broadcast_to(dr.launch_pos_m, (n_rep, n_d, 3)).copy()
    home[..., 0] += rad * np.cos(ang)
    home[..., 1] += rad * np.sin(ang)
    z_speed = special.ndtri(np.clip(u[..., 3], 1e-12, 1.0 - 1e-12))
    speed = dr.speed_mps * np.maximum(1.0 + dr.speed_jitter * z_speed, 0.2)
    z_off = special.ndtri(np.clip(u[..., 4], 1e-12, 1.0 - 1e-12))
    offset = dr.route_offset_m * z_off

    # Target choice: fixed, or inverse CDF over value weights.
    cdf = np.cumsum(dr.target_weight, axis=1)  # (D, A)
    drawn = (u[..., 5][..., None] >= cdf[None, :, :]).sum(axis=-1)
    drawn = np.minimum(drawn, max(n_a - 1, 0))
    target = np.where(dr.target_asset[None, :] >= 0, dr.target_asset[None, :], drawn)

    # Route: waypoints shifted laterally (perpendicular to launch -> aim), then the aim.
    n_l = dr.route_m.shape[1] + 1
    route = np.empty((n_rep, n_d, n_l, 3))
    route[:, :, :-1, :] = dr.route_m[None]
    aim = a_.pos_m[target]  # (R, D, 3)
    axis = aim[..., :2] - home[..., :2]
    axis /= np.maximum(np.linalg.norm(axis, axis=-1, keepdims=True), 1e-9)
    normal = np.stack([-axis[..., 1], axis[..., 0]], axis=-1)
    route[:, :, :-1, :2] += (offset[..., None] * normal)[:, :, None, :]
    idx_aim = dr.n_waypoints  # (D,)
    rr, dd = np.meshgrid(np.arange(n_rep), np.arange(n_d), indexing="ij")
    route[rr, dd, idx_aim[None, :]] = aim
    # Fill padding beyond the aim point with the aim (never visited).
    for k in range(n_l):
        beyond = k > idx_aim
        if beyond.any():
            route[:, beyond, k] = aim[:, beyond]

    # DAMAGE streams: the impact scatter of each drone, and per asset (by its id) the
    # damage and casualty draws of each drone against it.
    dz = drone_uniforms(stream_key(seed, Purpose.DAMAGE, "impact"), reps, dkey, 2)
    impact_z = special.ndtri(np.clip(dz, 1e-12, 1.0 - 1e-12))
    damage_u = np.empty((n_rep, n_d, n_a))
    casualty_u = np.empty((n_rep, n_d, n_a))
    for a, aid in enumerate(a_.ids):
        key = stream_key(seed, Purpose.DAMAGE, f"asset:{aid}")
        da = drone_uniforms(key, reps, dkey, 2)
        damage_u[:, :, a] = da[..., 0]
        casualty_u[:, :, a] = da[..., 1]

    heading0 = np.arctan2(
        route[:, :, 0, 1] - home[..., 1], route[:, :, 0, 0] - home[..., 0]
    )
    n_s = layout.slots.n
    n_e = layout.n_effectors
    return ChunkState(
        reps=reps,
        seed=int(seed),
        drone_key=dkey,
        status=full((n_rep, n_d), PENDING, np.int8),
        pos_m=home.copy(),
        vel_mps=np.zeros((n_rep, n_d, 3)),
        heading_rad=heading0,
        speed_mps=speed,
        route_m=route,
        wp_idx=np.zeros((n_rep, n_d), dtype=np.int64),
        diving=np.zeros((n_rep, n_d), dtype=bool),
        home_m=home,
        t_launch_s=t_launch,
        t_end_s=full((n_rep, n_d), np.nan),
        t_first_detect_s=full((n_rep, n_d), np.nan),
        t_last_detect_s=full((n_rep, n_d), -np.inf),
        t_first_shot_s=full((n_rep, n_d), np.nan),
        t_identified_s=full((n_rep, n_d), np.nan),
        id_sensor=full((n_rep, n_d), -1, np.int64),
        cause=np.zeros((n_rep, n_d), dtype=np.int8),
        effector=full((n_rep, n_d), -1, np.int64),
        target=target.astype(np.int64),
        jam_s=np.zeros((n_rep, n_d)),
        link_lost=np.zeros((n_rep, n_d), dtype=bool),
        t_gnss_lost_s=full((n_rep, n_d), np.nan),
        miss_m=full((n_rep, n_d), np.nan),
        pending=np.zeros((n_rep, n_d), dtype=np.int64),
        assessed_s=full((n_rep, n_d), -np.inf),
        impact_z=impact_z,
        damage_u=damage_u,
        casualty_u=casualty_u,
        shot_active=np.zeros((n_rep, n_s), dtype=bool),
        shot_drone=np.zeros((n_rep, n_s), dtype=np.int64),
        shot_t_s=full((n_rep, n_s), np.inf),
        shot_kill=np.zeros((n_rep, n_s), dtype=bool),
        shot_pk=np.zeros((n_rep, n_s)),
        eff_kills=np.zeros((n_rep, n_e), dtype=np.int64),
        jam_defeats=np.zeros((n_rep, n_e), dtype=np.int64),
        asset_hits=np.zeros((n_rep, n_a), dtype=np.int64),
        asset_damaged=np.zeros((n_rep, n_a), dtype=bool),
        asset_casualties=np.zeros((n_rep, n_a), dtype=np.int64),
        asset_debris=np.zeros((n_rep, n_a), dtype=np.int64),
        sensors=tuple(pl.kind.init(pl, n_rep, seed) for pl in layout.sensors),
        effectors=tuple(pl.kind.init(pl, n_rep, seed) for pl in layout.effectors),
    )
