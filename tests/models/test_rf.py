"""Passive RF detection and bearing-only triangulation (MODELS.md, Sensors: RF)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from skyscreen.models import eoir, jammer, rf

C = 299_792_458.0


def _bearings(sensors: np.ndarray, target: np.ndarray) -> np.ndarray:
    """True azimuths from sensors (..., S, 2) to a target (..., 2)."""
    d = target[..., None, :] - sensors
    return np.asarray(eoir.azimuth_rad(d[..., 0], d[..., 1]))


def _crb(sensors: np.ndarray, target: np.ndarray, sigma: float) -> np.ndarray:
    """(JᵀWJ)⁻¹ written out independently: J rows ∂atan2(dy, dx)/∂(x, y)."""
    d = target - sensors
    r2 = (d**2).sum(axis=-1)
    jac = np.stack([-d[:, 1] / r2, d[:, 0] / r2], axis=-1)
    return np.linalg.inv(jac.T @ jac / sigma**2)


# --- detection ---------------------------------------------------------------------


def test_received_power_is_friis_with_wavelength_c_over_f() -> None:
    """P_rx = P_t G_r (λ/4πd)² with λ = c/f, the jammer module's Friis function."""
    d = np.array([10.0, 500.0, 2000.0, 15_000.0])
    lam = C / 2.4e9
    expected = 2.0 * 3.0 * (lam / (4.0 * math.pi * d)) ** 2
    np.testing.assert_allclose(
        rf.rf_received_power_w(2.0, 3.0, d, 2.4e9), expected, rtol=1e-14
    )
    np.testing.assert_array_equal(
        rf.rf_received_power_w(2.0, 3.0, d, 2.4e9),
        jammer.friis_received_power_w(2.0, 3.0, d, lam),
    )
    # 2.4 GHz over 1 km: the textbook 100.05 dB free-space loss.
    loss_db = -10.0 * math.log10(float(rf.rf_received_power_w(1.0, 1.0, 1e3, 2.4e9)))
    assert loss_db == pytest.approx(100.05, abs=0.005)


@pytest.mark.parametrize(
    ("eirp_w", "gain_rx", "sensitivity_w", "frequency_hz"),
    [(1.0, 1.0, 1e-12, 2.4e9), (0.1, 10.0, 1e-13, 5.8e9), (5.0, 2.0, 1e-11, 433e6)],
)
def test_received_power_equals_sensitivity_at_detection_range(
    eirp_w: float, gain_rx: float, sensitivity_w: float, frequency_hz: float
) -> None:
    """At R_det = λ/(4π)·√(P_t G_r/S) the Friis power is exactly S; more inside."""
    r = float(rf.rf_detection_range_m(eirp_w, gain_rx, sensitivity_w, frequency_hz))
    lam = C / frequency_hz
    assert r == pytest.approx(
        lam / (4.0 * math.pi) * math.sqrt(eirp_w * gain_rx / sensitivity_w), rel=1e-15
    )
    p = rf.rf_received_power_w(eirp_w, gain_rx, [0.99 * r, r, 1.01 * r], frequency_hz)
    assert float(p[1]) == pytest.approx(sensitivity_w, rel=1e-13)
    assert p[0] > sensitivity_w > p[2]


def test_detection_range_scales_with_root_power_and_wavelength() -> None:
    """R_det ∝ √(P_t G_r / S) and ∝ 1/f; 0 dBW at -90 dBm and 2.4 GHz is 9.94 km."""
    base = float(rf.rf_detection_range_m(1.0, 1.0, 1e-12, 2.4e9))
    assert base == pytest.approx(9940.0, abs=1.0)
    got = rf.rf_detection_range_m(
        [4.0, 1.0, 1.0], [1.0, 4.0, 1.0], 1e-12, [2.4e9] * 2 + [1.2e9]
    )
    np.testing.assert_allclose(got, [2 * base, 2 * base, 2 * base], rtol=1e-14)
    assert float(rf.rf_detection_range_m(0.0, 1.0, 1e-12, 2.4e9)) == 0.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1.0, 1.0, 0.0, 2.4e9), r"sensitivity_w must be > 0; got 0.0"),
        ((1.0, 1.0, 1e-12, 0.0), r"frequency_hz must be > 0; got 0.0"),
        ((-1.0, 1.0, 1e-12, 2.4e9), r"eirp_w must be >= 0; got -1.0"),
        ((1.0, -2.0, 1e-12, 2.4e9), r"gain_rx must be >= 0; got -2.0"),
    ],
)
def test_detection_range_rejects_bad_arguments(
    args: tuple[float, ...], message: str
) -> None:
    """A parameter outside its range raises ValueError naming it and its value."""
    with pytest.raises(ValueError, match=message):
        rf.rf_detection_range_m(*args)


