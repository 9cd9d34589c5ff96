r"""Exact solution of the static WTA problem: column generation, then an enumeration MILP.

Private helpers of :func:`skyscreen.c2.solve_wta` (methods ``"exact"`` and
``"brute"``); inputs are a validated :class:`~skyscreen.c2._wta_problem.Problem`.

**Set-partitioning reformulation.** A *column* of target j is a vector a (W,) of
weapon counts on it, 0 <= a_i <= min(capacity_i, max_per_target_j),
Σ_i a_i <= max_per_target_j, with cost
:math:`g_j(a) = V_j \prod_i q_{ij}^{a_i} + \sum_i c_i a_i`. The problem is to choose one
column per target (the empty one included) within the weapons' capacities:

.. math::

    \min \sum_j \sum_a g_j(a) \lambda_{ja} \quad\text{s.t.}\quad
    \sum_a \lambda_{ja} = 1 \;\forall j, \qquad
    \sum_j \sum_a a_i \lambda_{ja} \le m_i \;\forall i, \qquad \lambda \in \{0, 1\}.

**Lower bound.** Relaxing the capacities with prices π >= 0 gives the Lagrangian bound

.. math:: L(\pi) = \sum_j \min_a \big[g_j(a) + \pi \cdot a\big] - \pi \cdot m ,

valid for *any* π >= 0 and computed here with exact pricing (a depth-first search per
target, :func:`skyscreen.c2._wta_numba.price`; when its node limit cuts it short it
still returns a proven bound on the minimum), so the bound does not rest on the LP
solver's tolerances. Column generation over the LP relaxation of the master (HiGHS
through ``scipy.optimize.linprog``) drives π to the best such bound, the Dantzig–Wolfe
bound. The master LP is highly degenerate (its vertex duals are mostly zero when
weapons are plentiful), so the prices are stabilised: a subgradient ascent on L(π)
(Polyak steps) when the duals are degenerate or the generation stalls, and Wentges
smoothing of the priced duals towards the best Lagrangian prices (Wentges 1997,
Int. Trans. Oper. Res. 4:151–162). On the published instances the Dantzig–Wolfe bound
equals the optimum or nearly so.

**Closing the gap.** For an integer solution of cost F and any π,
:math:`F - L(\pi) = \sum_j [g_j(a_j) + \pi \cdot a_j - \min_a(\cdot)] + \pi \cdot (m - \text{use})`,
a sum of non-negative terms; so a solution cheaper than the incumbent F* uses only
columns whose priced cost is within F* - L(π) of their target's minimum. Those
columns are enumerated (the same search with a threshold) and the set-partitioning
MILP over them is solved with HiGHS (``scipy.optimize.milp``, relative gap 1e-9); its
optimum is the problem's optimum and its dual bound a valid lower bound. The
incumbent comes from ``improve``. When the enumeration would be too large, or the
budget ends, the method reports the bounds it has proven.

This is the reduced-cost column enumeration of exact set-partitioning methods (e.g.
Baldacci, Christofides & Mingozzi 2008, Math. Programming 115:351–385) applied to WTA;
the MILP approaches of Andersen, Pavlikov & Toffolo (2022), "Weapon-target assignment
problem: exact and approximate solution algorithms", Ann. Oper. Res. 312:581–606, use
branch-and-adjust and probability chains instead.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from skyscreen._typing import FloatArray, IntArray
from skyscreen.c2 import _wta_numba
from skyscreen.c2._wta_problem import Budget, Problem, objective

if TYPE_CHECKING:
    import scipy.sparse as sp

# scipy.sparse and scipy.optimize are imported where they are used: together about
# 0.4 s, which every run would pay at import though only the exact method needs them.

__all__ = [
    "BRUTE_LIMIT",
    "ExactOutcome",
    "brute_force",
    "count_assignments",
    "solve_exact",
]

BRUTE_LIMIT = 2_000_000
# Enumeration sizes: columns in all (the MILP's variables) and search nodes per target.
_MAX_COLUMNS = 400_000
# Search nodes per target: when pricing (the bound stays valid if cut short) and when
# enumerating (then the proof is abandoned).
_PRICE_NODES = 50_000
_ENUM_NODES = 2_000_000
# Singleton columns seeded per target and per weapon type before pricing starts.
_SEED_PER_TARGET = 4
_SEED_PER_TYPE = 4
_MILP_GAP = 1e-9
# Weight of the best Lagrangian prices in the smoothed prices (Wentges 1997).
_SMOOTHING = 0.3
# Subgradient ascent: most steps; share of zero LP duals that calls for it at once;
# rounds of column generation without progress that call for it later.
_SUBGRADIENT_STEPS = 300
_DEGENERATE_SHARE = 0.25
_STALL_ROUNDS = 5


@dataclass(slots=True)
class ExactOutcome:
    """What the exact method proved: best counts, bounds, rounds, whether it finished."""

    x: IntArray
    upper: float
    lower: float
    iterations: int
    stopped: bool


class _Pool:
    """Columns of the master problem: target, true cost and sparse weapon counts."""

    def __init__(self, n_weapon: int, n_target: int) -> None:
        self.n_weapon = n_weapon
        self.n_target = n_target
        self.target: list[int] = []
        self.cost: list[float] = []
        self.types: list[IntArray] = []
        self.counts: list[IntArray] = []
        self.keys: set[tuple[int, bytes, bytes]] = set()

    def __len__(self) -> int:
        return len(self.target)

    def add(self, j: int, types: IntArray, counts: IntArray, cost: float) -> bool:
        key = (j, types.tobytes(), counts.tobytes())
        if key in self.keys:
            return False
        self.keys.add(key)
        self.target.append(j)
        self.cost.append(cost)
        self.types.append(types.astype(np.int64))
        self.counts.append(counts.astype(np.int64))
        return True

    def matrices(self) -> tuple[FloatArray, sp.csr_matrix, sp.csr_matrix]:
        """Costs (n,), partition rows (T, n) and capacity rows (W, n)."""
        import scipy.sparse as sp

        n = len(self.target)
        cost = np.asarray(self.cost, float)
        a_eq = sp.csr_matrix(
            (np.ones(n), (np.asarray(self.target, np.int64), np.arange(n))),
            shape=(self.n_target, n),
        )
        lens = np.fromiter((t.size for t in self.types), np.int64, n)
        rows = np.concatenate(self.types) if n else np.zeros(0, np.int64)
        vals = np.concatenate(self.counts) if n else np.zeros(0, np.int64)
        cols = np.repeat(np.arange(n), lens)
        a_cap = sp.csr_matrix(
            (vals.astype(float), (rows, cols)), shape=(self.n_weapon, n)
        )
        return cost, a_eq, a_cap

    def counts_of(self, chosen: IntArray) -> IntArray:
        """Count matrix (W, T) of a set of chosen columns."""
        x = np.zeros((self.n_weapon, self.n_target), np.int64)
        for c in chosen:
            x[self.types[c], self.target[c]] += self.counts[c]
        return x


def _column_cost(problem: Problem, j: int, types: IntArray, counts: IntArray) -> float:
    s = float(np.prod(problem.q[types, j] ** counts))
    return float(problem.values[j] * s + problem.unit_cost[types] @ counts)


def _seed(problem: Problem, pool: _Pool, ub: IntArray, x0: IntArray) -> None:
    one = np.ones(1, np.int64)
    for j in range(problem.n_target):
        pool.add(
            j, np.zeros(0, np.int64), np.zeros(0, np.int64), float(problem.values[j])
        )
    for j in range(problem.n_target):
        types = np.flatnonzero(x0[:, j])
        if types.size:
            counts = x0[types, j]
            pool.add(j, types, counts, _column_cost(problem, j, types, counts))
    gain = problem.values[None, :] * problem.pk - problem.unit_cost[:, None]
    gain = np.where(ub > 0, gain, -np.inf)
    picks: set[tuple[int, int]] = set()
    k_t = min(_SEED_PER_TARGET, problem.n_weapon)
    k_w = min(_SEED_PER_TYPE, problem.n_target)
    if k_t:
        for j in range(problem.n_target):
            for i in np.argsort(-gain[:, j], kind="stable")[:k_t]:
                picks.add((int(i), j))
    if k_w:
        for i in range(problem.n_weapon):
            for j in np.argsort(-gain[i], kind="stable")[:k_w]:
                picks.add((i, int(j)))
    for i, j in sorted(picks):
        if np.isfinite(gain[i, j]):
            ti = np.array([i], np.int64)
            pool.add(j, ti, one, _column_cost(problem, j, ti, one))


def _solve_master_lp(
    pool: _Pool, capacity: IntArray, budget: Budget
) -> tuple[FloatArray, FloatArray, FloatArray, float] | None:
    """Master LP: weights (n,), duals σ (T,) and π >= 0 (W,), value; None if cut short."""
    from scipy.optimize import linprog

    cost, a_eq, a_cap = pool.matrices()
    options: dict[str, float] = {}
    if budget.deadline is not None:
        options["time_limit"] = max(budget.remaining_s(), 0.01)
    res = linprog(
        cost,
        A_ub=a_cap,
        b_ub=capacity.astype(float),
        A_eq=a_eq,
        b_eq=np.ones(pool.n_target),
        bounds=(0, None),
        method="highs",
        options=options,
    )
    if res.status != 0:  # the empty columns keep it feasible: only a time limit
        return None
    sigma = np.asarray(res.eqlin.marginals, float)
    pi = np.maximum(-np.asarray(res.ineqlin.marginals, float), 0.0)
    return np.asarray(res.x, float), sigma, pi, float(res.fun)


def _solve_master_milp(
    pool: _Pool, capacity: IntArray, budget: Budget, node_limit: int | None
) -> tuple[IntArray | None, float]:
    """Set-partitioning MILP over the pool: chosen columns (or None) and dual bound."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    cost, a_eq, a_cap = pool.matrices()
    options: dict[str, float | int | bool] = {
        "mip_rel_gap": _MILP_GAP,
        "presolve": True,
    }
    if budget.deadline is not None:
        options["time_limit"] = max(budget.remaining_s(), 0.01)
    if node_limit is not None:
        options["node_limit"] = max(int(node_limit), 1)
    n = cost.size
    res = milp(
        cost,
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), np.ones(n)),
        constraints=[
            LinearConstraint(a_eq, 1.0, 1.0),
            LinearConstraint(a_cap, -np.inf, capacity.astype(float)),
        ],
        options=options,
    )
    bound = getattr(res, "mip_dual_bound", None)
    lower = float(bound) if bound is not None and np.isfinite(bound) else -math.inf
    if res.x is None:
        return None, lower
    return np.flatnonzero(np.asarray(res.x) > 0.5), lower


