r"""High-energy laser: irradiance through the air, fluence to kill and dwell time.

The irradiance the beam puts on a target at slant range :math:`R` falls with the
square of range (a beam of fixed divergence spreads its power over an area
:math:`\propto R^2`) and with the air's extinction (Beer–Lambert),

.. math:: I(R) = I_0 \left(\frac{R_{ref}}{R}\right)^2 e^{-\alpha R},

with the extinction coefficient from the meteorological visibility :math:`V`
(Koschmieder: the range at which contrast falls to 2 %, so :math:`\alpha = -\ln 0.02
/ V = 3.912 / V`; :math:`\alpha = 0` in perfectly clear air, :math:`V = \infty`).
:math:`I_0` is the irradiance at the reference range :math:`R_{ref}` with no
extinction. The target is killed when the fluence (irradiance integrated over the
dwell) reaches :math:`F_{kill} = I_0 \, t_{ref}`: a laser is specified by the dwell
:math:`t_{ref}` that kills at :math:`R_{ref}` **with no extinction**, so haze or fog
lengthens every dwell, at the reference range too. Irradiances here are relative to
:math:`I_0` (:func:`relative_irradiance`), so a fluence is counted in seconds at
:math:`I_0` and the kill threshold is :math:`t_{ref}` itself.

Against a target at constant range the dwell to kill is

.. math:: t_d(R) = t_{ref} \left(\frac{R}{R_{ref}}\right)^2 e^{\alpha R}
          = t_{ref,\alpha} \left(\frac{R}{R_{ref}}\right)^2 e^{\alpha (R - R_{ref})},

where :math:`t_{ref,\alpha} = t_{ref}\,e^{\alpha R_{ref}}` is the dwell at
:math:`R_{ref}` in the scenario's air (MODELS.md's form). The beam is not focused
tighter than its aperture, so the square law is applied from
:data:`NEAR_RANGE_M` out (closer targets get the irradiance at that range).

Sources: Beer–Lambert attenuation and Koschmieder (1924) for visibility (as in
:mod:`skyscreen.models.eoir`); Kopp, "High Energy Laser Directed Energy Weapons"
(Air Power Australia, 2008) and the CRS reports on U.S. Navy shipboard lasers
(R41526) for the 10–100 kW class and its seconds of dwell at 1–3 km.

Examples
--------
>>> float(dwell_time_s(2000.0, 0.0, 4.0, 1000.0))  # four times the area: 4 × 4 s
16.0
>>> round(float(extinction_per_m(3912.0)), 6)
0.001
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from skyscreen._typing import FloatArray
from skyscreen.models.jit import ufunc

__all__ = [
    "KOSCHMIEDER",
    "NEAR_RANGE_M",
    "dwell_time_s",
    "extinction_per_m",
    "range_for_dwell_m",
    "relative_irradiance",
]

KOSCHMIEDER = 3.912
"""−ln 0.02: extinction times visibility at the 2 % contrast threshold."""

NEAR_RANGE_M = 1.0
"""Range below which the irradiance is no longer raised (the beam's smallest spot)."""


@ufunc(1)
def extinction_per_m(visibility_m: float) -> float:
    r"""Extinction coefficient of the air, :math:`\alpha = 3.912 / V` (1/m).

    Koschmieder's relation between meteorological visibility :math:`V` (the range
    at which contrast falls to 2 %) and extinction. 0 for :math:`V = \infty`. A ufunc.

    Examples
    --------
    >>> float(extinction_per_m(float("inf")))
    0.0
    """
    return KOSCHMIEDER / visibility_m


@ufunc(3)
def relative_irradiance(
    range_m: float, alpha_per_m: float, range_ref_m: float
) -> float:
    r"""Irradiance at slant range R relative to that at :math:`R_{ref}` in clear air.

    :math:`I(R)/I_0 = (R_{ref}/R)^2 \, e^{-\alpha R}` (inverse square and
    Beer–Lambert), with R no less than :data:`NEAR_RANGE_M`. A ufunc.

    Examples
    --------
    >>> float(relative_irradiance(500.0, 0.0, 1000.0))
    4.0
    """
    r = max(range_m, NEAR_RANGE_M)
    q = range_ref_m / r
    return q * q * math.exp(-alpha_per_m * r)


@ufunc(4)
def dwell_time_s(
    range_m: float, alpha_per_m: float, dwell_ref_s: float, range_ref_m: float
) -> float:
    r"""Dwell to kill a target held at constant slant range R (s).

    :math:`t_d = t_{ref} (R/R_{ref})^2 e^{\alpha R}`: the kill fluence
    :math:`t_{ref}` (in seconds at the clear-air reference irradiance) over
    :func:`relative_irradiance`. A ufunc.

    Examples
    --------
    >>> float(dwell_time_s(1000.0, 0.0, 4.0, 1000.0))
    4.0
    """
    r = max(range_m, NEAR_RANGE_M)
    q = r / range_ref_m
    return dwell_ref_s * q * q * math.exp(alpha_per_m * r)


def range_for_dwell_m(
    dwell_s: Any, alpha_per_m: Any, dwell_ref_s: Any, range_ref_m: Any
) -> FloatArray:
    r"""Slant range at which the dwell to kill is ``dwell_s`` (the inverse of t_d).

    Solves :math:`t_{ref} (R/R_{ref})^2 e^{\alpha R} = t_d` for R: in clear air
    :math:`R = R_{ref}\sqrt{t_d/t_{ref}}`; otherwise
    :math:`R = (2/\alpha)\,W\!\left(\tfrac{\alpha R_{ref}}{2}\sqrt{t_d/t_{ref}}\right)`
    with W the principal branch of Lambert's W function.

    Examples
    --------
    >>> float(range_for_dwell_m(16.0, 0.0, 4.0, 1000.0))
    2000.0
    """
    from scipy import special

    t = np.asarray(dwell_s, dtype=np.float64)
    a = np.asarray(alpha_per_m, dtype=np.float64)
    clear = np.asarray(range_ref_m, dtype=np.float64) * np.sqrt(
        t / np.asarray(dwell_ref_s, dtype=np.float64)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        hazy = 2.0 / a * special.lambertw(a * clear / 2.0).real
    return np.asarray(np.where(a > 0.0, hazy, clear), dtype=np.float64)
