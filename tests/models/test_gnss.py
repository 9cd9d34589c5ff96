"""GNSS jamming and inertial drift against their closed forms (MODELS.md, Jammer)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from skyscreen.models import jammer

LAM = 0.1903


def test_gnss_js_is_friis_power_over_the_signal() -> None:
    """J/S = P_j G_r (λ/4πd)² / S on L1, elementwise."""
    eirp = np.array([1.0, 20.0, 0.05])
    g_rx = np.array([1.0, 0.5, 2.0])
    d = np.array([1000.0, 25_000.0, 300.0])
    s = np.array([1e-16, 1e-16, 10 ** (-13.5)])
    want = eirp * g_rx * (LAM / (4.0 * math.pi * d)) ** 2 / s
    np.testing.assert_allclose(jammer.gnss_js_ratio(eirp, g_rx, d, s), want, rtol=1e-15)


def test_one_watt_at_ten_km_is_43_6_db_over_minus_130_dbm() -> None:
    """1 W EIRP at 10 km gives −86.40 dBm; against −130 dBm that is 43.60 dB."""
    s = float(jammer.dbm_to_w(-130.0))
    assert s == pytest.approx(1e-16, rel=1e-12)
    js = float(jammer.gnss_js_ratio(1.0, 1.0, 10_000.0, s))
    assert 10.0 * math.log10(js) == pytest.approx(43.60, abs=0.005)


def test_js_stays_finite_with_the_jammer_on_the_drone() -> None:
    """Distances floor at 1 m, as for the link jammer."""
    js = jammer.gnss_js_ratio(1.0, 1.0, np.array([0.0, 1.0]), 1e-16)
    assert np.isfinite(js).all()
    assert js[0] == js[1]


@settings(max_examples=60, deadline=None)
@given(
    eirp=st.floats(1e-3, 1e3),
    s_dbm=st.floats(-160.0, -110.0),
    thr_db=st.floats(0.0, 60.0),
)
def test_denial_range_is_where_js_reaches_the_threshold(
    eirp: float, s_dbm: float, thr_db: float
) -> None:
    """d* = λ/4π·√(P/(S·thr)) solves J/S(d*) = thr; J/S is above it inside, below out."""
    s = float(jammer.dbm_to_w(s_dbm))
    thr = 10.0 ** (thr_db / 10.0)
    d = float(jammer.gnss_denial_range_m(eirp, 1.0, s, thr))
    assert d == pytest.approx(LAM / (4.0 * math.pi) * math.sqrt(eirp / (s * thr)))
    assume(d >= 2.0)  # beyond the 1 m floor of the Friis function
    assert float(jammer.gnss_js_ratio(eirp, 1.0, d, s)) == pytest.approx(thr, rel=1e-12)
    assert float(jammer.gnss_js_ratio(eirp, 1.0, 0.99 * d, s)) > thr
    assert float(jammer.gnss_js_ratio(eirp, 1.0, 1.01 * d, s)) < thr


def test_default_jammer_denies_gnss_far_beyond_its_range() -> None:
    """20 W against −130 dBm and 35 dB: d* ≈ 120 km, so range_max_m decides."""
    d = float(jammer.gnss_denial_range_m(20.0, 1.0, 1e-16, 10**3.5))
    assert d == pytest.approx(120_432.6, rel=1e-6)


def test_ins_drift_grows_linearly_and_never_negative() -> None:
    """Error = drift × time on INS; negative times count as zero."""
    np.testing.assert_allclose(
        jammer.ins_drift_m(np.array([2.0, 5.0, 0.0]), np.array([10.0, 3.5, 100.0])),
        [20.0, 17.5, 0.0],
        rtol=0,
        atol=0,
    )
    assert float(jammer.ins_drift_m(3.0, -4.0)) == 0.0
