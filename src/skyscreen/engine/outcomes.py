"""The resolve and outcomes stages: shots resolve, area effects act, outcomes settle.

Each drone's outcomes in the step are ordered by their time — a kill and an arrival at
the same instant count as a kill — and arrivals detonate (damage and casualties,
:mod:`skyscreen.models.damage`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray, IntArray
from skyscreen.engine.codes import (
    CAUSE_ARRIVAL,
    CAUSE_ENDURANCE,
    DEFEATED,
    EXPENDED,
    FLYING,
    KILLED,
    LEAKED,
    NEUTRALISED,
    OUTCOMES,
)
from skyscreen.engine.events import Events
from skyscreen.engine.kinds import Layout
from skyscreen.engine.rng import Purpose, draw, stream_key
from skyscreen.engine.state import ChunkState, nothing
from skyscreen.models import damage as damage_model
from skyscreen.models import jammer as jammer_model
from skyscreen.scenario.params import ScenarioParams

__all__ = ["act", "finish", "resolve", "settle"]


def act(
    st: ChunkState, layout: Layout, t0: float, t1: float, ev: Events | None
) -> tuple[FloatArray, IntArray]:
    """Area effects of the step (jamming): each drone's soft-kill time and effector.

    Read-only (:func:`nothing`) when no drone was brought down.
    """
    t_down, by = nothing(st.status.shape)
    for pl in layout.effectors:
        if pl.n:
            got = pl.kind.act(pl, st.effectors[pl.slot], st, t0, t1, ev)
            t_down, by = _earliest(t_down, by, got)
    return t_down, by


def _earliest(
    t_best: FloatArray, by: IntArray, got: tuple[FloatArray, IntArray] | None
) -> tuple[FloatArray, IntArray]:
    """Each drone's earlier of two outcomes (time, effector); the first on ties."""
    if got is None:
        return t_best, by
    t, who = got
    earlier = t < t_best
    return np.where(earlier, t, t_best), np.where(earlier, who, by)


def resolve(
    st: ChunkState,
    p: ScenarioParams,
    layout: Layout,
    t0: float,
    t1: float,
    ev: Events | None,
) -> tuple[FloatArray, IntArray]:
    """Hard kills of the step: each drone's earliest kill time and its effector.

    Shots in the shared table due by ``t1`` are resolved first (ties: the lowest slot),
    then each kind reports the kills of its own engagements (a laser's dwell, an
    interceptor's closure); the earliest wins, the shot table on ties. Read-only
    (:func:`nothing`) when no shot resolved and no kind killed.
    """
    t_kill, k_eff = _resolve_shots(st, p, layout, t1, ev)
    for pl in layout.effectors:
        if pl.n:
            got = pl.kind.resolve(pl, st.effectors[pl.slot], st, t0, t1, ev)
            t_kill, k_eff = _earliest(t_kill, k_eff, got)
    return t_kill, k_eff


def _resolve_shots(
    st: ChunkState,
    p: ScenarioParams,
    layout: Layout,
    t1: float,
    ev: Events | None,
) -> tuple[FloatArray, IntArray]:
    """Resolve shots due by ``t1``: each drone's earliest kill time and effector."""
    n_rep, n_d = st.status.shape
    due = st.shot_active & (st.shot_t_s <= t1)
    if not due.any():
        return nothing((n_rep, n_d))
    t_kill = np.full((n_rep, n_d), np.inf)
    k_eff = np.full((n_rep, n_d), -1, dtype=np.int64)
    r, s = np.nonzero(due)
    d = st.shot_drone[r, s]
    t = st.shot_t_s[r, s]
    kill = st.shot_kill[r, s]
    st.shot_active[r, s] = False
    np.subtract.at(st.pending, (r, d), 1)
    np.maximum.at(st.assessed_s, (r, d), t + p.doctrine.assess_time_s)
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
    k_eff[kr[first], kd[first]] = layout.slots.slot_effector[ks[first]]
    if ev is not None:
        eff = layout.slots.slot_effector[s]
        alive = st.airborne()[r, d]
        miss = ~kill & alive
        ev.add(
            "miss",
            r[miss],
            t[miss],
            d[miss],
            eff[miss] + layout.n_sensors,
            st.pos_m[r[miss], d[miss]],
            ev.outcome("miss"),
        )
    return t_kill, k_eff


