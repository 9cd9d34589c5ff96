"""Missile launchers: intercepts at the predicted point after the reaction time.

Pk by intercept range (models/missile.py); fire channels, ready rounds and reloads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.c2.threat import entry_threat
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import (
    DecideContext,
    EffectorBase,
    Placed,
    SparsePk,
    StageContext,
    StagePk,
    ThreatArgs,
    complete_reloads,
    count_below,
    east_window,
    lead_span,
    leads_ordered,
    log_fire_by_unit,
    sparse_pk,
    stage_pk,
    stage_window,
    start_reloads,
)
from skyscreen.engine.rng import Purpose, draw, stream_keys
from skyscreen.engine.shots import ShotSlots, in_air, launch_shot
from skyscreen.engine.state import ChunkState, full
from skyscreen.models import missile as missile_model
from skyscreen.scenario.kinds import MissileParams

__all__ = ["MISSILE", "MissileKind", "MissileState"]

_PURPOSE = int(Purpose.MISSILE)


@dataclass(slots=True, eq=False)
class MissileState:
    """Launchers' state, each array (R, M).

    Attributes
    ----------
    ready, reloads_left : int
        Rounds ready to fire; reloads not yet started.
    reload_done_s : float
        When the reload in progress ends (inf: none).
    target : int
        Drone engaged (-1: none), launched at ``launch_s`` after the reaction time.
    engagements, fired, reloads_done : int
        Counters.
    keys : int (M, 2)
        Each launcher's random stream key.
    stage_rate : list of one float
        Shots per row of the last ``evaluate_stages`` (its buffers' first size).
    """

    ready: IntArray
    reloads_left: IntArray
    reload_done_s: FloatArray
    target: IntArray
    launch_s: FloatArray
    engagements: IntArray
    fired: IntArray
    reloads_done: IntArray
    keys: IntArray
    stage_rate: list[float] = field(default_factory=lambda: [0.0])


class MissileKernelParams(NamedTuple):
    """The launchers' constants a compiled kernel reads (arrays over M)."""

    pos_m: FloatArray
    speed_mps: FloatArray
    reaction_s: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    altitude_max_m: FloatArray
    pk: FloatArray
    pk_edge: FloatArray
    falloff_start: FloatArray


@njit(cache=True)
def _evaluate(
    rows: IntArray,
    eligible: BoolArray,
    free: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    values: FloatArray,
    t_go: FloatArray,
    reserve_low: BoolArray,
    m: MissileKernelParams,
    min_pk: float,
    hold_range: float,
    min_ttg: float,
    reserve_value: float,
    out_pk: FloatArray,
) -> None:
    """Single-shot Pk at the predicted intercept of every (row, launcher, drone)."""
    n_d = eligible.shape[1]
    n_m = m.pos_m.shape[0]
    for b in range(rows.shape[0]):
        r = rows[b]
        for d in range(n_d):
            for k in range(n_m):
                out_pk[b, k, d] = 0.0
            if not eligible[r, d]:
                continue
            px, py, pz = pos[r, d, 0], pos[r, d, 1], pos[r, d, 2]
            vx, vy, vz = vel[r, d, 0], vel[r, d, 1], vel[r, d, 2]
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            for k in range(n_m):
                if not free[r, k]:
                    continue
                mx, my, mz = m.pos_m[k, 0], m.pos_m[k, 1], m.pos_m[k, 2]
                # Cheap exit: the intercept is beyond maximum range unless the drone
                # is within it plus its flight during reaction and fly-out.
                qx, qy, qz = px - mx, py - my, pz - mz
                reach = m.range_max_m[k] + speed * (
                    m.reaction_s[k] + m.range_max_m[k] / m.speed_mps[k]
                )
                r2 = qx * qx + qy * qy + qz * qz
                if r2 > reach * reach or math.sqrt(r2) > hold_range:
                    continue
                if t_go[b, d] < min_ttg:
                    continue
                if reserve_low[r, k] and values[b, d] < reserve_value:
                    continue
                sx = px + vx * m.reaction_s[k]
                sy = py + vy * m.reaction_s[k]
                sz = pz + vz * m.reaction_s[k]
                t_f = missile_model.intercept_time_xyz_s(
                    sx - mx, sy - my, sz - mz, vx, vy, vz, m.speed_mps[k]
                )
                if not np.isfinite(t_f):
                    continue
                ix, iy, iz = sx + vx * t_f, sy + vy * t_f, sz + vz * t_f
                qx, qy, qz = ix - mx, iy - my, iz - mz
                rng = math.sqrt(qx * qx + qy * qy + qz * qz)
                if not missile_model.in_envelope(
                    rng, iz, m.range_min_m[k], m.range_max_m[k], m.altitude_max_m[k]
                ):
                    continue
                pk = missile_model.kill_probability(
                    rng, m.pk[k], m.range_max_m[k], m.pk_edge[k], m.falloff_start[k]
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
    values: FloatArray,
    t_go: FloatArray,
    reserve_low: BoolArray,
    m: MissileKernelParams,
    min_pk: float,
    hold_range: float,
    min_ttg: float,
    reserve_value: float,
    lazy: bool,
    th: ThreatArgs,
    out_ptr: IntArray,
    out_unit: IntArray,
    out_entry: IntArray,
    out_pk: FloatArray,
    out_aux: FloatArray,
) -> int:
    """The non-zero pairs of :func:`_evaluate`, listed (as the guns' sparse kernel).

    With ``lazy``, an entry's threat value and time to go are NaN until a pair
    first reads them; it computes them then (``entry_threat`` on ``th``, as the
    decide stage would have) and writes both back.

    Launchers are visited through their east coordinate, within the largest reach
    (plus a metre for round-off) of the drone's: a superset of the pairs the cheap
    exit keeps. Returns the number of pairs (see ``gun._evaluate_sparse``). The
    pair's computation is :func:`_evaluate`'s, written out again (a helper called
    per pair measured slower).
    """
    n_d = eligible.shape[1]
    n_m = m.pos_m.shape[0]
    cap = out_unit.shape[0]
    order = np.argsort(m.pos_m[:, 0], kind="mergesort")
    xs = m.pos_m[order, 0]
    max_range = 0.0
    max_lead = 0.0
    for k in range(n_m):
        max_range = max(max_range, m.range_max_m[k])
        max_lead = max(max_lead, m.reaction_s[k] + m.range_max_m[k] / m.speed_mps[k])
    n = 0
    for b in range(rows.shape[0]):
        r = rows[b]
        out_ptr[b] = n
        for d in range(n_d):
            if not eligible[r, d]:
                continue
            vx, vy, vz = vel[r, d, 0], vel[r, d, 1], vel[r, d, 2]
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            window = max_range + speed * max_lead + 1.0
            px, py, pz = pos[r, d, 0], pos[r, d, 1], pos[r, d, 2]
            lo = np.searchsorted(xs, px - window)
            hi = np.searchsorted(xs, px + window, side="right")
            for t in range(lo, hi):
                k = order[t]
                if not free[r, k]:
                    continue
                mx, my, mz = m.pos_m[k, 0], m.pos_m[k, 1], m.pos_m[k, 2]
                # Cheap exit: the intercept is beyond maximum range unless the drone
                # is within it plus its flight during reaction and fly-out.
                qx, qy, qz = px - mx, py - my, pz - mz
                reach = m.range_max_m[k] + speed * (
                    m.reaction_s[k] + m.range_max_m[k] / m.speed_mps[k]
                )
                r2 = qx * qx + qy * qy + qz * qz
                if r2 > reach * reach or math.sqrt(r2) > hold_range:
                    continue
                if lazy and math.isnan(values[b, d]):
                    values[b, d], t_go[b, d] = entry_threat(
                        px, py, vx, vy, th.lethal_m[d], th.asset_pos_m,
                        th.asset_radius_m, th.asset_value_usd, th.margin_m, th.tau_s,
                    )  # fmt: skip
                if t_go[b, d] < min_ttg:
                    continue
                if reserve_low[r, k] and values[b, d] < reserve_value:
                    continue
                sx = px + vx * m.reaction_s[k]
                sy = py + vy * m.reaction_s[k]
                sz = pz + vz * m.reaction_s[k]
                t_f = missile_model.intercept_time_xyz_s(
                    sx - mx, sy - my, sz - mz, vx, vy, vz, m.speed_mps[k]
                )
                if not np.isfinite(t_f):
                    continue
                ix, iy, iz = sx + vx * t_f, sy + vy * t_f, sz + vz * t_f
                qx, qy, qz = ix - mx, iy - my, iz - mz
                rng = math.sqrt(qx * qx + qy * qy + qz * qz)
                if not missile_model.in_envelope(
                    rng, iz, m.range_min_m[k], m.range_max_m[k], m.altitude_max_m[k]
                ):
                    continue
                pk = missile_model.kill_probability(
                    rng, m.pk[k], m.range_max_m[k], m.pk_edge[k], m.falloff_start[k]
                )
                pk = pk if pk >= min_pk else 0.0
                if pk > 0.0:
                    if n < cap:
                        out_unit[n] = k
                        out_entry[n] = d
                        out_pk[n] = pk
                        out_aux[n] = 0.0
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
    values: FloatArray,
    t_go: FloatArray,
    leads: FloatArray,
    reserve_low: BoolArray,
    m: MissileKernelParams,
    min_pk: float,
    hold_range: float,
    min_ttg: float,
    reserve_value: float,
    out_ptr: IntArray,
    out_stage: IntArray,
    out_unit: IntArray,
    out_entry: IntArray,
    out_pk: FloatArray,
    b_start: int,
    n_start: int,
) -> int:
    """:func:`_evaluate_sparse` at every later stage of a look-ahead, listed by row.

    As the guns' ``_evaluate_stages``: stage k's positions are
    ``pos + vel * leads[k]`` and times to go ``t_go - leads[k]``, entries eligible
    while ``t_go > leads[k]``; the row-indexed arrays (``eligible``, ``pos``, ``vel``,
    ``values``, ``t_go``) are by position ``b`` in ``rows``, ``free`` and
    ``reserve_low`` (R, M) by chunk row ``rows[b]``. An entry visits the launchers
    of its :func:`~skyscreen.engine.kinds.gun.east_window`, and a pair of entry and
    launcher is tested only at the stages of its
    :func:`~skyscreen.engine.kinds.gun.stage_window` (each a superset of what the
    cheap exit keeps), there by the sparse kernel's own computation in the same
    order (the exits, all pure, in a cheaper order): the same shots and the same
    bits as the sparse kernel run stage by stage. Returns the number of shots, or
    ``-(b + 1)`` where row b's overflowed (as the guns' ``_evaluate_stages``).
    """
    n_a, n_d = eligible.shape
    n_m = m.pos_m.shape[0]
    n_k = leads.shape[0]
    cap = out_unit.shape[0]
    order = np.argsort(m.pos_m[:, 0], kind="mergesort")
    xs = m.pos_m[order, 0]
    max_range = 0.0
    max_fly = 0.0
    for k in range(n_m):
        max_range = max(max_range, m.range_max_m[k])
        max_fly = max(max_fly, m.reaction_s[k] + m.range_max_m[k] / m.speed_mps[k])
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
            # The launchers within the largest reach of the entry's east coordinate
            # at some stage, then each launcher's own window of stages.
            width = min(max_range + speed * max_fly, hold_range)
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
                if reserve_low[r, k] and values[b, d] < reserve_value:
                    continue
                mx, my, mz = m.pos_m[k, 0], m.pos_m[k, 1], m.pos_m[k, 2]
                reach = m.range_max_m[k] + speed * (
                    m.reaction_s[k] + m.range_max_m[k] / m.speed_mps[k]
                )
                radius = min(reach, hold_range)
                lo, hi = stage_window(
                    p0x - mx, p0y - my, p0z - mz, vx, vy, vz, radius, leads,
                    lead_max, ordered, k_end,
                )  # fmt: skip
                for s in range(lo, hi):
                    lead = leads[s]
                    if not tg > lead or tg - lead < min_ttg:
                        continue
                    # The stage's picture, as NumPy's pos + vel * lead.
                    px = p0x + vx * lead
                    py = p0y + vy * lead
                    pz = p0z + vz * lead
                    # The sparse kernel's cheap exit and the rest, unchanged.
                    qx, qy, qz = px - mx, py - my, pz - mz
                    r2 = qx * qx + qy * qy + qz * qz
                    if r2 > reach * reach or math.sqrt(r2) > hold_range:
                        continue
                    sx = px + vx * m.reaction_s[k]
                    sy = py + vy * m.reaction_s[k]
                    sz = pz + vz * m.reaction_s[k]
                    t_f = missile_model.intercept_time_xyz_s(
                        sx - mx, sy - my, sz - mz, vx, vy, vz, m.speed_mps[k]
                    )
                    if not np.isfinite(t_f):
                        continue
                    ix, iy, iz = sx + vx * t_f, sy + vy * t_f, sz + vz * t_f
                    qx, qy, qz = ix - mx, iy - my, iz - mz
                    rng = math.sqrt(qx * qx + qy * qy + qz * qz)
                    if not missile_model.in_envelope(
                        rng, iz, m.range_min_m[k], m.range_max_m[k], m.altitude_max_m[k]
                    ):
                        continue
                    pk = missile_model.kill_probability(
                        rng, m.pk[k], m.range_max_m[k], m.pk_edge[k], m.falloff_start[k]
                    )
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


