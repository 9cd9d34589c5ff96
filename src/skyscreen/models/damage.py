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

import math
from typing import Any

import numpy as np
from numba import njit
from scipy import special

from skyscreen._typing import BoolArray, FloatArray

__all__ = [
    "CEP_PER_SIGMA",
    "binomial_quantile",
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
    r"""Casualties of one damaging hit by inverse transform: Binomial(remaining, lethality).

    The smallest k with :math:`P(K \le k) \ge u` for :math:`K \sim` Binomial(remaining,
    lethality): the integers of ``scipy.stats.binom.ppf`` (see
    :func:`binomial_quantile`), without importing ``scipy.stats`` (1.2 s).

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
    out = binomial_quantile(uu, n, np.minimum(p, 1.0))
    out = np.where(p >= 1.0, n, out)
    out = np.where((n <= 0) | (p <= 0), 0.0, out)
    return np.asarray(np.clip(out, 0.0, n))


def binomial_quantile(q: Any, n: Any, p: Any) -> FloatArray:
    r"""Binomial inverse CDF: the smallest integer k with :math:`P(K \le k) \ge q`.

    The same integers as ``scipy.stats.binom.ppf(q, n, p)`` (as float64; NaN where n
    is not a whole number >= 0, p is outside [0, 1] or q outside [0, 1]; -1 at q = 0
    and n at q = 1), without importing ``scipy.stats``. A compiled loop sums the
    probabilities outward from the mode (relative to it, so nothing overflows or is
    lost below the smallest q) and compares the lower tail with q·S, or for q > 1/2
    the upper tail with (1 - q)·S (1 - q is exact there). Where q lies within a
    relative 1e-9 of a CDF step (these sums are good to about 1e-11 for n up to 10^6,
    and a uniform draw falls there with probability of order 1e-9 per step), and in
    the far tails where scipy's own answer strays from the exact one (q below 1e-30,
    1 - q below 1e-11), the answer is taken from ``scipy.stats`` itself, so that even
    a q equal to a CDF value gives scipy's integer.

    Examples
    --------
    >>> binomial_quantile([0.5, 1e-12, 0.999], 12, 0.3).tolist()
    [4.0, 0.0, 9.0]
    """
    qa, na, pa = np.broadcast_arrays(
        np.asarray(q, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
        np.asarray(p, dtype=np.float64),
    )
    out = np.empty(qa.shape)
    close = np.zeros(qa.shape, dtype=np.bool_)
    _binomial_quantile_loop(
        qa.ravel(), na.ravel(), pa.ravel(), out.ravel(), close.ravel()
    )
    if close.any():
        from scipy import stats  # near a CDF step or in a far tail: scipy's integer

        out[close] = stats.binom.ppf(qa[close], na[close], pa[close])
    return out


_CLOSE = 1e-9
"""Relative distance of q·S from a partial sum within which scipy decides."""

_ULPS_OF_ONE = 4.0 * 2.0**-52
"""And for q > 1/2, the absolute distance of q from a CDF step (times S)."""

_SCIPY_BELOW = 1e-30
_SCIPY_BELOW_COMPLEMENT = 1e-11
"""Tails where scipy decides: q below 1e-30 or 1 - q below 1e-11.

Boost's quantile, which ``scipy.stats.binom.ppf`` calls, strays from the smallest k
with CDF(k) >= q there (measured on a grid of n, p and q: for q below 1e-100 and for
1 - q below 1e-13, by up to 20 in one far lower tail, where the loop here finds the
exact k); scipy's integer is kept so that the engine's results stay those of the
``scipy.stats`` draw. A uniform draw lands there about once in 10^11 draws.
"""


@njit(cache=True)
def _binomial_quantile_loop(
    q: FloatArray, n: FloatArray, p: FloatArray, out: FloatArray, close: BoolArray
) -> None:
    for i in range(q.size):
        out[i], close[i] = _binomial_quantile_one(q[i], n[i], p[i])


@njit(cache=True)
def _binomial_quantile_one(q: float, n: float, p: float) -> tuple[float, bool]:
    # scipy's conventions: -1 at q = 0 whatever n and p, NaN for invalid arguments.
    if q == 0.0:
        return -1.0, False
    if not (0.0 <= n < math.inf and n == np.floor(n) and 0.0 <= p <= 1.0 and q <= 1.0):
        return math.nan, False
    if q == 1.0:
        return n, False
    if p == 0.0 or n == 0.0:
        return 0.0, False
    if p == 1.0:
        return n, False
    if q < _SCIPY_BELOW or 1.0 - q < _SCIPY_BELOW_COMPLEMENT:
        return math.nan, True
    # Weights w_j = pmf(j) / pmf(mode), outward from the mode until they underflow.
    odds = p / (1.0 - p)
    mode = min(np.floor((n + 1.0) * p), n)
    lo = mode
    w = 1.0
    while lo > 0.0:
        w *= lo / ((n - lo + 1.0) * odds)
        if w == 0.0:
            break
        lo -= 1.0
    hi = mode
    w = 1.0
    while hi < n:
        w *= (n - hi) * odds / (hi + 1.0)
        if w == 0.0:
            break
        hi += 1.0
    m = int(mode - lo)
    weights = np.empty(int(hi - lo) + 1)
    weights[m] = 1.0
    for j in range(m - 1, -1, -1):
        k = lo + j + 1.0  # weights[j] = weights[j + 1] * pmf(k - 1) / pmf(k)
        weights[j] = weights[j + 1] * (k / ((n - k + 1.0) * odds))
    for j in range(m + 1, weights.size):
        k = lo + j - 1.0  # weights[j] = weights[j - 1] * pmf(k + 1) / pmf(k)
        weights[j] = weights[j - 1] * ((n - k) * odds / (k + 1.0))
    total = 0.0
    for j in range(weights.size):
        total += weights[j]
    if q <= 0.5:
        # Smallest k with sum_{j <= k} w_j >= q·S.
        target = q * total
        below = 0.0
        for j in range(weights.size):
            upto = below + weights[j]
            if upto >= target:
                near = upto <= target * (1.0 + _CLOSE) or below >= target * (
                    1.0 - _CLOSE
                )
                return lo + j, near
            below = upto
        return hi, True
    # Smallest k with sum_{j > k} w_j <= (1 - q)·S, walking down from the top.
    target = (1.0 - q) * total
    above = 0.0
    j = weights.size - 1
    while j > 0 and above + weights[j] <= target:
        above += weights[j]
        j -= 1
    # q itself is only good to half an ulp of 1 here (scipy's decision is made on the
    # rounded CDF), hence the absolute term.
    band = _CLOSE * target + _ULPS_OF_ONE * total
    near = above >= target - band or above + weights[j] <= target + band
    return lo + j, near
