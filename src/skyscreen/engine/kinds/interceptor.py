"""Interceptor drones: launched at a target, guided to it, killing at closure.

The engagement (docs/models.md, "Interceptor drone"): fire control assigns a target
to a launcher with a free guidance channel and an interceptor on its rack, if a
straight-line intercept exists (:func:`skyscreen.models.interceptor.intercept_time_s`:
met within ``range_max_m`` of the launcher, within ``endurance_s`` of flight and
before the drone's time to go); the interceptor leaves ``launch_delay_s`` later if
the target is still airborne and within ``range_max_m`` (else the engagement is
cancelled and the interceptor stays on the rack). In flight, every step, its velocity
turns toward the guidance command (pure pursuit or proportional navigation to the
target's position in the air picture, at most ``turn_rate`` · dt) and it flies
straight at ``speed_mps``; the target, too, flies straight over the step (from its
position at the step's end back along its velocity). The interceptor closes at the
first instant within the step the two are ``fuze_radius_m`` apart, and kills with
probability ``pk_closure``, drawn from the kind's counter-based stream (a stream per
launcher; counter: replication, drone, step · 1024 + slot).

An engagement ends at closure, when the target leaves the air picture or the air
(``target_lost``), or at the end of the flight (``out_of_envelope``): for an
expendable interceptor ``endurance_s`` after launch, after which it is spent; a
reusable one turns home at the start of the step after which it could no longer fly
home within its endurance. A reusable interceptor flies home straight at speed
(the turn back is neglected) from wherever its engagement ended, lands and is ready
on the rack ``turnaround_s`` after landing; an expendable one is spent whatever the
outcome. Every launch costs ``cost_usd``.

State: structure of arrays over (replication, launcher, slot); a slot holds an
airframe off the rack (committed, flying out, flying home or turning around).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import (
    DecideContext,
    EffectorBase,
    Placed,
    cancel_unfireable,
    slant_geometry,
)
from skyscreen.engine.rng import Purpose, stream_keys, uniform
from skyscreen.engine.shots import ShotSlots
from skyscreen.engine.state import ChunkState, full
from skyscreen.models import interceptor as icpt_model
from skyscreen.scenario.kinds import InterceptorParams

__all__ = [
    "COMMITTED",
    "FREE",
    "INTERCEPTOR",
    "OUTBOUND",
    "RETURNING",
    "SLOT_STRIDE",
    "TURNAROUND",
    "InterceptorKind",
    "InterceptorState",
]

FREE, COMMITTED, OUTBOUND, RETURNING, TURNAROUND = range(5)
"""Phases of a slot: no airframe (on the rack or spent), committed to a target and
waiting to launch, flying out, flying home, turning around after landing."""

SLOT_STRIDE = 1024
"""Counter index of a closure draw: step · SLOT_STRIDE + slot (slots < 1024, since a
rack holds at most 1000), so two interceptors of one launcher never share a draw."""

# End codes of the flight kernel.
_GO, _CLOSED, _LOST, _SPENT = range(4)


@dataclass(slots=True, eq=False)
class InterceptorState:
    """Interceptor launchers' state: (R, L) per launcher, (R, L, S) per slot.

    Attributes
    ----------
    rack : int (R, L)
        Interceptors ready on the launcher.
    launches : int (R, L)
        Interceptors launched (counter: the engagements and the cost).
    phase : int8 (R, L, S)
        FREE, COMMITTED, OUTBOUND, RETURNING or TURNAROUND.
    target : int (R, L, S)
        Drone engaged (-1: none).
    launch_s : float (R, L, S)
        Committed: when it launches; flying out: when it launched.
    pos_m, dir : float (R, L, S, 3)
        Position (m) and unit velocity direction of an interceptor flying out.
    land_s, ready_s : float (R, L, S)
        Flying home: when it lands; turning around: when it is ready again.
    keys : int (L, 2)
        Each launcher's stream key (:data:`~skyscreen.engine.rng.Purpose.INTERCEPTOR`).
    """

    rack: IntArray
    launches: IntArray
    phase: IntArray
    target: IntArray
    launch_s: FloatArray
    pos_m: FloatArray
    dir: FloatArray
    land_s: FloatArray
    ready_s: FloatArray
    keys: IntArray


class InterceptorKernelParams(NamedTuple):
    """The launchers' constants the compiled kernels read (arrays over L)."""

    pos_m: FloatArray
    speed_mps: FloatArray
    turn_rate_rad_s: FloatArray
    pn: BoolArray
    nav_constant: FloatArray
    fuze_radius_m: FloatArray
    range_max_m: FloatArray
    endurance_s: FloatArray
    launch_delay_s: FloatArray
    reusable: BoolArray


