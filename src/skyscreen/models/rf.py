r"""Passive RF detection of drone links and bearing-only triangulation.

**Detection.** A transmitter of EIRP :math:`P_t` at frequency :math:`f` (wavelength
:math:`\lambda = c/f`) is received at distance :math:`d` by an antenna of gain
:math:`G_r` with power (free space, Friis; :func:`~skyscreen.models.jammer.friis_received_power_w`)

.. math:: P_{rx} = P_t\,G_r\left(\frac{\lambda}{4\pi d}\right)^2,

and is detected when :math:`P_{rx} \ge S`, the receiver's sensitivity: within

.. math:: R_{det} = \frac{\lambda}{4\pi}\sqrt{\frac{P_t G_r}{S}}.

**Location.** Each detector measures the bearing of the emitter (azimuth in the
convention of :func:`skyscreen.models.eoir.azimuth_rad`: counter-clockwise from east),
with Gaussian error of standard deviation :math:`\sigma`. Two or more bearings fix the
emitter on the ground plane by weighted nonlinear least squares, the maximum-likelihood
estimate, whose covariance is the Cramér–Rao bound :math:`(J^T W J)^{-1}`
(:func:`triangulate`).

Sources: Friis (1946); Stansfield (1947), "Statistical theory of d.f. fixing",
J. IEE 94(15); Torrieri (1984), "Statistical theory of passive location systems",
IEEE Trans. AES 20(2):183–198.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skyscreen._typing import BoolArray, FloatArray
from skyscreen.models.eoir import azimuth_rad
from skyscreen.models.jammer import friis_received_power_w
from skyscreen.models.kinematics import wrap_angle

__all__ = [
    "SPEED_OF_LIGHT_MPS",
    "rf_detection_range_m",
    "rf_received_power_w",
    "triangulate",
]

SPEED_OF_LIGHT_MPS = 299_792_458.0
"""Speed of light in vacuum, c (m/s)."""

_GAUSS_NEWTON_ITERATIONS = 5
"""Gauss–Newton steps after the pseudo-linear start.

The pseudo-linear estimate is already within the noise of the optimum, so the
iteration converges quadratically from there; five steps leave it at round-off
for bearing errors of a few degrees.
"""

_RCOND = 1e-12
"""Smallest eigenvalue ratio of a 2×2 normal matrix taken as well conditioned.

