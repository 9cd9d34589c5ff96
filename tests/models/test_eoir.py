"""EO/IR camera model against its closed forms (MODELS.md, Sensors: EO/IR)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from skyscreen.models import eoir

K = 2.0


def _pd_reference(r: np.ndarray, r50: float, k: float) -> np.ndarray:
    """The formula as written, 1 / (1 + (R/R50)^k), for ranges where it is finite."""
    return 1.0 / (1.0 + (r / r50) ** k)


# --- closed forms -------------------------------------------------------------------


@pytest.mark.parametrize(("r50", "k"), [(500.0, 1.0), (3000.0, 2.0), (1200.0, 4.5)])
def test_pd_at_r50_is_one_half(r50: float, k: float) -> None:
    """At R = R50 a look detects with probability exactly 1/2, for any steepness."""
    assert float(eoir.eoir_pd(r50, r50, k)) == 0.5


def test_pd_is_one_over_one_plus_range_ratio_to_the_k() -> None:
    """Pd equals 1/(1 + (R/R50)^k) elementwise over ranges, R50s and k."""
    r = np.array([1.0, 100.0, 800.0, 2000.0, 3000.0, 4500.0, 9000.0, 30_000.0])
    for r50, k in ((3000.0, 2.0), (1000.0, 3.5), (2500.0, 1.2)):
        np.testing.assert_allclose(
            eoir.eoir_pd(r, r50, k), _pd_reference(r, r50, k), rtol=1e-13, atol=0.0
        )
    # Hand values: (1/2)² → 0.8, 2² → 0.2, 3³ → 1/28.
    np.testing.assert_allclose(
        eoir.eoir_pd([1000.0, 4000.0, 3000.0], [2000.0, 2000.0, 1000.0], [2, 2, 3]),
        [0.8, 0.2, 1.0 / 28.0],
        rtol=1e-14,
    )


def test_pd_edges_zero_range_zero_r50_infinite_range_and_nan() -> None:
    """R = 0 gives 1, R50 <= 0 gives 0, R = inf gives 0, NaN propagates."""
    assert float(eoir.eoir_pd(0.0, 2000.0, K)) == 1.0
    assert float(eoir.eoir_pd(-5.0, 2000.0, K)) == 1.0
    assert float(eoir.eoir_pd(1000.0, 0.0, K)) == 0.0
    assert float(eoir.eoir_pd(0.0, -1.0, K)) == 0.0
    assert float(eoir.eoir_pd(np.inf, 2000.0, K)) == 0.0
    assert math.isnan(float(eoir.eoir_pd(np.nan, 2000.0, K)))


def test_pd_does_not_overflow_at_extreme_ratios() -> None:
    """(R/R50)^k beyond the float range gives Pd 0 (or 1), with no overflow."""
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert float(eoir.eoir_pd(1e300, 1e-3, 10.0)) == 0.0
        assert float(eoir.eoir_pd(1e-3, 1e300, 10.0)) == 1.0


def test_pd_decreases_with_range_and_stays_in_unit_interval() -> None:
    """Pd never rises with range, falls strictly where it is not saturated."""
    r = np.linspace(0.0, 50_000.0, 5001)
    for r50, k in ((3000.0, 2.0), (800.0, 6.0), (5000.0, 0.7)):
        pd = eoir.eoir_pd(r, r50, k)
        assert np.all((pd >= 0.0) & (pd <= 1.0))
        assert np.all(np.diff(pd) <= 0.0)
        inner = (pd > 1e-12) & (pd < 1.0 - 1e-12)
        assert np.all(np.diff(pd)[inner[1:] & inner[:-1]] < 0.0)


def test_steeper_curve_is_higher_inside_r50_and_lower_outside() -> None:
    """Raising k lifts Pd inside R50 and lowers it outside; all curves meet at 0.5."""
    pd = eoir.eoir_pd([1500.0, 3000.0, 4500.0], 3000.0, np.array([[2.0], [4.0]]))
    inside, at_r50, outside = pd.T
    assert inside[1] > inside[0]
    np.testing.assert_array_equal(at_r50, 0.5)
    assert outside[1] < outside[0]


def test_visibility_caps_r50() -> None:
    """R50_eff = min(R50, V); infinite visibility leaves R50 unchanged."""
    np.testing.assert_array_equal(
        eoir.effective_r50_m(
            [3000.0, 3000.0, 1000.0, 1000.0], [np.inf, 1500.0, 1500.0, 0.0]
        ),
        [3000.0, 1500.0, 1000.0, 0.0],
    )
    # In fog the 50 % point moves to the visibility.
    r50 = eoir.effective_r50_m(3000.0, 1200.0)
    assert float(eoir.eoir_pd(1200.0, r50, K)) == 0.5
    assert float(eoir.eoir_pd(2400.0, r50, K)) == pytest.approx(0.2, rel=1e-14)


@pytest.mark.parametrize("pd", [1e-6, 0.1, 0.5, 0.8, 0.9, 0.99, 1.0 - 1e-9])
@pytest.mark.parametrize(("r50", "k"), [(3000.0, 2.0), (900.0, 3.7)])
def test_range_for_pd_inverts_pd(pd: float, r50: float, k: float) -> None:
    """eoir_pd at eoir_range_for_pd_m(pd) is pd, and the range round-trips too."""
    r = float(eoir.eoir_range_for_pd_m(pd, r50, k))
    assert r == pytest.approx(r50 * ((1.0 - pd) / pd) ** (1.0 / k), rel=1e-14)
    assert float(eoir.eoir_pd(r, r50, k)) == pytest.approx(pd, rel=1e-12, abs=1e-15)
    back = float(eoir.eoir_range_for_pd_m(eoir.eoir_pd(r, r50, k), r50, k))
    assert back == pytest.approx(r, rel=1e-6)


def test_range_for_pd_ends_are_zero_and_infinity() -> None:
    """Pd 1 is reached only at R = 0 and Pd 0 only at infinite range."""
    np.testing.assert_array_equal(
        eoir.eoir_range_for_pd_m([1.0, 0.0], 2000.0, 2.0), [0.0, np.inf]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1.5, 2000.0, 2.0), r"eoir_range_for_pd_m: pd must be in \[0, 1\]; got 1.5"),
        ((-0.1, 2000.0, 2.0), r"pd must be in \[0, 1\]; got -0.1"),
        ((np.nan, 2000.0, 2.0), r"pd must be in \[0, 1\]; got nan"),
        ((0.5, 0.0, 2.0), r"eoir_range_for_pd_m: r50_m must be > 0; got 0.0"),
        ((0.5, 2000.0, -1.0), r"eoir_range_for_pd_m: k must be > 0; got -1.0"),
    ],
)
def test_range_for_pd_rejects_bad_arguments(
    args: tuple[float, float, float], message: str
) -> None:
    """Out-of-range pd, R50 or k raises ValueError naming the argument and value."""
    with pytest.raises(ValueError, match=message):
        eoir.eoir_range_for_pd_m(*args)


# --- one definition for NumPy, numba and plain Python ------------------------------


def test_compiled_pd_matches_the_python_source() -> None:
    """The compiled ufunc and its Python source give the same numbers, edges included."""
    py_pd = eoir.eoir_pd._dispatcher.py_func
    r = [0.0, -1.0, 1.0, 999.0, 1000.0, 1001.0, 2500.0, 1e5, 1e300, np.inf]
    for r50, k in ((1000.0, 2.0), (1000.0, 0.5), (0.0, 2.0), (3000.0, 8.0)):
        compiled = eoir.eoir_pd(np.array(r), r50, k)
        plain = np.array([py_pd(x, r50, k) for x in r])
        np.testing.assert_allclose(compiled, plain, rtol=1e-15, atol=0.0)
    py_r50 = eoir.effective_r50_m._dispatcher.py_func
    assert py_r50(3000.0, np.inf) == float(eoir.effective_r50_m(3000.0, np.inf))


def test_pd_is_callable_from_a_numba_kernel() -> None:
    """A numba kernel calls eoir_pd and effective_r50_m on scalars, as NumPy does."""

    @njit(cache=False)
    def kernel(
        r: np.ndarray, r50: float, vis: float, k: float, out: np.ndarray
    ) -> None:
        for i in range(r.shape[0]):
            out[i] = eoir.eoir_pd(r[i], eoir.effective_r50_m(r50, vis), k)

    r = np.array([0.0, 500.0, 1500.0, 6000.0])
    out = np.empty_like(r)
    kernel(r, 3000.0, 1500.0, 2.0, out)
    np.testing.assert_array_equal(out, eoir.eoir_pd(r, 1500.0, 2.0))


# --- angles ------------------------------------------------------------------------


def test_azimuth_is_counter_clockwise_from_east_like_the_engine() -> None:
    """East 0, north π/2, west π, south −π/2: atan2(dy, dx), the engine's bearings."""
    dx = np.array([1.0, 0.0, -1.0, 0.0, 1.0])
    dy = np.array([0.0, 1.0, 0.0, -1.0, 1.0])
    az, el = eoir.bearing_elevation(dx, dy, 0.0)
    np.testing.assert_array_equal(
        az, [0.0, np.pi / 2.0, np.pi, -np.pi / 2.0, np.pi / 4.0]
    )
    np.testing.assert_array_equal(az, np.arctan2(dy, dx))
    np.testing.assert_array_equal(el, 0.0)


