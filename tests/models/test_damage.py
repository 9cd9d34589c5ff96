"""Warhead damage model against its closed forms (MODELS.md, Damage)."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from skyscreen.models import damage

# A one-way-attack drone: CEP 20 m, lethal radius 15 m.
CEP_M, LETHAL_RADIUS_M = 20.0, 15.0


# --- closed forms -------------------------------------------------------------------


def test_cep_per_sigma_is_sqrt_two_ln_two() -> None:
    """CEP = σ·√(2 ln 2) = 1.1774 σ, the median of a Rayleigh(σ) miss distance."""
    assert math.sqrt(2.0 * math.log(2.0)) == damage.CEP_PER_SIGMA
    assert round(damage.CEP_PER_SIGMA, 4) == 1.1774
    assert stats.rayleigh.median() == pytest.approx(damage.CEP_PER_SIGMA, rel=1e-14)


def test_cep_to_sigma_divides_by_1_1774() -> None:
    """σ = CEP / √(2 ln 2): CEP 20 m is σ 16.986 m."""
    np.testing.assert_allclose(
        damage.cep_to_sigma_m([20.0, 1.1774100225154747]),
        [20.0 / math.sqrt(2.0 * math.log(2.0)), 1.0],
        rtol=1e-15,
    )


def test_half_of_impacts_land_within_the_cep() -> None:
    """A point at the aim point is within one CEP of the impact with probability 1/2."""
    ceps = np.array([1.0, 10.0, 30.0])
    np.testing.assert_allclose(
        damage.point_damage_probability(ceps, damage.cep_to_sigma_m(ceps)),
        0.5,
        rtol=1e-14,
    )


def test_point_damage_probability_is_one_minus_exp() -> None:
    """P = 1 − exp(−R_L²/2σ²): R_L = σ gives 0.393469, R_L = 2σ gives 0.864665."""
    got = damage.point_damage_probability([1.0, 2.0, 15.0], [1.0, 1.0, 16.0])
    expected = [
        1.0 - math.exp(-0.5),
        1.0 - math.exp(-2.0),
        1.0 - math.exp(-0.5 * (15 / 16) ** 2),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_damage_probability_at_zero_offset_is_point_damage_probability() -> None:
    """A disc centred on the aim point is damaged with 1 − exp(−reach²/2σ²)."""
    reach = np.array([5.0, 15.0, 40.0])
    sigma = damage.cep_to_sigma_m(CEP_M)
    np.testing.assert_allclose(
        damage.damage_probability(reach, sigma, 0.0),
        damage.point_damage_probability(reach, sigma),
        rtol=1e-12,
    )


@pytest.mark.parametrize("offset_m", [5.0, 20.0, 60.0])
def test_damage_probability_with_offset_is_rice_cdf(offset_m: float) -> None:
    """At offset d, P = ncx2.cdf(reach²/σ², 2, d²/σ²) = Rice(d/σ).cdf(reach/σ)."""
    sigma = damage.cep_to_sigma_m(CEP_M)
    reach = np.array([5.0, 20.0, 50.0])
    got = damage.damage_probability(reach, sigma, offset_m)
    np.testing.assert_allclose(
        got, stats.ncx2.cdf(reach**2 / sigma**2, 2, offset_m**2 / sigma**2), rtol=1e-10
    )
    np.testing.assert_allclose(
        got, stats.rice.cdf(reach / sigma, offset_m / sigma), rtol=1e-8, atol=1e-15
    )


def test_damage_probability_scales_with_vulnerability() -> None:
    """A hardened asset's damage probability is vulnerability × the geometric one."""
    sigma = damage.cep_to_sigma_m(CEP_M)
    geometric = damage.damage_probability(20.0, sigma, 10.0)
    got = damage.damage_probability(20.0, sigma, 10.0, np.array([1.0, 0.5, 0.0]))
    np.testing.assert_allclose(got, geometric * np.array([1.0, 0.5, 0.0]), rtol=1e-15)


