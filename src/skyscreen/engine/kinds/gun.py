"""Guns: bursts at the predicted position after slewing, magazines and reloads.

A burst's outcome is drawn from its own aim bias (models/gun.py); fire control predicts
its kill probability from a table averaged over the bias.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import (
    DecideContext,
    EffectorBase,
    Placed,
    SparsePk,
    StageContext,
    StagePk,
    complete_reloads,
    count_below,
    east_window,
    lead_span,
    leads_ordered,
    log_fire_by_unit,
    pointing_envelope,
    slant_geometry,
    sparse_pk,
    stage_pk,
    stage_window,
    start_reloads,
)
from skyscreen.engine.rng import Purpose, draw, stream_keys
from skyscreen.engine.shots import ShotSlots, launch_shot
from skyscreen.engine.state import ChunkState, full
from skyscreen.models import gun as gun_model
from skyscreen.scenario.kinds import GunParams

__all__ = ["GUN", "GunKind", "GunState"]

_PURPOSE = int(Purpose.GUN)


@dataclass(slots=True, eq=False)
class GunState:
    """Guns' state, each array (R, G).

    Attributes
    ----------
    rounds, reloads_left : int
        Rounds in the magazine; reloads not yet started.
    reload_done_s, busy_s : float
        When the reload in progress ends (inf: none); when the gun is free again.
    az_rad, el_rad : float
        Where the gun points.
    target : int
        Drone engaged (-1: none), to be fired at ``fire_s`` once laid.
    engagements, rounds_fired, reloads_done : int
        Counters.
    keys : int (G, 2)
        Each gun's random stream key.
    stage_rate : list of one float
        Shots per row of the last ``evaluate_stages`` (its buffers' first size).
    pk_reach : dict
        Per minimum shot Pk, :func:`_pk_reach`'s (G, raids) ranges, computed once.
    """

    rounds: IntArray
    reloads_left: IntArray
    reload_done_s: FloatArray
    busy_s: FloatArray
    az_rad: FloatArray
    el_rad: FloatArray
    target: IntArray
    fire_s: FloatArray
    engagements: IntArray
    rounds_fired: IntArray
    reloads_done: IntArray
    keys: IntArray
    stage_rate: list[float] = field(default_factory=lambda: [0.0])
    pk_reach: dict[float, FloatArray] = field(default_factory=dict)


class GunKernelParams(NamedTuple):
    """The guns' constants a compiled kernel reads (arrays over G)."""

    pos_m: FloatArray
    slew_rate_rad_s: FloatArray
    settle_s: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    pk_table: FloatArray
    pk_step_m: FloatArray


@njit(cache=True)
def _longest_slews(g: GunKernelParams) -> FloatArray:
    """Each gun's longest slew, pi / slew rate + settle (s), for the cheap exits."""
    out = np.empty(g.pos_m.shape[0])
    for k in range(out.shape[0]):
        out[k] = math.pi / g.slew_rate_rad_s[k] + g.settle_s[k]
    return out


@njit(cache=True)
def _pk_reach(pk_table: FloatArray, pk_step: FloatArray, min_pk: float) -> FloatArray:
    """Per (gun, raid) a range beyond which the table's Pk is below ``min_pk`` or 0.

    A segment of the table is dead when both its ends are zero, or both below
    ``min_pk`` by a relative margin far above the interpolation's round-off (the
    interpolation never exceeds the larger end by more than that); the range returned
    is the end of the last live segment plus a metre, inf when the last segment of the
    table lives (ranges beyond the table take its last value). Tables hold
    probabilities, >= 0.
    """
    n_g, n_q, n_tab = pk_table.shape
    out = np.empty((n_g, n_q))
    for k in range(n_g):
        for q in range(n_q):
            last = -1
            for i in range(n_tab - 2, -1, -1):
                top = max(pk_table[k, q, i], pk_table[k, q, i + 1])
                if top > 0.0 and top * (1.0 + 1e-9) >= min_pk:
                    last = i
                    break
            if last == n_tab - 2:
                out[k, q] = np.inf
            else:
                out[k, q] = (last + 1) * pk_step[k] * (1.0 + 1e-9) + 1.0
    return out


@njit(cache=True)
def _evaluate(
    rows: IntArray,
    eligible: BoolArray,
    free: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    raid_idx: IntArray,
    gun_az: FloatArray,
    gun_el: FloatArray,
    g: GunKernelParams,
    min_pk: float,
    hold_range: float,
    out_pk: FloatArray,
    out_slew: FloatArray,
) -> None:
    """Predicted burst Pk and slew time of every (row, gun, drone) (B, G, D).

    0 for guns not free in the row (``free``: (R, G)), which cannot be assigned.
    """
    n_d = eligible.shape[1]
    n_g = g.pos_m.shape[0]
    longest = _longest_slews(g)
    holding = hold_range < np.inf
    for b in range(rows.shape[0]):
        r = rows[b]
        for d in range(n_d):
            for k in range(n_g):
                out_pk[b, k, d] = 0.0
                out_slew[b, k, d] = 0.0
            if not eligible[r, d]:
                continue
            px, py, pz = pos[r, d, 0], pos[r, d, 1], pos[r, d, 2]
            vx, vy, vz = vel[r, d, 0], vel[r, d, 1], vel[r, d, 2]
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            for k in range(n_g):
                if not free[r, k]:
                    continue
                gx, gy, gz = g.pos_m[k, 0], g.pos_m[k, 1], g.pos_m[k, 2]
                rx, ry, rz = px - gx, py - gy, pz - gz
                # Cheap exit: out of reach even after the longest slew (the drone
                # closes at most speed x (pi / slew rate + settle)). Skips only pairs
                # whose Pk is 0, so the result is unchanged.
                reach = g.range_max_m[k] + speed * longest[k]
                r2 = rx * rx + ry * ry + rz * rz
                if r2 > reach * reach or (holding and math.sqrt(r2) > hold_range):
                    continue
                az0 = math.atan2(ry, rx)
                el0 = math.atan2(rz, math.hypot(rx, ry))
                s_t = gun_model.slew_time_s(
                    az0 - gun_az[r, k],
                    el0 - gun_el[r, k],
                    g.slew_rate_rad_s[k],
                    g.settle_s[k],
                )
                out_slew[b, k, d] = s_t
                ax = px + vx * s_t - gx
                ay = py + vy * s_t - gy
                az = pz + vz * s_t - gz
                ground = math.hypot(ax, ay)
                rng = math.sqrt(ground * ground + az * az)
                # in_envelope tests the range first: no arctangent out of range.
                if rng < g.range_min_m[k] or rng > g.range_max_m[k]:
                    continue
                el = math.atan2(az, ground)
                if not gun_model.in_envelope(
                    rng,
                    el,
                    g.range_min_m[k],
                    g.range_max_m[k],
                    g.elevation_min_rad[k],
                    g.elevation_max_rad[k],
                ):
                    continue
                pk = gun_model.pk_from_table(
                    g.pk_table[k, raid_idx[d]], g.pk_step_m[k], rng
                )
                pk = pk if pk >= min_pk else 0.0
                out_pk[b, k, d] = pk


@njit(cache=True)
def _evaluate_sparse(
    rows: IntArray,
    eligible: BoolArray,
    free: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    raid_idx: IntArray,
    gun_az: FloatArray,
    gun_el: FloatArray,
    g: GunKernelParams,
    min_pk: float,
    hold_range: float,
    pk_reach: FloatArray,
    out_ptr: IntArray,
    out_unit: IntArray,
    out_entry: IntArray,
    out_pk: FloatArray,
    out_slew: FloatArray,
) -> int:
    """The (row, gun, drone) pairs of :func:`_evaluate` with a Pk above 0, as a list.

    Row ``b``'s pairs are ``out_*[out_ptr[b]:out_ptr[b + 1]]``, by drone, in
    ascending order. Only guns within reach of a drone are visited: the guns sorted
    by east coordinate, a drone looks at those whose east coordinate is within the
    largest reach (plus a metre for round-off) of its own, a superset of the pairs
    the cheap exit keeps, so the pairs and their values are exactly the dense
    kernel's non-zero ones. The reach is the range limit or, where shorter, the
    range beyond which the gun's Pk table against the drone's raid stays below
    ``min_pk`` (``pk_reach``, :func:`_pk_reach`): a burst's Pk falls below the
    minimum well inside the guns' range limit, so most pairs within the limit would
    only compute a Pk of 0. Returns the number of pairs; when it exceeds the
    buffers' length, the buffers hold the first ones only and the caller retries
    with longer buffers.

    The pair's computation is the dense kernel's, written out again: a helper
    called per pair (numba passes the parameter tuple's arrays by value) measured
    1.4 to 4 times slower.
    """
    n_d = eligible.shape[1]
    n_g = g.pos_m.shape[0]
    cap = out_unit.shape[0]
    longest = _longest_slews(g)
    holding = hold_range < np.inf
    order = np.argsort(g.pos_m[:, 0], kind="mergesort")
    xs = g.pos_m[order, 0]
    n_q = pk_reach.shape[1]
    reach_m = np.empty((n_g, n_q))
    max_range = 0.0
    max_longest = 0.0
    for k in range(n_g):
        for q in range(n_q):
            reach_m[k, q] = min(g.range_max_m[k], pk_reach[k, q])
            max_range = max(max_range, reach_m[k, q])
        max_longest = max(max_longest, longest[k])
    n = 0
    for b in range(rows.shape[0]):
        r = rows[b]
        out_ptr[b] = n
        for d in range(n_d):
            if not eligible[r, d]:
                continue
            px, py, pz = pos[r, d, 0], pos[r, d, 1], pos[r, d, 2]
            vx, vy, vz = vel[r, d, 0], vel[r, d, 1], vel[r, d, 2]
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            window = max_range + speed * max_longest + 1.0
            lo = np.searchsorted(xs, px - window)
            hi = np.searchsorted(xs, px + window, side="right")
            for t in range(lo, hi):
                k = order[t]
                if not free[r, k]:
                    continue
                gx, gy, gz = g.pos_m[k, 0], g.pos_m[k, 1], g.pos_m[k, 2]
                rx, ry, rz = px - gx, py - gy, pz - gz
                # Cheap exit: out of reach even after the longest slew (the drone
                # closes at most speed x (pi / slew rate + settle)). Skips only pairs
                # whose Pk is 0, so the result is unchanged.
                reach = reach_m[k, raid_idx[d]] + speed * longest[k]
                r2 = rx * rx + ry * ry + rz * rz
                if r2 > reach * reach or (holding and math.sqrt(r2) > hold_range):
                    continue
                az0 = math.atan2(ry, rx)
                el0 = math.atan2(rz, math.hypot(rx, ry))
                s_t = gun_model.slew_time_s(
                    az0 - gun_az[r, k],
                    el0 - gun_el[r, k],
                    g.slew_rate_rad_s[k],
                    g.settle_s[k],
                )
                ax = px + vx * s_t - gx
                ay = py + vy * s_t - gy
                az = pz + vz * s_t - gz
                ground = math.hypot(ax, ay)
                rng = math.sqrt(ground * ground + az * az)
                # in_envelope tests the range first: no arctangent out of range.
                if rng < g.range_min_m[k] or rng > g.range_max_m[k]:
                    continue
                el = math.atan2(az, ground)
                if not gun_model.in_envelope(
                    rng,
                    el,
                    g.range_min_m[k],
                    g.range_max_m[k],
                    g.elevation_min_rad[k],
                    g.elevation_max_rad[k],
                ):
                    continue
                pk = gun_model.pk_from_table(
                    g.pk_table[k, raid_idx[d]], g.pk_step_m[k], rng
                )
                pk = pk if pk >= min_pk else 0.0
                if pk > 0.0:
                    if n < cap:
                        out_unit[n] = k
                        out_entry[n] = d
                        out_pk[n] = pk
                        out_slew[n] = s_t
                    n += 1
    out_ptr[rows.shape[0]] = n
    return n


@njit(cache=True)
def _evaluate_stages(
    rows: IntArray,
    eligible: BoolArray,
    free: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    raid_idx: IntArray,
    t_go: FloatArray,
    leads: FloatArray,
    gun_az: FloatArray,
    gun_el: FloatArray,
    g: GunKernelParams,
    min_pk: float,
    hold_range: float,
    pk_reach: FloatArray,
    out_ptr: IntArray,
    out_stage: IntArray,
    out_unit: IntArray,
    out_entry: IntArray,
    out_pk: FloatArray,
    b_start: int,
    n_start: int,
) -> int:
    """:func:`_evaluate_sparse` at every later stage of a look-ahead, listed by row.

    Stage k (1 … K−1) is the sparse kernel on the picture ``leads[k]`` seconds ahead
    (:class:`~skyscreen.engine.kinds.base.StageContext`): positions
    ``pos + vel * leads[k]``, entries eligible while ``t_go > leads[k]``. The
    row-indexed arrays (``eligible``, ``pos``, ``vel``, ``t_go``: (A, E)) are by
    position ``b`` in ``rows``; ``free`` (R, G) and the pointing ``gun_az``,
    ``gun_el`` (R, G) by chunk row ``rows[b]``. Row ``b``'s shots are
    ``out_*[out_ptr[b]:out_ptr[b + 1]]`` (by entry, then gun and stage). Starts at
    row ``b_start`` with ``n_start`` shots written; returns the number of shots, or
    ``-(b + 1)`` if row b's overflowed the buffers (see
    :func:`~skyscreen.engine.kinds.base.stage_pk`).

    The cheap exit depends on the stage only through the position, so an entry
    visits only the guns of its :func:`east_window` over the stages, and a pair of
    entry and gun is tested only at the stages of its :func:`stage_window` (each a
    superset of what the exact test keeps), there by the sparse kernel's own
    computation, in the same order: the same shots and the same bits as the sparse
    kernel run stage by stage, for a fraction of its visits.
    """
    n_a, n_d = eligible.shape
    n_g = g.pos_m.shape[0]
    n_k = leads.shape[0]
    cap = out_unit.shape[0]
    longest = _longest_slews(g)
    holding = hold_range < np.inf
    n_q = pk_reach.shape[1]
    # Tangents of the elevation limits (NaN: no shortcut, the exact test decides;
    # none within a milliradian of the vertical, where atan2 flattens).
    tan_lo = np.full(n_g, np.nan)
    tan_hi = np.full(n_g, np.nan)
    for k in range(n_g):
        if abs(g.elevation_min_rad[k]) < 0.5 * math.pi - 1e-3:
            tan_lo[k] = math.tan(g.elevation_min_rad[k])
        if abs(g.elevation_max_rad[k]) < 0.5 * math.pi - 1e-3:
            tan_hi[k] = math.tan(g.elevation_max_rad[k])
    reach_m = np.empty((n_g, n_q))
    for k in range(n_g):
        for q in range(n_q):
            reach_m[k, q] = min(g.range_max_m[k], pk_reach[k, q])
    max_reach = np.zeros(n_q)
    max_longest = 0.0
    for k in range(n_g):
        for q in range(n_q):
            max_reach[q] = max(max_reach[q], reach_m[k, q])
        max_longest = max(max_longest, longest[k])
    order = np.argsort(g.pos_m[:, 0], kind="mergesort")
    xs = g.pos_m[order, 0]
    ordered = leads_ordered(leads)
    lead_max, lead_lo, lead_hi = lead_span(leads)
    n = n_start
    for b in range(b_start, n_a):
        out_ptr[b] = n
        if n_k < 2:
            continue
        r = rows[b]
        for d in range(n_d):
            if not eligible[b, d]:
                continue
            tg = t_go[b, d]
            k_end = count_below(leads, tg, False) if ordered else n_k
            if k_end < 2:
                continue
            p0x, p0y, p0z = pos[b, d, 0], pos[b, d, 1], pos[b, d, 2]
            vx, vy, vz = vel[b, d, 0], vel[b, d, 1], vel[b, d, 2]
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            q = raid_idx[d]
            # The guns within the largest reach of the entry's east coordinate at
            # some stage, then each gun's own window of stages.
            width = max_reach[q] + speed * max_longest
            if holding and hold_range < width:
                width = hold_range
            t0, t1 = east_window(
                xs, p0x, vx,
                leads[1] if ordered else lead_lo,
                leads[k_end - 1] if ordered else lead_hi,
                width,
            )  # fmt: skip
            for t in range(t0, t1):
                k = order[t]
                if not free[r, k]:
                    continue
                gx, gy, gz = g.pos_m[k, 0], g.pos_m[k, 1], g.pos_m[k, 2]
                reach = reach_m[k, q] + speed * longest[k]
                radius = hold_range if holding and hold_range < reach else reach
                lo, hi = stage_window(
                    p0x - gx, p0y - gy, p0z - gz, vx, vy, vz, radius, leads,
                    lead_max, ordered, k_end,
                )  # fmt: skip
                for s in range(lo, hi):
                    lead = leads[s]
                    if not tg > lead:
                        continue
                    # The stage's picture, as NumPy's pos + vel * lead.
                    px = p0x + vx * lead
                    py = p0y + vy * lead
                    pz = p0z + vz * lead
                    rx, ry, rz = px - gx, py - gy, pz - gz
                    # The sparse kernel's cheap exit and the rest, unchanged.
                    r2 = rx * rx + ry * ry + rz * rz
                    if r2 > reach * reach or (holding and math.sqrt(r2) > hold_range):
                        continue
                    # gun_model.slew_time_s written out: max(|Δaz|, |Δel|) / rate +
                    # settle. |Δel| <= |rz| / ground + |gun el| (|atan x| <= |x|), so
                    # where that is clearly below |Δaz| the elevation's arctangent
                    # cannot change the maximum and is skipped (the same bits).
                    d_az = math.atan2(ry, rx) - gun_az[r, k]
                    daz = abs(math.atan2(math.sin(d_az), math.cos(d_az)))
                    ground0 = math.hypot(rx, ry)
                    if abs(rz) < (daz * (1.0 - 1e-9) - abs(gun_el[r, k])) * ground0:
                        s_t = daz / g.slew_rate_rad_s[k] + g.settle_s[k]
                    else:
                        d_el = math.atan2(rz, ground0) - gun_el[r, k]
                        s_t = max(daz, abs(d_el)) / g.slew_rate_rad_s[k] + g.settle_s[k]
                    ax = px + vx * s_t - gx
                    ay = py + vy * s_t - gy
                    az = pz + vz * s_t - gz
                    ground = math.hypot(ax, ay)
                    rng = math.sqrt(ground * ground + az * az)
                    if rng < g.range_min_m[k] or rng > g.range_max_m[k]:
                        continue
                    # The elevation limits by their tangents where clearly met (a
                    # margin far above round-off), else by the arctangent as
                    # gun_model.in_envelope: the same pairs pass.
                    t_lo, t_hi = tan_lo[k], tan_hi[k]
                    above = g.elevation_min_rad[k] <= -0.5 * math.pi or (
                        az - t_lo * ground > 1e-9 * (abs(az) + abs(t_lo) * ground)
                    )
                    below = g.elevation_max_rad[k] >= 0.5 * math.pi or (
                        t_hi * ground - az > 1e-9 * (abs(az) + abs(t_hi) * ground)
                    )
                    clear = above and below
                    if not clear and not gun_model.in_envelope(
                        rng,
                        math.atan2(az, ground),
                        g.range_min_m[k],
                        g.range_max_m[k],
                        g.elevation_min_rad[k],
                        g.elevation_max_rad[k],
                    ):
                        continue
                    pk = gun_model.pk_from_table(g.pk_table[k, q], g.pk_step_m[k], rng)
                    pk = pk if pk >= min_pk else 0.0
                    if pk > 0.0:
                        if n < cap:
                            out_stage[n] = s
                            out_unit[n] = k
                            out_entry[n] = d
                            out_pk[n] = pk
                        n += 1
        if n > cap:
            return -(b + 1)
    out_ptr[n_a] = n
    return n


@njit(cache=True)
def _pk_at(
    pk_table: FloatArray,
    pk_step: FloatArray,
    k: IntArray,
    raids: IntArray,
    rng: FloatArray,
    out: FloatArray,
) -> None:
    """Predicted burst Pk of guns ``k`` at ranges ``rng`` against drones of ``raids``."""
    for i in range(rng.shape[0]):
        out[i] = gun_model.pk_from_table(
            pk_table[k[i], raids[i]], pk_step[k[i]], rng[i]
        )


class GunKind(EffectorBase):
    """The gun effector kind (assignable; shots in the shared shot table)."""

    name = "gun"
    purpose = int(Purpose.GUN)
    assignable = True
    lazy_threat = True
    """``evaluate_sparse`` reads no threat value (DecideContext ``threat``)."""

    def init(self, pl: Placed, n_rep: int, seed: int) -> GunState:
        """Full magazines, pointing east, nothing engaged."""
        g: GunParams = pl.params
        shape = (n_rep, g.n)
        return GunState(
            rounds=np.broadcast_to(g.magazine_rounds, shape).copy(),
            reloads_left=np.broadcast_to(g.reloads, shape).copy(),
            reload_done_s=full(shape, np.inf),
            busy_s=full(shape, -np.inf),
            az_rad=np.zeros(shape),
            el_rad=np.zeros(shape),
            target=full(shape, -1, np.int64),
            fire_s=full(shape, np.inf),
            engagements=np.zeros(shape, dtype=np.int64),
            rounds_fired=np.zeros(shape, dtype=np.int64),
            reloads_done=np.zeros(shape, dtype=np.int64),
            keys=stream_keys(seed, _PURPOSE, g.ids),
        )

    def reload(self, pl: Placed, kst: GunState, t1: float) -> None:
        """Refill magazines whose reload ends by ``t1``."""
        complete_reloads(
            kst.rounds,
            pl.params.magazine_rounds,
            kst.reload_done_s,
            kst.reloads_done,
            t1,
        )

    def busy(self, kst: GunState) -> bool:
        """Whether a gun is laying on a target."""
        return bool((kst.target >= 0).any())

    columns = ("engagements", "rounds_fired")
    """The effectors-table columns this kind counts."""

    def shot_slots(self, pl: Placed) -> IntArray:
        """Bursts in the air at once: ceil(time of flight / time between bursts) + 1."""
        g: GunParams = pl.params
        dt = pl.scenario.dt_s
        return np.array(
            [
                int(
                    np.ceil(
                        g.range_max_m[k]
                        / g.muzzle_velocity_mps[k]
                        / max(g.burst_s[k], dt)
                    )
                )
                + 1
                for k in range(g.n)
            ],
            dtype=np.int64,
        )

    def in_envelope(self, pl: Placed, unit: IntArray, pos_m: FloatArray) -> BoolArray:
        """Whether points (N, 3) lie in the envelopes of guns ``unit`` (N,)."""
        g: GunParams = pl.params
        return pointing_envelope(g, unit, pos_m, g.range_min_m[unit])

    def magazine(self, kst: GunState) -> IntArray:
        """Rounds left in each magazine (R, G)."""
        return kst.rounds

    def shots_left(self, pl: Placed, kst: GunState) -> IntArray:
        """Bursts left in each magazine (R, G); the last may be short."""
        n = pl.params.n_rounds[None, :]
        return np.asarray(-(-kst.rounds // n))

    def cost(self, pl: Placed, kst: GunState) -> FloatArray:
        """Rounds fired times the cost of a round (R, G) (USD)."""
        return np.asarray(kst.rounds_fired * pl.params.cost_per_round_usd[None, :])

    def accounting(self, pl: Placed, kst: GunState) -> dict[str, IntArray]:
        """Engagements and rounds fired."""
        return {"engagements": kst.engagements, "rounds_fired": kst.rounds_fired}

    def free(
        self, pl: Placed, kst: GunState, st: ChunkState, slots: ShotSlots, t1: float
    ) -> BoolArray:
        """Guns idle, loaded and not reloading."""
        return np.asarray(
            (kst.target < 0)
            & (kst.busy_s <= t1)
            & (kst.rounds > 0)
            & ~np.isfinite(kst.reload_done_s)
        )

    def shot_cost(self, pl: Placed) -> FloatArray:
        """A burst's rounds times the cost of a round."""
        g: GunParams = pl.params
        return np.asarray(g.n_rounds * g.cost_per_round_usd, dtype=np.float64)

    def kernel_params(self, pl: Placed) -> GunKernelParams:
        """The typed bundle the compiled kernels read."""
        g: GunParams = pl.params
        return GunKernelParams(
            g.pos_m,
            g.slew_rate_rad_s,
            g.settle_s,
            g.range_min_m,
            g.range_max_m,
            g.elevation_min_rad,
            g.elevation_max_rad,
            g.pk_table,
            g.pk_step_m,
        )

    def evaluate(
        self,
        pl: Placed,
        kst: GunState,
        ctx: DecideContext,
        out_pk: FloatArray,
        out_aux: FloatArray,
    ) -> None:
        """Burst Pk after the slew (predicted, averaged over the aim bias)."""
        _evaluate(
            ctx.rows,
            ctx.eligible,
            np.ascontiguousarray(ctx.free[:, pl.weapon : pl.weapon + pl.n]),
            ctx.pos_m,
            ctx.vel_mps,
            ctx.raid_idx,
            kst.az_rad,
            kst.el_rad,
            self.kernel_params(pl),
            float(ctx.min_shot_pk),
            float(ctx.hold_range_m),
            out_pk,
            out_aux,
        )

    def evaluate_sparse(
        self, pl: Placed, kst: GunState, ctx: DecideContext
    ) -> SparsePk:
        """The non-zero entries of :meth:`evaluate`, row by row (a :class:`SparsePk`)."""
        free = np.ascontiguousarray(ctx.free[:, pl.weapon : pl.weapon + pl.n])
        g: GunParams = pl.params
        min_pk = float(ctx.min_shot_pk)
        if min_pk not in kst.pk_reach:
            kst.pk_reach[min_pk] = _pk_reach(g.pk_table, g.pk_step_m, min_pk)
        return sparse_pk(
            lambda bufs: _evaluate_sparse(
                ctx.rows,
                ctx.eligible,
                free,
                ctx.pos_m,
                ctx.vel_mps,
                ctx.raid_idx,
                kst.az_rad,
                kst.el_rad,
                self.kernel_params(pl),
                min_pk,
                float(ctx.hold_range_m),
                kst.pk_reach[min_pk],
                *bufs,
            ),
            len(ctx.rows),
            pl.n,
        )

    def evaluate_stages(self, pl: Placed, kst: GunState, sctx: StageContext) -> StagePk:
        """The later stages' non-zero Pk at once (a :class:`StagePk`).

        Equal to :func:`~skyscreen.engine.kinds.base.stage_pk_by_evaluation`
        (:meth:`evaluate_sparse` stage by stage): the same shots, the same bits.
        """
        free = np.ascontiguousarray(sctx.free[:, pl.weapon : pl.weapon + pl.n])
        g: GunParams = pl.params
        min_pk = float(sctx.min_shot_pk)
        if min_pk not in kst.pk_reach:
            kst.pk_reach[min_pk] = _pk_reach(g.pk_table, g.pk_step_m, min_pk)
        leads = np.ascontiguousarray(sctx.leads_s, dtype=np.float64)
        return stage_pk(
            lambda bufs: _evaluate_stages(
                sctx.rows,
                sctx.eligible,
                free,
                sctx.pos_m,
                sctx.vel_mps,
                sctx.raid_idx,
                sctx.t_go_s,
                leads,
                kst.az_rad,
                kst.el_rad,
                self.kernel_params(pl),
                min_pk,
                float(sctx.hold_range_m),
                kst.pk_reach[min_pk],
                *bufs,
            ),
            len(sctx.rows),
            pl.n,
            len(leads),
            kst.stage_rate,
        )

    def commit(
        self,
        pl: Placed,
        kst: GunState,
        ra: IntArray,
        unit: int,
        da: IntArray,
        t1: float,
        aux: FloatArray,
    ) -> None:
        """Lay gun ``unit`` on the drones; it fires once the slew ``aux`` is done."""
        kst.target[ra, unit] = da
        kst.fire_s[ra, unit] = t1 + aux
        kst.busy_s[ra, unit] = np.inf
        kst.engagements[ra, unit] += 1

    def fire(
        self,
        pl: Placed,
        kst: GunState,
        st: ChunkState,
        slots: ShotSlots,
        step: int,
        t1: float,
        ev: Events | None,
    ) -> None:
        """Fire the bursts of guns laid by ``t1``.

        Each burst draws three uniforms (two aim-bias normals and its outcome) from
        the (replication, gun, drone, step) stream.
        """
        g: GunParams = pl.params
        raid_idx = pl.scenario.drones.raid_idx
        # Most steps no gun is due: one test over (R, G) before the rest.
        due = (kst.target >= 0) & (kst.fire_s <= t1)
        if not due.any():
            return
        alive = st.airborne()
        n: IntArray | None = None
        # Every gun due at once, by gun then row (rows_by_unit's order): each
        # burst's numbers are elementwise functions of its own row, so the same bits
        # as gun by gun; only the events are logged gun by gun, in that order.
        k, r = np.nonzero(due.T)
        d = kst.target[r, k]
        rng, az, el = slant_geometry(g.pos_m[k], st.pos_m[r, d])
        ok_env = gun_model.in_envelope(
            rng,
            el,
            g.range_min_m[k],
            g.range_max_m[k],
            g.elevation_min_rad[k],
            g.elevation_max_rad[k],
        )
        ok = alive[r, d] & ok_env & (kst.rounds[r, k] > 0)
        kst.target[r, k] = -1
        kst.fire_s[r, k] = np.inf
        kst.az_rad[r, k] = az
        kst.el_rad[r, k] = el
        bad = ~ok
        if bad.any():
            kst.busy_s[r[bad], k[bad]] = t1
            # Two guns may have been laid on one drone of a row: add.at counts both.
            np.add.at(st.pending, (r[bad], d[bad]), -1)
        rf, kf, df, rngf = r[ok], k[ok], d[ok], rng[ok]
        if len(rf):
            n = np.minimum(g.n_rounds[kf], kst.rounds[rf, kf])
            kst.rounds[rf, kf] -= n
            kst.rounds_fired[rf, kf] += n
            kst.busy_s[rf, kf] = t1 + g.burst_s[kf]
            u = draw(kst.keys[kf], st.reps[rf], st.drone_key[df], 3 * step, n=3)
            p_kill = gun_model.burst_kill_from_uniforms(
                u,
                rngf,
                g.hit_radius_m[kf, raid_idx[df]],
                g.dispersion_rad[kf],
                g.bias_rad[kf],
                n,
                g.pk_hit[kf],
            )
            start_reloads(
                kst.rounds,
                kst.reloads_left,
                kst.reload_done_s,
                rf,
                kf,
                t1 + g.reload_s[kf],
            )
            tof = gun_model.time_of_flight_s(rngf, g.muzzle_velocity_mps[kf])
            pk_pred = np.empty(len(rf))
            _pk_at(g.pk_table, g.pk_step_m, kf, raid_idx[df], rngf, pk_pred)
            launch_shot(
                st,
                slots,
                pl.index + kf,
                rf,
                df,
                t1 + tof,
                u[:, 2] < p_kill,
                pk_pred,
                t1,
            )
        if ev is not None:
            rounds = np.zeros(len(r), dtype=np.int64)
            if n is not None:
                rounds[ok] = n
            pos = st.pos_m[r, d]
            log_fire_by_unit(
                ev,
                t1,
                pl.unit + k,
                r,
                d,
                ok,
                pos,
                [(~alive[r, d], "target_lost"), (~ok_env, "out_of_envelope")],
                "no_ammunition",
                pos,
                rounds,
            )


GUN = GunKind()
"""The registered gun kind."""
