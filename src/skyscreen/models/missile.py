r"""Surface-to-air missile: intercept geometry, envelope, single-shot kill probability.

The missile flies at a constant average speed u to the predicted intercept point of a
target moving at constant velocity; time of flight τ solves
:math:`|q + v\tau| = u\tau` with :math:`q` the target's position (after the launch delay)
relative to the launcher. A shot is allowed only if that point lies in the envelope
(minimum and maximum slant range, maximum altitude). The single-shot kill probability is
:math:`P_k` inside :math:`f R_{max}` and falls linearly to :math:`P_{k,edge}` at
:math:`R_{max}` (Washburn & Kress 2009, ch. 2, on envelope-dependent Pk).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from skyscreen._typing import FloatArray
from skyscreen.models.jit import ufunc

__all__ = [
    "in_envelope",
    "intercept",
    "intercept_time_s",
    "intercept_time_xyz_s",
    "kill_probability",
]


def intercept_time_s(rel_pos_m: Any, vel_mps: Any, speed_mps: Any) -> FloatArray:
    r"""Time of flight to intercept a constant-velocity target, or inf if none.

    Solves :math:`(v\cdot v - u^2)\tau^2 + 2(q\cdot v)\tau + q\cdot q = 0` for the
    smallest :math:`\tau > 0`.

    Parameters
    ----------
    rel_pos_m : array_like of shape (..., 3)
        Target position relative to the launcher at launch (m).
    vel_mps : array_like of shape (..., 3)
        Target velocity (m/s).
    speed_mps : array_like
        Missile average speed u (m/s), broadcast against ``(...)``.

    Returns
    -------
    ndarray of shape (...)
        τ (s); ``inf`` where the missile cannot catch the target.

    Examples
    --------
    >>> float(intercept_time_s([1000.0, 0.0, 0.0], [0.0, 0.0, 0.0], 500.0))
    2.0
    >>> float(intercept_time_s([1000.0, 0.0, 0.0], [-100.0, 0.0, 0.0], 400.0))
    2.0
    """
    q = np.asarray(rel_pos_m, dtype=np.float64)
    v = np.asarray(vel_mps, dtype=np.float64)
    return np.asarray(
        intercept_time_xyz_s(
            q[..., 0], q[..., 1], q[..., 2], v[..., 0], v[..., 1], v[..., 2], speed_mps
        )
    )


@ufunc(7)
def intercept_time_xyz_s(
    qx: float, qy: float, qz: float, vx: float, vy: float, vz: float, u: float
) -> float:
    """:func:`intercept_time_s` with the vectors by component (a ufunc, for kernels)."""
    a = vx * vx + vy * vy + vz * vz - u * u
    b = 2.0 * (qx * vx + qy * vy + qz * vz)
    c = qx * qx + qy * qy + qz * qz
    if c == 0.0:
        return 0.0
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        return math.inf
    # The two roots in the cancellation-free form (Numerical Recipes §5.6): with
    # k = -(b + sign(b)·√disc)/2 they are k/a and c/k. When the target is about as fast
    # as the missile, a is round-off noise and k/a is spurious and huge, while c/k stays
    # exact (it tends to -c/b, the root of the linear equation).
    k = -0.5 * (b + math.copysign(math.sqrt(disc), b))
    r1 = k / a if a != 0.0 else math.inf
    r2 = c / k if k != 0.0 else math.inf
    if not r1 > 0.0:
        r1 = math.inf
    if not r2 > 0.0:
        r2 = math.inf
    return min(r1, r2)


@ufunc(5, out="boolean")
def in_envelope(
    slant_range_m: float,
    altitude_m: float,
    range_min_m: float,
    range_max_m: float,
    altitude_max_m: float,
) -> bool:
    """Whether an intercept point lies in the missile's envelope (a ufunc)."""
    return (
        slant_range_m >= range_min_m
        and slant_range_m <= range_max_m
        and altitude_m <= altitude_max_m
    )


@ufunc(5)
def kill_probability(
    slant_range_m: float,
    pk: float,
    range_max_m: float,
    pk_edge: float,
    falloff_start: float,
) -> float:
    r"""Single-shot kill probability at an intercept range (a ufunc).

    :math:`P_k` for :math:`R \le f R_{max}`, falling linearly to :math:`P_{k,edge}` at
    :math:`R_{max}`; 0 beyond :math:`R_{max}`.

    Examples
    --------
    >>> float(kill_probability(5000.0, 0.8, 10000.0, 0.4, 0.5))
    0.8
    >>> round(float(kill_probability(7500.0, 0.8, 10000.0, 0.4, 0.5)), 6)
    0.6
    """
    if slant_range_m > range_max_m:
        return 0.0
    start = falloff_start * range_max_m
    span = max(range_max_m - start, 1e-9)
    frac = min(max((slant_range_m - start) / span, 0.0), 1.0)
    return pk + (pk_edge - pk) * frac


def intercept(
    pos_m: FloatArray,
    vel_mps: FloatArray,
    launcher_m: FloatArray,
    speed_mps: Any,
    range_min_m: Any,
    range_max_m: Any,
    altitude_max_m: Any,
) -> tuple[FloatArray, FloatArray, FloatArray, Any]:
    """Where and when a missile launched now meets targets flying straight.

    ``pos_m``, ``vel_mps`` (N, 3) the targets, ``launcher_m`` (3,) or one per
    target (N, 3), and the other parameters one or one per target. Returns the
    intercept time (:func:`intercept_time_s`; inf: none), the intercept point (the
    target's position where there is none), its slant range from the launcher and
    whether it lies in the envelope (:func:`in_envelope`; False where there is no
    intercept). The engine's launch and the hindsight bound's candidate shots share
    it.
    """
    tau = intercept_time_s(pos_m - launcher_m, vel_mps, speed_mps)
    with np.errstate(invalid="ignore"):
        ip = pos_m + vel_mps * np.where(np.isfinite(tau), tau, 0.0)[:, None]
    rng = np.linalg.norm(ip - launcher_m, axis=-1)
    ok = np.isfinite(tau) & in_envelope(
        rng, ip[:, 2], range_min_m, range_max_m, altitude_max_m
    )
    return tau, ip, rng, ok
