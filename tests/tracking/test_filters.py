"""Kalman / IMM kernels against closed-form values (skyscreen.tracking.filters)."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pytest

from skyscreen.tracking import filters
from skyscreen.tracking.filters import (
    CT,
    CV,
    imm_combine,
    imm_mix,
    kf_predict,
    transition,
)


def _with_scratch(kernel: Any, *args: Any) -> Any:
    """Call a kernel, adding the scratch workspace when it takes one."""
    n_params = len(inspect.signature(kernel.py_func).parameters)
    if n_params > len(args):
        args = (*args, filters.workspace())
    return kernel(*args)


def gaussian_nll(*args: Any) -> Any:
    return _with_scratch(filters.gaussian_nll, *args)


def kf_update(*args: Any) -> Any:
    return _with_scratch(filters.kf_update, *args)


def _fq(kind: int, omega: float, q: float, dt: float, d: int) -> tuple[Any, ...]:
    F = np.empty((2 * d, 2 * d))
    Q = np.empty((2 * d, 2 * d))
    transition(kind, omega, q, dt, d, F, Q)
    return F, Q


def _predict(
    x: np.ndarray, P: np.ndarray, F: np.ndarray, Q: np.ndarray
) -> tuple[Any, ...]:
    x, P = x.copy(), P.copy()
    kf_predict(x, P, F, Q, np.empty((len(x) + 1, len(x))))
    return x, P


def _update(
    x: np.ndarray, P: np.ndarray, zs: np.ndarray, R: np.ndarray, beta: np.ndarray
) -> tuple[Any, ...]:
    x, P = x.copy(), P.copy()
    zs = np.ascontiguousarray(zs, dtype=float)
    d = zs.shape[1]
    out = kf_update(x, P, zs[0], R, d, beta, zs, len(zs))
    return x, P, out


def _random_spd(rng: np.random.Generator, n: int, scale: float = 1.0) -> np.ndarray:
    a = rng.standard_normal((n, n)) * scale
    return a @ a.T + n * scale**2 * np.eye(n)


# --- transition ----------------------------------------------------------------------


@pytest.mark.parametrize("d", [2, 3])
def test_cv_transition_is_the_white_noise_acceleration_model(d: int) -> None:
    T, q = 2.0, 0.5
    F, Q = _fq(CV, 0.0, q, T, d)
    f1 = np.array([[1.0, T], [0.0, 1.0]])
    q1 = q * np.array([[T**3 / 3, T**2 / 2], [T**2 / 2, T]])
    for a in range(d):
        idx = np.ix_([a, d + a], [a, d + a])
        np.testing.assert_array_equal(F[idx], f1)
        np.testing.assert_allclose(Q[idx], q1, rtol=1e-15)
    # nothing couples different axes
    mask = np.zeros((2 * d, 2 * d), dtype=bool)
    for a in range(d):
        mask[np.ix_([a, d + a], [a, d + a])] = True
    assert not F[~mask].any()
    assert not Q[~mask].any()
    # known numbers: q T³/3 = 4/3, q T²/2 = 1, q T = 1
    assert Q[0, 0] == pytest.approx(4.0 / 3.0)
    assert Q[0, d] == 1.0
    assert Q[d, d] == 1.0


@pytest.mark.parametrize("d", [2, 3])
def test_ct_at_small_rate_equals_cv(d: int) -> None:
    T, q = 1.5, 0.3
    Fcv, Qcv = _fq(CV, 0.0, q, T, d)
    for omega in (1e-7, -1e-7):
        Fct, Qct = _fq(CT, omega, q, T, d)
        np.testing.assert_allclose(Fct, Fcv, atol=1e-6)
        np.testing.assert_array_equal(Qct, Qcv)
    # ω = 0 exactly falls back to CV
    np.testing.assert_array_equal(_fq(CT, 0.0, q, T, d)[0], Fcv)


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("omega", [0.1, -0.25, math.radians(10.0)])
def test_ct_rotates_velocity_by_omega_t(d: int, omega: float) -> None:
    T = 3.0
    F, _ = _fq(CT, omega, 1.0, T, d)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(2 * d) * 50.0
    y = F @ x
    a = omega * T
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    np.testing.assert_allclose(y[d : d + 2], rot @ x[d : d + 2], rtol=0, atol=1e-12)
    # speed kept exactly, position = integral of the rotating velocity
    assert np.hypot(*y[d : d + 2]) == pytest.approx(np.hypot(*x[d : d + 2]), 1e-14)
    integ = (
        np.array([[math.sin(a), -(1 - math.cos(a))], [1 - math.cos(a), math.sin(a)]])
        / omega
    )
    np.testing.assert_allclose(y[:2], x[:2] + integ @ x[d : d + 2], atol=1e-12)
    if d == 3:  # the vertical axis stays constant velocity
        assert y[2] == x[2] + T * x[5]
        assert y[5] == x[5]


def test_ct_quarter_turn_known_numbers() -> None:
    # ω T = π/2 from velocity (V, 0): displacement (V/ω, V/ω), velocity (0, V)
    T, V = 2.0, 30.0
    w = math.pi / 2 / T
    F, _ = _fq(CT, w, 1.0, T, 2)
    y = F @ np.array([0.0, 0.0, V, 0.0])
    np.testing.assert_allclose(y, [V / w, V / w, 0.0, V], atol=1e-12)


# --- predict / update ---------------------------------------------------------------


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize(("kind", "omega"), [(CV, 0.0), (CT, 0.2)])
def test_predict_is_f_p_ft_plus_q(d: int, kind: int, omega: float) -> None:
    rng = np.random.default_rng(11 + d)
    n = 2 * d
    x = rng.standard_normal(n) * 100
    P = _random_spd(rng, n, 5.0)
    F, Q = _fq(kind, omega, 0.7, 1.3, d)
    x1, P1 = _predict(x, P, F, Q)
    np.testing.assert_allclose(x1, F @ x, rtol=1e-13, atol=1e-10)
    np.testing.assert_allclose(P1, F @ P @ F.T + Q, rtol=1e-13, atol=1e-10)
    assert np.array_equal(P1, P1.T)


def test_predict_known_numbers_one_axis_pair() -> None:
    # P = diag(100, 100, 4, 4), T = 1, q = 1: P' = [[100+4+1/3, 4+1/2], [4.5, 5]]
    P = np.diag([100.0, 100.0, 4.0, 4.0])
    F, Q = _fq(CV, 0.0, 1.0, 1.0, 2)
    _, P1 = _predict(np.zeros(4), P, F, Q)
    for a in range(2):
        assert P1[a, a] == pytest.approx(104.0 + 1.0 / 3.0, rel=1e-15)
        assert P1[a, 2 + a] == pytest.approx(4.5, rel=1e-15)
        assert P1[2 + a, 2 + a] == pytest.approx(5.0, rel=1e-15)
    assert P1[0, 1] == 0.0
    assert P1[0, 3] == 0.0


def test_update_known_numbers_diagonal_p() -> None:
    # P = diag(300, 100, 9, 9), R = 100 I: gains 3/4 and 1/2 on position, 0 velocity
    x = np.array([0.0, 0.0, 5.0, -5.0])
    P = np.diag([300.0, 100.0, 9.0, 9.0])
    R = 100.0 * np.eye(2)
    z = np.array([[40.0, -20.0]])
    x1, P1, (m2, logdet) = _update(x, P, z, R, np.array([0.0, 1.0]))
    np.testing.assert_allclose(x1, [30.0, -10.0, 5.0, -5.0], rtol=1e-15)
    np.testing.assert_allclose(
        P1, np.diag([75.0, 50.0, 9.0, 9.0]), rtol=1e-14, atol=1e-12
    )
    assert m2 == pytest.approx(40.0**2 / 400.0 + 20.0**2 / 200.0, rel=1e-14)
    assert logdet == pytest.approx(math.log(400.0 * 200.0), rel=1e-14)


@pytest.mark.parametrize("d", [2, 3])
def test_update_equals_the_kalman_formula(d: int) -> None:
    rng = np.random.default_rng(5 + d)
    n = 2 * d
    H = np.hstack([np.eye(d), np.zeros((d, d))])
    for _ in range(5):
        x = rng.standard_normal(n) * 10
        P = _random_spd(rng, n, 3.0)
        R = _random_spd(rng, d, 2.0)
        z = rng.standard_normal((1, d)) * 10
        x1, P1, (m2, logdet) = _update(x, P, z, R, np.array([0.0, 1.0]))
        S = H @ P @ H.T + R
        K = P @ H.T @ np.linalg.inv(S)
        nu = z[0] - H @ x
        np.testing.assert_allclose(x1, x + K @ nu, rtol=1e-11, atol=1e-11)
        np.testing.assert_allclose(P1, P - K @ S @ K.T, rtol=1e-11, atol=1e-10)
        # Joseph form gives the same
        IKH = np.eye(n) - K @ H
        np.testing.assert_allclose(
            P1, IKH @ P @ IKH.T + K @ R @ K.T, rtol=1e-10, atol=1e-10
        )
        assert m2 == pytest.approx(nu @ np.linalg.solve(S, nu), rel=1e-11)
        assert logdet == pytest.approx(np.linalg.slogdet(S)[1], rel=1e-12)
        nll = gaussian_nll(x, P, z[0], R, d)
        assert nll[0] == pytest.approx(m2, rel=1e-12)
        assert nll[1] == pytest.approx(logdet, rel=1e-12)


@pytest.mark.parametrize("d", [2, 3])
def test_pda_update_limits(d: int) -> None:
    rng = np.random.default_rng(21)
    n = 2 * d
    x = rng.standard_normal(n) * 10
    P = _random_spd(rng, n, 3.0)
    R = 25.0 * np.eye(d)
    z1 = rng.standard_normal((1, d)) * 10
    # beta = [0, 1] is the Kalman update
    H = np.hstack([np.eye(d), np.zeros((d, d))])
    S = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S)
    xk, Pk, _ = _update(x, P, z1, R, np.array([0.0, 1.0]))
    np.testing.assert_allclose(xk, x + K @ (z1[0] - H @ x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Pk, P - K @ S @ K.T, rtol=1e-12, atol=1e-11)
    # beta = [1, 0]: nothing changes, bit for bit
    x0, P0, _ = _update(x, P, z1, R, np.array([1.0, 0.0]))
    np.testing.assert_array_equal(x0, x)
    np.testing.assert_array_equal(P0, P)
    # two measurements, all weight on the second: the Kalman update with it
    z2 = rng.standard_normal((2, d)) * 10
    x2, P2, _ = _update(x, P, z2, R, np.array([0.0, 0.0, 1.0]))
    xk2, Pk2, _ = _update(x, P, z2[1:], R, np.array([0.0, 1.0]))
    np.testing.assert_allclose(x2, xk2, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(P2, Pk2, rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("d", [2, 3])
def test_pda_update_equals_the_textbook_formula(d: int) -> None:
    rng = np.random.default_rng(31 + d)
    n = 2 * d
    H = np.hstack([np.eye(d), np.zeros((d, d))])
    x = rng.standard_normal(n) * 10
    P = _random_spd(rng, n, 3.0)
    R = _random_spd(rng, d, 2.0)
    zs = rng.standard_normal((3, d)) * 10
    beta = np.array([0.2, 0.5, 0.1, 0.2])
    x1, P1, _ = _update(x, P, zs, R, beta)
    S = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S)
    nus = zs - H @ x
    nu = beta[1:] @ nus
    spread = sum(
        b * np.outer(v, v) for b, v in zip(beta[1:], nus, strict=True)
    ) - np.outer(nu, nu)
    np.testing.assert_allclose(x1, x + K @ nu, rtol=1e-11, atol=1e-11)
    P_ref = P - (1 - beta[0]) * K @ S @ K.T + K @ spread @ K.T
    np.testing.assert_allclose(P1, P_ref, rtol=1e-11, atol=1e-10)
    assert np.all(np.linalg.eigvalsh(P1) > 0)


def test_update_with_singular_innovation_covariance_changes_nothing() -> None:
    x = np.arange(4.0)
    P = np.zeros((4, 4))
    m2, ld = _update(
        x, P, np.array([[1.0, 1.0]]), np.zeros((2, 2)), np.array([0, 1.0])
    )[2]
    assert math.isinf(m2)
    assert math.isnan(ld)
    assert gaussian_nll(x, P, np.ones(2), np.zeros((2, 2)), 2)[0] == math.inf


# --- IMM ------------------------------------------------------------------------------


def test_imm_mix_and_combine_against_the_formulas() -> None:
    rng = np.random.default_rng(8)
    m_, n = 3, 4
    x = rng.standard_normal((m_, n)) * 10
    P = np.stack([_random_spd(rng, n, 2.0) for _ in range(m_)])
    mu = np.array([0.6, 0.3, 0.1])
    tpm = np.full((3, 3), 0.025)
    np.fill_diagonal(tpm, 0.95)
    # combine
    xc, Pc = np.empty(n), np.empty((n, n))
    imm_combine(x, P, mu, xc, Pc)
    xr = mu @ x
    Pr = sum(mu[j] * (P[j] + np.outer(x[j] - xr, x[j] - xr)) for j in range(m_))
    np.testing.assert_allclose(xc, xr, rtol=1e-13)
    np.testing.assert_allclose(Pc, Pr, rtol=1e-12)
    # mix
    c = np.empty(m_)
    xm, Pm = x.copy(), P.copy()
    imm_mix(xm, Pm, mu, tpm, c)
    c_ref = tpm.T @ mu
    np.testing.assert_allclose(c, c_ref, rtol=1e-14)
    w = tpm * mu[:, None] / c_ref[None, :]
    for j in range(m_):
        x0 = w[:, j] @ x
        P0 = sum(w[i, j] * (P[i] + np.outer(x[i] - x0, x[i] - x0)) for i in range(m_))
        np.testing.assert_allclose(xm[j], x0, rtol=1e-12)
        np.testing.assert_allclose(Pm[j], P0, rtol=1e-12)
    # the mixed mixture has the same overall moments
    xc2, Pc2 = np.empty(n), np.empty((n, n))
    imm_combine(xm, Pm, c, xc2, Pc2)
    np.testing.assert_allclose(xc2, xc, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Pc2, Pc, rtol=1e-12, atol=1e-12)
