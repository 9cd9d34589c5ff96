"""The decide stage: threat evaluation, fire doctrine and weapon-target assignment.

Reads only the air picture (:mod:`skyscreen.engine.picture`) and the defence's own
state. Each decision cycle, in every replication with an engageable picture entry and
a free weapon: the threat value of each entry (:func:`skyscreen.c2.threat.threat_value`)
times its survival from shots already in the air, the kill probability of a shot by
each free weapon (each assignable kind's ``evaluate``), then the assignment —
greedy maximum marginal return (:func:`skyscreen.c2.greedy.greedy_mmr`, the same
kernel as :func:`skyscreen.c2.solve_wta`'s) or ``improve`` / ``exact`` with an iteration
budget — and each kind commits its units' targets.

Area kinds (a microwave emitter: one shot reaches every drone in its beam) do not fit
the assignment's one-weapon-one-target form. They are aimed first, by their kind's
``aim``: each free unit takes the aim that removes the most expected threat value
across its beam, net of its weighted cost, and the survival of every entry in the beam
is discounted by its kill probability; the point weapons' assignment (and the
:class:`DecisionInstance` a hook sees) then works on that survival, with the area units
no longer free. This is a greedy step, not a joint optimum over both.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.c2.greedy import greedy_mmr
from skyscreen.c2.lookahead import LOOKAHEAD_METHODS, plan_stages_listed
from skyscreen.c2.threat import entry_threat
from skyscreen.engine.events import Events
from skyscreen.engine.kinds import DecideContext, Layout
from skyscreen.engine.kinds.base import (
    StageContext,
    ThreatArgs,
    rows_by_unit,
    stage_pk_by_evaluation,
)
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.state import ChunkState
from skyscreen.scenario.params import ScenarioParams

__all__ = ["DecisionInstance", "decide"]

_BLOCK_ELEMENTS = 1 << 22
"""Rows are evaluated in blocks of at most this many (row, weapon, entry) elements,
so the kill-probability arrays stay small for any raid size."""


@dataclass(frozen=True, slots=True, eq=False)
class DecisionInstance:
    """The weapon-target assignment a replication faces at one decision cycle.

    Minimise Σ_j values_j Π_i (1 − pk_ij)^x_ij + cost_weight Σ_ij cost_i x_ij over the
    free weapons (each fires at most once per cycle), with at most
    ``max_per_target[j]`` weapons on picture entry j.

    Attributes
    ----------
    replication : int
    t_s : float
        Time of the decision.
    values : ndarray of shape (N,)
        Threat value of each picture entry times its survival from shots already in
        the air (0 for entries C2 may not engage).
    pk : ndarray of shape (W, N)
        Predicted kill probabilities after envelopes and doctrine; W = the units of
        the assignable effector kinds, in registry order.
    free : ndarray of shape (W,)
        Weapons free to fire this cycle.
    max_per_target : ndarray of shape (N,)
        Weapons that may still be put on each entry.
    cost : ndarray of shape (W,)
        Cost of one shot of each weapon (USD).
    cost_weight : float
    """

    replication: int
    t_s: float
    values: FloatArray
    pk: FloatArray
    free: BoolArray
    max_per_target: IntArray
    cost: FloatArray
    cost_weight: float


@njit(cache=True)
def _threats(
    rows: IntArray,
    eligible: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    th: ThreatArgs,
    shot_active: BoolArray,
    shot_drone: IntArray,
    shot_pk: FloatArray,
    out_value: FloatArray,
    out_t_go: FloatArray,
    out_surv: FloatArray,
    lazy: bool,
) -> None:
    """Threat value, time to go and survival from shots in the air (B, N) each.

    The value is the largest over assets of :func:`threat_value` at the horizontal
    closest approach (first maximum in asset order); 0 (and t_go inf) for entries not
    eligible. With ``lazy``, eligible entries' value and time to go are left NaN, to
    be computed where read (:func:`_threats_listed`, the kinds' ``lazy_threat``).
    """
    n_d = eligible.shape[1]
    for b in range(rows.shape[0]):
        r = rows[b]
        for d in range(n_d):
            out_value[b, d] = 0.0
            out_t_go[b, d] = np.inf
            out_surv[b, d] = 1.0
            if not eligible[r, d]:
                continue
            if lazy:
                out_value[b, d] = np.nan
                out_t_go[b, d] = np.nan
                continue
            best, best_t = entry_threat(
                pos[r, d, 0], pos[r, d, 1], vel[r, d, 0], vel[r, d, 1],
                th.lethal_m[d], th.asset_pos_m, th.asset_radius_m,
                th.asset_value_usd, th.margin_m, th.tau_s,
            )  # fmt: skip
            out_value[b, d] = best
            out_t_go[b, d] = best_t
        for s in range(shot_active.shape[1]):
            if shot_active[r, s]:
                out_surv[b, shot_drone[r, s]] *= 1.0 - shot_pk[r, s]


@njit(cache=True)
def _threats_listed(
    rows: IntArray,
    ptr: IntArray,
    entry: IntArray,
    pos: FloatArray,
    vel: FloatArray,
    th: ThreatArgs,
    values: FloatArray,
    t_go: FloatArray,
) -> None:
    """The threat value and time to go of every listed entry still NaN (lazy).

    ``ptr`` (K, B + 1) and ``entry`` are the kinds' concatenated lists (as
    :func:`_greedy_sparse` reads them): the greedy assignment reads the values of
    those entries only. The same ``entry_threat`` call as :func:`_threats`.
    """
    for kk in range(ptr.shape[0]):
        for b in range(rows.shape[0]):
            r = rows[b]
            for e in range(ptr[kk, b], ptr[kk, b + 1]):
                d = entry[e]
                if math.isnan(values[b, d]):
                    values[b, d], t_go[b, d] = entry_threat(
                        pos[r, d, 0], pos[r, d, 1], vel[r, d, 0], vel[r, d, 1],
                        th.lethal_m[d], th.asset_pos_m, th.asset_radius_m,
                        th.asset_value_usd, th.margin_m, th.tau_s,
                    )  # fmt: skip


@njit(cache=True)
def _greedy(
    values: FloatArray,
    surv: FloatArray,
    pk: FloatArray,
    aux: FloatArray,
    free: BoolArray,
    open_slots: IntArray,
    unit_cost: FloatArray,
    out_target: IntArray,
    out_aux: FloatArray,
    out_pk: FloatArray,
    out_value: FloatArray,
    out_surv: FloatArray,
) -> None:
    """Greedy MMR (:func:`greedy_mmr`) per row; each free weapon fires at most once."""
    n_b, n_w, n_d = pk.shape
    # x stays all zero between rows: the entries greedy sets are cleared as read.
    x = np.zeros((n_w, n_d), dtype=np.int64)
    survival = np.empty(n_d)
    count = np.zeros(n_d, dtype=np.int64)
    capacity = np.zeros(n_w, dtype=np.int64)
    for b in range(n_b):
        for w in range(n_w):
            capacity[w] = 1 if free[b, w] else 0
        for d in range(n_d):
            survival[d] = surv[b, d]
            count[d] = 0
        greedy_mmr(
            values[b], pk[b], unit_cost, capacity, open_slots[b], x, survival, count
        )
        for w in range(n_w):
            out_target[b, w] = -1
            out_aux[b, w] = 0.0
            out_pk[b, w] = 0.0
            out_value[b, w] = 0.0
            if capacity[w] == 0:
                continue
            for d in range(n_d):
                if x[w, d] > 0:
                    out_target[b, w] = d
                    out_aux[b, w] = aux[b, w, d]
                    out_pk[b, w] = pk[b, w, d]
                    out_value[b, w] = values[b, d]
                    x[w, d] = 0
                    break
        total = 0.0
        for d in range(n_d):
            total += values[b, d] * survival[d]
        out_surv[b] = total


@njit(cache=True)
def _greedy_sparse(
    values: FloatArray,
    surv: FloatArray,
    ptr: IntArray,
    weapon: IntArray,
    entry: IntArray,
    pk: FloatArray,
    aux: FloatArray,
    ident: BoolArray,
    tight: BoolArray,
    free: BoolArray,
    open_slots: IntArray,
    unit_cost: FloatArray,
    out_target: IntArray,
    out_aux: FloatArray,
    out_pk: FloatArray,
    out_value: FloatArray,
    out_surv: FloatArray,
) -> None:
    """:func:`_greedy` on the listed non-zero Pk of every assignable kind.

    ``ptr`` (K, B + 1) gives, for each kind, row ``b``'s entries
    ``[ptr[k, b], ptr[k, b + 1])`` of the concatenated lists ``weapon`` (global
    weapon index), ``entry``, ``pk`` and ``aux``, by entry in ascending order;
    ``tight[k]`` says kind k may only engage identified entries (``ident``, (B, N)).

    The same assignment as the dense kernel, bit for bit, when every unit cost is
    >= 0 (the caller checks): greedy maximum marginal return only ever takes a pair
    of positive gain ``value · survival · pk − cost``, which needs pk > 0, and each
    weapon's best pair among its listed ones is the first maximum in entry order, as
    over the dense row. A weapon whose best gain is not positive is never taken (its
    gains only fall as shots are added), so which zero-Pk entry the dense scan would
    have named its best does not matter. Each step costs O(candidates), not O(N).
    """
    n_b, n_d = values.shape
    n_w = free.shape[1]
    n_k = ptr.shape[0]
    cnt = np.zeros(n_w + 1, dtype=np.int64)
    fill = np.empty(n_w, dtype=np.int64)
    rem = np.empty(n_w, dtype=np.int64)
    best_j = np.empty(n_w, dtype=np.int64)
    best_g = np.empty(n_w)
    best_c = np.empty(n_w, dtype=np.int64)
    chosen = np.empty(n_w, dtype=np.int64)
    survival = np.empty(n_d)
    count = np.zeros(n_d, dtype=np.int64)
    size = 0
    for kk in range(n_k):
        for b in range(n_b):
            size = max(size, ptr[kk, b + 1] - ptr[kk, b])
    c_entry = np.empty(max(size * n_k, 1), dtype=np.int64)
    c_src = np.empty(max(size * n_k, 1), dtype=np.int64)
    for b in range(n_b):
        # Each weapon's candidates (its listed pairs), in entry order: a stable
        # counting sort by weapon of the kinds' lists (a weapon is one kind's).
        for w in range(n_w + 1):
            cnt[w] = 0
        for kk in range(n_k):
            for e in range(ptr[kk, b], ptr[kk, b + 1]):
                if tight[kk] and not ident[b, entry[e]]:
                    continue
                cnt[weapon[e] + 1] += 1
        for w in range(n_w):
            cnt[w + 1] += cnt[w]
            fill[w] = cnt[w]
        for kk in range(n_k):
            for e in range(ptr[kk, b], ptr[kk, b + 1]):
                if tight[kk] and not ident[b, entry[e]]:
                    continue
                w = weapon[e]
                c_entry[fill[w]] = entry[e]
                c_src[fill[w]] = e
                fill[w] += 1
        for d in range(n_d):
            survival[d] = surv[b, d]
            count[d] = 0
        for w in range(n_w):
            rem[w] = 1 if free[b, w] else 0
            chosen[w] = -1
            _best_sparse(
                w, values[b], pk, unit_cost, rem, open_slots[b], survival, count,
                cnt, c_entry, c_src, best_j, best_g, best_c,
            )  # fmt: skip
        while True:
            bi = -1
            bg = 0.0
            for w in range(n_w):
                if best_g[w] > bg:
                    bg = best_g[w]
                    bi = w
            if bi < 0:
                break
            j = best_j[bi]
            chosen[bi] = best_c[bi]
            rem[bi] -= 1
            survival[j] = survival[j] * (1.0 - pk[c_src[best_c[bi]]])
            count[j] += 1
            for w in range(n_w):
                if best_j[w] == j:
                    _best_sparse(
                        w, values[b], pk, unit_cost, rem, open_slots[b], survival,
                        count, cnt, c_entry, c_src, best_j, best_g, best_c,
                    )  # fmt: skip
        for w in range(n_w):
            out_target[b, w] = -1
            out_aux[b, w] = 0.0
            out_pk[b, w] = 0.0
            out_value[b, w] = 0.0
            if chosen[w] >= 0:
                e = c_src[chosen[w]]
                d = entry[e]
                out_target[b, w] = d
                out_aux[b, w] = aux[e]
                out_pk[b, w] = pk[e]
                out_value[b, w] = values[b, d]
        total = 0.0
        for d in range(n_d):
            total += values[b, d] * survival[d]
        out_surv[b] = total


# Inlined in numba IR: called per weapon and step, where a call passing its arrays
# cost more than the scan.
@njit(cache=True, inline="always")
def _best_sparse(
    w: int,
    values: FloatArray,
    pk: FloatArray,
    unit_cost: FloatArray,
    rem: IntArray,
    max_per_target: IntArray,
    survival: FloatArray,
    count: IntArray,
    start: IntArray,
    c_entry: IntArray,
    c_src: IntArray,
    best_j: IntArray,
    best_g: FloatArray,
    best_c: IntArray,
) -> None:
    """Weapon ``w``'s best candidate (greedy_mmr's ``_row_best`` over its list)."""
    bj = -1
    bc = -1
    bg = -np.inf
    if rem[w] > 0:
        for c in range(start[w], start[w + 1]):
            j = c_entry[c]
            if count[j] < max_per_target[j]:
                g = values[j] * survival[j] * pk[c_src[c]] - unit_cost[w]
                if g > bg:
                    bg = g
                    bj = j
                    bc = c
    best_j[w] = bj
    best_g[w] = bg
    best_c[w] = bc


def _solve(
    p: ScenarioParams,
    values: FloatArray,
    surv: FloatArray,
    pk: FloatArray,
    aux: FloatArray,
    free: BoolArray,
    open_slots: IntArray,
    cost: FloatArray,
    out_target: IntArray,
    out_aux: FloatArray,
    out_pk: FloatArray,
    out_value: FloatArray,
    out_surv: FloatArray,
) -> None:
    """Each row's instance solved with ``doctrine.wta_method`` (:mod:`skyscreen.c2.wta`)."""
    from skyscreen.c2.assignment import solve_assignment

    out_target[:] = -1
    for i in range(len(values)):
        target = solve_assignment(
            values[i] * surv[i],
            pk[i],
            free[i],
            open_slots[i],
            cost,
            p.doctrine.cost_weight,
            p.doctrine.wta_method,
            p.doctrine.wta_max_iter,
        )
        out_target[i] = target
        s = surv[i].copy()
        for w, d in enumerate(target):
            if d >= 0:
                out_pk[i, w] = pk[i, w, d]
                out_value[i, w] = values[i, d]
                out_aux[i, w] = aux[i, w, d]
                s[d] *= 1.0 - pk[i, w, d]
        out_surv[i] = float(np.sum(values[i] * s))


