r"""Weapon-target assignment: the static problem, its solvers, and the engine's greedy.

Each decision cycle minimises the expected surviving threat value plus, optionally, a
weighted munitions cost,

.. math::

    \min_x F(x) = \sum_j V_j \prod_i (1 - p_{ij})^{x_{ij}} + w_c \sum_{ij} c_i x_{ij}
    \quad\text{s.t.}\quad \sum_j x_{ij} \le m_i, \quad \sum_i x_{ij} \le n_j, \quad
    x_{ij} \in \mathbb{Z}_{\ge 0},

over W weapon types (m_i weapons of type i, unit cost c_i) and T targets (value V_j, at
most n_j weapons each); p_ij is the kill probability of one weapon of type i on
target j, w_c the cost weight. :func:`solve_wta` solves it with one of four methods:

- ``"greedy"``: maximum marginal return (den Broeder, Ellison & Emerling 1959),
  optimal when p depends only on the target;
- ``"improve"``: greedy, then local search and a very large-scale assignment
  neighbourhood (after Ahuja, Kumar, Jha & Orlin 2007);
- ``"exact"``: column generation with exact pricing for a proven lower bound, then a
  HiGHS MILP over every column that can still improve (compare Andersen, Pavlikov &
  Toffolo 2022);
- ``"brute"``: enumeration, for tiny instances and tests.

:func:`greedy_assign_batch` is the engine's batched greedy, one instance per
replication, each weapon taking at most one target per cycle.

Sources: den Broeder, Ellison & Emerling (1959), Operations Research 7(3):322–326;
Ahuja, Kumar, Jha & Orlin (2007), Operations Research 55(6):1136–1146; Andersen,
Pavlikov & Toffolo (2022), Annals of Operations Research 312:581–606.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.c2 import _wta_exact, _wta_improve
from skyscreen.c2._wta_problem import Budget, Problem, objective
from skyscreen.c2.greedy import greedy_mmr
from skyscreen.errors import ModelError

__all__ = [
    "MAX_WEAPONS",
    "WTA_METHODS",
    "WTAResult",
    "greedy_assign_batch",
    "solve_wta",
    "wta_objective",
]

MAX_WEAPONS = 100_000
"""Most weapons (the sum of the capacities) a solver accepts. The public instances
have at most 900 and an engine decision cycle a few hundred; beyond this the greedy's
steps and the improvement search's unit arrays grow past seconds and gigabytes."""

WTA_METHODS = ("greedy", "improve", "exact", "brute")
"""Names accepted by :func:`solve_wta` (and by ``doctrine.wta_method``)."""

#: Largest kill probability the solvers work with; a given 1.0 is read as this.
PK_MAX = 1.0 - 1e-12

# Share of exact's time limit its warm start (improve) may use.
_WARM_SHARE = 0.5

#: Relative gap at or below which a result is reported ``"optimal"``.
OPTIMAL_GAP = 1e-6

Status = Literal["optimal", "feasible", "time_limit"]


@dataclass(frozen=True, slots=True, eq=False)
class WTAResult:
    """Solution of a static weapon-target assignment problem.

    Attributes
    ----------
    x : ndarray of shape (W, T), int64, read-only
        Weapons of type i assigned to target j.
    objective : float
        F(x): expected surviving value plus ``cost_weight`` times the cost spent.
    lower_bound : float
        A proven lower bound on the optimal F (0.0 when the method has none: F >= 0).
    upper_bound : float
        The best F found, equal to ``objective``.
    gap : float
        Relative gap ``(upper_bound - lower_bound) / max(|upper_bound|, 1e-12)``.
    status : {"optimal", "feasible", "time_limit"}
        ``"optimal"`` when ``gap <= 1e-6``; ``"time_limit"`` when the time or
        iteration budget ended the method before its own stopping rule (only
        ``"exact"`` has one that a budget can cut short: the proof); otherwise
        ``"feasible"``.
    method : str
        The method that produced it.
    iterations : int
        Greedy: weapons assigned. Improve: assignment-neighbourhood rounds. Exact:
        column-generation rounds plus MILP solves. Brute: assignments enumerated.
    time_s : float
        Wall-clock time of the solve (s).
    """

    x: IntArray
    objective: float
    lower_bound: float
    upper_bound: float
    gap: float
    status: Status
    method: str
    iterations: int
    time_s: float


def _relative_gap(upper: float, lower: float) -> float:
    return max(upper - lower, 0.0) / max(abs(upper), 1e-12)