def test_casualties_example_is_the_binomial_median() -> None:
    """A draw u = 0.5 with 100 occupants at lethality 0.1 gives the median, 10."""
    assert damage.casualties([0.5], [100], [0.1]).tolist() == [10.0]


def test_casualties_is_the_binomial_inverse_cdf() -> None:
    """casualties(u) is the smallest k with Binomial(n, p).cdf(k) ≥ u."""
    n, p = 12, 0.3
    k = np.arange(n)
    cdf = stats.binom.cdf(k, n, p)
    # Just below a CDF step stays at k; just above moves to k + 1.
    np.testing.assert_array_equal(damage.casualties(cdf - 1e-9, n, p), k)
    np.testing.assert_array_equal(damage.casualties(cdf + 1e-9, n, p), k + 1)


@pytest.mark.parametrize(
    ("remaining", "lethality", "expected"),
    [(0, 0.5, 0.0), (10, 0.0, 0.0), (10, 1.0, 10.0), (1, 1.0, 1.0)],
)
def test_casualties_edge_cases(
    remaining: int, lethality: float, expected: float
) -> None:
    """Nobody left or zero lethality gives 0; lethality 1 kills all who remain."""
    u = np.array([1e-9, 0.3, 0.7, 1.0 - 1e-12])
    np.testing.assert_array_equal(damage.casualties(u, remaining, lethality), expected)


def test_casualties_broadcasts_and_returns_float64_integers() -> None:
    """Casualties broadcast over the inputs as whole numbers stored as float64."""
    out = damage.casualties(np.full((3, 4), 0.6), np.array([5, 50, 500, 0]), 0.2)
    assert out.shape == (3, 4)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.round(out))


def _grid(q: np.ndarray, n: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, ...]:
    mesh = np.meshgrid(q, n.astype(np.float64), p, indexing="ij")
    return tuple(a.ravel() for a in mesh)


