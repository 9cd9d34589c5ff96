r"""Radar detection: the radar equation, Swerling 0/1 single-scan Pd and the horizon.

The user specifies a radar by a *reference detection*: per-scan probability
``pd_ref`` against a Swerling 1 target of RCS ``rcs_ref_m2`` at range ``range_ref_m``, at
false-alarm probability ``pfa``. That fixes the reference SNR; the radar equation scales it
to any range and RCS,

.. math:: \mathrm{SNR}(R, \sigma) = \mathrm{SNR}_{ref}\,\frac{\sigma}{\sigma_{ref}}
          \left(\frac{R_{ref}}{R}\right)^4,

and the target's fluctuation model turns SNR into Pd:

- Swerling 1 (exponential RCS, scan-to-scan): :math:`P_d = P_{fa}^{1/(1+\mathrm{SNR})}`;
- Swerling 0 (steady): :math:`P_d = Q_1(\sqrt{2\,\mathrm{SNR}}, \sqrt{-2\ln P_{fa}})`,
  the Marcum Q function, i.e. the survival function of a non-central chi-square with 2
  degrees of freedom and non-centrality 2 SNR at :math:`-2\ln P_{fa}`.

Sources: Swerling (1960); Marcum (1960); Shnidman (2002) for the closed forms.

Examples
--------
>>> round(float(10 * np.log10(snr_from_reference(0.9, 1e-6, swerling=1))), 2)
21.14
>>> round(float(10 * np.log10(snr_from_reference(0.9, 1e-6, swerling=0))), 2)
13.18
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from skyscreen._typing import FloatArray
from skyscreen.models.jit import ufunc

__all__ = [
    "EARTH_RADIUS_M",
    "K_FACTOR",
    "TWO_K_RE_M",
    "clutter_factor",
    "detection_probability",
    "false_alarm_azimuth_rad",
    "false_alarm_count",
    "false_alarm_range_m",
    "horizon_range_m",
    "pd_swerling0",
    "pd_swerling1",
    "range_for_pd_m",
    "snr",
    "snr_from_reference",
]

EARTH_RADIUS_M = 6_371_000.0
"""Mean earth radius R_e (m)."""
K_FACTOR = 4.0 / 3.0
"""Effective-earth factor k for standard atmospheric refraction."""
TWO_K_RE_M = 2.0 * K_FACTOR * EARTH_RADIUS_M
"""2·k·R_e (m), the constant of the horizon formula."""


@ufunc(2)
def pd_swerling1(snr_lin: float, pfa: float) -> float:
    r"""Single-scan detection probability of a Swerling 1 target.

    :math:`P_d = P_{fa}^{1/(1+\mathrm{SNR})}` (square-law detector, exponential RCS).

    Parameters
    ----------
    snr_lin : array_like
        Mean signal-to-noise ratio, linear (not dB).
    pfa : float
        False-alarm probability per detection cell, in (0, 1).

    Returns
    -------
    ndarray
        Pd, same shape as ``snr_lin``.

    Examples
    --------
    >>> float(pd_swerling1(0.0, 1e-6))
    1e-06
    """
    return float(pfa ** (1.0 / (1.0 + snr_lin)))


def pd_swerling0(snr_lin: Any, pfa: float) -> FloatArray:
    r"""Single-scan detection probability of a non-fluctuating (Swerling 0) target.

    :math:`P_d = Q_1(\sqrt{2\,\mathrm{SNR}}, \sqrt{-2\ln P_{fa}})`, computed as the
    survival function of a non-central :math:`\chi^2_2(2\,\mathrm{SNR})` at
    :math:`-2\ln P_{fa}`.

    Parameters
    ----------
    snr_lin : array_like
        Signal-to-noise ratio, linear.
    pfa : float
        False-alarm probability, in (0, 1).

    Returns
    -------
    ndarray
        Pd, same shape as ``snr_lin``.
    """
    s = np.asarray(snr_lin, dtype=np.float64)
    threshold = -2.0 * np.log(pfa)
    return np.asarray(1.0 - special.chndtr(threshold, 2.0, 2.0 * s), dtype=np.float64)


def detection_probability(snr_lin: Any, pfa: float, swerling: int) -> FloatArray:
    """Single-scan Pd for Swerling case 0 or 1.

    Parameters
    ----------
    snr_lin : array_like
        Mean SNR, linear.
    pfa : float
        False-alarm probability.
    swerling : {0, 1}
        Target fluctuation model.

    Returns
    -------
    ndarray
        Pd, same shape as ``snr_lin``.
    """
    if swerling == 1:
        return np.asarray(pd_swerling1(snr_lin, pfa), dtype=np.float64)
    if swerling == 0:
        return pd_swerling0(snr_lin, pfa)
    raise ValueError(f"swerling must be 0 or 1; got {swerling!r}")


def snr_from_reference(pd_ref: float, pfa: float, swerling: int = 1) -> float:
    r"""SNR (linear) at which a target of the given Swerling case is detected with Pd.

    Swerling 1 inverts in closed form: :math:`\mathrm{SNR} = \ln P_{fa}/\ln P_d - 1`.
    Swerling 0 is solved numerically (Brent) on :func:`pd_swerling0`.

    Parameters
    ----------
    pd_ref : float
        Detection probability, in (pfa, 1).
    pfa : float
        False-alarm probability, in (0, 1).
    swerling : {0, 1}
        Target fluctuation model.

    Returns
    -------
    float
        The SNR, linear.
    """
    if not 0.0 < pfa < pd_ref < 1.0:
        raise ValueError(f"need 0 < pfa < pd_ref < 1; got pfa={pfa}, pd_ref={pd_ref}")
    if swerling == 1:
        return float(np.log(pfa) / np.log(pd_ref) - 1.0)
    if swerling == 0:
        from scipy import optimize  # here: scipy.optimize takes 0.2 s to import

        return float(
            optimize.brentq(
                lambda s: float(pd_swerling0(s, pfa)) - pd_ref, 0.0, 1e6, xtol=1e-12
            )
        )
    raise ValueError(f"swerling must be 0 or 1; got {swerling!r}")


@ufunc(5)
def snr(
    range_m: float, rcs_m2: float, snr_ref: float, rcs_ref_m2: float, range_ref_m: float
) -> float:
    r"""Mean SNR by the radar equation scaled from the reference detection.

    :math:`\mathrm{SNR} = \mathrm{SNR}_{ref}\,(\sigma/\sigma_{ref})\,(R_{ref}/R)^4`.

    Parameters
    ----------
    range_m : array_like
        Slant range (m), > 0.
    rcs_m2 : array_like
        Mean radar cross-section of the target (m²), broadcastable with ``range_m``.
    snr_ref, rcs_ref_m2, range_ref_m : float
        The reference: SNR (linear) of RCS ``rcs_ref_m2`` at ``range_ref_m``.

    Returns
    -------
    ndarray
        Mean SNR, linear.
    """
    ratio = range_ref_m / range_m
    return snr_ref * (rcs_m2 / rcs_ref_m2) * ratio**4


def range_for_pd_m(
    pd: float,
    pfa: float,
    rcs_m2: float,
    snr_ref: float,
    rcs_ref_m2: float,
    range_ref_m: float,
    swerling: int = 1,
) -> float:
    r"""Range at which a target of RCS ``rcs_m2`` is detected per scan with ``pd``.

    Inverts :func:`snr`: :math:`R = R_{ref}\,(\mathrm{SNR}_{ref}\,\sigma /
    (\sigma_{ref}\,\mathrm{SNR}_{req}))^{1/4}`, so at fixed Pd range scales as
    :math:`\sigma^{1/4}`.

    Examples
    --------
    >>> s = snr_from_reference(0.9, 1e-6)
    >>> r1 = range_for_pd_m(0.9, 1e-6, 1.0, s, 0.01, 3000.0)
    >>> r2 = range_for_pd_m(0.9, 1e-6, 0.01, s, 0.01, 3000.0)
    >>> round(r2 / r1, 3)
    0.316
    """
    required = snr_from_reference(pd, pfa, swerling)
    return float(range_ref_m * (snr_ref * rcs_m2 / (rcs_ref_m2 * required)) ** 0.25)


@ufunc(2)
def horizon_range_m(h_radar_m: float, h_target_m: float) -> float:
    r"""Radar horizon: the longest line of sight over a smooth refracting earth.

    :math:`d = \sqrt{2 k R_e h_r} + \sqrt{2 k R_e h_t}` with :math:`k = 4/3`
    (:data:`K_FACTOR`) and :math:`R_e` = :data:`EARTH_RADIUS_M`. A ufunc.

    Parameters
    ----------
    h_radar_m, h_target_m : array_like
        Heights of the antenna and the target above the surface (m); negative heights
        count as 0.

    Returns
    -------
    ndarray
        Horizon distance (m).

    Examples
    --------
    >>> round(float(horizon_range_m(10.0, 100.0)))
    54252
    """
    return math.sqrt(TWO_K_RE_M * max(h_radar_m, 0.0)) + math.sqrt(
        TWO_K_RE_M * max(h_target_m, 0.0)
    )


@ufunc(5)
def clutter_factor(
    height_m: float,
    ground_range_m: float,
    clutter_height_m: float,
    clutter_range_m: float,
    clutter_loss_db: float,
) -> float:
    r"""Fraction of its SNR a low target keeps against clutter (notional).

    A target below the clutter height :math:`h_c` within the clutter's ground range
    :math:`R_c` competes with ground and sea returns; what Doppler and clutter-map
    processing do not recover is modelled as an SNR loss that falls linearly in dB
    from :math:`L_c` at the surface to 0 at :math:`h_c`:

    .. math:: f = 10^{-L_c\,(1 - h/h_c)/10} \quad (0 \le h < h_c,\ r \le R_c),
              \qquad f = 1 \text{ otherwise},

    and the radar sees :math:`f\cdot\mathrm{SNR}`. A notional model of the
    "clutter-limited floor" (Skolnik, *Introduction to Radar Systems*, 3rd ed., ch.
    7, on low-altitude detection); the parameters are the user's. A ufunc.

    Parameters
    ----------
    height_m : array_like
        Target height above the surface (m); negative counts as 0.
    ground_range_m : array_like
        Horizontal distance from the radar (m).
    clutter_height_m, clutter_range_m, clutter_loss_db : array_like
        :math:`h_c` (0: no clutter), :math:`R_c` and :math:`L_c` (dB).

    Returns
    -------
    ndarray
        The factor f in (0, 1].

    Examples
    --------
    >>> float(clutter_factor(0.0, 1000.0, 30.0, 10000.0, 10.0))
    0.1
    >>> round(float(clutter_factor(15.0, 1000.0, 30.0, 10000.0, 10.0)), 4)
    0.3162
    >>> float(clutter_factor(15.0, 20000.0, 30.0, 10000.0, 10.0))
    1.0
    """
    h = max(height_m, 0.0)
    if h >= clutter_height_m or ground_range_m > clutter_range_m:
        return 1.0
    return math.pow(10.0, -clutter_loss_db * (1.0 - h / clutter_height_m) / 10.0)


@ufunc(2, out="int64")
def false_alarm_count(u: float, mean: float) -> int:
    r"""False alarms in one scan: the Poisson inverse CDF of a uniform (a ufunc).

    A radar's false alarms in one scan are Poisson with mean
    :math:`\lambda` = ``false_alarms_per_scan`` (MODELS.md, Sensors: the many
    independent range-azimuth cells each cross the threshold with probability
    :math:`P_{fa}`, so their count is binomial with a tiny rate and a huge number of
    trials, Poisson in the limit). The count is drawn by inversion,

    .. math:: N = \min\{k \ge 0 : F(k;\lambda) \ge u\}, \qquad
              F(k;\lambda) = \sum_{j=0}^{k} e^{-\lambda}\frac{\lambda^j}{j!},

    so one uniform from the radar's stream gives one count, and common random numbers
    give counts that rise with :math:`\lambda`. The terms are summed in log space
    (:math:`\ln p_j = -\lambda + j\ln\lambda - \ln j!`), so no term underflows to
    stop the sum early at large :math:`\lambda`; the sum stops at
    :math:`\lambda + 40\sqrt{\lambda} + 40`, beyond which the tail is below 1e-300.

    Parameters
    ----------
    u : array_like
        Uniform draws in [0, 1).
    mean : array_like
        Mean false alarms per scan :math:`\lambda` (>= 0; 0 gives none).

    Returns
    -------
    ndarray of int64
        The false-alarm counts, the broadcast shape of the inputs.

    Examples
    --------
    >>> false_alarm_count([0.1, 0.5, 0.9], 1.0).tolist()  # F(0)=0.368, F(1)=0.736
    [0, 1, 2]
    >>> int(false_alarm_count(0.5, 0.0))
    0
    """
    if not (mean > 0.0 and u > 0.0):
        return 0
    log_mean = math.log(mean)
    limit = mean + 40.0 * math.sqrt(mean) + 40.0
    k = 0
    cdf = math.exp(-mean)
    while cdf < u and k < limit:
        k += 1
        cdf += math.exp(-mean + k * log_mean - math.lgamma(k + 1.0))
    return k


@ufunc(3)
def false_alarm_range_m(u: float, range_min_m: float, range_max_m: float) -> float:
    r"""Ground range of a false alarm, uniform over the coverage's area (a ufunc).

    A false alarm is equally likely anywhere in the annulus (or annular sector)
    :math:`r_{min} \le r \le r_{max}` the radar covers, so its range has
    :math:`P(r \le x) = (x^2 - r_{min}^2)/(r_{max}^2 - r_{min}^2)`, drawn by
    inversion:

    .. math:: r = \sqrt{r_{min}^2 + u\,(r_{max}^2 - r_{min}^2)}.

    Parameters
    ----------
    u : array_like
        Uniform draws in [0, 1).
    range_min_m, range_max_m : array_like
        The radar's minimum and maximum range (m).

    Returns
    -------
    ndarray
        Range (m).

    Examples
    --------
    >>> round(float(false_alarm_range_m(0.5, 0.0, 1000.0)), 6)  # 1000 / √2
    707.106781
    >>> false_alarm_range_m([0.0, 0.75], 500.0, 1000.0).round(3).tolist()
    [500.0, 901.388]
    """
    r2 = range_min_m * range_min_m
    return math.sqrt(r2 + u * (range_max_m * range_max_m - r2))


@ufunc(3)
def false_alarm_azimuth_rad(
    u: float, azimuth_rad: float, half_sector_rad: float
) -> float:
    r"""Azimuth of a false alarm, uniform over the radar's sector (a ufunc).

    :math:`\phi = \phi_0 + (2u - 1)\,\Delta`, for a sector of half-width
    :math:`\Delta` about :math:`\phi_0` (math angles, counter-clockwise from east, as
    the engine's ``azimuth_rad``), wrapped to :math:`(-\pi, \pi]`; with
    :func:`false_alarm_range_m` the point is uniform over the covered area.

    Parameters
    ----------
    u : array_like
        Uniform draws in [0, 1).
    azimuth_rad, half_sector_rad : array_like
        The sector's centre and half-width (rad); a half-width of π is the full
        circle.

    Returns
    -------
    ndarray
        Azimuth (rad), in (-π, π].

    Examples
    --------
    >>> round(float(np.degrees(false_alarm_azimuth_rad(0.75, 0.0, np.pi / 4))), 6)
    22.5
    """
    phi = azimuth_rad + (2.0 * u - 1.0) * half_sector_rad
    return math.atan2(math.sin(phi), math.cos(phi))
