r"""Point-mass drone kinematics helpers.

Fixed-wing drones turn at most at the rate a coordinated turn at bank angle φ allows:
:math:`\omega = g\tan\phi / v`, i.e. turn radius :math:`r = v^2/(g\tan\phi)`. The closest
point of approach of a constant-velocity track to a point is used by threat evaluation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from skyscreen._typing import FloatArray
from skyscreen.models.jit import ufunc

__all__ = [
    "G_MPS2",
    "closest_approach",
    "cpa_time_s",
    "max_turn_rate_rad_s",
    "steer_heading",
    "turn_radius_m",
    "wrap_angle",
]

G_MPS2 = 9.80665
"""Standard gravity (m/s²)."""


@ufunc(2)
def turn_radius_m(speed_mps: float, bank_rad: float) -> float:
    r"""Radius of a coordinated level turn, :math:`v^2/(g\tan\phi)` (a ufunc).

    Examples
    --------
    >>> round(float(turn_radius_m(50.0, np.deg2rad(30.0))), 1)
    441.6
    """
    return speed_mps * speed_mps / (G_MPS2 * math.tan(bank_rad))


@ufunc(2)
def max_turn_rate_rad_s(speed_mps: float, bank_rad: float) -> float:
    r"""Turn rate of a coordinated level turn, :math:`g\tan\phi/v` (rad/s; a ufunc)."""
    return G_MPS2 * math.tan(bank_rad) / max(speed_mps, 1e-9)


@ufunc(1)
def wrap_angle(angle_rad: float) -> float:
    """Wrap angles to [-π, π) (a ufunc).

    ``(a + π) mod 2π − π``. When ``a + π`` already lies in [0, 2π) the modulo returns
    it unchanged (fmod is exact), so that common case skips the modulo, a quarter of a
    drone-step's cost in the move stage; the result is the same bits either way.
    """
    a = angle_rad + math.pi
    two_pi = 2.0 * math.pi
    if not (a >= 0.0 and a < two_pi):
        a = a % two_pi
    return a - math.pi


@ufunc(4)
def steer_heading(
    heading_rad: float, desired_rad: float, max_rate_rad_s: float, dt_s: float
) -> float:
    """Turn from ``heading_rad`` toward ``desired_rad`` by at most ``max_rate·dt``.

    A ufunc.

    Examples
    --------
    >>> round(float(steer_heading(0.0, 1.0, 0.1, 2.0)), 12)
    0.2
    >>> round(float(steer_heading(0.0, -0.1, 0.1, 2.0)), 12)
    -0.1
    """
    lim = max_rate_rad_s * dt_s
    err = min(max(wrap_angle(desired_rad - heading_rad), -lim), lim)
    return float(wrap_angle(heading_rad + err))


@ufunc(4)
def cpa_time_s(qx_m: float, qy_m: float, vx_mps: float, vy_mps: float) -> float:
    r"""Time to the closest point of approach to the origin in the plane (a ufunc).

    :math:`t_{cpa} = \max(0, -q\cdot v / v\cdot v)`, 0 for a stationary mover; the
    two-component case of :func:`closest_approach`, for kernels.
    """
    vv = vx_mps * vx_mps + vy_mps * vy_mps
    if vv > 0.0:
        return max(-(qx_m * vx_mps + qy_m * vy_mps) / vv, 0.0)
    return 0.0


def closest_approach(rel_pos_m: Any, vel_mps: Any) -> tuple[FloatArray, FloatArray]:
    r"""Closest point of approach of a constant-velocity mover to the origin.

    With the mover at :math:`p` relative to the point and velocity :math:`v`,
    :math:`t_{cpa} = \max(0, -p\cdot v / v\cdot v)` and
    :math:`d_{cpa} = |p + v\,t_{cpa}|`.

    Parameters
    ----------
    rel_pos_m : array_like of shape (..., k)
        Position relative to the point (m).
    vel_mps : array_like of shape (..., k)
        Velocity (m/s).

    Returns
    -------
    d_cpa_m, t_cpa_s : ndarray of shape (...)
        Miss distance and the time until it (0 when moving away or stationary).

    Examples
    --------
    >>> d, t = closest_approach([-1000.0, 100.0], [50.0, 0.0])
    >>> float(d), float(t)
    (100.0, 20.0)
    """
    p = np.asarray(rel_pos_m, dtype=np.float64)
    v = np.asarray(vel_mps, dtype=np.float64)
    vv = np.sum(v * v, axis=-1)
    pv = np.sum(p * v, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(vv > 0.0, np.maximum(-pv / vv, 0.0), 0.0)
    closest = p + v * t[..., None]
    return np.asarray(np.sqrt(np.sum(closest * closest, axis=-1))), np.asarray(t)
