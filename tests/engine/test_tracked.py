"""The tracked fidelity end to end: determinism, every example, the picture table."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import skyscreen
from skyscreen.scenario import ScenarioWarning, example_names, example_path
from skyscreen.schema import TABLE_NAMES

SCENARIO = Path(__file__).parents[1] / "data" / "all-states.yaml"
N_REP = 24
SEED = 5


@pytest.fixture(scope="module")
def spec() -> skyscreen.ScenarioSpec:
    with pytest.warns(ScenarioWarning):
        return skyscreen.load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def baseline(spec: skyscreen.ScenarioSpec) -> skyscreen.RunResult:
    return skyscreen.simulate(
        spec,
        replications=N_REP,
        seed=SEED,
        fidelity="tracked",
        workers=1,
        chunk_size=1000,
        events=True,
        record=3,
        progress=False,
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


def test_tracked_run_has_its_columns_and_picture(
    baseline: skyscreen.RunResult,
) -> None:
    """Tracking scores are filled, the picture table holds the recorded reps."""
    s = baseline.summary
    for col in ("track_gospa_m", "track_ospa_m", "false_tracks_per_cycle"):
        assert s[col].notna().all(), col
        assert (s[col] >= 0).all(), col
    assert (s["track_ospa_m"] <= 100.0 + 1e-9).all()  # OSPA is bounded by c
    assert baseline.picture is not None
    assert set(baseline.picture["replication"]) <= {0, 1, 2}
    assert baseline.picture["confirmed"].any()
    assert baseline.meta["fidelity"] == "tracked"
    tracked = baseline.drones["t_tracked_s"]
    detected = baseline.drones["t_first_detect_s"]
    ok = tracked.notna()
    assert ok.any()
    assert (tracked[ok] >= detected[ok]).all()  # a track needs a detection first


@pytest.mark.parametrize(("workers", "chunk_size"), [(1, 1), (1, 5), (2, 7)])
def test_tracked_results_do_not_depend_on_chunking(
    spec: skyscreen.ScenarioSpec,
    baseline: skyscreen.RunResult,
    workers: int,
    chunk_size: int,
) -> None:
    """Bit-identical tables, picture included, whatever the chunks and workers."""
    other = skyscreen.simulate(
        spec,
        replications=N_REP,
        seed=SEED,
        fidelity="tracked",
        workers=workers,
        chunk_size=chunk_size,
        events=True,
        record=3,
        progress=False,
    )
    _same(baseline, other)


def test_truth_fidelity_leaves_tracking_columns_empty() -> None:
    res = skyscreen.simulate(
        example_path("quickstart"), replications=3, seed=1, workers=1, progress=False
    )
    assert res.summary["track_gospa_m"].isna().all()
    assert res.drones["t_tracked_s"].isna().all()
    assert res.picture is None


@pytest.mark.parametrize("name", example_names())
def test_every_example_runs_tracked(name: str) -> None:
    """Every example runs end to end in the tracked fidelity and tracks drones."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        res = skyscreen.simulate(
            example_path(name),
            replications=4,
            seed=2,
            fidelity="tracked",
            workers=1,
            progress=False,
        )
    s = res.summary
    assert (
        s["n_killed"] + s["n_defeated"] + s["n_leaked"] + s["n_expended"]
        + s["n_airborne"]
        == s["n_launched"]
    ).all()  # fmt: skip
    assert np.isfinite(s["track_gospa_m"]).all()
    assert res.drones["t_tracked_s"].notna().any()


@pytest.mark.parametrize(
    "tracking",
    [
        {"association": "jpda"},
        {"motion": "imm", "turn_rate_deg_s": 15.0},
        {"association": "jpda", "motion": "imm", "confirm_m": 2, "confirm_n": 3},
    ],
)
def test_tracker_options_run_and_stay_deterministic(
    spec: skyscreen.ScenarioSpec, tracking: dict[str, object]
) -> None:
    """JPDA and the IMM run end to end; chunking still changes nothing."""
    from skyscreen.scenario import parse_scenario

    data = spec.model_dump(mode="json", by_alias=True)
    data["tracking"].update(tracking)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        other = parse_scenario(data)
    runs = [
        skyscreen.simulate(
            other,
            replications=8,
            seed=SEED,
            fidelity="tracked",
            workers=1,
            chunk_size=c,
            progress=False,
        )
        for c in (8, 3)
    ]
    _same(runs[0], runs[1])
    assert runs[0].summary["track_gospa_m"].notna().all()
    assert runs[0].drones["t_tracked_s"].notna().any()


def test_confirm_m_above_confirm_n_is_an_error(spec: skyscreen.ScenarioSpec) -> None:
    from skyscreen.scenario import parse_scenario

    data = spec.model_dump(mode="json", by_alias=True)
    data["tracking"].update({"confirm_m": 5, "confirm_n": 3})
    with pytest.raises(skyscreen.ScenarioError, match="confirm_m"):
        parse_scenario(data)