# --- triangulation: exact bearings ---------------------------------------------------

LINE3 = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]])
GEOMETRIES = {
    "2 detectors, station ahead": (
        np.array([[0.0, 0.0], [1000.0, 0.0]]),
        (300.0, 2000.0),
    ),
    "2 detectors, station far behind": (
        np.array([[0.0, 0.0], [1500.0, 0.0]]),
        (-40_000.0, -30_000.0),
    ),
    "3 on a line, station behind and far": (LINE3, (5000.0, -60_000.0)),
    "3 in a triangle, station inside": (
        np.array([[0.0, 0.0], [3000.0, 0.0], [1500.0, 2600.0]]),
        (1500.0, 900.0),
    ),
    "5 spread, station abeam": (
        np.array(
            [
                [0.0, 0.0],
                [2000.0, 0.0],
                [4000.0, 0.0],
                [1000.0, 1500.0],
                [3000.0, 1500.0],
            ]
        ),
        (12_000.0, 700.0),
    ),
    "2 far from the origin": (
        np.array([[5e5, 5e5], [5e5 + 3000.0, 5e5]]),
        (5e5 + 1000.0, 5e5 - 20_000.0),
    ),
}


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_exact_bearings_recover_the_station(geometry: str) -> None:
    """Noise-free bearings from 2, 3 or 5 detectors give the station to 1e-6 m."""
    sensors, station = GEOMETRIES[geometry]
    station = np.array(station)
    est, cov, ok = rf.triangulate(sensors, _bearings(sensors, station), 0.01)
    assert bool(ok)
    np.testing.assert_allclose(est, station, rtol=0.0, atol=1e-6)
    crb = _crb(sensors, station, 0.01)
    np.testing.assert_allclose(cov, crb, rtol=1e-8, atol=1e-12 * np.abs(crb).max())


def test_batched_over_leading_axes_without_mixing_members() -> None:
    """Leading axes (4, 50) of stations and sensor layouts are solved independently."""
    rng = np.random.default_rng(20240801)
    sensors = rng.uniform(-3000.0, 3000.0, (4, 50, 3, 2))
    station = rng.uniform(-20_000.0, 20_000.0, (4, 50, 2))
    est, cov, ok = rf.triangulate(sensors, _bearings(sensors, station), 0.005)
    assert est.shape == (4, 50, 2)
    assert cov.shape == (4, 50, 2, 2)
    assert ok.shape == (4, 50)
    assert ok.all()
    np.testing.assert_allclose(est, station, rtol=0.0, atol=1e-6)
    # One member alone gives the same answer as in the batch.
    one, _, _ = rf.triangulate(
        sensors[2, 7], _bearings(sensors[2, 7], station[2, 7]), 0.005
    )
    np.testing.assert_allclose(one, est[2, 7], rtol=0.0, atol=1e-9)


def test_shared_sensors_broadcast_against_replications() -> None:
    """Sensor positions (S, 2) broadcast against bearings (n_rep, S)."""
    sensors = np.array([[0.0, 0.0], [1000.0, 0.0], [500.0, 900.0]])
    stations = np.array([[300.0, 2000.0], [-4000.0, 500.0], [800.0, -7000.0]])
    bearings = _bearings(sensors[None], stations)
    est, _, ok = rf.triangulate(sensors, bearings, np.array([0.01, 0.02, 0.01]))
    assert ok.all()
    np.testing.assert_allclose(est, stations, rtol=0.0, atol=1e-6)


