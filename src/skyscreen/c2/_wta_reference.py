"""Reference twins of the kernels in :mod:`skyscreen.c2._wta_numba`.

Same names, signatures and results, written independently: :func:`descend`
evaluates whole gain vectors with NumPy at every step (with the same tie-breaking, so
it takes the same steps), and :func:`price` enumerates every column
of the box instead of searching. They are slow and exist for the tests.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from skyscreen._typing import FloatArray, IntArray

__all__ = ["descend", "price"]


def _products(
    q: FloatArray, unit_type: IntArray, unit_target: IntArray, n_t: int
) -> tuple[FloatArray, IntArray, FloatArray]:
    survival = np.ones(n_t)
    count = np.zeros(n_t, np.int64)
    s_minus = np.ones(unit_type.shape[0])
    for k in range(n_t):
        on = np.flatnonzero(unit_target == k)
        f = [float(v) for v in q[unit_type[on], k]]
        # Sequential products, in unit order, as the kernel forms them.
        survival[k] = math.prod(f)
        count[k] = on.size
        for a, u in enumerate(on):
            s_minus[u] = math.prod(f[:a] + f[a + 1 :])
    return survival, count, s_minus


def descend(
    values: FloatArray,
    q: FloatArray,
    unit_cost: FloatArray,
    max_per_target: IntArray,
    unit_type: IntArray,
    unit_target: IntArray,
    survival: FloatArray,
    count: IntArray,
    tol: float,
) -> int:
    """Twin of :func:`skyscreen.c2._wta_numba.descend`: vectorised move deltas."""
    n_t = values.shape[0]
    n_u = unit_type.shape[0]
    surv, cnt, s_minus = _products(q, unit_type, unit_target, n_t)
    moves = 0
    improved = True
    while improved:
        improved = False
        for u in range(n_u):
            i = int(unit_type[u])
            j = int(unit_target[u])
            if j >= 0:
                r = values[j] * (s_minus[u] - surv[j])
                add = 0.0
            else:
                r = 0.0
                add = unit_cost[i]
            reloc = r - values * surv * (1.0 - q[i]) + add
            reloc[(np.arange(n_t) == j) | (cnt >= max_per_target)] = np.inf
            drop = np.array([r - unit_cost[i] if j >= 0 else np.inf])
            i2 = unit_type
            k = unit_target
            kk = np.maximum(k, 0)
            d = np.zeros(n_u)
            if j >= 0:
                d = values[j] * (s_minus[u] * q[i2, j] - surv[j])
            d = np.where(k >= 0, d + values[kk] * (s_minus * q[i, kk] - surv[kk]), d)
            if j < 0:
                d = d + unit_cost[i] - unit_cost[i2]
            else:
                d = np.where(k < 0, d + unit_cost[i2] - unit_cost[i], d)
            d[(i2 == i) | (k == j)] = np.inf
            allm = np.concatenate([reloc, drop, d])
            best = int(np.argmin(allm))
            if not allm[best] < -tol:
                continue
            moves += 1
            improved = True
            if best < n_t:
                unit_target[u] = best
            elif best == n_t:
                unit_target[u] = -1
            else:
                v = best - n_t - 1
                unit_target[u], unit_target[v] = unit_target[v], j
            surv, cnt, s_minus = _products(q, unit_type, unit_target, n_t)
    survival[:] = surv
    count[:] = cnt
    return moves


def price(
    value: float,
    pk: FloatArray,
    w: FloatArray,
    unit_cost: FloatArray,
    ub: IntArray,
    max_units: int,
    thresh: float,
    enumerate_all: bool,
    node_limit: int,
    best_x: IntArray,
    out_ptr: IntArray,
    out_type: IntArray,
    out_count: IntArray,
    out_cost: FloatArray,
) -> tuple[int, float, float, int, bool]:
    """Twin of :func:`skyscreen.c2._wta_numba.price`: every column of the box."""
    idx = np.flatnonzero((ub > 0) & (pk > 0.0))
    q = 1.0 - pk
    best_f = np.inf
    n_out = 0
    nodes = 0
    if enumerate_all:
        out_ptr[0] = 0
    for counts in itertools.product(*(range(int(ub[i]) + 1) for i in idx)):
        if sum(counts) > max_units:
            continue
        nodes += 1
        x = np.zeros(pk.shape[0], np.int64)
        x[idx] = counts
        s = float(np.prod(q**x))
        f = value * s + float(w @ x)
        if not enumerate_all:
            if f < best_f:
                best_f = f
                best_x[:] = x
            continue
        used = np.flatnonzero(x)
        if f > thresh or not np.all(value * s * pk[used] > unit_cost[used] * q[used]):
            continue
        e = out_ptr[n_out]
        out_type[e : e + used.size] = used
        out_count[e : e + used.size] = x[used]
        out_ptr[n_out + 1] = e + used.size
        out_cost[n_out] = value * s + float(unit_cost @ x)
        n_out += 1
        best_f = min(best_f, f)
    return n_out, best_f, best_f, nodes, True
