r"""Multi-stage (time-expanded) weapon-target assignment for look-ahead fire control.

A myopic decision cycle solves the static assignment of the moment: any weapon free
now with a positive kill probability on a valuable threat fires, however poor the shot
and however much better the shots it will have a few cycles later. The look-ahead
policy (``doctrine.fire_control: lookahead``) plans over the next K decision cycles
(stages) and commits only the first (a rolling horizon).

The stage problem
-----------------
Stages k = 0 … K−1 are the decision cycles t, t + Δ, …; weapons i = 0 … W−1; picture
entries j = 0 … N−1 with value V_j (threat value) and survival S_j from shots already
in the air; ``pk[k, i, j]`` is the predicted kill probability of a shot that weapon i
is assigned at stage k, on the entry's predicted path (0 where the shot is infeasible:
outside the envelope, the entry past its time to go, the weapon not free). A plan x
assigns each slot (k, i) at most one entry and minimises

    Σ_j V_j S_j Π_{k,i} (1 − pk[k, i, j])^{x_kij}  +  Σ_{k,i,j} c_i x_kij

subject to

- **magazine**: weapon i fires at most ``shots[i]`` times over the horizon;
- **availability**: at stage 0 only weapons free now (``free0``), later only weapons
  with ``avail`` (the caller's view of which weapons can fire again);
- **shooters**: at most ``open0[j]`` weapons on entry j at stage 0 (the doctrine's
  maximum less the shots pending), ``max_shooters`` at later stages;
- **shoot-look-shoot**: no shot on entry j in the ``gap`` stages after a stage with a
  shot on it (shots of one stage may fire together, as in the engine).

"The chance that a target is already dead by a later stage" is the product form: a
later shot at j adds V_j S_j Π(earlier)(1 − p) · p, the value still alive when it
fires. The plan is open-loop (it spends a planned round whether or not the target died
earlier), which is exact for one target per weapon — after a kill the rounds left do
not matter — and conservative with magazines shared across targets; re-planning every
cycle supplies the recourse.

Solvers (``method``, as ``doctrine.wta_method``), all deterministic with iteration
budgets:

- ``greedy`` (0): maximum marginal return over the time-expanded slots — the static
  greedy (:mod:`skyscreen.c2.greedy`) with (stage, weapon) slots as weapon types and the
  magazine and look gap as side constraints. Ties go to the later stage (keep the round).
- ``improve`` (1): greedy, then drop-and-refill: remove one planned shot, complete the
  plan greedily, keep the result if it is better; repeated until no move improves or
  ``max_iter`` completions.
- ``exact`` (2): depth-first branch and bound over the slots, stage by stage, started
  from ``improve``'s plan, with the bound "every remaining slot fires at every entry at
  once" (a relaxation of the assignment and of every side constraint, so never above
  the optimum); at most ``max_iter`` nodes, after which the best plan found is returned
  unproved.

Only stage 0 is committed; :func:`plan_stages` also returns the whole plan and its
objective, which tests compare with brute force.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray

__all__ = ["LOOKAHEAD_METHODS", "plan_objective", "plan_stages", "plan_stages_listed"]

LOOKAHEAD_METHODS = {"greedy": 0, "improve": 1, "exact": 2}

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(fn: _F) -> _F:
    # numba's decorator is untyped; the kernels keep their annotated signatures.
    return cast(_F, njit(cache=True)(fn))


@_jit
def plan_objective(
    values: FloatArray, surv: FloatArray, pk: FloatArray, unit_cost: FloatArray,
    plan: IntArray,
) -> float:  # fmt: skip
    """Expected surviving value plus weighted cost of ``plan`` ((K, W) entry or −1)."""
    n_k, n_w = plan.shape
    s = surv.copy()
    total = 0.0
    for k in range(n_k):
        for i in range(n_w):
            j = plan[k, i]
            if j >= 0:
                s[j] *= 1.0 - pk[k, i, j]
                total += unit_cost[i]
    for j in range(values.shape[0]):
        total += values[j] * s[j]
    return total


@_jit
def _allowed(
    k: int, i: int, j: int, plan: IntArray, pk: FloatArray, used: IntArray,
    shots: IntArray, stage_count: IntArray, open0: IntArray, max_shooters: int,
    gap: int, slot_ok: BoolArray,
) -> bool:  # fmt: skip
    """Whether slot (k, i), now empty, may fire at entry j in ``plan``."""
    if pk[k, i, j] <= 0.0:
        return False
    return _feasible(
        k, i, j, plan, used, shots, stage_count, open0, max_shooters, gap, slot_ok
    )


@_jit
def _feasible(
    k: int, i: int, j: int, plan: IntArray, used: IntArray, shots: IntArray,
    stage_count: IntArray, open0: IntArray, max_shooters: int, gap: int,
    slot_ok: BoolArray,
) -> bool:  # fmt: skip
    """:func:`_allowed` for a shot of positive Pk: the slot, magazine, shooters, gap."""
    if not slot_ok[k, i] or plan[k, i] >= 0:
        return False
    if used[i] >= shots[i]:
        return False
    cap = open0[j] if k == 0 else max_shooters
    if stage_count[k, j] >= cap:
        return False
    if gap > 0:
        n_k = plan.shape[0]
        lo = max(0, k - gap)
        hi = min(n_k - 1, k + gap)
        for kk in range(lo, hi + 1):
            if kk != k and stage_count[kk, j] > 0:
                return False
    return True


@_jit
def _before(g: FloatArray, key: IntArray, a: int, b: int) -> bool:
    """Heap order: larger gain first; ties to the later stage, lower weapon, entry."""
    if g[a] != g[b]:
        return bool(g[a] > g[b])
    return bool(key[a] < key[b])


@_jit
def _sift_down(heap: IntArray, n: int, g: FloatArray, key: IntArray, pos: int) -> None:
    while True:
        left = 2 * pos + 1
        if left >= n:
            return
        top = left
        if left + 1 < n and _before(g, key, heap[left + 1], heap[left]):
            top = left + 1
        if not _before(g, key, heap[top], heap[pos]):
            return
        heap[pos], heap[top] = heap[top], heap[pos]
        pos = top


@_jit
def _entry_first(p: FloatArray, tie: IntArray, a: int, b: int) -> bool:
    """An entry's candidate order: larger Pk first; ties to the later stage, lower weapon."""
    if p[a] != p[b]:
        return bool(p[a] > p[b])
    return bool(tie[a] < tie[b])


