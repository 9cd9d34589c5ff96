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
    _polar_cov(r, math.cos(a), math.sin(a), math.cos(e), math.sin(e), sr, sa, se, out_R)


@njit(cache=True)
def _polar_cov(
    r: float,
    ca: float,
    sa_: float,
    ce: float,
    se_: float,
    sr: float,
    sa: float,
    se: float,
    out_R: FloatArray,
) -> None:
    """:func:`polar_covariance` from the angles' cosines and sines."""
    j00, j01, j02 = ce * ca, -r * ce * sa_, -r * se_ * ca
    j10, j11, j12 = ce * sa_, r * ce * ca, -r * se_ * sa_
    j20, j21, j22 = se_, 0.0, r * ce
    v0, v1, v2 = sr * sr, sa * sa, se * se
    out_R[0, 0] = j00 * j00 * v0 + j01 * j01 * v1 + j02 * j02 * v2 + FLOOR_M2
    out_R[1, 1] = j10 * j10 * v0 + j11 * j11 * v1 + j12 * j12 * v2 + FLOOR_M2
    out_R[2, 2] = j20 * j20 * v0 + j21 * j21 * v1 + j22 * j22 * v2 + FLOOR_M2
    out_R[0, 1] = out_R[1, 0] = j00 * j10 * v0 + j01 * j11 * v1 + j02 * j12 * v2
    out_R[0, 2] = out_R[2, 0] = j00 * j20 * v0 + j01 * j21 * v1 + j02 * j22 * v2
    out_R[1, 2] = out_R[2, 1] = j10 * j20 * v0 + j11 * j21 * v1 + j12 * j22 * v2


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
    ca, sa_ = math.cos(am), math.sin(am)
    ce, se_ = math.cos(em), math.sin(em)
    out_d[0] = rm * ce * ca
    out_d[1] = rm * ce * sa_
    out_d[2] = rm * se_
    _polar_cov(rm, ca, sa_, ce, se_, sr, sa, se, out_R)
