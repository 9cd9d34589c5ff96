"""The kinds contract: every registered kind and the test-only kinds pass one set of checks.

The test-only kinds (tests/engine/conftest.py) have each shape the next issues need,
and the checks are in the manner of scikit-learn's ``check_estimator`` and
Gymnasium's ``check_env``.

For each kind, on a base scenario holding every registered kind: the chunk's arrays
have the documented shapes; every drone ends in exactly one state and a killed drone
names an effector of a kind that kills; the state's invariants hold after every step
(``run_chunk(check=True)``: no negative magazine or pending count, shots only at real
drones); every ``fire`` event lies in the firing unit's envelope; the same seed gives
the same run, and a replication's result does not depend on its chunk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skyscreen.engine import (
    EFFECTOR_COLUMNS,
    EFFECTOR_KINDS,
    EVENT_KINDS,
    SENSOR_KINDS,
    STATES,
    run_chunk,
)
from skyscreen.engine.kinds import make_layout
from skyscreen.scenario import ScenarioWarning, load_scenario
from skyscreen.scenario.compile import compile_scenario

SCENARIO = Path(__file__).parents[1] / "data" / "all-states.yaml"
N_REP = 12
SEED = 31
FIRE = EVENT_KINDS.index("fire")
TERMINAL = {STATES.index(s) for s in ("killed", "defeated", "leaked", "expended")}


@pytest.fixture(scope="module", params=["myopic", "lookahead"])
def params(request: pytest.FixtureRequest) -> Any:
    # A late raid and short-endurance drones, on purpose: loading warns of both.
    with pytest.warns(ScenarioWarning):
        spec = load_scenario(SCENARIO)
    # Both fire controls: the look-ahead evaluates every kind on predicted paths.
    doctrine = spec.doctrine.model_copy(
        update={"fire_control": request.param, "lookahead_horizon_s": 10.0}
    )
    return compile_scenario(spec.model_copy(update={"doctrine": doctrine}))


def _kinds(extra_effector: Any = None, extra_sensor: Any = None) -> Any:
    sensors = SENSOR_KINDS + ((extra_sensor,) if extra_sensor is not None else ())
    effectors = EFFECTOR_KINDS + (
        (extra_effector,) if extra_effector is not None else ()
    )
    return sensors, effectors


REGISTERED = [k.name for k in (*SENSOR_KINDS, *EFFECTOR_KINDS)]
MOCK_EFFECTORS = ["mock_laser", "mock_microwave", "mock_interceptor"]


@pytest.mark.parametrize("case", [*REGISTERED, *MOCK_EFFECTORS, "camera"])
def test_kind_contract(
    case: str, params: Any, make_mock_effectors: Any, make_mock_camera: Any
) -> None:
    """Shapes, one state per drone, invariants, envelopes, determinism, chunking."""
    if case in MOCK_EFFECTORS:
        kinds = _kinds(extra_effector=make_mock_effectors()[case])
    elif case == "camera":
        kinds = _kinds(extra_sensor=make_mock_camera())
    else:
        kinds = _kinds()
    layout = make_layout(params, *kinds)
    reps = np.arange(N_REP)
    res = run_chunk(params, reps, SEED, events=True, kinds=kinds, check=True)

    n_d, n_e = params.drones.n, layout.n_effectors
    assert res.drone_status.shape == (N_REP, n_d)
    for name in ("eff_engagements", "eff_rounds", "eff_missiles", "eff_kills"):
        assert getattr(res, name).shape == (N_REP, n_e), name
        assert (getattr(res, name) >= 0).all(), name
    assert res.eff_cost_usd.shape == (N_REP, n_e)
    assert (res.eff_cost_usd >= 0).all()

    # Every drone in exactly one state; a killed drone names a killing effector.
    status = res.drone_status
    assert np.isin(status, [*TERMINAL, STATES.index("flying")]).all()
    killed = status == STATES.index("killed")
    assert (res.drone_effector[killed] >= 0).all()
    assert (res.drone_effector[killed] < n_e).all()
    cause_names = np.asarray(layout.causes, dtype=object)[res.drone_cause[killed]]
    kind_of = {
        pl.index + u: pl.kind.name for pl in layout.effectors for u in range(pl.n)
    }
    assert [kind_of[int(e)] for e in res.drone_effector[killed]] == list(cause_names)
    # Kills counted per effector match the drones that name it.
    hard = np.zeros((N_REP, n_e), dtype=np.int64)
    r, d = np.nonzero(killed | (status == STATES.index("defeated")))
    np.add.at(hard, (r, res.drone_effector[r, d]), 1)
    np.testing.assert_array_equal(hard, res.eff_kills)

    # No shot outside an envelope.
    ev = res.events
    assert ev is not None
    fired = ev["kind"] == FIRE
    unit = ev["ref"][fired] - layout.n_sensors
    pos = np.column_stack([ev["x_m"], ev["y_m"], ev["z_m"]])[fired]
    for pl in layout.effectors:
        mine = (unit >= pl.index) & (unit < pl.index + pl.n)
        if mine.any():
            inside = pl.kind.in_envelope(pl, unit[mine] - pl.index, pos[mine])
            assert inside.all(), f"{pl.kind.name}: {int((~inside).sum())} shots outside"

    # The kind under test acted at all (the scenario reaches it).
    if case in MOCK_EFFECTORS:
        pl = layout.effectors[-1]
        assert res.eff_engagements[:, pl.index : pl.index + pl.n].sum() > 0, case

    # Same seed, same run; a replication's result does not depend on its chunk.
    again = run_chunk(params, reps, SEED, events=True, kinds=kinds)
    a = run_chunk(params, reps[:5], SEED, kinds=kinds)
    b = run_chunk(params, reps[5:], SEED, kinds=kinds)
    for name in (
        "drone_status",
        "drone_t_end_s",
        "drone_end_m",
        "eff_kills",
        "eff_cost_usd",
    ):
        np.testing.assert_array_equal(getattr(res, name), getattr(again, name), name)
        np.testing.assert_array_equal(
            getattr(res, name),
            np.concatenate([getattr(a, name), getattr(b, name)]),
            name,
        )


def test_camera_slews_to_the_cue(params: Any, make_mock_camera: Any) -> None:
    """A camera that slews to the picture's cue sees more drones than one that stares.

    With the camera the only sensor, the picture holds what it has seen; cued by
    those entries it turns toward the raid and finds the rest.
    """
    seen = []
    for slew in (0.0, 30.0):
        cam = make_mock_camera()
        cam.units.extra["slew_rad_s"] = np.radians(slew)
        res = run_chunk(params, np.arange(8), SEED, kinds=((cam,), EFFECTOR_KINDS))
        seen.append(int(np.isfinite(res.drone_t_first_detect_s).sum()))
    assert seen[0] > 0, "the staring camera sees the drones that fly into its view"
    assert seen[1] > seen[0], seen


def test_registered_kinds_declare_known_columns() -> None:
    """Every registered effector kind's counters are columns of the effectors table."""
    for kind in EFFECTOR_KINDS:
        assert set(kind.columns) <= set(EFFECTOR_COLUMNS), kind.name
    every = (*SENSOR_KINDS, *EFFECTOR_KINDS)
    assert len({k.name for k in every}) == len(every)
    assert len({k.purpose for k in every}) == len(every)
