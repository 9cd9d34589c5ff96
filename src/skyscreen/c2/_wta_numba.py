r"""Numba kernels of the static weapon-target assignment solvers.

Each kernel has a twin of the same name and signature in
:mod:`skyscreen.c2._wta_reference`, written independently as vectorised NumPy (or, for
:func:`price`, as plain enumeration); the tests run both on the same inputs and compare.
The solvers in :mod:`skyscreen.c2.wta` call these. Kernels take arrays and scalars only,
write their results into the arrays they are given, and validate nothing: the public
function :func:`skyscreen.c2.solve_wta` does that first.

Notation (shared with :mod:`skyscreen.c2.wta`): ``values`` V (T,), ``pk`` p (W, T),
``q = 1 - p``, ``unit_cost`` c (W,) the weighted cost of one weapon of each type
(``cost_weight * cost``), ``max_per_target`` (T,). The objective is

.. math:: F(x) = \sum_j V_j \prod_i q_{ij}^{x_{ij}} + \sum_{ij} c_i x_{ij}.

The weapon units handled by :func:`descend` are listed by ``unit_type`` (U,) and
``unit_target`` (U,), -1 for a unit not assigned.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray, IntArray
from skyscreen.c2.greedy import greedy_mmr

__all__ = ["descend", "greedy", "price"]

# The greedy kernel is shared with the engine (one definition): see c2/greedy.py.
greedy = greedy_mmr

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(fn: _F) -> _F:
    # numba's decorator is untyped; the kernels keep their annotated signatures.
    return cast(_F, njit(cache=True)(fn))


# -------------------------------------------------------------------------- descend


@_jit
def _refresh(
    k: int,
    q: FloatArray,
    unit_type: IntArray,
    unit_target: IntArray,
    survival: FloatArray,
    count: IntArray,
    s_minus: FloatArray,
    buf: IntArray,
) -> None:
    # Products from scratch (no division), so no drift and no trouble with small q.
    n = 0
    for u in range(unit_type.shape[0]):
        if unit_target[u] == k:
            buf[n] = u
            n += 1
    s = 1.0
    for a in range(n):
        s *= q[unit_type[buf[a]], k]
    survival[k] = s
    count[k] = n
    for a in range(n):
        sm = 1.0
        for b in range(n):
            if b != a:
                sm *= q[unit_type[buf[b]], k]
        s_minus[buf[a]] = sm


@_jit
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
    """Local search to a local optimum of single-unit moves and pairwise swaps.

    Units are visited in order; for unit u (type i, on target j or -1) the best of
    these moves is applied if it lowers F by more than ``tol``, and the visit goes on
    with u + 1, until a whole pass changes nothing:

    - relocate u to target k != j (an *add* when j = -1), if k is under its limit:
      ΔF = V_j (S_j^{-u} - S_j) - V_k S_k (1 - q_ik) [+ c_i when j = -1];
    - drop u (j >= 0): ΔF = V_j (S_j^{-u} - S_j) - c_i;
    - swap with a unit v of another type on target k != j (k = -1: v is unused and
      takes u's place): ΔF = V_j (S_j^{-u} q_{i'j} - S_j) + V_k (S_k^{-v} q_ik - S_k)
      plus the change in cost,

    where S_j^{-u} is target j's survival without unit u, kept as a product (no
    division), so every ΔF is O(1). Candidates are scanned in the order relocations
    (k ascending), drop, swaps (v ascending); the first best wins. ``unit_target``,
    ``survival`` (T,) and ``count`` (T,) are updated in place; ``survival`` and
    ``count`` are recomputed from ``unit_target`` on entry. Returns the number of
    moves applied.
    """
    n_t = values.shape[0]
    n_u = unit_type.shape[0]
    s_minus = np.ones(n_u)
    buf = np.empty(n_u, np.int64)
    for k in range(n_t):
        _refresh(k, q, unit_type, unit_target, survival, count, s_minus, buf)
    moves = 0
    improved = True
    while improved:
        improved = False
        for u in range(n_u):
            i = unit_type[u]
            j = unit_target[u]
            r = 0.0
            add = unit_cost[i]
            if j >= 0:
                r = values[j] * (s_minus[u] - survival[j])
                add = 0.0
            best = -tol
            kind = 0  # 1 relocate, 2 drop, 3 swap
            arg = -1
            for k in range(n_t):
                if k != j and count[k] < max_per_target[k]:
                    d = r - values[k] * survival[k] * (1.0 - q[i, k]) + add
                    if d < best:
                        best = d
                        kind = 1
                        arg = k
            if j >= 0:
                d = r - unit_cost[i]
                if d < best:
                    best = d
                    kind = 2
                    arg = -1
            for v in range(n_u):
                i2 = unit_type[v]
                k = unit_target[v]
                if i2 == i or k == j:
                    continue
                d = 0.0
                if j >= 0:
                    d = values[j] * (s_minus[u] * q[i2, j] - survival[j])
                if k >= 0:
                    d = d + values[k] * (s_minus[v] * q[i, k] - survival[k])
                if j < 0:
                    d = d + unit_cost[i] - unit_cost[i2]
                elif k < 0:
                    d = d + unit_cost[i2] - unit_cost[i]
                if d < best:
                    best = d
                    kind = 3
                    arg = v
            if kind == 0:
                continue
            moves += 1
            improved = True
            if kind == 3:
                k = unit_target[arg]
                unit_target[arg] = j
                unit_target[u] = k
            else:
                k = arg
                unit_target[u] = k
            if j >= 0:
                _refresh(j, q, unit_type, unit_target, survival, count, s_minus, buf)
            if k >= 0:
                _refresh(k, q, unit_type, unit_target, survival, count, s_minus, buf)
    return moves


# ---------------------------------------------------------------------------- price


@_jit
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
    r"""Columns of one target: the best, or all within a threshold (depth-first search).

    A column is the vector x (W,) of weapons on the target, 0 <= x_i <= ub_i,
    Σ_i x_i <= ``max_units``; its priced cost is
    :math:`f(x) = V \prod_i q_i^{x_i} + \sum_i w_i x_i` (w = dual prices plus unit
    costs) and its true cost :math:`V \prod_i q_i^{x_i} + \sum_i c_i x_i`.

    - ``enumerate_all`` False: find min f; the argmin goes to ``best_x``.
    - ``enumerate_all`` True: write every column with f <= ``thresh`` in which each
      weapon has a positive true marginal return (V S p_i > c_i q_i, S the column's
      survival) — the others are dominated by the column without that weapon — to
      ``out_ptr`` / ``out_type`` / ``out_count`` (CSR rows of (type, count) pairs,
      types increasing) and its true cost to ``out_cost``.

    The search adds types in increasing order of w_i / (-ln q_i) and prunes with the
    continuous relaxation of the rest: with the types still allowed relaxed to
    fractional counts, the least f reachable is
    :math:`C + \min_t [V S e^{-t} + \kappa(t)]`, κ the fractional-knapsack cost of
    removing log-survival t, a one-dimensional convex problem solved by walking the
    sorted types. A type whose marginal return V S p_i - w_i (true cost c in the
    enumeration) is not positive is never added below that node: returns only shrink
    as S falls, so any column holding it is dominated. Returns
    ``(n_out, best_f, lower_bound, nodes, complete)``; ``lower_bound`` is a proven
    bound on min f even when ``node_limit`` or an output buffer stops the search
    (then ``complete`` is False).
    """
    n_w = pk.shape[0]
    n_pos = 0
    for i in range(n_w):
        if ub[i] > 0 and pk[i] > 0.0:
            n_pos += 1
    cand = np.empty(n_pos, np.int64)
    ratio = np.empty(n_pos)
    a = 0
    for i in range(n_w):
        if ub[i] > 0 and pk[i] > 0.0:
            cand[a] = i
            ratio[a] = w[i] / -math.log1p(-pk[i])
            a += 1
    order = np.argsort(ratio, kind="mergesort")
    types = cand[order]
    rat = ratio[order]
    lq = np.empty(n_pos)
    for a in range(n_pos):
        lq[a] = -math.log1p(-pk[types[a]])
    total = 0
    for a in range(n_pos):
        total += ub[types[a]]
    d_max = min(max_units, total)
    s = np.ones(d_max + 1)
    cw = np.zeros(d_max + 1)
    ct = np.zeros(d_max + 1)
    lbd = np.zeros(d_max + 1)
    ptr = np.zeros(d_max + 1, np.int64)
    chosen = np.zeros(d_max + 1, np.int64)
    # Candidate positions of each node on the path, stacked: node d's list is
    # stk[off[d] : off[d] + n_list[d]], filtered from its parent's (returns only
    # shrink down the tree), so a node costs O(its parent's candidates), not O(W).
    off = np.zeros(d_max + 2, np.int64)
    n_list = np.zeros(d_max + 1, np.int64)
    stk = np.empty(max(4 * n_pos, 16), np.int64)
    xcnt = np.zeros(n_w, np.int64)
    max_out = out_cost.shape[0]
    max_nnz = out_type.shape[0]
    n_out = 0
    best_f = np.inf
    if enumerate_all:
        out_ptr[0] = 0
    else:
        best_x[:] = 0
    nodes = 0
    complete = True
    d = 0
    start_idx = 0
    entering = True
    while True:
        if entering:
            entering = False
            nodes += 1
            vs = value * s[d]
            f = vs + cw[d]
            if enumerate_all:
                if f <= thresh:
                    keep = True
                    for b in range(d):
                        ii = chosen[b]
                        if not vs * pk[ii] > unit_cost[ii] * (1.0 - pk[ii]):
                            keep = False
                            break
                    if keep:
                        n_pairs = 0
                        for b in range(d):
                            if b == 0 or chosen[b] != chosen[b - 1]:
                                n_pairs += 1
                        if n_out >= max_out or out_ptr[n_out] + n_pairs > max_nnz:
                            complete = False
                            break
                        e = out_ptr[n_out]
                        for b in range(d):
                            if b == 0 or chosen[b] != chosen[b - 1]:
                                out_type[e] = chosen[b]
                                out_count[e] = xcnt[chosen[b]]
                                e += 1
                        # Pairs in increasing type order (insertion sort; few).
                        for b in range(out_ptr[n_out] + 1, e):
                            kt = out_type[b]
                            kc = out_count[b]
                            h = b - 1
                            while h >= out_ptr[n_out] and out_type[h] > kt:
                                out_type[h + 1] = out_type[h]
                                out_count[h + 1] = out_count[h]
                                h -= 1
                            out_type[h + 1] = kt
                            out_count[h + 1] = kc
                        out_ptr[n_out + 1] = e
                        out_cost[n_out] = vs + ct[d]
                        n_out += 1
                        best_f = min(best_f, f)
            elif f < best_f:
                best_f = f
                best_x[:] = xcnt
            # Bound first (continuous relaxation over the candidates, walked in ratio
            # order with an early stop), so a pruned node costs little; then, if it
            # is kept, its candidate list: its parent's from the chosen one on.
            t = 0.0
            kap = 0.0
            n_par = 0
            p0 = 0
            if d < d_max:
                n_par = n_pos if d == 0 else n_list[d - 1]
                p0 = 0 if d == 0 else off[d - 1]
            for k in range(start_idx, n_par):
                pp = k if d == 0 else stk[p0 + k]
                ii = types[pp]
                if xcnt[ii] >= ub[ii]:
                    continue
                if enumerate_all:
                    ok = vs * pk[ii] - unit_cost[ii] > 0.0
                else:
                    ok = vs * pk[ii] - w[ii] > 0.0
                if not ok:
                    continue
                r = rat[pp]
                if r >= vs * math.exp(-t):
                    break
                t_end = t + (ub[ii] - xcnt[ii]) * lq[pp]
                if r <= vs * math.exp(-t_end):
                    kap += r * (t_end - t)
                    t = t_end
                else:
                    t_star = math.log(vs / r)
                    kap += r * (t_star - t)
                    t = t_star
                    break
            lb = cw[d] + vs * math.exp(-t) + kap
            lbd[d] = lb
            nl = 0
            if not (lb > thresh if enumerate_all else lb >= best_f):
                base = off[d]
                if stk.shape[0] < base + n_par:
                    grown = np.empty(2 * (base + n_par), np.int64)
                    grown[:base] = stk[:base]
                    stk = grown
                for k in range(start_idx, n_par):
                    pp = k if d == 0 else stk[p0 + k]
                    ii = types[pp]
                    if xcnt[ii] >= ub[ii]:
                        continue
                    if enumerate_all:
                        ok = vs * pk[ii] - unit_cost[ii] > 0.0
                    else:
                        ok = vs * pk[ii] - w[ii] > 0.0
                    if ok:
                        stk[base + nl] = pp
                        nl += 1
            n_list[d] = nl
            off[d + 1] = off[d] + nl
            ptr[d] = 0
            if nodes >= node_limit:
                complete = False
                break
        if ptr[d] < n_list[d]:
            pp = stk[off[d] + ptr[d]]
            ptr[d] += 1
            ii = types[pp]
            xcnt[ii] += 1
            chosen[d] = ii
            s[d + 1] = s[d] * (1.0 - pk[ii])
            cw[d + 1] = cw[d] + w[ii]
            ct[d + 1] = ct[d] + unit_cost[ii]
            # The child's candidates start at this one (it may be taken again).
            start_idx = ptr[d] - 1
            d += 1
            entering = True
        else:
            if d == 0:
                break
            d -= 1
            xcnt[chosen[d]] -= 1
    lower = best_f
    if not complete:
        for b in range(d + 1):
            lower = min(lower, lbd[b])
    return n_out, best_f, lower, nodes, complete