Two lines crossing at angle α give a ratio of about α²/4: 1e-12 rejects crossings
under ~2 µrad, where round-off alone moves the fix by metres at tens of kilometres.
"""


def _wavelength_m(frequency_hz: Any) -> FloatArray:
    f = np.asarray(frequency_hz, dtype=np.float64)
    if not np.all(f > 0.0):
        raise ValueError(f"frequency_hz must be > 0; got {frequency_hz!r}")
    return np.asarray(SPEED_OF_LIGHT_MPS / f, dtype=np.float64)


def rf_received_power_w(
    eirp_w: Any, gain_rx: Any, distance_m: Any, frequency_hz: float
) -> FloatArray:
    r"""Power a passive receiver gets from a transmitter, free space (Friis).

    :math:`P_{rx} = P_t G_r (\lambda/4\pi d)^2` with :math:`\lambda = c/f`, by
    :func:`~skyscreen.models.jammer.friis_received_power_w` (which takes distances
    below 1 m as 1 m).

    Parameters
    ----------
    eirp_w : array_like
        Transmitter EIRP :math:`P_t G_t` (W).
    gain_rx : array_like
        Receive antenna gain (linear).
    distance_m : array_like
        Transmitter-receiver distance (m).
    frequency_hz : float
        Carrier frequency (Hz), > 0.

    Returns
    -------
    ndarray
        Received power (W).

    Examples
    --------
    >>> p = float(rf_received_power_w(1.0, 1.0, 1000.0, 2.4e9))
    >>> round(float(10 * np.log10(p / 1e-3)), 2)  # 0 dBW EIRP at 1 km, 2.4 GHz: 100 dB loss
    -70.05
    """
    lam = float(_wavelength_m(frequency_hz))
    return np.asarray(friis_received_power_w(eirp_w, gain_rx, distance_m, lam))


def rf_detection_range_m(
    eirp_w: Any, gain_rx: Any, sensitivity_w: Any, frequency_hz: Any
) -> FloatArray:
    r"""Distance within which a passive receiver detects a transmitter.

    :math:`R_{det} = \frac{\lambda}{4\pi}\sqrt{P_t G_r / S}`, where the Friis received
    power equals the sensitivity :math:`S`; :math:`\lambda = c/f`.

    Parameters
    ----------
    eirp_w : array_like
        Transmitter EIRP (W), >= 0.
    gain_rx : array_like
        Receive antenna gain (linear), >= 0.
    sensitivity_w : array_like
        Receiver sensitivity: the least power it detects (W), > 0.
    frequency_hz : array_like
        Carrier frequency (Hz), > 0.

    Returns
    -------
    ndarray
        Detection range (m), the broadcast shape of the inputs.

    Raises
    ------
    ValueError
        If a parameter is outside its range.

    Examples
    --------
    >>> round(float(rf_detection_range_m(1.0, 1.0, 1e-12, 2.4e9)))  # -90 dBm, 0 dBW
    9940
    """
    lam = _wavelength_m(frequency_hz)
    p = np.asarray(eirp_w, dtype=np.float64)
    g = np.asarray(gain_rx, dtype=np.float64)
    s = np.asarray(sensitivity_w, dtype=np.float64)
    if not np.all(p >= 0.0):
        raise ValueError(f"eirp_w must be >= 0; got {eirp_w!r}")
    if not np.all(g >= 0.0):
        raise ValueError(f"gain_rx must be >= 0; got {gain_rx!r}")
    if not np.all(s > 0.0):
        raise ValueError(f"sensitivity_w must be > 0; got {sensitivity_w!r}")
    return np.asarray(lam / (4.0 * np.pi) * np.sqrt(p * g / s), dtype=np.float64)


def _well_conditioned(a: FloatArray, b: FloatArray, d: FloatArray) -> BoolArray:
    """Whether the symmetric 2×2 matrices [[a, b], [b, d]] are positive definite.

    True where the eigenvalue ratio λ_min/λ_max is at least :data:`_RCOND`.
    """
    tr = a + d
    det = a * d - b * b
    # λ_min/λ_max >= r  <=>  det >= r/(1+r)² · tr²  (for a PSD matrix).
    return np.asarray(
        (tr > 0.0) & (det >= _RCOND / (1.0 + _RCOND) ** 2 * tr * tr), dtype=np.bool_
    )


def triangulate(
    sensor_xy: Any,
    bearings_rad: Any,
    sigma_rad: Any,
    valid: Any = None,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    r"""Locate an emitter on the ground plane from bearings of two or more sensors.

    Maximum-likelihood fix for bearings with independent Gaussian errors: minimise

    .. math:: \sum_i \frac{(\theta_i - h_i(\mathbf p))^2}{\sigma_i^2}, \qquad
              h_i(\mathbf p) = \operatorname{atan2}(p_y - s_{i,y},\, p_x - s_{i,x}),

    starting from the pseudo-linear (orthogonal-vector) estimate — the weighted
    least-squares intersection of the bearing lines
    :math:`\sin\theta_i\,(p_x - s_{i,x}) - \cos\theta_i\,(p_y - s_{i,y}) = 0` — and
    taking a fixed number of Gauss–Newton steps. The covariance is the Cramér–Rao bound
    at the estimate, :math:`P = (J^T W J)^{-1}` with :math:`W = \mathrm{diag}(1/\sigma_i^2)`
    and rows :math:`J_i = (-\sin h_i, \cos h_i)/r_i`, :math:`r_i` the range from sensor
    *i* (Stansfield 1947; Torrieri 1984). Vectorised over the leading axes (e.g.
    replications); no Python loop over them.

    A fix fails (``ok`` False, estimate and covariance NaN) with fewer than two valid
    bearings, with (nearly) parallel or collinear bearing lines (ill-conditioned normal
    matrix), or when the lines meet behind a sensor (the estimate lies more than 90°
    off a measured bearing).

    Parameters
    ----------
    sensor_xy : array_like of shape (..., n_sensor, 2)
        Sensor positions, east and north (m).
    bearings_rad : array_like of shape (..., n_sensor)
        Measured azimuths (rad, counter-clockwise from east:
        :func:`~skyscreen.models.eoir.azimuth_rad`); NaN counts as not valid.
    sigma_rad : array_like, broadcastable to (..., n_sensor)
        Standard deviation of each bearing (rad), > 0 where valid.
    valid : array_like of bool, broadcastable to (..., n_sensor), optional
        Which sensors have a bearing; default all finite bearings.

    Returns
    -------
    estimate : ndarray of shape (..., 2)
        Emitter position (m); NaN where not ``ok``.
    covariance : ndarray of shape (..., 2, 2)
        Cramér–Rao covariance of the estimate (m²); NaN where not ``ok``.
    ok : ndarray of bool, shape (...)
        Whether a fix was made.

    Raises
    ------
    ValueError
        If the shapes do not broadcast or a valid bearing's sigma is not > 0.

    Examples
    --------
    >>> xy = np.array([[-1000.0, 0.0], [1000.0, 0.0]])
    >>> est, cov, ok = triangulate(xy, np.radians([45.0, 135.0]), 0.01)
    >>> est.round(6) + 0.0, bool(ok)
    (array([   0., 1000.]), True)
    >>> np.sqrt(np.diag(cov)).round(3)  # √2 σ d on both axes
    array([14.142, 14.142])
    """
    xy = np.asarray(sensor_xy, dtype=np.float64)
    if xy.ndim < 2 or xy.shape[-1] != 2:
        raise ValueError(
            f"triangulate: sensor_xy must have shape (..., n_sensor, 2); got {xy.shape}"
        )
    theta = np.asarray(bearings_rad, dtype=np.float64)
    mask = np.isfinite(theta)
    if valid is not None:
        mask = mask & np.asarray(valid, dtype=np.bool_)
    try:
        sx, sy, theta, sigma, mask = np.broadcast_arrays(
            xy[..., 0], xy[..., 1], theta, np.asarray(sigma_rad, np.float64), mask
        )
    except ValueError:
        raise ValueError(
            "triangulate: sensor_xy (..., n_sensor, 2), bearings_rad, sigma_rad and "
            f"valid must broadcast; got shapes {xy.shape}, "
            f"{np.shape(bearings_rad)}, {np.shape(sigma_rad)}, {np.shape(valid)}"
        ) from None
    if not np.all(sigma[mask] > 0.0):
        raise ValueError(
            "triangulate: sigma_rad must be > 0 for every valid bearing; got "
            f"{np.unique(sigma[mask & ~(sigma > 0.0)])}"
        )
    return _triangulate(sx, sy, theta, sigma, mask)


def _triangulate(
    sx: FloatArray,
    sy: FloatArray,
    theta: FloatArray,
    sigma: FloatArray,
    mask: BoolArray,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Computational part of :func:`triangulate`; inputs validated, all (..., S)."""
    w = np.where(mask, 1.0 / np.where(mask, sigma, 1.0) ** 2, 0.0)
    theta = np.where(mask, theta, 0.0)
    n_valid = mask.sum(axis=-1)
    # Work about the centroid of the valid sensors: the line offsets b_i below then do
    # not cancel catastrophically for sensors far from the origin.
    n_safe = np.maximum(n_valid, 1)
    cx = np.where(mask, sx, 0.0).sum(axis=-1) / n_safe
    cy = np.where(mask, sy, 0.0).sum(axis=-1) / n_safe
    ux = np.where(mask, sx - cx[..., None], 0.0)
    uy = np.where(mask, sy - cy[..., None], 0.0)

    # Pseudo-linear start: a_i · p = b_i with a_i = (sin θ, −cos θ).
    s, c = np.sin(theta), np.cos(theta)
    b = s * ux - c * uy
    a11 = (w * s * s).sum(axis=-1)
    a12 = (-w * s * c).sum(axis=-1)
    a22 = (w * c * c).sum(axis=-1)
    r1 = (w * s * b).sum(axis=-1)
    r2 = (-w * c * b).sum(axis=-1)
    ok = (n_valid >= 2) & _well_conditioned(a11, a12, a22)
    px, py = _solve_2x2(a11, a12, a22, r1, r2, ok)

    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(_GAUSS_NEWTON_ITERATIONS):
            f11, f12, f22, g1, g2, _ = _normal_equations(ux, uy, theta, w, px, py)
            good = ok & _well_conditioned(f11, f12, f22)
            step_x, step_y = _solve_2x2(f11, f12, f22, g1, g2, good)
            px = np.where(good, px + step_x, px)
            py = np.where(good, py + step_y, py)
        f11, f12, f22, _, _, h = _normal_equations(ux, uy, theta, w, px, py)
        # A fix must lie in front of every sensor that saw it.
        in_front = np.all(~mask | (np.cos(theta - h) > 0.0), axis=-1)
        ok = ok & in_front & _well_conditioned(f11, f12, f22)
        ok = ok & np.isfinite(px) & np.isfinite(py)
        det = f11 * f22 - f12 * f12
        cov = (
            np.stack(
                [np.stack([f22, -f12], axis=-1), np.stack([-f12, f11], axis=-1)],
                axis=-2,
            )
            / det[..., None, None]
        )
    est = np.stack([px + cx, py + cy], axis=-1)
    est = np.where(ok[..., None], est, np.nan)
    cov = np.where(ok[..., None, None], cov, np.nan)
    return est, cov, np.asarray(ok, dtype=np.bool_)


