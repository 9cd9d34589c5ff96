"""Gun burst model against its closed forms (MODELS.md, Effectors: Gun)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from skyscreen.models import gun

# A 20-round burst at a 0.785 m² drone at 1 km, 1 mrad dispersion, 1.5 mrad bias.
RANGE_M, RADIUS_M, DISP_RAD, BIAS_RAD, N_ROUNDS, PK_HIT = (
    1000.0,
    0.5,
    1e-3,
    1.5e-3,
    20,
    0.6,
)


def _rayleigh_average(
    range_m: float, radius_m: float, disp: float, bias: float, n: int, pk: float
) -> float:
    """Burst Pk by adaptive quadrature of the Rayleigh-weighted kill given bias."""
    sigma, sigma_b = disp * range_m, bias * range_m

    def integrand(r: float) -> float:
        ph = stats.ncx2.cdf(radius_m**2 / sigma**2, 2, r * r / sigma**2)
        return (1.0 - (1.0 - ph * pk) ** n) * stats.rayleigh.pdf(r, scale=sigma_b)

    return float(
        integrate.quad(integrand, 0.0, np.inf, epsabs=1e-14, epsrel=1e-12, limit=500)[0]
    )


# --- closed forms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate_rpm", "burst_s", "expected"),
    [
        (600.0, 1.0, 10),
        (550.0, 1.2, 11),
        (1000.0, 0.5, 8),
        (200.0, 0.1, 1),
        (60.0, 0.0, 1),
    ],
)
def test_rounds_per_burst_is_floor_of_rate_times_duration_at_least_one(
    rate_rpm: float, burst_s: float, expected: int
) -> None:
    """A burst has max(1, floor(rate/60 × duration)) rounds."""
    assert gun.rounds_per_burst(rate_rpm, burst_s) == expected


def test_presented_radius_is_that_of_the_equal_area_disc() -> None:
    """The radius is a = √(A/π): area π m² gives 1 m, area 0.5 m² gives 0.3989 m."""
    np.testing.assert_allclose(
        gun.presented_radius_m([np.pi, 0.5]),
        [1.0, math.sqrt(0.5 / math.pi)],
        rtol=1e-15,
    )


def test_hit_probability_without_bias_is_rayleigh_cdf() -> None:
    """With no bias p_h = 1 − exp(−a²/2σ²); a = σ gives 0.393469."""
    a = np.array([0.1, 0.5, 1.0, 2.0, 5.0])
    sigma = 1.3
    np.testing.assert_allclose(
        gun.hit_probability_given_bias(a, sigma, 0.0),
        -np.expm1(-0.5 * a * a / sigma**2),
        rtol=1e-12,
    )
    assert float(gun.hit_probability_given_bias(1.0, 1.0, 0.0)) == pytest.approx(
        1.0 - math.exp(-0.5), rel=1e-14
    )


@pytest.mark.parametrize("bias_m", [0.3, 1.0, 2.5, 6.0])
def test_hit_probability_with_bias_is_noncentral_chi2_cdf(bias_m: float) -> None:
    """p_h = ncx2.cdf(a²/σ², 2, |b|²/σ²) = Rice(|b|/σ).cdf(a/σ)."""
    a = np.array([0.2, 0.8, 2.0, 4.0])
    sigma = 1.5
    got = gun.hit_probability_given_bias(a, sigma, bias_m)
    np.testing.assert_allclose(
        got, stats.ncx2.cdf(a**2 / sigma**2, 2, bias_m**2 / sigma**2), rtol=1e-10
    )
    np.testing.assert_allclose(
        got, stats.rice.cdf(a / sigma, bias_m / sigma), rtol=1e-8, atol=1e-15
    )


@pytest.mark.parametrize("bias_m", [0.0, 0.5, 2.0])
def test_hit_probability_small_target_limit(bias_m: float) -> None:
    """For a ≪ σ, p_h → A/(2πσ²)·exp(−|b|²/2σ²) with relative error O(a²/σ²)."""
    sigma = 1.0
    for a in (1e-1, 1e-2, 1e-3):
        area = math.pi * a * a
        limit = (
            area / (2.0 * math.pi * sigma**2) * math.exp(-0.5 * bias_m**2 / sigma**2)
        )
        ph = float(gun.hit_probability_given_bias(a, sigma, bias_m))
        assert ph / limit - 1.0 == pytest.approx(0.0, abs=(a / sigma) ** 2)


def test_burst_kill_given_bias_is_one_minus_survival_of_n_rounds() -> None:
    """P_k(b) = 1 − (1 − p_h(b)·p_k|h)^n."""
    ph = float(gun.hit_probability_given_bias(0.5, 1.2, 0.7))
    got = float(gun.burst_kill_given_bias(0.5, 1.2, 0.7, 15, 0.4))
    assert got == pytest.approx(1.0 - (1.0 - 0.4 * ph) ** 15, rel=1e-14)


def test_burst_without_bias_is_independent_rounds_at_dispersion() -> None:
    """With no bias, burst Pk = 1 − (1 − p_k|h(1 − e^{−a²/2σ²}))^n with σ = σ_d R."""
    ranges = np.array([300.0, 1000.0, 3000.0])
    got = gun.burst_kill_probability(ranges, RADIUS_M, DISP_RAD, 0.0, N_ROUNDS, PK_HIT)
    sigma = DISP_RAD * ranges
    ph = -np.expm1(-0.5 * RADIUS_M**2 / sigma**2)
    np.testing.assert_allclose(got, 1.0 - (1.0 - PK_HIT * ph) ** N_ROUNDS, rtol=1e-12)


def test_single_round_burst_has_total_error_closed_form() -> None:
    """One round lands N(0, (σ² + σ_b²)I): Pk = p_k|h (1 − exp(−a²/2(σ² + σ_b²)))."""
    ranges = np.array([200.0, 1000.0, 2500.0])
    got = gun.burst_kill_probability(ranges, RADIUS_M, DISP_RAD, BIAS_RAD, 1, PK_HIT)
    var_tot = (DISP_RAD**2 + BIAS_RAD**2) * ranges**2
    expected = PK_HIT * -np.expm1(-0.5 * RADIUS_M**2 / var_tot)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


@pytest.mark.parametrize(
    ("range_m", "radius_m", "disp", "bias", "n", "pk"),
    [
        (1000.0, 0.5, 1e-3, 1.5e-3, 20, 0.6),
        (2000.0, 0.4, 1e-3, 1e-3, 10, 0.5),
        (800.0, 0.3, 2e-3, 0.1e-3, 30, 0.7),
        (1500.0, 0.3, 0.3e-3, 3e-3, 50, 1.0),
        (400.0, 2.0, 1e-3, 2e-3, 8, 0.3),
    ],
)
def test_burst_kill_probability_is_rayleigh_average_of_kill_given_bias(
    range_m: float, radius_m: float, disp: float, bias: float, n: int, pk: float
) -> None:
    """Burst Pk = ∫ [1 − (1 − p_h(r)p_k|h)^n] Rayleigh(r; σ_b) dr by adaptive quad."""
    got = float(gun.burst_kill_probability(range_m, radius_m, disp, bias, n, pk))
    expected = _rayleigh_average(range_m, radius_m, disp, bias, n, pk)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_burst_kill_probability_keeps_the_shape_of_a_scalar_or_vector_range() -> None:
    """A scalar range gives a 0-d result and a (k,) range a (k,) result."""
    scalar = gun.burst_kill_probability(1000.0, 0.5, 1e-3, 1e-3, 10, 0.5)
    assert scalar.shape == ()
    ranges = np.linspace(200.0, 3000.0, 6)
    out = gun.burst_kill_probability(ranges, 0.5, 1e-3, 1e-3, 10, 0.5)
    assert out.shape == (6,)
    expected = [
        float(gun.burst_kill_probability(r, 0.5, 1e-3, 1e-3, 10, 0.5)) for r in ranges
    ]
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_burst_kill_probability_keeps_the_shape_of_a_2d_range() -> None:
    """An (m, k) range gives an (m, k) result equal to the elementwise values."""
    grid = np.linspace(200.0, 3000.0, 6).reshape(2, 3)
    out = gun.burst_kill_probability(grid, 0.5, 1e-3, 1e-3, 10, 0.5)
    assert out.shape == (2, 3)
    expected = gun.burst_kill_probability(grid.ravel(), 0.5, 1e-3, 1e-3, 10, 0.5)
    np.testing.assert_allclose(out.ravel(), expected, rtol=1e-14)


def test_independent_rounds_uses_total_error_sigma() -> None:
    """Independent Pk = 1 − (1 − p_k|h(1 − e^{−a²/2σ_tot²}))^n, σ_tot² = σ² + σ_b²."""
    sigma_tot = math.hypot(DISP_RAD, BIAS_RAD) * RANGE_M
    ph = -math.expm1(-0.5 * RADIUS_M**2 / sigma_tot**2)
    got = float(
        gun.independent_rounds_kill_probability(
            RANGE_M, RADIUS_M, DISP_RAD, BIAS_RAD, N_ROUNDS, PK_HIT
        )
    )
    assert got == pytest.approx(1.0 - (1.0 - PK_HIT * ph) ** N_ROUNDS, rel=1e-12)


def test_shared_bias_lowers_burst_pk_below_independent_rounds() -> None:
    """Jensen: the two-component burst Pk (0.316) is below independent (0.367)."""
    burst = float(
        gun.burst_kill_probability(
            RANGE_M, RADIUS_M, DISP_RAD, BIAS_RAD, N_ROUNDS, PK_HIT
        )
    )
    indep = float(
        gun.independent_rounds_kill_probability(
            RANGE_M, RADIUS_M, DISP_RAD, BIAS_RAD, N_ROUNDS, PK_HIT
        )
    )
    assert burst == pytest.approx(0.31589, abs=1e-5)
    assert indep == pytest.approx(0.36744, abs=1e-5)
    assert indep - burst > 0.05


def test_time_of_flight_is_range_over_muzzle_velocity() -> None:
    """Time of flight is R / v₀: 2 km at 1 000 m/s takes 2 s."""
    np.testing.assert_allclose(
        gun.time_of_flight_s([2000.0, 500.0], 1000.0), [2.0, 0.5], rtol=1e-15
    )


def test_slew_time_takes_the_larger_wrapped_axis_then_settles() -> None:
    """Slew time is max(|Δaz| wrapped to π, |Δel|)/rate + settle."""
    got = gun.slew_time_s(
        [0.5, 1.5 * np.pi, -0.2, 0.0], [0.1, 0.0, -0.8, 0.0], 1.0, 0.25
    )
    np.testing.assert_allclose(got, [0.75, 0.5 * np.pi + 0.25, 1.05, 0.25], rtol=1e-12)


# --- Monte Carlo: fire the bullets --------------------------------------------------


def _fire_bursts(
    rng: np.random.Generator, n_bursts: int, sigma_m: float, sigma_b_m: float
) -> np.ndarray:
    """Burst kill flags: one bias per burst, rounds N(b, σ²I₂), hits kill w.p. p_k|h."""
    bias = sigma_b_m * rng.standard_normal((n_bursts, 1, 2))
    impact = bias + sigma_m * rng.standard_normal((n_bursts, N_ROUNDS, 2))
    hit = np.hypot(impact[..., 0], impact[..., 1]) <= RADIUS_M
    kill = hit & (rng.random((n_bursts, N_ROUNDS)) < PK_HIT)
    return kill.any(axis=1)


def test_monte_carlo_bursts_with_shared_bias_match_burst_kill_probability(
    binomial_check, n_trials
) -> None:
    """Bursts whose rounds share one bias kill at burst_kill_probability, not higher."""
    rng = np.random.default_rng(7001)
    n = n_trials(0.01)
    killed = _fire_bursts(rng, n, DISP_RAD * RANGE_M, BIAS_RAD * RANGE_M)
    pk = float(
        gun.burst_kill_probability(
            RANGE_M, RADIUS_M, DISP_RAD, BIAS_RAD, N_ROUNDS, PK_HIT
        )
    )
    result = binomial_check(killed.sum(), n, pk)
    # The independent-round formula is rejected: the bias correlation is real.
    indep = float(
        gun.independent_rounds_kill_probability(
            RANGE_M, RADIUS_M, DISP_RAD, BIAS_RAD, N_ROUNDS, PK_HIT
        )
    )
    assert indep > result.high


def test_monte_carlo_independent_rounds_match_independent_formula(
    binomial_check, n_trials
) -> None:
    """Rounds each drawn N(0, σ_tot²I₂) kill at independent_rounds_kill_probability."""
    rng = np.random.default_rng(7002)
    n = n_trials(0.01)
    sigma_tot = math.hypot(DISP_RAD, BIAS_RAD) * RANGE_M
    killed = _fire_bursts(rng, n, sigma_tot, 0.0)
    pk = float(
        gun.independent_rounds_kill_probability(
            RANGE_M, RADIUS_M, DISP_RAD, BIAS_RAD, N_ROUNDS, PK_HIT
        )
    )
    result = binomial_check(killed.sum(), n, pk)
    burst = float(
        gun.burst_kill_probability(
            RANGE_M, RADIUS_M, DISP_RAD, BIAS_RAD, N_ROUNDS, PK_HIT
        )
    )
    assert burst < result.low


# --- properties ------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    range_m=st.floats(200.0, 4000.0),
    radius_m=st.floats(0.05, 2.0),
    disp=st.floats(0.5e-3, 3e-3),
    bias=st.floats(0.05e-3, 10e-3),
    n=st.integers(1, 100),
    pk=st.floats(0.05, 1.0),
)
def test_burst_pk_is_a_probability_not_above_independent_rounds(
    range_m: float, radius_m: float, disp: float, bias: float, n: int, pk: float
) -> None:
    """Burst Pk lies in [0, 1] and never exceeds the independent-round Pk (Jensen)."""
    burst = float(gun.burst_kill_probability(range_m, radius_m, disp, bias, n, pk))
    indep = float(
        gun.independent_rounds_kill_probability(range_m, radius_m, disp, bias, n, pk)
    )
    assert 0.0 <= burst <= 1.0
    # Equality holds at n = 1; allow the quadrature's round-off there.
    assert burst <= indep + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    r1=st.floats(100.0, 3000.0),
    factor=st.floats(1.0, 3.0),
    n=st.integers(1, 60),
)
def test_burst_pk_decreases_with_range(r1: float, factor: float, n: int) -> None:
    """Both errors grow with range, so burst Pk never rises with range."""
    pk = gun.burst_kill_probability(
        np.array([r1, r1 * factor]), 0.5, 1e-3, 1e-3, n, 0.6
    )
    assert pk[1] <= pk[0] + 1e-12
