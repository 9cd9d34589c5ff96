"""High-power microwave emitters: one shot reaches every drone in the beam.

The engagement (docs/models.md, "High-power microwave"). Fire control aims an emitter
at a picture entry; the antenna slews to it (the gun's laying rule, with
``settle_s``); at the end of the first step at or after that, the emitter fires one
shot along the line to the aimed drone. Every airborne drone inside the beam (within
the cone's half-angle of the axis and within ``range_max_m``) is defeated
independently, with :func:`skyscreen.models.microwave.defeat_range_probability` of
its slant range and its class's susceptibility, one uniform per drone and shot from
the emitter's stream. The outcomes go into the shared shot table (one entry per drone
reached, in the emitter's slot for that drone) and are resolved, with the other kinds'
shots, in the next step's resolve stage; a defeated drone is ``killed`` (it falls
where it is) with cause ``microwave``.

Because one shot can defeat several drones, the decide stage aims area kinds before
the point weapons' assignment (:meth:`MicrowaveKind.aim`): each free emitter takes,
in unit order, the aim that removes the most expected threat value across its beam
(Σ value × survival × p over the entries the beam would reach), if that beats the
shot's weighted cost and the aimed entry's own p is at least ``min_shot_pk``; the
survival of every entry in the chosen beam is then discounted by its p, so the point
weapons' assignment sees what the shot is expected to leave.

The store holds ``burst_shots``; a shot spends one, and the store regains one every
``recharge_s`` up to full (the duty limit); two shots are at least ``shot_period_s``
apart.
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
from skyscreen.engine.rng import Purpose, draw, stream_key
from skyscreen.engine.shots import ShotSlots, launch_pulse
from skyscreen.engine.state import ChunkState, full
from skyscreen.models import gun as gun_model
from skyscreen.models import microwave as hpm_model
from skyscreen.scenario.kinds import MicrowaveParams

__all__ = ["MICROWAVE", "MicrowaveKind", "MicrowaveState"]

_EPS_S = 1e-9
"""Slack on time comparisons (shot period, store), against rounding of step times."""


@dataclass(slots=True, eq=False)
class MicrowaveState:
    """Emitters' state, each array (R, M) unless said.

    Attributes
    ----------
    target : int
        Drone aimed at (-1: none); the shot is fired at ``fire_s``.
    fire_s : float
        When the slew and settle end (inf: no target).
    store, store_t_s : float
        Shots in the store at time ``store_t_s``; it refills from there
        (:meth:`MicrowaveKind.store_at`).
    last_shot_s : float
        Time of the last shot (-inf: none).
    az_rad, el_rad : float
        Where the antenna points.
    engagements, shots : int
        Aims taken and shots fired (counters).
    keys : list of (int, int)
        Each emitter's stream key.
    """

    target: IntArray
    fire_s: FloatArray
    store: FloatArray
    store_t_s: FloatArray
    last_shot_s: FloatArray
    az_rad: FloatArray
    el_rad: FloatArray
    engagements: IntArray
    shots: IntArray
    keys: list[tuple[int, int]]


class MicrowaveKernelParams(NamedTuple):
    """The emitters' constants a compiled kernel reads (arrays over M)."""

    pos_m: FloatArray
    eirp_w: FloatArray
    cos_half_angle: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    slew_rate_rad_s: FloatArray
    settle_s: FloatArray


@njit(cache=True)
def _beam_p(
    g: MicrowaveKernelParams,
    k: int,
    ux: float,
    uy: float,
    uz: float,
    qx: float,
    qy: float,
    qz: float,
    s50: float,
    sigma: float,
) -> float:
    """P of a drone at offset q from emitter k, for a beam along unit vector u."""
    rng = math.sqrt(qx * qx + qy * qy + qz * qz)
    if rng > g.range_max_m[k]:
        return 0.0
    if rng > 0.0 and (ux * qx + uy * qy + uz * qz) < g.cos_half_angle[k] * rng:
        return 0.0
    p: float = hpm_model.defeat_range_probability(g.eirp_w[k], rng, s50, sigma)
    return p