def _solve_2x2(
    a11: FloatArray,
    a12: FloatArray,
    a22: FloatArray,
    r1: FloatArray,
    r2: FloatArray,
    ok: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve [[a11, a12], [a12, a22]] x = r by Cramer's rule; 0 where not ``ok``."""
    det = np.where(ok, a11 * a22 - a12 * a12, 1.0)
    x = np.where(ok, (a22 * r1 - a12 * r2) / det, 0.0)
    y = np.where(ok, (a11 * r2 - a12 * r1) / det, 0.0)
    return x, y


def _normal_equations(
    ux: FloatArray,
    uy: FloatArray,
    theta: FloatArray,
    w: FloatArray,
    px: FloatArray,
    py: FloatArray,
) -> tuple[FloatArray, ...]:
    """Fisher information JᵀWJ (3 terms), JᵀW(θ − h) (2) and the bearings h at p."""
    dx = px[..., None] - ux
    dy = py[..., None] - uy
    r2 = dx * dx + dy * dy
    h = np.asarray(azimuth_rad(dx, dy), dtype=np.float64)
    # Rows of J: ∂h/∂p = (−dy, dx)/r²; zero for sensors without a bearing (whose r
    # may be 0 when the estimate sits on the centroid).
    used = w > 0.0
    jx = np.where(used, -dy / r2, 0.0)
    jy = np.where(used, dx / r2, 0.0)
    res = np.where(used, wrap_angle(theta - h), 0.0)
    wjx = w * jx
    wjy = w * jy
    f11 = (wjx * jx).sum(axis=-1)
    f12 = (wjx * jy).sum(axis=-1)
    f22 = (wjy * jy).sum(axis=-1)
    g1 = (wjx * res).sum(axis=-1)
    g2 = (wjy * res).sum(axis=-1)
    return f11, f12, f22, g1, g2, h
