r"""Point-mass drone kinematics helpers.

Fixed-wing drones turn at most at the rate a coordinated turn at bank angle φ allows:
:math:`\omega = g\tan\phi / v`, i.e. turn radius :math:`r = v^2/(g\tan\phi)`. The closest
point of approach of a constant-velocity track to a point is used by threat evaluation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skyscreen._typing import FloatArray

__all__ = [
    "G_MPS2",
    "closest_approach",
    "max_turn_rate_rad_s",
    "steer_heading",
    "turn_radius_m",
    "wrap_angle",
]

G_MPS2 = 9.80665
"""Standard gravity (m/s²)."""


def turn_radius_m(speed_mps: Any, bank_rad: Any) -> FloatArray:
    r"""Radius of a coordinated level turn, :math:`v^2/(g\tan\phi)`.

    Examples
    --------
    >>> round(float(turn_radius_m(50.0, np.deg2rad(30.0))), 1)
    441.6
    """
    v = np.asarray(speed_mps, dtype=np.float64)
    return np.asarray(v * v / (G_MPS2 * np.tan(np.asarray(bank_rad, dtype=np.float64))))


def max_turn_rate_rad_s(speed_mps: Any, bank_rad: Any) -> FloatArray:
    r"""Turn rate of a coordinated level turn, :math:`g\tan\phi/v` (rad/s)."""
    v = np.maximum(np.asarray(speed_mps, dtype=np.float64), 1e-9)
    return np.asarray(G_MPS2 * np.tan(np.asarray(bank_rad, dtype=np.float64)) / v)


def wrap_angle(angle_rad: Any) -> FloatArray:
    """Wrap angles to [-π, π)."""
    a = np.asarray(angle_rad, dtype=np.float64)
    return np.asarray((a + np.pi) % (2.0 * np.pi) - np.pi)


def steer_heading(
    heading_rad: Any, desired_rad: Any, max_rate_rad_s: Any, dt_s: Any
) -> FloatArray:
    """Turn from ``heading_rad`` toward ``desired_rad`` by at most ``max_rate·dt``.

    Examples
    --------
    >>> round(float(steer_heading(0.0, 1.0, 0.1, 2.0)), 12)
    0.2
    >>> round(float(steer_heading(0.0, -0.1, 0.1, 2.0)), 12)
    -0.1
    """
    err = wrap_angle(np.asarray(desired_rad) - np.asarray(heading_rad))
    lim = np.asarray(max_rate_rad_s) * dt_s
    return wrap_angle(np.asarray(heading_rad) + np.clip(err, -lim, lim))


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
