"""The batched engine: ``run_chunk`` steps a chunk of replications on the time grid.

Step ``s`` covers ``(t0, t1] = (s·dt, (s+1)·dt]``. Within it, in this order:

1. drones launched in the step appear and every flying drone moves to ``t1``
   (arrivals at the aim point get their exact time within the step);
2. jammers act on rf_link drones (link loss after ``link_loss_delay_s``);
3. shots whose time of resolution falls in the step are resolved;
4. each drone's outcomes in the step are ordered by their time — a kill and an arrival
   at the same instant count as a kill — and arrivals detonate (damage, casualties);
5. radars that scan in the step detect the surviving drones;
6. reloads complete;
7. on decision steps, C2 evaluates threats and assigns free weapons (greedy MMR);
8. weapons whose fire time has come fire: gun bursts (outcome drawn from the burst's
   aim bias) and missiles (outcome drawn from Pk at the intercept range).

Outcomes are realised per replication; random numbers come from per-replication streams
(:mod:`skyscreen.engine.rng`), so a replication's result does not depend on its chunk.
A chunk stops early once every replication in it is quiet for good (no drone left to
launch or flying and no shot in the air): the skipped steps would change nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine import _reference
from skyscreen.engine._tables import Tables, make_tables
from skyscreen.engine.rng import BlockStream, Purpose, uniforms
from skyscreen.engine.state import (
    CAUSE_ARRIVAL,
    CAUSE_ENDURANCE,
    CAUSE_GUN,
    CAUSE_JAMMER,
    CAUSE_MISSILE,
    DEFEATED,
    EXPENDED,
    FLYING,
    KILLED,
    LEAKED,
    NEUTRALISED,
    PENDING,
    ChunkState,
    full,
)
from skyscreen.models import damage as damage_model
from skyscreen.models import gun as gun_model
from skyscreen.models import jammer as jammer_model
from skyscreen.models import kinematics
from skyscreen.models import missile as missile_model
from skyscreen.models import radar as radar_model
from skyscreen.scenario.compile import GUIDANCE, LINK_LOSS, ScenarioParams

__all__ = [
    "BACKENDS",
    "EVENT_KINDS",
    "OUTCOMES",
    "ChunkResult",
    "DecisionInstance",
    "backend_kernels",
    "run_chunk",
]

BACKENDS = ("numba", "numpy")
"""Kernel backends: numba-compiled loops, or their NumPy reference twins."""


def backend_kernels(backend: str | None = None) -> Any:
    """The kernel module of a backend (default: ``SKYSCREEN_BACKEND``, else numba).

    Raises
    ------
    ValueError
        If the backend is unknown.
    """
    name = backend or os.environ.get("SKYSCREEN_BACKEND") or "numba"
    if name == "numba":
        from skyscreen.engine import _numba

        return _numba
    if name == "numpy":
        return _reference
    raise ValueError(f"backend must be one of {list(BACKENDS)}; got {name!r}")


EVENT_KINDS = (
    "launch",
    "detect",
    "assign",
    "fire",
    "kill",
    "miss",
    "cancel",
    "leak",
    "damage",
    "link_lost",
    "expended",
    "defeated",
    "decision",
)
"""Event kinds recorded with ``events=True`` (codes are indices; append, never reorder)."""
OUTCOMES = (
    "",
    "kill",
    "miss",
    "target_lost",
    "out_of_envelope",
    "no_ammunition",
    "no_channel",
)
"""Event outcome codes below ``len(OUTCOMES)``; larger codes name an asset
(``code - len(OUTCOMES)``)."""

_RF = GUIDANCE.index("rf_link")
_HOVER, _RETURN, _LAND, _CRASH = (
    LINK_LOSS.index(b) for b in ("hover", "return", "land", "crash")
)
_EV = {k: i for i, k in enumerate(EVENT_KINDS)}
_OUT = {k: i for i, k in enumerate(OUTCOMES)}


@dataclass(frozen=True, slots=True, eq=False)
class DecisionInstance:
    """The weapon-target assignment a replication faces at one decision cycle.

    Minimise Σ_j values_j Π_i (1 − pk_ij)^x_ij + cost_weight Σ_ij cost_i x_ij over the
    free weapons (each fires at most once per cycle), with at most
    ``max_per_target[j]`` weapons on drone j.

    Attributes
    ----------
    replication : int
    t_s : float
        Time of the decision.
    values : ndarray of shape (D,)
        Threat value of each drone times its survival from shots already in the air
        (0 for drones C2 may not engage).
    pk : ndarray of shape (G + M, D)
        Predicted kill probabilities after envelopes and doctrine.
    free : ndarray of shape (G + M,)
        Weapons free to fire this cycle.
    max_per_target : ndarray of shape (D,)
        Weapons that may still be put on each drone.
    cost : ndarray of shape (G + M,)
        Cost of one shot of each weapon (USD).
    cost_weight : float
    """

    replication: int
    t_s: float
    values: FloatArray
    pk: FloatArray
    free: BoolArray
    max_per_target: IntArray
    cost: FloatArray
    cost_weight: float


@dataclass(frozen=True, slots=True, eq=False)
class ChunkResult:
    """Per-replication outcomes of a chunk, as arrays (R = replications in the chunk).

    Attributes
    ----------
    replications : int (R,)
    drone_status, drone_cause, drone_effector, drone_target : int (R, D)
        Final state code (terminal, or FLYING for airborne), cause, effector, target.
    drone_t_launch_s, drone_t_first_detect_s, drone_t_first_shot_s, drone_t_end_s :
        float (R, D)
    drone_end_m : float (R, D, 3)
    eff_engagements, eff_rounds, eff_missiles, eff_kills : int (R, E)
    asset_hits, asset_casualties, asset_debris : int (R, A)
    asset_damaged : bool (R, A)
    events : dict of arrays or None
        ``replication, t_s, kind, drone, ref, x_m, y_m, z_m, outcome`` (codes).
    tracks : dict of arrays or None
        ``replication, t_s, drone, x_m, y_m, z_m, status`` for recorded replications.
    n_steps_run : int
        Steps actually stepped (the rest were provably quiet).
    """

    replications: IntArray
    drone_status: IntArray
    drone_cause: IntArray
    drone_effector: IntArray
    drone_target: IntArray
    drone_t_launch_s: FloatArray
    drone_t_first_detect_s: FloatArray
    drone_t_first_shot_s: FloatArray
    drone_t_end_s: FloatArray
    drone_end_m: FloatArray
    eff_engagements: IntArray
    eff_rounds: IntArray
    eff_missiles: IntArray
    eff_kills: IntArray
    asset_hits: IntArray
    asset_damaged: BoolArray
    asset_casualties: IntArray
    asset_debris: IntArray
    events: dict[str, Any] | None
    tracks: dict[str, Any] | None
    n_steps_run: int


# --------------------------------------------------------------------------- setup


def _init_state(p: ScenarioParams, tb: Tables, reps: IntArray, seed: int) -> ChunkState:
    """Draw per-replication launch and damage randomness and build the state."""
    dr, a_ = p.drones, p.assets
    n_rep, n_d, n_a = len(reps), dr.n, a_.n
    g, m = p.guns, p.missiles

    # LAUNCH stream: per drone [launch delay, disc radius, disc angle, speed, offset,
    # target choice] — a fixed count, whether or not the scenario uses each.
    u = uniforms(seed, reps, Purpose.LAUNCH, (n_d, 6))
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

    dz = uniforms(seed, reps, Purpose.DAMAGE, (n_d, 2 + 2 * n_a))
    impact_z = special.ndtri(np.clip(dz[..., :2], 1e-12, 1.0 - 1e-12))

    heading0 = np.arctan2(
        route[:, :, 0, 1] - home[..., 1], route[:, :, 0, 0] - home[..., 0]
    )
    n_s = len(tb.slot_effector)
    n_e = len(p.effector_ids)
    return ChunkState(
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
        cause=np.zeros((n_rep, n_d), dtype=np.int8),
        effector=full((n_rep, n_d), -1, np.int64),
        target=target.astype(np.int64),
        jam_s=np.zeros((n_rep, n_d)),
        link_lost=np.zeros((n_rep, n_d), dtype=bool),
        pending=np.zeros((n_rep, n_d), dtype=np.int64),
        assessed_s=full((n_rep, n_d), -np.inf),
        impact_z=impact_z,
        damage_u=dz[..., 2 : 2 + n_a],
        casualty_u=dz[..., 2 + n_a :],
        gun_rounds=np.broadcast_to(g.magazine_rounds, (n_rep, g.n)).copy(),
        gun_reloads_left=np.broadcast_to(g.reloads, (n_rep, g.n)).copy(),
        gun_reload_done_s=full((n_rep, g.n), np.inf),
        gun_busy_s=full((n_rep, g.n), -np.inf),
        gun_az_rad=np.zeros((n_rep, g.n)),
        gun_el_rad=np.zeros((n_rep, g.n)),
        gun_target=full((n_rep, g.n), -1, np.int64),
        gun_fire_s=full((n_rep, g.n), np.inf),
        gun_engagements=np.zeros((n_rep, g.n), dtype=np.int64),
        gun_rounds_fired=np.zeros((n_rep, g.n), dtype=np.int64),
        gun_reloads_done=np.zeros((n_rep, g.n), dtype=np.int64),
        msl_ready=np.broadcast_to(m.ready_rounds, (n_rep, m.n)).copy(),
        msl_reloads_left=np.broadcast_to(m.reloads, (n_rep, m.n)).copy(),
        msl_reload_done_s=full((n_rep, m.n), np.inf),
        msl_target=full((n_rep, m.n), -1, np.int64),
        msl_launch_s=full((n_rep, m.n), np.inf),
        msl_engagements=np.zeros((n_rep, m.n), dtype=np.int64),
        msl_fired=np.zeros((n_rep, m.n), dtype=np.int64),
        msl_reloads_done=np.zeros((n_rep, m.n), dtype=np.int64),
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
    )


# --------------------------------------------------------------------------- events


class _Events:
    """Append-only event columns (only when events are requested)."""

    def __init__(self, reps: IntArray) -> None:
        self.reps = reps
        self.cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "replication",
                "t_s",
                "kind",
                "drone",
                "ref",
                "x_m",
                "y_m",
                "z_m",
                "outcome",
                "value",
                "pk",
            )
        }

    def add(
        self,
        kind: str,
        r: IntArray,
        t: Any,
        drone: Any,
        ref: Any,
        pos: FloatArray,
        outcome: Any = 0,
        value: Any = np.nan,
        pk: Any = np.nan,
    ) -> None:
        n = len(r)
        if n == 0:
            return
        c = self.cols
        c["replication"].append(self.reps[r])
        c["t_s"].append(np.broadcast_to(np.asarray(t, dtype=np.float64), (n,)))
        c["kind"].append(np.full(n, _EV[kind], dtype=np.int8))
        c["drone"].append(np.broadcast_to(np.asarray(drone, dtype=np.int64), (n,)))
        c["ref"].append(np.broadcast_to(np.asarray(ref, dtype=np.int64), (n,)))
        c["x_m"].append(pos[:, 0])
        c["y_m"].append(pos[:, 1])
        c["z_m"].append(pos[:, 2])
        c["outcome"].append(np.broadcast_to(np.asarray(outcome, dtype=np.int64), (n,)))
        c["value"].append(np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)))
        c["pk"].append(np.broadcast_to(np.asarray(pk, dtype=np.float64), (n,)))

    def result(self) -> dict[str, Any]:
        out = {}
        for k, parts in self.cols.items():
            out[k] = np.concatenate(parts) if parts else np.zeros(0)
        return out


# --------------------------------------------------------------------------- kernels


def _flat(a: Any) -> Any:
    """View an (R, D, ...) array as (R·D, ...), to index active drones by one number."""
    return a.reshape(-1, *a.shape[2:])


def _launch_and_move(
    st: ChunkState,
    p: ScenarioParams,
    t0: float,
    t1: float,
    ev: _Events | None,
    kernels: Any,
) -> FloatArray:
    """Launch due drones and move every flying one to ``t1``.

    Works on the active drones only, by flat index. Returns the arrival time (R, D) of
    drones reaching their aim point in the step (inf otherwise). Drones that arrive stay
    FLYING here; the ordering of outcomes decides what happened first.
    """
    dr = p.drones
    n_d = dr.n
    arrive = np.full(st.status.shape, np.inf)
    st.extra["home_reached_s"] = np.full(st.status.shape, np.inf)
    new = (st.status == PENDING) & (st.t_launch_s <= t1)
    if new.any():
        st.status[new] = FLYING
        if ev is not None:
            r, d = np.nonzero(new)
            ev.add("launch", r, st.t_launch_s[r, d], d, -1, st.home_m[r, d])
    status = _flat(st.status)
    k = np.flatnonzero((status == FLYING) | (status == NEUTRALISED))
    if len(k) == 0:
        return arrive
    kernels.move(
        k,
        n_d,
        float(t0),
        float(t1),
        status,
        _flat(st.t_launch_s),
        _flat(st.pos_m),
        _flat(st.vel_mps),
        _flat(st.heading_rad),
        _flat(st.speed_mps),
        _flat(st.wp_idx),
        _flat(st.route_m),
        _flat(st.home_m),
        _flat(st.diving),
        dr.n_waypoints,
        dr.on_link_loss,
        dr.dive_range_m,
        dr.bank_max_rad,
        dr.cruise_height_m,
        dr.climb_rate_mps,
        dr.dive_speed_mps,
        _flat(arrive),
        _flat(st.extra["home_reached_s"]),
    )
    return arrive


def _jam(
    st: ChunkState, p: ScenarioParams, t0: float, t1: float, ev: _Events | None
) -> tuple[FloatArray, IntArray]:
    """Jam rf_link drones; return the time of a soft kill in the step and its jammer."""
    j, dr = p.jammers, p.drones
    none = np.full(st.status.shape, np.inf), np.full(st.status.shape, -1, np.int64)
    if j.n == 0:
        return none
    exposed = (st.status == FLYING) & (dr.guidance[None, :] == _RF) & ~st.link_lost
    if not exposed.any():
        return none
    rel = st.pos_m[:, :, None, :] - j.pos_m[None, None, :, :]  # (R, D, J, 3)
    d_j = np.linalg.norm(rel, axis=-1)
    bearing = np.arctan2(rel[..., 1], rel[..., 0])
    in_sector = (
        np.abs(kinematics.wrap_angle(bearing - j.azimuth_rad)) <= j.half_sector_rad
    ) | (j.half_sector_rad >= np.pi)
    in_range = d_j <= j.range_max_m
    d_c = np.linalg.norm(st.pos_m - st.home_m, axis=-1)[..., None]
    js = jammer_model.link_js_ratio(
        j.eirp_w, dr.link_eirp_w[None, :, None], d_c, d_j
    ) * (in_sector & in_range)
    total = js.sum(axis=-1)
    above = exposed & (total >= dr.link_js_threshold[None, :])
    start = np.maximum(st.t_launch_s, t0)
    st.jam_s[...] = np.where(above, st.jam_s + (t1 - start), 0.0)
    lost = above & (st.jam_s >= dr.link_loss_delay_s[None, :])
    if not lost.any():
        return none
    who = np.argmax(js, axis=-1) + p.guns.n + p.missiles.n
    st.link_lost |= lost
    behaviour = dr.on_link_loss[None, :]
    neutral = lost & ((behaviour == _HOVER) | (behaviour == _RETURN))
    st.status[neutral] = NEUTRALISED
    st.cause[neutral] = CAUSE_JAMMER
    st.effector[neutral] = who[neutral]
    down = lost & ((behaviour == _LAND) | (behaviour == _CRASH))
    if ev is not None:
        r, d = np.nonzero(lost)
        ev.add("link_lost", r, t1, d, who[r, d] + p.radars.n, st.pos_m[r, d])
    return np.where(down, t1, np.inf), who


def _resolve_shots(
    st: ChunkState, p: ScenarioParams, tb: Tables, t1: float, ev: _Events | None
) -> tuple[FloatArray, IntArray]:
    """Resolve shots due by ``t1``; return each drone's earliest kill time and slot."""
    n_rep, n_d = st.status.shape
    t_kill = np.full((n_rep, n_d), np.inf)
    k_slot = np.full((n_rep, n_d), -1, dtype=np.int64)
    due = st.shot_active & (st.shot_t_s <= t1)
    if not due.any():
        return t_kill, k_slot
    r, s = np.nonzero(due)
    d = st.shot_drone[r, s]
    t = st.shot_t_s[r, s]
    kill = st.shot_kill[r, s]
    st.shot_active[r, s] = False
    np.subtract.at(st.pending, (r, d), 1)
    np.maximum.at(st.assessed_s, (r, d), t + p.assess_time_s)
    # Earliest killing shot per drone (ties: lowest slot, i.e. scenario order).
    order = np.lexsort((s, t))
    r, s, d, t, kill = r[order], s[order], d[order], t[order], kill[order]
    kr, ks, kd, kt = r[kill], s[kill], d[kill], t[kill]
    first = np.ones(len(kr), dtype=bool)
    if len(kr) > 1:
        key = kr * n_d + kd
        _, idx = np.unique(key, return_index=True)
        first[:] = False
        first[idx] = True
    t_kill[kr[first], kd[first]] = kt[first]
    k_slot[kr[first], kd[first]] = ks[first]
    if ev is not None:
        eff = tb.slot_effector[s]
        alive = (st.status[r, d] == FLYING) | (st.status[r, d] == NEUTRALISED)
        ev.add(
            "miss",
            r[~kill & alive],
            t[~kill & alive],
            d[~kill & alive],
            eff[~kill & alive] + p.radars.n,
            st.pos_m[r[~kill & alive], d[~kill & alive]],
            _OUT["miss"],
        )
    return t_kill, k_slot