def _where(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _float_array(name: str, value: Any) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ModelError(
            f"{name} must be an array of numbers; got {type(value).__name__}"
        ) from None
    return arr


def _check_shape(name: str, arr: Any, shape: tuple[int, ...], label: str) -> None:
    if arr.shape != shape:
        want = f"{label} = {shape}" if label else f"{shape}"
        raise ModelError(f"{name} must have shape {want}; got {arr.shape}")


def _check_finite_nonneg(name: str, arr: FloatArray) -> None:
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        idx = tuple(int(k) for k in np.argwhere(bad)[0])
        raise ModelError(
            f"{name} must be finite and >= 0; got {float(arr[idx])!r} at {_where(idx)}"
        )


def _int_array(name: str, value: Any, shape: tuple[int, ...], label: str) -> IntArray:
    arr = _float_array(name, value)
    _check_shape(name, arr, shape, label)
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
    if bad.any():
        idx = tuple(int(k) for k in np.argwhere(bad)[0])
        raise ModelError(
            f"{name} must hold non-negative integers; got {float(arr[idx])!r} "
            f"at {_where(idx)}"
        )
    return arr.astype(np.int64)


def _as_real(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def _problem(
    values: Any,
    pk: Any,
    capacity: Any,
    max_per_target: Any,
    cost: Any,
    cost_weight: Any,
) -> Problem:
    v = _float_array("values", values)
    if v.ndim != 1:
        raise ModelError(f"values must have shape (T,); got {v.shape}")
    _check_finite_nonneg("values", v)
    cap_arr = _float_array("capacity", capacity)
    if cap_arr.ndim != 1:
        raise ModelError(f"capacity must have shape (W,); got {cap_arr.shape}")
    n_w, n_t = cap_arr.shape[0], v.shape[0]
    cap = _int_array("capacity", cap_arr, (n_w,), "")
    units = int(cap.sum())
    if units > MAX_WEAPONS:
        raise ModelError(
            f"capacity must sum to at most {MAX_WEAPONS} weapons; got {units} "
            "(the solvers' work and memory grow with the number of weapons)"
        )
    p = _float_array("pk", pk)
    _check_shape("pk", p, (n_w, n_t), "(W, T)")
    bad = ~np.isfinite(p) | (p < 0) | (p > 1)
    if bad.any():
        idx = tuple(int(k) for k in np.argwhere(bad)[0])
        raise ModelError(
            f"pk must be in [0, 1]; got {float(p[idx])!r} at {_where(idx)}"
        )
    # A certain kill is solved as 1 - 1e-12 (the solvers work with log(1 - p)); the
    # objective moves by at most 1e-12 of the total value.
    p = np.minimum(p, PK_MAX)
    mpt: IntArray
    mpt_int = _as_int(max_per_target)
    if max_per_target is None:
        mpt = np.full(n_t, max(int(cap.sum()), 1), np.int64)
    elif mpt_int is not None:
        if mpt_int < 0:
            raise ModelError(f"max_per_target must be >= 0; got {mpt_int}")
        mpt = np.full(n_t, mpt_int, np.int64)
    else:
        arr = _float_array("max_per_target", max_per_target)
        if arr.ndim != 1 or arr.shape[0] != n_t:
            raise ModelError(
                f"max_per_target must be an int or have shape (T,) = ({n_t},); "
                f"got {arr.shape}"
            )
        mpt = _int_array("max_per_target", arr, (n_t,), "(T,)")
    weight = _as_real(cost_weight)
    if weight is None:
        raise ModelError(
            f"cost_weight must be a real number; got {type(cost_weight).__name__}"
        )
    if not (math.isfinite(weight) and weight >= 0):
        raise ModelError(f"cost_weight must be finite and >= 0; got {cost_weight!r}")
    if cost is None:
        unit_cost = np.zeros(n_w)
    else:
        c = _float_array("cost", cost)
        _check_shape("cost", c, (n_w,), "(W,)")
        _check_finite_nonneg("cost", c)
        unit_cost = weight * c
    return Problem(
        values=np.ascontiguousarray(v),
        pk=np.ascontiguousarray(p),
        capacity=cap,
        max_per_target=mpt,
        unit_cost=np.ascontiguousarray(unit_cost, dtype=float),
    )


def _check_budget(time_limit_s: object, max_iter: object, seed: object) -> None:
    if time_limit_s is not None:
        t = _as_real(time_limit_s)
        if t is None or not (math.isfinite(t) and t > 0):
            raise ModelError(
                f"time_limit_s must be a finite number > 0; got {time_limit_s!r}"
            )
    if max_iter is not None:
        n = _as_int(max_iter)
        if n is None or n < 0:
            raise ModelError(f"max_iter must be an int >= 0; got {max_iter!r}")
    s = _as_int(seed)
    if s is None or s < 0:
        raise ModelError(f"seed must be an int >= 0; got {seed!r}")


def _greedy_is_optimal(problem: Problem) -> bool:
    """Whether greedy is provably optimal here (den Broeder et al. 1959).

    With the same p_j for every usable weapon type and the same unit cost, weapons are
    interchangeable and each target's return on its k-th weapon, V_j p_j (1-p_j)^(k-1)
    - c, falls with k: greedy allocation of identical units to separable concave
    returns is optimal, also under per-target limits. Also true when no weapon has a
    positive return anywhere (the empty assignment is optimal).
    """
    if not problem.entry_bound().any():
        return True
    usable = problem.capacity > 0
    if usable.sum() <= 1:
        return True
    pk = problem.pk[usable]
    uc = problem.unit_cost[usable]
    return bool(np.all(pk == pk[0]) and np.all(uc == uc[0]))


def wta_objective(
    values: Any,
    pk: Any,
    x: Any,
    *,
    cost: Any = None,
    cost_weight: float = 0.0,
) -> float:
    r"""Objective of an assignment: expected surviving value plus weighted cost.

    .. math:: F(x) = \sum_j V_j \prod_i (1 - p_{ij})^{x_{ij}} + w_c \sum_{ij} c_i x_{ij}

    Parameters
    ----------
    values : array_like of shape (T,)
        Target values V_j >= 0.
    pk : array_like of shape (W, T)
        Kill probability of one weapon of type i on target j, in [0, 1].
    x : array_like of shape (W, T)
        Non-negative integer counts of weapons of type i on target j.
    cost : array_like of shape (W,), optional
        Cost of one weapon of each type (>= 0).
    cost_weight : float, default 0.0
        Weight w_c of the cost term (>= 0).

    Returns
    -------
    float
        F(x), the value :func:`solve_wta` reports as ``objective``.

    Examples
    --------
    >>> wta_objective([10.0, 4.0], [[0.5, 0.2]], [[1, 0]])
    9.0
    """
    v = _float_array("values", values)
    if v.ndim != 1:
        raise ModelError(f"values must have shape (T,); got {v.shape}")
    p = _float_array("pk", pk)
    if p.ndim != 2:
        raise ModelError(
            f"pk must have shape (W, T) = (W, {v.shape[0]}); got {p.shape}"
        )
    problem = _problem(v, p, np.zeros(p.shape[0]), None, cost, cost_weight)
    counts = _int_array("x", x, p.shape, "(W, T)")
    return objective(problem.values, problem.pk, problem.unit_cost, counts)


def solve_wta(
    values: Any,
    pk: Any,
    capacity: Any,
    method: str = "greedy",
    *,
    max_per_target: Any = None,
    cost: Any = None,
    cost_weight: float = 0.0,
    time_limit_s: float | None = None,
    max_iter: int | None = None,
    patience: int | None = None,
    seed: int = 0,
) -> WTAResult:
    r"""Solve a static weapon-target assignment problem.

    Minimises

    .. math::

        F(x) = \sum_j V_j \prod_i (1 - p_{ij})^{x_{ij}}
        + w_c \sum_{ij} c_i x_{ij}

    over non-negative integer counts x (W, T) with Σ_j x_ij <= capacity_i and
    Σ_i x_ij <= max_per_target_j: the expected value of the targets that survive
    (p_ij independent per shot) plus the weighted cost of the weapons used, so a weapon
    is used only where its marginal return V_j S_j p_ij exceeds w_c c_i.

    Parameters
    ----------
    values : array_like of shape (T,)
        Target values V_j >= 0.
    pk : array_like of shape (W, T)
        Kill probability p_ij in [0, 1] of one weapon of type i on target j (0 where
        it cannot engage).
    capacity : array_like of shape (W,)
        Number of weapons of each type (non-negative integers).
    method : {"greedy", "improve", "exact", "brute"}, default "greedy"
        ``"greedy"``: maximum marginal return — each step assigns one weapon to the
        pair (i, j) with the largest V_j S_j p_ij - w_c c_i (S_j the target's current
        survival), until no gain is positive (den Broeder et al. 1959); O(W·T) per
        step. ``"improve"``: greedy, then local search (single-weapon moves, pairwise
        swaps) and a linear-assignment neighbourhood of cyclic exchanges (after Ahuja
        et al. 2007), repeated with seeded random choices while the budget lasts.
        ``"exact"``: set-partitioning reformulation (one column of weapon counts per
        target) solved by column generation with exact pricing — a proven Lagrangian
        bound — then a HiGHS MILP over every column that could still improve on the
        ``improve`` incumbent; reports proven bounds. ``"brute"``: enumerates every
        assignment; raises if there are more than 2e6.
    max_per_target : int or array_like of shape (T,), optional
        Most weapons on one target (unlimited by default).
    cost : array_like of shape (W,), optional
        Cost c_i >= 0 of one weapon of each type.
    cost_weight : float, default 0.0
        Weight w_c >= 0 of the cost term (value units per cost unit).
    time_limit_s : float, optional
        Wall-clock budget (s), for studies.
    max_iter : int, optional
        Deterministic budget: improve's assignment rounds; exact's
        column-generation rounds and MILP branch-and-bound nodes. The engine uses
        this, so runs are reproducible.
    patience : int, optional
        Improve: stop after this many assignment rounds in a row bring no
        improvement, even if budget is left. Default: 1 without a budget (stop at the
        first), unlimited with one (use the whole budget). The engine passes a small
        value so that its tiny instances do not spend the whole iteration budget.
    seed : int, default 0
        Seed of improve's random choices.

    Without a budget each method stops by its own rule: greedy when no gain is
    positive, improve at the first round that brings no improvement, exact at a
    proven optimum (relative gap <= 1e-6), brute when done.

    Returns
    -------
    WTAResult
        Counts, objective, proven bounds, relative gap and status.

    Raises
    ------
    skyscreen.errors.ModelError
        (a ``ValueError``) for arguments of the wrong shape or outside their range,
        an unknown method, or a brute-force search space over 2e6 assignments.

    Examples
    --------
    Two weapon types (one weapon each) against two targets:

    >>> values = [10.0, 4.0]
    >>> pk = [[0.8, 0.5],
    ...       [0.6, 0.9]]
    >>> res = solve_wta(values, pk, [1, 1], method="exact")
    >>> res.x.tolist(), round(res.objective, 6), res.status
    ([[1, 0], [0, 1]], 2.4, 'optimal')

    Greedy takes the largest marginal return first (8 = 10 × 0.8), then 3.6:

    >>> g = solve_wta(values, pk, [1, 1])
    >>> g.x.tolist(), round(g.objective, 6), g.lower_bound, g.status
    ([[1, 0], [0, 1]], 2.4, 0.0, 'feasible')

    A weighted cost keeps an expensive weapon off a target worth too little:

    >>> c = solve_wta(values, pk, [1, 1], method="exact", cost=[1.0, 5.0],
    ...               cost_weight=1.0)
    >>> c.x.tolist(), round(c.objective, 6)
    ([[1, 0], [0, 0]], 7.0)
    """
    t0 = time.perf_counter()
    if method not in WTA_METHODS:
        raise ModelError(f"method must be one of {sorted(WTA_METHODS)}; got {method!r}")
    _check_budget(time_limit_s, max_iter, seed)
    if patience is not None and ((_as_int(patience) or 0) < 1):
        raise ModelError(f"patience must be an int >= 1; got {patience!r}")
    problem = _problem(values, pk, capacity, max_per_target, cost, cost_weight)
    budget = Budget.make(time_limit_s, max_iter, t0)
    lower = 0.0
    stopped = False
    if method == "brute":
        n = _wta_exact.count_assignments(problem)
        if n > _wta_exact.BRUTE_LIMIT:
            raise ModelError(
                f"brute force would enumerate more than {_wta_exact.BRUTE_LIMIT} "
                f"assignments (about {n}); use method='exact'"
            )
        x, iterations = _wta_exact.brute_force(problem)
        lower = objective(problem.values, problem.pk, problem.unit_cost, x)
    else:
        x, iterations = _wta_improve.greedy_counts(problem)
        if _greedy_is_optimal(problem):
            lower = objective(problem.values, problem.pk, problem.unit_cost, x)
        if method in ("improve", "exact"):
            warm, warm_patience = budget, patience
            if method == "exact":
                # The incumbent, and what exact returns if its budget ends before the
                # proof: improve until it stalls (deterministic: at most 20 rounds,
                # 3 in a row without gain), within half of a time limit.
                deadline = None
                if budget.deadline is not None:
                    deadline = t0 + _WARM_SHARE * (budget.deadline - t0)
                warm, warm_patience = Budget(deadline, 20), 3
            x, iterations = _wta_improve.improve_counts(
                problem, x, warm, seed, warm_patience
            )
        if method == "exact":
            out = _wta_exact.solve_exact(problem, x, budget)
            x, lower, iterations, stopped = (
                out.x,
                out.lower,
                out.iterations,
                out.stopped,
            )
    f = objective(problem.values, problem.pk, problem.unit_cost, x)
    lower = min(lower, f)
    gap = _relative_gap(f, lower)
    status: Status
    if gap <= OPTIMAL_GAP:
        status = "optimal"
    elif stopped:
        status = "time_limit"
    else:
        status = "feasible"
    x = np.ascontiguousarray(x, dtype=np.int64)
    x.flags.writeable = False
    return WTAResult(
        x=x,
        objective=f,
        lower_bound=float(lower),
        upper_bound=f,
        gap=gap,
        status=status,
        method=method,
        iterations=int(iterations),
        time_s=time.perf_counter() - t0,
    )


def greedy_assign_batch(
    values: FloatArray,
    pk: FloatArray,
    weapon_free: BoolArray,
    survival: FloatArray,
    shooters: IntArray,
    max_shooters: int,
) -> IntArray:
    """Greedy MMR assignment of free weapons to targets, one instance per replication.

    Every weapon takes at most one target per cycle.

    Parameters
    ----------
    values : ndarray of shape (n_rep, n_target)
        Threat value of each target; 0 for targets that may not be engaged.
    pk : ndarray of shape (n_rep, n_weapon, n_target)
        Predicted kill probability (0 where infeasible).
    weapon_free : ndarray of shape (n_rep, n_weapon)
        Weapons that may be assigned.
    survival : ndarray of shape (n_rep, n_target)
        Survival probability already expected from shots in flight (1 if none).
    shooters : ndarray of shape (n_rep, n_target)
        Weapons already engaging each target.
    max_shooters : int
        Most weapons on one target.

    Returns
    -------
    ndarray of shape (n_rep, n_weapon)
        Index of the target assigned to each weapon, or -1.

    Examples
    --------
    >>> v = np.array([[10.0, 1.0]])
    >>> p = np.array([[[0.5, 0.9], [0.5, 0.1]]])
    >>> greedy_assign_batch(v, p, np.ones((1, 2), bool), np.ones((1, 2)),
    ...                     np.zeros((1, 2), int), 2).tolist()
    [[0, 0]]
    """
    n_rep, n_weapon, n_target = pk.shape
    out = np.full((n_rep, n_weapon), -1, dtype=np.int64)
    if n_rep == 0 or n_weapon == 0 or n_target == 0:
        return out
    # The one greedy (c2/greedy.py), a weapon per unit of capacity, row by row.
    no_cost = np.zeros(n_weapon)
    for r in range(n_rep):
        x = np.zeros((n_weapon, n_target), dtype=np.int64)
        greedy_mmr(
            np.ascontiguousarray(values[r], dtype=np.float64),
            np.ascontiguousarray(pk[r], dtype=np.float64),
            no_cost,
            weapon_free[r].astype(np.int64),
            np.maximum(max_shooters - np.asarray(shooters[r], dtype=np.int64), 0),
            x,
            np.array(survival[r], dtype=np.float64),
            np.zeros(n_target, dtype=np.int64),
        )
        w, t = np.nonzero(x)
        out[r, w] = t
    return out
    surv = survival.copy()
    free = weapon_free.copy()
    count = shooters.copy()
    rows = np.arange(n_rep)
    for _ in range(n_weapon):
        open_target = count < max_shooters
        gain = (values * surv * open_target)[:, None, :] * pk
        gain = np.where(free[:, :, None], gain, 0.0)
        flat = gain.reshape(n_rep, -1)
        best = np.argmax(flat, axis=1)
        ok = flat[rows, best] > 0.0
        if not ok.any():
            break
        r = rows[ok]
        w, t = np.divmod(best[ok], n_target)
        out[r, w] = t
        free[r, w] = False
        surv[r, t] *= 1.0 - pk[r, w, t]
        count[r, t] += 1
    return out
