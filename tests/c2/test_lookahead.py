"""The look-ahead's stage problem (skyscreen.c2.lookahead) against brute force and DP."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyscreen.c2.lookahead import (
    LOOKAHEAD_METHODS,
    plan_objective,
    plan_stages,
    plan_stages_listed,
)


def _feasible(plan, pk, free0, avail, shots, open0, max_shooters, gap) -> bool:
    """The module docstring's constraints, written out again."""
    n_k, n_w = plan.shape
    n_d = pk.shape[2]
    count = np.zeros((n_k, n_d), dtype=int)
    for k in range(n_k):
        for i in range(n_w):
            j = plan[k, i]
            if j < 0:
                continue
            if not (free0[i] if k == 0 else avail[i]) or pk[k, i, j] <= 0:
                return False
            count[k, j] += 1
    if any((plan[:, i] >= 0).sum() > shots[i] for i in range(n_w)):
        return False
    if (count[0] > open0).any() or (count[1:] > max_shooters).any():
        return False
    for j in range(n_d):
        ks = np.flatnonzero(count[:, j])
        if gap > 0 and len(ks) > 1 and np.diff(ks).min() <= gap:
            return False
    return True


def _brute(values, surv, pk, free0, avail, shots, open0, max_shooters, gap, cost):
    """The least objective over every plan (each slot: no shot or any entry)."""
    n_k, n_w, n_d = pk.shape
    best = np.inf
    for combo in itertools.product(range(-1, n_d), repeat=n_k * n_w):
        plan = np.array(combo, dtype=np.int64).reshape(n_k, n_w)
        if _feasible(plan, pk, free0, avail, shots, open0, max_shooters, gap):
            best = min(best, plan_objective(values, surv, pk, cost, plan))
    return best