@njit(cache=True)
def _evaluate(
    rows: IntArray,
    eligible: BoolArray,
    free: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    t_go: FloatArray,
    g: InterceptorKernelParams,
    pk: FloatArray,
    min_pk: float,
    hold_range: float,
    out_pk: FloatArray,
    out_aux: FloatArray,
) -> None:
    """Pk and time to launch of every (row, launcher, drone) (B, L, D).

    Pk is ``pk_closure`` where the straight-line intercept after the launch delay
    exists, the drone is within ``range_max_m`` at launch, the meeting point is within
    it, the flight (reusable: out and home) fits the endurance and the meeting comes
    before the drone's time to go (when it has one); else 0.
    """
    n_d = eligible.shape[1]
    n_l = g.pos_m.shape[0]
    for b in range(rows.shape[0]):
        r = rows[b]
        for d in range(n_d):
            for k in range(n_l):
                out_pk[b, k, d] = 0.0
                out_aux[b, k, d] = 0.0
            if not eligible[r, d]:
                continue
            vx, vy, vz = vel[r, d, 0], vel[r, d, 1], vel[r, d, 2]
            for k in range(n_l):
                if not free[r, k] or pk[k] <= 0.0 or pk[k] < min_pk:
                    continue
                qx = pos[r, d, 0] - g.pos_m[k, 0]
                qy = pos[r, d, 1] - g.pos_m[k, 1]
                qz = pos[r, d, 2] - g.pos_m[k, 2]
                if math.sqrt(qx * qx + qy * qy + qz * qz) > hold_range:
                    continue
                delay = g.launch_delay_s[k]
                lx, ly, lz = qx + vx * delay, qy + vy * delay, qz + vz * delay
                if math.sqrt(lx * lx + ly * ly + lz * lz) > g.range_max_m[k]:
                    continue
                t_i = icpt_model.intercept_time_s(
                    qx, qy, qz, vx, vy, vz, g.speed_mps[k], delay
                )
                if not math.isfinite(t_i):
                    continue
                mx, my, mz = qx + vx * t_i, qy + vy * t_i, qz + vz * t_i
                meet = math.sqrt(mx * mx + my * my + mz * mz)
                if meet > g.range_max_m[k]:
                    continue
                flight = t_i - delay
                if g.reusable[k]:
                    flight += meet / g.speed_mps[k]
                if flight > g.endurance_s[k]:
                    continue
                if t_go[b, d] > 0.0 and t_i > t_go[b, d]:
                    continue
                out_pk[b, k, d] = pk[k]
                out_aux[b, k, d] = delay