def decide(
    st: ChunkState,
    p: ScenarioParams,
    layout: Layout,
    pic: AirPicture,
    t1: float,
    ev: Events | None,
    on_decision: Callable[[DecisionInstance], None] | None = None,
) -> None:
    """One decision cycle over the chunk; see the module docstring."""
    doc = p.doctrine
    kinds = layout.assignable
    n_w = layout.n_weapons
    if n_w == 0 or not kinds:
        return
    open_ = st.pending < doc.max_shooters_per_drone
    if doc.shoot_look_shoot:
        open_ &= (st.pending == 0) & (st.assessed_s <= t1)
    eligible = pic.valid & open_
    # Weapons tight: the kinds that require identification get no Pk on an
    # unidentified entry (below); other kinds may engage it.
    tight = [
        pl
        for pl in kinds
        if doc.weapons_control == "tight"
        and pl.kind.name in doc.identification_required
    ]
    if tight and len(tight) == len(kinds):
        eligible &= pic.identified
    free = np.zeros((st.n_rep, n_w), dtype=bool)
    cost = np.zeros(n_w)
    for pl in kinds:
        sl = slice(pl.weapon, pl.weapon + pl.n)
        free[:, sl] = pl.kind.free(pl, st.effectors[pl.slot], st, layout.slots, t1)
        cost[sl] = pl.kind.shot_cost(pl)
    # Area kinds (one shot reaches several entries) are aimed before the point
    # weapons' assignment, which then sees the survival their shots leave.
    area = [pl for pl in kinds if getattr(pl.kind, "area", False)]
    rows = np.flatnonzero(eligible.any(axis=1) & free.any(axis=1))
    if len(rows) == 0:
        return
    n_d = eligible.shape[1]
    hold = doc.self_defence_range_m if doc.weapons_control == "hold" else np.inf
    unit_cost = doc.cost_weight * cost
    a, dr = p.assets, p.drones
    target = np.full((len(rows), n_w), -1, dtype=np.int64)
    aux_out = np.zeros((len(rows), n_w))
    pk_out = np.zeros((len(rows), n_w))
    value_out = np.zeros((len(rows), n_w))
    surv_out = np.zeros(len(rows))
    # The listed (sparse) evaluation serves the greedy assignment when no hook
    # wants the dense instance and every point kind can list its Pk; the dense
    # arrays are O(B·W·N) to write and scan, mostly zeros in a large scenario.
    sparse = (
        doc.fire_control == "myopic"
        and doc.wta_method == "greedy"
        and on_decision is None
        and bool(np.all(unit_cost >= 0.0))
        and all(
            hasattr(pl.kind, "evaluate_sparse")
            for pl in kinds
            if not getattr(pl.kind, "area", False)
        )
    )
    per_row = n_d if sparse else n_w * n_d
    if doc.fire_control == "lookahead":
        per_row *= _stages(doc)
    block = max(1, _BLOCK_ELEMENTS // max(per_row, 1))
    # Lazy threat values: on the listed path without events, only the entries some
    # weapon lists (and those a kind reads) need a value; in a large scenario that
    # is a few percent of them. The decision event's surviving value needs every
    # entry's, so events keep the eager path; so do kinds that do not say they
    # handle it (lazy_threat).
    lazy = (
        sparse
        and ev is None
        and not area
        and all(getattr(pl.kind, "lazy_threat", False) for pl in kinds)
    )
    th = ThreatArgs(
        dr.lethal_radius_m,
        a.pos_m,
        a.radius_m,
        a.value_usd,
        float(doc.danger_margin_m),
        float(doc.urgency_tau_s),
    )
    for b0 in range(0, len(rows), block):
        sel = slice(b0, b0 + block)
        br = rows[sel]
        n_b = len(br)
        values = np.empty((n_b, n_d))
        t_go = np.empty((n_b, n_d))
        surv = np.empty((n_b, n_d))
        _threats(
            br,
            eligible,
            pic.pos_m,
            pic.vel_mps,
            th,
            st.shot_active,
            st.shot_drone,
            st.shot_pk,
            values,
            t_go,
            surv,
            lazy,
        )
        ctx = DecideContext(
            rows=br,
            eligible=eligible,
            free=free,
            pos_m=pic.pos_m,
            vel_mps=pic.vel_mps,
            values=values,
            t_go_s=t_go,
            raid_idx=dr.raid_idx,
            min_shot_pk=float(doc.min_shot_pk),
            hold_range_m=float(hold),
            missile_min_time_to_go_s=float(doc.missile_min_time_to_go_s),
            missile_reserve_rounds=int(doc.missile_reserve_rounds),
            reserve_min_value_usd=float(doc.reserve_min_value_usd),
            threat=th if lazy else None,
        )
        open_slots = np.maximum(doc.max_shooters_per_drone - st.pending[br], 0)
        free_b = free[br]
        placed = []
        for pl in area:
            sl = slice(pl.weapon, pl.weapon + pl.n)
            ident = (
                pic.identified[br] if pl in tight else np.ones((n_b, n_d), dtype=bool)
            )
            got = (
                np.empty((n_b, pl.n), dtype=np.int64),
                np.empty((n_b, pl.n)),
                np.empty((n_b, pl.n)),
                np.empty((n_b, pl.n)),
            )
            pl.kind.aim(
                pl,
                st.effectors[pl.slot],
                ctx,
                surv,
                ident,
                open_slots,
                unit_cost[sl],
                *got,
            )
            placed.append((sl, got))
            free_b[:, sl] = False
        args = (
            target[sel],
            aux_out[sel],
            pk_out[sel],
            value_out[sel],
            surv_out[sel],
        )
        if doc.fire_control == "lookahead":
            _assign_lookahead(
                st, p, pic, kinds, tight, ctx, values, surv, t_go, free_b,
                open_slots, unit_cost, args,
            )  # fmt: skip
        elif sparse:
            _assign_sparse(
                st, pic, kinds, tight, ctx, values, surv, free_b, open_slots,
                unit_cost, args,
            )  # fmt: skip
        else:
            _assign_dense(
                st, p, pic, kinds, tight, ctx, values, surv, free_b, open_slots,
                cost, unit_cost, t1, on_decision, args,
            )  # fmt: skip
        for sl, (a_target, a_aux, a_pk, a_value) in placed:
            target[sel, sl] = a_target
            aux_out[sel, sl] = a_aux
            pk_out[sel, sl] = a_pk
            value_out[sel, sl] = a_value
    if ev is not None:
        # Decision log: the expected surviving threat value after this cycle's
        # assignment, per replication that decided (assign events carry each Pk).
        ev.add(
            "decision", rows, t1, -1, -1, np.zeros((len(rows), 3)), 0, value=surv_out
        )
    _commit(st, layout, rows, target, aux_out, pk_out, value_out, t1, ev)


def _assign_sparse(
    st: ChunkState,
    pic: AirPicture,
    kinds: tuple[Any, ...],
    tight: list[Any],
    ctx: DecideContext,
    values: FloatArray,
    surv: FloatArray,
    free_b: BoolArray,
    open_slots: IntArray,
    unit_cost: FloatArray,
    args: tuple[Any, ...],
) -> None:
    """Greedy assignment of one block from the kinds' listed non-zero Pk."""
    point = [pl for pl in kinds if not getattr(pl.kind, "area", False)]
    lists = [pl.kind.evaluate_sparse(pl, st.effectors[pl.slot], ctx) for pl in point]
    n_b = len(ctx.rows)
    ptr = np.zeros((max(len(lists), 1), n_b + 1), dtype=np.int64)
    base = 0
    for i, sp in enumerate(lists):
        ptr[i] = sp.ptr + base
        base += len(sp.unit)
    weapon = _cat([sp.unit + pl.weapon for sp, pl in zip(lists, point, strict=True)])
    entry = _cat([sp.entry for sp in lists])
    pk = _cat([sp.pk for sp in lists], np.float64)
    aux = _cat([sp.aux for sp in lists], np.float64)
    if ctx.threat is not None:
        _threats_listed(
            ctx.rows, ptr, entry, ctx.pos_m, ctx.vel_mps, ctx.threat, values, ctx.t_go_s
        )
    is_tight = np.array([pl in tight for pl in point] or [False])
    ident = (
        np.ascontiguousarray(pic.identified[ctx.rows])
        if tight
        else np.ones((1, 1), dtype=np.bool_)
    )
    _greedy_sparse(
        values,
        surv,
        ptr,
        weapon,
        entry,
        pk,
        aux,
        ident,
        is_tight,
        free_b,
        open_slots,
        unit_cost,
        *args,
    )


@njit(cache=True)
def _surviving_value(values: FloatArray, surv: FloatArray, out: FloatArray) -> None:
    """Σ_j values · surv per row, summed in order as the assignment kernels do."""
    for b in range(values.shape[0]):
        total = 0.0
        for d in range(values.shape[1]):
            total += values[b, d] * surv[b, d]
        out[b] = total


def _evaluate_dense(
    st: ChunkState,
    pic: AirPicture,
    placed: Any,
    tight: list[Any],
    ctx: DecideContext,
    pk: FloatArray,
    aux: FloatArray,
) -> None:
    """Each placed kind's ``evaluate`` into its weapons' columns of ``pk``, ``aux``.

    Both (B, W, N); a kind under weapons tight gets 0 on unidentified entries.
    """
    for pl in placed:
        sl = slice(pl.weapon, pl.weapon + pl.n)
        pl.kind.evaluate(pl, st.effectors[pl.slot], ctx, pk[:, sl], aux[:, sl])
        if pl in tight:
            pk[:, sl] *= pic.identified[ctx.rows][:, None, :]


def _stages(doc: Any) -> int:
    """Decision cycles the look-ahead plans (at least 1, at most 64)."""
    return int(
        min(64, max(1, np.ceil(doc.lookahead_horizon_s / doc.decision_period_s - 1e-9)))
    )


def _assign_lookahead(
    st: ChunkState,
    p: ScenarioParams,
    pic: AirPicture,
    kinds: tuple[Any, ...],
    tight: list[Any],
    ctx: DecideContext,
    values: FloatArray,
    surv: FloatArray,
    t_go: FloatArray,
    free_b: BoolArray,
    open_slots: IntArray,
    unit_cost: FloatArray,
    args: tuple[Any, ...],
) -> None:
    """Rolling-horizon assignment of one block (:mod:`skyscreen.c2.lookahead`).

    Stage k's kill probabilities are the kinds' own ``evaluate`` on the picture
    extrapolated k decision periods along each entry's velocity, for entries whose
    time to go exceeds k periods; at stage 0 the weapons free now may fire, at later
    stages every weapon with shots left (a weapon busy now is taken to be free again
    by the next cycle). Each kind's ``shots_left`` bounds its shots over the horizon.
    Only stage 0 is committed.
    """
    doc = p.doctrine
    n_b, n_d = values.shape
    n_w = free_b.shape[1]
    n_k = _stages(doc)
    period = doc.decision_period_s
    point = [pl for pl in kinds if not getattr(pl.kind, "area", False)]
    target, aux_out, pk_out, value_out, surv_out = args
    # Stage 0 first: a row where no free weapon has a shot now commits nothing,
    # whatever the later stages hold, so only the other rows are planned.
    pk0 = np.zeros((n_b, n_w, n_d))
    aux0 = np.zeros((n_b, n_w, n_d))
    _evaluate_dense(st, pic, point, tight, ctx, pk0, aux0)
    target[:] = -1
    _surviving_value(values, surv, surv_out)
    act = np.flatnonzero((pk0 > 0.0).any(axis=(1, 2)))
    if len(act) == 0:
        return
    br = ctx.rows[act]
    n_a = len(act)
    shots = np.full((n_a, n_w), n_k, dtype=np.int64)
    for pl in point:
        # Optional in the kinds' protocol, as evaluate_sparse is: none, no limit.
        shots_of = getattr(pl.kind, "shots_left", None)
        left = shots_of(pl, st.effectors[pl.slot]) if shots_of else None
        if left is not None:
            shots[:, pl.weapon : pl.weapon + pl.n] = np.minimum(left[br], n_k)
    avail_rows = np.zeros((st.n_rep, n_w), dtype=bool)
    avail_rows[br] = shots > 0
    for pl in kinds:
        if getattr(pl.kind, "area", False):
            avail_rows[br, pl.weapon : pl.weapon + pl.n] = False
    # Later stages: every valid entry (shoot-look-shoot is the planner's gap, the
    # shooters' limit its max_shooters), on its predicted path until its time to go.
    later = pic.valid.copy()
    if tight and len(tight) == len(kinds):
        later &= pic.identified
    values_a, t_go_a = values[act], t_go[act]
    later_a = later[br]
    ident_a = pic.identified[br]
    pos_a, vel_a = pic.pos_m[br], pic.vel_mps[br]
    leads = np.arange(n_k, dtype=np.float64) * period
    # Each kind's later stages at once (its evaluate_stages, or its evaluate per
    # stage), listed by row; a kind under weapons tight sees only identified entries.
    lists = []
    for pl in point:
        sctx = StageContext(
            rows=br, eligible=later_a & ident_a if pl in tight else later_a,
            free=avail_rows, pos_m=pos_a, vel_mps=vel_a, values=values_a,
            t_go_s=t_go_a, leads_s=leads, raid_idx=ctx.raid_idx,
            min_shot_pk=ctx.min_shot_pk, hold_range_m=ctx.hold_range_m,
            missile_min_time_to_go_s=ctx.missile_min_time_to_go_s,
            missile_reserve_rounds=ctx.missile_reserve_rounds,
            reserve_min_value_usd=ctx.reserve_min_value_usd,
        )  # fmt: skip
        by_stages = getattr(pl.kind, "evaluate_stages", None)
        kst = st.effectors[pl.slot]
        sp = (
            by_stages(pl, kst, sctx)
            if by_stages is not None
            else stage_pk_by_evaluation(pl, kst, sctx)
        )
        lists.append((sp, pl.weapon))
    factor = np.ones(n_k)
    # A planned later shot counts only if its opportunity comes as predicted.
    factor[1:] = doc.lookahead_discount ** np.arange(1, n_k)
    gap = 0
    if doc.shoot_look_shoot:
        gap = max(0, int(np.ceil((period + doc.assess_time_s) / period - 1e-9)) - 1)
    t_a = np.empty((n_a, n_w), dtype=np.int64)
    s_a = np.empty(n_a)
    pk0_a = pk0[act]
    plan_stages_listed(
        values_a,
        surv[act],
        pk0_a,
        tuple(_c(sp.ptr) for sp, _ in lists),
        tuple(_c(sp.stage) for sp, _ in lists),
        tuple(_c(sp.unit) for sp, _ in lists),
        tuple(_c(sp.entry) for sp, _ in lists),
        tuple(_c(sp.pk, np.float64) for sp, _ in lists),
        np.array([w0 for _, w0 in lists], dtype=np.int64),
        factor,
        free_b[act],
        avail_rows[br],
        shots,
        np.ascontiguousarray(open_slots[act]),
        int(doc.max_shooters_per_drone),
        gap,
        unit_cost,
        LOOKAHEAD_METHODS[doc.wta_method],
        int(doc.wta_max_iter),
        t_a,
        s_a,
    )
    surv_out[act] = s_a
    target[act] = t_a
    rows, units = np.nonzero(t_a >= 0)
    d = t_a[rows, units]
    aux_out[act[rows], units] = aux0[act[rows], units, d]
    pk_out[act[rows], units] = pk0[act[rows], units, d]
    value_out[act[rows], units] = values_a[rows, d]


def _c(a: Any, dtype: Any = np.int64) -> Any:
    """``a`` as a contiguous array of ``dtype`` (no copy when it is one)."""
    return np.ascontiguousarray(a, dtype=dtype)


def _cat(parts: list[Any], dtype: Any = np.int64) -> Any:
    """The parts concatenated as one contiguous array of ``dtype`` (empty: none)."""
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.ascontiguousarray(np.concatenate(parts), dtype=dtype)


def _assign_dense(
    st: ChunkState,
    p: ScenarioParams,
    pic: AirPicture,
    kinds: tuple[Any, ...],
    tight: list[Any],
    ctx: DecideContext,
    values: FloatArray,
    surv: FloatArray,
    free_b: BoolArray,
    open_slots: IntArray,
    cost: FloatArray,
    unit_cost: FloatArray,
    t1: float,
    on_decision: Callable[[DecisionInstance], None] | None,
    args: tuple[Any, ...],
) -> None:
    """Assignment of one block from the kinds' dense (B, W, N) Pk arrays."""
    doc = p.doctrine
    br = ctx.rows
    n_b, n_d = values.shape
    n_w = free_b.shape[1]
    # Every assignable kind writes the whole of its block of weapons.
    pk = np.empty((n_b, n_w, n_d))
    aux = np.empty((n_b, n_w, n_d))
    _evaluate_dense(st, pic, kinds, tight, ctx, pk, aux)
    if on_decision is not None:
        # Observed only: the cycle is solved below exactly as without the hook.
        for i, r in enumerate(br):
            on_decision(
                DecisionInstance(
                    replication=int(st.reps[r]),
                    t_s=t1,
                    values=values[i] * surv[i],
                    pk=pk[i],
                    free=free_b[i],
                    max_per_target=open_slots[i],
                    cost=cost,
                    cost_weight=float(doc.cost_weight),
                )
            )
    if doc.wta_method == "greedy":
        _greedy(values, surv, pk, aux, free_b, open_slots, unit_cost, *args)
    else:
        _solve(p, values, surv, pk, aux, free_b, open_slots, cost, *args)


def _commit(
    st: ChunkState,
    layout: Layout,
    rows: IntArray,
    target: IntArray,
    aux: FloatArray,
    pk: FloatArray,
    value: FloatArray,
    t1: float,
    ev: Events | None,
) -> None:
    """Hand each weapon's target to its kind; count the shots pending per drone."""
    for pl in layout.assignable:
        kst: Any = st.effectors[pl.slot]
        for u, loc in rows_by_unit(target[:, pl.weapon : pl.weapon + pl.n] >= 0):
            w = pl.weapon + u
            ra = rows[loc]
            da = target[loc, w]
            st.pending[ra, da] += 1
            pl.kind.commit(pl, kst, ra, u, da, t1, aux[loc, w])
            if ev is not None:
                ev.add(
                    "assign",
                    ra,
                    t1,
                    da,
                    pl.unit + u,
                    st.pos_m[ra, da],
                    value=value[loc, w],
                    pk=pk[loc, w],
                )
