"""Motion models and the Kalman / IMM steps of the tracker (numba kernels).

The state of a track in ``d`` spatial dimensions (2 or 3) is
``x = (p_0 .. p_{d-1}, v_0 .. v_{d-1})`` with ``n = 2d`` components; a measurement is
a position ``z = H x + w`` with ``H = [I_d 0]`` and ``w ~ N(0, R)``.

Motion models (MODELS.md, "Tracking"):

* **Nearly constant velocity (CV)**, per axis the discretised continuous white-noise
  acceleration model with power spectral density ``q`` (m²/s³) (Bar-Shalom, Li &
  Kirubarajan 2001, §6.2.2)::

      F = [[1, T], [0, 1]]      Q = q [[T³/3, T²/2], [T²/2, T]]

* **Coordinated turn at a known rate ω** (rad/s) in the horizontal plane (axes 0 and
  1; any third axis stays CV), the linear model of the same book (§11.7.1)::

      p' = p + [[sin ωT/ω, -(1-cos ωT)/ω], [(1-cos ωT)/ω, sin ωT/ω]] v
      v' = [[cos ωT, -sin ωT], [sin ωT, cos ωT]] v

  with the CV model's Q per axis. An IMM of CV and CT(+ω), CT(−ω) covers both turn
  directions while every model stays linear, so each is a plain Kalman filter.

* **IMM** (Blom & Bar-Shalom 1988): mixing with the Markov transition matrix ``Π``,
  model-matched prediction and update, model probabilities ``μ_j ∝ Λ_j c_j`` and the
  moment-matched combination.

All kernels work on caller-owned arrays and allocate nothing per call except where
noted; they are called from the tracker's scan loop (:mod:`skyscreen.tracking.tracker`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray, IntArray

__all__ = [
    "CT",
    "CV",
    "cv_predict",
    "gaussian_nll",
    "imm_combine",
    "imm_mix",
    "kf_predict",
    "kf_update",
    "kf_update1",
    "transition",
    "workspace",
]

CV = 0
CT = 1


@njit(cache=True)
def transition(
    kind: int, omega: float, q: float, dt: float, d: int, F: FloatArray, Q: FloatArray
) -> None:
    """Fill ``F`` and ``Q`` (n, n) for one model over a time step ``dt`` (s)."""
    n = 2 * d
    for i in range(n):
        for j in range(n):
            F[i, j] = 0.0
            Q[i, j] = 0.0
        F[i, i] = 1.0
    for a in range(d):
        F[a, d + a] = dt
        Q[a, a] = q * dt**3 / 3.0
        Q[a, d + a] = q * dt**2 / 2.0
        Q[d + a, a] = q * dt**2 / 2.0
        Q[d + a, d + a] = q * dt
    if kind == CT and omega != 0.0 and d >= 2:
        wt = omega * dt
        s = math.sin(wt)
        c = math.cos(wt)
        F[0, d + 0] = s / omega
        F[0, d + 1] = -(1.0 - c) / omega
        F[1, d + 0] = (1.0 - c) / omega
        F[1, d + 1] = s / omega
        F[d + 0, d + 0] = c
        F[d + 0, d + 1] = -s
        F[d + 1, d + 0] = s
        F[d + 1, d + 1] = c


@njit(cache=True)
def kf_predict(
    x: FloatArray, P: FloatArray, F: FloatArray, Q: FloatArray, work: FloatArray
) -> None:
    """In place: ``x <- F x``, ``P <- F P Fᵀ + Q``; ``work`` is (n + 1, n) scratch."""
    n = x.shape[0]
    for i in range(n):
        s = 0.0
        for k in range(n):
            s += F[i, k] * x[k]
        work[n, i] = s
    for i in range(n):
        x[i] = work[n, i]
    # work[:n] = F P
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(n):
                s += F[i, k] * P[k, j]
            work[i, j] = s
    for i in range(n):
        for j in range(i, n):
            s = Q[i, j]
            for k in range(n):
                s += work[i, k] * F[j, k]
            P[i, j] = s
            P[j, i] = s


@njit(cache=True)
def cv_predict(x: FloatArray, P: FloatArray, dt: float, q: float, d: int) -> None:
    """In place CV prediction: :func:`kf_predict` with the CV model's F and Q.

    Uses the block form ``F = [[I, T I], [0, I]]`` — O(n²) instead of O(n³)::

        P_pp ← P_pp + T (P_pv + P_vp) + T² P_vv + Q_pp
        P_pv ← P_pv + T P_vv + Q_pv,   P_vv ← P_vv + Q_vv
    """
    n = 2 * d
    for a in range(d):
        x[a] += dt * x[d + a]
    # rows/cols: p block then v block; update pp using the old pv, vp, vv
    for i in range(d):
        for j in range(d):
            P[i, j] += dt * (P[i, d + j] + P[d + i, j]) + dt * dt * P[d + i, d + j]
    for i in range(d):
        for j in range(d):
            P[i, d + j] += dt * P[d + i, d + j]
            P[d + j, i] = P[i, d + j]
    q3 = q * dt**3 / 3.0
    q2 = q * dt**2 / 2.0
    q1 = q * dt
    for a in range(d):
        P[a, a] += q3
        P[a, d + a] += q2
        P[d + a, a] += q2
        P[d + a, d + a] += q1
    # keep exactly symmetric
    for i in range(n):
        for j in range(i + 1, n):
            v = 0.5 * (P[i, j] + P[j, i])
            P[i, j] = v
            P[j, i] = v


@njit(cache=True)
def _s_inverse(P: FloatArray, R: FloatArray, d: int, Si: FloatArray) -> float:
    """``S⁻¹`` of ``S = H P Hᵀ + R`` (d ≤ 3) by cofactors into ``Si``; returns det S.

    Returns 0 (``Si`` undefined) when S is not positive definite.
    """
    s00 = P[0, 0] + R[0, 0]
    s01 = P[0, 1] + R[0, 1]
    s11 = P[1, 1] + R[1, 1]
    if d == 3:
        s02 = P[0, 2] + R[0, 2]
        s12 = P[1, 2] + R[1, 2]
        s22 = P[2, 2] + R[2, 2]
        c00 = s11 * s22 - s12 * s12
        c01 = s02 * s12 - s01 * s22
        c02 = s01 * s12 - s02 * s11
        det = s00 * c00 + s01 * c01 + s02 * c02
        if not (det > 0.0 and s00 > 0.0 and s00 * s11 - s01 * s01 > 0.0):
            return 0.0
        inv = 1.0 / det
        Si[0, 0] = c00 * inv
        Si[0, 1] = Si[1, 0] = c01 * inv
        Si[0, 2] = Si[2, 0] = c02 * inv
        Si[1, 1] = (s00 * s22 - s02 * s02) * inv
        Si[1, 2] = Si[2, 1] = (s02 * s01 - s00 * s12) * inv
        Si[2, 2] = (s00 * s11 - s01 * s01) * inv
        return float(det)
    det = s00 * s11 - s01 * s01
    if not (det > 0.0 and s00 > 0.0):
        return 0.0
    inv = 1.0 / det
    Si[0, 0] = s11 * inv
    Si[0, 1] = Si[1, 0] = -s01 * inv
    Si[1, 1] = s00 * inv
    return float(det)


@njit(cache=True)
def gaussian_nll(
    x: FloatArray, P: FloatArray, z: FloatArray, R: FloatArray, d: int, W: FloatArray
) -> tuple[float, float]:
    """Squared Mahalanobis distance of ``z`` from ``H x`` and ``log det S``.

    ``S = H P Hᵀ + R``, inverted by cofactors (d ≤ 3). Returns ``(d², log det S)``;
    ``(inf, nan)`` when S is not positive definite. ``W``: scratch (≥ 3, 6, 6)
    (:func:`workspace`).
    """
    Si = W[2]
    det = _s_inverse(P, R, d, Si)
    if det == 0.0:
        return math.inf, math.nan
    q = 0.0
    for i in range(d):
        ni = z[i] - x[i]
        for j in range(d):
            q += ni * Si[i, j] * (z[j] - x[j])
    return q, math.log(det)


@njit(cache=True)
def kf_update(
    x: FloatArray,
    P: FloatArray,
    z: FloatArray,
    R: FloatArray,
    d: int,
    beta: FloatArray,
    zs: FloatArray,
    n_z: int,
    W: FloatArray,
) -> tuple[float, float]:
    """Kalman (or PDA) update in place with position measurements.

    With ``n_z = 1`` and ``beta = [0, 1]`` this is the Kalman update with ``zs[0]``.
    In general the PDA update (Bar-Shalom & Fortmann 1988) with association
    probabilities ``beta[0]`` (no measurement) and ``beta[1 + j]`` for ``zs[j]``::

        ν = Σ β_j ν_j,  x ← x + K ν,
        P ← P − (1 − β₀) K S Kᵀ + K (Σ β_j ν_j ν_jᵀ − ν νᵀ) Kᵀ

    All measurements share ``R`` (d, d). Returns ``(d², log det S)`` of the
    first measurement, for the IMM model likelihood. ``W``: scratch (8, 6, 6).
    """
    n = x.shape[0]
    S = W[0]
    Si = W[2]
    K = W[3]
    KS = W[4]
    spread = W[5]
    nu = W[6, 0]
    nm = W[6, 1]
    det = _s_inverse(P, R, d, Si)
    if det == 0.0:
        return math.inf, math.nan
    logdet = math.log(det)
    for i in range(d):
        for j in range(d):
            S[i, j] = P[i, j] + R[i, j]
    # K = P Hᵀ S⁻¹ (n, d)
    for i in range(n):
        for j in range(d):
            s = 0.0
            for k in range(d):
                s += P[i, k] * Si[k, j]
            K[i, j] = s
    for i in range(d):
        nu[i] = 0.0
        for j in range(d):
            spread[i, j] = 0.0
    m2_first = 0.0
    for m in range(n_z):
        b = beta[1 + m]
        for i in range(d):
            nm[i] = zs[m, i] - x[i]
        if m == 0:
            for i in range(d):
                for j in range(d):
                    m2_first += nm[i] * Si[i, j] * nm[j]
        if b == 0.0:
            continue
        for i in range(d):
            nu[i] += b * nm[i]
            for j in range(d):
                spread[i, j] += b * nm[i] * nm[j]
    b0 = beta[0]
    for i in range(d):
        for j in range(d):
            spread[i, j] -= nu[i] * nu[j]
    for i in range(n):
        s = 0.0
        for k in range(d):
            s += K[i, k] * nu[k]
        x[i] += s
    # P ← P − (1 − β₀) K S Kᵀ + K spread Kᵀ
    for i in range(n):
        for j in range(d):
            s = 0.0
            for k in range(d):
                s += K[i, k] * ((1.0 - b0) * S[k, j] - spread[k, j])
            KS[i, j] = s
    for i in range(n):
        for j in range(i, n):
            s = 0.0
            for k in range(d):
                s += KS[i, k] * K[j, k]
            v = P[i, j] - s
            P[i, j] = v
            P[j, i] = v
    return m2_first, logdet


@njit(cache=True)
def kf_update1(
    x: FloatArray, P: FloatArray, z: FloatArray, R: FloatArray, d: int, W: FloatArray
) -> bool:
    """In place Kalman update with one position measurement.

    :func:`kf_update`'s fast path for ``β = (0, 1)``: ``K = P Hᵀ S⁻¹``,
    ``x ← x + K ν``, ``P ← P − K H P``, with ``S⁻¹`` by cofactors (d ≤ 3). Returns
    False (nothing changed) when S is not positive definite.
    """
    n = x.shape[0]
    Si = W[2]
    K = W[3]
    HP = W[4]
    if _s_inverse(P, R, d, Si) == 0.0:
        return False
    for k in range(d):
        for j in range(n):
            HP[k, j] = P[k, j]
    for i in range(n):
        for j in range(d):
            acc = 0.0
            for k in range(d):
                acc += P[i, k] * Si[k, j]
            K[i, j] = acc
    nu0 = z[0] - x[0]
    nu1 = z[1] - x[1]
    nu2 = z[2] - x[2] if d == 3 else 0.0
    for i in range(n):
        acc = K[i, 0] * nu0 + K[i, 1] * nu1
        if d == 3:
            acc += K[i, 2] * nu2
        x[i] += acc
    for i in range(n):
        for j in range(i, n):
            acc = 0.0
            for k in range(d):
                acc += K[i, k] * HP[k, j]
            v = P[i, j] - acc
            P[i, j] = v
            P[j, i] = v
    return True


@njit(cache=True)
def imm_mix(
    x: FloatArray, P: FloatArray, mu: FloatArray, tpm: FloatArray, c: FloatArray
) -> None:
    """IMM mixing in place: model states (M, n), covariances (M, n, n), ``μ`` (M).

    Writes the predicted model probabilities ``c_j = Σ_i Π_ij μ_i`` into ``c`` and
    replaces each model's state by its mixed initial condition.
    """
    m_ = x.shape[0]
    n = x.shape[1]
    w = np.empty((m_, m_))
    for j in range(m_):
        s = 0.0
        for i in range(m_):
            s += tpm[i, j] * mu[i]
        c[j] = s
        for i in range(m_):
            w[i, j] = tpm[i, j] * mu[i] / s if s > 0.0 else (1.0 if i == j else 0.0)
    x0 = np.zeros((m_, n))
    P0 = np.zeros((m_, n, n))
    for j in range(m_):
        for i in range(m_):
            for a in range(n):
                x0[j, a] += w[i, j] * x[i, a]
        for i in range(m_):
            for a in range(n):
                da = x[i, a] - x0[j, a]
                for b in range(n):
                    P0[j, a, b] += w[i, j] * (P[i, a, b] + da * (x[i, b] - x0[j, b]))
    for j in range(m_):
        for a in range(n):
            x[j, a] = x0[j, a]
            for b in range(n):
                P[j, a, b] = P0[j, a, b]


@njit(cache=True)
def imm_combine(
    x: FloatArray, P: FloatArray, mu: FloatArray, xc: FloatArray, Pc: FloatArray
) -> None:
    """Moment-matched combination of the model states into ``xc`` (n), ``Pc`` (n, n)."""
    m_ = x.shape[0]
    n = x.shape[1]
    for a in range(n):
        s = 0.0
        for j in range(m_):
            s += mu[j] * x[j, a]
        xc[a] = s
    for a in range(n):
        for b in range(n):
            s = 0.0
            for j in range(m_):
                s += mu[j] * (P[j, a, b] + (x[j, a] - xc[a]) * (x[j, b] - xc[b]))
            Pc[a, b] = s


def workspace() -> FloatArray:
    """Scratch for :func:`gaussian_nll` and :func:`kf_update`: (8, 6, 6)."""
    return np.zeros((8, 6, 6))


def model_arrays(
    models: tuple[tuple[int, float], ...],
) -> tuple[IntArray, FloatArray]:
    """Kinds and turn rates of a tuple of ``(kind, omega_rad_s)`` models."""
    kind = np.array([m[0] for m in models], dtype=np.int64)
    omega = np.array([m[1] for m in models], dtype=np.float64)
    return kind, omega