@njit(cache=True)
def _fly(
    k: IntArray,
    p: FloatArray,
    u: FloatArray,
    q1: FloatArray,
    w: FloatArray,
    held: BoolArray,
    flown: FloatArray,
    g: InterceptorKernelParams,
    dt: float,
    out_code: IntArray,
    out_tau: FloatArray,
) -> None:
    """One step of flight of N interceptors flying out; ``p`` and ``u`` (N, 3) in place.

    ``q1``, ``w``: each target's position at the step's end and velocity; ``held``:
    the target is airborne and in the picture; ``flown``: flight time at the step's
    start. ``out_code``: _GO (flew the step), _CLOSED (at ``out_tau`` s into the
    step, ``p`` there), _LOST (target lost; at the start) or _SPENT (end of flight:
    an expendable one's endurance at ``out_tau``; a reusable one turns home at the
    start).
    """
    for i in range(k.shape[0]):
        j = k[i]
        out_tau[i] = 0.0
        if not held[i]:
            out_code[i] = _LOST
            continue
        v = g.speed_mps[j]
        rx = q1[i, 0] - w[i, 0] * dt - p[i, 0]
        ry = q1[i, 1] - w[i, 1] * dt - p[i, 1]
        rz = q1[i, 2] - w[i, 2] * dt - p[i, 2]
        limit = g.turn_rate_rad_s[j] * dt
        if g.pn[j]:
            ux, uy, uz = icpt_model.pn_turn(
                u[i, 0],
                u[i, 1],
                u[i, 2],
                rx,
                ry,
                rz,
                w[i, 0],
                w[i, 1],
                w[i, 2],
                v,
                g.nav_constant[j],
                dt,
                limit,
            )
        else:
            ux, uy, uz = icpt_model.pursuit_turn(
                u[i, 0], u[i, 1], u[i, 2], rx, ry, rz, limit
            )
        # Renormalise: many small turns would let round-off change the speed.
        n = math.sqrt(ux * ux + uy * uy + uz * uz)
        ux, uy, uz = ux / n, uy / n, uz / n
        u[i, 0], u[i, 1], u[i, 2] = ux, uy, uz
        tau = icpt_model.fuze_time_s(
            rx, ry, rz, w[i, 0] - v * ux, w[i, 1] - v * uy, w[i, 2] - v * uz,
            g.fuze_radius_m[j], dt,
        )  # fmt: skip
        left = g.endurance_s[j] - flown[i]
        if g.reusable[j]:
            if math.isfinite(tau):
                cx = p[i, 0] + v * ux * tau - g.pos_m[j, 0]
                cy = p[i, 1] + v * uy * tau - g.pos_m[j, 1]
                cz = p[i, 2] + v * uz * tau - g.pos_m[j, 2]
                home = math.sqrt(cx * cx + cy * cy + cz * cz) / v
                if tau + home <= left:
                    out_code[i] = _CLOSED
                    out_tau[i] = tau
                    p[i, 0] += v * ux * tau
                    p[i, 1] += v * uy * tau
                    p[i, 2] += v * uz * tau
                    continue
            # Bingo: fly this step only if from its end the way home still fits
            # (|p1 − home| <= |p0 − home| + v·dt), so the flight never exceeds the
            # endurance.
            hx = p[i, 0] - g.pos_m[j, 0]
            hy = p[i, 1] - g.pos_m[j, 1]
            hz = p[i, 2] - g.pos_m[j, 2]
            if 2.0 * dt + math.sqrt(hx * hx + hy * hy + hz * hz) / v > left:
                out_code[i] = _SPENT
                continue
        else:
            if tau <= min(dt, left):
                out_code[i] = _CLOSED
                out_tau[i] = tau
                p[i, 0] += v * ux * tau
                p[i, 1] += v * uy * tau
                p[i, 2] += v * uz * tau
                continue
            if left <= dt:
                out_code[i] = _SPENT
                out_tau[i] = max(left, 0.0)
                continue
        out_code[i] = _GO
        p[i, 0] += v * ux * dt
        p[i, 1] += v * uy * dt
        p[i, 2] += v * uz * dt


@njit(cache=True)
def _draws(
    keys: IntArray,
    k: IntArray,
    reps: IntArray,
    dkey: IntArray,
    index: IntArray,
    out: FloatArray,
) -> None:
    """The closure uniform of each interceptor (N,), into ``out``.

    Stream of launcher ``k``; counter (replication, drone words, ``index``).
    """
    for i in range(k.shape[0]):
        out[i] = uniform(
            keys[k[i], 0], keys[k[i], 1], reps[i], dkey[i, 0], dkey[i, 1], index[i]
        )