@_jit
def _sift_segment(
    heap: IntArray, lo: int, n: int, p: FloatArray, tie: IntArray, pos: int
) -> None:
    """Sift down in the heap ``heap[lo : lo + n]`` (``pos`` relative to ``lo``)."""
    while True:
        left = 2 * pos + 1
        if left >= n:
            return
        top = left
        if left + 1 < n and _entry_first(p, tie, heap[lo + left + 1], heap[lo + left]):
            top = left + 1
        if not _entry_first(p, tie, heap[lo + top], heap[lo + pos]):
            return
        heap[lo + pos], heap[lo + top] = heap[lo + top], heap[lo + pos]
        pos = top


@_jit
def _entry_top(
    heap: IntArray, lo: IntArray, groups: IntArray, n_g: int, p: FloatArray,
    tie: IntArray,
) -> int:  # fmt: skip
    """The best first candidate among an entry's weapon heaps ``groups[:n_g]``."""
    best: int = heap[lo[groups[0]]]
    for t in range(1, n_g):
        c = heap[lo[groups[t]]]
        if _entry_first(p, tie, c, best):
            best = c
    return best


@_jit
def _greedy_listed(
    values: FloatArray, s: FloatArray, c_k: IntArray, c_i: IntArray, c_j: IntArray,
    c_p: FloatArray, n_k: int, cost: float, plan: IntArray, used: IntArray,
    shots: IntArray, stage_count: IntArray, open0: IntArray, max_shooters: int,
    gap: int, slot_ok: BoolArray, stage0_only: bool,
) -> None:  # fmt: skip
    """Greedy maximum marginal return over listed candidates, every shot the same cost.

    The candidates (stage ``c_k``, weapon ``c_i``, entry ``c_j``, Pk ``c_p`` > 0) are
    every open slot's positive Pk, in any order; ``s``, ``used`` and
    ``stage_count`` describe ``plan`` (as :func:`_greedy_fill`'s) and are updated
    with it. An entry's candidates rank among themselves by Pk alone (ties to the
    later stage, then the lower weapon), and the entry of largest gain
    V_j s_j p − c (ties: that order, then the lower entry) takes its next candidate
    if feasible.

    Rather than sorted once per entry, each (entry, weapon)'s candidates sit in a
    heap of their own (Pk descending, then the tie order), and an entry's next
    candidate is the best of its weapons' heaps' first: the same sequence of
    candidates, in O(C) to build, the candidates never reached never ordered, and a
    weapon whose magazine is spent (a launcher with a few rounds has most of the
    candidates) dropped at once with its heaps.

    With ``stage0_only`` the search also stops once every stage-0 candidate not yet
    reached has become infeasible (its slot taken, its weapon's magazine spent, its
    entry's shooters full or a shot on it within the look gap): constraints only
    tighten, so none of them could be taken later and stage 0 is settled.
    """
    n_w = plan.shape[1]
    n_d = values.shape[0]
    n_c = c_k.shape[0]
    n_q = n_d * n_w
    # Candidates by (entry, weapon) group, q = j * n_w + i.
    lo = np.zeros(n_q + 1, dtype=np.int64)
    for c in range(n_c):
        lo[c_j[c] * n_w + c_i[c] + 1] += 1
    for q in range(n_q):
        lo[q + 1] += lo[q]
    size = np.zeros(n_q, dtype=np.int64)
    heap = np.empty(n_c, dtype=np.int64)
    tie = np.empty(n_c, dtype=np.int64)
    rem0 = np.zeros(n_d, dtype=np.int64)
    n0 = 0
    for c in range(n_c):
        q = c_j[c] * n_w + c_i[c]
        tie[c] = (n_k - 1 - c_k[c]) * n_w + c_i[c]
        heap[lo[q] + size[q]] = c
        size[q] += 1
        if c_k[c] == 0:
            rem0[c_j[c]] += 1
            n0 += 1
    # Stage-0 candidates not yet reached nor found infeasible (``stage0_only``).
    first = np.empty(n0, dtype=np.int64)
    live = np.zeros(n_c, dtype=np.bool_)
    m = 0
    for c in range(n_c):
        if c_k[c] == 0:
            first[m] = c
            live[c] = True
            m += 1
    # Each entry's non-empty groups, groups[j, :n_groups[j]].
    groups = np.empty((n_d, max(n_w, 1)), dtype=np.int64)
    n_groups = np.zeros(n_d, dtype=np.int64)
    for q in range(n_q):
        if size[q] > 0:
            for pos in range(size[q] // 2 - 1, -1, -1):
                _sift_segment(heap, lo[q], size[q], c_p, tie, pos)
            j = q // n_w
            groups[j, n_groups[j]] = q
            n_groups[j] += 1
    g = np.empty(n_d)
    key = np.empty(n_d, dtype=np.int64)
    top = np.empty(n_d, dtype=np.int64)
    entries = np.empty(n_d, dtype=np.int64)
    n = 0
    for j in range(n_d):
        if n_groups[j] > 0:
            c = _entry_top(heap, lo, groups[j], n_groups[j], c_p, tie)
            top[j] = c
            g[j] = values[j] * s[j] * c_p[c] - cost
            key[j] = tie[c] * n_d + j
            entries[n] = j
            n += 1
    for pos in range(n // 2 - 1, -1, -1):
        _sift_down(entries, n, g, key, pos)
    while n > 0 and not (stage0_only and n0 == 0):
        j = entries[0]
        c = top[j]
        if g[j] <= 0.0:
            # Every later candidate of the entry gains no more: the entry is done.
            n0 -= rem0[j]
            rem0[j] = 0
            for t in range(first.shape[0]):
                if c_j[first[t]] == j:
                    live[first[t]] = False
            n -= 1
            entries[0] = entries[n]
            _sift_down(entries, n, g, key, 0)
            continue
        k, i = c_k[c], c_i[c]
        spent = False
        if _feasible(
            k, i, j, plan, used, shots, stage_count, open0, max_shooters, gap, slot_ok
        ):
            plan[k, i] = j
            s[j] *= 1.0 - c_p[c]
            used[i] += 1
            stage_count[k, j] += 1
            spent = used[i] >= shots[i]
            if stage0_only and (k <= gap or spent):
                # Stage-0 candidates this shot may have made infeasible.
                for t in range(first.shape[0]):
                    c0 = first[t]
                    if live[c0] and c0 != c and not _feasible(
                        0, c_i[c0], c_j[c0], plan, used, shots, stage_count, open0,
                        max_shooters, gap, slot_ok,
                    ):  # fmt: skip
                        live[c0] = False
                        n0 -= 1
                        rem0[c_j[c0]] -= 1
        if k == 0 and live[c]:
            live[c] = False
            n0 -= 1
            rem0[j] -= 1
        # Take c off its group's heap.
        q = j * n_w + i
        size[q] -= 1
        if size[q] > 0:
            heap[lo[q]] = heap[lo[q] + size[q]]
            _sift_segment(heap, lo[q], size[q], c_p, tie, 0)
        if spent:
            # Weapon i's candidates left are infeasible for good: its groups go.
            for jj in range(n_d):
                size[jj * n_w + i] = 0
        # Entries whose groups changed drop their empty groups and take their new
        # first candidate; then the entries' heap is restored (rebuilt if several).
        lo_j, hi_j = (0, n_d) if spent else (j, j + 1)
        for jj in range(lo_j, hi_j):
            t = 0
            while t < n_groups[jj]:
                if size[groups[jj, t]] == 0:
                    n_groups[jj] -= 1
                    groups[jj, t] = groups[jj, n_groups[jj]]
                else:
                    t += 1
            if n_groups[jj] > 0:
                cc = _entry_top(heap, lo, groups[jj], n_groups[jj], c_p, tie)
                top[jj] = cc
                g[jj] = values[jj] * s[jj] * c_p[cc] - cost
                key[jj] = tie[cc] * n_d + jj
        if not spent:
            if n_groups[j] == 0:
                n -= 1
                entries[0] = entries[n]
            _sift_down(entries, n, g, key, 0)
            continue
        m = 0
        for t in range(n):
            jj = entries[t]
            if n_groups[jj] > 0:
                entries[m] = jj
                m += 1
        n = m
        for pos in range(n // 2 - 1, -1, -1):
            _sift_down(entries, n, g, key, pos)


@_jit
def _greedy_by_entry(
    values: FloatArray, pk: FloatArray, unit_cost: FloatArray, plan: IntArray,
    s: FloatArray, used: IntArray, shots: IntArray, stage_count: IntArray,
    open0: IntArray, max_shooters: int, gap: int, slot_ok: BoolArray,
    stage0_only: bool,
) -> None:  # fmt: skip
    """:func:`_greedy_fill` when every weapon's cost is the same.

    Then an entry's candidates rank among themselves by Pk alone (gain
    V_j s_j p − c), whatever its survival, and an entry's gains change only when one
    of its own candidates is taken: the open slots' positive Pk are listed and
    :func:`_greedy_listed` takes them entry by entry.
    """
    n_k, n_w = plan.shape
    n_d = values.shape[0]
    n_c = 0
    for k in range(n_k):
        for i in range(n_w):
            if slot_ok[k, i] and plan[k, i] < 0:
                for j in range(n_d):
                    if pk[k, i, j] > 0.0:
                        n_c += 1
    c_k = np.empty(n_c, dtype=np.int64)
    c_i = np.empty(n_c, dtype=np.int64)
    c_j = np.empty(n_c, dtype=np.int64)
    c_p = np.empty(n_c)
    n = 0
    for k in range(n_k):
        for i in range(n_w):
            if slot_ok[k, i] and plan[k, i] < 0:
                for j in range(n_d):
                    if pk[k, i, j] > 0.0:
                        c_k[n], c_i[n], c_j[n], c_p[n] = k, i, j, pk[k, i, j]
                        n += 1
    cost = unit_cost[0] if unit_cost.shape[0] > 0 else 0.0
    _greedy_listed(
        values, s, c_k, c_i, c_j, c_p, n_k, cost, plan, used, shots, stage_count,
        open0, max_shooters, gap, slot_ok, stage0_only,
    )  # fmt: skip


@_jit
def _greedy_fill(
    values: FloatArray, pk: FloatArray, unit_cost: FloatArray, plan: IntArray,
    s: FloatArray, used: IntArray, shots: IntArray, stage_count: IntArray,
    open0: IntArray, max_shooters: int, gap: int, slot_ok: BoolArray,
    stage0_only: bool = False,
) -> None:  # fmt: skip
    """Add shots to ``plan`` by largest positive gain until none is positive.

    ``s`` (survival under the plan), ``used`` (shots per weapon) and
    ``stage_count`` ((K, N) shots per stage and entry) describe ``plan`` and are
    updated with it. Ties go to the later stage, then the lower weapon and entry.

    Lazy greedy: a candidate's gain V_j s_j p − c only falls as shots are added
    (s_j falls) and a slot that becomes infeasible stays so (the constraints only
    tighten), so the candidates sit in a max-heap under their last computed gain; the
    top is recomputed and taken only if it is still on top. The same shots, in the
    same order, as rescanning every slot each step, in O(C log C) for C candidates.

    ``stage0_only``: stop once no stage-0 candidate is left in the heap; later
    additions cannot change stage 0 (a popped candidate never returns), so the
    committed shots are the full greedy's, and the later stages are left partial.
    """
    same_cost = True
    for i in range(unit_cost.shape[0]):
        if unit_cost[i] != unit_cost[0]:
            same_cost = False
    if same_cost:
        _greedy_by_entry(
            values, pk, unit_cost, plan, s, used, shots, stage_count, open0,
            max_shooters, gap, slot_ok, stage0_only,
        )  # fmt: skip
        return
    n_k, n_w = plan.shape
    n_d = values.shape[0]
    n_c = 0
    for k in range(n_k):
        for i in range(n_w):
            if slot_ok[k, i] and plan[k, i] < 0:
                for j in range(n_d):
                    if pk[k, i, j] > 0.0:
                        n_c += 1
    c_k = np.empty(n_c, dtype=np.int64)
    c_i = np.empty(n_c, dtype=np.int64)
    c_j = np.empty(n_c, dtype=np.int64)
    g = np.empty(n_c)
    key = np.empty(n_c, dtype=np.int64)
    heap = np.empty(n_c, dtype=np.int64)
    n = 0
    for k in range(n_k):
        for i in range(n_w):
            if slot_ok[k, i] and plan[k, i] < 0:
                for j in range(n_d):
                    if pk[k, i, j] > 0.0:
                        gain = values[j] * s[j] * pk[k, i, j] - unit_cost[i]
                        if gain > 0.0:
                            c_k[n], c_i[n], c_j[n] = k, i, j
                            g[n] = gain
                            key[n] = ((n_k - 1 - k) * n_w + i) * n_d + j
                            heap[n] = n
                            n += 1
    for pos in range(n // 2 - 1, -1, -1):
        _sift_down(heap, n, g, key, pos)
    n0 = 0
    for c in range(n):
        if c_k[c] == 0:
            n0 += 1
    while n > 0 and not (stage0_only and n0 == 0):
        c = heap[0]
        k, i, j = c_k[c], c_i[c], c_j[c]
        ok = _allowed(
            k, i, j, plan, pk, used, shots, stage_count, open0, max_shooters, gap,
            slot_ok,
        )  # fmt: skip
        gain = values[j] * s[j] * pk[k, i, j] - unit_cost[i]
        if not ok or gain <= 0.0:
            if k == 0:
                n0 -= 1
            n -= 1
            heap[0] = heap[n]
            _sift_down(heap, n, g, key, 0)
            continue
        if gain != g[c]:
            g[c] = gain
            _sift_down(heap, n, g, key, 0)
            continue
        plan[k, i] = j
        s[j] *= 1.0 - pk[k, i, j]
        used[i] += 1
        stage_count[k, j] += 1
        if k == 0:
            n0 -= 1
        n -= 1
        heap[0] = heap[n]
        _sift_down(heap, n, g, key, 0)


@_jit
def _state(
    surv: FloatArray, pk: FloatArray, plan: IntArray, n_d: int,
) -> tuple[FloatArray, IntArray, IntArray]:  # fmt: skip
    """Survival, shots per weapon and shots per (stage, entry) of ``plan``."""
    n_k, n_w = plan.shape
    s = surv.copy()
    used = np.zeros(n_w, dtype=np.int64)
    stage_count = np.zeros((n_k, n_d), dtype=np.int64)
    for k in range(n_k):
        for i in range(n_w):
            j = plan[k, i]
            if j >= 0:
                s[j] *= 1.0 - pk[k, i, j]
                used[i] += 1
                stage_count[k, j] += 1
    return s, used, stage_count


@_jit
def _improve(
    values: FloatArray, surv: FloatArray, pk: FloatArray, unit_cost: FloatArray,
    plan: IntArray, shots: IntArray, open0: IntArray, max_shooters: int, gap: int,
    slot_ok: BoolArray, max_iter: int,
) -> float:  # fmt: skip
    """Drop-and-refill local search on ``plan`` (in place); returns its objective."""
    n_k, n_w = plan.shape
    n_d = values.shape[0]
    best = plan_objective(values, surv, pk, unit_cost, plan)
    trial = plan.copy()
    evals = 0
    improved = True
    while improved and evals < max_iter:
        improved = False
        for k in range(n_k):
            for i in range(n_w):
                if plan[k, i] < 0 or evals >= max_iter:
                    continue
                trial[:, :] = plan
                trial[k, i] = -1
                s, used, stage_count = _state(surv, pk, trial, n_d)
                # The dropped slot may not take its old target back: the move is
                # "another use of these rounds", not a re-run of the same greedy.
                keep = slot_ok[k, i]
                slot_ok[k, i] = False
                _greedy_fill(
                    values, pk, unit_cost, trial, s, used, shots, stage_count, open0,
                    max_shooters, gap, slot_ok,
                )  # fmt: skip
                slot_ok[k, i] = keep
                if keep:
                    _greedy_fill(
                        values, pk, unit_cost, trial, s, used, shots, stage_count,
                        open0, max_shooters, gap, slot_ok,
                    )  # fmt: skip
                evals += 1
                obj = plan_objective(values, surv, pk, unit_cost, trial)
                if obj < best - 1e-12 * max(1.0, abs(best)):
                    best = obj
                    plan[:, :] = trial
                    improved = True
    return best


@_jit
def _exact(
    values: FloatArray, surv: FloatArray, pk: FloatArray, unit_cost: FloatArray,
    plan: IntArray, shots: IntArray, open0: IntArray, max_shooters: int, gap: int,
    slot_ok: BoolArray, max_iter: int, incumbent: float,
) -> tuple[float, bool]:  # fmt: skip
    """Branch and bound from ``plan`` (the incumbent, replaced in place when beaten).

    Returns the best objective and whether the search finished within ``max_iter``
    nodes (the plan is then optimal).
    """
    n_k, n_w = plan.shape
    n_d = values.shape[0]
    n_s = n_k * n_w
    # rest[s, j]: Π over slots s.. of (1 − pk) at entry j, the bound's relaxation.
    rest = np.ones((n_s + 1, n_d))
    for s_ in range(n_s - 1, -1, -1):
        k, i = s_ // n_w, s_ % n_w
        for j in range(n_d):
            q = 1.0 - pk[k, i, j] if slot_ok[k, i] else 1.0
            rest[s_, j] = rest[s_ + 1, j] * q
    cur = np.full((n_k, n_w), -1, dtype=np.int64)
    s = surv.copy()
    used = np.zeros(n_w, dtype=np.int64)
    stage_count = np.zeros((n_k, n_d), dtype=np.int64)
    choice = np.full(n_s, -2, dtype=np.int64)  # −2 not yet branched, −1 no shot
    saved = np.ones(n_s)
    best = incumbent
    nodes = 0
    depth = 0
    cost_so_far = 0.0
    while depth >= 0:
        if depth == n_s:
            obj = cost_so_far
            for j in range(n_d):
                obj += values[j] * s[j]
            if obj < best - 1e-12 * max(1.0, abs(best)):
                best = obj
                plan[:, :] = cur
            depth -= 1
            continue
        k, i = depth // n_w, depth % n_w
        # Undo this slot's previous choice before trying the next.
        prev = choice[depth]
        if prev >= 0:
            s[prev] = saved[depth]
            used[i] -= 1
            stage_count[k, prev] -= 1
            cur[k, i] = -1
            cost_so_far -= unit_cost[i]
        nxt = prev + 1
        while 0 <= nxt < n_d and not _allowed(
            k, i, nxt, cur, pk, used, shots, stage_count, open0, max_shooters, gap,
            slot_ok,
        ):  # fmt: skip
            nxt += 1
        if nxt >= n_d:
            choice[depth] = -2
            depth -= 1
            continue
        choice[depth] = nxt
        if nxt >= 0:
            saved[depth] = s[nxt]
            s[nxt] *= 1.0 - pk[k, i, nxt]
            used[i] += 1
            stage_count[k, nxt] += 1
            cur[k, i] = nxt
            cost_so_far += unit_cost[i]
        nodes += 1
        if nodes > max_iter:
            return best, False
        bound = cost_so_far
        for j in range(n_d):
            bound += values[j] * s[j] * rest[depth + 1, j]
        if bound < best - 1e-12 * max(1.0, abs(best)):
            depth += 1
    return best, True


@_jit
def plan_stages(
    values: FloatArray, surv: FloatArray, pk: FloatArray, free0: BoolArray,
    avail: BoolArray, shots: IntArray, open0: IntArray, max_shooters: int, gap: int,
    unit_cost: FloatArray, method: int, max_iter: int, plan: IntArray,
) -> tuple[float, bool]:  # fmt: skip
    """Solve one stage problem (module docstring) into ``plan`` (K, W).

    ``method`` −1 is the greedy stopped once stage 0 is settled (the same stage 0,
    the later stages partial): what the engine commits, for less work.

    Returns the plan's objective and whether it is proved optimal (``exact`` within
    its budget; the greedy and improve plans are not).
    """
    n_k, n_w = plan.shape
    n_d = values.shape[0]
    slot_ok = np.zeros((n_k, n_w), dtype=np.bool_)
    for i in range(n_w):
        slot_ok[0, i] = free0[i] and shots[i] > 0
        for k in range(1, n_k):
            slot_ok[k, i] = avail[i] and shots[i] > 0
    plan[:, :] = -1
    s = surv.copy()
    used = np.zeros(n_w, dtype=np.int64)
    stage_count = np.zeros((n_k, n_d), dtype=np.int64)
    _greedy_fill(
        values, pk, unit_cost, plan, s, used, shots, stage_count, open0,
        max_shooters, gap, slot_ok, method < 0,
    )  # fmt: skip
    obj = plan_objective(values, surv, pk, unit_cost, plan)
    if method >= 1:
        obj = _improve(
            values, surv, pk, unit_cost, plan, shots, open0, max_shooters, gap,
            slot_ok, max_iter,
        )  # fmt: skip
    if method == 2:
        return _exact(
            values, surv, pk, unit_cost, plan, shots, open0, max_shooters, gap,
            slot_ok, max_iter, obj,
        )  # fmt: skip
    return obj, False


@_jit
def plan_stages_listed(
    values: FloatArray, surv: FloatArray, pk0: FloatArray, ptr: tuple[IntArray, ...],
    l_k: tuple[IntArray, ...], l_i: tuple[IntArray, ...], l_j: tuple[IntArray, ...],
    l_p: tuple[FloatArray, ...], l_w: IntArray, factor: FloatArray,
    free0: BoolArray, avail: BoolArray, shots: IntArray, open0: IntArray,
    max_shooters: int, gap: int, unit_cost: FloatArray, method: int, max_iter: int,
    out_target: IntArray, out_surv: FloatArray,
) -> None:  # fmt: skip
    """:func:`plan_stages` per row b, from stage 0's dense Pk and the later stages' lists.

    ``pk0`` is stage 0's (B, W, N). The later stages' positive Pk are listed, in
    lists l (tuples of arrays, one per kind): row b's shots are
    ``[ptr[l][b], ptr[l][b + 1])`` of stage ``l_k[l]``, weapon ``l_i[l] + l_w[l]``,
    entry ``l_j[l]`` and Pk ``l_p[l]``; stage k's Pk is ``l_p × factor[k]`` (the
    discount). The stage problem is the one of the dense (K, W, N) array these
    describe (``K = len(factor)``). The greedy with equal shot costs works on the
    lists (:func:`_greedy_listed`); the other methods on the dense array, built
    per row. Commits stage 0: ``out_target[b, i]`` is weapon i's entry (−1 none),
    ``out_surv[b]`` the expected surviving value after the stage-0 shots.
    """
    n_b, n_w, n_d = pk0.shape
    n_k = factor.shape[0]
    n_l = len(ptr)
    same_cost = True
    for i in range(unit_cost.shape[0]):
        if unit_cost[i] != unit_cost[0]:
            same_cost = False
    listed = method == 0 and same_cost
    cost = unit_cost[0] if unit_cost.shape[0] > 0 else 0.0
    dense = np.empty((n_k if not listed else 0, n_w, n_d))
    plan = np.empty((n_k, n_w), dtype=np.int64)
    slot_ok = np.zeros((n_k, n_w), dtype=np.bool_)
    for b in range(n_b):
        for i in range(n_w):
            slot_ok[0, i] = free0[b, i] and shots[b, i] > 0
            for k in range(1, n_k):
                slot_ok[k, i] = avail[b, i] and shots[b, i] > 0
        if listed:
            n_c = 0
            for i in range(n_w):
                if slot_ok[0, i]:
                    for j in range(n_d):
                        if pk0[b, i, j] > 0.0:
                            n_c += 1
            for ll in range(n_l):
                n_c += ptr[ll][b + 1] - ptr[ll][b]
            c_k = np.empty(n_c, dtype=np.int64)
            c_i = np.empty(n_c, dtype=np.int64)
            c_j = np.empty(n_c, dtype=np.int64)
            c_p = np.empty(n_c)
            n = 0
            for i in range(n_w):
                if slot_ok[0, i]:
                    for j in range(n_d):
                        if pk0[b, i, j] > 0.0:
                            c_k[n], c_i[n], c_j[n], c_p[n] = 0, i, j, pk0[b, i, j]
                            n += 1
            for ll in range(n_l):
                lk, li, lj, lp, w0 = l_k[ll], l_i[ll], l_j[ll], l_p[ll], l_w[ll]
                for c in range(ptr[ll][b], ptr[ll][b + 1]):
                    k, i = lk[c], li[c] + w0
                    p = lp[c] * factor[k]
                    if slot_ok[k, i] and p > 0.0:
                        c_k[n], c_i[n], c_j[n], c_p[n] = k, i, lj[c], p
                        n += 1
            plan[:, :] = -1
            s = surv[b].copy()
            used = np.zeros(n_w, dtype=np.int64)
            stage_count = np.zeros((n_k, n_d), dtype=np.int64)
            _greedy_listed(
                values[b], s, c_k[:n], c_i[:n], c_j[:n], c_p[:n], n_k, cost, plan,
                used, shots[b], stage_count, open0[b], max_shooters, gap, slot_ok,
                True,
            )  # fmt: skip
        else:
            dense[:, :, :] = 0.0
            dense[0] = pk0[b]
            for ll in range(n_l):
                lk, li, lj, lp, w0 = l_k[ll], l_i[ll], l_j[ll], l_p[ll], l_w[ll]
                for c in range(ptr[ll][b], ptr[ll][b + 1]):
                    k = lk[c]
                    dense[k, li[c] + w0, lj[c]] = lp[c] * factor[k]
            plan_stages(
                values[b], surv[b], dense, free0[b], avail[b], shots[b], open0[b],
                max_shooters, gap, unit_cost, -1 if method == 0 else method,
                max_iter, plan,
            )  # fmt: skip
        total = 0.0
        s = surv[b].copy()
        for i in range(n_w):
            out_target[b, i] = plan[0, i]
            if plan[0, i] >= 0:
                s[plan[0, i]] *= 1.0 - pk0[b, i, plan[0, i]]
        for j in range(n_d):
            total += values[b, j] * s[j]
        out_surv[b] = total
