r"""Greedy construction and improvement search for the static WTA problem.

Private helpers of :func:`skyscreen.c2.solve_wta` (methods ``"greedy"`` and
``"improve"``); inputs are a validated :class:`~skyscreen.c2._wta_problem.Problem`.

The improvement search alternates two neighbourhoods:

1. :func:`skyscreen.c2._wta_numba.descend`: single-unit relocations, drops and
   pairwise swaps to a local optimum, each move priced in O(1) from the survival
   products it maintains.
2. An assignment neighbourhood of exponential size, solved exactly as a linear
   assignment problem: every target keeps all its weapons but one ("free"), chosen at
   random, and the free units plus the unused ones are reassigned at once, at most one
   to each target. With the other weapons fixed the objective is linear in this
   choice — unit u on target j costs :math:`V_j S^{stay}_j (q_{u j} - 1) + c_u` — so
   ``scipy.optimize.linear_sum_assignment`` finds the best of all cyclic and path
   exchanges of free units (the ejection chains of Ahuja et al. 2007's very large-scale
   neighbourhood search, here searched exhaustively rather than by shortest-path
   heuristics). Some rounds also fix a share of single-weapon targets, so that a
   second weapon may join them. Large rounds (over 40 000 weapon-target pairs) are
   solved over a sparse candidate graph instead (:func:`_sparse_assignment`).

Rounds run while the budget lasts, each with new random choices from ``seed``
(iterated local search: a round that ends worse than the best solution restarts from
it), or until ``patience`` rounds in a row bring no improvement; without a budget,
until a round brings no improvement. On the published
one-weapon-per-type instances the first round already reaches the best-known value. Sources: den Broeder, Ellison & Emerling
(1959), "On optimum target assignments", Operations Research 7(3):322–326; Ahuja,
Kumar, Jha & Orlin (2007), "Exact and heuristic algorithms for the weapon-target
assignment problem", Operations Research 55(6):1136–1146.
"""

from __future__ import annotations

import numpy as np

from skyscreen._typing import FloatArray, IntArray
from skyscreen.c2 import _wta_numba
from skyscreen.c2._wta_problem import Budget, Problem, objective

__all__ = ["greedy_counts", "improve_counts", "units_from_counts"]

# scipy.optimize and scipy.sparse are imported where they are used (see _wta_exact).

# Share of single-weapon targets whose weapon stays put in the odd rounds, so that a
# free unit may become a second weapon there (even rounds: none).
_STAY_SHARE = 0.3
# Assignment problems with more entries than this are sparsified (see
# _sparse_assignment), keeping K candidates per weapon and per target.
_DENSE_LAP = 40_000
_SPARSE_K = 8


def greedy_counts(problem: Problem) -> tuple[IntArray, int]:
    """Maximum-marginal-return assignment: counts (W, T) and the number of steps."""
    x = np.zeros((problem.n_weapon, problem.n_target), np.int64)
    survival = np.ones(problem.n_target)
    count = np.zeros(problem.n_target, np.int64)
    steps = _wta_numba.greedy(
        problem.values,
        problem.pk,
        problem.unit_cost,
        problem.capacity,
        problem.max_per_target,
        x,
        survival,
        count,
    )
    return x, int(steps)


def units_from_counts(problem: Problem, x: IntArray) -> tuple[IntArray, IntArray]:
    """One entry per weapon: its type, and its target (-1 if unused).

    A type holds at most T·min(capacity, max over targets of max_per_target) useful
    weapons; more unused copies of it change nothing, so they are left out.
    """
    most = int(problem.max_per_target.max(initial=0))
    n_units = np.minimum(
        problem.capacity, problem.n_target * np.minimum(problem.capacity, most)
    )
    unit_type = np.repeat(np.arange(problem.n_weapon, dtype=np.int64), n_units)
    unit_target = np.full(unit_type.shape[0], -1, np.int64)
    start = np.concatenate([[0], np.cumsum(n_units)])
    for i in range(problem.n_weapon):
        targets = np.repeat(np.arange(problem.n_target, dtype=np.int64), x[i])
        unit_target[start[i] : start[i] + targets.size] = targets
    return unit_type, unit_target


def _counts(problem: Problem, unit_type: IntArray, unit_target: IntArray) -> IntArray:
    x = np.zeros((problem.n_weapon, problem.n_target), np.int64)
    on = unit_target >= 0
    np.add.at(x, (unit_type[on], unit_target[on]), 1)
    return x


