r"""Anti-aircraft gun: bursts, the two-component error model and burst kill probability.

A burst of :math:`n = \max(1, \lfloor \text{rate}_{rpm}/60 \cdot t_{burst} \rfloor)` rounds
is fired at a target of presented radius :math:`a = \sqrt{A/\pi}` (with airburst
ammunition, :math:`a` is the lethal radius of a round). Aim errors at slant range R have
two components:

- a **bias** :math:`b \in \mathbb{R}^2`, drawn once per burst from a circular normal with
  per-axis :math:`\sigma_b = \sigma_{bias} R` and shared by every round of the burst;
- a round-to-round **dispersion**, per axis :math:`\sigma = \sigma_{disp} R`.

Given the bias, a round hits with :math:`p_h(b) = P(|X| \le a)`,
:math:`X \sim N(b, \sigma^2 I_2)`, which is the CDF of a non-central
:math:`\chi^2_2(|b|^2/\sigma^2)` at :math:`a^2/\sigma^2` (for small targets it tends to
:math:`A/(2\pi\sigma^2)\,e^{-|b|^2/2\sigma^2}`), and the burst kills with
:math:`1 - (1 - p_h(b)\,p_{k|h})^n`. The burst kill probability is the average of that
over the bias. Because rounds share the bias their outcomes are correlated, and the result
is lower than the independent-round formula with the same total error
:math:`\sigma_{tot}^2 = \sigma^2 + \sigma_b^2` (Jensen's inequality): this is why the bias
must be modelled.

Sources: Eckler & Burr (1972) *Mathematical Models of Target Coverage and Missile
Allocation*; Driels (2013) *Weaponeering*, ch. on gun systems.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit
from scipy import special

from skyscreen._typing import FloatArray
from skyscreen.models.jit import ufunc

__all__ = [
    "burst_kill_from_uniforms",
    "burst_kill_given_bias",
    "burst_kill_probability",
    "hit_probability_given_bias",
    "in_envelope",
    "independent_rounds_kill_probability",
    "pk_from_table",
    "presented_radius_m",
    "rounds_per_burst",
    "slew_time_s",
    "time_of_flight_s",
]

_N_QUAD = 96
_LEG_X, _LEG_W = np.polynomial.legendre.leggauss(_N_QUAD)


def rounds_per_burst(rate_rpm: float, burst_s: float) -> int:
    """Number of rounds in a burst, ``max(1, floor(rate_rpm / 60 * burst_s))``.

    Examples
    --------
    >>> rounds_per_burst(600.0, 1.0)
    10
    >>> rounds_per_burst(200.0, 0.1)
    1
    """
    # The small epsilon keeps 550 rpm x 1.2 s = 11 rounds from flooring to 10 on
    # representation error.
    return max(1, int(np.floor(rate_rpm / 60.0 * burst_s + 1e-9)))


def presented_radius_m(area_m2: Any) -> FloatArray:
    r"""Radius of the disc with the target's presented area, :math:`a=\sqrt{A/\pi}`."""
    return np.asarray(np.sqrt(np.asarray(area_m2, dtype=np.float64) / np.pi))


def hit_probability_given_bias(radius_m: Any, sigma_m: Any, bias_m: Any) -> FloatArray:
    r"""Probability that one round lands within ``radius_m`` of the target centre.

    :math:`p_h = P(|X| \le a)`, :math:`X \sim N(b, \sigma^2 I_2)`
    = ``ncx2.cdf(a²/σ², 2, |b|²/σ²)``.

    Parameters
    ----------
    radius_m : array_like
        Presented (or lethal) radius a (m).
    sigma_m : array_like
        Per-axis round dispersion σ (m), > 0.
    bias_m : array_like
        Length |b| of the burst's aim bias (m), >= 0.

    Returns
    -------
    ndarray
        Per-round hit probability, broadcast shape of the inputs.

    Examples
    --------
    >>> round(float(hit_probability_given_bias(1.0, 1.0, 0.0)), 6)  # 1 - exp(-1/2)
    0.393469
    """
    a = np.asarray(radius_m, dtype=np.float64)
    s = np.asarray(sigma_m, dtype=np.float64)
    b = np.asarray(bias_m, dtype=np.float64)
    return np.asarray(special.chndtr(a * a / (s * s), 2.0, b * b / (s * s)))