def _settle_outcomes(
    st: ChunkState,
    p: ScenarioParams,
    tb: Tables,
    t1: float,
    t_kill: FloatArray,
    k_slot: IntArray,
    t_arrive: FloatArray,
    t_down: FloatArray,
    down_by: IntArray,
    ev: _Events | None,
) -> None:
    """Give each drone the earliest of its outcomes in the step; kills win ties."""
    dr = p.drones
    active = (st.status == FLYING) | (st.status == NEUTRALISED)
    expiry = st.t_launch_s + dr.endurance_s[None, :]
    t_home = st.extra.get("home_reached_s", np.full(st.status.shape, np.inf))
    # Most steps end nothing: leave before the full ordering below.
    if not (
        active
        & (
            np.isfinite(t_kill)
            | np.isfinite(t_arrive)
            | np.isfinite(t_down)
            | np.isfinite(t_home)
            | (expiry <= t1)
        )
    ).any():
        return
    t_exp = np.where(active & (expiry <= t1), expiry, np.inf)
    best = np.where(active, t_kill, np.inf)
    code = np.where(np.isfinite(best), KILLED, 0)
    for t_c, c in (
        (t_arrive, LEAKED),
        (t_down, DEFEATED),
        (t_home, DEFEATED),
        (t_exp, EXPENDED),
    ):
        better = active & (t_c < best)
        best = np.where(better, t_c, best)
        code = np.where(better, c, code)
    ended = code > 0
    if not ended.any():
        return
    # A neutralised drone that runs out of endurance was defeated, not expended.
    code = np.where((code == EXPENDED) & (st.status == NEUTRALISED), DEFEATED, code)
    # Position at the moment of the outcome: back along the velocity from t1.
    back = np.where(ended, t1 - best, 0.0)
    end_pos = st.pos_m - st.vel_mps * back[..., None]
    end_pos[..., 2] = np.maximum(end_pos[..., 2], 0.0)

    killed = ended & (code == KILLED)
    if killed.any():
        r, d = np.nonzero(killed)
        eff = tb.slot_effector[k_slot[r, d]]
        st.cause[r, d] = np.where(eff < p.guns.n, CAUSE_GUN, CAUSE_MISSILE)
        st.effector[r, d] = eff
        np.add.at(st.eff_kills, (r, eff), 1)
        # Debris over occupied assets.
        a = p.assets
        if a.n:
            dist = np.hypot(
                end_pos[r, d, None, 0] - a.pos_m[None, :, 0],
                end_pos[r, d, None, 1] - a.pos_m[None, :, 1],
            )
            over = (dist <= a.radius_m[None, :]) & (a.occupancy[None, :] > 0)
            rr, aa = np.nonzero(over)
            np.add.at(st.asset_debris, (r[rr], aa), 1)
        if ev is not None:
            ev.add(
                "kill", r, best[r, d], d, eff + p.radars.n, end_pos[r, d], _OUT["kill"]
            )
    leaked = ended & (code == LEAKED)
    if leaked.any():
        st.cause[leaked] = CAUSE_ARRIVAL
        _detonate(st, p, leaked, best, ev)
        # A leaker ends at its impact point (written by _detonate), not at a point
        # extrapolated back along its dive.
        end_pos[leaked] = st.pos_m[leaked]
    defeated = ended & (code == DEFEATED)
    if defeated.any():
        by_jam = defeated & (st.cause == 0)
        st.cause[by_jam] = CAUSE_JAMMER
        st.effector[by_jam] = down_by[by_jam]
        r, d = np.nonzero(defeated)
        np.add.at(st.jam_defeats, (r, st.effector[r, d]), 1)
        if ev is not None:
            ev.add(
                "defeated",
                r,
                best[r, d],
                d,
                st.effector[r, d] + p.radars.n,
                end_pos[r, d],
            )
    expended = ended & (code == EXPENDED)
    if expended.any():
        st.cause[expended] = CAUSE_ENDURANCE
        if ev is not None:
            r, d = np.nonzero(expended)
            ev.add("expended", r, best[r, d], d, -1, end_pos[r, d])
    st.status[ended] = code[ended]
    st.t_end_s[ended] = best[ended]
    st.pos_m[ended] = end_pos[ended]
    st.vel_mps[ended] = 0.0