def _assignment_round(
    problem: Problem,
    unit_type: IntArray,
    unit_target: IntArray,
    rng: np.random.Generator,
    stay_share: float,
) -> None:
    """Reassign one free weapon per target and the unused ones, by linear assignment."""
    from scipy.optimize import linear_sum_assignment

    n_t = problem.n_target
    n_u = int(unit_type.shape[0])
    key = rng.random(n_u)
    stay_draw = rng.random(n_t)
    assigned = unit_target >= 0
    # The free unit of each target: its weapon with the smallest random key.
    order = np.lexsort((key, unit_target))
    order = order[assigned[order]]
    tg = unit_target[order]
    first = np.ones(order.size, bool)
    first[1:] = tg[1:] != tg[:-1]
    free = ~assigned
    lead = order[first]
    n_on = np.bincount(unit_target[assigned], minlength=n_t)
    single = n_on[unit_target[lead]] == 1
    keep_single = single & (stay_draw[unit_target[lead]] < stay_share)
    free[lead[~keep_single]] = True
    # Unused units of one type are interchangeable; T of them are enough.
    unused = np.flatnonzero(~assigned)
    rank = np.zeros(n_u, np.int64)
    if unused.size:
        t_unused = unit_type[unused]
        srt = np.argsort(t_unused, kind="stable")
        ts = t_unused[srt]
        starts = np.searchsorted(ts, ts, side="left")
        rank[unused[srt]] = np.arange(unused.size) - starts
    free &= rank < n_t
    stay = assigned & ~free
    survival = np.ones(n_t)
    np.multiply.at(
        survival, unit_target[stay], problem.q[unit_type[stay], unit_target[stay]]
    )
    n_stay = np.bincount(unit_target[stay], minlength=n_t)
    rows = np.flatnonzero(free)
    ti = unit_type[rows]
    cost = (
        problem.values * survival * (problem.q[ti] - 1.0)
        + problem.unit_cost[ti][:, None]
    )
    allowed = (problem.values * problem.pk[ti] > problem.unit_cost[ti][:, None]) & (
        n_stay < problem.max_per_target
    )
    cost = np.where(allowed, cost, np.inf)
    if cost.size <= _DENSE_LAP:
        full = np.concatenate([cost, np.zeros((rows.size, rows.size))], axis=1)
        r, col = linear_sum_assignment(full)
        unit_target[rows[r]] = np.where(col < n_t, col, -1)
    else:
        unit_target[rows] = _sparse_assignment(cost, unit_target[rows])


def _sparse_assignment(cost: FloatArray, current: IntArray) -> IntArray:
    """Targets (or -1) for the rows of ``cost`` (n, T), over a sparse candidate graph.

    Each row keeps its K cheapest targets, each target its K cheapest rows, the row's
    current target and a private "unassigned" column; the optimum over these edges is
    found by ``scipy.sparse.csgraph.min_weight_full_bipartite_matching``. Measured on
    wta_200x400x3 (400 free weapons): 5x faster than the dense problem, within 0.01%
    of its value; the current assignment stays feasible, so a round never gets worse.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n, n_t = cost.shape
    k = min(_SPARSE_K, n_t - 1, n - 1)
    keep = np.zeros(cost.shape, bool)
    if k > 0:
        np.put_along_axis(keep, np.argpartition(cost, k, axis=1)[:, :k], True, axis=1)
        np.put_along_axis(keep, np.argpartition(cost, k, axis=0)[:k, :], True, axis=0)
    on = current >= 0
    keep[np.flatnonzero(on), current[on]] = True
    keep &= np.isfinite(cost)
    r, c = np.nonzero(keep)
    weight = np.concatenate([cost[r, c], np.zeros(n)])
    r = np.concatenate([r, np.arange(n)])
    c = np.concatenate([c, n_t + np.arange(n)])
    # Every row is matched once, so a common shift leaves the optimum unchanged; it
    # keeps the weights positive (the solver drops zero entries).
    weight = weight - weight.min() + 1.0
    graph = sp.csr_matrix((weight, (r, c)), shape=(n, n_t + n))
    _, col = min_weight_full_bipartite_matching(graph)
    return np.where(col < n_t, col, -1).astype(np.int64)


def improve_counts(
    problem: Problem,
    x0: IntArray,
    budget: Budget,
    seed: int,
    patience: int | None = None,
) -> tuple[IntArray, int]:
    """Improvement search from ``x0``: the best counts (W, T) and the rounds run.

    The first descent always runs to its local optimum; then assignment rounds run
    until ``budget`` ends or ``patience`` rounds in a row bring no improvement
    (``patience`` None: 1 without a budget, unlimited with one).
    """
    if patience is None:
        patience = 0 if budget.limited else 1
    tol = problem.tolerance()
    unit_type, unit_target = units_from_counts(problem, x0)
    survival = np.ones(problem.n_target)
    count = np.zeros(problem.n_target, np.int64)
    q = problem.q

    def descend() -> None:
        _wta_numba.descend(
            problem.values,
            q,
            problem.unit_cost,
            problem.max_per_target,
            unit_type,
            unit_target,
            survival,
            count,
            tol,
        )

    def value() -> float:
        return objective(
            problem.values,
            problem.pk,
            problem.unit_cost,
            _counts(problem, unit_type, unit_target),
        )

    if unit_type.size == 0:
        return x0.copy(), 0
    descend()
    best_f = value()
    best = unit_target.copy()
    rng = np.random.default_rng(seed)
    rounds = 0
    stalled = 0
    while True:
        if budget.max_iter is not None and rounds >= budget.max_iter:
            break
        if budget.out_of_time():
            break
        _assignment_round(
            problem, unit_type, unit_target, rng, _STAY_SHARE if rounds % 2 else 0.0
        )
        descend()
        f = value()
        rounds += 1
        if f < best_f - tol:
            best_f = f
            best[:] = unit_target
            stalled = 0
        else:
            if f > best_f:
                unit_target[:] = best
            stalled += 1
            if patience and stalled >= patience:
                break
    return _counts(problem, unit_type, best), rounds
