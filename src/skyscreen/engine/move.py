"""The move stage: drones launched in the step appear, and every airborne drone moves.

Flying drones steer toward their route point with a bank-limited turn rate and a
climb-limited height, capture a waypoint within their turn radius, and dive straight at
the aim point once within ``dive_range_m`` of it — or within their turn radius or one
step's flight, where a wing can no longer turn onto it. Neutralised drones hover in
place or fly home (``on_link_loss``). Equations: :mod:`skyscreen.models.kinematics`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.codes import FLYING, NEUTRALISED, PENDING
from skyscreen.engine.events import Events
from skyscreen.engine.state import ChunkState
from skyscreen.models import kinematics
from skyscreen.scenario.params import LINK_LOSS, ScenarioParams

__all__ = ["launch_and_move"]

_RETURN = LINK_LOSS.index("return")


class DroneKernelParams(NamedTuple):
    """The drones' constants the move kernel reads (arrays over D)."""

    n_waypoints: IntArray
    on_link_loss: IntArray
    dive_range_m: FloatArray
    bank_max_rad: FloatArray
    cruise_height_m: FloatArray
    climb_rate_mps: FloatArray
    dive_speed_mps: FloatArray


@njit(cache=True)
def _move(
    k: IntArray,
    n_d: int,
    t0: float,
    t1: float,
    status: IntArray,
    t_launch: FloatArray,
    pos: FloatArray,
    vel: FloatArray,
    heading: FloatArray,
    speed: FloatArray,
    wp_idx: IntArray,
    route: FloatArray,
    home: FloatArray,
    diving: BoolArray,
    dp: DroneKernelParams,
    arrive: FloatArray,
    home_reached: FloatArray,
) -> None:
    """Move the airborne drones ``k`` (flat indices r·D + d) from ``t0`` to ``t1``.

    Writes ``pos, vel, heading, wp_idx, diving`` of the moved drones, their arrival
    time at the aim point into ``arrive`` and the time a returning drone reaches home
    into ``home_reached`` (both inf otherwise).
    """
    # g·tan(bank) of each drone, once per call rather than twice per drone-step (the
    # turn radius v²/(g·tan φ) and turn rate g·tan φ / v of models.kinematics, the
    # same operations in the same order, so the same bits).
    g_tan = np.empty(dp.bank_max_rad.shape[0])
    for d in range(g_tan.shape[0]):
        g_tan[d] = kinematics.G_MPS2 * math.tan(dp.bank_max_rad[d])
    for i in range(k.shape[0]):
        j = k[i]
        d = j % n_d
        flying = status[j] == FLYING
        returning = (not flying) and dp.on_link_loss[d] == _RETURN
        hovering = (not flying) and (not returning)
        start = max(t_launch[j], t0)
        dte = 0.0 if hovering else min(max(t1 - start, 0.0), t1 - t0)
        px, py, pz = pos[j, 0], pos[j, 1], pos[j, 2]
        wp = wp_idx[j]
        if returning:
            tx, ty, tz = home[j, 0], home[j, 1], home[j, 2]
        else:
            tx, ty, tz = route[j, wp, 0], route[j, wp, 1], route[j, wp, 2]
        final = (wp == dp.n_waypoints[d]) and (not returning)
        dx, dy = tx - px, ty - py
        # The horizontal distance decides only a flying drone's dive onto its aim
        # point and a returning drone's arrival home: skip the hypotenuse otherwise.
        dist_h = math.hypot(dx, dy) if (flying and final) or returning else 0.0
        v = speed[j]
        # Within its turn radius (or a step) of a point a wing can no longer turn onto
        # it: it captures a waypoint there, and starts its dive there at the latest,
        # whatever dive_range says.
        capture = max(v * v / g_tan[d], v * (t1 - t0))  # kinematics.turn_radius_m
        div = diving[j] or (
            flying and final and dist_h <= max(dp.dive_range_m[d], capture)
        )
        diving[j] = div
        dive = div and flying
        cruise = (flying and not dive) or returning
        arrive[j] = np.inf
        home_reached[j] = np.inf
        if dive:
            vx, vy, vz = tx - px, ty - py, tz - pz
            d3 = math.sqrt(vx * vx + vy * vy + vz * vz)
            vd = dp.dive_speed_mps[d]
            dstep = vd * dte
            if d3 > 0.0:
                ux, uy, uz = vx / d3, vy / d3, vz / d3
            else:
                ux, uy, uz = 0.0, 0.0, 0.0
            s = min(dstep, d3)
            pos[j, 0] = px + ux * s
            pos[j, 1] = py + uy * s
            pos[j, 2] = pz + uz * s
            vel[j, 0] = ux * vd
            vel[j, 1] = uy * vd
            vel[j, 2] = uz * vd
            heading[j] = math.atan2(uy, ux)
            if d3 <= dstep:
                arrive[j] = start + d3 / vd
        elif cruise:
            rate = g_tan[d] / max(v, 1e-9)  # kinematics.max_turn_rate_rad_s
            ch = kinematics.steer_heading(heading[j], math.atan2(dy, dx), rate, dte)
            step = v * dte
            z_goal = dp.cruise_height_m[d] if (final or returning) else tz
            cl = dp.climb_rate_mps[d] * dte
            dz = min(max(z_goal - pz, -cl), cl)
            c, s = math.cos(ch), math.sin(ch)
            nx, ny = px + step * c, py + step * s
            pos[j, 0] = nx
            pos[j, 1] = ny
            pos[j, 2] = pz + dz
            vel[j, 0] = v * c
            vel[j, 1] = v * s
            vel[j, 2] = dz / dte if dte > 0.0 else 0.0
            heading[j] = ch
            if (
                (not final)
                and (not returning)
                and math.hypot(tx - nx, ty - ny) <= capture
            ):
                wp_idx[j] = wp + 1
            if returning and dist_h <= step:
                home_reached[j] = start + dist_h / max(v, 1e-9)
        else:  # hovering
            vel[j, 0] = 0.0
            vel[j, 1] = 0.0
            vel[j, 2] = 0.0