def _feasible(problem: Problem, x: IntArray) -> bool:
    return bool(
        np.all(x >= 0)
        and np.all(x.sum(axis=1) <= problem.capacity)
        and np.all(x.sum(axis=0) <= problem.max_per_target)
    )


def _removal_prices(problem: Problem, x: IntArray) -> FloatArray:
    """What one weapon of each type is worth in ``x``: the least rise in F on removing one.

    Zero for a type with a weapon left unused. A starting point for the Lagrangian
    prices that, unlike the master LP's first (degenerate, mostly zero) duals, makes
    pricing cheap: a zero price lets every weapon of the type into every column.
    """
    q = problem.q
    survival = np.prod(q**x, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = problem.values * survival * (1.0 / q - 1.0) - problem.unit_cost[:, None]
    loss = np.where(x > 0, loss, np.inf)
    prices = np.min(loss, axis=1, initial=np.inf)
    prices = np.where(x.sum(axis=1) < problem.capacity, 0.0, prices)
    return np.asarray(np.clip(np.nan_to_num(prices, posinf=0.0), 0.0, None), float)


def solve_exact(problem: Problem, x0: IntArray, budget: Budget) -> ExactOutcome:
    """Column generation and reduced-cost enumeration from the incumbent ``x0``."""
    n_w, n_t = problem.n_weapon, problem.n_target
    values, pk, c = problem.values, problem.pk, problem.unit_cost
    capacity = problem.capacity
    ub = problem.entry_bound()
    mpt = problem.max_per_target
    tol_abs = problem.tolerance()
    best_x = x0.copy()
    upper = objective(values, pk, c, best_x)
    if not ub.any():
        # No weapon has a positive return anywhere: the empty assignment is optimal.
        empty = np.zeros_like(x0)
        f = objective(values, pk, c, empty)
        return ExactOutcome(empty, f, f, 0, False)
    lower = 0.0
    best_bound = -math.inf
    best_m = np.zeros(n_t)
    best_pi = np.zeros(n_w)
    center = np.zeros(n_w)
    pool = _Pool(n_w, n_t)
    _seed(problem, pool, ub, x0)
    dummy_i = np.zeros(1, np.int64)
    dummy_f = np.zeros(1)
    col_x = np.zeros(n_w, np.int64)
    iterations = 0

    def closed() -> bool:
        return upper - lower <= 1e-6 * max(abs(upper), 1e-12)

    def over_budget() -> bool:
        return (
            budget.max_iter is not None and iterations >= budget.max_iter
        ) or budget.out_of_time()

    def outcome(stopped: bool) -> ExactOutcome:
        return ExactOutcome(best_x, upper, min(lower, upper), iterations, stopped)

    def offer(x: IntArray) -> None:
        nonlocal upper, best_x
        if _feasible(problem, x):
            f = objective(values, pk, c, x)
            if f < upper:
                upper, best_x = f, x

    def price_all(
        prices: FloatArray,
    ) -> tuple[float, FloatArray, list[IntArray]] | None:
        """L(π), each target's least priced cost (a proven bound) and its column.

        None when the deadline passes before every target is priced.
        """
        w = prices + c
        m: FloatArray = np.empty(n_t)
        cols: list[IntArray] = []
        for j in range(n_t):
            if budget.out_of_time():
                return None
            _, _, f_low, _, _ = _wta_numba.price(
                float(values[j]),
                pk[:, j].copy(),
                w,
                c,
                ub[:, j].copy(),
                int(mpt[j]),
                math.inf,
                False,
                _PRICE_NODES,
                col_x,
                dummy_i,
                dummy_i,
                dummy_i,
                dummy_f,
            )
            m[j] = f_low
            cols.append(col_x.copy())
        return float(m.sum() - prices @ capacity), m, cols

    def record(bound: float, m: FloatArray, prices: FloatArray) -> bool:
        nonlocal best_bound, best_m, best_pi, center, lower
        if bound <= best_bound:
            return False
        best_bound, best_m, best_pi, center = bound, m, prices, prices
        lower = max(lower, bound)
        return True

    def add_columns(
        cols: list[IntArray], sigma: FloatArray | None, pi: FloatArray
    ) -> int:
        added = 0
        for j, a in enumerate(cols):
            types = np.flatnonzero(a)
            counts = a[types]
            g = _column_cost(problem, j, types, counts)
            rc = -math.inf if sigma is None else g + pi[types] @ counts - sigma[j]
            if rc < -1e-9 * max(1.0, float(values[j])):
                added += pool.add(j, types, counts, g)
        return added

    def master_lp() -> tuple[FloatArray, FloatArray, float] | None:
        solved = _solve_master_lp(pool, capacity, budget)
        if solved is None:
            return None
        lam, sigma, pi, lp_value = solved
        if np.all((lam < 1e-9) | (lam > 1 - 1e-9)):
            offer(pool.counts_of(np.flatnonzero(lam > 0.5)))
        return sigma, pi, lp_value

    def subgradient() -> bool:
        """Better prices by subgradient ascent on L(π); False if time ran out.

        Polyak steps towards the incumbent's value, from the better of the best prices
        so far and the incumbent's removal prices.
        """
        nonlocal iterations
        start = _removal_prices(problem, best_x)
        iterations += 1
        priced = price_all(start)
        if priced is None:
            return False
        if record(*priced[:2], start):
            add_columns(priced[2], None, start)
        prices = center.copy()
        theta = 1.0
        stall = 0
        for _ in range(_SUBGRADIENT_STEPS):
            if over_budget() or closed() or theta < 1e-3:
                break
            iterations += 1
            priced = price_all(prices)
            if priced is None:
                return False
            bound, m, cols = priced
            if record(bound, m, prices):
                add_columns(cols, None, prices)
                stall = 0
            else:
                stall += 1
                if stall >= 5:
                    theta, stall = theta / 2, 0
            grad = np.sum(cols, axis=0) - capacity
            norm = float(grad @ grad)
            if norm == 0.0:
                break
            prices = np.maximum(prices + theta * (upper - bound) / norm * grad, 0.0)
        return True

    # 1. The master LP over the seed columns, priced at its duals (on the published
    #    one-weapon-per-type instances this nearly closes the gap) -- unless those
    #    duals are mostly zero: the master LP is very degenerate, pricing at zero
    #    prices is slow (every weapon of the type enters every column), and column
    #    generation from such duals stalls (measured: 230 rounds without progress on
    #    wta_50x100x3). Then, and whenever column generation stalls, a subgradient
    #    ascent finds better prices first.
    iterations += 1
    lp = master_lp()
    if lp is None:
        return outcome(True)
    sigma, pi, lp_value = lp
    usable = (capacity > 0) & ub.any(axis=1)
    degenerate = bool(usable.any() and np.mean(pi[usable] == 0.0) > _DEGENERATE_SHARE)
    if degenerate:
        if not subgradient():
            return outcome(True)
    else:
        priced = price_all(pi)
        if priced is None:
            return outcome(True)
        record(*priced[:2], pi)
        add_columns(priced[2], sigma, pi)
    if closed():
        return outcome(False)

    # 2. Column generation with Wentges smoothing: columns are priced at a convex
    #    combination of the best Lagrangian prices and the LP duals, moving towards
    #    the LP duals on mispricing (no column with a negative reduced cost found).
    done_subgradient = degenerate
    stalled = 0
    last = (lp_value, best_bound)
    while not closed():
        if over_budget():
            return outcome(True)
        iterations += 1
        lp = master_lp()
        if lp is None:
            return outcome(True)
        sigma, pi, lp_value = lp
        if closed() or best_bound >= lp_value - tol_abs:
            break
        progress = lp_value < last[0] - tol_abs or best_bound > last[1] + tol_abs
        stalled = 0 if progress else stalled + 1
        last = (lp_value, best_bound)
        if stalled >= _STALL_ROUNDS and not done_subgradient:
            done_subgradient = True
            if not subgradient():
                return outcome(True)
            continue
        added = 0
        step = 0
        while True:
            step += 1
            alpha = max(0.0, 1.0 - step * (1.0 - _SMOOTHING))
            prices = alpha * center + (1.0 - alpha) * pi
            priced = price_all(prices)
            if priced is None:
                return outcome(True)
            record(*priced[:2], prices)
            added = add_columns(priced[2], sigma, pi)
            if added or alpha == 0.0:
                break
        # No column prices out at the LP duals: the LP is optimal over all columns
        # (when pricing was complete) and the Lagrangian bound has reached it.
        if added == 0:
            break
    if closed():
        return outcome(False)

    # 3. An incumbent from the columns generated so far (a small MILP).
    if len(pool) > 2 * n_t and not over_budget():
        limit = 500 if budget.max_iter is None else min(500, budget.max_iter)
        chosen, _ = _solve_master_milp(pool, capacity, budget, limit)
        iterations += 1
        if chosen is not None:
            offer(pool.counts_of(chosen))
        if closed():
            return outcome(False)
    if budget.out_of_time():
        return outcome(True)

    # 4. Every column that can appear in a better solution, then the MILP over them.
    gap = upper - best_bound + tol_abs
    full = _Pool(n_w, n_t)
    out_ptr = np.zeros(_MAX_COLUMNS + 1, np.int64)
    out_type = np.zeros(8 * _MAX_COLUMNS, np.int64)
    out_count = np.zeros(8 * _MAX_COLUMNS, np.int64)
    out_cost = np.zeros(_MAX_COLUMNS)
    w = best_pi + c
    for j in range(n_t):
        room = _MAX_COLUMNS - len(full)
        n_out, _, _, _, done = _wta_numba.price(
            float(values[j]),
            pk[:, j].copy(),
            w,
            c,
            ub[:, j].copy(),
            int(mpt[j]),
            float(best_m[j] + gap),
            True,
            _ENUM_NODES,
            col_x,
            out_ptr[: room + 1],
            out_type,
            out_count,
            out_cost[:room],
        )
        if not done or budget.out_of_time():
            # Too many columns (or no time left): only the bounds so far are proven.
            return outcome(budget.out_of_time())
        for k in range(n_out):
            a, b = out_ptr[k], out_ptr[k + 1]
            full.add(j, out_type[a:b].copy(), out_count[a:b].copy(), float(out_cost[k]))
    chosen, bound = _solve_master_milp(full, capacity, budget, budget.max_iter)
    iterations += 1
    if chosen is not None:
        offer(full.counts_of(chosen))
    lower = max(lower, bound)
    return outcome(not closed())


# ---------------------------------------------------------------------- brute force


def _type_options(cap: int, ub_row: IntArray) -> IntArray:
    """All count vectors of one type: Σ_j a_j <= cap, a_j <= ub_row[j]."""
    n_t = ub_row.shape[0]
    rows = [np.zeros(n_t, np.int64)]
    for k in range(1, cap + 1):
        for combo in itertools.combinations_with_replacement(range(n_t), k):
            a = np.bincount(np.asarray(combo, np.int64), minlength=n_t)
            if np.all(a <= ub_row):
                rows.append(a)
    return np.array(rows, np.int64).reshape(len(rows), n_t)


def count_assignments(problem: Problem) -> int:
    """Size of the brute-force search space: Π_i (count vectors of type i).

    Counted exactly, per type, by dynamic programming over targets (a_j <=
    min(capacity_i, max_per_target_j), Σ_j a_j <= capacity_i); the joint limits of
    ``max_per_target`` over types are ignored, so this is an upper bound.
    """
    total = 1
    for i in range(problem.n_weapon):
        u = np.minimum(int(problem.capacity[i]), problem.max_per_target)
        cap = min(int(problem.capacity[i]), int(u.sum()))
        if cap >= BRUTE_LIMIT:  # at least one vector per total count
            return cap + 1
        ways = np.zeros(cap + 1, np.int64)
        ways[0] = 1
        for j in range(problem.n_target):
            # nxt[s] = Σ_{a <= u_j} ways[s - a], by prefix sums; capped to stay small.
            csum = np.concatenate([[0], np.cumsum(ways)])
            lo = np.maximum(np.arange(cap + 1) - int(u[j]), 0)
            ways = np.minimum(csum[1:] - csum[lo], BRUTE_LIMIT + 1)
        total *= int(np.minimum(ways.sum(), BRUTE_LIMIT + 1))
        if total > BRUTE_LIMIT:
            return total
    return total


def brute_force(problem: Problem) -> tuple[IntArray, int]:
    """Best counts (W, T) over every assignment, and the number enumerated.

    Assignments are built type by type; the trailing types are enumerated as arrays
    (blocks of at most ~1e5) and the leading ones in a Python loop.
    """
    n_w, n_t = problem.n_weapon, problem.n_target
    ub = np.minimum(problem.capacity[:, None], problem.max_per_target[None, :])
    options = [_type_options(int(problem.capacity[i]), ub[i]) for i in range(n_w)]
    log_q = np.log1p(-problem.pk)
    logs = [opt * log_q[i] for i, opt in enumerate(options)]
    costs = [opt.sum(axis=1) * problem.unit_cost[i] for i, opt in enumerate(options)]
    # Inner block: trailing types whose product stays small.
    split = n_w
    size = 1
    while split > 0 and size * len(options[split - 1]) <= 100_000:
        split -= 1
        size *= len(options[split])
    inner_log = np.zeros((1, n_t))
    inner_cnt = np.zeros((1, n_t), np.int64)
    inner_cost = np.zeros(1)
    inner_idx = np.zeros((1, 0), np.int64)
    for i in range(split, n_w):
        k = len(options[i])
        rows = inner_log.shape[0] * k
        inner_log = (inner_log[:, None, :] + logs[i][None, :, :]).reshape(rows, n_t)
        inner_cnt = (inner_cnt[:, None, :] + options[i][None, :, :]).reshape(rows, n_t)
        inner_cost = (inner_cost[:, None] + costs[i][None, :]).reshape(-1)
        inner_idx = np.concatenate(
            [
                np.repeat(inner_idx, k, axis=0),
                np.tile(np.arange(k), len(inner_idx))[:, None],
            ],
            axis=1,
        )
    best_f = math.inf
    best: tuple[tuple[int, ...], IntArray] | None = None
    n = 0
    for outer in itertools.product(*(range(len(options[i])) for i in range(split))):
        o_log = np.zeros(n_t)
        o_cnt = np.zeros(n_t, np.int64)
        o_cost = 0.0
        for i, k in enumerate(outer):
            o_log = o_log + logs[i][k]
            o_cnt = o_cnt + options[i][k]
            o_cost += float(costs[i][k])
        cnt = o_cnt + inner_cnt
        ok = np.all(cnt <= problem.max_per_target, axis=1)
        f = np.exp(o_log + inner_log) @ problem.values + inner_cost + o_cost
        f = np.where(ok, f, np.inf)
        n += int(ok.sum())
        k = int(np.argmin(f))
        if f[k] < best_f:
            best_f = float(f[k])
            best = (outer, inner_idx[k])
    x = np.zeros((n_w, n_t), np.int64)
    if best is not None:
        for i, k in enumerate(best[0]):
            x[i] = options[i][k]
        for a, k in enumerate(best[1]):
            x[split + a] = options[split + a][k]
    return x, n
