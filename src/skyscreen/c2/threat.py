r"""Threat evaluation: how much value each drone puts at risk, and how soon.

For drone j and asset a, the closest point of approach under constant velocity, in the
horizontal plane (a one-way-attack drone cruising over its target dives onto it, so its
height says little about the threat), gives the miss distance :math:`d_{cpa}` and time to
go :math:`t_{go}`. With danger radius :math:`r_d = r_a + R_L + m` (asset radius, warhead
lethal radius, margin), the threat value is

.. math:: V_j = \max_a\; V_a\, e^{-\frac12 (d_{cpa}/r_d)^2} / (1 + t_{go}/\tau),

smooth, so a drone on a dog-leg route is not valued at zero (MODELS.md, Command and
control).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray
from skyscreen.models.jit import ufunc
from skyscreen.models.kinematics import cpa_time_s

__all__ = [
    "entry_threat",
    "threat_value",
    "threat_values",
    "threat_values_and_time",
]


def threat_values(
    pos_m: FloatArray,
    vel_mps: FloatArray,
    lethal_radius_m: FloatArray,
    asset_pos_m: FloatArray,
    asset_radius_m: FloatArray,
    asset_value_usd: FloatArray,
    margin_m: float,
    tau_s: float,
) -> FloatArray:
    """Threat value of every drone, vectorised over replications, drones and assets.

    Parameters
    ----------
    pos_m, vel_mps : ndarray of shape (..., 3)
        Drone positions (m) and velocities (m/s), e.g. (n_rep, n_drone, 3) or one row
        per (replication, drone) pair.
    lethal_radius_m : ndarray broadcastable to ``pos_m.shape[:-1]``
        Warhead lethal radius of each drone (m).
    asset_pos_m : ndarray of shape (n_asset, 3)
    asset_radius_m, asset_value_usd : ndarray of shape (n_asset,)
    margin_m : float
        Margin added to the danger radius (m).
    tau_s : float
        Urgency scale τ (s).

    Returns
    -------
    ndarray of shape ``pos_m.shape[:-1]``
        Threat value (USD at risk, discounted by time to go).

    Examples
    --------
    >>> pos = np.array([[[-1000.0, 0.0, 100.0]]])
    >>> vel = np.array([[[50.0, 0.0, 0.0]]])
    >>> v = threat_values(pos, vel, np.array([10.0]), np.zeros((1, 3)),
    ...                   np.array([20.0]), np.array([1e6]), 20.0, 20.0)
    >>> round(float(v[0, 0]))  # head-on, t_go = 20 s = tau: half the value
    500000
    """
    return threat_values_and_time(
        pos_m,
        vel_mps,
        lethal_radius_m,
        asset_pos_m,
        asset_radius_m,
        asset_value_usd,
        margin_m,
        tau_s,
    )[0]


def threat_values_and_time(
    pos_m: FloatArray,
    vel_mps: FloatArray,
    lethal_radius_m: FloatArray,
    asset_pos_m: FloatArray,
    asset_radius_m: FloatArray,
    asset_value_usd: FloatArray,
    margin_m: float,
    tau_s: float,
) -> tuple[FloatArray, FloatArray]:
    """Threat value and the time to go to the asset that gives it.

    Same arguments as :func:`threat_values`; returns ``(value, t_go_s)``, both of shape
    ``pos_m.shape[:-1]`` (t_go is inf when there are no assets).
    """
    if asset_pos_m.shape[0] == 0:
        shape = pos_m.shape[:-1]
        return np.zeros(shape), np.full(shape, np.inf)
    qx = pos_m[..., None, 0] - asset_pos_m[:, 0]  # (..., A)
    qy = pos_m[..., None, 1] - asset_pos_m[:, 1]
    vx, vy = vel_mps[..., None, 0], vel_mps[..., None, 1]
    t_go = cpa_time_s(qx, qy, vx, vy)
    cx, cy = qx + vx * t_go, qy + vy * t_go
    d_cpa = np.sqrt(cx * cx + cy * cy)
    lethal = np.broadcast_to(lethal_radius_m, pos_m.shape[:-1])[..., None]
    r_d = np.maximum(asset_radius_m + lethal + margin_m, 1e-9)
    v = threat_value(d_cpa, t_go, r_d, asset_value_usd, tau_s)
    best = np.argmax(v, axis=-1)[..., None]
    return (
        np.asarray(np.take_along_axis(v, best, axis=-1)[..., 0]),
        np.asarray(np.take_along_axis(t_go, best, axis=-1)[..., 0]),
    )


@ufunc(5)
def threat_value(
    d_cpa_m: float,
    t_go_s: float,
    danger_radius_m: float,
    value_usd: float,
    tau_s: float,
) -> float:
    r"""One asset's term of the threat value (a ufunc, for kernels and arrays alike).

    :math:`V_a\, e^{-\frac12 (d_{cpa}/r_d)^2} / (1 + t_{go}/\tau)`.
    """
    return (
        value_usd
        * math.exp(-0.5 * (d_cpa_m / danger_radius_m) ** 2)
        / (1.0 + t_go_s / tau_s)
    )


@njit(cache=True)
def entry_threat(
    px: float,
    py: float,
    vx: float,
    vy: float,
    lethal_m: float,
    asset_pos: FloatArray,
    asset_r: FloatArray,
    asset_v: FloatArray,
    margin: float,
    tau: float,
) -> tuple[float, float]:
    """Threat value of one drone and its time to go, for compiled kernels.

    The largest over assets of :func:`threat_value` at the horizontal closest approach
    (the first maximum in asset order) and that asset's time to go; the scalar form of
    :func:`threat_values_and_time`, which the decide stage and the cameras' tasking
    share.
    """
    best = 0.0
    best_t = np.inf
    for a in range(asset_pos.shape[0]):
        qx, qy = px - asset_pos[a, 0], py - asset_pos[a, 1]
        t_go = cpa_time_s(qx, qy, vx, vy)
        cx, cy = qx + vx * t_go, qy + vy * t_go
        d2 = cx * cx + cy * cy
        r_d = max(asset_r[a] + lethal_m + margin, 1e-9)
        rr = r_d * r_d
        if a > 0 and best >= 0.0:
            # Skip the exponential of an asset whose value, as computed below, could
            # not beat the best so far (val > best takes it). Beyond 40 danger radii
            # the exponent is below -745 and e^-x is exactly 0, so val is 0. Else
            # e^-x <= 1 / (1 + x) for x = d² / (2 r_d²) >= 0, so val is at most
            # V / ((1 + x)(1 + t_go/τ)); the margin of 1e-10 is far above the
            # round-off of either side (a few ulps).
            if d2 > 1600.0 * rr:
                continue
            denom = 1.0 + t_go / tau
            if (
                best > 0.0
                and denom > 0.0
                and asset_v[a] * (1.0 + 1e-10) * rr <= best * denom * (rr + 0.5 * d2)
            ):
                continue
        d_cpa = math.sqrt(d2)
        val = threat_value(d_cpa, t_go, r_d, asset_v[a], tau)
        if a == 0 or val > best:
            best = val
            best_t = t_go
    return best, best_t
