r"""Warhead damage: impact scatter, asset damage and casualties.

A drone that reaches its aim point detonates at aim point + navigation error + a circular
normal error with per-axis :math:`\sigma = \mathrm{CEP}/1.1774` (CEP is the median miss
distance: :math:`\mathrm{CEP} = \sigma\sqrt{2\ln 2}`). An asset is damaged when the impact
lies within :math:`R_L + r_{asset}` of its centre, with probability equal to its
vulnerability. For a point asset at the aim point and vulnerability 1,
:math:`P = 1 - e^{-R_L^2/2\sigma^2}`; for a disc at offset d from the aim point it is
``ncx2.cdf(R²/σ², 2, d²/σ²)``. Each damaging hit on an occupied asset causes
Binomial(remaining occupants, lethality) casualties.

Sources: Driels (2013) *Weaponeering*; Washburn & Kress (2009) *Combat Modeling*, ch. 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from skyscreen._typing import FloatArray

__all__ = [
    "CEP_PER_SIGMA",
    "casualties",
    "cep_to_sigma_m",
    "damage_probability",
    "point_damage_probability",
]

CEP_PER_SIGMA = float(np.sqrt(2.0 * np.log(2.0)))
"""CEP / σ for a circular normal, √(2 ln 2) ≈ 1.1774."""


def cep_to_sigma_m(cep_m: Any) -> FloatArray:
    """Per-axis σ of the circular normal with the given CEP: ``cep / 1.1774``."""
    return np.asarray(np.asarray(cep_m, dtype=np.float64) / CEP_PER_SIGMA)


def point_damage_probability(lethal_radius_m: Any, sigma_m: Any) -> FloatArray:
    r"""Probability that a point at the aim point lies within the lethal radius.

    :math:`1 - e^{-R_L^2/2\sigma^2}`.

    Examples
    --------
    >>> round(float(point_damage_probability(10.0, cep_to_sigma_m(10.0))), 6)
    0.5
    """
    r = np.asarray(lethal_radius_m, dtype=np.float64)
    s = np.asarray(sigma_m, dtype=np.float64)
    return np.asarray(1.0 - np.exp(-0.5 * r * r / (s * s)))


def damage_probability(
    reach_m: Any, sigma_m: Any, offset_m: Any, vulnerability: Any = 1.0
) -> FloatArray:
    r"""Probability that an asset is damaged by one detonation.

    The impact is circular normal with per-axis σ around the aim point; the asset's
    centre is ``offset_m`` from the aim point and it is damaged when the impact falls
    within ``reach_m`` = :math:`R_L + r_{asset}` of it, then with probability
    ``vulnerability``: :math:`v\cdot` ``ncx2.cdf(reach²/σ², 2, offset²/σ²)``.
    """
    r = np.asarray(reach_m, dtype=np.float64)
    s = np.asarray(sigma_m, dtype=np.float64)
    d = np.asarray(offset_m, dtype=np.float64)
    return np.asarray(
        np.asarray(vulnerability)
        * special.chndtr(r * r / (s * s), 2.0, d * d / (s * s))
    )


def casualties(u: Any, remaining: Any, lethality: Any) -> FloatArray:
    """Casualties of one damaging hit by inverse transform: Binomial(remaining, lethality).

    Parameters
    ----------
    u : array_like
        Uniform(0, 1) draws, one per hit.
    remaining : array_like
        Occupants still unhurt.
    lethality : array_like
        Probability that one occupant becomes a casualty.

    Returns
    -------
    ndarray
        Casualties, integers stored as float64, never above ``remaining``.

    Examples
    --------
    >>> casualties([0.5], [100], [0.1]).tolist()
    [10.0]
    """
    n = np.asarray(remaining, dtype=np.float64)
    p = np.asarray(lethality, dtype=np.float64)
    # Keep u inside (0, 1): ppf(0) is -1 and ppf(1) is n by convention, and scipy warns
    # near 1. Lethality 1 kills everyone remaining whatever u.
    uu = np.clip(np.asarray(u, dtype=np.float64), 1e-300, 1.0 - 2.0**-53)
    from scipy import stats  # here: importing scipy.stats takes 0.6 s (analysis.stats)

    out = stats.binom.ppf(uu, n, np.minimum(p, 1.0))
    out = np.where(p >= 1.0, n, out)
    out = np.where((n <= 0) | (p <= 0), 0.0, out)
    return np.asarray(np.clip(out, 0.0, n))
