"""Drone kinematics helpers against their closed forms (MODELS.md, Threats)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyscreen.models import kinematics


def test_standard_gravity() -> None:
    """Gravity g is the standard 9.80665 m/s²."""
    assert kinematics.G_MPS2 == 9.80665


def test_turn_radius_is_v_squared_over_g_tan_bank() -> None:
    """Turn radius is v²/(g tan φ): 50 m/s at 30° bank turns on 441.55 m."""
    v = np.array([50.0, 20.0, 45.0])
    bank = np.deg2rad([30.0, 45.0, 60.0])
    np.testing.assert_allclose(
        kinematics.turn_radius_m(v, bank), v**2 / (9.80665 * np.tan(bank)), rtol=1e-15
    )
    assert float(kinematics.turn_radius_m(50.0, math.radians(30.0))) == pytest.approx(
        441.55, abs=0.005
    )
    # At 45° bank tan φ = 1: r = v²/g.
    assert float(kinematics.turn_radius_m(20.0, math.pi / 4)) == pytest.approx(
        400.0 / 9.80665, rel=1e-15
    )


def test_turn_rate_times_radius_is_speed() -> None:
    """ω = g tan φ / v, so ω·r = v and a full circle takes 2πv/(g tan φ)."""
    v, bank = 40.0, math.radians(25.0)
    omega = float(kinematics.max_turn_rate_rad_s(v, bank))
    assert omega == pytest.approx(9.80665 * math.tan(bank) / v, rel=1e-15)
    assert omega * float(kinematics.turn_radius_m(v, bank)) == pytest.approx(
        v, rel=1e-14
    )


def test_turn_rate_of_a_hovering_drone_is_finite() -> None:
    """At zero speed the turn rate is finite (the speed floors at 1e-9 m/s)."""
    assert np.isfinite(kinematics.max_turn_rate_rad_s(0.0, math.radians(30.0)))


@pytest.mark.parametrize(
    ("angle", "expected"),
    [
        (0.0, 0.0),
        (math.pi, -math.pi),
        (-math.pi, -math.pi),
        (3 * math.pi, -math.pi),
        (2 * math.pi, 0.0),
        (1.5 * math.pi, -0.5 * math.pi),
        (-1.5 * math.pi, 0.5 * math.pi),
        (7.0, 7.0 - 2 * math.pi),
    ],
)
def test_wrap_angle_maps_to_minus_pi_inclusive_pi_exclusive(
    angle: float, expected: float
) -> None:
    """Angles wrap into [−π, π): +π and −π both map to −π."""
    assert float(kinematics.wrap_angle(angle)) == pytest.approx(expected, abs=1e-12)


def test_steer_heading_is_rate_limited() -> None:
    """A 1 rad heading error at 0.1 rad/s for 2 s turns by 0.2 rad."""
    got = kinematics.steer_heading(
        np.array([0.0, 0.0, 1.0]), np.array([1.0, -0.1, 0.5]), 0.1, 2.0
    )
    np.testing.assert_allclose(got, [0.2, -0.1, 0.8], rtol=1e-12)


def test_steer_heading_turns_the_short_way_across_pi() -> None:
    """From 3.0 rad toward −3.0 rad the short turn is +0.283 rad, through π."""
    got = float(kinematics.steer_heading(3.0, -3.0, 0.05, 1.0))
    assert got == pytest.approx(3.05, abs=1e-12)
    got = float(kinematics.steer_heading(3.0, -3.0, 1.0, 1.0))
    assert got == pytest.approx(-3.0, abs=1e-12)


def test_closest_approach_of_a_crossing_track() -> None:
    """A drone 1 km out, 100 m offset, flying at 50 m/s passes 100 m away after 20 s."""
    d, t = kinematics.closest_approach([-1000.0, 100.0], [50.0, 0.0])
    assert float(d) == pytest.approx(100.0, rel=1e-15)
    assert float(t) == pytest.approx(20.0, rel=1e-15)


def test_closest_approach_of_a_track_through_the_point_is_zero() -> None:
    """A drone flying straight at the point reaches it at |p|/|v|."""
    d, t = kinematics.closest_approach([300.0, -400.0, 1200.0], [-15.0, 20.0, -60.0])
    assert float(d) == pytest.approx(0.0, abs=1e-9)
    assert float(t) == pytest.approx(20.0, rel=1e-14)


def test_closest_approach_of_a_receding_or_stationary_mover_is_now() -> None:
    """Moving away or standing still, the closest point is the current one: t = 0."""
    d, t = kinematics.closest_approach(
        np.array([[300.0, 400.0], [300.0, 400.0]]), np.array([[3.0, 4.0], [0.0, 0.0]])
    )
    np.testing.assert_array_equal(t, [0.0, 0.0])
    np.testing.assert_allclose(d, [500.0, 500.0], rtol=1e-15)


def test_closest_approach_closed_form_batched() -> None:
    """Batched (rep, drone): t = −p·v/|v|², d = |p × v|/|v| for approaching tracks."""
    rng = np.random.default_rng(11)
    p = rng.uniform(-5000.0, 5000.0, (4, 6, 3))
    v = -0.01 * p + rng.uniform(-5.0, 5.0, (4, 6, 3))  # broadly inbound
    d, t = kinematics.closest_approach(p, v)
    assert d.shape == t.shape == (4, 6)
    vv = np.sum(v * v, axis=-1)
    t_exp = np.maximum(-np.sum(p * v, axis=-1) / vv, 0.0)
    inbound = t_exp > 0.0
    assert inbound.any()
    np.testing.assert_allclose(t, t_exp, rtol=1e-12)
    cross = np.linalg.norm(np.cross(p, v), axis=-1) / np.sqrt(vv)
    np.testing.assert_allclose(d[inbound], cross[inbound], rtol=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    p=st.tuples(*[st.floats(-1e4, 1e4)] * 3),
    v=st.tuples(*[st.floats(-100.0, 100.0)] * 3),
)
def test_closest_approach_is_the_minimum_over_future_times(
    p: tuple[float, float, float], v: tuple[float, float, float]
) -> None:
    """d_cpa ≤ |p + v t| for every t ≥ 0, and is attained at t_cpa."""
    pa, va = np.array(p), np.array(v)
    d, t = kinematics.closest_approach(pa, va)
    d, t = float(d), float(t)
    assert t >= 0.0
    assert d <= np.linalg.norm(pa) + 1e-9
    assert d == pytest.approx(np.linalg.norm(pa + va * t), rel=1e-12, abs=1e-9)
    horizon = 2.0 * t + 100.0
    ts = np.linspace(0.0, horizon, 401)
    dist = np.linalg.norm(pa + ts[:, None] * va, axis=-1)
    assert np.all(dist >= d - 1e-7 * (1.0 + np.linalg.norm(pa)))


@settings(max_examples=100, deadline=None)
@given(
    heading=st.floats(-10.0, 10.0),
    desired=st.floats(-10.0, 10.0),
    rate=st.floats(0.0, 1.0),
    dt=st.floats(0.01, 5.0),
)
def test_steer_heading_never_turns_more_than_rate_times_dt(
    heading: float, desired: float, rate: float, dt: float
) -> None:
    """A steering step changes heading by at most rate·dt and lands in [−π, π)."""
    new = float(kinematics.steer_heading(heading, desired, rate, dt))
    assert -math.pi <= new < math.pi
    turned = abs(float(kinematics.wrap_angle(new - heading)))
    assert turned <= rate * dt + 1e-9
