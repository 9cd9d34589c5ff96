r"""Interceptor drones: intercept time, turn-limited guidance and the proximity fuze.

An interceptor is a point mass flying at constant speed :math:`v_i` whose velocity
direction turns at most :math:`\omega_{max}` (MODELS.md, Effectors: "Interceptor
drone"). Against a target moving at constant velocity :math:`v` from :math:`q`
(relative to the launcher), an interceptor launched after a delay :math:`t_l` on the
straight collision course meets it at the smallest :math:`t \ge t_l` with

.. math:: |q + v t| = v_i (t - t_l),

so head-on at closing distance :math:`d` (launched at once) it meets at
:math:`t = d/(v_i + v_t)`; in a tail chase at :math:`d/(v_i - v_t)` if
:math:`v_i > v_t`, and never otherwise (:func:`head_on_time_s`,
:func:`tail_chase_time_s`).

In flight it steers by **pure pursuit** (its velocity turns toward the line of sight
to the target) or **proportional navigation** (a lateral acceleration
:math:`a = N V_c \dot\lambda`, :math:`V_c` the closing speed and :math:`\dot\lambda`
the line-of-sight rate, i.e. a turn rate :math:`a / v_i`), the turn rate capped at
:math:`\omega_{max}` either way (:func:`pursuit_turn`, :func:`pn_turn`). Within a step
both the interceptor and the target fly straight; the fuze fires at the first instant
their distance is within the fuze radius (:func:`fuze_time_s`), and the target is
killed there with probability :math:`p_c`.

Sources: Zarchan, *Tactical and Strategic Missile Guidance* (6th ed., 2012), ch. 2
(proportional navigation) and ch. 1 (pursuit); Shneydor, *Missile Guidance and Pursuit*
(1998), on the pure-pursuit tail chase that never closes on a faster target.

Examples
--------
>>> float(head_on_time_s(1400.0, 60.0, 10.0))  # closing at 70 m/s
20.0
>>> float(tail_chase_time_s(1000.0, 60.0, 40.0))  # gaining 20 m/s
50.0
>>> tail_chase_time_s(1000.0, 40.0, 50.0)  # slower than its target: never
inf
"""

from __future__ import annotations

import math

from numba import njit

from skyscreen.models import missile as missile_model
from skyscreen.models.jit import ufunc

__all__ = [
    "fuze_time_s",
    "head_on_time_s",
    "intercept_time_s",
    "pn_turn",
    "pursuit_turn",
    "rotate_toward",
    "tail_chase_time_s",
]


def head_on_time_s(distance_m: float, speed_mps: float, target_mps: float) -> float:
    """Time to meet a target flying straight at the interceptor, d / (v_i + v_t) (s).

    Examples
    --------
    >>> head_on_time_s(1000.0, 50.0, 50.0)
    10.0
    """
    return distance_m / (speed_mps + target_mps)


def tail_chase_time_s(distance_m: float, speed_mps: float, target_mps: float) -> float:
    """Time to catch a target flying straight away, d / (v_i − v_t); inf if v_i <= v_t.

    Examples
    --------
    >>> tail_chase_time_s(600.0, 70.0, 40.0)
    20.0
    """
    if speed_mps <= target_mps:
        return math.inf
    return distance_m / (speed_mps - target_mps)


@ufunc(8)
def intercept_time_s(
    qx: float,
    qy: float,
    qz: float,
    vx: float,
    vy: float,
    vz: float,
    speed_mps: float,
    delay_s: float,
) -> float:
    r"""Time from now to a straight-line intercept after a launch delay; inf if none.

    The smallest :math:`t \ge t_l` with :math:`|q + v t| = v_i (t - t_l)`: the target
    at :math:`q + v t_l` when the interceptor leaves (``q``: the target relative to
    the launcher now, m; ``v``: its velocity, m/s), then the collision-course
    equation of :func:`skyscreen.models.missile.intercept_time_xyz_s` (the same
    equation, defined once). A ufunc.

    Examples
    --------
    >>> float(intercept_time_s(1000.0, 0, 0, -50.0, 0, 0, 50.0, 0.0))
    10.0
    >>> float(intercept_time_s(1000.0, 0, 0, 50.0, 0, 0, 50.0, 0.0))
    inf
    >>> float(intercept_time_s(1100.0, 0, 0, -50.0, 0, 0, 50.0, 2.0))  # 2 s later
    12.0
    """
    sx = qx + vx * delay_s
    sy = qy + vy * delay_s
    sz = qz + vz * delay_s
    tau: float = missile_model.intercept_time_xyz_s(sx, sy, sz, vx, vy, vz, speed_mps)
    return delay_s + tau


@njit(cache=True)
def rotate_toward(
    ux: float,
    uy: float,
    uz: float,
    cx: float,
    cy: float,
    cz: float,
    max_angle_rad: float,
) -> tuple[float, float, float]:
    """Unit vector ``u`` turned toward direction ``c`` by at most ``max_angle_rad``.

    The turn is in the plane of the two (a great-circle step); ``c`` need not be a unit
    vector, and a zero ``c`` leaves ``u`` as it is. Reaching ``c`` within the limit
    returns ``c``'s direction exactly.

    Examples
    --------
    >>> x, y, z = rotate_toward(1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.5)
    >>> round(x, 6) == round(math.cos(0.5), 6), round(y, 6) == round(math.sin(0.5), 6)
    (True, True)
    """
    cn = math.sqrt(cx * cx + cy * cy + cz * cz)
    if cn == 0.0:
        return ux, uy, uz
    cx, cy, cz = cx / cn, cy / cn, cz / cn
    dot = max(-1.0, min(1.0, ux * cx + uy * cy + uz * cz))
    angle = math.acos(dot)
    if angle <= max_angle_rad:
        return cx, cy, cz
    # e: the unit vector perpendicular to u in the plane of u and c, toward c.
    ex, ey, ez = cx - dot * ux, cy - dot * uy, cz - dot * uz
    en = math.sqrt(ex * ex + ey * ey + ez * ez)
    if en < 1e-12:
        # c is opposite u: any perpendicular will do; turn in the horizontal plane,
        # or about east when u is vertical.
        ex, ey, ez = -uy, ux, 0.0
        en = math.sqrt(ex * ex + ey * ey)
        if en < 1e-12:
            ex, ey, ez, en = 1.0, 0.0, 0.0, 1.0
    ex, ey, ez = ex / en, ey / en, ez / en
    c_a, s_a = math.cos(max_angle_rad), math.sin(max_angle_rad)
    return c_a * ux + s_a * ex, c_a * uy + s_a * ey, c_a * uz + s_a * ez


