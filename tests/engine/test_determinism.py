"""Same seed, same numbers: whatever the chunking, process count or batch company."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import skyscreen
from skyscreen.scenario import ScenarioWarning
from skyscreen.schema import TABLE_NAMES

SCENARIO = Path(__file__).parents[1] / "data" / "all-states.yaml"
N_REP = 60
SEED = 11


@pytest.fixture(scope="module")
def spec() -> skyscreen.ScenarioSpec:
    # A late raid and short-endurance drones, on purpose: loading warns of both.
    with pytest.warns(ScenarioWarning):
        return skyscreen.load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def baseline(spec: skyscreen.ScenarioSpec) -> skyscreen.RunResult:
    return skyscreen.simulate(
        spec,
        replications=N_REP,
        seed=SEED,
        workers=1,
        chunk_size=1000,
        events=True,
        record=5,
    )


def _same(a: skyscreen.RunResult, b: skyscreen.RunResult) -> None:
    for name in TABLE_NAMES:
        if getattr(a, name) is None and getattr(b, name) is None:
            continue
        pd.testing.assert_frame_equal(
            getattr(a, name).reset_index(drop=True),
            getattr(b, name).reset_index(drop=True),
            check_exact=True,
            obj=name,
        )


def test_baseline_exercises_everything(baseline: skyscreen.RunResult) -> None:
    """The determinism runs cover all five terminal states and every killing kind."""
    states = set(baseline.drones["state"].astype(str))
    assert states == {"killed", "defeated", "leaked", "expended", "airborne"}
    fired = baseline.effectors.groupby("kind", observed=True)[
        ["rounds_fired", "missiles_fired"]
    ].sum()
    assert fired.loc["gun", "rounds_fired"] > 0
    assert fired.loc["missile", "missiles_fired"] > 0
    killers = set(baseline.drones.loc[baseline.drones["state"] == "killed", "cause"])
    assert killers == {"gun", "missile", "laser", "microwave", "interceptor"}


@pytest.mark.parametrize("chunk_size", [1, 7])
def test_chunk_size_does_not_change_results(
    spec: skyscreen.ScenarioSpec, baseline: skyscreen.RunResult, chunk_size: int
) -> None:
    """Chunks of 1 and 7 give bit-identical tables to one chunk of 60."""
    other = skyscreen.simulate(
        spec,
        replications=N_REP,
        seed=SEED,
        workers=1,
        chunk_size=chunk_size,
        events=True,
        record=5,
    )
    _same(baseline, other)


def test_two_workers_give_the_same_results(
    spec: skyscreen.ScenarioSpec, baseline: skyscreen.RunResult
) -> None:
    """Two worker processes give bit-identical tables to one."""
    other = skyscreen.simulate(
        spec,
        replications=N_REP,
        seed=SEED,
        workers=2,
        chunk_size=7,
        events=True,
        record=5,
    )
    _same(baseline, other)


@pytest.mark.parametrize("rep", [0, 17, 59])
def test_replication_alone_equals_it_in_the_batch(
    spec: skyscreen.ScenarioSpec, baseline: skyscreen.RunResult, rep: int
) -> None:
    """Replication i run on its own equals replication i of the batch."""
    alone = skyscreen.simulate(spec, replications=[rep], seed=SEED, workers=1)
    for name in ("summary", "drones", "effectors", "assets"):
        full = getattr(baseline, name)
        pd.testing.assert_frame_equal(
            full[full["replication"] == rep].reset_index(drop=True),
            getattr(alone, name).reset_index(drop=True),
            check_exact=True,
            obj=name,
        )


def test_other_seed_changes_results(
    spec: skyscreen.ScenarioSpec, baseline: skyscreen.RunResult
) -> None:
    """A different seed gives different outcomes (the seed is really used)."""
    other = skyscreen.simulate(spec, replications=N_REP, seed=SEED + 1, workers=1)
    assert not baseline.drones["t_end_s"].equals(other.drones["t_end_s"])
