"""Guns and missile launchers fire every due unit of a step at once.

Each burst's or missile's numbers (geometry, envelope, draws, kill probability,
reload, shot slot) depend on its own (row, unit) alone, so firing all due units in one
call must leave the same state, shot table and event log, bit for bit, as firing them
one unit per call in unit order. Cancels are counted once per unit: two units laid on
one drone that is gone both give back their pending shot.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from skyscreen.engine.codes import FLYING, KILLED, OUTCOMES
from skyscreen.engine.events import Events
from skyscreen.engine.kinds import make_layout
from skyscreen.engine.setup import init_state
from skyscreen.engine.state import ChunkState
from skyscreen.scenario import parse_scenario
from skyscreen.scenario.compile import compile_scenario

N_GUNS, N_DRONES, N_REP = 4, 5, 6

DOC: dict[str, Any] = {
    "name": "gun-fire",
    "origin": {"lat_deg": 35.0, "lon_deg": 25.0},
    "run": {"dt_s": 1.0, "duration_s": 60.0},
    "sites": [
        {
            "id": "s",
            "assets": [
                {"id": "a", "position": {"east_m": 0, "north_m": 0}, "value_usd": 1e6}
            ],
            "effectors": [
                {
                    "kind": "gun",
                    "id": f"g{k}",
                    "position": {"east_m": 300.0 * k, "north_m": 0},
                    "magazine_rounds": 25,
                    "reloads": 1,
                }
                for k in range(N_GUNS)
            ]
            + [
                {
                    "kind": "missile",
                    "id": f"m{k}",
                    "position": {"east_m": 300.0 * k, "north_m": 500.0},
                    "ready_rounds": 2,
                    "reloads": 1,
                    "channels": 1 + k % 2,
                }
                for k in range(N_GUNS)
            ],
        }
    ],
    "raids": [
        {
            "id": "w",
            "drone": {"class": "fixed_wing_owa"},
            "count": N_DRONES,
            "launch": {"position": {"east_m": 5000, "north_m": 0}},
            "target": {"asset": "a"},
        }
    ],
}


MAGAZINE = {"gun": "rounds", "missile": "ready"}
STATE = {
    "gun": ("rounds", "rounds_fired", "busy_s", "fire_s", "az_rad", "el_rad"),
    "missile": ("ready", "fired", "launch_s"),
}


def _setup(kind: str, seed: int) -> tuple[Any, ChunkState, Any, Any, np.ndarray]:
    """A chunk with ``kind``'s units laid on drones at random.

    Some drones are gone or out of reach, some magazines empty, and (launchers)
    some guidance channels busy.
    """
    p = compile_scenario(parse_scenario(DOC))
    layout = make_layout(p)
    st_ = init_state(p, layout, np.arange(N_REP), 7)
    slot = [pl.kind.name for pl in layout.effectors].index(kind)
    pl, kst = layout.effectors[slot], st_.effectors[slot]
    rng = np.random.default_rng(seed)
    st_.status[:] = np.where(rng.random((N_REP, N_DRONES)) < 0.2, KILLED, FLYING)
    # Mostly within reach, some beyond it, heights from 0 to 1.5 km, moving.
    st_.pos_m[:] = np.stack(
        [
            rng.uniform(-1500, 4500, (N_REP, N_DRONES)),
            rng.uniform(-3000, 3000, (N_REP, N_DRONES)),
            rng.uniform(0, 1500, (N_REP, N_DRONES)),
        ],
        axis=-1,
    )
    st_.vel_mps[:] = rng.uniform(-40, 40, (N_REP, N_DRONES, 3))
    mag = getattr(kst, MAGAZINE[kind])
    mag[:] = rng.choice([0, 1, 3], (N_REP, N_GUNS))
    if kind == "missile":
        s0 = layout.slots.slot_start[pl.index]
        st_.shot_active[:, s0] = rng.random(N_REP) < 0.5  # launcher 0's channel
        st_.shot_drone[:, s0] = 0
    laid = rng.random((N_REP, N_GUNS)) < 0.7
    target = rng.integers(0, N_DRONES, (N_REP, N_GUNS))
    # Often two units on one drone of a row (max_shooters above one).
    target[:, 1] = np.where(rng.random(N_REP) < 0.5, target[:, 0], target[:, 1])
    r, k = np.nonzero(laid)
    for ri, ki in zip(r, k, strict=True):
        pl.kind.commit(
            pl, kst, np.array([ri]), int(ki), target[[ri], ki], 0.0, np.zeros(1)
        )
        st_.pending[ri, target[ri, ki]] += 1
    if kind == "missile":
        kst.launch_s[laid] = 0.0  # due now, whatever the reaction time
    return layout, st_, pl, kst, laid


def _snapshot(kind: str, st_: ChunkState, kst: Any, ev: Events) -> list[np.ndarray]:
    arrays = [
        st_.pending,
        st_.shot_active,
        st_.shot_drone,
        st_.shot_t_s,
        st_.shot_kill,
        st_.shot_pk,
        st_.t_first_shot_s,
        kst.reloads_left,
        kst.reload_done_s,
        kst.target,
    ]
    arrays += [getattr(kst, f) for f in STATE[kind]]
    arrays += [np.asarray(v) for v in ev.result().values()]
    return [a.copy() for a in arrays]


@pytest.mark.parametrize("kind", ["gun", "missile"])
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), step=st.integers(0, 50))
def test_all_units_at_once_equal_one_unit_per_call(
    kind: str, seed: int, step: int
) -> None:
    """One call for every due unit leaves what one call per unit, in order, does."""
    layout, st_a, pl, kst_a, laid = _setup(kind, seed)
    ev_a = Events(st_a.reps)
    pl.kind.fire(pl, kst_a, st_a, layout.slots, step, 1.0, ev_a)

    layout, st_b, pl, kst_b, _ = _setup(kind, seed)
    ev_b = Events(st_b.reps)
    held = kst_b.target.copy()
    kst_b.target[:] = -1
    for k in range(N_GUNS):
        kst_b.target[:, k] = held[:, k]
        pl.kind.fire(pl, kst_b, st_b, layout.slots, step, 1.0, ev_b)

    for a, b in zip(
        _snapshot(kind, st_a, kst_a, ev_a),
        _snapshot(kind, st_b, kst_b, ev_b),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    # Every laid unit fired or cancelled, and a pending count is never negative.
    res = ev_a.result()
    assert len(res["kind"]) == laid.sum()
    assert (st_a.pending >= 0).all()
    if kind == "missile":  # the test reached the launchers' every outcome
        event(str(sorted(set(res["outcome"].tolist()))))


@pytest.mark.parametrize("kind", ["gun", "missile"])
def test_two_units_on_a_drone_that_is_gone_both_cancel(kind: str) -> None:
    """Two units laid on one killed drone: both give their pending shot back."""
    layout, st_, pl, kst, _ = _setup(kind, 0)
    kst.target[:] = -1
    st_.pending[:] = 0
    st_.status[0, 2] = KILLED
    for k in (0, 1):
        pl.kind.commit(pl, kst, np.array([0]), k, np.array([2]), 0.0, np.zeros(1))
        st_.pending[0, 2] += 1
    if kind == "missile":
        kst.launch_s[0, :2] = 0.0
    ev = Events(st_.reps)
    pl.kind.fire(pl, kst, st_, layout.slots, 3, 1.0, ev)
    assert st_.pending[0, 2] == 0
    res = ev.result()
    assert list(res["ref"]) == [pl.unit, pl.unit + 1]
    assert set(res["outcome"].tolist()) == {OUTCOMES.index("target_lost")}
