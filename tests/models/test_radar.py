"""Radar detection model against its closed forms (MODELS.md, Sensors: Radar)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from skyscreen.models import radar

PFA = 1e-6
# The reference radar of the examples: Pd 0.9 per scan on 0.01 m² (Swerling 1) at 3 km.
PD_REF, RCS_REF_M2, RANGE_REF_M = 0.9, 0.01, 3000.0


def _db(x: float) -> float:
    return 10.0 * math.log10(x)


def _marcum_q1(a: float, b: float) -> float:
    """Q₁(a, b) as the Rician tail integral, independent of the ncx2 route."""

    # x e^{-(x² + a²)/2} I₀(ax), with I₀ scaled (i0e) so nothing overflows.
    def integrand(x: float) -> float:
        return x * math.exp(-0.5 * (x - a) ** 2) * special.i0e(a * x)

    return float(integrate.quad(integrand, b, np.inf, epsabs=0.0, epsrel=1e-12)[0])


def _snr_ref() -> float:
    return radar.snr_from_reference(PD_REF, PFA, swerling=1)


# --- closed forms -------------------------------------------------------------------


def test_swerling1_snr_for_pd_09_at_pfa_1e6_is_21_14_db() -> None:
    """Swerling 1 needs 21.14 dB for Pd 0.9 at Pfa 1e-6, i.e. ln Pfa / ln Pd − 1."""
    s = radar.snr_from_reference(0.9, 1e-6, swerling=1)
    assert s == pytest.approx(math.log(1e-6) / math.log(0.9) - 1.0, rel=1e-14)
    assert _db(s) == pytest.approx(21.14, abs=0.005)


def test_swerling0_snr_for_pd_09_at_pfa_1e6_is_13_18_db() -> None:
    """Swerling 0 needs 13.18 dB for Pd 0.9 at Pfa 1e-6, and that SNR gives Pd 0.9."""
    s = radar.snr_from_reference(0.9, 1e-6, swerling=0)
    assert _db(s) == pytest.approx(13.18, abs=0.005)
    assert float(radar.pd_swerling0(s, 1e-6)) == pytest.approx(0.9, abs=1e-10)


def test_pd_swerling1_is_pfa_to_the_power_one_over_one_plus_snr() -> None:
    """Swerling 1 Pd equals Pfa^(1/(1+SNR)) elementwise."""
    snr = np.array([0.0, 1.0, 10.0, 130.0, 1e4])
    expected = np.array([PFA ** (1.0 / (1.0 + s)) for s in snr])
    np.testing.assert_allclose(radar.pd_swerling1(snr, PFA), expected, rtol=1e-14)


def test_pd_swerling1_inverts_the_reference_snr() -> None:
    """At the SNR from snr_from_reference the Swerling 1 Pd is the reference Pd."""
    for pd in (0.5, 0.9, 0.99):
        s = radar.snr_from_reference(pd, PFA, swerling=1)
        assert float(radar.pd_swerling1(s, PFA)) == pytest.approx(pd, rel=1e-13)


@pytest.mark.parametrize("snr_lin", [0.5, 5.0, 20.0, 60.0])
def test_pd_swerling0_is_marcum_q1(snr_lin: float) -> None:
    """Swerling 0 Pd is ncx2.sf(−2 ln Pfa, 2, 2 SNR) and the Rician tail integral."""
    pd = float(radar.pd_swerling0(snr_lin, PFA))
    threshold = -2.0 * math.log(PFA)
    assert pd == pytest.approx(stats.ncx2.sf(threshold, 2, 2.0 * snr_lin), rel=1e-9)
    q1 = _marcum_q1(math.sqrt(2.0 * snr_lin), math.sqrt(threshold))
    assert pd == pytest.approx(q1, rel=1e-8)


@pytest.mark.parametrize("pfa", [1e-8, 1e-6, 1e-3, 0.05])
def test_pd_at_zero_snr_is_pfa(pfa: float) -> None:
    """With no signal both Swerling cases detect at the false-alarm rate."""
    assert float(radar.pd_swerling1(0.0, pfa)) == pytest.approx(pfa, rel=1e-14)
    assert float(radar.pd_swerling0(0.0, pfa)) == pytest.approx(pfa, rel=1e-6)


def test_swerling0_beats_swerling1_at_high_pd_and_loses_at_low_pd() -> None:
    """Fluctuation costs SNR at high Pd and helps at low Pd (same mean SNR)."""
    high = radar.snr_from_reference(0.9, PFA, swerling=0)
    assert radar.pd_swerling0(high, PFA) > radar.pd_swerling1(high, PFA)
    low = radar.snr_from_reference(0.1, PFA, swerling=0)
    assert radar.pd_swerling0(low, PFA) < radar.pd_swerling1(low, PFA)


def test_detection_probability_dispatches_on_swerling_case() -> None:
    """detection_probability returns the Swerling 0 or 1 Pd for case 0 or 1."""
    snr = np.array([1.0, 10.0, 100.0])
    np.testing.assert_array_equal(
        radar.detection_probability(snr, PFA, 1), radar.pd_swerling1(snr, PFA)
    )
    np.testing.assert_array_equal(
        radar.detection_probability(snr, PFA, 0), radar.pd_swerling0(snr, PFA)
    )


def test_unknown_swerling_case_is_rejected() -> None:
    """A Swerling case other than 0 or 1 raises ValueError naming the value."""
    with pytest.raises(ValueError, match="swerling must be 0 or 1; got 3"):
        radar.detection_probability(10.0, PFA, 3)
    with pytest.raises(ValueError, match="swerling must be 0 or 1; got 2"):
        radar.snr_from_reference(0.9, PFA, swerling=2)


@pytest.mark.parametrize(("pd", "pfa"), [(1e-7, 1e-6), (0.9, 0.95), (1.0, 1e-6)])
def test_snr_from_reference_rejects_pd_outside_pfa_to_one(
    pd: float, pfa: float
) -> None:
    """A reference Pd not in (Pfa, 1) raises ValueError with both values."""
    with pytest.raises(ValueError, match=r"need 0 < pfa < pd_ref < 1; got pfa="):
        radar.snr_from_reference(pd, pfa)


def test_snr_scales_with_rcs_and_inverse_fourth_power_of_range() -> None:
    """SNR = SNR_ref (σ/σ_ref)(R_ref/R)⁴: 10× RCS is +10 dB, 2× range is −12.04 dB."""
    s_ref = 100.0
    got = radar.snr(
        np.array([3000.0, 6000.0, 3000.0, 1500.0]),
        np.array([0.01, 0.01, 0.1, 0.02]),
        s_ref,
        0.01,
        3000.0,
    )
    np.testing.assert_allclose(got, [100.0, 100.0 / 16.0, 1000.0, 3200.0], rtol=1e-14)


def test_range_scales_as_fourth_root_of_rcs_at_fixed_pd() -> None:
    """At fixed Pd, 0.01 m² is seen at 0.316 = 0.01^(1/4) of the range of 1 m²."""
    s = _snr_ref()
    r_big = radar.range_for_pd_m(PD_REF, PFA, 1.0, s, RCS_REF_M2, RANGE_REF_M)
    r_small = radar.range_for_pd_m(PD_REF, PFA, 0.01, s, RCS_REF_M2, RANGE_REF_M)
    assert r_small / r_big == pytest.approx(0.01**0.25, rel=1e-12)
    assert round(r_small / r_big, 3) == 0.316


def test_range_for_pd_returns_the_reference_range_for_the_reference_target() -> None:
    """The reference target at the reference Pd is detected at the reference range."""
    s = _snr_ref()
    r = radar.range_for_pd_m(PD_REF, PFA, RCS_REF_M2, s, RCS_REF_M2, RANGE_REF_M)
    assert r == pytest.approx(RANGE_REF_M, rel=1e-12)


def test_range_for_pd_swerling0_is_longer_by_the_fluctuation_loss() -> None:
    """A steady target gets Pd 0.9 farther, by (SNR₁/SNR₀)^(1/4) = 10^(7.96 dB/40)."""
    s = _snr_ref()
    r1 = radar.range_for_pd_m(0.9, PFA, 1.0, s, RCS_REF_M2, RANGE_REF_M, swerling=1)
    r0 = radar.range_for_pd_m(0.9, PFA, 1.0, s, RCS_REF_M2, RANGE_REF_M, swerling=0)
    loss = radar.snr_from_reference(0.9, PFA, 1) / radar.snr_from_reference(0.9, PFA, 0)
    assert r0 / r1 == pytest.approx(loss**0.25, rel=1e-10)
    assert r0 / r1 == pytest.approx(10.0 ** ((21.14 - 13.18) / 40.0), rel=1e-3)


def test_pd_at_range_for_pd_is_that_pd() -> None:
    """Pd evaluated through snr() at range_for_pd_m's range is the requested Pd."""
    s = _snr_ref()
    for pd, swerling in ((0.5, 1), (0.8, 0), (0.95, 1)):
        r = radar.range_for_pd_m(pd, PFA, 0.1, s, RCS_REF_M2, RANGE_REF_M, swerling)
        snr = radar.snr(r, 0.1, s, RCS_REF_M2, RANGE_REF_M)
        got = float(radar.detection_probability(snr, PFA, swerling))
        assert got == pytest.approx(pd, abs=1e-9)


