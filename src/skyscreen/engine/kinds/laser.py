"""Lasers: one target at a time, killed when the fluence of the dwell reaches a threshold.

The engagement (docs/models.md, "Laser"): fire control assigns a target; the beam
director slews to it and acquires it (the gun's laying rule, with ``acquire_s`` as its
settle time); the dwell starts at the end of the first step at or after that, and in
every later step the fluence grows by the irradiance on the target
(:func:`skyscreen.models.laser.relative_irradiance`, trapezoidal between the ranges at
the ends of the step). The drone is killed when the fluence reaches the laser's
``dwell_ref_s`` (seconds at the clear-air reference irradiance), at the instant found
by linear interpolation within the step. A dwell is broken (the fluence is lost, the
lasing time spent) when the target is no longer airborne, leaves the envelope or the
air picture, or when the thermal store runs dry.

The thermal store holds ``firing_budget_s`` seconds of lasing: lasing drains it second
for second, and time not lasing refills it at ``firing_budget_s / cooldown_s`` per
second up to full. Lasing time is counted in ``lased_s`` and costed at
``cost_per_second_usd``. No random numbers are drawn: the outcome of a dwell is decided
by the geometry alone.
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
    pointing_envelope,
    slant_geometry,
)
from skyscreen.engine.rng import Purpose
from skyscreen.engine.shots import ShotSlots
from skyscreen.engine.state import ChunkState, full
from skyscreen.models import gun as gun_model
from skyscreen.models import laser as laser_model
from skyscreen.scenario.kinds import LaserParams

__all__ = ["LASER", "LaserKind", "LaserState"]


@dataclass(slots=True, eq=False)
class LaserState:
    """Lasers' state, each array (R, L).

    Attributes
    ----------
    target : int
        Drone engaged (-1: none): slewing until ``fire_s``, then dwelling.
    fire_s : float
        When the slew and acquisition end (inf: dwelling, or no target).
    dwelling : bool
        The beam is on the target.
    fluence_s : float
        Fluence on the target so far, in seconds at the clear-air reference
        irradiance (kill at ``dwell_ref_s``).
    range_m : float
        Slant range to the target at the end of the last step of the dwell.
    charge_s, charge_t_s : float
        Seconds of lasing left in the thermal store at time ``charge_t_s``; a laser
        not dwelling refills from there (:meth:`LaserKind.charge_at`).
    az_rad, el_rad : float
        Where the beam director points.
    engagements : int
        Assignments (counter).
    lased_s : float
        Seconds of lasing so far (counter; the cost).
    """

    target: IntArray
    fire_s: FloatArray
    dwelling: BoolArray
    fluence_s: FloatArray
    range_m: FloatArray
    charge_s: FloatArray
    charge_t_s: FloatArray
    az_rad: FloatArray
    el_rad: FloatArray
    engagements: IntArray
    lased_s: FloatArray


class LaserKernelParams(NamedTuple):
    """The lasers' constants a compiled kernel reads (arrays over L)."""

    pos_m: FloatArray
    dwell_ref_s: FloatArray
    range_ref_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    slew_rate_rad_s: FloatArray
    acquire_s: FloatArray


