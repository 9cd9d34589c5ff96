"""Converted polar measurements: the covariance is the linearised one, the noise normal.

The closed form (models/measurement.py): z = sensor + r_m (cos e cos a, cos e sin a,
sin e) with r_m, a_m, e_m the true values plus independent Gaussian errors, and
R = J diag(σ_r², σ_a², σ_e²) Jᵀ + 0.01 m² I. For small angle errors the sample
covariance of many measurements must match R, and the normalised errors must be
chi-square with 3 degrees of freedom.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from skyscreen.engine.rng import stream_key, uniform, uniform_pair
from skyscreen.models import measurement as mm


def _measure(d: np.ndarray, sr: float, sa: float, se: float, n: int, seed: int):
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n, 3))
    z = np.empty((n, 3))
    R = np.empty((n, 3, 3))
    for i in range(n):
        mm.polar_measurement(*d, sr, sa, se, *noise[i], z[i], R[i])
    return z, R


@pytest.mark.parametrize(
    ("d", "sr", "sa", "se"),
    [
        (np.array([3000.0, 4000.0, 200.0]), 10.0, 5e-3, 10e-3),
        (np.array([-800.0, 150.0, 60.0]), 2.0, 1e-3, 1e-3),  # a camera's numbers
        (np.array([0.0, 12000.0, 1500.0]), 30.0, 0.0, 0.0),  # range noise only
    ],
)
def test_sample_covariance_matches_the_converted_covariance(
    d: np.ndarray, sr: float, sa: float, se: float
) -> None:
    n = 20000
    z, R = _measure(d, sr, sa, se, n, seed=1)
    err = z - d
    # mean: the conversion bias r σ² is far below the noise, and below 4 standard
    # errors of the sample mean
    sem = np.sqrt(np.diag(R.mean(axis=0)) / n)
    assert np.all(np.abs(err.mean(axis=0)) < 4 * sem + 1e-9)
    # covariance: each entry within 5% of the largest variance
    S = np.cov(err.T)
    Rm = R.mean(axis=0)
    assert np.allclose(S, Rm, atol=0.05 * np.max(np.diag(Rm)))
    if min(sr, sa, se) == 0.0:
        return  # a degenerate noise: no NEES
    # NEES: mean of e' R⁻¹ e is 3, inside its 99.9% band for n draws (the floor,
    # which no noise draws, taken out)
    Rn = R - mm.FLOOR_M2 * np.eye(3)
    nees = np.einsum("ni,nij,nj->n", err, np.linalg.inv(Rn), err)
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], 3 * n) / n
    assert lo < nees.mean() < hi


def test_floor_keeps_a_noiseless_measurement_positive_definite() -> None:
    z, R = _measure(np.array([100.0, 0.0, 0.0]), 0.0, 0.0, 0.0, 1, seed=0)
    assert np.allclose(z[0], [100.0, 0.0, 0.0])
    assert np.allclose(R[0], mm.FLOOR_M2 * np.eye(3))
    assert np.all(np.linalg.eigvalsh(R[0]) > 0)


def test_box_muller_gives_independent_standard_normals() -> None:
    key = stream_key(3, 11, "r")
    u = np.array([uniform_pair(*key, i, 0, 0, 0) for i in range(20000)])
    pairs = np.array([mm.box_muller_pair(a, b) for a, b in u])
    single = np.array([mm.box_muller(a, b) for a, b in u])
    assert np.array_equal(single, pairs[:, 0])  # the pair's first is box_muller
    for col in (0, 1):
        assert stats.kstest(pairs[:, col], "norm").pvalue > 0.001
    assert abs(np.corrcoef(pairs.T)[0, 1]) < 4 / np.sqrt(len(pairs))


def test_uniform_pair_first_is_uniform() -> None:
    """The pair's first uniform is the stream's uniform at the same counter."""
    key = stream_key(7, 11, "radar-1")
    for c in [(0, 0, 0, 0), (5, 123, 9, 77), (2**31, 1, 2, 3)]:
        a, b = uniform_pair(*key, *c)
        assert a == uniform(*key, *c)
        assert 0.0 <= b < 1.0
        assert b != a
