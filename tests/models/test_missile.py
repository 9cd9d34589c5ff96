"""Missile intercept, envelope and Pk against closed forms (MODELS.md, Missile)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from skyscreen.models import missile


def _tau(q: list[float], v: list[float], u: float) -> float:
    return float(missile.intercept_time_s(q, v, u))


# --- intercept time on simple geometries ------------------------------------------


def test_stationary_target_is_reached_in_distance_over_speed() -> None:
    """A hovering drone at 1 000 m is reached by a 500 m/s missile in 2 s."""
    assert _tau([1000.0, 0.0, 0.0], [0.0, 0.0, 0.0], 500.0) == pytest.approx(
        2.0, rel=1e-15
    )
    assert _tau([300.0, 400.0, 1200.0], [0.0, 0.0, 0.0], 650.0) == pytest.approx(
        2.0, rel=1e-15
    )


def test_head_on_target_is_met_at_distance_over_closing_speed() -> None:
    """Head-on, τ = D/(u + w): 1 000 m, u = 400, w = 100 gives 2 s."""
    assert _tau([1000.0, 0.0, 0.0], [-100.0, 0.0, 0.0], 400.0) == pytest.approx(
        2.0, rel=1e-14
    )
    q = np.array([0.0, -3000.0, 500.0])
    d = float(np.linalg.norm(q))
    tau = float(missile.intercept_time_s(q, -50.0 * q / d, 550.0))
    assert tau == pytest.approx(d / 600.0, rel=1e-12)


def test_receding_slower_target_is_caught_at_distance_over_speed_difference() -> None:
    """Tail chase of a slower target: τ = D/(u − w); 1 km, u 600, w 100 gives 2 s."""
    assert _tau([1000.0, 0.0, 0.0], [100.0, 0.0, 0.0], 600.0) == pytest.approx(
        2.0, rel=1e-14
    )


def test_crossing_target_is_met_at_d_over_sqrt_u2_minus_w2() -> None:
    """A target crossing at closest distance D right now: τ = D/√(u² − w²)."""
    d, w, u = 3000.0, 50.0, 600.0
    assert _tau([0.0, d, 0.0], [w, 0.0, 0.0], u) == pytest.approx(
        d / math.sqrt(u * u - w * w), rel=1e-14
    )
    # 3-4-5: u = 500, w = 300 closes the 4 km side in 10 s.
    assert _tau([0.0, 4000.0, 0.0], [300.0, 0.0, 0.0], 500.0) == pytest.approx(
        10.0, rel=1e-14
    )


@pytest.mark.parametrize("w", [600.0, 700.0, 2000.0])
def test_tail_chase_that_cannot_catch_is_inf(w: float) -> None:
    """A target receding at or above the missile's speed is never caught: τ = inf."""
    assert _tau([1000.0, 0.0, 0.0], [w, 0.0, 0.0], 600.0) == math.inf


def test_faster_target_is_met_at_the_first_of_two_crossings() -> None:
    """A head-on target faster than the missile is met at D/(u + w), not D/(w − u)."""
    assert _tau([1000.0, 0.0, 0.0], [-700.0, 0.0, 0.0], 300.0) == pytest.approx(
        1.0, rel=1e-14
    )


def test_faster_crossing_target_out_of_reach_is_inf() -> None:
    """A fast target passing 1 km away is out of a slow missile's reach: τ = inf."""
    # (600² − 100²)τ² − 6e6 τ + 2.6e7 has a negative discriminant.
    assert _tau([-5000.0, 1000.0, 0.0], [600.0, 0.0, 0.0], 100.0) == math.inf


def test_equal_speed_approaching_target_solves_the_linear_equation() -> None:
    """With |v| = u exactly the quadratic is linear: τ = −|q|²/(2 q·v)."""
    # 300-400-500: a = 0 exactly in floating point; q·v = −3e5.
    assert _tau([1000.0, 0.0, 0.0], [-300.0, 400.0, 0.0], 500.0) == pytest.approx(
        1e6 / 6e5, rel=1e-14
    )
    assert _tau([1000.0, 0.0, 0.0], [300.0, 400.0, 0.0], 500.0) == math.inf