@njit(cache=True)
def _evaluate(
    rows: IntArray,
    eligible: BoolArray,
    free: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    t_go: FloatArray,
    charge: FloatArray,
    az: FloatArray,
    el: FloatArray,
    g: LaserKernelParams,
    alpha: float,
    hold_range: float,
    out_pk: FloatArray,
    out_aux: FloatArray,
) -> None:
    """Pk (0 or 1) and time to the dwell's start of every (row, laser, drone) (B, L, D).

    Pk is 1 when, at constant velocity, the drone is in the envelope when the dwell
    starts (after the slew and acquisition) and when a dwell at that starting range
    would end, the dwell fits in the thermal store (``charge``: (R, L)) and ends
    before the drone's time to go (when it has one, t_go > 0).
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
            px, py, pz = pos[r, d, 0], pos[r, d, 1], pos[r, d, 2]
            vx, vy, vz = vel[r, d, 0], vel[r, d, 1], vel[r, d, 2]
            for k in range(n_l):
                if not free[r, k]:
                    continue
                rx, ry, rz = px - g.pos_m[k, 0], py - g.pos_m[k, 1], pz - g.pos_m[k, 2]
                ground = math.hypot(rx, ry)
                if math.sqrt(ground * ground + rz * rz) > hold_range:
                    continue
                s_t = gun_model.slew_time_s(
                    math.atan2(ry, rx) - az[r, k],
                    math.atan2(rz, ground) - el[r, k],
                    g.slew_rate_rad_s[k],
                    g.acquire_s[k],
                )
                out_aux[b, k, d] = s_t
                ax, ay, az_ = rx + vx * s_t, ry + vy * s_t, rz + vz * s_t
                ground = math.hypot(ax, ay)
                rng = math.sqrt(ground * ground + az_ * az_)
                if not gun_model.in_envelope(
                    rng,
                    math.atan2(az_, ground),
                    0.0,
                    g.range_max_m[k],
                    g.elevation_min_rad[k],
                    g.elevation_max_rad[k],
                ):
                    continue
                t_d = laser_model.dwell_time_s(
                    rng, alpha, g.dwell_ref_s[k], g.range_ref_m[k]
                )
                if t_d > charge[r, k]:
                    continue
                if t_go[b, d] > 0.0 and s_t + t_d > t_go[b, d]:
                    continue
                ex, ey, ez = ax + vx * t_d, ay + vy * t_d, az_ + vz * t_d
                ground = math.hypot(ex, ey)
                if not gun_model.in_envelope(
                    math.sqrt(ground * ground + ez * ez),
                    math.atan2(ez, ground),
                    0.0,
                    g.range_max_m[k],
                    g.elevation_min_rad[k],
                    g.elevation_max_rad[k],
                ):
                    continue
                # min_shot_pk <= 1 never rules out a certain kill.
                out_pk[b, k, d] = 1.0


class LaserKind(EffectorBase):
    """The laser effector kind (assignable; its dwells resolve in its own state)."""

    name = "laser"
    purpose = int(Purpose.LASER)
    assignable = True

    columns = ("engagements",)
    """The effectors-table columns this kind counts."""

    def init(self, pl: Placed, n_rep: int, seed: int) -> LaserState:
        """Full thermal stores, pointing east, nothing engaged."""
        g: LaserParams = pl.params
        shape = (n_rep, g.n)
        return LaserState(
            target=full(shape, -1, np.int64),
            fire_s=full(shape, np.inf),
            dwelling=np.zeros(shape, dtype=bool),
            fluence_s=np.zeros(shape),
            range_m=np.zeros(shape),
            charge_s=np.broadcast_to(g.firing_budget_s, shape).copy(),
            charge_t_s=np.zeros(shape),
            az_rad=np.zeros(shape),
            el_rad=np.zeros(shape),
            engagements=np.zeros(shape, dtype=np.int64),
            lased_s=np.zeros(shape),
        )

    @staticmethod
    def charge_at(pl: Placed, kst: LaserState, t_s: float) -> FloatArray:
        """Seconds of lasing in each store at ``t_s`` (R, L), for lasers not dwelling.

        ``min(budget, charge + (t − t_charge) · budget / cooldown)``.
        """
        g: LaserParams = pl.params
        rate = g.firing_budget_s / g.cooldown_s
        idle = np.maximum(t_s - kst.charge_t_s, 0.0)
        return np.asarray(
            np.minimum(g.firing_budget_s[None, :], kst.charge_s + idle * rate[None, :])
        )

    def busy(self, kst: LaserState) -> bool:
        """Whether a laser is slewing to or dwelling on a target."""
        return bool((kst.target >= 0).any())

    def in_envelope(self, pl: Placed, unit: IntArray, pos_m: FloatArray) -> BoolArray:
        """Whether points (N, 3) lie in the envelopes of lasers ``unit`` (N,)."""
        return pointing_envelope(pl.params, unit, pos_m)

    def magazine(self, kst: LaserState) -> FloatArray:
        """Seconds of lasing left in each thermal store (R, L), as last updated."""
        return kst.charge_s

    def cost(self, pl: Placed, kst: LaserState) -> FloatArray:
        """Seconds lased times the cost of a second (R, L) (USD)."""
        return np.asarray(kst.lased_s * pl.params.cost_per_second_usd[None, :])

    def accounting(self, pl: Placed, kst: LaserState) -> dict[str, IntArray]:
        """Engagements."""
        return {"engagements": kst.engagements}

    def free(
        self, pl: Placed, kst: LaserState, st: ChunkState, slots: ShotSlots, t1: float
    ) -> BoolArray:
        """Lasers with no target (the thermal store is checked per target).

        Brings the stores of lasers not dwelling up to ``t1`` first, for ``evaluate``.
        """
        idle = ~kst.dwelling
        kst.charge_s[idle] = self.charge_at(pl, kst, t1)[idle]
        kst.charge_t_s[idle] = t1
        return np.asarray(kst.target < 0)

    def shot_cost(self, pl: Placed) -> FloatArray:
        """A reference dwell's lasing: ``dwell_ref_s`` × ``cost_per_second_usd``."""
        g: LaserParams = pl.params
        return np.asarray(g.dwell_ref_s * g.cost_per_second_usd, dtype=np.float64)

    def kernel_params(self, pl: Placed) -> LaserKernelParams:
        """The typed bundle the compiled kernel reads."""
        g: LaserParams = pl.params
        return LaserKernelParams(
            g.pos_m,
            g.dwell_ref_s,
            g.range_ref_m,
            g.range_max_m,
            g.elevation_min_rad,
            g.elevation_max_rad,
            g.slew_rate_rad_s,
            g.acquire_s,
        )

    def evaluate(
        self,
        pl: Placed,
        kst: LaserState,
        ctx: DecideContext,
        out_pk: FloatArray,
        out_aux: FloatArray,
    ) -> None:
        """Pk 1 if a dwell can kill (constant range, store, t_go); aux: time to start."""
        # ``free`` brought the stores up to the decision time. The store when the
        # dwell starts would be a little fuller; the charge now is the conservative
        # test.
        charge = np.ascontiguousarray(np.where(kst.target < 0, kst.charge_s, 0.0))
        _evaluate(
            ctx.rows,
            ctx.eligible,
            np.ascontiguousarray(ctx.free[:, pl.weapon : pl.weapon + pl.n]),
            ctx.pos_m,
            ctx.vel_mps,
            ctx.t_go_s,
            charge,
            kst.az_rad,
            kst.el_rad,
            self.kernel_params(pl),
            float(pl.params.alpha_per_m),
            float(ctx.hold_range_m),
            out_pk,
            out_aux,
        )

    def commit(
        self,
        pl: Placed,
        kst: LaserState,
        ra: IntArray,
        unit: int,
        da: IntArray,
        t1: float,
        aux: FloatArray,
    ) -> None:
        """Laser ``unit`` slews to the drones; its dwell starts once ``aux`` is over."""
        kst.target[ra, unit] = da
        kst.fire_s[ra, unit] = t1 + aux
        kst.engagements[ra, unit] += 1

    def fire(
        self,
        pl: Placed,
        kst: LaserState,
        st: ChunkState,
        slots: ShotSlots,
        step: int,
        t1: float,
        ev: Events | None,
    ) -> None:
        """Start the dwells of lasers on target by ``t1`` (the ``fire`` event)."""
        g: LaserParams = pl.params
        for k in range(g.n):
            r = np.flatnonzero(
                (kst.target[:, k] >= 0) & ~kst.dwelling[:, k] & (kst.fire_s[:, k] <= t1)
            )
            if len(r) == 0:
                continue
            d = kst.target[r, k]
            rng, az, el = slant_geometry(g.pos_m[k], st.pos_m[r, d])
            ok = cancel_unfireable(pl, st, ev, t1, r, d, k)
            kst.fire_s[r, k] = np.inf
            kst.az_rad[r, k] = az
            kst.el_rad[r, k] = el
            kst.target[r[~ok], k] = -1
            r, d, rng = r[ok], d[ok], rng[ok]
            if len(r) == 0:
                continue
            kst.charge_s[r, k] = self.charge_at(pl, kst, t1)[r, k]
            kst.charge_t_s[r, k] = t1
            kst.dwelling[r, k] = True
            kst.fluence_s[r, k] = 0.0
            kst.range_m[r, k] = rng
            st.t_first_shot_s[r, d] = np.fmin(st.t_first_shot_s[r, d], t1)
            if ev is not None:
                ev.add("fire", r, t1, d, pl.unit + k, st.pos_m[r, d], 1)

    def resolve(
        self,
        pl: Placed,
        kst: LaserState,
        st: ChunkState,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """Advance the dwells over ``(t0, t1]``: kills, and dwells broken.

        A dwell holds through the step if at ``t1`` the target is airborne and in the
        envelope, and at ``t0`` it was in the air picture (detected within
        ``track_memory_s``); else it is broken at ``t0`` (target lost: no lasing in
        the step) or at ``t1`` (out of the envelope: the step's lasing is spent). A
        held dwell lases until the kill or until the store runs dry, whichever
        comes first.
        """
        if not kst.dwelling.any():
            return None
        g: LaserParams = pl.params
        p = pl.scenario
        n_rep, n_d = st.status.shape
        t_kill = np.full((n_rep, n_d), np.inf)
        eff = np.full((n_rep, n_d), -1, dtype=np.int64)
        r, k = np.nonzero(kst.dwelling)
        d = kst.target[r, k]
        dt = t1 - t0
        held = st.airborne()[r, d] & (
            t0 - st.t_last_detect_s[r, d] <= p.doctrine.track_memory_s
        )
        rng, _, el = slant_geometry(g.pos_m[k], st.pos_m[r, d])
        inside = np.asarray(
            gun_model.in_envelope(
                rng,
                el,
                0.0,
                g.range_max_m[k],
                g.elevation_min_rad[k],
                g.elevation_max_rad[k],
            )
        )
        # Fluence at t1 if the beam stays on for the whole step (trapezoid).
        i0 = laser_model.relative_irradiance(
            kst.range_m[r, k], g.alpha_per_m, g.range_ref_m[k]
        )
        i1 = laser_model.relative_irradiance(rng, g.alpha_per_m, g.range_ref_m[k])
        f0 = kst.fluence_s[r, k]
        f1 = f0 + 0.5 * (i0 + i1) * dt
        need = g.dwell_ref_s[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            tau_kill = np.where(f1 >= need, (need - f0) / (f1 - f0) * dt, np.inf)
        charge = kst.charge_s[r, k]
        kills = held & inside & (tau_kill <= charge)
        dry = held & inside & ~kills & (charge < dt)
        # Lasing time in the step: none if the target was lost; to the kill; to the
        # store running dry; else the whole step (out of the envelope at t1 too).
        lased = np.where(
            ~held, 0.0, np.where(kills, tau_kill, np.where(dry, charge, dt))
        )
        lased = np.minimum(lased, charge)
        kst.charge_s[r, k] = charge - lased
        kst.charge_t_s[r, k] = t0 + lased
        kst.lased_s[r, k] += lased
        kst.fluence_s[r, k] = np.where(kills, need, f1)
        kst.range_m[r, k] = rng
        over = kills | ~held | ~inside | dry
        if not over.any():
            return None
        ro, ko, do = r[over], k[over], d[over]
        st.pending[ro, do] -= 1
        st.assessed_s[ro, do] = np.maximum(st.assessed_s[ro, do], t0 + lased[over])
        kst.target[ro, ko] = -1
        kst.dwelling[ro, ko] = False
        kst.fluence_s[ro, ko] = 0.0
        _, az, _ = slant_geometry(g.pos_m[ko], st.pos_m[ro, do])
        kst.az_rad[ro, ko] = az
        kst.el_rad[ro, ko] = el[over]
        if kills.any():
            rk, kk, dk = r[kills], k[kills], d[kills]
            t_k = t0 + tau_kill[kills]
            # Two lasers on one drone: the earlier kill (np.minimum.at keeps it).
            np.minimum.at(t_kill, (rk, dk), t_k)
            first = t_kill[rk, dk] == t_k
            eff[rk[first], dk[first]] = pl.index + kk[first]
        broken = over & ~kills
        if ev is not None and broken.any():
            rb, kb, db = r[broken], k[broken], d[broken]
            why = np.select(
                [~held[broken], ~inside[broken]],
                [ev.outcome("target_lost"), ev.outcome("out_of_envelope")],
                ev.outcome("no_ammunition"),
            )
            t_b = t0 + lased[broken]
            pos = st.pos_m[rb, db] - st.vel_mps[rb, db] * (t1 - t_b)[:, None]
            ev.add("cancel", rb, t_b, db, pl.unit + kb, pos, why)
        return t_kill, eff


LASER = LaserKind()
"""The registered laser kind."""