def test_compass_bearing_converts_as_the_scenario_compiler_does() -> None:
    """A compass bearing β (clockwise from north) is azimuth π/2 − β, wrapped."""
    compass = np.radians([0.0, 90.0, 180.0, 270.0, 30.0])
    dx, dy = np.sin(compass), np.cos(compass)  # unit vectors on those compass bearings
    az = eoir.azimuth_rad(dx, dy)
    wrapped = np.angle(np.exp(1j * (np.pi / 2.0 - compass)))
    np.testing.assert_allclose(az, wrapped, atol=1e-15)


def test_elevation_is_above_the_horizontal_plane() -> None:
    """Elevation atan2(dz, ground range): 45° at equal height and ground, ±90° overhead."""
    _, el = eoir.bearing_elevation(
        [3.0, 0.0, 0.0, 1.0], [4.0, 0.0, 0.0, 0.0], [5.0, 7.0, -2.0, -1.0]
    )
    np.testing.assert_allclose(
        el, [np.pi / 4.0, np.pi / 2.0, -np.pi / 2.0, -np.pi / 4.0], rtol=1e-15
    )


def test_bearing_elevation_broadcasts() -> None:
    """Shapes broadcast: sensors (3, 1) against targets (4,) give (3, 4)."""
    az, el = eoir.bearing_elevation(np.zeros((3, 1)), np.arange(4.0), 1.0)
    assert az.shape == el.shape == (3, 4)