@njit(cache=True)
def pursuit_turn(
    ux: float,
    uy: float,
    uz: float,
    rx: float,
    ry: float,
    rz: float,
    max_angle_rad: float,
) -> tuple[float, float, float]:
    """Pure pursuit: heading ``u`` turned toward the line of sight ``r`` (target − self).

    At most ``max_angle_rad`` (ω_max · dt) in one step.
    """
    return rotate_toward(ux, uy, uz, rx, ry, rz, max_angle_rad)


@njit(cache=True)
def pn_turn(
    ux: float,
    uy: float,
    uz: float,
    rx: float,
    ry: float,
    rz: float,
    wx: float,
    wy: float,
    wz: float,
    speed_mps: float,
    nav_constant: float,
    dt_s: float,
    max_angle_rad: float,
) -> tuple[float, float, float]:
    r"""Proportional navigation: heading ``u`` turned by the commanded lateral acceleration.

    With the line of sight :math:`r` (target − self), the relative velocity
    :math:`w - v_i u` (``w`` the target's velocity), the line-of-sight rate vector
    :math:`\Omega = r \times v_{rel} / |r|^2` and the closing speed
    :math:`V_c = -r \cdot v_{rel} / |r|`, the command is
    :math:`a = N V_c\, \Omega \times \hat r` (magnitude :math:`N V_c \dot\lambda`,
    perpendicular to the line of sight, toward its drift). Its part across the
    velocity turns the heading at :math:`|a_\perp| / v_i`, for ``dt_s`` and at most
    ``max_angle_rad``. While the range opens (:math:`V_c \le 0`) PN has no sensible
    command, and the interceptor falls back to pure pursuit.
    """
    r2 = rx * rx + ry * ry + rz * rz
    if r2 == 0.0:
        return ux, uy, uz
    vrx = wx - speed_mps * ux
    vry = wy - speed_mps * uy
    vrz = wz - speed_mps * uz
    rn = math.sqrt(r2)
    vc = -(rx * vrx + ry * vry + rz * vrz) / rn
    if vc <= 0.0:
        return pursuit_turn(ux, uy, uz, rx, ry, rz, max_angle_rad)
    ox = (ry * vrz - rz * vry) / r2
    oy = (rz * vrx - rx * vrz) / r2
    oz = (rx * vry - ry * vrx) / r2
    k = nav_constant * vc / rn
    ax = k * (oy * rz - oz * ry)
    ay = k * (oz * rx - ox * rz)
    az = k * (ox * ry - oy * rx)
    along = ax * ux + ay * uy + az * uz
    px, py, pz = ax - along * ux, ay - along * uy, az - along * uz
    a_perp = math.sqrt(px * px + py * py + pz * pz)
    if a_perp == 0.0:
        return ux, uy, uz
    angle = min(a_perp / speed_mps * dt_s, max_angle_rad)
    # Turn toward a_perp by `angle`: a_perp is already perpendicular to u.
    c_a, s_a = math.cos(angle), math.sin(angle)
    return (
        c_a * ux + s_a * px / a_perp,
        c_a * uy + s_a * py / a_perp,
        c_a * uz + s_a * pz / a_perp,
    )


@ufunc(8)
def fuze_time_s(
    rx: float,
    ry: float,
    rz: float,
    wx: float,
    wy: float,
    wz: float,
    fuze_radius_m: float,
    dt_s: float,
) -> float:
    r"""First instant in ``[0, dt_s]`` two straight segments are within the fuze radius.

    ``r`` is the target relative to the interceptor at the start of the step and
    ``w`` the relative velocity (target's minus interceptor's), both constant over
    the step: the smallest :math:`\tau \in [0, dt]` with :math:`|r + w\tau| \le
    r_f`, or inf if the closest approach of the two segments is beyond :math:`r_f`.
    A ufunc.

    Examples
    --------
    >>> float(fuze_time_s(100.0, 0, 0, -100.0, 0, 0, 5.0, 2.0))  # 95 m at 100 m/s
    0.95
    >>> float(fuze_time_s(100.0, 10.0, 0, -100.0, 0, 0, 5.0, 2.0))  # passes 10 m off
    inf
    """
    c = rx * rx + ry * ry + rz * rz - fuze_radius_m * fuze_radius_m
    if c <= 0.0:
        return 0.0
    a = wx * wx + wy * wy + wz * wz
    b = 2.0 * (rx * wx + ry * wy + rz * wz)
    if a == 0.0 or b >= 0.0:
        return math.inf  # not closing: the distance only grows from r
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        return math.inf
    # The smaller root, cancellation-free: b < 0, so -b + √disc has no cancellation.
    tau = 2.0 * c / (-b + math.sqrt(disc))
    if tau > dt_s:
        return math.inf
    return tau
