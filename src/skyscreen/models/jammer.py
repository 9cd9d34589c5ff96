r"""Radio-frequency jamming of a drone's command link (and GNSS power, for later).

At the drone's receiver, with the same receive antenna and bandwidth for both signals,

.. math:: J/S = \frac{P_j G_j}{P_c G_c}\left(\frac{d_c}{d_j}\right)^2,

where :math:`P_c G_c` is the ground control station's EIRP at distance :math:`d_c` and
:math:`P_j G_j` the jammer's at :math:`d_j`. The link is lost once J/S has stayed above the
drone's threshold for ``link_loss_delay_s``, and is not regained.

Source: Poisel (2011) *Modern Communications Jamming Principles and Techniques*, ch. 9.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skyscreen._typing import FloatArray

__all__ = ["GNSS_L1_WAVELENGTH_M", "friis_received_power_w", "link_js_ratio"]

GNSS_L1_WAVELENGTH_M = 0.1903
"""Wavelength of GPS L1 (1575.42 MHz), metres."""


def link_js_ratio(
    jammer_eirp_w: Any, link_eirp_w: Any, d_control_m: Any, d_jammer_m: Any
) -> FloatArray:
    """Jamming-to-signal ratio (linear) at a drone's command-link receiver.

    Examples
    --------
    >>> float(link_js_ratio(100.0, 1.0, 10_000.0, 1_000.0))  # 20 dB power, 20 dB range
    10000.0
    """
    dc = np.asarray(d_control_m, dtype=np.float64)
    dj = np.maximum(np.asarray(d_jammer_m, dtype=np.float64), 1.0)
    return np.asarray(
        np.asarray(jammer_eirp_w) / np.asarray(link_eirp_w) * (dc / dj) ** 2
    )


def friis_received_power_w(
    eirp_w: Any, gain_rx: Any, distance_m: Any, wavelength_m: float
) -> FloatArray:
    r"""Free-space received power, :math:`P_{rx} = P_t G_t G_r (\lambda/4\pi d)^2`."""
    d = np.maximum(np.asarray(distance_m, dtype=np.float64), 1.0)
    return np.asarray(
        np.asarray(eirp_w)
        * np.asarray(gain_rx)
        * (wavelength_m / (4.0 * np.pi * d)) ** 2
    )
