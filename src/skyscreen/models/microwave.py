r"""High-power microwave: power density in the beam and the chance a drone is upset.

An emitter of effective isotropic radiated power :math:`P G` (the EIRP) puts, in its
far field, a power density

.. math:: S(R) = \frac{P G}{4 \pi R^2}

on a target at slant range :math:`R` inside its beam, a cone of half-angle
:math:`\theta` about the boresight (outside it, nothing: the side lobes are ignored).
A drone in the beam is defeated (its electronics upset or burnt, so it falls) with
probability

.. math:: p(R) = \Phi\!\left(\frac{\ln S(R) - \ln S_{50}}{\sigma_{\ln}}\right),

a log-normal dose–response: :math:`S_{50}` is the power density that defeats half the
airframes of the drone's class (shielding and hardening raise it) and
:math:`\sigma_{\ln}` the spread of the airframes' thresholds in natural-log units.
Every drone in the beam is drawn independently in each shot (one uniform per drone
and shot), so two drones at one range are defeated together with probability
:math:`p^2`, and a drone a first shot spared faces the same :math:`p` in the next: the
threshold is taken as a fresh draw per shot (coupling depends on the aspect and the
drone's state at the instant of the pulse), not fixed per airframe. The near-field
distance is not modelled: :data:`NEAR_RANGE_M` bounds the square law.

Sources: MODELS.md (Effectors); the far-field density of an antenna of gain G
(Friis); the log-normal susceptibility curves of electronics to HPM in Bäckström &
Lövstrand, "Susceptibility of electronic systems to high-power microwaves: summary of
test experience", IEEE Trans. EMC 46(3), 2004.

Examples
--------
>>> round(float(power_density_w_m2(4.0 * math.pi * 1e6, 100.0)), 6)
100.0
>>> float(defeat_probability(1000.0, 1000.0, 1.0))
0.5
"""

from __future__ import annotations

import math

from skyscreen.models.jit import ufunc

__all__ = [
    "NEAR_RANGE_M",
    "defeat_probability",
    "defeat_range_probability",
    "power_density_w_m2",
]

NEAR_RANGE_M = 1.0
"""Range below which the density is no longer raised (the aperture's size)."""


@ufunc(2)
def power_density_w_m2(eirp_w: float, range_m: float) -> float:
    r"""Far-field power density :math:`S = P G / (4 \pi R^2)` (W/m²). A ufunc.

    Examples
    --------
    >>> round(float(power_density_w_m2(4.0 * math.pi * 4e4, 200.0)), 9)
    1.0
    """
    r = max(range_m, NEAR_RANGE_M)
    return eirp_w / (4.0 * math.pi * r * r)


@ufunc(3)
def defeat_probability(density_w_m2: float, s50_w_m2: float, sigma_ln: float) -> float:
    r"""Chance one shot defeats a drone at power density S (log-normal). A ufunc.

    :math:`\Phi((\ln S - \ln S_{50})/\sigma_{\ln})`; with :math:`\sigma_{\ln} = 0` a
    step: 1 at or above :math:`S_{50}`, else 0; 0 where S is 0.

    Examples
    --------
    >>> round(float(defeat_probability(1000.0 * math.e, 1000.0, 1.0)), 4)
    0.8413
    >>> float(defeat_probability(999.0, 1000.0, 0.0))
    0.0
    """
    if density_w_m2 <= 0.0:
        return 0.0
    z = math.log(density_w_m2 / s50_w_m2)
    if sigma_ln <= 0.0:
        return 1.0 if z >= 0.0 else 0.0
    return 0.5 * math.erfc(-z / (sigma_ln * math.sqrt(2.0)))


@ufunc(4)
def defeat_range_probability(
    eirp_w: float, range_m: float, s50_w_m2: float, sigma_ln: float
) -> float:
    r"""Chance one shot defeats a drone in the beam at slant range R. A ufunc.

    :func:`defeat_probability` of :func:`power_density_w_m2`.

    Examples
    --------
    >>> eirp = 4.0 * math.pi * 300.0**2 * 1000.0  # 1000 W/m² at 300 m
    >>> round(float(defeat_range_probability(eirp, 300.0, 1000.0, 1.0)), 6)
    0.5
    """
    p: float = defeat_probability(
        power_density_w_m2(eirp_w, range_m), s50_w_m2, sigma_ln
    )
    return p