def test_target_at_the_launcher_is_intercepted_at_once() -> None:
    """A target at the launcher gives τ = 0."""
    assert _tau([0.0, 0.0, 0.0], [50.0, 0.0, 0.0], 500.0) == 0.0


def test_intercept_time_broadcasts_over_leading_axes() -> None:
    """Inputs q, v of shape (2, 3, 3) and u of shape (3,) give τ of shape (2, 3)."""
    q = np.zeros((2, 3, 3))
    q[..., 0] = 1000.0
    v = np.zeros((2, 3, 3))
    v[1, :, 0] = -100.0
    u = np.array([250.0, 500.0, 1000.0])
    tau = missile.intercept_time_s(q, v, u)
    assert tau.shape == (2, 3)
    np.testing.assert_allclose(tau, [1000.0 / u, 1000.0 / (u + 100.0)], rtol=1e-14)


def test_equal_speed_target_at_any_angle_is_met_at_the_linear_root() -> None:
    """An approaching target at the missile's speed is met at τ = 1/cos θ for all θ."""
    u = 500.0
    theta = np.linspace(0.05, 1.45, 64)
    v = u * np.stack([-np.cos(theta), np.sin(theta), np.zeros_like(theta)], axis=-1)
    q = np.broadcast_to([1000.0, 0.0, 0.0], v.shape)
    tau = missile.intercept_time_s(q, v, u)
    np.testing.assert_allclose(tau, 1.0 / np.cos(theta), rtol=1e-9)


# --- envelope and kill probability ----------------------------------------------------


def test_in_envelope_is_inclusive_of_its_bounds() -> None:
    """Points on the minimum/maximum range and maximum altitude are inside."""
    rng_m = np.array([499.9, 500.0, 5000.0, 10_000.0, 10_000.1, 5000.0, 5000.0])
    alt_m = np.array([100.0, 100.0, 4000.0, 100.0, 100.0, 4000.1, -10.0])
    got = missile.in_envelope(rng_m, alt_m, 500.0, 10_000.0, 4000.0)
    np.testing.assert_array_equal(got, [False, True, True, True, False, False, True])


def test_kill_probability_plateau_linear_falloff_and_zero_beyond() -> None:
    """Pk is flat to f·R_max, falls linearly to Pk_edge at R_max, and is 0 beyond."""
    ranges = np.array([0.0, 2000.0, 5000.0, 6000.0, 7500.0, 9000.0, 10_000.0, 10_000.1])
    got = missile.kill_probability(ranges, 0.8, 10_000.0, 0.4, 0.5)
    expected = [0.8, 0.8, 0.8, 0.72, 0.6, 0.48, 0.4, 0.0]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0.0)


def test_kill_probability_without_falloff_is_flat_to_the_edge() -> None:
    """With Pk_edge = Pk the kill probability is constant out to R_max."""
    got = missile.kill_probability(
        [100.0, 5000.0, 9999.0, 10_000.0], 0.7, 10_000.0, 0.7, 0.3
    )
    np.testing.assert_allclose(got, 0.7, rtol=1e-15)


# --- properties ------------------------------------------------------------------

# Positions on a 1 cm grid and angles on a 1 µrad grid: near-denormal inputs (a
# velocity component of 1e-310 m/s) only exercise float overflow in the unused
# linear branch −c/b, which numpy reports as a RuntimeWarning.
_coord = st.integers(-2_000_000, 2_000_000).map(lambda cm: cm / 100.0)
_height = st.integers(0, 500_000).map(lambda cm: cm / 100.0)


