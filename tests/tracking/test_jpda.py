"""JPDA marginals against hand values, brute force and each other.

Exact enumeration against hand values and brute force; belief
propagation against exact enumeration (exact on trees, bounded error on loopy clusters),
and the invariants every marginal matrix must satisfy.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skyscreen.tracking.jpda import _bp_core, _exact_core, jpda_bp, jpda_exact

FloatArray = np.ndarray


# --- references and generators --------------------------------------------------------


def brute_force(w: FloatArray) -> tuple[FloatArray, float]:
    """Marginals and total event weight by listing every column choice per track."""
    n_t, n_c = w.shape
    beta = np.zeros_like(w)
    total = 0.0
    for choice in itertools.product(range(n_c), repeat=n_t):
        taken = [c for c in choice if c > 0]
        if len(taken) != len(set(taken)):
            continue
        p = math.prod(w[i, c] for i, c in enumerate(choice))
        total += p
        for i, c in enumerate(choice):
            beta[i, c] += p
    if total == 0.0:
        return np.full_like(w, np.nan), total
    return beta / total, total


def bp_with_iterations(
    w: FloatArray, max_iter: int = 1000, tol: float = 1e-12
) -> tuple[FloatArray, int]:
    """Call the compiled BP core directly, as the tracker does."""
    n_t, n_c = w.shape
    beta = np.empty_like(w)
    mu = np.empty((n_t, n_c - 1))
    nu = np.empty((n_t, n_c - 1))
    buf = np.empty(max(n_t, n_c - 1) + 1)
    n_iter = _bp_core(w, beta, mu, nu, buf, max_iter, tol)
    return beta, n_iter


def random_forest_mask(
    rng: np.random.Generator, n_t: int, n_m: int, p_join: float = 0.85
) -> FloatArray:
    """Gating mask whose association graph is a forest.

    Nodes (tracks and measurements) are added in random order; each joins, with
    probability ``p_join``, one already-placed node of the other kind, so no cycle can
    form.
    """
    mask = np.zeros((n_t, n_m), dtype=bool)
    order = rng.permutation(n_t + n_m)
    placed = [int(order[0])]
    for v in map(int, order[1:]):
        other = [u for u in placed if (u < n_t) != (v < n_t)]
        if other and rng.random() < p_join:
            u = other[int(rng.integers(len(other)))]
            i, j = (u, v - n_t) if u < n_t else (v, u - n_t)
            mask[i, j] = True
        placed.append(v)
    return mask


def weights(
    rng: np.random.Generator, mask: FloatArray, p_never_missed: float = 0.0
) -> FloatArray:
    """Weights with 1 − Pd·Pg in column 0 and log-normal likelihood ratios where gated.

    With probability ``p_never_missed`` a track gets ``w[i, 0] = 0`` (Pd·Pg = 1).
    """
    n_t, n_m = mask.shape
    w = np.zeros((n_t, n_m + 1))
    w[:, 0] = 1.0 - rng.uniform(0.5, 0.99, n_t) * 0.99
    w[rng.random(n_t) < p_never_missed, 0] = 0.0
    w[:, 1:] = np.where(mask, rng.lognormal(0.0, 1.5, (n_t, n_m)), 0.0)
    return w


def has_cycle(mask: FloatArray) -> bool:
    """Whether the bipartite association graph has a cycle (union-find)."""
    n_t, n_m = mask.shape
    parent = list(range(n_t + n_m))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, j in zip(*np.nonzero(mask), strict=True):
        a, b = root(int(i)), root(n_t + int(j))
        if a == b:
            return True
        parent[a] = b
    return False


@st.composite
def clusters(draw: st.DrawFn, max_t: int = 4, max_m: int = 5) -> FloatArray:
    """Weight matrices with a random gating mask and every missed weight > 0."""
    n_t = draw(st.integers(1, max_t))
    n_m = draw(st.integers(0, max_m))
    vals = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)
    w = draw(hnp.arrays(np.float64, (n_t, n_m + 1), elements=vals))
    mask = draw(hnp.arrays(np.bool_, (n_t, n_m)))
    w[:, 1:][~mask] = 0.0
    return w


# --- (a) exact enumeration: hand values and brute force -------------------------------


def test_exact_one_track() -> None:
    w = np.array([[0.5, 2.0, 0.0, 1.5]])
    np.testing.assert_allclose(jpda_exact(w), [[0.125, 0.5, 0.0, 0.375]], rtol=1e-15)


def test_exact_two_tracks_one_measurement() -> None:
    # Events: both missed 0.2·0.5 = 0.1; track 0 takes it 3·0.5 = 1.5;
    # track 1 takes it 0.2·1 = 0.2; total 1.8.
    w = np.array([[0.2, 3.0], [0.5, 1.0]])
    want = np.array([[0.3 / 1.8, 1.5 / 1.8], [1.6 / 1.8, 0.2 / 1.8]])
    np.testing.assert_allclose(jpda_exact(w), want, rtol=1e-14)


def test_exact_two_by_two() -> None:
    # Events (col of track 0, col of track 1) and weights: (0,0) 1, (0,1) 1, (0,2) 2,
    # (1,0) 2, (1,2) 4, (2,0) 3, (2,1) 3; total 16.
    w = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]])
    want = np.array([[4.0, 6.0, 6.0], [6.0, 4.0, 6.0]]) / 16.0
    np.testing.assert_allclose(jpda_exact(w), want, rtol=1e-14)
    beta = np.empty((2, 3))
    assert math.isclose(_exact_core(w, beta), math.log(16.0), rel_tol=1e-14)


def test_exact_matches_brute_force() -> None:
    rng = np.random.default_rng(20240601)
    for _ in range(300):
        n_t, n_m = int(rng.integers(1, 5)), int(rng.integers(0, 5))
        w = weights(rng, rng.random((n_t, n_m)) < 0.6, p_never_missed=0.3)
        w *= rng.lognormal(0.0, 3.0, (n_t, 1))  # row factors change nothing
        beta = np.empty_like(w)
        log_total = _exact_core(w, beta)
        if not np.any(w[:, 0] == 0.0) or np.isfinite(log_total):
            want, total = brute_force(w)
            np.testing.assert_allclose(beta, want, rtol=1e-12, atol=1e-15)
            assert math.isclose(
                log_total, math.log(total), rel_tol=1e-12, abs_tol=1e-12
            )
        else:
            assert brute_force(w)[1] == 0.0
            assert np.isnan(beta).all()


def test_exact_six_by_ten_is_quick() -> None:
    w = np.random.default_rng(7).uniform(0.1, 1.0, (6, 11))
    beta = jpda_exact(w)  # ~4e5 events, a few ms compiled
    np.testing.assert_allclose(beta.sum(axis=1), 1.0, rtol=1e-13)


def test_exact_rows_scaled_far_out_of_range() -> None:
    # Products of these rows would underflow without the per-row scaling.
    w = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]])
    scaled = w * np.array([[1e-200], [1e-200]])
    np.testing.assert_allclose(jpda_exact(scaled), jpda_exact(w), rtol=1e-14)


def test_exact_when_every_event_underflows() -> None:
    # Three tracks share one measurement; each row's miss weight is ~1e-290 of its
    # measurement's (a clutter density of 1e-300), so every event takes at least
    # two of them and underflows even with the rows scaled: the log-domain
    # enumeration gives the marginals. Event "track i takes it" ∝ 1 / w[i, 0] (all
    # missed ∝ 1), relative to the product of the miss weights.
    w0 = np.array([1.07289855e-288, 2.09969692e-294, 3.69911458e-287])
    w = np.stack([w0, np.ones(3)], axis=1)
    ratio = 1.0 / w0
    total = 1.0 + ratio.sum()
    # track i missed: all missed or another track takes it (no 1 - x: cancellation)
    others = 1.0 + np.array(
        [ratio[1] + ratio[2], ratio[0] + ratio[2], ratio[0] + ratio[1]]
    )
    want = np.stack([others / total, ratio / total], axis=1)
    beta = np.empty_like(w)
    log_total = _exact_core(w, beta)
    np.testing.assert_allclose(beta, want, rtol=1e-12)
    assert math.isclose(log_total, np.log(w0).sum() + math.log(total), rel_tol=1e-13)
    np.testing.assert_allclose(jpda_exact(w), want, rtol=1e-12)
    np.testing.assert_allclose(jpda_bp(w), want, rtol=1e-12)  # a star: BP is exact


# --- (b) belief propagation is exact on trees -----------------------------------------


def test_bp_exact_on_chain() -> None:
    # track0 - meas0 - track1 - meas1 - track2
    w = np.array(
        [
            [0.3, 2.0, 0.0],
            [0.1, 1.5, 4.0],
            [0.6, 0.0, 0.7],
        ]
    )
    np.testing.assert_allclose(jpda_bp(w), jpda_exact(w), atol=1e-12)


def test_bp_exact_on_stars() -> None:
    # Five tracks sharing one measurement; one track with five measurements.
    rng = np.random.default_rng(3)
    shared = np.column_stack([rng.uniform(0.05, 1.0, 5), rng.lognormal(0.0, 1.0, 5)])
    np.testing.assert_allclose(jpda_bp(shared), jpda_exact(shared), atol=1e-12)
    single = np.concatenate([[0.2], rng.lognormal(0.0, 1.0, 5)])[None, :]
    np.testing.assert_allclose(jpda_bp(single), jpda_exact(single), atol=1e-12)
    # A measurement-centred star of tracks each also holding a private measurement.
    w = np.zeros((4, 6))
    w[:, 0] = rng.uniform(0.05, 1.0, 4)
    w[:, 1] = rng.lognormal(0.0, 1.0, 4)
    w[np.arange(4), np.arange(2, 6)] = rng.lognormal(0.0, 1.0, 4)
    np.testing.assert_allclose(jpda_bp(w), jpda_exact(w), atol=1e-12)


def test_bp_exact_on_random_forests() -> None:
    rng = np.random.default_rng(99)
    n_checked = 0
    for _ in range(1000):
        n_t, n_m = int(rng.integers(1, 7)), int(rng.integers(0, 8))
        w = weights(rng, random_forest_mask(rng, n_t, n_m), p_never_missed=0.3)
        want = np.empty_like(w)
        if not np.isfinite(_exact_core(w, want)):
            continue  # a never-missed track with no measurement it can have
        got, n_iter = bp_with_iterations(w)
        assert n_iter > 0
        np.testing.assert_allclose(got, want, atol=1e-9)
        n_checked += 1
    assert n_checked > 500


# --- (c) belief propagation on loopy clusters: bounded error --------------------------


def test_bp_error_distribution_on_random_clusters() -> None:
    """BP against exact on 2000 seeded clusters, most of them loopy.

    2–4 tracks, 1–6 measurements, each pair gated with probability 0.6; column 0 is
    1 − Pd·0.99 with Pd ~ U(0.5, 0.99), gated likelihood ratios log-normal(0, 1.5).
    Measured max |BP − exact| per cluster (seed 12345, 1106 of 2000 clusters loopy):

    ========================  ========  =========  =====
    clusters                  median    95th pct   max
    ========================  ========  =========  =====
    all 2000                  5.2e-4    0.055      0.200
    loopy 1106                0.0125    0.071      0.200
    trees 894                 ≤ 5e-16 (exact up to rounding)
    ========================  ========  =========  =====

    Iterations to tol 1e-12: median 9, 95th percentile 29, max 63 (none hit the
    budget). The bounds below leave headroom over these seeded values.
    """
    rng = np.random.default_rng(12345)
    errors, loopy, iterations = [], [], []
    for _ in range(2000):
        n_t, n_m = int(rng.integers(2, 5)), int(rng.integers(1, 7))
        mask = rng.random((n_t, n_m)) < 0.6
        w = weights(rng, mask)
        exact = jpda_exact(w)
        got, n_iter = bp_with_iterations(w)
        errors.append(np.abs(got - exact).max())
        loopy.append(has_cycle(mask))
        iterations.append(n_iter)
    err = np.array(errors)
    is_loopy = np.array(loopy)
    its = np.array(iterations)
    assert (its > 0).all()
    assert np.percentile(its, 95) < 50
    assert err[~is_loopy].max() < 1e-9
    assert np.median(err) < 2e-3
    assert np.percentile(err, 95) < 0.08
    assert err.max() < 0.3
    assert np.median(err[is_loopy]) < 0.03


def test_bp_core_reports_exhausted_budget() -> None:
    w = np.array([[0.1, 2.0, 1.0], [0.1, 1.0, 3.0]])  # a 4-cycle
    _, n_iter = bp_with_iterations(w, max_iter=2)
    assert n_iter == -2
    _, n_iter = bp_with_iterations(w)
    assert 0 < n_iter < 1000


def test_bp_default_budget_is_reproducible() -> None:
    w = weights(np.random.default_rng(5), np.ones((4, 6), dtype=bool))
    a = jpda_bp(w)
    b = jpda_bp(w.copy())
    assert np.array_equal(a, b)


# --- never-missed tracks (w[i, 0] == 0) -----------------------------------------------


def test_never_missed_track_reserves_its_only_measurement() -> None:
    # Track 0 must take measurement 0, so track 1 is missed or takes measurement 1.
    w = np.array([[0.0, 1.0, 0.0], [0.5, 3.0, 1.0]])
    want = np.array([[0.0, 1.0, 0.0], [0.5 / 1.5, 0.0, 1.0 / 1.5]])
    np.testing.assert_allclose(jpda_exact(w), want, rtol=1e-14)
    np.testing.assert_allclose(jpda_bp(w), want, rtol=1e-14)


def test_infeasible_cluster_raises() -> None:
    # Two never-missed tracks, one measurement.
    w = np.array([[0.0, 1.0], [0.0, 2.0]])
    with pytest.raises(ValueError, match="no feasible joint association event"):
        jpda_exact(w)
    with pytest.raises(ValueError, match="no feasible joint association event"):
        jpda_bp(w)
    with pytest.raises(ValueError, match="no feasible"):
        jpda_exact(np.array([[0.0, 0.0]]))


# --- (d) invariants and (e) the single-track closed form ------------------------------


def _check_marginals(beta: FloatArray, w: FloatArray) -> None:
    assert beta.shape == w.shape
    np.testing.assert_allclose(beta.sum(axis=1), 1.0, rtol=1e-12)
    assert (beta >= 0.0).all()
    assert (beta <= 1.0).all()
    assert (beta[w == 0.0] == 0.0).all()


@settings(max_examples=150, deadline=None)
@given(w=clusters())
def test_marginals_are_distributions(w: FloatArray) -> None:
    _check_marginals(jpda_exact(w), w)
    _check_marginals(jpda_bp(w), w)


@settings(max_examples=100, deadline=None)
@given(w=clusters(), scale=st.floats(1e-6, 1e6))
def test_row_scaling_changes_nothing(w: FloatArray, scale: float) -> None:
    scaled = w.copy()
    scaled[0] *= scale
    np.testing.assert_allclose(jpda_exact(scaled), jpda_exact(w), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(jpda_bp(scaled), jpda_bp(w), rtol=1e-9, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(w=clusters(max_t=1, max_m=8))
def test_single_track_is_pda(w: FloatArray) -> None:
    want = w / w.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(jpda_exact(w), want, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(jpda_bp(w), want, rtol=1e-13, atol=1e-16)


def test_no_measurements_means_missed() -> None:
    w = np.array([[0.3], [0.9]])
    np.testing.assert_array_equal(jpda_exact(w), [[1.0], [1.0]])
    np.testing.assert_array_equal(jpda_bp(w), [[1.0], [1.0]])


def test_no_tracks() -> None:
    w = np.zeros((0, 4))
    assert jpda_exact(w).shape == (0, 4)
    assert jpda_bp(w).shape == (0, 4)


# --- wrappers: out and validation -----------------------------------------------------


@pytest.mark.parametrize("fn", [jpda_exact, jpda_bp])
def test_out_is_written_and_returned(fn: object) -> None:
    w = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 2.0]])
    out = np.full((2, 3), np.nan)
    got = fn(w, out=out)  # type: ignore[operator]
    assert got is out
    np.testing.assert_array_equal(out, fn(w))  # type: ignore[operator]


@pytest.mark.parametrize("fn", [jpda_exact, jpda_bp])
@pytest.mark.parametrize(
    ("w", "match"),
    [
        (
            np.ones(3),
            r"w must be 2-D of shape \(n_t, n_m \+ 1\) with n_m >= 0; got shape \(3,\)",
        ),
        (np.ones((2, 0)), r"w must be 2-D .*; got shape \(2, 0\)"),
        (np.array([[1.0, -0.5]]), r"w must be >= 0; got minimum -0.5"),
        (np.array([[1.0, np.nan]]), "w must be finite; got NaN or infinity"),
        (np.array([[1.0, np.inf]]), "w must be finite; got NaN or infinity"),
        (np.array([["a", "b"]]), "w must be a real array; got dtype <U1"),
    ],
)
def test_bad_weights(fn: object, w: FloatArray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fn(w)  # type: ignore[operator]


@pytest.mark.parametrize("fn", [jpda_exact, jpda_bp])
def test_bad_out(fn: object) -> None:
    w = np.ones((2, 3))
    with pytest.raises(
        ValueError,
        match=r"out must be a float64 array of shape \(2, 3\); got float64 array of shape \(3, 2\)",
    ):
        fn(w, out=np.empty((3, 2)))  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"got float32 array of shape \(2, 3\)"):
        fn(w, out=np.empty((2, 3), dtype=np.float32))  # type: ignore[operator]
    with pytest.raises(ValueError, match="out must be C-contiguous and writeable"):
        fn(w, out=np.empty((3, 2)).T)  # type: ignore[operator]


def test_bad_bp_options() -> None:
    w = np.ones((1, 2))
    with pytest.raises(ValueError, match="max_iter must be >= 1; got 0"):
        jpda_bp(w, max_iter=0)
    with pytest.raises(TypeError, match="max_iter must be an int; got float"):
        jpda_bp(w, max_iter=10.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"tol must be a finite float >= 0; got -1\.0"):
        jpda_bp(w, tol=-1.0)