def test_earth_constants_are_4_3_earth() -> None:
    """The horizon uses k = 4/3 and R_e = 6 371 km."""
    assert radar.K_FACTOR == 4.0 / 3.0
    assert radar.EARTH_RADIUS_M == 6_371_000.0


def test_horizon_is_sum_of_two_4_3_earth_tangent_distances() -> None:
    """Horizon d = √(2kR_e h_r) + √(2kR_e h_t): 10 m radar, 100 m drone: 54 252.4 m."""
    two_kre = 2.0 * (4.0 / 3.0) * 6_371_000.0
    h_r = np.array([10.0, 10.0, 30.0, 0.0])
    h_t = np.array([100.0, 0.0, 500.0, 1.0])
    expected = np.sqrt(two_kre * h_r) + np.sqrt(two_kre * h_t)
    np.testing.assert_allclose(radar.horizon_range_m(h_r, h_t), expected, rtol=1e-15)
    assert float(radar.horizon_range_m(10.0, 100.0)) == pytest.approx(
        54252.43, abs=0.01
    )
    # The rule of thumb: 4.12 km per √(metre) of height.
    assert float(radar.horizon_range_m(0.0, 1.0)) == pytest.approx(4121.8, abs=0.1)


def test_horizon_treats_negative_heights_as_zero() -> None:
    """A height below the surface counts as 0 m."""
    np.testing.assert_array_equal(
        radar.horizon_range_m([-5.0, 10.0], [100.0, -1.0]),
        radar.horizon_range_m([0.0, 10.0], [100.0, 0.0]),
    )


