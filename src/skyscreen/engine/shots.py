"""The table of shots in the air, shared by every kind that fires projectiles.

Each effector owns a fixed range of slots (:class:`ShotSlots`, from its kind's
``shot_slots``); a shot holds the drone it was fired at, the time it resolves, its outcome (drawn when
fired) and its predicted kill probability. The resolve stage settles shots due in a
step (:mod:`skyscreen.engine.outcomes`); fire control counts the kill probability of
shots still in the air when it values a drone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.events import Events
from skyscreen.engine.state import ChunkState

__all__ = [
    "ShotSlots",
    "cancel",
    "in_air",
    "launch_pulse",
    "launch_shot",
    "make_slots",
]


@dataclass(frozen=True, slots=True, eq=False)
class ShotSlots:
    """Where each effector's shots sit in the shared shot table.

    Attributes
    ----------
    slot_effector : ndarray of int (n_slot,)
        Effector index owning each slot.
    slot_start, slot_count : ndarray of int (n_effector,)
        Each effector's slots ``[start, start + count)``.
    """

    slot_effector: IntArray
    slot_start: IntArray
    slot_count: IntArray

    @property
    def n(self) -> int:
        """Slots in all."""
        return len(self.slot_effector)


def make_slots(counts: Sequence[IntArray]) -> ShotSlots:
    """The slot table of effector kinds whose units hold ``counts`` slots each.

    ``counts`` has one array per effector kind, in the effector index's order (each
    kind's ``shot_slots``).
    """
    count = np.concatenate(
        [np.asarray(c, dtype=np.int64).reshape(-1) for c in counts]
        or [np.zeros(0, dtype=np.int64)]
    )
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(len(count)), count).astype(np.int64)
    return ShotSlots(slot_effector=owner, slot_start=start, slot_count=count)


def in_air(st: ChunkState, slots: ShotSlots, e: int, n: int) -> IntArray:
    """Shots in the air of the ``n`` effectors from ``e`` on, per replication (R, n).

    One kind's units at once: one compiled pass rather than a NumPy sum per unit.
    """
    out = np.zeros((st.shot_active.shape[0], n), dtype=np.int64)
    _count_in_air(
        st.shot_active, slots.slot_start[e : e + n], slots.slot_count[e : e + n], out
    )
    return out


@njit(cache=True)
def _count_in_air(
    active: BoolArray, start: IntArray, count: IntArray, out: IntArray
) -> None:
    for i in range(active.shape[0]):
        for k in range(start.shape[0]):
            c = 0
            for q in range(start[k], start[k] + count[k]):
                c += active[i, q]
            out[i, k] = c


@njit(cache=True)
def _launch(
    active: BoolArray,
    drone: IntArray,
    t_s: FloatArray,
    kill: BoolArray,
    pk: FloatArray,
    t_first: FloatArray,
    s0: IntArray,
    n: IntArray,
    r: IntArray,
    d: IntArray,
    t_res: FloatArray,
    hit: BoolArray,
    shot_pk: FloatArray,
    t1: float,
) -> bool:
    """Put each row's shot in the first free slot of ``[s0, s0 + n)``.

    ``s0`` and ``n`` hold one effector's slots, or one per row. Rows ``r`` are
    distinct for each effector. ``t_first`` (R, D) takes ``np.fmin`` with ``t1``.
    Returns False, having stopped, when a row has no free slot.
    """
    per_row = s0.shape[0] > 1
    for i in range(r.shape[0]):
        ri, di = r[i], d[i]
        e = i if per_row else 0
        slot = -1
        for q in range(s0[e], s0[e] + n[e]):
            if not active[ri, q]:
                slot = q
                break
        if slot < 0:
            return False
        active[ri, slot] = True
        drone[ri, slot] = di
        t_s[ri, slot] = t_res[i]
        kill[ri, slot] = hit[i]
        pk[ri, slot] = shot_pk[i]
        if np.isnan(t_first[ri, di]) or t1 < t_first[ri, di]:
            t_first[ri, di] = t1
    return True


def launch_shot(
    st: ChunkState,
    slots: ShotSlots,
    e: int | IntArray,
    r: IntArray,
    d: IntArray,
    t_res: FloatArray,
    kill: BoolArray,
    pk: FloatArray,
    t1: float,
    assigned: bool = True,
) -> None:
    """Put shots of effector ``e`` at drones ``d`` of rows ``r`` in the air.

    Fire control counted an assigned shot as pending when it assigned it; a shot at a
    drone it did not assign (a microwave pulse reaching others than its aim) is
    counted here (``assigned=False``), so resolving it balances the count. ``e`` is
    one effector or one per row (units of a kind firing in the same step); rows
    ``r`` are distinct for each effector; ``t_res``, ``kill`` and ``pk`` are arrays,
    one per row.
    """
    if not assigned:
        np.add.at(st.pending, (r, d), 1)
    # One compiled pass: the NumPy form (a free-slot search and six scattered
    # writes) cost tens of microseconds per call, called per firing unit and step.
    if not _launch(
        st.shot_active,
        st.shot_drone,
        st.shot_t_s,
        st.shot_kill,
        st.shot_pk,
        st.t_first_shot_s,
        np.atleast_1d(slots.slot_start[e]),
        np.atleast_1d(slots.slot_count[e]),
        np.asarray(r, dtype=np.int64),
        np.asarray(d, dtype=np.int64),
        np.asarray(t_res, dtype=np.float64),
        np.asarray(kill, dtype=np.bool_),
        np.asarray(pk, dtype=np.float64),
        float(t1),
    ):  # pragma: no cover - sized to never happen
        raise RuntimeError(f"no free shot slot for effector(s) {e}")


def launch_pulse(
    st: ChunkState,
    slots: ShotSlots,
    e: int,
    r: IntArray,
    d: IntArray,
    kill: BoolArray,
    pk: FloatArray,
    t1: float,
    aimed: BoolArray,
) -> None:
    """Put the outcomes of area shots of effector ``e`` at ``t1`` in the table.

    One entry per drone ``d`` a shot reaches in row ``r`` (several per row), each in
    the effector's slot for that drone (the kind holds one slot per drone, and a
    shot fired in one step resolves in the next, before the effector can fire
    again). Fire control counted the shot at the aimed drone as pending when it
    assigned it (``aimed``); the others are counted here.
    """
    np.add.at(st.pending, (r[~aimed], d[~aimed]), 1)
    slot = slots.slot_start[e] + d
    if st.shot_active[r, slot].any():  # pragma: no cover - one shot per step
        raise RuntimeError(f"effector {e} fired into a slot still in the air")
    st.shot_active[r, slot] = True
    st.shot_drone[r, slot] = d
    st.shot_t_s[r, slot] = t1
    st.shot_kill[r, slot] = kill
    st.shot_pk[r, slot] = pk
    st.t_first_shot_s[r, d] = np.fmin(st.t_first_shot_s[r, d], t1)


def cancel(
    st: ChunkState,
    ev: Events | None,
    t1: float,
    r: IntArray,
    d: IntArray,
    bad: BoolArray,
    ref: int,
    reasons: list[tuple[BoolArray, str]],
    otherwise: str,
) -> None:
    """Drop committed shots that cannot be fired; log the first reason that applies.

    ``ref`` is the unit's index among sensors then effectors (the events' ``ref``).
    """
    st.pending[r[bad], d[bad]] -= 1
    if ev is not None:
        why = np.select(
            [c for c, _ in reasons],
            [ev.outcome(n) for _, n in reasons],
            ev.outcome(otherwise),
        )
        ev.add(
            "cancel",
            r[bad],
            t1,
            d[bad],
            ref,
            st.pos_m[r[bad], d[bad]],
            why[bad],
        )
