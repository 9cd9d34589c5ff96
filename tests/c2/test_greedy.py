"""Batched greedy maximum-marginal-return assignment and threat evaluation."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyscreen.c2 import greedy_assign_batch, threat_values


def _objective(values: np.ndarray, pk: np.ndarray, target: np.ndarray) -> float:
    surv = np.ones_like(values)
    for w, t in enumerate(target):
        if t >= 0:
            surv[t] *= 1.0 - pk[w, t]
    return float(np.sum(values * surv))


def _brute_force(values: np.ndarray, pk: np.ndarray) -> float:
    n_w, n_t = pk.shape
    return min(
        _objective(values, pk, np.array(choice))
        for choice in itertools.product(range(-1, n_t), repeat=n_w)
    )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31))
def test_greedy_is_optimal_when_pk_depends_on_the_target_only(
    n_w: int, n_t: int, seed: int
) -> None:
    """With p_ij = p_j (den Broeder et al. 1959) greedy MMR equals brute force."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(1, 10, n_t)
    pk = np.broadcast_to(rng.uniform(0.1, 0.9, n_t), (n_w, n_t)).copy()
    target = greedy_assign_batch(
        values[None],
        pk[None],
        np.ones((1, n_w), bool),
        np.ones((1, n_t)),
        np.zeros((1, n_t), int),
        n_w,
    )[0]
    assert _objective(values, pk, target) <= _brute_force(values, pk) + 1e-9


def test_batch_rows_are_independent() -> None:
    """Each replication's assignment depends only on its own row."""
    rng = np.random.default_rng(1)
    values = rng.uniform(1, 10, (5, 6))
    pk = rng.uniform(0, 1, (5, 3, 6))
    free = rng.random((5, 3)) < 0.8
    full = greedy_assign_batch(
        values, pk, free, np.ones((5, 6)), np.zeros((5, 6), int), 2
    )
    for r in range(5):
        one = greedy_assign_batch(
            values[r : r + 1],
            pk[r : r + 1],
            free[r : r + 1],
            np.ones((1, 6)),
            np.zeros((1, 6), int),
            2,
        )
        np.testing.assert_array_equal(one[0], full[r])
    assert (full[~free] == -1).all()


def test_max_shooters_is_respected() -> None:
    """No target gets more weapons than max_shooters, counting those already on it."""
    values = np.array([[100.0, 1.0]])
    pk = np.full((1, 4, 2), 0.5)
    shooters = np.array([[1, 0]])
    target = greedy_assign_batch(
        values, pk, np.ones((1, 4), bool), np.ones((1, 2)), shooters, 2
    )[0]
    assert (target == 0).sum() == 1
    assert (target == 1).sum() == 2


def test_threat_value_peaks_for_a_drone_heading_at_the_asset() -> None:
    """A drone aimed at an asset outranks one passing wide of it at the same range."""
    pos = np.array([[[-2000.0, 0.0, 300.0], [-2000.0, 0.0, 300.0]]])
    vel = np.array([[[50.0, 0.0, 0.0], [35.0, 35.0, 0.0]]])
    v = threat_values(
        pos,
        vel,
        np.array([15.0, 15.0]),
        np.zeros((1, 3)),
        np.array([30.0]),
        np.array([1e6]),
        50.0,
        60.0,
    )
    assert v[0, 0] > 10 * v[0, 1]
    # Urgency: the same geometry twice as far is worth less.
    far = threat_values(
        pos * 2,
        vel,
        np.array([15.0, 15.0]),
        np.zeros((1, 3)),
        np.array([30.0]),
        np.array([1e6]),
        50.0,
        60.0,
    )
    assert far[0, 0] < v[0, 0]