def burst_kill_given_bias(
    radius_m: Any, sigma_m: Any, bias_m: Any, n_rounds: Any, pk_hit: Any
) -> FloatArray:
    r"""Kill probability of a burst whose rounds share the aim bias b.

    :math:`P_{k}(b) = 1 - (1 - p_h(b)\,p_{k|h})^n`.
    """
    ph = hit_probability_given_bias(radius_m, sigma_m, bias_m)
    return np.asarray(1.0 - (1.0 - ph * np.asarray(pk_hit)) ** np.asarray(n_rounds))


def burst_kill_from_uniforms(
    u: FloatArray,
    range_m: Any,
    radius_m: Any,
    dispersion_rad: Any,
    bias_rad: Any,
    n_rounds: Any,
    pk_hit: Any,
) -> FloatArray:
    """Kill probability of bursts whose aim bias is drawn from two uniforms each.

    ``u`` (N, ≥2): the burst's uniforms; the first two, through the normal quantile,
    are the bias's two axes (σ_b = ``bias_rad`` × range), so |b| is Rayleigh. Then
    :func:`burst_kill_given_bias` with σ = ``dispersion_rad`` × range. The engine's
    gun fire and the hindsight bound's candidate shots both call this, so a shot's
    outcome is the same bits in both.
    """
    rng = np.asarray(range_m)
    zb = special.ndtri(np.clip(u[:, :2], 1e-12, 1.0 - 1e-12))
    bias = np.asarray(bias_rad) * rng * np.hypot(zb[:, 0], zb[:, 1])
    return burst_kill_given_bias(
        radius_m, np.asarray(dispersion_rad) * rng, bias, n_rounds, pk_hit
    )


def burst_kill_probability(
    range_m: Any,
    radius_m: float,
    dispersion_rad: float,
    bias_rad: float,
    n_rounds: int,
    pk_hit: float,
) -> FloatArray:
    r"""Burst kill probability averaged over the shared aim bias.

    .. math:: P_K(R) = \int_0^\infty \left[1 - (1 - p_h(r)\,p_{k|h})^n\right]
              \frac{r}{\sigma_b^2} e^{-r^2/2\sigma_b^2}\,dr,

    with :math:`\sigma = \sigma_{disp} R`, :math:`\sigma_b = \sigma_{bias} R` and
    :math:`p_h(r)` from :func:`hit_probability_given_bias`; |b| is Rayleigh. The integral
    is taken by 96-point Gauss–Legendre on :math:`[0, r_{max}]`, where
    :math:`r_{max} = \min(a + 9\sigma, 9\sigma_b)` cuts off only a region where either
    the integrand or the Rayleigh density is below 1e-17 (relative).

    Parameters
    ----------
    range_m : array_like
        Slant range (m), > 0.
    radius_m : float
        Presented or lethal radius a (m).
    dispersion_rad, bias_rad : float
        Per-axis angular dispersion and bias standard deviations (rad). ``bias_rad = 0``
        gives the independent-round formula.
    n_rounds : int
        Rounds per burst.
    pk_hit : float
        Kill probability given a hit.

    Returns
    -------
    ndarray
        Kill probability of one burst, shape of ``range_m``.

    Examples
    --------
    >>> pk_bias = burst_kill_probability(2000.0, 0.4, 1e-3, 1e-3, 10, 0.5)
    >>> pk_indep = independent_rounds_kill_probability(2000.0, 0.4, 1e-3, 1e-3, 10, 0.5)
    >>> bool(pk_bias < pk_indep)
    True
    """
    r = np.asarray(range_m, dtype=np.float64).ravel()  # quadrature needs 1-D ranges
    sigma = dispersion_rad * r
    if bias_rad <= 0.0:
        out = burst_kill_given_bias(radius_m, sigma, 0.0, n_rounds, pk_hit)
        return np.asarray(out.reshape(np.shape(range_m)))
    sigma_b = bias_rad * r
    r_max = np.minimum(radius_m + 9.0 * sigma, 9.0 * sigma_b)  # (K,)
    # Gauss-Legendre nodes mapped from [-1, 1] to [0, r_max]: (K, Q)
    nodes = 0.5 * (_LEG_X[None, :] + 1.0) * r_max[:, None]
    weights = 0.5 * _LEG_W[None, :] * r_max[:, None]
    sb2 = (sigma_b * sigma_b)[:, None]
    density = nodes / sb2 * np.exp(-0.5 * nodes * nodes / sb2)
    f = burst_kill_given_bias(radius_m, sigma[:, None], nodes, n_rounds, pk_hit)
    out = np.sum(f * density * weights, axis=1)
    return np.asarray(np.clip(out, 0.0, 1.0).reshape(np.shape(range_m)))