def _detonate(
    st: ChunkState,
    p: ScenarioParams,
    leaked: BoolArray,
    t_arr: FloatArray,
    ev: _Events | None,
) -> None:
    """Damage and casualties of drones detonating at their aim points, in time order."""
    a, dr = p.assets, p.drones
    r_all, d_all = np.nonzero(leaked)
    order = np.lexsort((d_all, t_arr[r_all, d_all], r_all))
    r_all, d_all = r_all[order], d_all[order]
    # Rank of each arrival within its replication, so repeated hits on one asset in
    # one step are applied one after another.
    rank = np.zeros(len(r_all), dtype=np.int64)
    if len(r_all) > 1:
        same = np.concatenate([[False], r_all[1:] == r_all[:-1]])
        run = np.cumsum(~same) - 1
        starts = np.flatnonzero(~same)
        rank = np.arange(len(r_all)) - starts[run]
    sigma = damage_model.cep_to_sigma_m(dr.cep_m)
    for k in range(int(rank.max()) + 1 if len(rank) else 0):
        sel = rank == k
        r, d = r_all[sel], d_all[sel]
        aim = st.route_m[r, d, dr.n_waypoints[d]]
        impact = aim[:, :2] + sigma[d, None] * st.impact_z[r, d]
        st.pos_m[r, d, :2] = impact
        st.pos_m[r, d, 2] = aim[:, 2]
        if ev is not None:
            ev.add("leak", r, t_arr[r, d], d, -1, st.pos_m[r, d])
        if a.n == 0:
            continue
        dist = np.hypot(
            impact[:, None, 0] - a.pos_m[None, :, 0],
            impact[:, None, 1] - a.pos_m[None, :, 1],
        )  # (n, A)
        reach = dr.lethal_radius_m[d, None] + a.radius_m[None, :]
        hit = (dist <= reach) & (st.damage_u[r, d] < a.vulnerability[None, :])
        if not hit.any():
            continue
        rr, aa = np.nonzero(hit)
        rep, drone = r[rr], d[rr]
        st.asset_hits[rep, aa] += 1
        st.asset_damaged[rep, aa] = True
        remaining = a.occupancy[aa] - st.asset_casualties[rep, aa]
        cas = damage_model.casualties(
            st.casualty_u[rep, drone, aa], remaining, a.lethality[aa]
        ).astype(np.int64)
        st.asset_casualties[rep, aa] += cas
        if ev is not None:
            ev.add(
                "damage",
                rep,
                t_arr[rep, drone],
                drone,
                -1,
                st.pos_m[rep, drone],
                aa + len(OUTCOMES),
            )


