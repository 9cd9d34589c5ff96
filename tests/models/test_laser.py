"""The laser's equations against their closed forms (MODELS.md, Effectors: Laser)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from skyscreen.models import laser

VISIBILITIES_M = (math.inf, 20000.0, 5000.0, 1500.0)


def test_extinction_is_koschmieder() -> None:
    """α = 3.912 / V, and 0 in perfectly clear air."""
    np.testing.assert_allclose(
        laser.extinction_per_m(np.array([1000.0, 3912.0, 20000.0])),
        [3.912e-3, 1e-3, 1.956e-4],
        rtol=1e-14,
    )
    assert float(laser.extinction_per_m(math.inf)) == 0.0


@pytest.mark.parametrize("visibility_m", VISIBILITIES_M)
def test_dwell_time_is_the_closed_form(visibility_m: float) -> None:
    """t_d(R) = t_ref (R/R_ref)² e^{αR}, and MODELS.md's form with t_ref in that air."""
    alpha = float(laser.extinction_per_m(visibility_m))
    r = np.linspace(100.0, 5000.0, 50)
    t_ref, r_ref = 3.0, 1000.0
    got = laser.dwell_time_s(r, alpha, t_ref, r_ref)
    np.testing.assert_allclose(got, t_ref * (r / r_ref) ** 2 * np.exp(alpha * r), 1e-13)
    t_ref_air = float(laser.dwell_time_s(r_ref, alpha, t_ref, r_ref))
    assert t_ref_air == pytest.approx(t_ref * math.exp(alpha * r_ref), rel=1e-14)
    models_md = t_ref_air * (r / r_ref) ** 2 * np.exp(alpha * (r - r_ref))
    np.testing.assert_allclose(got, models_md, rtol=1e-12)


@pytest.mark.parametrize("visibility_m", VISIBILITIES_M)
def test_fluence_of_the_dwell_is_the_threshold(visibility_m: float) -> None:
    """Irradiance × dwell is the kill fluence t_ref at every range."""
    alpha = float(laser.extinction_per_m(visibility_m))
    r = np.geomspace(2.0, 8000.0, 40)
    fluence = laser.relative_irradiance(r, alpha, 1500.0) * laser.dwell_time_s(
        r, alpha, 4.0, 1500.0
    )
    np.testing.assert_allclose(fluence, 4.0, rtol=1e-12)


def test_irradiance_falls_with_range_and_haze() -> None:
    """Inverse square in clear air; haze only lowers it; the near floor holds."""
    assert float(laser.relative_irradiance(2000.0, 0.0, 1000.0)) == 0.25
    assert float(laser.relative_irradiance(1000.0, 1e-3, 1000.0)) == pytest.approx(
        math.exp(-1.0), rel=1e-14
    )
    r = np.linspace(10.0, 5000.0, 100)
    clear = laser.relative_irradiance(r, 0.0, 1000.0)
    hazy = laser.relative_irradiance(r, 1e-3, 1000.0)
    assert (hazy < clear).all()
    assert (np.diff(hazy) < 0).all()
    near = laser.NEAR_RANGE_M
    assert float(laser.relative_irradiance(near / 10, 0.0, 1000.0)) == float(
        laser.relative_irradiance(near, 0.0, 1000.0)
    )


@pytest.mark.parametrize("visibility_m", VISIBILITIES_M)
def test_range_for_dwell_inverts_the_dwell(visibility_m: float) -> None:
    """range_for_dwell_m(t_d(R)) = R (Lambert W in haze, a square root in clear air)."""
    alpha = float(laser.extinction_per_m(visibility_m))
    r = np.linspace(50.0, 6000.0, 30)
    t = laser.dwell_time_s(r, alpha, 3.0, 1000.0)
    np.testing.assert_allclose(laser.range_for_dwell_m(t, alpha, 3.0, 1000.0), r, 1e-10)


def test_kill_along_a_path_matches_numerical_fluence() -> None:
    """Against a drone closing at constant speed, ∫ I dt reaches t_ref at the dwell.

    The dwell from 2 km closing at 50 m/s is shorter than t_d(2 km): the range falls.
    """
    alpha, t_ref, r_ref = 1e-4, 3.0, 1000.0
    dt = 1e-4
    t = np.arange(0.0, 40.0, dt)
    r = 2000.0 - 50.0 * t
    f = np.cumsum(laser.relative_irradiance(r, alpha, r_ref)) * dt
    t_kill = t[np.searchsorted(f, t_ref)]
    assert t_kill < float(laser.dwell_time_s(2000.0, alpha, t_ref, r_ref))
    assert t_kill > float(
        laser.dwell_time_s(r[np.searchsorted(t, t_kill)], alpha, t_ref, r_ref)
    )
