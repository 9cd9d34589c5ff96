"""RF jammer model against its closed forms (MODELS.md, Effectors: Jammer)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyscreen.models import jammer


def _db(x: float) -> float:
    return 10.0 * math.log10(x)


def test_js_ratio_is_eirp_ratio_times_inverse_square_distance_ratio() -> None:
    """J/S = (P_j G_j)/(P_c G_c)·(d_c/d_j)²: 100 W vs 1 W at 10 km vs 1 km is 40 dB."""
    assert float(jammer.link_js_ratio(100.0, 1.0, 10_000.0, 1_000.0)) == pytest.approx(
        1e4, rel=1e-15
    )
    pj = np.array([10.0, 50.0, 2.0])
    pc = np.array([1.0, 0.5, 4.0])
    dc = np.array([2000.0, 5000.0, 800.0])
    dj = np.array([3000.0, 1500.0, 400.0])
    np.testing.assert_allclose(
        jammer.link_js_ratio(pj, pc, dc, dj), pj / pc * (dc / dj) ** 2, rtol=1e-15
    )


def test_equal_eirp_at_equal_distance_gives_unit_js() -> None:
    """Same EIRP at the same distance puts jammer and link level: J/S = 0 dB."""
    assert float(jammer.link_js_ratio(5.0, 5.0, 1234.0, 1234.0)) == pytest.approx(1.0)


def test_doubling_jammer_distance_costs_6_02_db() -> None:
    """J/S falls as 1/d_j²: twice as far is −20 log10 2 = −6.02 dB."""
    near = float(jammer.link_js_ratio(10.0, 1.0, 3000.0, 1000.0))
    far = float(jammer.link_js_ratio(10.0, 1.0, 3000.0, 2000.0))
    assert _db(far) - _db(near) == pytest.approx(-20.0 * math.log10(2.0), abs=1e-12)


def test_js_ratio_stays_finite_with_the_jammer_on_the_drone() -> None:
    """A jammer at zero distance gives a finite J/S (distances floor at 1 m)."""
    js = jammer.link_js_ratio(1.0, 1.0, 1000.0, np.array([0.0, 1.0]))
    assert np.all(np.isfinite(js))
    np.testing.assert_allclose(js, 1e6, rtol=1e-15)


def test_l1_wavelength_is_c_over_1575_42_mhz() -> None:
    """λ(L1) = c / 1575.42 MHz = 0.1903 m."""
    assert (
        pytest.approx(299_792_458.0 / 1575.42e6, abs=5e-5)
        == jammer.GNSS_L1_WAVELENGTH_M
    )


def test_friis_received_power_closed_form() -> None:
    """P_rx = P_t G_t G_r (λ/4πd)²: 1 W EIRP, isotropic, 1 km at L1 is −66.40 dBm."""
    lam = jammer.GNSS_L1_WAVELENGTH_M
    p = float(jammer.friis_received_power_w(1.0, 1.0, 1000.0, lam))
    assert p == pytest.approx((lam / (4.0 * math.pi * 1000.0)) ** 2, rel=1e-15)
    assert _db(p * 1e3) == pytest.approx(-66.40, abs=0.005)
    eirp = np.array([1.0, 10.0, 0.1])
    g_rx = np.array([1.0, 2.0, 0.5])
    d = np.array([500.0, 2000.0, 10_000.0])
    np.testing.assert_allclose(
        jammer.friis_received_power_w(eirp, g_rx, d, lam),
        eirp * g_rx * (lam / (4.0 * math.pi * d)) ** 2,
        rtol=1e-15,
    )


def test_gnss_jammer_js_against_minus_130_dbm_signal() -> None:
    """1 W EIRP at 10 km puts −86.4 dBm on an isotropic antenna: 43.6 dB over GNSS."""
    p = float(
        jammer.friis_received_power_w(1.0, 1.0, 10_000.0, jammer.GNSS_L1_WAVELENGTH_M)
    )
    js_db = _db(p * 1e3) - (-130.0)
    expected = 130.0 + 30.0 + 20.0 * math.log10(0.1903 / (4.0 * math.pi * 1e4))
    assert js_db == pytest.approx(expected, abs=1e-9)
    assert js_db == pytest.approx(43.60, abs=0.005)


@settings(max_examples=60, deadline=None)
@given(
    eirp=st.floats(1e-3, 1e3),
    d=st.floats(1.0, 1e5),
    k=st.floats(1.0, 100.0),
)
def test_friis_power_falls_as_inverse_square(eirp: float, d: float, k: float) -> None:
    """Moving k times farther divides the received power by k²."""
    lam = jammer.GNSS_L1_WAVELENGTH_M
    near = float(jammer.friis_received_power_w(eirp, 1.0, d, lam))
    far = float(jammer.friis_received_power_w(eirp, 1.0, d * k, lam))
    assert near / far == pytest.approx(k * k, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    pj=st.floats(1e-2, 1e3),
    pc=st.floats(1e-2, 1e3),
    dc=st.floats(1.0, 1e5),
    dj=st.floats(1.0, 1e5),
)
def test_js_ratio_is_the_ratio_of_friis_powers(
    pj: float, pc: float, dc: float, dj: float
) -> None:
    """J/S equals the ratio of the two Friis powers through the same receive antenna."""
    lam = 0.5
    j = float(jammer.friis_received_power_w(pj, 2.0, dj, lam))
    s = float(jammer.friis_received_power_w(pc, 2.0, dc, lam))
    assert float(jammer.link_js_ratio(pj, pc, dc, dj)) == pytest.approx(
        j / s, rel=1e-12
    )