@njit(cache=True)
def _order_outcomes(
    status: IntArray,
    t_launch: FloatArray,
    endurance: FloatArray,
    t1: float,
    t_kill: FloatArray,
    t_arrive: FloatArray,
    t_down: FloatArray,
    t_home: FloatArray,
    out_idx: IntArray,
    out_best: FloatArray,
    out_code: IntArray,
) -> int:
    """Each airborne drone's earliest outcome in the step; kills win ties.

    Arrays are flat over (R·D) (``endurance`` is over D). For every airborne drone
    whose flight ends in the step, in flat (row-major) order, writes its flat index,
    the time of its outcome and its code into the ``out_*`` buffers; returns how
    many. The comparisons are those of the NumPy form this replaced, in the same
    order (kill, arrival, area defeat, home reached, endurance), so ties and NaNs
    fall the same way; one pass, no (R, D) temporaries.
    """
    n_d = endurance.shape[0]
    n = 0
    for j in range(status.shape[0]):
        st_j = status[j]
        if st_j != FLYING and st_j != NEUTRALISED:
            continue
        expiry = t_launch[j] + endurance[j % n_d]
        t_exp = expiry if expiry <= t1 else np.inf
        best = t_kill[j]
        code = KILLED if np.isfinite(best) else 0
        if t_arrive[j] < best:
            best = t_arrive[j]
            code = LEAKED
        if t_down[j] < best:
            best = t_down[j]
            code = DEFEATED
        if t_home[j] < best:
            best = t_home[j]
            code = DEFEATED
        if t_exp < best:
            best = t_exp
            code = EXPENDED
        if code <= 0:
            continue
        # A neutralised drone that runs out of endurance was defeated, not expended.
        if code == EXPENDED and st_j == NEUTRALISED:
            code = DEFEATED
        out_idx[n] = j
        out_best[n] = best
        out_code[n] = code
        n += 1
    return n


def settle(
    st: ChunkState,
    p: ScenarioParams,
    layout: Layout,
    t1: float,
    t_kill: FloatArray,
    k_eff: IntArray,
    t_arrive: FloatArray,
    t_home: FloatArray,
    t_down: FloatArray,
    down_by: IntArray,
    ev: Events | None,
) -> None:
    """Give each drone the earliest of its outcomes in the step; kills win ties.

    Only the airborne drones' entries of the (R, D) times are read (the move stage
    writes ``t_arrive`` and ``t_home`` for those alone).
    """
    n_flat = st.status.size
    idx = np.empty(n_flat, dtype=np.int64)
    best_all = np.empty(n_flat)
    code_all = np.empty(n_flat, dtype=np.int64)
    n = _order_outcomes(
        st.status.reshape(-1),
        st.t_launch_s.reshape(-1),
        p.drones.endurance_s,
        float(t1),
        t_kill.reshape(-1),
        t_arrive.reshape(-1),
        t_down.reshape(-1),
        t_home.reshape(-1),
        idx,
        best_all,
        code_all,
    )
    if n == 0:
        return
    n_d = st.status.shape[1]
    idx, best, code = idx[:n], best_all[:n], code_all[:n]
    r_e, d_e = idx // n_d, idx % n_d
    # Position at the moment of the outcome: back along the velocity from t1.
    back = t1 - best
    end_pos = st.pos_m[r_e, d_e] - st.vel_mps[r_e, d_e] * back[:, None]
    end_pos[:, 2] = np.maximum(end_pos[:, 2], 0.0)

    # Each outcome's drones in row-major order, as np.nonzero of its mask gave them.
    killed = code == KILLED
    if killed.any():
        r, d = r_e[killed], d_e[killed]
        eff = k_eff[r, d]
        st.cause[r, d] = layout.effector_cause[eff]
        st.effector[r, d] = eff
        np.add.at(st.eff_kills, (r, eff), 1)
        # Debris over occupied assets.
        a = p.assets
        k_pos = end_pos[killed]
        if a.n:
            dist = np.hypot(
                k_pos[:, None, 0] - a.pos_m[None, :, 0],
                k_pos[:, None, 1] - a.pos_m[None, :, 1],
            )
            over = (dist <= a.radius_m[None, :]) & (a.occupancy[None, :] > 0)
            rr, aa = np.nonzero(over)
            np.add.at(st.asset_debris, (r[rr], aa), 1)
        if ev is not None:
            ev.add(
                "kill",
                r,
                best[killed],
                d,
                eff + layout.n_sensors,
                k_pos,
                ev.outcome("kill"),
            )
    leaked = code == LEAKED
    if leaked.any():
        r, d = r_e[leaked], d_e[leaked]
        st.cause[r, d] = CAUSE_ARRIVAL
        _detonate(st, p, r, d, best[leaked], ev)
        # A leaker ends at its impact point (written by _detonate), not at a point
        # extrapolated back along its dive.
        end_pos[leaked] = st.pos_m[r, d]
    defeated = code == DEFEATED
    if defeated.any():
        r, d = r_e[defeated], d_e[defeated]
        by_area = st.cause[r, d] == 0
        ra, da = r[by_area], d[by_area]
        st.cause[ra, da] = layout.effector_cause[down_by[ra, da]]
        st.effector[ra, da] = down_by[ra, da]
        np.add.at(st.jam_defeats, (r, st.effector[r, d]), 1)
        if ev is not None:
            ev.add(
                "defeated",
                r,
                best[defeated],
                d,
                st.effector[r, d] + layout.n_sensors,
                end_pos[defeated],
            )
    expended = code == EXPENDED
    if expended.any():
        r, d = r_e[expended], d_e[expended]
        st.cause[r, d] = CAUSE_ENDURANCE
        if ev is not None:
            ev.add("expended", r, best[expended], d, -1, end_pos[expended])
    st.status[r_e, d_e] = code
    st.t_end_s[r_e, d_e] = best
    st.pos_m[r_e, d_e] = end_pos
    st.vel_mps[r_e, d_e] = 0.0