def test_invalid_bearings_are_ignored() -> None:
    """A masked or NaN bearing is left out: 3 sensors with one out equal the other 2."""
    sensors = np.array([[0.0, 0.0], [1000.0, 0.0], [500.0, 900.0]])
    station = np.array([-2500.0, 3000.0])
    theta = _bearings(sensors, station)
    theta_noisy = theta + np.array([0.0, 0.0, 0.3])  # the third is far off
    pair = rf.triangulate(sensors[:2], theta[:2], 0.01)
    masked = rf.triangulate(sensors, theta_noisy, 0.01, valid=[True, True, False])
    nan = rf.triangulate(sensors, np.where([1, 1, 0], theta, np.nan), 0.01)
    for got in (masked, nan):
        assert bool(got[2])
        np.testing.assert_allclose(got[0], pair[0], rtol=0.0, atol=1e-9)
        np.testing.assert_allclose(got[1], pair[1], rtol=1e-9)


@pytest.mark.parametrize(
    ("sensors", "bearings_deg", "valid"),
    [
        pytest.param([[0, 0], [1000, 0]], [90.0, 90.0], None, id="parallel"),
        pytest.param([[0, 0], [1000, 0]], [0.0, 180.0], None, id="collinear-facing"),
        pytest.param([[0, 0], [1000, 0]], [0.0, 0.0], None, id="collinear-same-way"),
        pytest.param([[0, 0], [1000, 0], [0, 500]], [60.0, 0, 0], [1, 0, 0], id="one"),
        pytest.param([[0, 0], [1000, 0]], [np.nan, np.nan], None, id="none"),
        pytest.param([[0, 0], [1000, 0]], [135.0, 45.0], None, id="meet-behind"),
    ],
)
def test_degenerate_bearings_give_no_fix(
    sensors: list[list[float]], bearings_deg: list[float], valid: list[int] | None
) -> None:
    """Parallel, collinear, backward or fewer than 2 bearings: ok False, NaN out."""
    # "meet-behind": rays north-west and north-east diverge; their lines meet only at
    # (500, -500), behind both sensors, where no emitter could give these bearings.
    theta = np.radians(bearings_deg)
    est, cov, ok = rf.triangulate(np.array(sensors, float), theta, 0.01, valid=valid)
    assert not bool(ok)
    assert np.isnan(est).all()
    assert np.isnan(cov).all()


def test_nearly_parallel_bearings_in_a_batch_fail_alone() -> None:
    """An ill-conditioned member fails without disturbing its neighbours."""
    sensors = np.array([[0.0, 0.0], [1000.0, 0.0]])
    good = _bearings(sensors, np.array([500.0, 4000.0]))
    bad = np.array([math.pi / 2.0, math.pi / 2.0 + 1e-9])
    est, _, ok = rf.triangulate(sensors, np.stack([good, bad, good]), 0.01)
    np.testing.assert_array_equal(ok, [True, False, True])
    np.testing.assert_allclose(est[[0, 2]], [[500.0, 4000.0]] * 2, atol=1e-6)


def test_covariance_of_a_right_angle_fix_is_root_two_sigma_d() -> None:
    """Sensors at (±d, 0) fixing (0, d): bearings cross at 90°, σ_x = σ_y = √2 σ d."""
    d, sigma = 2000.0, 0.004
    sensors = np.array([[-d, 0.0], [d, 0.0]])
    _, cov, ok = rf.triangulate(sensors, np.radians([45.0, 135.0]), sigma)
    assert bool(ok)
    np.testing.assert_allclose(
        cov, 2.0 * (sigma * d) ** 2 * np.eye(2), rtol=1e-12, atol=1e-9
    )