# --- Monte Carlo: sample the receiver, not the formula ----------------------------


def _square_law_detect(
    rng: np.random.Generator, signal: np.ndarray, pfa: float
) -> np.ndarray:
    """Add unit-power complex Gaussian noise and compare |·|² with −ln Pfa."""
    n = signal.shape[0]
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / math.sqrt(2.0)
    # |noise|² is Exp(1), so P(|noise|² > −ln Pfa) = Pfa.
    return np.abs(signal + noise) ** 2 > -math.log(pfa)


def test_monte_carlo_swerling1_target_matches_pd_swerling1(
    binomial_check, n_trials
) -> None:
    """Echoes of exponential RCS plus noise, square-law detected, give pd_swerling1."""
    rng = np.random.default_rng(20240611)
    n = n_trials(0.01)
    s_ref = _snr_ref()
    range_m, mean_rcs_m2 = 4800.0, 0.01
    # Swerling 1: per scan the RCS is exponential about its mean, the phase uniform.
    rcs = rng.exponential(mean_rcs_m2, n)
    snr_inst = radar.snr(range_m, rcs, s_ref, RCS_REF_M2, RANGE_REF_M)
    signal = np.sqrt(snr_inst) * np.exp(1j * rng.uniform(0.0, 2.0 * np.pi, n))
    detected = _square_law_detect(rng, signal, PFA)
    mean_snr = radar.snr(range_m, mean_rcs_m2, s_ref, RCS_REF_M2, RANGE_REF_M)
    pd = float(radar.detection_probability(mean_snr, PFA, swerling=1))
    assert 0.3 < pd < 0.7
    binomial_check(detected.sum(), n, pd)