def _detonate(
    st: ChunkState,
    p: ScenarioParams,
    r_all: IntArray,
    d_all: IntArray,
    t_all: FloatArray,
    ev: Events | None,
) -> None:
    """Damage and casualties of drones detonating at their aim points, in time order.

    ``r_all, d_all`` (n,) are the leakers in row-major order, ``t_all`` their times
    of arrival.
    """
    a, dr = p.assets, p.drones
    order = np.lexsort((d_all, t_all, r_all))
    r_all, d_all, t_all = r_all[order], d_all[order], t_all[order]
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
        r, d, t_arr = r_all[sel], d_all[sel], t_all[sel]
        aim = st.route_m[r, d, dr.n_waypoints[d]]
        impact = aim[:, :2] + sigma[d, None] * st.impact_z[r, d]
        impact += _ins_drift(st, p, r, d, t_arr)
        st.miss_m[r, d] = np.hypot(impact[:, 0] - aim[:, 0], impact[:, 1] - aim[:, 1])
        st.pos_m[r, d, :2] = impact
        st.pos_m[r, d, 2] = aim[:, 2]
        if ev is not None:
            ev.add("leak", r, t_arr, d, -1, st.pos_m[r, d])
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
                t_arr[rr],
                drone,
                -1,
                st.pos_m[rep, drone],
                aa + len(OUTCOMES),
            )


def _ins_drift(
    st: ChunkState, p: ScenarioParams, r: IntArray, d: IntArray, t_arr: FloatArray
) -> FloatArray:
    """Horizontal navigation error (n, 2) of drones ``(r, d)`` detonating at ``t_arr``.

    Zero for a drone that kept its GNSS fix; otherwise ``ins_drift_mps`` × (time on
    inertial navigation) in a direction uniform on the circle, one draw per drone from
    the DAMAGE stream ``ins`` (counter: replication, drone).
    """
    out = np.zeros((len(r), 2))
    t_lost = st.t_gnss_lost_s[r, d]
    lost = np.isfinite(t_lost)
    if not lost.any():
        return out
    rl, dl = r[lost], d[lost]
    size = jammer_model.ins_drift_m(
        p.drones.ins_drift_mps[dl], t_arr[lost] - t_lost[lost]
    )
    key = stream_key(st.seed, Purpose.DAMAGE, "ins")
    angle = 2.0 * np.pi * draw(key, st.reps[rl], st.drone_key[dl], 0)
    out[lost, 0] = size * np.cos(angle)
    out[lost, 1] = size * np.sin(angle)
    return out


def finish(
    st: ChunkState, p: ScenarioParams, layout: Layout, t_end: float, ev: Events | None
) -> None:
    """End of time: neutralised drones were defeated; flying ones are airborne."""
    neut = st.status == NEUTRALISED
    if neut.any():
        r, d = np.nonzero(neut)
        st.status[neut] = DEFEATED
        st.t_end_s[neut] = t_end
        np.add.at(st.jam_defeats, (r, st.effector[r, d]), 1)
        if ev is not None:
            ev.add(
                "defeated",
                r,
                t_end,
                d,
                st.effector[r, d] + layout.n_sensors,
                st.pos_m[r, d],
            )