@njit(cache=True)
def _aim(
    rows: IntArray,
    eligible: BoolArray,
    free: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    values: FloatArray,
    surv: FloatArray,
    identified: BoolArray,
    open_slots: IntArray,
    az: FloatArray,
    el: FloatArray,
    g: MicrowaveKernelParams,
    s50: FloatArray,
    sigma: FloatArray,
    hold_range: float,
    min_shot_pk: float,
    unit_cost: FloatArray,
    out_target: IntArray,
    out_aux: FloatArray,
    out_pk: FloatArray,
    out_value: FloatArray,
) -> None:
    """Each free emitter's best aim per row (B, M); discounts ``surv`` in its beam.

    Candidates are the eligible, identified (``identified``: all true unless weapons
    are tight for the kind) entries with an open slot within ``hold_range``; the beam
    is laid on the candidate's position predicted at the end of the slew, and every
    entry's predicted position there is tested against it. Emitters aim in unit
    order, each on the survival the ones before it left.
    """
    n_e = eligible.shape[1]
    n_m = g.pos_m.shape[0]
    for b in range(rows.shape[0]):
        r = rows[b]
        for k in range(n_m):
            out_target[b, k] = -1
            out_aux[b, k] = 0.0
            out_pk[b, k] = 0.0
            out_value[b, k] = 0.0
            if not free[r, k]:
                continue
            best_gain = unit_cost[k]
            best_c = -1
            best_t = 0.0
            best_p = 0.0
            for c in range(n_e):
                if not (eligible[r, c] and identified[b, c]) or open_slots[b, c] <= 0:
                    continue
                if values[b, c] * surv[b, c] <= 0.0:
                    continue
                rx = pos[r, c, 0] - g.pos_m[k, 0]
                ry = pos[r, c, 1] - g.pos_m[k, 1]
                rz = pos[r, c, 2] - g.pos_m[k, 2]
                ground = math.hypot(rx, ry)
                if math.sqrt(ground * ground + rz * rz) > hold_range:
                    continue
                s_t = gun_model.slew_time_s(
                    math.atan2(ry, rx) - az[r, k],
                    math.atan2(rz, ground) - el[r, k],
                    g.slew_rate_rad_s[k],
                    g.settle_s[k],
                )
                ax = rx + vel[r, c, 0] * s_t
                ay = ry + vel[r, c, 1] * s_t
                az_ = rz + vel[r, c, 2] * s_t
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
                inv = 1.0 / max(rng, 1e-9)
                ux, uy, uz = ax * inv, ay * inv, az_ * inv
                p_c = hpm_model.defeat_range_probability(
                    g.eirp_w[k], rng, s50[c], sigma[c]
                )
                if p_c <= 0.0 or p_c < min_shot_pk:
                    continue
                gain = 0.0
                for j in range(n_e):
                    w = values[b, j] * surv[b, j]
                    if w <= 0.0 or not identified[b, j]:
                        continue
                    p_j = _beam_p(
                        g,
                        k,
                        ux,
                        uy,
                        uz,
                        pos[r, j, 0] + vel[r, j, 0] * s_t - g.pos_m[k, 0],
                        pos[r, j, 1] + vel[r, j, 1] * s_t - g.pos_m[k, 1],
                        pos[r, j, 2] + vel[r, j, 2] * s_t - g.pos_m[k, 2],
                        s50[j],
                        sigma[j],
                    )
                    gain += w * p_j
                if gain > best_gain:
                    best_gain, best_c, best_t, best_p = gain, c, s_t, p_c
            if best_c < 0:
                continue
            out_target[b, k] = best_c
            out_aux[b, k] = best_t
            out_pk[b, k] = best_p
            out_value[b, k] = values[b, best_c]
            open_slots[b, best_c] -= 1
            # The shot is expected to leave each entry in the beam at (1 - p).
            cx = pos[r, best_c, 0] + vel[r, best_c, 0] * best_t - g.pos_m[k, 0]
            cy = pos[r, best_c, 1] + vel[r, best_c, 1] * best_t - g.pos_m[k, 1]
            cz = pos[r, best_c, 2] + vel[r, best_c, 2] * best_t - g.pos_m[k, 2]
            inv = 1.0 / max(math.sqrt(cx * cx + cy * cy + cz * cz), 1e-9)
            for j in range(n_e):
                if values[b, j] * surv[b, j] <= 0.0:
                    continue
                p_j = _beam_p(
                    g,
                    k,
                    cx * inv,
                    cy * inv,
                    cz * inv,
                    pos[r, j, 0] + vel[r, j, 0] * best_t - g.pos_m[k, 0],
                    pos[r, j, 1] + vel[r, j, 1] * best_t - g.pos_m[k, 1],
                    pos[r, j, 2] + vel[r, j, 2] * best_t - g.pos_m[k, 2],
                    s50[j],
                    sigma[j],
                )
                surv[b, j] *= 1.0 - p_j


