"""``record_select``: the best, median and worst replications recorded after the run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skyscreen import simulate
from skyscreen.errors import SkyscreenError
from skyscreen.run import RunResult, load_run, select_replications
from skyscreen.scenario import example_path

N = 24


@pytest.fixture(scope="module")
def everything() -> RunResult:
    """The run with every replication's trajectories and events recorded."""
    return simulate(
        example_path("quickstart"),
        replications=N,
        seed=5,
        workers=1,
        events=True,
        record=N,
        progress=False,
    )


def _rows(df: pd.DataFrame, reps: list[int]) -> pd.DataFrame:
    out = df[df["replication"].isin(reps)].reset_index(drop=True)
    for c in out.columns:  # categories differ with the rows present
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(str)
    return out


def test_select_replications_orders_by_value_then_casualties_then_id() -> None:
    summary = pd.DataFrame(
        {
            "replication": [0, 1, 2, 3, 4],
            "value_damaged_usd": [5.0, 1.0, 5.0, 1.0, 9.0],
            "casualties": [0, 2, 0, 1, 0],
        }
    )
    # Order: 3 (1, 1), 1 (1, 2), 0 (5, 0), 2 (5, 0), 4 (9, 0).
    assert select_replications(summary) == {"best": 3, "median": 0, "worst": 4}
    assert select_replications(summary.iloc[:4], ["median"]) == {"median": 1}


def test_selected_replications_equal_the_same_replications_recorded_in_the_batch(
    everything: RunResult, tmp_path: Path
) -> None:
    res = simulate(
        example_path("quickstart"),
        replications=N,
        seed=5,
        workers=2,
        chunk_size=7,
        record_select="best,median,worst",
        progress=False,
        out=tmp_path / "run",
    )
    chosen = res.meta["record_select"]
    assert chosen == select_replications(everything.summary)
    assert set(chosen) == {"best", "median", "worst"}
    reps = sorted(set(chosen.values()))
    assert res.meta["events"] == "selected"
    assert res.trajectories is not None
    assert res.events is not None
    assert sorted(res.trajectories["replication"].unique()) == reps
    assert sorted(res.events["replication"].unique()) == reps
    for name in ("trajectories", "events"):
        got = _rows(getattr(res, name), reps)
        want = _rows(getattr(everything, name), reps)
        pd.testing.assert_frame_equal(got, want)
    # The rest of the run is the run without the selection.
    pd.testing.assert_frame_equal(res.summary, everything.summary)
    back = load_run(tmp_path / "run")
    assert back.meta["record_select"] == chosen
    pd.testing.assert_frame_equal(back.trajectories, res.trajectories)


def test_selection_adds_to_record_k_and_keeps_a_full_event_log(
    everything: RunResult,
) -> None:
    res = simulate(
        example_path("quickstart"),
        replications=N,
        seed=5,
        workers=1,
        events=True,
        record=2,
        record_select=["worst", "best"],
        progress=False,
    )
    chosen = res.meta["record_select"]
    assert list(chosen) == ["worst", "best"]
    reps = sorted({0, 1, *chosen.values()})
    assert res.meta["events"] is True
    assert res.trajectories is not None
    assert sorted(res.trajectories["replication"].unique()) == reps
    assert res.trajectories["replication"].is_monotonic_increasing
    pd.testing.assert_frame_equal(
        _rows(res.trajectories, reps), _rows(everything.trajectories, reps)
    )
    pd.testing.assert_frame_equal(res.events, everything.events)
    assert np.array_equal(res.summary["replication"], np.arange(N))


@pytest.mark.parametrize("bad", ["", "best,mean", ["worst", "2"]])
def test_unknown_selection_is_an_error(bad: object) -> None:
    with pytest.raises(SkyscreenError, match="record_select must name some of best"):
        simulate(example_path("quickstart"), replications=2, record_select=bad)  # type: ignore[arg-type]