_NO_THREAT = ThreatArgs(
    np.zeros(0), np.zeros((0, 3)), np.zeros(0), np.zeros(0), 0.0, 1.0
)
"""The kernel's ``th`` when every threat value is computed (never read)."""


class MissileKind(EffectorBase):
    """The missile-launcher effector kind (assignable; shots in the shot table)."""

    name = "missile"
    purpose = int(Purpose.MISSILE)
    assignable = True
    lazy_threat = True
    """``evaluate_sparse`` computes the threat values it reads (DecideContext)."""

    def init(self, pl: Placed, n_rep: int, seed: int) -> MissileState:
        """Ready rounds loaded, nothing engaged."""
        m: MissileParams = pl.params
        shape = (n_rep, m.n)
        return MissileState(
            ready=np.broadcast_to(m.ready_rounds, shape).copy(),
            reloads_left=np.broadcast_to(m.reloads, shape).copy(),
            reload_done_s=full(shape, np.inf),
            target=full(shape, -1, np.int64),
            launch_s=full(shape, np.inf),
            engagements=np.zeros(shape, dtype=np.int64),
            fired=np.zeros(shape, dtype=np.int64),
            reloads_done=np.zeros(shape, dtype=np.int64),
            keys=stream_keys(seed, _PURPOSE, m.ids),
        )

    def reload(self, pl: Placed, kst: MissileState, t1: float) -> None:
        """Reload launchers whose reload ends by ``t1``."""
        complete_reloads(
            kst.ready, pl.params.ready_rounds, kst.reload_done_s, kst.reloads_done, t1
        )

    def busy(self, kst: MissileState) -> bool:
        """Whether a launcher is reacting to an assignment."""
        return bool((kst.target >= 0).any())

    columns = ("engagements", "missiles_fired")
    """The effectors-table columns this kind counts."""

    def shot_slots(self, pl: Placed) -> IntArray:
        """Missiles in the air at once: the launcher's fire channels."""
        return np.asarray(pl.params.channels, dtype=np.int64)

    def in_envelope(self, pl: Placed, unit: IntArray, pos_m: FloatArray) -> BoolArray:
        """Whether intercept points (N, 3) lie in the envelopes of launchers ``unit``."""
        m: MissileParams = pl.params
        rng = np.linalg.norm(pos_m - m.pos_m[unit], axis=-1)
        return np.asarray(
            missile_model.in_envelope(
                rng,
                pos_m[:, 2],
                m.range_min_m[unit],
                m.range_max_m[unit],
                m.altitude_max_m[unit],
            )
        )

    def magazine(self, kst: MissileState) -> IntArray:
        """Rounds ready on each launcher (R, M)."""
        return kst.ready

    def shots_left(self, pl: Placed, kst: MissileState) -> IntArray:
        """Rounds ready on each launcher (R, M)."""
        return kst.ready

    def cost(self, pl: Placed, kst: MissileState) -> FloatArray:
        """Missiles fired times the cost of a missile (R, M) (USD)."""
        return np.asarray(kst.fired * pl.params.cost_usd[None, :])

    def accounting(self, pl: Placed, kst: MissileState) -> dict[str, IntArray]:
        """Engagements and missiles fired."""
        return {"engagements": kst.engagements, "missiles_fired": kst.fired}

    def free(
        self,
        pl: Placed,
        kst: MissileState,
        st: ChunkState,
        slots: ShotSlots,
        t1: float,
    ) -> BoolArray:
        """Launchers idle, with a round ready and a free fire channel."""
        m: MissileParams = pl.params
        flying = in_air(st, slots, pl.index, m.n)
        return np.asarray(
            (kst.target < 0) & (kst.ready > 0) & (flying < m.channels[None, :])
        )

    def shot_cost(self, pl: Placed) -> FloatArray:
        """A missile's cost."""
        return np.asarray(pl.params.cost_usd, dtype=np.float64)

    def kernel_params(self, pl: Placed) -> MissileKernelParams:
        """The typed bundle the compiled kernel reads."""
        m: MissileParams = pl.params
        return MissileKernelParams(
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

    def evaluate(
        self,
        pl: Placed,
        kst: MissileState,
        ctx: DecideContext,
        out_pk: FloatArray,
        out_aux: FloatArray,
    ) -> None:
        """Pk at the intercept; doctrine's minimum time to go and missile reserve."""
        out_aux[...] = 0.0
        _evaluate(
            ctx.rows,
            ctx.eligible,
            np.ascontiguousarray(ctx.free[:, pl.weapon : pl.weapon + pl.n]),
            ctx.pos_m,
            ctx.vel_mps,
            ctx.values,
            ctx.t_go_s,
            kst.ready <= ctx.missile_reserve_rounds,
            self.kernel_params(pl),
            float(ctx.min_shot_pk),
            float(ctx.hold_range_m),
            float(ctx.missile_min_time_to_go_s),
            float(ctx.reserve_min_value_usd),
            out_pk,
        )

    def evaluate_sparse(
        self, pl: Placed, kst: MissileState, ctx: DecideContext
    ) -> SparsePk:
        """The non-zero entries of :meth:`evaluate`, row by row (a :class:`SparsePk`)."""
        free = np.ascontiguousarray(ctx.free[:, pl.weapon : pl.weapon + pl.n])
        reserve_low = kst.ready <= ctx.missile_reserve_rounds
        return sparse_pk(
            lambda bufs: _evaluate_sparse(
                ctx.rows,
                ctx.eligible,
                free,
                ctx.pos_m,
                ctx.vel_mps,
                ctx.values,
                ctx.t_go_s,
                reserve_low,
                self.kernel_params(pl),
                float(ctx.min_shot_pk),
                float(ctx.hold_range_m),
                float(ctx.missile_min_time_to_go_s),
                float(ctx.reserve_min_value_usd),
                ctx.threat is not None,
                ctx.threat if ctx.threat is not None else _NO_THREAT,
                *bufs,
            ),
            len(ctx.rows),
            pl.n,
        )

    def evaluate_stages(
        self, pl: Placed, kst: MissileState, sctx: StageContext
    ) -> StagePk:
        """The later stages' non-zero Pk at once (a :class:`StagePk`).

        Equal to :func:`~skyscreen.engine.kinds.base.stage_pk_by_evaluation`
        (:meth:`evaluate_sparse` stage by stage): the same shots, the same bits.
        """
        free = np.ascontiguousarray(sctx.free[:, pl.weapon : pl.weapon + pl.n])
        reserve_low = kst.ready <= sctx.missile_reserve_rounds
        leads = np.ascontiguousarray(sctx.leads_s, dtype=np.float64)
        return stage_pk(
            lambda bufs: _evaluate_stages(
                sctx.rows,
                sctx.eligible,
                free,
                sctx.pos_m,
                sctx.vel_mps,
                sctx.values,
                sctx.t_go_s,
                leads,
                reserve_low,
                self.kernel_params(pl),
                float(sctx.min_shot_pk),
                float(sctx.hold_range_m),
                float(sctx.missile_min_time_to_go_s),
                float(sctx.reserve_min_value_usd),
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
        kst: MissileState,
        ra: IntArray,
        unit: int,
        da: IntArray,
        t1: float,
        aux: FloatArray,
    ) -> None:
        """Launcher ``unit`` launches at the drones after its reaction time."""
        kst.target[ra, unit] = da
        kst.launch_s[ra, unit] = t1 + pl.params.reaction_s[unit]
        kst.engagements[ra, unit] += 1

    def fire(
        self,
        pl: Placed,
        kst: MissileState,
        st: ChunkState,
        slots: ShotSlots,
        step: int,
        t1: float,
        ev: Events | None,
    ) -> None:
        """Launch the missiles whose reaction time has passed.

        A missile's outcome draws from the (replication, launcher, drone, step) stream.
        """
        m: MissileParams = pl.params
        # Most steps no launcher is due: one test over (R, M) before the rest.
        due = (kst.target >= 0) & (kst.launch_s <= t1)
        if not due.any():
            return
        alive = st.airborne()
        # Every launcher due at once, by launcher then row (rows_by_unit's order):
        # each missile's numbers are elementwise functions of its own row, and a
        # launcher's channels hold only its own missiles, so the same bits as
        # launcher by launcher; only the events are logged launcher by launcher.
        k, r = np.nonzero(due.T)
        d = kst.target[r, k]
        e = pl.index + k
        flying = in_air(st, slots, pl.index, m.n)[r, k]
        tau, ip, rng, ok_env = missile_model.intercept(
            st.pos_m[r, d],
            st.vel_mps[r, d],
            m.pos_m[k],
            m.speed_mps[k],
            m.range_min_m[k],
            m.range_max_m[k],
            m.altitude_max_m[k],
        )
        ready = kst.ready[r, k] > 0
        ok = alive[r, d] & ok_env & ready & (flying < slots.slot_count[e])
        kst.target[r, k] = -1
        kst.launch_s[r, k] = np.inf
        # Two launchers may have been given one drone of a row: add.at counts both.
        np.add.at(st.pending, (r[~ok], d[~ok]), -1)
        rf, kf, df = r[ok], k[ok], d[ok]
        if len(rf):
            kst.ready[rf, kf] -= 1
            kst.fired[rf, kf] += 1
            pk = missile_model.kill_probability(
                rng[ok], m.pk[kf], m.range_max_m[kf], m.pk_edge[kf], m.falloff_start[kf]
            )
            start_reloads(
                kst.ready,
                kst.reloads_left,
                kst.reload_done_s,
                rf,
                kf,
                t1 + m.reload_s[kf],
            )
            u = draw(kst.keys[kf], st.reps[rf], st.drone_key[df], step)
            launch_shot(st, slots, e[ok], rf, df, t1 + tau[ok], u < pk, pk, t1)
        if ev is not None:
            # A missile's fire event is placed at its predicted intercept point.
            log_fire_by_unit(
                ev,
                t1,
                pl.unit + k,
                r,
                d,
                ok,
                st.pos_m[r, d],
                [
                    (~alive[r, d], "target_lost"),
                    (~ok_env, "out_of_envelope"),
                    (~ready, "no_ammunition"),
                ],
                "no_channel",
                ip,
                np.ones(len(r), dtype=np.int64),
            )


MISSILE = MissileKind()
"""The registered missile-launcher kind."""
