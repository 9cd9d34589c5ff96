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

from typing import Any

import numpy as np

from skyscreen._typing import BoolArray, FloatArray

__all__ = ["in_envelope", "intercept_time_s", "kill_probability"]


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
    u = np.asarray(speed_mps, dtype=np.float64)
    a = np.sum(v * v, axis=-1) - u * u
    b = 2.0 * np.sum(q * v, axis=-1)
    c = np.sum(q * q, axis=-1)
    # The two roots in the cancellation-free form (Numerical Recipes §5.6): with
    # k = -(b + sign(b)·√disc)/2 they are k/a and c/k. When the target is about as fast
    # as the missile, a is round-off noise and k/a is spurious and huge, while c/k stays
    # exact (it tends to -c/b, the root of the linear equation).
    disc = b * b - 4.0 * a * c
    k = -0.5 * (b + np.copysign(np.sqrt(np.maximum(disc, 0.0)), b))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r1 = np.where(a != 0.0, k / a, np.inf)
        r2 = np.where(k != 0.0, c / k, np.inf)
    r1 = np.where(r1 > 0.0, r1, np.inf)
    r2 = np.where(r2 > 0.0, r2, np.inf)
    tau = np.where(disc >= 0.0, np.minimum(r1, r2), np.inf)
    return np.asarray(np.where(c == 0.0, 0.0, tau))


def in_envelope(
    slant_range_m: Any,
    altitude_m: Any,
    range_min_m: Any,
    range_max_m: Any,
    altitude_max_m: Any,
) -> BoolArray:
    """Whether an intercept point lies in the missile's envelope."""
    r = np.asarray(slant_range_m)
    return np.asarray(
        (r >= range_min_m)
        & (r <= range_max_m)
        & (np.asarray(altitude_m) <= altitude_max_m)
    )


def kill_probability(
    slant_range_m: Any,
    pk: Any,
    range_max_m: Any,
    pk_edge: Any,
    falloff_start: Any,
) -> FloatArray:
    r"""Single-shot kill probability at an intercept range (arrays broadcast).

    :math:`P_k` for :math:`R \le f R_{max}`, falling linearly to :math:`P_{k,edge}` at
    :math:`R_{max}`; 0 beyond :math:`R_{max}`.

    Examples
    --------
    >>> float(kill_probability(5000.0, 0.8, 10000.0, 0.4, 0.5))
    0.8
    >>> round(float(kill_probability(7500.0, 0.8, 10000.0, 0.4, 0.5)), 6)
    0.6
    """
    r = np.asarray(slant_range_m, dtype=np.float64)
    r_max = np.asarray(range_max_m, dtype=np.float64)
    pk_a = np.asarray(pk, dtype=np.float64)
    start = np.asarray(falloff_start) * r_max
    span = np.maximum(r_max - start, 1e-9)
    frac = np.clip((r - start) / span, 0.0, 1.0)
    out = pk_a + (np.asarray(pk_edge) - pk_a) * frac
    return np.asarray(np.where(r <= r_max, out, 0.0))