def _flat(a: FloatArray) -> FloatArray:
    """View an (R, D, ...) array as (R·D, ...), to index drones by one number."""
    return a.reshape(-1, *a.shape[2:])


def launch_and_move(
    st: ChunkState, p: ScenarioParams, t0: float, t1: float, ev: Events | None
) -> tuple[FloatArray, FloatArray]:
    """Launch due drones and move every airborne one to ``t1``.

    Works on the airborne drones only, by flat index. Returns the time (R, D) a drone
    reaches its aim point in the step and the time a returning drone reaches home
    (inf otherwise). Both are written for the airborne drones only; the other entries are undefined (filling them cost a
    pass over memory per step, and the outcomes stage reads airborne drones only).
    Drones that arrive stay FLYING here; the outcomes stage decides what happened
    first.
    """
    dr = p.drones
    arrive = np.empty(st.status.shape)
    home = np.empty(st.status.shape)
    new = (st.status == PENDING) & (st.t_launch_s <= t1)
    if new.any():
        st.status[new] = FLYING
        if ev is not None:
            r, d = np.nonzero(new)
            ev.add("launch", r, st.t_launch_s[r, d], d, -1, st.home_m[r, d])
    status = st.status.reshape(-1)
    k = np.flatnonzero((status == FLYING) | (status == NEUTRALISED))
    if len(k) == 0:
        return arrive, home
    _move(
        k,
        dr.n,
        float(t0),
        float(t1),
        status,
        st.t_launch_s.reshape(-1),
        _flat(st.pos_m),
        _flat(st.vel_mps),
        st.heading_rad.reshape(-1),
        st.speed_mps.reshape(-1),
        st.wp_idx.reshape(-1),
        _flat(st.route_m),
        _flat(st.home_m),
        st.diving.reshape(-1),
        DroneKernelParams(
            dr.n_waypoints,
            dr.on_link_loss,
            dr.dive_range_m,
            dr.bank_max_rad,
            dr.cruise_height_m,
            dr.climb_rate_mps,
            dr.dive_speed_mps,
        ),
        arrive.reshape(-1),
        home.reshape(-1),
    )
    return arrive, home