class MicrowaveKind(EffectorBase):
    """The high-power microwave kind (assignable, an area weapon: see :meth:`aim`)."""

    name = "microwave"
    purpose = int(Purpose.MICROWAVE)
    assignable = True
    area = True
    """Aimed before the point weapons' assignment (``aim``, not ``evaluate``)."""

    columns = ("engagements", "rounds_fired")
    """The effectors-table columns this kind counts (shots as rounds)."""

    def init(self, pl: Placed, n_rep: int, seed: int) -> MicrowaveState:
        """Full stores, pointing east, nothing aimed."""
        g: MicrowaveParams = pl.params
        shape = (n_rep, g.n)
        return MicrowaveState(
            target=full(shape, -1, np.int64),
            fire_s=full(shape, np.inf),
            store=np.broadcast_to(g.burst_shots, shape).copy(),
            store_t_s=np.zeros(shape),
            last_shot_s=full(shape, -np.inf),
            az_rad=np.zeros(shape),
            el_rad=np.zeros(shape),
            engagements=np.zeros(shape, dtype=np.int64),
            shots=np.zeros(shape, dtype=np.int64),
            keys=[stream_key(seed, self.purpose, i) for i in g.ids],
        )

    @staticmethod
    def store_at(pl: Placed, kst: MicrowaveState, t_s: float) -> FloatArray:
        """Shots in each store at ``t_s`` (R, M): ``min(full, store + Δt / recharge)``."""
        g: MicrowaveParams = pl.params
        idle = np.maximum(t_s - kst.store_t_s, 0.0)
        return np.asarray(
            np.minimum(g.burst_shots[None, :], kst.store + idle / g.recharge_s[None, :])
        )

    def shot_slots(self, pl: Placed) -> IntArray:
        """One slot per drone: a shot may reach them all."""
        return np.full(pl.n, pl.scenario.drones.n, dtype=np.int64)

    def busy(self, kst: MicrowaveState) -> bool:
        """Whether an emitter is slewing to an aim."""
        return bool((kst.target >= 0).any())

    def in_envelope(self, pl: Placed, unit: IntArray, pos_m: FloatArray) -> BoolArray:
        """Whether points (N, 3) lie where emitters ``unit`` (N,) may lay the beam."""
        return pointing_envelope(pl.params, unit, pos_m)

    def magazine(self, kst: MicrowaveState) -> FloatArray:
        """Shots in each store (R, M), as last updated."""
        return kst.store

    def cost(self, pl: Placed, kst: MicrowaveState) -> FloatArray:
        """Shots fired times the cost of a shot (R, M) (USD)."""
        return np.asarray(kst.shots * pl.params.cost_per_shot_usd[None, :])

    def accounting(self, pl: Placed, kst: MicrowaveState) -> dict[str, IntArray]:
        """Aims taken, and shots fired as rounds."""
        return {"engagements": kst.engagements, "rounds_fired": kst.shots}

    def free(
        self,
        pl: Placed,
        kst: MicrowaveState,
        st: ChunkState,
        slots: ShotSlots,
        t1: float,
    ) -> BoolArray:
        """Emitters with no aim, a shot in the store and the shot period over."""
        g: MicrowaveParams = pl.params
        return np.asarray(
            (kst.target < 0)
            & (self.store_at(pl, kst, t1) >= 1.0 - _EPS_S)
            & (t1 - kst.last_shot_s >= g.shot_period_s[None, :] - _EPS_S)
        )

    def shot_cost(self, pl: Placed) -> FloatArray:
        """The cost of one shot (M,) (USD)."""
        return np.asarray(pl.params.cost_per_shot_usd, dtype=np.float64)

    def kernel_params(self, pl: Placed) -> MicrowaveKernelParams:
        """The typed bundle the compiled kernels read."""
        g: MicrowaveParams = pl.params
        return MicrowaveKernelParams(
            g.pos_m,
            g.eirp_w,
            np.cos(g.half_angle_rad),
            g.range_max_m,
            g.elevation_min_rad,
            g.elevation_max_rad,
            g.slew_rate_rad_s,
            g.settle_s,
        )

    def evaluate(
        self,
        pl: Placed,
        kst: MicrowaveState,
        ctx: DecideContext,
        out_pk: FloatArray,
        out_aux: FloatArray,
    ) -> None:
        """No Pk for the point weapons' assignment: emitters are aimed by :meth:`aim`."""
        out_pk[...] = 0.0
        out_aux[...] = 0.0

    def aim(
        self,
        pl: Placed,
        kst: MicrowaveState,
        ctx: DecideContext,
        surv: FloatArray,
        identified: BoolArray,
        open_slots: IntArray,
        unit_cost: FloatArray,
        out_target: IntArray,
        out_aux: FloatArray,
        out_pk: FloatArray,
        out_value: FloatArray,
    ) -> None:
        """Aim the free emitters of rows ``ctx.rows`` (see the module docstring).

        ``surv`` (B, E) and ``open_slots`` (B, E) are updated in place for the
        assignment that follows; ``out_*`` are (B, M): the aimed entry (-1: none),
        the slew time, the aimed entry's p and its threat value.
        """
        dr = pl.scenario.drones
        _aim(
            ctx.rows,
            ctx.eligible,
            np.ascontiguousarray(ctx.free[:, pl.weapon : pl.weapon + pl.n]),
            ctx.pos_m,
            ctx.vel_mps,
            ctx.values,
            surv,
            identified,
            open_slots,
            kst.az_rad,
            kst.el_rad,
            self.kernel_params(pl),
            dr.hpm_s50_w_m2,
            dr.hpm_sigma_ln,
            float(ctx.hold_range_m),
            float(ctx.min_shot_pk),
            np.ascontiguousarray(unit_cost, dtype=np.float64),
            out_target,
            out_aux,
            out_pk,
            out_value,
        )

    def commit(
        self,
        pl: Placed,
        kst: MicrowaveState,
        ra: IntArray,
        unit: int,
        da: IntArray,
        t1: float,
        aux: FloatArray,
    ) -> None:
        """Emitter ``unit`` slews to the drones; it fires once ``aux`` is over."""
        kst.target[ra, unit] = da
        kst.fire_s[ra, unit] = t1 + aux
        kst.engagements[ra, unit] += 1

    def fire(
        self,
        pl: Placed,
        kst: MicrowaveState,
        st: ChunkState,
        slots: ShotSlots,
        step: int,
        t1: float,
        ev: Events | None,
    ) -> None:
        """Fire the shots of emitters laid by ``t1``: every drone in the beam is drawn."""
        g: MicrowaveParams = pl.params
        dr = pl.scenario.drones
        alive = st.airborne()
        for k in range(g.n):
            r = np.flatnonzero((kst.target[:, k] >= 0) & (kst.fire_s[:, k] <= t1))
            if len(r) == 0:
                continue
            d = kst.target[r, k]
            _, az, el = slant_geometry(g.pos_m[k], st.pos_m[r, d])
            ok = cancel_unfireable(pl, st, ev, t1, r, d, k)
            kst.target[r, k] = -1
            kst.fire_s[r, k] = np.inf
            kst.az_rad[r, k] = az
            kst.el_rad[r, k] = el
            r, d = r[ok], d[ok]
            if len(r) == 0:
                continue
            kst.store[r, k] = self.store_at(pl, kst, t1)[r, k] - 1.0
            kst.store_t_s[r, k] = t1
            kst.last_shot_s[r, k] = t1
            kst.shots[r, k] += 1
            # The beam: every airborne drone within the cone about the line to the aim.
            axis = st.pos_m[r, d] - g.pos_m[k]
            axis /= np.maximum(np.linalg.norm(axis, axis=-1), 1e-9)[:, None]
            rel = st.pos_m[r] - g.pos_m[k]  # (n, D, 3)
            rng = np.linalg.norm(rel, axis=-1)
            along = np.einsum("ndx,nx->nd", rel, axis)
            inside = (
                alive[r]
                & (rng <= g.range_max_m[k])
                & (along >= np.cos(g.half_angle_rad[k]) * rng)
            )
            inside[np.arange(len(r)), d] = True
            ri, di = np.nonzero(inside)
            rows = r[ri]
            p = hpm_model.defeat_range_probability(
                g.eirp_w[k], rng[ri, di], dr.hpm_s50_w_m2[di], dr.hpm_sigma_ln[di]
            )
            u = draw(kst.keys[k], st.reps[rows], st.drone_key[di], step)
            launch_pulse(st, slots, pl.index + k, rows, di, u < p, p, t1, di == d[ri])
            if ev is not None:
                ev.add("fire", r, t1, d, pl.unit + k, st.pos_m[r, d], 1)


MICROWAVE = MicrowaveKind()
"""The registered microwave kind."""