def test_binomial_quantile_gives_scipys_integers_on_a_broad_grid() -> None:
    """The same integers as scipy.stats.binom.ppf, from the far tails to the middle.

    n from 0 to 10^5, p from 0 to 1 (both included, and within 1e-16 of either), q
    from the clip of casualties() (1e-300, 1 - 2^-53) through log-spaced tails to
    random draws; NaN where scipy gives NaN (n not whole, p or q outside [0, 1]).
    """
    rng = np.random.default_rng(3104)
    n = np.array([0, 1, 2, 3, 5, 7, 12, 20, 33, 50, 100, 250, 1000, 5000, 100_000])
    p = np.concatenate(
        [
            [0.0, 1e-300, 1e-12, 1e-6, 1e-3, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99],
            [1.0 - 1e-6, 1.0 - 2.0**-53, 1.0],
            rng.random(6),
        ]
    )
    tails = 10.0 ** -np.linspace(1.0, 300.0, 40)
    q = np.concatenate(
        [
            [1e-300, 2.0**-53, 0.5, 0.5 + 2.0**-53, 1.0 - 2.0**-52, 1.0 - 2.0**-53],
            tails,
            1.0 - 10.0 ** -np.linspace(1.0, 15.9, 20),
            rng.random(30),
        ]
    )
    qq, nn, pp = _grid(q, n, p)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # boost's own warnings in the far tails
        expected = stats.binom.ppf(qq, nn, pp)
        got = damage.binomial_quantile(qq, nn, pp)  # scipy decides the far tails
    np.testing.assert_array_equal(got, expected)
    # Arguments scipy rejects, and its conventions at q = 0 and 1.
    bad_q = [0.0, 1.0, 0.3, 0.3, 0.3, 0.3, -0.1, 1.1, np.nan]
    bad_n = [5.0, 5.0, 2.5, -1.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    bad_p = [0.3, 0.3, 0.3, 0.3, -0.1, 1.5, 0.3, 0.3, 0.3]
    np.testing.assert_array_equal(
        damage.binomial_quantile(bad_q, bad_n, bad_p),
        stats.binom.ppf(bad_q, bad_n, bad_p),
    )


@pytest.mark.parametrize("n", [1, 5, 12, 40, 100, 1000])
@pytest.mark.parametrize("p", [0.01, 0.2, 0.5, 0.77, 0.95])
def test_binomial_quantile_at_scipys_cdf_steps(n: int, p: float) -> None:
    """At scipy's CDF values for q, and one ulp either side: scipy's integers."""
    cdf = stats.binom.cdf(np.arange(n + 1), n, p)
    cdf = cdf[(cdf > 0.0) & (cdf < 1.0)]
    q = np.concatenate([cdf, np.nextafter(cdf, 0.0), np.nextafter(cdf, 1.0)])
    np.testing.assert_array_equal(
        damage.binomial_quantile(q, n, p), stats.binom.ppf(q, n, p)
    )


def test_casualties_matches_the_scipy_draw_on_random_arguments() -> None:
    """casualties() as it was with scipy.stats.binom.ppf, on 200 000 random hits."""
    rng = np.random.default_rng(3105)
    size = 200_000
    u = rng.random(size)
    u[:100] = 0.0  # a draw of exactly 0 is clipped to 1e-300
    remaining = rng.integers(0, 300, size)
    lethality = np.where(
        rng.random(size) < 0.05, rng.choice([0.0, 1.0], size), rng.random(size)
    )
    uu = np.clip(u, 1e-300, 1.0 - 2.0**-53)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = stats.binom.ppf(uu, remaining, lethality)
    old = np.where(lethality >= 1.0, remaining, old)
    old = np.clip(np.where((remaining <= 0) | (lethality <= 0), 0.0, old), 0, remaining)
    np.testing.assert_array_equal(damage.casualties(u, remaining, lethality), old)


def test_casualties_does_not_import_scipy_stats() -> None:
    """Drawing casualties leaves scipy.stats unimported (1.2 s in every worker)."""
    code = (
        "import sys\n"
        "from skyscreen.models import damage\n"
        "out = damage.casualties([0.2, 0.5, 0.97], [4, 100, 12], [0.5, 0.1, 0.3])\n"
        "assert out.tolist() == [1.0, 10.0, 7.0], out\n"
        "assert 'scipy.stats' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- Monte Carlo: throw the warheads and hurt the occupants -----------------------


def _impacts(rng: np.random.Generator, n: int, cep_m: float) -> np.ndarray:
    """Impact points (n, 2) about the aim point at the origin, σ = CEP/1.1774."""
    return (cep_m / 1.1774) * rng.standard_normal((n, 2))


def test_monte_carlo_impacts_on_a_point_asset_match_point_damage_probability(
    binomial_check, n_trials
) -> None:
    """Circular-normal impacts land within R_L of the aim at 1 − exp(−R_L²/2σ²)."""
    rng = np.random.default_rng(3101)
    n = n_trials(0.01)
    impact = _impacts(rng, n, CEP_M)
    hit = np.hypot(impact[:, 0], impact[:, 1]) <= LETHAL_RADIUS_M
    p = float(
        damage.point_damage_probability(LETHAL_RADIUS_M, damage.cep_to_sigma_m(CEP_M))
    )
    binomial_check(hit.sum(), n, p)


def test_monte_carlo_impacts_on_an_offset_hardened_asset_match_damage_probability(
    binomial_check, n_trials
) -> None:
    """A 5 m asset 12 m off the aim, vulnerability 0.8, is damaged as predicted."""
    rng = np.random.default_rng(3102)
    n = n_trials(0.01)
    asset_radius_m, offset_m, vulnerability = 5.0, 12.0, 0.8
    reach = LETHAL_RADIUS_M + asset_radius_m
    impact = _impacts(rng, n, CEP_M)
    within = np.hypot(impact[:, 0] - offset_m, impact[:, 1]) <= reach
    damaged = within & (rng.random(n) < vulnerability)
    p = float(
        damage.damage_probability(
            reach, damage.cep_to_sigma_m(CEP_M), offset_m, vulnerability
        )
    )
    binomial_check(damaged.sum(), n, p)


def test_monte_carlo_occupants_match_casualties_distribution(
    binomial_check, n_trials
) -> None:
    """Occupants hurt one by one at the lethality match casualties()'s distribution."""
    rng = np.random.default_rng(3103)
    n = n_trials(0.01)
    remaining, lethality = 40, 0.3
    hurt = (rng.random((n, remaining)) < lethality).sum(axis=1)
    # The distribution casualties() implies, read off a fine midpoint grid of u.
    grid = (np.arange(200_000) + 0.5) / 200_000
    implied = (
        np.bincount(
            damage.casualties(grid, remaining, lethality).astype(np.int64),
            minlength=remaining + 1,
        )
        / grid.size
    )

    # 1. A tail event with probability near 1/2, as a binomial rate.
    at_least = 12
    binomial_check((hurt >= at_least).sum(), n, implied[at_least:].sum())

    # 2. The whole distribution: chi-square goodness of fit on bins with >= 5 expected.
    def chi2_pvalue(pmf: np.ndarray) -> float:
        observed = np.bincount(hurt, minlength=remaining + 1)
        expected = pmf * n
        keep = expected >= 5.0
        obs = np.append(observed[keep], observed[~keep].sum())
        exp = np.append(expected[keep], expected[~keep].sum())
        exp *= obs.sum() / exp.sum()
        return float(stats.chisquare(obs, exp).pvalue)

    assert chi2_pvalue(implied) > 0.01
    # Negative control: the distribution at 1.1 × lethality is rejected.
    assert (
        chi2_pvalue(stats.binom.pmf(np.arange(remaining + 1), remaining, 0.33)) < 0.01
    )

    # 3. Mean and variance: n·p and n·p·(1 − p).
    ks = np.arange(remaining + 1)
    mean = float((ks * implied).sum())
    var = float(((ks - mean) ** 2 * implied).sum())
    assert mean == pytest.approx(remaining * lethality, abs=1e-3)
    assert var == pytest.approx(remaining * lethality * (1 - lethality), abs=1e-2)
    half = 2.5758 * math.sqrt(var / n)
    assert abs(hurt.mean() - mean) <= half
    assert abs(hurt.mean() - 1.1 * mean) > half
    assert hurt.var(ddof=1) == pytest.approx(var, rel=0.05)


# --- properties ------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    # Draws as Generator.random makes them, multiples of 2⁻⁵³ (denormal u only tests
    # scipy's root bracketing), stopping 1e-12 short of 1 where binom.ppf may warn.
    u=st.lists(
        st.integers(0, 2**53 - 2**13).map(lambda k: k / 2**53), min_size=1, max_size=2
    ),
    remaining=st.integers(0, 500),
    lethality=st.floats(0.0, 1.0),
)
def test_two_hits_never_cause_more_casualties_than_occupants(
    u: list[float], remaining: int, lethality: float
) -> None:
    """Successive hits on those remaining give whole, non-negative casualties."""
    left = float(remaining)
    for draw in u:
        c = float(damage.casualties(draw, left, lethality))
        assert 0.0 <= c <= left
        assert c == round(c)
        left -= c
    assert left >= 0.0


@settings(max_examples=60, deadline=None)
@given(
    reach=st.floats(1.0, 100.0),
    cep=st.floats(1.0, 100.0),
    d1=st.floats(0.0, 200.0),
    extra=st.floats(0.0, 200.0),
)
def test_damage_probability_falls_with_offset(
    reach: float, cep: float, d1: float, extra: float
) -> None:
    """Moving the asset away from the aim point never raises its damage probability.

    Up to the accuracy of scipy's non-central chi-square CDF (cdflib, about 1e-11
    absolute): at offset 0 it takes the exact central branch, so an offset of 1e-55
    can read 6e-12 higher (found by Hypothesis).
    """
    sigma = damage.cep_to_sigma_m(cep)
    p = damage.damage_probability(reach, sigma, np.array([d1, d1 + extra]))
    assert 0.0 <= p[1] <= p[0] + 1e-10 <= 1.0 + 1e-10