def _detect(
    st: ChunkState,
    p: ScenarioParams,
    tb: Tables,
    t1: float,
    scanning: BoolArray,
    draws: FloatArray,
    ev: _Events | None,
    kernels: Any,
) -> None:
    """Radars scanning in this step detect drones (Swerling 0/1, horizon, limits).

    ``draws`` (R, S, D) are this scan's uniforms; only airborne drones use theirs.
    """
    rd, dr = p.radars, p.drones
    n_d = dr.n
    status = _flat(st.status)
    k = np.flatnonzero((status == FLYING) | (status == NEUTRALISED))
    if len(k) == 0:
        return
    hit = np.zeros(len(k), dtype=bool)
    sensor = np.full(len(k), -1, dtype=np.int64)
    sw1 = dr.swerling[k % n_d] == 1
    args = (
        _flat(st.pos_m),
        dr.rcs_m2,
        rd.pos_m,
        rd.range_min_m,
        rd.range_max_m,
        rd.elevation_min_rad,
        rd.elevation_max_rad,
        tb.snr_ref,
        rd.rcs_ref_m2,
        rd.range_ref_m,
        rd.pfa,
        scanning,
        draws,
    )
    if sw1.all():
        kernels.detect(k, n_d, *args, hit, sensor)
    else:
        h1, s1 = hit[sw1], sensor[sw1]
        kernels.detect(k[sw1], n_d, *args, h1, s1)
        hit[sw1], sensor[sw1] = h1, s1
        h0, s0 = _detect_swerling0(
            k[~sw1], n_d, p, tb, scanning, draws, _flat(st.pos_m)
        )
        hit[~sw1], sensor[~sw1] = h0, s0
    if not hit.any():
        return
    kh = k[hit]
    is_first = np.isnan(_flat(st.t_first_detect_s)[kh])
    first_k = kh[is_first]
    _flat(st.t_first_detect_s)[first_k] = t1
    _flat(st.t_last_detect_s)[kh] = t1
    if ev is not None and len(first_k):
        ev.add(
            "detect",
            first_k // n_d,
            t1,
            first_k % n_d,
            sensor[hit][is_first],
            _flat(st.pos_m)[first_k],
        )


def _detect_swerling0(
    k: IntArray,
    n_d: int,
    p: ScenarioParams,
    tb: Tables,
    scanning: BoolArray,
    draws: FloatArray,
    pos: FloatArray,
) -> tuple[BoolArray, IntArray]:
    """Detection of non-fluctuating (Swerling 0) drones: Marcum Q, NumPy only."""
    rd, dr = p.radars, p.drones
    r, d = k // n_d, k % n_d
    rel = pos[k][:, None, :] - rd.pos_m[None, :, :]
    ground = np.hypot(rel[..., 0], rel[..., 1])
    rng = np.maximum(np.sqrt(ground**2 + rel[..., 2] ** 2), 1e-3)
    elev = np.arctan2(rel[..., 2], ground)
    horizon = radar_model.horizon_range_m(rd.pos_m[None, :, 2], pos[k][:, None, 2])
    cover = (
        scanning[None, :]
        & (rng >= rd.range_min_m)
        & (rng <= rd.range_max_m)
        & (elev >= rd.elevation_min_rad)
        & (elev <= rd.elevation_max_rad)
        & (rng <= horizon)
    )
    snr = radar_model.snr(
        rng, dr.rcs_m2[d, None], tb.snr_ref, rd.rcs_ref_m2, rd.range_ref_m
    )
    pd = np.empty_like(snr)
    for s_ in range(rd.n):
        pd[:, s_] = radar_model.pd_swerling0(snr[:, s_], float(rd.pfa[s_]))
    det = cover & (draws[r, :, d] < pd)
    hit = np.asarray(det.any(axis=1))
    return hit, np.where(hit, np.argmax(det, axis=1), -1)