def independent_rounds_kill_probability(
    range_m: Any,
    radius_m: float,
    dispersion_rad: float,
    bias_rad: float,
    n_rounds: int,
    pk_hit: float,
) -> FloatArray:
    r"""Burst kill probability if every round's error were independent.

    :math:`1 - (1 - p_h(0; \sigma_{tot})\,p_{k|h})^n` with
    :math:`\sigma_{tot}^2 = \sigma^2 + \sigma_b^2`: the same total error per round as the
    two-component model, without the correlation. Always at least
    :func:`burst_kill_probability` (Jensen); kept to show that difference.
    """
    r = np.asarray(range_m, dtype=np.float64)
    sigma_tot = np.hypot(dispersion_rad, bias_rad) * r
    return burst_kill_given_bias(radius_m, sigma_tot, 0.0, n_rounds, pk_hit)


def time_of_flight_s(range_m: Any, muzzle_velocity_mps: float) -> FloatArray:
    """Time of flight of a round at constant muzzle velocity, ``R / v0`` (no drag)."""
    return np.asarray(np.asarray(range_m, dtype=np.float64) / muzzle_velocity_mps)


@ufunc(6, out="boolean")
def in_envelope(
    slant_range_m: float,
    elevation_rad: float,
    range_min_m: float,
    range_max_m: float,
    elevation_min_rad: float,
    elevation_max_rad: float,
) -> bool:
    """Whether a line of sight lies in the gun's envelope (slant range, elevation).

    A ufunc.

    Examples
    --------
    >>> bool(in_envelope(1000.0, 0.3, 50.0, 3000.0, -0.1, 1.4))
    True
    >>> bool(in_envelope(3500.0, 0.3, 50.0, 3000.0, -0.1, 1.4))
    False
    """
    return (
        slant_range_m >= range_min_m
        and slant_range_m <= range_max_m
        and elevation_rad >= elevation_min_rad
        and elevation_rad <= elevation_max_rad
    )


@ufunc(4)
def slew_time_s(
    d_azimuth_rad: float,
    d_elevation_rad: float,
    slew_rate_rad_s: float,
    settle_s: float,
) -> float:
    """Time to lay the gun on a new line of sight: both axes slew together, then settle.

    ``max(|Δaz|, |Δel|) / slew_rate + settle``, with Δaz wrapped to [-π, π]. A ufunc.
    """
    daz = abs(math.atan2(math.sin(d_azimuth_rad), math.cos(d_azimuth_rad)))
    return max(daz, abs(d_elevation_rad)) / slew_rate_rad_s + settle_s


@njit(cache=True)
def pk_from_table(table: FloatArray, step_m: float, range_m: float) -> float:
    """Burst Pk at ``range_m`` by linear interpolation in a table on a uniform grid.

    ``table[i]`` is the Pk at range ``i * step_m`` (:func:`burst_kill_probability`
    tabulated at compile time); ranges outside the table take its first or last value.
    """
    n_tab = table.shape[0]
    x = range_m / step_m
    i0 = min(max(int(math.floor(x)), 0), n_tab - 2)  # noqa: RUF046
    wt = min(max(x - i0, 0.0), 1.0)
    lo = table[i0]
    hi = table[i0 + 1]
    return float(lo + wt * (hi - lo))