def test_monte_carlo_swerling0_target_matches_pd_swerling0(
    binomial_check, n_trials
) -> None:
    """Steady echoes plus noise, square-law detected, give pd_swerling0 (Marcum Q)."""
    rng = np.random.default_rng(20240612)
    n = n_trials(0.01)
    snr = float(radar.snr(5200.0, 0.01, _snr_ref(), RCS_REF_M2, RANGE_REF_M))
    signal = math.sqrt(snr) * np.exp(1j * rng.uniform(0.0, 2.0 * np.pi, n))
    detected = _square_law_detect(rng, signal, PFA)
    pd = float(radar.detection_probability(snr, PFA, swerling=0))
    assert 0.3 < pd < 0.7
    binomial_check(detected.sum(), n, pd)


def test_monte_carlo_noise_alone_crosses_threshold_at_pfa(
    binomial_check, n_trials
) -> None:
    """Noise alone crosses the −ln Pfa threshold at rate Pfa = pd at zero SNR."""
    rng = np.random.default_rng(20240613)
    pfa = 0.05
    # A 10 % negative control at p = 0.05 needs a half-width well under 0.0025.
    n = n_trials(0.00125, p=pfa)
    detected = _square_law_detect(rng, np.zeros(n, dtype=np.complex128), pfa)
    for swerling in (0, 1):
        pd = float(radar.detection_probability(0.0, pfa, swerling))
        binomial_check(detected.sum(), n, pd, max_half_width=0.0015)


# --- properties ------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    r1=st.floats(100.0, 50_000.0),
    factor=st.floats(1.0, 10.0),
    rcs=st.floats(1e-4, 10.0),
    pfa=st.floats(1e-10, 0.1),
    swerling=st.sampled_from([0, 1]),
)
def test_pd_decreases_with_range_and_stays_between_pfa_and_one(
    r1: float, factor: float, rcs: float, pfa: float, swerling: int
) -> None:
    """Pd never rises with range and stays within [Pfa, 1]."""
    s_ref = _snr_ref()
    ranges = np.array([r1, r1 * factor])
    pd = radar.detection_probability(
        radar.snr(ranges, rcs, s_ref, RCS_REF_M2, RANGE_REF_M), pfa, swerling
    )
    # Swerling 0 is 1 − cdf, so near Pd = Pfa it carries ~1e-16 absolute round-off.
    tol = 1e-15
    assert pd[1] <= pd[0] + tol
    assert np.all(pd >= pfa - tol)
    assert np.all(pd <= 1.0)


@settings(max_examples=60, deadline=None)
@given(
    pd=st.floats(0.05, 0.999),
    log10_pfa=st.floats(-10.0, -2.0),
    swerling=st.sampled_from([0, 1]),
)
def test_snr_from_reference_round_trips_through_pd(
    pd: float, log10_pfa: float, swerling: int
) -> None:
    """The SNR that snr_from_reference returns gives back the requested Pd."""
    pfa = 10.0**log10_pfa
    s = radar.snr_from_reference(pd, pfa, swerling)
    assert s > 0.0
    got = float(radar.detection_probability(s, pfa, swerling))
    assert got == pytest.approx(pd, abs=1e-9)
