r"""Radio-frequency jamming of a drone's command link and of its GNSS receiver.

**Command link.** At the drone's receiver, with the same receive antenna and bandwidth
for both signals,

.. math:: J/S = \frac{P_j G_j}{P_c G_c}\left(\frac{d_c}{d_j}\right)^2,

where :math:`P_c G_c` is the ground control station's EIRP at distance :math:`d_c` and
:math:`P_j G_j` the jammer's at :math:`d_j`. The link is lost once J/S has stayed above the
drone's threshold for ``link_loss_delay_s``, and is not regained.

**GNSS.** The jammer's power at the drone's GNSS antenna follows Friis on GPS L1
(:math:`\lambda` = 0.1903 m), and the satellites' signal arrives at a power :math:`S`
(about −130 dBm):

.. math:: J/S = \frac{P_j G_j G_r}{S}\left(\frac{\lambda}{4\pi d_j}\right)^2,

so a receiver that loses its fix above a threshold :math:`(J/S)^*` is denied within

.. math:: d^* = \frac{\lambda}{4\pi}\sqrt{\frac{P_j G_j G_r}{S\,(J/S)^*}}.

After losing its fix the drone navigates inertially; its position error grows at its
drift rate :math:`v_{ins}`: :math:`e = v_{ins}\,t_{ins}`.

Sources: Poisel (2011) *Modern Communications Jamming Principles and Techniques*, ch. 9;
Kaplan & Hegarty (2017) *Understanding GPS/GNSS*, 3rd ed., ch. 9 (interference, J/S).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from skyscreen._typing import FloatArray
from skyscreen.models.jit import ufunc

__all__ = [
    "GNSS_L1_WAVELENGTH_M",
    "dbm_to_w",
    "friis_received_power_w",
    "gnss_denial_range_m",
    "gnss_js_ratio",
    "ins_drift_m",
    "link_js_ratio",
]

GNSS_L1_WAVELENGTH_M = 0.1903
"""Wavelength of GPS L1 (1575.42 MHz), metres."""


@ufunc(4)
def link_js_ratio(
    jammer_eirp_w: float, link_eirp_w: float, d_control_m: float, d_jammer_m: float
) -> float:
    """Jamming-to-signal ratio (linear) at a drone's command-link receiver.

    (P_j G_j)/(P_c G_c) · (d_c/d_j)², distances to the jammer under 1 m counting as
    1 m. A ufunc: NumPy callers and the jammer's kernel share it.

    Examples
    --------
    >>> float(link_js_ratio(100.0, 1.0, 10_000.0, 1_000.0))  # 20 dB power, 20 dB range
    10000.0
    """
    q = d_control_m / max(d_jammer_m, 1.0)
    return jammer_eirp_w / link_eirp_w * (q * q)


@ufunc(4)
def friis_received_power_w(
    eirp_w: float, gain_rx: float, distance_m: float, wavelength_m: float
) -> float:
    r"""Free-space received power, :math:`P_{rx} = P_t G_t G_r (\lambda/4\pi d)^2`.

    Distances under 1 m count as 1 m. A ufunc: NumPy callers (the jammer's GNSS
    J/S, the RF detector's link budget) and the RF detector's kernel share it.
    """
    x = wavelength_m / (4.0 * math.pi * max(distance_m, 1.0))
    return eirp_w * gain_rx * x * x


def dbm_to_w(dbm: Any) -> FloatArray:
    """Power in dBm to watts, :math:`10^{(dBm - 30)/10}`.

    Examples
    --------
    >>> float(dbm_to_w(30.0))
    1.0
    """
    return np.asarray(10.0 ** ((np.asarray(dbm, dtype=np.float64) - 30.0) / 10.0))


def gnss_js_ratio(
    jammer_eirp_w: Any, gain_rx: Any, d_jammer_m: Any, signal_w: Any
) -> FloatArray:
    r"""Jamming-to-signal ratio (linear) at a drone's GNSS receiver on GPS L1.

    :math:`J/S = P_j G_j G_r (\lambda/4\pi d_j)^2 / S`, the jammer's Friis power
    (:func:`friis_received_power_w`, distance at least 1 m) over the satellites'
    received power ``signal_w``.

    Examples
    --------
    >>> round(10 * float(np.log10(gnss_js_ratio(1.0, 1.0, 10_000.0, 1e-16))), 2)
    43.6
    """
    rx = friis_received_power_w(
        jammer_eirp_w, gain_rx, d_jammer_m, GNSS_L1_WAVELENGTH_M
    )
    return np.asarray(rx / np.asarray(signal_w, dtype=np.float64))


def gnss_denial_range_m(
    jammer_eirp_w: Any, gain_rx: Any, signal_w: Any, js_threshold: Any
) -> FloatArray:
    r"""Distance within which one jammer's J/S reaches a GNSS receiver's threshold.

    :math:`d^* = \frac{\lambda}{4\pi}\sqrt{P_j G_j G_r / (S\,(J/S)^*)}`, the inverse
    of :func:`gnss_js_ratio` (before the jammer's range and sector limits).

    Examples
    --------
    >>> d = gnss_denial_range_m(1.0, 1.0, 1e-16, 1e4)
    >>> round(float(gnss_js_ratio(1.0, 1.0, d, 1e-16)), 9)
    10000.0
    """
    p = np.asarray(jammer_eirp_w, dtype=np.float64) * np.asarray(gain_rx)
    s = np.asarray(signal_w, dtype=np.float64) * np.asarray(js_threshold)
    return np.asarray(GNSS_L1_WAVELENGTH_M / (4.0 * np.pi) * np.sqrt(p / s))


def ins_drift_m(drift_mps: Any, time_on_ins_s: Any) -> FloatArray:
    """Inertial navigation error after ``time_on_ins_s`` without a fix: drift × time.

    A constant velocity error (linear growth), a simplification: an unaided MEMS
    inertial unit's error grows faster than linearly; airspeed and heading aiding keep
    it nearer linear over the minutes that matter here. Negative times count as zero.

    Examples
    --------
    >>> ins_drift_m(3.0, [10.0, -1.0]).tolist()
    [30.0, 0.0]
    """
    t = np.maximum(np.asarray(time_on_ins_s, dtype=np.float64), 0.0)
    return np.asarray(np.asarray(drift_mps, dtype=np.float64) * t)
