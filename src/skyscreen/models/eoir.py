r"""EO/IR camera: per-look detection probability, visibility cap and angle geometry.

A camera looks every ``look_period_s``; each look detects a drone at slant range
:math:`R` independently with

.. math:: P_d(R) = \frac{1}{1 + (R/R_{50})^k},

where :math:`R_{50}` is the range of a 50 % detection (one value by day, one by night)
and :math:`k > 0` the steepness. This is the target transfer probability function of
the Johnson-criteria / NVThermIP line of models,
:math:`P = (N/N_{50})^E / (1 + (N/N_{50})^E)`, with the resolvable cycles on target
:math:`N` inversely proportional to range, so :math:`N/N_{50} = R_{50}/R` and
:math:`k = E`. Read as a distribution, it says the cycles an observer needs on one look
are log-logistic about :math:`N_{50}` with shape :math:`E`, and the look detects when
the cycles available reach them. The atmosphere caps the range: with meteorological
visibility :math:`V` (Koschmieder: the range at which contrast falls to 2 %),
:math:`R_{50,\mathrm{eff}} = \min(R_{50}, V)`.

A camera measures angles only, in the project's convention (:func:`azimuth_rad`):
azimuth counter-clockwise from east (+x) in the horizontal ENU plane, as the engine's
``atan2(dy, dx)``; elevation above the horizontal plane.

Sources: Johnson (1958), "Analysis of image forming systems"; Vollmerhausen & Jacobs
(2004), "The targeting task performance (TTP) metric", NVESD Technical Report
AMSEL-NV-TR-230, and the NVESD NVThermIP model; Koschmieder (1924) for visibility.

Examples
--------
>>> float(eoir_pd(3000.0, 3000.0, 2.0))
0.5
>>> float(eoir_pd(3000.0, effective_r50_m(3000.0, 1500.0), 2.0))  # fog: (3000/1500)²
0.2
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from skyscreen._typing import FloatArray
from skyscreen.models.jit import ufunc

__all__ = [
    "azimuth_rad",
    "bearing_elevation",
    "effective_r50_m",
    "elevation_rad",
    "eoir_pd",
    "eoir_range_for_pd_m",
]


@ufunc(3)
def eoir_pd(range_m: float, r50_m: float, k: float) -> float:
    r"""Per-look detection probability of an EO/IR camera.

    :math:`P_d = 1 / (1 + (R/R_{50})^k)` (Johnson / NVThermIP target transfer
    probability function with :math:`N \propto 1/R`). A ufunc: NumPy broadcasts it,
    numba kernels call it on scalars.

    Parameters
    ----------
    range_m : array_like
        Slant range (m); ``R <= 0`` gives 1.
    r50_m : array_like
        Range of 50 % detection (m), already capped by visibility
        (:func:`effective_r50_m`); ``r50_m <= 0`` gives 0 (the camera sees nothing).
    k : array_like
        Steepness (the TTPF exponent E), > 0.

    Returns
    -------
    ndarray
        Pd in [0, 1], same shape as the broadcast inputs; NaN in, NaN out.

    Examples
    --------
    >>> float(eoir_pd(1000.0, 2000.0, 2.0))  # 1 / (1 + 1/4)
    0.8
    >>> float(eoir_pd(0.0, 2000.0, 2.0)), float(eoir_pd(500.0, 0.0, 2.0))
    (1.0, 0.0)
    """
    if r50_m <= 0.0:
        return 0.0
    if range_m <= 0.0:
        return 1.0
    # The logistic of k·ln(R/R50), written so that no power overflows at any range
    # (the plain-Python path, NUMBA_DISABLE_JIT, would raise OverflowError on x**k).
    t = k * math.log(range_m / r50_m)
    if t > 0.0:
        e = math.exp(-t)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(t))


@ufunc(2)
def effective_r50_m(r50_m: float, visibility_m: float) -> float:
    r"""50 % detection range capped by the visibility, :math:`\min(R_{50}, V)`.

    A ufunc. ``visibility_m`` may be ``inf`` (clear air: no cap).

    Parameters
    ----------
    r50_m : array_like
        The camera's R50 for the time of day (m).
    visibility_m : array_like
        Meteorological visibility V (m).

    Returns
    -------
    ndarray
        :math:`R_{50,\mathrm{eff}}` (m).

    Examples
    --------
    >>> float(effective_r50_m(3000.0, np.inf)), float(effective_r50_m(3000.0, 800.0))
    (3000.0, 800.0)
    """
    return min(r50_m, visibility_m)


def eoir_range_for_pd_m(pd: Any, r50_m: Any, k: Any) -> FloatArray:
    r"""Range at which a look detects with probability ``pd``; inverse of :func:`eoir_pd`.

    :math:`R = R_{50}\,((1 - P_d)/P_d)^{1/k}`. At the ends: ``pd = 1`` gives 0 and
    ``pd = 0`` gives ``inf``, the limits of the formula.

    Parameters
    ----------
    pd : array_like
        Detection probability, in [0, 1].
    r50_m : array_like
        50 % detection range (m), > 0.
    k : array_like
        Steepness, > 0.

    Returns
    -------
    ndarray
        Range (m), the broadcast shape of the inputs.

    Raises
    ------
    ValueError
        If ``pd`` is outside [0, 1] (or NaN), or ``r50_m`` or ``k`` is not > 0.

    Examples
    --------
    >>> round(float(eoir_range_for_pd_m(0.8, 2000.0, 2.0)), 9)  # 2000 · (1/4)^(1/2)
    1000.0
    >>> eoir_range_for_pd_m([0.0, 0.5, 1.0], 2000.0, 2.0)
    array([  inf, 2000.,    0.])
    """
    p = np.asarray(pd, dtype=np.float64)
    r50 = np.asarray(r50_m, dtype=np.float64)
    kk = np.asarray(k, dtype=np.float64)
    if not np.all((p >= 0.0) & (p <= 1.0)):
        raise ValueError(f"eoir_range_for_pd_m: pd must be in [0, 1]; got {pd!r}")
    if not np.all(r50 > 0.0):
        raise ValueError(f"eoir_range_for_pd_m: r50_m must be > 0; got {r50_m!r}")
    if not np.all(kk > 0.0):
        raise ValueError(f"eoir_range_for_pd_m: k must be > 0; got {k!r}")
    with np.errstate(divide="ignore"):
        odds = (1.0 - p) / p
    return np.asarray(r50 * odds ** (1.0 / kk), dtype=np.float64)


@ufunc(2)
def azimuth_rad(dx_m: float, dy_m: float) -> float:
    """Azimuth of the vector (dx, dy): the one place the convention is defined.

    Counter-clockwise from east (+x) in the ENU plane, in (-π, π]:
    ``atan2(dy, dx)``, as the engine's kernels compute bearings (scenario fields give
    compass bearings, clockwise from north, and compiling converts them:
    azimuth = π/2 − compass bearing). A ufunc.

    Parameters
    ----------
    dx_m, dy_m : array_like
        East and north components of the line of sight, target minus sensor (m).

    Returns
    -------
    ndarray
        Azimuth (rad).

    Examples
    --------
    >>> float(azimuth_rad(0.0, 1.0)) == np.pi / 2  # north
    True
    """
    return math.atan2(dy_m, dx_m)


@ufunc(3)
def elevation_rad(dx_m: float, dy_m: float, dz_m: float) -> float:
    """Elevation of (dx, dy, dz) above the horizontal plane, in [-π/2, π/2] (a ufunc).

    Examples
    --------
    >>> round(float(np.degrees(elevation_rad(300.0, 400.0, 500.0))), 6)
    45.0
    """
    return math.atan2(dz_m, math.hypot(dx_m, dy_m))


def bearing_elevation(dx_m: Any, dy_m: Any, dz_m: Any) -> tuple[FloatArray, FloatArray]:
    """Angle-only measurement of a line of sight: azimuth and elevation.

    Azimuth by :func:`azimuth_rad` (counter-clockwise from east, the engine's
    convention), elevation by :func:`elevation_rad`.

    Parameters
    ----------
    dx_m, dy_m, dz_m : array_like
        ENU components of target minus sensor (m), broadcastable.

    Returns
    -------
    azimuth : ndarray
        Azimuth (rad), in (-π, π].
    elevation : ndarray
        Elevation (rad), in [-π/2, π/2].

    Examples
    --------
    >>> az, el = bearing_elevation([1.0, 0.0, -1.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0])
    >>> np.degrees(az), np.degrees(el)
    (array([  0.,  90., 180.]), array([ 0.,  0., 45.]))
    """
    az = np.asarray(azimuth_rad(dx_m, dy_m), dtype=np.float64)
    el = np.asarray(elevation_rad(dx_m, dy_m, dz_m), dtype=np.float64)
    return az, el