class InterceptorKind(EffectorBase):
    """The interceptor effector kind (assignable; closures resolve in its own state)."""

    name = "interceptor"
    purpose = int(Purpose.INTERCEPTOR)
    assignable = True

    columns = ("engagements",)
    """The effectors-table columns this kind counts (engagements: launches)."""

    def init(self, pl: Placed, n_rep: int, seed: int) -> InterceptorState:
        """Full racks, nothing in the air."""
        g: InterceptorParams = pl.params
        shape = (n_rep, g.n, g.n_slot)
        return InterceptorState(
            rack=np.broadcast_to(g.rack, (n_rep, g.n)).astype(np.int64),
            launches=np.zeros((n_rep, g.n), dtype=np.int64),
            phase=np.zeros(shape, dtype=np.int8),
            target=full(shape, -1, np.int64),
            launch_s=full(shape, np.inf),
            pos_m=np.zeros((*shape, 3)),
            dir=np.zeros((*shape, 3)),
            land_s=full(shape, np.inf),
            ready_s=full(shape, np.inf),
            keys=stream_keys(seed, self.purpose, g.ids),
        )

    def busy(self, kst: InterceptorState) -> bool:
        """Whether an interceptor is committed, flying out or flying home."""
        return bool(((kst.phase >= COMMITTED) & (kst.phase <= RETURNING)).any())

    def in_envelope(self, pl: Placed, unit: IntArray, pos_m: FloatArray) -> BoolArray:
        """Whether points (N, 3) lie within ``range_max_m`` of launchers ``unit``."""
        g: InterceptorParams = pl.params
        rng, _, _ = slant_geometry(g.pos_m[unit], pos_m)
        return np.asarray(rng <= g.range_max_m[unit])

    def magazine(self, kst: InterceptorState) -> IntArray:
        """Interceptors ready on each rack (R, L)."""
        return kst.rack

    def shots_left(self, pl: Placed, kst: InterceptorState) -> IntArray:
        """Interceptors ready on each rack (R, L)."""
        return kst.rack

    def cost(self, pl: Placed, kst: InterceptorState) -> FloatArray:
        """Launches times ``cost_usd`` (R, L) (USD)."""
        return np.asarray(kst.launches * pl.params.cost_usd[None, :])

    def accounting(self, pl: Placed, kst: InterceptorState) -> dict[str, IntArray]:
        """Engagements: interceptors launched."""
        return {"engagements": kst.launches}

    def reload(self, pl: Placed, kst: InterceptorState, t1: float) -> None:
        """Land the reusable interceptors due by ``t1``; rack those turned around."""
        landed = (kst.phase == RETURNING) & (kst.land_s <= t1)
        if landed.any():
            g: InterceptorParams = pl.params
            k = np.nonzero(landed)[1]
            kst.phase[landed] = TURNAROUND
            kst.ready_s[landed] = kst.land_s[landed] + g.turnaround_s[k]
            kst.land_s[landed] = np.inf
        ready = (kst.phase == TURNAROUND) & (kst.ready_s <= t1)
        if ready.any():
            r, k, _ = np.nonzero(ready)
            kst.phase[ready] = FREE
            kst.ready_s[ready] = np.inf
            np.add.at(kst.rack, (r, k), 1)

    def free(
        self,
        pl: Placed,
        kst: InterceptorState,
        st: ChunkState,
        slots: ShotSlots,
        t1: float,
    ) -> BoolArray:
        """Launchers with an interceptor ready, a free channel and a free slot."""
        g: InterceptorParams = pl.params
        guiding = ((kst.phase == COMMITTED) | (kst.phase == OUTBOUND)).sum(axis=2)
        return np.asarray(
            (kst.rack > 0)
            & (guiding < g.channels[None, :])
            & (kst.phase == FREE).any(axis=2)
        )

    def shot_cost(self, pl: Placed) -> FloatArray:
        """One launch: ``cost_usd``."""
        return np.asarray(pl.params.cost_usd, dtype=np.float64)

    def kernel_params(self, pl: Placed) -> InterceptorKernelParams:
        """The typed bundle the compiled kernels read."""
        g: InterceptorParams = pl.params
        return InterceptorKernelParams(
            g.pos_m,
            g.speed_mps,
            g.turn_rate_rad_s,
            g.pn,
            g.nav_constant,
            g.fuze_radius_m,
            g.range_max_m,
            g.endurance_s,
            g.launch_delay_s,
            g.reusable,
        )

    def evaluate(
        self,
        pl: Placed,
        kst: InterceptorState,
        ctx: DecideContext,
        out_pk: FloatArray,
        out_aux: FloatArray,
    ) -> None:
        """``pk_closure`` where a straight-line intercept fits; aux: time to launch."""
        _evaluate(
            ctx.rows,
            ctx.eligible,
            np.ascontiguousarray(ctx.free[:, pl.weapon : pl.weapon + pl.n]),
            ctx.pos_m,
            ctx.vel_mps,
            ctx.t_go_s,
            self.kernel_params(pl),
            pl.params.pk_closure,
            float(ctx.min_shot_pk),
            float(ctx.hold_range_m),
            out_pk,
            out_aux,
        )

    def commit(
        self,
        pl: Placed,
        kst: InterceptorState,
        ra: IntArray,
        unit: int,
        da: IntArray,
        t1: float,
        aux: FloatArray,
    ) -> None:
        """Launcher ``unit`` takes an interceptor off its rack for each of the drones."""
        s = np.argmax(kst.phase[ra, unit] == FREE, axis=1)
        kst.phase[ra, unit, s] = COMMITTED
        kst.target[ra, unit, s] = da
        kst.launch_s[ra, unit, s] = t1 + aux
        kst.rack[ra, unit] -= 1

    def fire(
        self,
        pl: Placed,
        kst: InterceptorState,
        st: ChunkState,
        slots: ShotSlots,
        step: int,
        t1: float,
        ev: Events | None,
    ) -> None:
        """Launch the committed interceptors due by ``t1`` (the ``fire`` event).

        The target must be airborne and within ``range_max_m``; else the engagement is
        cancelled and the interceptor goes back on the rack.
        """
        g: InterceptorParams = pl.params
        due = (kst.phase == COMMITTED) & (kst.launch_s <= t1)
        if not due.any():
            return
        for k in range(g.n):
            r, s = np.nonzero(due[:, k])
            if len(r) == 0:
                continue
            d = kst.target[r, k, s]
            ok = cancel_unfireable(pl, st, ev, t1, r, d, k)
            bad = ~ok
            if bad.any():
                kst.phase[r[bad], k, s[bad]] = FREE
                kst.target[r[bad], k, s[bad]] = -1
                kst.launch_s[r[bad], k, s[bad]] = np.inf
                kst.rack[r[bad], k] += 1
            r, s, d = r[ok], s[ok], d[ok]
            if len(r) == 0:
                continue
            home = g.pos_m[k]
            los = st.pos_m[r, d] - home
            aim = los
            if g.pn[k]:
                # Launched on the collision course where there is one.
                q, v = los, st.vel_mps[r, d]
                t_i = icpt_model.intercept_time_s(
                    q[:, 0], q[:, 1], q[:, 2], v[:, 0], v[:, 1], v[:, 2],
                    g.speed_mps[k], 0.0,
                )  # fmt: skip
                lead = q + v * np.where(np.isfinite(t_i), t_i, 0.0)[:, None]
                aim = np.where(np.isfinite(t_i)[:, None], lead, los)
            norm = np.linalg.norm(aim, axis=1)
            flat = norm == 0.0  # target over the launcher: climb straight up
            aim = np.where(flat[:, None], np.array([0.0, 0.0, 1.0]), aim)
            norm = np.where(flat, 1.0, norm)
            kst.phase[r, k, s] = OUTBOUND
            kst.launch_s[r, k, s] = t1
            kst.pos_m[r, k, s] = home
            kst.dir[r, k, s] = aim / norm[:, None]
            np.add.at(kst.launches, (r, np.full(len(r), k)), 1)
            st.t_first_shot_s[r, d] = np.fmin(st.t_first_shot_s[r, d], t1)
            if ev is not None:
                ev.add("fire", r, t1, d, pl.unit + k, st.pos_m[r, d], 1)

    def resolve(
        self,
        pl: Placed,
        kst: InterceptorState,
        st: ChunkState,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """Fly the interceptors over ``(t0, t1]``: closures and kills, engagements over.

        A target is held while it is airborne at ``t1`` and was in the air picture
        (detected within ``track_memory_s``) at ``t0``.
        """
        out = kst.phase == OUTBOUND
        if not out.any():
            return None
        g: InterceptorParams = pl.params
        p = pl.scenario
        dt = t1 - t0
        r, k, s = np.nonzero(out)
        d = kst.target[r, k, s]
        held = st.airborne()[r, d] & (
            t0 - st.t_last_detect_s[r, d] <= p.doctrine.track_memory_s
        )
        pos = np.ascontiguousarray(kst.pos_m[r, k, s])
        u = np.ascontiguousarray(kst.dir[r, k, s])
        code = np.empty(len(r), dtype=np.int64)
        tau = np.empty(len(r))
        _fly(
            k,
            pos,
            u,
            np.ascontiguousarray(st.pos_m[r, d]),
            np.ascontiguousarray(st.vel_mps[r, d]),
            held,
            t0 - kst.launch_s[r, k, s],
            self.kernel_params(pl),
            dt,
            code,
            tau,
        )
        kst.pos_m[r, k, s] = pos
        kst.dir[r, k, s] = u
        over = code != _GO
        if not over.any():
            return None
        r, k, s, d = r[over], k[over], s[over], d[over]
        code, tau, pos = code[over], tau[over], pos[over]
        t_end = t0 + tau
        closed = code == _CLOSED
        n_rep, n_d = st.status.shape
        t_kill = np.full((n_rep, n_d), np.inf)
        eff = np.full((n_rep, n_d), -1, dtype=np.int64)
        kill = np.zeros(len(r), dtype=bool)
        if closed.any():
            rc, kc, sc, dc = r[closed], k[closed], s[closed], d[closed]
            step = round(t0 / p.dt_s)
            u_draw = np.empty(len(rc))
            _draws(
                kst.keys,
                kc,
                st.reps[rc],
                st.drone_key[dc],
                step * SLOT_STRIDE + sc,
                u_draw,
            )
            kill[closed] = u_draw < g.pk_closure[kc]
        # The engagement is over: nothing pending, assessed from its end (a closure
        # like a shot resolving).
        st.pending[r, d] -= 1
        assess = np.where(closed, t_end + p.doctrine.assess_time_s, t_end)
        np.maximum.at(st.assessed_s, (r, d), assess)
        if kill.any():
            rk, kk, dk, tk = r[kill], k[kill], d[kill], t_end[kill]
            # Two interceptors on one drone: the earlier kill.
            np.minimum.at(t_kill, (rk, dk), tk)
            first = t_kill[rk, dk] == tk
            eff[rk[first], dk[first]] = pl.index + kk[first]
        reusable = g.reusable[k]
        back = np.linalg.norm(pos - g.pos_m[k], axis=1) / g.speed_mps[k]
        kst.target[r, k, s] = -1
        kst.launch_s[r, k, s] = np.inf
        kst.phase[r, k, s] = np.where(reusable, RETURNING, FREE)
        kst.land_s[r, k, s] = np.where(reusable, t_end + back, np.inf)
        if ev is not None:
            # Target's position at the end: back along its velocity from t1.
            where = st.pos_m[r, d] - st.vel_mps[r, d] * (t1 - t_end)[:, None]
            miss = closed & ~kill
            ev.add("miss", r[miss], t_end[miss], d[miss], pl.unit + k[miss],
                   where[miss], ev.outcome("miss"))  # fmt: skip
            stop = ~closed
            why = np.where(
                code[stop] == _LOST,
                ev.outcome("target_lost"),
                ev.outcome("out_of_envelope"),
            )
            ev.add("cancel", r[stop], t_end[stop], d[stop], pl.unit + k[stop],
                   where[stop], why)  # fmt: skip
        if not kill.any():
            return None
        return t_kill, eff


INTERCEPTOR = InterceptorKind()
"""The registered interceptor kind."""