@st.composite
def instances(draw):
    """Tiny stage problems: at most 6 slots (stages x weapons) and 3 entries.

    Zero Pk, Pk of 1, empty magazines, closed entries and busy weapons are among the
    draws.
    """
    n_k = draw(st.integers(1, 3))
    n_w = draw(st.integers(1, 6 // n_k))
    n_d = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pk = rng.random((n_k, n_w, n_d)) * (rng.random((n_k, n_w, n_d)) < 0.75)
    pk[rng.random(pk.shape) < 0.05] = 1.0
    values = rng.random(n_d) * 10.0
    surv = rng.uniform(0.2, 1.0, n_d)
    free0 = rng.random(n_w) < 0.8
    avail = rng.random(n_w) < 0.9
    shots = rng.integers(0, n_k + 2, n_w)
    max_shooters = int(rng.integers(1, 3))
    open0 = rng.integers(0, max_shooters + 1, n_d)
    gap = int(rng.integers(0, 3))
    cost = rng.random(n_w) * draw(st.sampled_from([0.0, 0.5, 3.0]))
    return values, surv, pk, free0, avail, shots, open0, max_shooters, gap, cost


def _solve(inst, method, max_iter=1_000_000):
    values, surv, pk, free0, avail, shots, open0, max_shooters, gap, cost = inst
    plan = np.empty(pk.shape[:2], dtype=np.int64)
    obj, proved = plan_stages(
        values, surv, pk, free0, avail, shots, open0, max_shooters, gap, cost,
        LOOKAHEAD_METHODS[method], max_iter, plan,
    )  # fmt: skip
    return plan, obj, proved


@settings(max_examples=60, deadline=None)
@given(instances())
def test_exact_equals_brute_force_and_heuristics_are_feasible(inst) -> None:
    values, surv, pk, free0, avail, shots, open0, max_shooters, gap, cost = inst
    best = _brute(*inst)
    objs = {}
    for method in LOOKAHEAD_METHODS:
        plan, obj, proved = _solve(inst, method)
        assert _feasible(plan, pk, free0, avail, shots, open0, max_shooters, gap)
        assert obj == pytest.approx(plan_objective(values, surv, pk, cost, plan))
        assert obj >= best - 1e-9
        objs[method] = obj
        if method == "exact":
            assert proved
            assert obj == pytest.approx(best, rel=1e-12, abs=1e-12)
    assert objs["improve"] <= objs["greedy"] + 1e-12


def _greedy_by_rescanning(
    values, surv, pk, free0, avail, shots, open0, max_shooters, gap, cost
):
    """Greedy maximum marginal return written out: every step rescans every open slot.

    Takes the shot of largest gain V_j s_j p − c_i that keeps the plan feasible
    (:func:`_feasible` on the whole plan), ties to the later stage, then the lower
    weapon, then the lower entry; stops when no shot gains.
    """
    n_k, n_w, n_d = pk.shape
    plan = np.full((n_k, n_w), -1, dtype=np.int64)
    s = surv.copy()
    while True:
        best, pick = 0.0, None
        for k in range(n_k - 1, -1, -1):
            for i in range(n_w):
                if plan[k, i] >= 0:
                    continue
                for j in range(n_d):
                    gain = values[j] * s[j] * pk[k, i, j] - cost[i]
                    if gain <= best or pk[k, i, j] <= 0.0:
                        continue
                    plan[k, i] = j
                    if _feasible(
                        plan, pk, free0, avail, shots, open0, max_shooters, gap
                    ):
                        best, pick = gain, (k, i, j)
                    plan[k, i] = -1
        if pick is None:
            return plan
        k, i, j = pick
        plan[k, i] = j
        s[j] *= 1.0 - pk[k, i, j]


@settings(max_examples=150, deadline=None)
@given(instances(), st.booleans())
def test_greedy_is_the_rescanning_greedy(inst, same_cost: bool) -> None:
    """The lazy, per-entry greedy takes the shots the rescanning greedy takes.

    With equal shot costs the planner works entry by entry on listed candidates
    (heaps per entry and weapon, a spent weapon's candidates dropped at once); with
    unequal ones on a lazy heap of every candidate. Both must give the plan of the
    greedy that rescans every slot at every step.
    """
    values, surv, pk, free0, avail, shots, open0, max_shooters, gap, cost = inst
    if same_cost:
        cost = np.full_like(cost, cost[0])
        inst = (values, surv, pk, free0, avail, shots, open0, max_shooters, gap, cost)
    plan, _, _ = _solve(inst, "greedy")
    np.testing.assert_array_equal(plan, _greedy_by_rescanning(*inst))


def test_exact_budget_returns_the_incumbent_unproved() -> None:
    rng = np.random.default_rng(5)
    pk = rng.random((6, 4, 8))
    inst = (
        rng.random(8) * 10, np.ones(8), pk, np.ones(4, bool), np.ones(4, bool),
        np.full(4, 3), np.full(8, 2), 2, 1, np.zeros(4),
    )  # fmt: skip
    _, greedy_obj, _ = _solve(inst, "improve")
    plan, obj, proved = _solve(inst, "exact", max_iter=50)
    assert not proved
    assert obj <= greedy_obj + 1e-12
    assert _feasible(plan, *inst[2:9])


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(list(LOOKAHEAD_METHODS)),
    st.sampled_from(["equal", "zero", "mixed"]),
    st.sampled_from([1.0, 0.7, 1e-200]),
)
def test_listed_planner_commits_what_the_dense_planner_commits(
    seed: int, method: str, costs: str, discount: float
) -> None:
    """The engine's planner on listed later stages = plan_stages on the dense array.

    Rows of up to 9 stages, 5 weapons and 6 entries; Pk drawn from a few values so
    that ties (which the tie order settles) are common; the later stages' shots
    split over two lists in shuffled order; a discount that underflows some Pk to
    0. Stage 0's targets and the surviving value must be the same bits.
    """
    rng = np.random.default_rng(seed)
    n_b, n_k = int(rng.integers(1, 5)), int(rng.integers(1, 10))
    n_w, n_d = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    levels = np.array([0.0, 0.0, 1e-3, 0.1, 0.25, 0.5, 0.9, 1.0])
    pk = levels[rng.integers(0, len(levels), (n_b, n_k, n_w, n_d))]
    values = rng.choice([0.0, 1.0, 5.0, 10.0], (n_b, n_d))
    surv = rng.choice([0.25, 0.5, 1.0], (n_b, n_d))
    free0 = rng.random((n_b, n_w)) < 0.8
    avail = rng.random((n_b, n_w)) < 0.9
    shots = rng.integers(0, n_k + 2, (n_b, n_w))
    max_shooters = int(rng.integers(1, 3))
    open0 = rng.integers(0, max_shooters + 1, (n_b, n_d))
    gap = int(rng.integers(0, 3))
    cost = {
        "equal": np.full(n_w, 0.05),
        "zero": np.zeros(n_w),
        "mixed": rng.random(n_w) * 0.5,
    }[costs]
    factor = np.ones(n_k)
    factor[1:] = discount ** np.arange(1, n_k)
    # The later stages' positive Pk, listed by row over two lists (two kinds: the
    # second one's weapons numbered from w0), in shuffled order within a row.
    b, k, i, j = np.nonzero(pk[:, 1:] > 0.0)
    k = k + 1
    w0 = int(rng.integers(0, n_w + 1))
    part = (i >= w0).astype(int)
    ptr, l_k, l_i, l_j, l_p = [], [], [], [], []
    for ll in range(2):
        sel = np.flatnonzero(part == ll)
        sel = sel[np.lexsort((rng.random(len(sel)), b[sel]))]
        ptr.append(np.concatenate([[0], np.cumsum(np.bincount(b[sel], minlength=n_b))]))
        l_k.append(k[sel])
        l_i.append(i[sel] - (w0 if ll else 0))
        l_j.append(j[sel])
        l_p.append(pk[b[sel], k[sel], i[sel], j[sel]])
    target = np.empty((n_b, n_w), dtype=np.int64)
    out = np.empty(n_b)
    plan_stages_listed(
        values, surv, np.ascontiguousarray(pk[:, 0]), tuple(ptr), tuple(l_k),
        tuple(l_i), tuple(l_j), tuple(l_p), np.array([0, w0]), factor, free0, avail,
        shots, open0, max_shooters, gap, cost, LOOKAHEAD_METHODS[method], 1000,
        target, out,
    )  # fmt: skip
    m = LOOKAHEAD_METHODS[method]
    for row in range(n_b):
        dense = pk[row].copy()
        dense[1:] *= factor[1:, None, None]
        plan = np.empty((n_k, n_w), dtype=np.int64)
        plan_stages(
            values[row], surv[row], dense, free0[row], avail[row], shots[row],
            open0[row], max_shooters, gap, cost, -1 if m == 0 else m, 1000, plan,
        )  # fmt: skip
        np.testing.assert_array_equal(target[row], plan[0])
        s = surv[row].copy()
        for w in range(n_w):
            if plan[0, w] >= 0:
                s[plan[0, w]] *= 1.0 - dense[0, w, plan[0, w]]
        total = 0.0
        for v, x in zip(values[row], s, strict=True):
            total += float(v) * float(x)
        assert out[row] == total


def _dp_fire(p: np.ndarray, gap: int, k: int, m: int) -> bool | None:
    """Whether firing at stage k is optimal (None on a tie), by exact DP.

    One shooter with m rounds against one drone in sequential shoot-look-shoot:
    V(k, m) = min(V(k+1, m), (1 - p_k) V(k+1+gap, m-1)), the probability the drone
    survives.
    """
    n = len(p)

    @cache
    def v(k: int, m: int) -> float:
        if k >= n or m == 0:
            return 1.0
        return min(v(k + 1, m), (1.0 - p[k]) * v(k + 1 + gap, m - 1))

    hold = v(k + 1, m)
    fire = (1.0 - p[k]) * v(k + 1 + gap, m - 1) if m > 0 else np.inf
    if abs(hold - fire) < 1e-12:
        return None
    return bool(fire < hold)


@pytest.mark.parametrize("seed", range(6))
def test_reproduces_the_optimal_threshold_policy(seed: int) -> None:
    """The policy makes the optimal threshold policy's decision in every state.

    Sequential shoot-look-shoot, identical rounds, one drone class (Kalyanam,
    Rathinam, Casbeer & Pachter): the DP fires at stage k iff the rounds left exceed
    a stage-dependent threshold κ(k). The rolling-horizon policy, re-planned at every
    stage with the stages left, makes the DP's decision in every (stage, rounds)
    state: the exact solver always, the greedy one when shots are not spaced.
    """
    rng = np.random.default_rng(seed)
    for _ in range(25):
        n_k = int(rng.integers(1, 13))
        peak = rng.integers(0, n_k)
        width = rng.uniform(0.8, 4.0)
        # A burst's Pk along a pass: rising to the closest approach, then falling.
        p = 0.7 * np.exp(-0.5 * ((np.arange(n_k) - peak) / width) ** 2)
        p[rng.random(n_k) < 0.15] = 0.0  # masked cycles (out of the envelope)
        gap = int(rng.integers(0, 3))
        for k in range(n_k):
            kappa = None
            for m in range(7):
                want = _dp_fire(p, gap, k, m)
                if want is None:
                    continue
                if want and kappa is None:
                    kappa = m
                # The DP's policy is a threshold in the rounds left.
                assert want == (kappa is not None and m >= kappa)
                for method in ("exact", "greedy") if gap == 0 else ("exact",):
                    inst = (
                        np.array([1.0]), np.ones(1), p[k:].reshape(-1, 1, 1).copy(),
                        np.ones(1, bool), np.ones(1, bool), np.array([m]),
                        np.array([1]), 1, gap, np.zeros(1),
                    )  # fmt: skip
                    plan, _, _ = _solve(inst, method)
                    assert (plan[0, 0] == 0) == want, (method, p, gap, k, m)
