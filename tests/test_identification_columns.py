"""The identification columns of the summary read back as their definitions.

``n_identified``, ``detect_to_identify_s`` and ``detect_to_shot_s`` are derived from
the drones table; ``ground_stations`` is consistent with the scenario's detectors.
Edges: replications where no drone is identified (NaN times) and detectors set to
hear nothing (``pd_per_look`` 0) or everything (1) with no classification delay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import skyscreen
from skyscreen.scenario import example_path, parse_scenario


def _run(**detector: float) -> skyscreen.RunResult:
    data = skyscreen.load_scenario(example_path("night-raid")).model_dump(
        mode="json", by_alias=True
    )
    for unit in data["sites"][0]["sensors"]:
        if unit["kind"] == "rf_detector":
            unit.update(detector)
    return skyscreen.simulate(
        parse_scenario(data), replications=30, seed=4, workers=1, progress=False
    )


@pytest.fixture(
    scope="module",
    params=[{}, {"pd_per_look": 0.0}, {"pd_per_look": 1.0, "classify_time_s": 0.0}],
)
def result(request: pytest.FixtureRequest) -> skyscreen.RunResult:
    return _run(**request.param)


def _per_rep_mean(d: pd.DataFrame, col: str) -> pd.Series:
    gap = d[col] - d["t_first_detect_s"]
    return gap.groupby(d["replication"]).mean()  # NaN gaps skipped; all NaN -> NaN


def test_summary_times_are_their_definitions(result: skyscreen.RunResult) -> None:
    s = result.summary.set_index("replication")
    d = result.drones
    n_id = d["t_identified_s"].notna().groupby(d["replication"]).sum()
    np.testing.assert_array_equal(s["n_identified"], n_id.reindex(s.index))
    for col, src in (
        ("detect_to_identify_s", "t_identified_s"),
        ("detect_to_shot_s", "t_first_shot_s"),
    ):
        want = _per_rep_mean(d, src).reindex(s.index)
        np.testing.assert_allclose(s[col], want, rtol=1e-12, equal_nan=True)
    # id_sensor names the identifier exactly when there is an identification.
    named = d["id_sensor"].astype(str) != ""
    assert (named == d["t_identified_s"].notna()).all()
    assert (d.loc[named, "t_identified_s"] >= d.loc[named, "t_first_detect_s"]).all()


def test_ground_stations_are_consistent(result: skyscreen.RunResult) -> None:
    gs = result.ground_stations
    assert gs is not None
    n_det = sum(
        u.kind == "rf_detector" for s in result.scenario.sites for u in s.sensors
    )
    assert gs["detectors"].between(0, n_det).all()
    assert (gs["bearings"] >= gs["detectors"]).all()
    located = gs["located"]
    assert (gs.loc[located, "detectors"] >= 2).all()
    est = gs[["x_est_m", "y_est_m", "var_x_m2", "cov_xy_m2", "var_y_m2"]]
    assert est[located].notna().all().all()
    assert est[~located].isna().all().all()
    assert (gs.loc[located, "var_x_m2"] > 0).all()
    assert (gs.loc[located, "var_y_m2"] > 0).all()
    # The truth is each drone's launch point (its ground station).
    drones = result.drones.set_index(["replication", "drone"])
    assert set(zip(gs["replication"], gs["drone"], strict=True)) <= set(drones.index)


def test_detector_edges() -> None:
    """pd_per_look 0: no RF identification, no bearing; 1 with no delay: all heard."""
    deaf = _run(pd_per_look=0.0)
    by = deaf.drones["id_sensor"].astype(str)
    assert not by.str.startswith("rf-").any()
    assert deaf.ground_stations is not None
    assert (deaf.ground_stations["bearings"] == 0).all()
    assert not deaf.ground_stations["located"].any()
    sharp = _run(pd_per_look=1.0, classify_time_s=0.0)
    quads = sharp.drones[sharp.drones["raid"].astype(str) == "quads"]
    heard = quads["id_sensor"].astype(str).str.startswith("rf-")
    assert heard.mean() > 0.9
    # With no delay an RF identification comes with the first hearing: at the
    # drone's first detection or later, never before.
    ident = quads[quads["t_identified_s"].notna()]
    assert (ident["t_identified_s"] >= ident["t_first_detect_s"]).all()
    assert sharp.ground_stations is not None
    assert sharp.ground_stations["located"].all()