def _mid(x: Any) -> Any:
    """Broadcast a per-sensor or per-effector array over (rep, ·, drone)."""
    return np.asarray(x)[None, :, None]


def _reloads(st: ChunkState, p: ScenarioParams, t1: float) -> None:
    done = st.gun_reload_done_s <= t1
    if done.any():
        r, g = np.nonzero(done)
        st.gun_rounds[r, g] = p.guns.magazine_rounds[g]
        st.gun_reload_done_s[r, g] = np.inf
        st.gun_reloads_done[r, g] += 1
    done = st.msl_reload_done_s <= t1
    if done.any():
        r, m = np.nonzero(done)
        st.msl_ready[r, m] = p.missiles.ready_rounds[m]
        st.msl_reload_done_s[r, m] = np.inf
        st.msl_reloads_done[r, m] += 1


def _gun_geometry(
    p: ScenarioParams, pos: FloatArray, guns: Any = slice(None)
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Slant range, azimuth and elevation from guns to points: (N, G) each.

    ``pos`` is (N, 3); ``guns`` selects guns (default all).
    """
    rel = pos[:, None, :] - p.guns.pos_m[guns][None, :, :]
    ground = np.hypot(rel[..., 0], rel[..., 1])
    rng = np.sqrt(ground**2 + rel[..., 2] ** 2)
    return rng, np.arctan2(rel[..., 1], rel[..., 0]), np.arctan2(rel[..., 2], ground)


def _gun_in_envelope(
    p: ScenarioParams, rng: FloatArray, el: FloatArray, guns: Any = slice(None)
) -> BoolArray:
    """Whether (N, G) ranges and elevations lie in the selected guns' envelopes."""
    g = p.guns
    return np.asarray(
        (rng >= g.range_min_m[guns])
        & (rng <= g.range_max_m[guns])
        & (el >= g.elevation_min_rad[guns])
        & (el <= g.elevation_max_rad[guns])
    )


def _gun_pk(
    p: ScenarioParams, tb: Tables, rng: FloatArray, guns: Any, drones: Any
) -> FloatArray:
    """Predicted (bias-averaged) burst Pk by table interpolation.

    ``guns`` and ``drones`` are index arrays broadcasting against ``rng``.
    """
    x = rng / tb.pk_step_m[guns]
    i0 = np.clip(np.floor(x).astype(np.int64), 0, tb.pk_table.shape[-1] - 2)
    w = np.clip(x - i0, 0.0, 1.0)
    raid = p.drones.raid_idx[drones]
    lo = tb.pk_table[guns, raid, i0]
    hi = tb.pk_table[guns, raid, i0 + 1]
    return np.asarray(lo + w * (hi - lo))


def _missile_solution(
    p: ScenarioParams, pos: FloatArray, vel: FloatArray, delay: Any, launchers: Any
) -> tuple[FloatArray, FloatArray, BoolArray, FloatArray]:
    """Time of flight, intercept range and envelope check (N, L), intercept (N, L, 3).

    Drones at ``pos``/``vel`` (N, 3) fly on at constant velocity for ``delay`` (per
    launcher) before launch; ``launchers`` selects L launchers.
    """
    m = p.missiles
    lp = m.pos_m[launchers]  # (L, 3)
    wait = np.broadcast_to(np.asarray(delay, dtype=np.float64), (len(lp),))
    start = pos[:, None, :] + vel[:, None, :] * wait[None, :, None]  # (N, L, 3)
    v = np.broadcast_to(vel[:, None, :], start.shape)
    tau = missile_model.intercept_time_s(start - lp[None], v, m.speed_mps[launchers])
    with np.errstate(invalid="ignore"):
        ip = start + v * np.where(np.isfinite(tau), tau, 0.0)[..., None]
    rng = np.linalg.norm(ip - lp[None], axis=-1)
    ok = np.isfinite(tau) & missile_model.in_envelope(
        rng,
        ip[..., 2],
        m.range_min_m[launchers],
        m.range_max_m[launchers],
        m.altitude_max_m[launchers],
    )
    return tau, rng, ok, ip


def _missile_pk(p: ScenarioParams, rng: FloatArray, launchers: Any) -> FloatArray:
    """Single-shot Pk at intercept ranges (N, L) of the selected launchers."""
    m = p.missiles
    idx = np.arange(m.n)[launchers]
    out = np.empty_like(rng)
    for col, k in enumerate(idx):
        out[:, col] = missile_model.kill_probability(
            rng[:, col],
            float(m.pk[k]),
            float(m.range_max_m[k]),
            float(m.pk_edge[k]),
            float(m.falloff_start[k]),
        )
    return out


def _decide(
    st: ChunkState,
    p: ScenarioParams,
    tb: Tables,
    t1: float,
    ev: _Events | None,
    kernels: Any,
    on_decision: Callable[[DecisionInstance], None] | None = None,
) -> None:
    """One decision cycle: threat evaluation and greedy assignment of free weapons.

    Threats and kill probabilities are computed only for (replication, drone) pairs
    that C2 may engage, in replications that have a free weapon.
    """
    g, m, a, dr = p.guns, p.missiles, p.assets, p.drones
    n_w = g.n + m.n
    if n_w == 0:
        return
    tracked = ((st.status == FLYING) | (st.status == NEUTRALISED)) & (
        t1 - st.t_last_detect_s <= p.track_memory_s
    )
    open_ = st.pending < p.max_shooters_per_drone
    if p.shoot_look_shoot:
        open_ &= (st.pending == 0) & (st.assessed_s <= t1)
    eligible = tracked & open_
    if p.weapons_control == "tight":
        # Positive identification: until EO/IR identification exists, a drone counts
        # as identified once it has been tracked for identify_time_s.
        eligible &= t1 - st.t_first_detect_s >= p.identify_time_s
    gun_free = (
        (st.gun_target < 0)
        & (st.gun_busy_s <= t1)
        & (st.gun_rounds > 0)
        & ~np.isfinite(st.gun_reload_done_s)
    )
    in_air = np.zeros((st.n_rep, m.n), dtype=np.int64)
    for k in range(m.n):
        e = g.n + k
        s0, n = tb.slot_start[e], tb.slot_count[e]
        in_air[:, k] = st.shot_active[:, s0 : s0 + n].sum(axis=1)
    msl_free = (st.msl_target < 0) & (st.msl_ready > 0) & (in_air < m.channels[None, :])
    rows = np.flatnonzero(
        eligible.any(axis=1) & (gun_free.any(axis=1) | msl_free.any(axis=1))
    )
    if len(rows) == 0:
        return
    free = np.concatenate([gun_free, msl_free], axis=1)
    assign = np.full((len(rows), n_w), -1, dtype=np.int64)
    slew = np.zeros((len(rows), g.n))
    pk_out = np.zeros((len(rows), n_w))
    value_out = np.zeros((len(rows), n_w))
    surv_out = np.zeros(len(rows))
    w_cost = np.concatenate([tb.n_rounds * g.cost_per_round_usd, m.cost_usd])
    hold = p.self_defence_range_m if p.weapons_control == "hold" else np.inf
    reserve_low = st.msl_ready <= p.missile_reserve_rounds
    doctrine_args = (
        float(p.min_shot_pk),
        float(hold),
        float(p.missile_min_time_to_go_s),
        reserve_low,
        float(p.reserve_min_value_usd),
    )
    geometry_args = (
        st.gun_az_rad,
        st.gun_el_rad,
        dr.lethal_radius_m,
        dr.raid_idx,
        a.pos_m,
        a.radius_m,
        a.value_usd,
        float(p.danger_margin_m),
        float(p.urgency_tau_s),
        g.pos_m,
        g.slew_rate_rad_s,
        g.settle_s,
        g.range_min_m,
        g.range_max_m,
        g.elevation_min_rad,
        g.elevation_max_rad,
        tb.pk_table,
        tb.pk_step_m,
        m.pos_m,
        m.speed_mps,
        m.reaction_s,
        m.range_min_m,
        m.range_max_m,
        m.altitude_max_m,
        m.pk,
        m.pk_edge,
        m.falloff_start,
    )
    if on_decision is not None or p.wta_method != "greedy":
        values, pk, slews, surv = _reference.evaluate(
            rows,
            eligible,
            st.pos_m,
            st.vel_mps,
            st.shot_active,
            st.shot_drone,
            st.shot_pk,
            *geometry_args,
            *doctrine_args,
        )
        free_rows = free[rows]
        open_slots = np.maximum(p.max_shooters_per_drone - st.pending[rows], 0)
        if on_decision is not None:
            # Observed only: the cycle is solved below exactly as without the hook.
            for i, r in enumerate(rows):
                on_decision(
                    DecisionInstance(
                        replication=int(st.extra["reps"][r]),
                        t_s=t1,
                        values=values[i] * surv[i],
                        pk=pk[i],
                        free=free_rows[i],
                        max_per_target=open_slots[i],
                        cost=w_cost,
                        cost_weight=float(p.cost_weight),
                    )
                )
    if p.wta_method == "greedy":
        kernels.assign(
            rows,
            eligible,
            st.pos_m,
            st.vel_mps,
            st.pending,
            st.shot_active,
            st.shot_drone,
            st.shot_pk,
            free,
            *geometry_args,
            int(p.max_shooters_per_drone),
            w_cost,
            float(p.cost_weight),
            *doctrine_args,
            assign,
            slew,
            pk_out,
            value_out,
            surv_out,
        )
    else:
        _solve_rows(
            p,
            values,
            pk,
            slews,
            surv,
            free_rows,
            open_slots,
            w_cost,
            assign,
            slew,
            pk_out,
            value_out,
            surv_out,
        )
    if ev is not None:
        # Decision log: the expected surviving threat value after this cycle's
        # assignment, per replication that decided (assign events carry each Pk).
        ev.add(
            "decision", rows, t1, -1, -1, np.zeros((len(rows), 3)), 0, value=surv_out
        )
    for w in range(n_w):
        sel = assign[:, w] >= 0
        if not sel.any():
            continue
        a_loc = np.flatnonzero(sel)
        ra = rows[a_loc]
        da = assign[a_loc, w]
        st.pending[ra, da] += 1
        if w < g.n:
            st.gun_target[ra, w] = da
            st.gun_fire_s[ra, w] = t1 + slew[a_loc, w]
            st.gun_busy_s[ra, w] = np.inf
            st.gun_engagements[ra, w] += 1
        else:
            k = w - g.n
            st.msl_target[ra, k] = da
            st.msl_launch_s[ra, k] = t1 + m.reaction_s[k]
            st.msl_engagements[ra, k] += 1
        if ev is not None:
            ev.add(
                "assign",
                ra,
                t1,
                da,
                w + p.radars.n,
                st.pos_m[ra, da],
                value=value_out[a_loc, w],
                pk=pk_out[a_loc, w],
            )


def _solve_rows(
    p: ScenarioParams,
    values: FloatArray,
    pk: FloatArray,
    slews: FloatArray,
    surv: FloatArray,
    free: BoolArray,
    open_slots: IntArray,
    w_cost: FloatArray,
    out_target: IntArray,
    out_slew: FloatArray,
    out_pk: FloatArray,
    out_value: FloatArray,
    out_surv: FloatArray,
) -> None:
    """Solve each row's instance with ``p.wta_method`` (see :mod:`skyscreen.c2.wta`)."""
    from skyscreen.c2.assignment import solve_assignment

    n_g = slews.shape[1]
    out_target[:] = -1
    for i in range(len(values)):
        eff = values[i] * surv[i]
        target = solve_assignment(
            eff,
            pk[i],
            free[i],
            open_slots[i],
            w_cost,
            p.cost_weight,
            p.wta_method,
            p.wta_max_iter,
        )
        out_target[i] = target
        s = surv[i].copy()
        for w, d in enumerate(target):
            if d >= 0:
                out_pk[i, w] = pk[i, w, d]
                out_value[i, w] = values[i, d]
                s[d] *= 1.0 - pk[i, w, d]
                if w < n_g:
                    out_slew[i, w] = slews[i, w, d]
        out_surv[i] = float(np.sum(values[i] * s))


def _free_slot(st: ChunkState, tb: Tables, e: int, r: IntArray) -> IntArray:
    s0, n = tb.slot_start[e], tb.slot_count[e]
    block = st.shot_active[r, s0 : s0 + n]
    slot = np.argmin(block, axis=1)
    if block[np.arange(len(r)), slot].any():  # pragma: no cover - sized to never happen
        raise RuntimeError(f"no free shot slot for effector {e}")
    return np.asarray(s0 + slot)


def _cancel(
    st: ChunkState,
    p: ScenarioParams,
    ev: _Events | None,
    t1: float,
    r: IntArray,
    d: IntArray,
    bad: BoolArray,
    effector: int,
    reasons: list[tuple[BoolArray, str]],
    otherwise: str,
) -> None:
    """Drop shots that cannot be fired; log the first reason that applies."""
    st.pending[r[bad], d[bad]] -= 1
    if ev is not None:
        why = np.select(
            [c for c, _ in reasons], [_OUT[n] for _, n in reasons], _OUT[otherwise]
        )
        ev.add(
            "cancel",
            r[bad],
            t1,
            d[bad],
            effector + p.radars.n,
            st.pos_m[r[bad], d[bad]],
            why[bad],
        )


def _fire(
    st: ChunkState,
    p: ScenarioParams,
    tb: Tables,
    t1: float,
    gun_u: FloatArray,
    msl_u: FloatArray,
    ev: _Events | None,
) -> None:
    """Fire gun bursts and launch missiles whose time has come."""
    g, m, dr = p.guns, p.missiles, p.drones
    alive = (st.status == FLYING) | (st.status == NEUTRALISED)
    for k in range(g.n):
        r = np.flatnonzero((st.gun_target[:, k] >= 0) & (st.gun_fire_s[:, k] <= t1))
        if len(r) == 0:
            continue
        d = st.gun_target[r, k]
        rng2, az2, el2 = _gun_geometry(p, st.pos_m[r, d], [k])
        rng, el = rng2[:, 0], el2[:, 0]
        ok_env = _gun_in_envelope(p, rng2, el2, [k])[:, 0]
        ok = alive[r, d] & ok_env & (st.gun_rounds[r, k] > 0)
        st.gun_target[r, k] = -1
        st.gun_fire_s[r, k] = np.inf
        st.gun_az_rad[r, k] = az2[:, 0]
        st.gun_el_rad[r, k] = el
        bad = ~ok
        if bad.any():
            st.gun_busy_s[r[bad], k] = t1
            _cancel(
                st,
                p,
                ev,
                t1,
                r,
                d,
                bad,
                k,
                [(~alive[r, d], "target_lost"), (~ok_env, "out_of_envelope")],
                "no_ammunition",
            )
        r, d, rng = r[ok], d[ok], rng[ok]
        if len(r) == 0:
            continue
        n = np.minimum(tb.n_rounds[k], st.gun_rounds[r, k])
        st.gun_rounds[r, k] -= n
        st.gun_rounds_fired[r, k] += n
        st.gun_busy_s[r, k] = t1 + g.burst_s[k]
        u = gun_u[r, k]
        zb = special.ndtri(np.clip(u[:, :2], 1e-12, 1.0 - 1e-12))
        bias = g.bias_rad[k] * rng * np.hypot(zb[:, 0], zb[:, 1])
        p_kill = gun_model.burst_kill_given_bias(
            tb.hit_radius_m[k, dr.raid_idx[d]],
            g.dispersion_rad[k] * rng,
            bias,
            n,
            g.pk_hit[k],
        )
        empty = st.gun_rounds[r, k] == 0
        reload = empty & (st.gun_reloads_left[r, k] > 0)
        st.gun_reloads_left[r[reload], k] -= 1
        st.gun_reload_done_s[r[reload], k] = t1 + g.reload_s[k]
        tof = gun_model.time_of_flight_s(rng, g.muzzle_velocity_mps[k])
        _launch_shot(
            st,
            tb,
            k,
            r,
            d,
            t1 + tof,
            u[:, 2] < p_kill,
            _gun_pk(p, tb, rng, k, d),
            t1,
        )
        if ev is not None:
            ev.add("fire", r, t1, d, k + p.radars.n, st.pos_m[r, d], n)
    for k in range(m.n):
        r = np.flatnonzero((st.msl_target[:, k] >= 0) & (st.msl_launch_s[:, k] <= t1))
        if len(r) == 0:
            continue
        d = st.msl_target[r, k]
        e = g.n + k
        s0, n_ch = tb.slot_start[e], tb.slot_count[e]
        in_air = st.shot_active[r, s0 : s0 + n_ch].sum(axis=1)
        tau2, rng2, ok2, ip2 = _missile_solution(
            p, st.pos_m[r, d], st.vel_mps[r, d], 0.0, [k]
        )
        tau, rng, ok_env = tau2[:, 0], rng2[:, 0], ok2[:, 0]
        ok = alive[r, d] & ok_env & (st.msl_ready[r, k] > 0) & (in_air < n_ch)
        st.msl_target[r, k] = -1
        st.msl_launch_s[r, k] = np.inf
        bad = ~ok
        if bad.any():
            _cancel(
                st,
                p,
                ev,
                t1,
                r,
                d,
                bad,
                e,
                [
                    (~alive[r, d], "target_lost"),
                    (~ok_env, "out_of_envelope"),
                    (st.msl_ready[r, k] <= 0, "no_ammunition"),
                ],
                "no_channel",
            )
        r, d, rng, tau, ip = r[ok], d[ok], rng[ok], tau[ok], ip2[ok, 0]
        if len(r) == 0:
            continue
        st.msl_ready[r, k] -= 1
        st.msl_fired[r, k] += 1
        pk = _missile_pk(p, rng[:, None], [k])[:, 0]
        empty = st.msl_ready[r, k] == 0
        reload = empty & (st.msl_reloads_left[r, k] > 0)
        st.msl_reloads_left[r[reload], k] -= 1
        st.msl_reload_done_s[r[reload], k] = t1 + m.reload_s[k]
        _launch_shot(st, tb, e, r, d, t1 + tau, msl_u[r, k] < pk, pk, t1)
        if ev is not None:
            # A missile's fire event is placed at its predicted intercept point.
            ev.add("fire", r, t1, d, e + p.radars.n, ip, 1)


def _launch_shot(
    st: ChunkState,
    tb: Tables,
    e: int,
    r: IntArray,
    d: IntArray,
    t_res: FloatArray,
    kill: BoolArray,
    pk: FloatArray,
    t1: float,
) -> None:
    slot = _free_slot(st, tb, e, r)
    st.shot_active[r, slot] = True
    st.shot_drone[r, slot] = d
    st.shot_t_s[r, slot] = t_res
    st.shot_kill[r, slot] = kill
    st.shot_pk[r, slot] = pk
    st.t_first_shot_s[r, d] = np.fmin(st.t_first_shot_s[r, d], t1)


# --------------------------------------------------------------------------- driver


def _ticks(period: float, t0: float, t1: float) -> bool:
    """Whether a periodic event at k·period (k >= 1) falls in (t0, t1]."""
    return int(np.floor(t1 / period + 1e-9)) > int(np.floor(t0 / period + 1e-9))


def run_chunk(
    params: ScenarioParams,
    replications: IntArray,
    seed: int,
    *,
    events: bool = False,
    record: int = 0,
    tables: Tables | None = None,
    backend: str | None = None,
    on_step: Callable[[float], None] | None = None,
    on_decision: Callable[[DecisionInstance], None] | None = None,
) -> ChunkResult:
    """Simulate a chunk of replications.

    Parameters
    ----------
    params : ScenarioParams
        The compiled scenario.
    replications : array of int
        Replication ids (>= 0) in this chunk; results depend only on each id and the
        seed, never on the chunk.
    seed : int
        Root seed of the run.
    events : bool
        Record the event log.
    record : int
        Record trajectories of replications with id < ``record``.
    tables : Tables, optional
        Precomputed :func:`~skyscreen.engine._tables.make_tables` (saves time when many
        chunks share a scenario).
    backend : {"numba", "numpy"}, optional
        Hot kernels compiled with numba (default when available) or their NumPy
        reference twins; default from the ``SKYSCREEN_BACKEND`` environment variable.
        Both follow the same model; they may differ in the last bit of floating point,
        so compare runs made with the same backend.
    on_step : callable, optional
        Called every 64 steps with the fraction of the time grid stepped (progress
        reporting; it must not touch the state).
    on_decision : callable, optional
        Called with the :class:`DecisionInstance` of every replication at every
        decision cycle, before it is solved (to export or study the instances).

    Returns
    -------
    ChunkResult

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> from skyscreen.scenario.compile import compile_scenario
    >>> p = compile_scenario(load_scenario(example_path("quickstart")))
    >>> res = run_chunk(p, np.arange(3), seed=1)
    >>> res.drone_status.shape
    (3, 4)
    """
    reps = np.asarray(replications, dtype=np.int64)
    kernels = backend_kernels(backend)
    tb = make_tables(params) if tables is None else tables
    p = params
    st = _init_state(p, tb, reps, seed)
    st.extra["reps"] = reps
    ev = _Events(reps) if events else None
    rec_rows = np.flatnonzero(reps < record)
    tracks: dict[str, list[Any]] | None = (
        {k: [] for k in ("replication", "t_s", "drone", "x_m", "y_m", "z_m", "status")}
        if len(rec_rows)
        else None
    )
    gun_stream = BlockStream(seed, reps, Purpose.GUN, (p.guns.n, 3))
    msl_stream = BlockStream(seed, reps, Purpose.MISSILE, (p.missiles.n,))
    det_stream = BlockStream(
        seed, reps, Purpose.DETECTION, (p.radars.n, p.drones.n), contiguous=True
    )
    dt = p.dt_s
    scan_count = 0
    steps_run = 0
    for s in range(p.n_steps):
        t0, t1 = s * dt, min((s + 1) * dt, p.duration_s)
        scanning = np.array(
            [_ticks(T, t0, t1) for T in p.radars.scan_period_s], dtype=bool
        )
        scan_idx = scan_count
        scan_count += bool(scanning.any())
        # Quiet for good: no drone left to launch or flying and nothing in the air in
        # any replication. Quiet for now: the same, but drones still to launch after
        # this step. Either way the skipped steps would change nothing, and per-step
        # draws are indexed by step, so no stream shifts.
        live = (st.status == FLYING) | (st.status == NEUTRALISED)
        engaged = (st.gun_target >= 0).any() or (st.msl_target >= 0).any()
        if not live.any() and not st.shot_active.any() and not engaged:
            waiting = st.status == PENDING
            if not waiting.any():
                break
            if t1 < float(st.t_launch_s[waiting].min()):
                continue
        steps_run += 1
        if on_step is not None and s % 64 == 0:
            on_step(s / p.n_steps)
        t_arrive = _launch_and_move(st, p, t0, t1, ev, kernels)
        t_down, down_by = _jam(st, p, t0, t1, ev)
        t_kill, k_slot = _resolve_shots(st, p, tb, t1, ev)
        _settle_outcomes(st, p, tb, t1, t_kill, k_slot, t_arrive, t_down, down_by, ev)
        if scanning.any():
            _detect(st, p, tb, t1, scanning, det_stream(scan_idx), ev, kernels)
        _reloads(st, p, t1)
        if _ticks(p.decision_period_s, t0, t1):
            _decide(st, p, tb, t1, ev, kernels, on_decision)
        _fire(st, p, tb, t1, gun_stream(s), msl_stream(s), ev)
        if tracks is not None:
            # Rows for drones airborne at t1 or ended in this step: decided per
            # replication, so the table does not depend on which steps the chunk ran.
            sub = st.status[rec_rows]
            ended = (st.t_end_s[rec_rows] > t0) & (st.t_end_s[rec_rows] <= t1)
            rr, dd = np.nonzero((sub == FLYING) | (sub == NEUTRALISED) | ended)
            pr = st.pos_m[rec_rows[rr], dd]
            tracks["replication"].append(reps[rec_rows[rr]])
            tracks["t_s"].append(np.full(len(rr), t1))
            tracks["drone"].append(dd)
            tracks["x_m"].append(pr[:, 0])
            tracks["y_m"].append(pr[:, 1])
            tracks["z_m"].append(pr[:, 2])
            tracks["status"].append(sub[rr, dd])

    # End of time: neutralised drones were defeated; flying ones are airborne.
    t_end = min(p.n_steps * dt, p.duration_s)
    neut = st.status == NEUTRALISED
    if neut.any():
        r, d = np.nonzero(neut)
        st.status[neut] = DEFEATED
        st.t_end_s[neut] = t_end
        np.add.at(st.jam_defeats, (r, st.effector[r, d]), 1)
        if ev is not None:
            ev.add(
                "defeated", r, t_end, d, st.effector[r, d] + p.radars.n, st.pos_m[r, d]
            )
    still = st.status == PENDING  # launch after the end (validated against, defensive)
    st.status[still] = FLYING

    g_n, m_n = p.guns.n, p.missiles.n
    n_e = len(p.effector_ids)
    zeros_j = np.zeros((len(reps), p.jammers.n), dtype=np.int64)
    eff_eng = np.concatenate([st.gun_engagements, st.msl_engagements, zeros_j], axis=1)
    eff_rounds = np.concatenate(
        [st.gun_rounds_fired, np.zeros((len(reps), m_n + p.jammers.n), np.int64)],
        axis=1,
    )
    eff_msl = np.concatenate(
        [np.zeros((len(reps), g_n), np.int64), st.msl_fired, zeros_j], axis=1
    )
    kills = st.eff_kills.copy()
    kills[:, g_n + m_n :] = st.jam_defeats[:, g_n + m_n :]
    assert eff_eng.shape[1] == n_e
    return ChunkResult(
        replications=reps,
        drone_status=st.status.astype(np.int8),
        drone_cause=st.cause.astype(np.int8),
        drone_effector=st.effector,
        drone_target=st.target,
        drone_t_launch_s=st.t_launch_s,
        drone_t_first_detect_s=st.t_first_detect_s,
        drone_t_first_shot_s=st.t_first_shot_s,
        drone_t_end_s=st.t_end_s,
        drone_end_m=st.pos_m,
        eff_engagements=eff_eng,
        eff_rounds=eff_rounds,
        eff_missiles=eff_msl,
        eff_kills=kills,
        asset_hits=st.asset_hits,
        asset_damaged=st.asset_damaged,
        asset_casualties=st.asset_casualties,
        asset_debris=st.asset_debris,
        events=ev.result() if ev is not None else None,
        tracks=(
            {k: np.concatenate(v) for k, v in tracks.items()}
            if tracks is not None and tracks["t_s"]
            else None
        ),
        n_steps_run=steps_run,
    )