def test_covariance_scales_with_sigma_squared_and_per_sensor_weights() -> None:
    """P ∝ σ²; a sensor with larger σ counts for less (weights 1/σ_i²)."""
    sensors = np.array([[0.0, 0.0], [2000.0, 0.0], [1000.0, 1500.0]])
    station = np.array([800.0, 5000.0])
    theta = _bearings(sensors, station)
    _, p1, _ = rf.triangulate(sensors, theta, 0.01)
    _, p3, _ = rf.triangulate(sensors, theta, 0.03)
    np.testing.assert_allclose(p3, 9.0 * p1, rtol=1e-12)
    _, pw, _ = rf.triangulate(sensors, theta, [0.01, 0.01, 1e6])
    _, p2, _ = rf.triangulate(sensors[:2], theta[:2], 0.01)
    np.testing.assert_allclose(pw, p2, rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"sensor_xy": np.zeros((3, 3)), "bearings_rad": np.zeros(3)},
            r"sensor_xy must have shape \(\.\.\., n_sensor, 2\); got \(3, 3\)",
        ),
        (
            {"sensor_xy": np.zeros((3, 2)), "bearings_rad": np.zeros(4)},
            r"must broadcast; got shapes \(3, 2\), \(4,\)",
        ),
        (
            {"sensor_xy": np.eye(2), "bearings_rad": np.zeros(2), "sigma_rad": -1.0},
            r"sigma_rad must be > 0 for every valid bearing; got \[-1\.\]",
        ),
    ],
)
def test_triangulate_rejects_bad_input(kwargs: dict[str, object], message: str) -> None:
    """Bad shapes and non-positive sigmas raise ValueError with what was got."""
    kwargs = {"sigma_rad": 0.01, **kwargs}
    with pytest.raises(ValueError, match=message):
        rf.triangulate(**kwargs)


# --- triangulation: noisy bearings, NEES against the chi-square band -----------------

NEES_TRIALS = 20_000
NEES_GEOMETRIES = {
    "2 detectors": (np.array([[0.0, 0.0], [3000.0, 0.0]]), np.array([1000.0, 5000.0])),
    "3 detectors": (
        np.array([[0.0, 0.0], [3000.0, 0.0], [1500.0, 2500.0]]),
        np.array([1000.0, 6000.0]),
    ),
    "5 detectors, behind": (
        np.array(
            [
                [0.0, 0.0],
                [2000.0, 0.0],
                [4000.0, 0.0],
                [1000.0, 1500.0],
                [3000.0, 1500.0],
            ]
        ),
        np.array([-6000.0, -8000.0]),
    ),
}


def _nees_band(n: int) -> tuple[float, float]:
    """99 % interval of the mean of n χ²₂ variables (their sum is χ²₂ₙ)."""
    lo, hi = stats.chi2.ppf([0.005, 0.995], 2 * n) / n
    return float(lo), float(hi)


@pytest.mark.parametrize("geometry", NEES_GEOMETRIES)
def test_nees_of_noisy_fixes_is_chi_square_2(geometry: str) -> None:
    """With 0.5° bearing noise the mean NEES is in its χ²₂ band; a wrong P is not."""
    sensors, station = NEES_GEOMETRIES[geometry]
    rng = np.random.default_rng(20240810 + list(NEES_GEOMETRIES).index(geometry))
    sigma = math.radians(0.5)
    theta = _bearings(sensors, station) + rng.normal(
        0.0, sigma, (NEES_TRIALS, len(sensors))
    )
    est, cov, ok = rf.triangulate(sensors, theta, sigma)
    assert ok.all()
    err = est - station
    nees = np.einsum("ni,nij,nj->n", err, np.linalg.inv(cov), err)
    lo, hi = _nees_band(NEES_TRIALS)
    assert lo <= nees.mean() <= hi, (
        f"mean NEES {nees.mean():.4f} not in [{lo:.4f}, {hi:.4f}]"
    )
    # Negative controls: the band has the power to catch a covariance off by 10 %
    # either way, and the 0.5× covariance of an overconfident filter.
    for scale in (0.5, 0.9, 1.1):
        assert not lo <= nees.mean() / scale <= hi, f"covariance × {scale} passed"