# --- Monte Carlo: sample the observer, not the formula -----------------------------


def _looks(rng: np.random.Generator, n: int, range_m: float, r50_m: float, k: float):
    """Simulate n looks by the TTPF's observer model.

    On each look the cycles an observer needs are log-logistic about N50 with shape
    k (ln(N_thr/N50) is logistic with scale 1/k); the cycles on target are
    N = N50 · R50/R, and the look detects when N >= N_thr.
    """
    log_needed = rng.logistic(0.0, 1.0 / k, n)  # ln(N_thr / N50)
    log_available = math.log(r50_m / range_m)  # ln(N / N50)
    return log_available >= log_needed


# (R50 by day or night, visibility, steepness) and the ranges as fractions of R50_eff,
# chosen where Pd is 0.25–0.85 so a 10 % error is several half-widths.
CONDITIONS = {
    "day": (3000.0, np.inf, 2.0),
    "night": (1000.0, np.inf, 3.0),
    "day-in-fog": (3000.0, 1200.0, 1.75),
}


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("fraction", [0.6, 1.0, 1.35])
def test_monte_carlo_looks_match_pd(
    condition: str, fraction: float, binomial_check, n_trials
) -> None:
    """Looks by the observer model detect at eoir_pd's rate, not at 0.9× or 1.1× it."""
    r50_m, vis_m, k = CONDITIONS[condition]
    seed = 20240700 + 10 * list(CONDITIONS).index(condition) + int(fraction * 10)
    rng = np.random.default_rng(seed)
    n = n_trials(0.01)
    r50_eff = float(eoir.effective_r50_m(r50_m, vis_m))
    range_m = fraction * r50_eff
    pd = float(eoir.eoir_pd(range_m, r50_eff, k))
    assert 0.25 < pd < 0.85
    detected = _looks(rng, n, range_m, r50_eff, k)
    result = binomial_check(detected.sum(), n, pd)  # also rejects 1.1 × pd
    assert not result.low <= 0.9 * pd <= result.high, "negative control: 0.9 × pd"


def test_monte_carlo_in_fog_rejects_the_clear_air_r50() -> None:
    """Looks in fog are far rarer than the uncapped R50 predicts."""
    rng = np.random.default_rng(20240799)
    r50_m, vis_m, k, range_m = 3000.0, 1200.0, 1.75, 1500.0
    n = 16_588
    detected = _looks(rng, n, range_m, float(eoir.effective_r50_m(r50_m, vis_m)), k)
    assert abs(detected.mean() - float(eoir.eoir_pd(range_m, r50_m, k))) > 0.3