def _angle(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.integers(round(lo * 1e6), round(hi * 1e6)).map(lambda urad: urad / 1e6)


@settings(max_examples=100, deadline=None)
@given(
    q=st.tuples(_coord, _coord, _height),
    heading=_angle(0.0, 2.0 * math.pi),
    climb=_angle(-0.5, 0.5),
    speed_ratio=st.integers(0, 950).map(lambda permille: permille / 1000.0),
    u=st.floats(200.0, 1200.0),
)
def test_intercept_point_is_on_the_missile_sphere_when_missile_is_faster(
    q: tuple[float, float, float],
    heading: float,
    climb: float,
    speed_ratio: float,
    u: float,
) -> None:
    """A faster missile always intercepts, and |q + vτ| = uτ at the returned τ."""
    qa = np.array(q)
    assume(np.linalg.norm(qa) > 1.0)
    w = speed_ratio * u
    v = w * np.array(
        [
            math.cos(climb) * math.cos(heading),
            math.cos(climb) * math.sin(heading),
            math.sin(climb),
        ]
    )
    tau = float(missile.intercept_time_s(qa, v, u))
    assert 0.0 < tau < math.inf
    miss = np.linalg.norm(qa + v * tau)
    assert miss == pytest.approx(u * tau, rel=1e-9)
    # τ is bounded by the tail-chase and head-on cases.
    d = np.linalg.norm(qa)
    assert d / (u + w) * (1 - 1e-12) <= tau <= d / (u - w) * (1 + 1e-12)


@settings(max_examples=100, deadline=None)
@given(
    q=st.tuples(_coord, _coord, _height),
    heading=_angle(0.0, 2.0 * math.pi),
    speed_ratio=st.floats(1.05, 4.0),
    u=st.floats(100.0, 600.0),
)
def test_faster_target_intercept_is_the_first_solution_or_inf(
    q: tuple[float, float, float], heading: float, speed_ratio: float, u: float
) -> None:
    """Against a faster target τ is the first time the missile can be there, or inf."""
    qa = np.array(q)
    assume(np.linalg.norm(qa) > 1.0)
    v = speed_ratio * u * np.array([math.cos(heading), math.sin(heading), 0.0])
    tau = float(missile.intercept_time_s(qa, v, u))
    # gap(t) = |q + v t| − u t: the missile can be at the target's point iff gap ≤ 0.
    t = np.linspace(0.0, 1.0, 2001)[1:-1]
    if math.isinf(tau):
        horizon = 10.0 * np.linalg.norm(qa) / u
        grid = horizon * t
        gap = np.linalg.norm(qa + grid[:, None] * v, axis=-1) - u * grid
        # Grazing geometries may round a zero discriminant either way.
        assert np.all(gap > -1e-9 * np.linalg.norm(qa))
    else:
        assert np.linalg.norm(qa + v * tau) == pytest.approx(u * tau, rel=1e-7)
        grid = tau * t
        gap = np.linalg.norm(qa + grid[:, None] * v, axis=-1) - u * grid
        assert np.all(gap > -1e-7 * np.linalg.norm(qa))


@settings(max_examples=60, deadline=None)
@given(
    r1=st.floats(0.0, 12_000.0),
    r2=st.floats(0.0, 12_000.0),
    pk=st.floats(0.0, 1.0),
    edge_frac=st.floats(0.0, 1.0),
    falloff=st.floats(0.0, 1.0),
)
def test_kill_probability_never_rises_with_range_and_stays_in_bounds(
    r1: float, r2: float, pk: float, edge_frac: float, falloff: float
) -> None:
    """With Pk_edge ≤ Pk the kill probability is non-increasing and within [0, Pk]."""
    near, far = sorted((r1, r2))
    p = missile.kill_probability(
        np.array([near, far]), pk, 10_000.0, pk * edge_frac, falloff
    )
    assert p[1] <= p[0] + 1e-15
    assert np.all((p >= 0.0) & (p <= pk + 1e-15))
