"""Sensor measurements of the tracked fidelity: noisy polar measurements in ENU.

A radar (or a camera with a laser rangefinder) measures range ``r``, azimuth ``a``
(math angle, counter-clockwise from east) and elevation ``e`` of a target at
``d = target − sensor``, each with independent Gaussian noise ``σ_r, σ_a, σ_e``. The
tracker takes the converted measurement (Bar-Shalom, Li & Kirubarajan 2001, §10.4.3)::

    z = sensor + r_m (cos e_m cos a_m, cos e_m sin a_m, sin e_m)
    R = J diag(σ_r², σ_a², σ_e²) Jᵀ,   J = ∂(x, y, z)/∂(r, a, e) at the measured values

plus a floor of (0.1 m)² on the diagonal, so a noiseless sensor still gives a
positive definite covariance. The conversion bias (of order r σ_a²) is below a metre
for the notional sensors' σ_a ≤ 10 mrad at ranges of ≤ 20 km, so it is not corrected.
Normal deviates come from uniforms by the Box–Muller transform: four uniforms per
measurement, two independent deviates from each pair.
"""

from __future__ import annotations

import math

from numba import njit

from skyscreen._typing import FloatArray

__all__ = [
    "FLOOR_M2",
    "box_muller",
    "box_muller_pair",
    "polar_covariance",
    "polar_measurement",
]

FLOOR_M2 = 0.01
"""Floor added to the diagonal of every measurement covariance (m²)."""


@njit(cache=True)
def box_muller(u1: float, u2: float) -> float:
    """A standard normal deviate from two uniforms in [0, 1)."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def box_muller_pair(u1: float, u2: float) -> tuple[float, float]:
    """Two independent standard normal deviates from two uniforms in [0, 1)."""
    r = math.sqrt(-2.0 * math.log(1.0 - u1))
    return r * math.cos(2.0 * math.pi * u2), r * math.sin(2.0 * math.pi * u2)


@njit(cache=True)
def polar_covariance(
    r: float, a: float, e: float, sr: float, sa: float, se: float, out_R: FloatArray
) -> None:
    """Covariance (3, 3) of the converted measurement at range/azimuth/elevation."""
    ce, se_ = math.cos(e), math.sin(e)
    ca, sa_ = math.cos(a), math.sin(a)
    j = (
        (ce * ca, -r * ce * sa_, -r * se_ * ca),
        (ce * sa_, r * ce * ca, -r * se_ * sa_),
        (se_, 0.0, r * ce),
    )
    var = (sr * sr, sa * sa, se * se)
    for i in range(3):
        for k in range(3):
            s = 0.0
            for m in range(3):
                s += j[i][m] * var[m] * j[k][m]
            out_R[i, k] = s
        out_R[i, i] += FLOOR_M2


@njit(cache=True)
def polar_measurement(
    dx: float,
    dy: float,
    dz: float,
    sr: float,
    sa: float,
    se: float,
    n_r: float,
    n_a: float,
    n_e: float,
    out_d: FloatArray,
    out_R: FloatArray,
) -> None:
    """Measured offset ``out_d`` (3) and its covariance ``out_R`` (3, 3).

    ``(dx, dy, dz)``: the true offset from the sensor; ``n_*``: standard normal
    deviates of the range, azimuth and elevation errors.
    """
    g = math.hypot(dx, dy)
    r = math.sqrt(g * g + dz * dz)
    a = math.atan2(dy, dx)
    e = math.atan2(dz, g)
    rm = max(r + sr * n_r, 0.0)
    am = a + sa * n_a
    em = e + se * n_e
    out_d[0] = rm * math.cos(em) * math.cos(am)
    out_d[1] = rm * math.cos(em) * math.sin(am)
    out_d[2] = rm * math.sin(em)
    polar_covariance(rm, am, em, sr, sa, se, out_R)
