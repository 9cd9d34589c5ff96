"""The results schema: build_tables, the run directory and RunResult all follow it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import skyscreen
from skyscreen.run import RunResult
from skyscreen.scenario import example_names, example_path, load_scenario
from skyscreen.schema import (
    COLUMN_TYPES,
    OPTIONAL_TABLES,
    RETIRED_TABLES,
    SUMMARY_COLUMNS,
    SUMMARY_METRICS,
    TABLE_NAMES,
    TABLES,
)

DTYPES = {"int": "int64", "float": "float64", "bool": "bool", "category": "category"}
"""The pandas dtype of each logical type, as build_tables makes and load_run reads it."""


def _check_frame(name: str, df: pd.DataFrame) -> None:
    """``df`` has exactly the schema's columns of table ``name``, in order and type."""
    table = TABLES[name]
    assert tuple(df.columns) == table.column_names, name
    for col in table.columns:
        dtype = df[col.name].dtype
        assert str(dtype) == DTYPES[col.type], (name, col.name, str(dtype))
        if col.type == "category":
            cats = df[col.name].cat.categories
            assert all(isinstance(c, str) for c in cats), (name, col.name)


def test_schema_is_consistent() -> None:
    """Names are unique, types known, the summary constants are the summary table."""
    assert (
        TABLE_NAMES
        == tuple(TABLES)
        == (
            "summary",
            "drones",
            "effectors",
            "assets",
            "events",
            "trajectories",
            "ground_stations",
            "picture",
        )
    )
    assert OPTIONAL_TABLES == ("events", "trajectories", "ground_stations", "picture")
    assert not set(RETIRED_TABLES) & set(TABLES)
    for name, table in TABLES.items():
        assert table.name == name
        assert table.file == f"{name}.parquet"
        assert len(set(table.column_names)) == len(table.columns), name
        assert table.column_names[0] == "replication", name
        assert {c.type for c in table.columns} <= set(COLUMN_TYPES)
    assert TABLES["summary"].column_names == SUMMARY_COLUMNS
    assert SUMMARY_COLUMNS[1:] == SUMMARY_METRICS


def test_run_result_holds_every_table() -> None:
    """RunResult has one attribute per table, named as the table."""
    fields = [f.name for f in dataclasses.fields(RunResult)]
    assert [f for f in fields if f in TABLES] == list(TABLE_NAMES)


@pytest.fixture(scope="module", params=example_names())
def example_run(request: pytest.FixtureRequest) -> RunResult:
    return skyscreen.simulate(
        example_path(request.param),
        replications=3,
        seed=5,
        workers=1,
        events=True,
        record=2,
        progress=False,
    )


def test_build_tables_follows_the_schema(example_run: RunResult) -> None:
    """Every example's tables have exactly the schema's columns, in order and type."""
    for name in TABLE_NAMES:
        df = getattr(example_run, name)
        if df is None:
            # ground stations are located only by RF detectors; the picture is the
            # tracked fidelity's
            assert name in ("ground_stations", "picture"), name
            if name == "ground_stations":
                assert not _has_rf(example_run), name
            continue
        _check_frame(name, df)


def test_tracked_tables_follow_the_schema() -> None:
    """A tracked run's tables, the picture included, have the schema's columns."""
    res = skyscreen.simulate(
        example_path("quickstart"),
        replications=3,
        seed=5,
        workers=1,
        events=True,
        record=2,
        progress=False,
        fidelity="tracked",
    )
    assert res.picture is not None
    for name in TABLE_NAMES:
        df = getattr(res, name)
        if df is not None:
            _check_frame(name, df)


def _has_rf(res: RunResult) -> bool:
    return any(u.kind == "rf_detector" for s in res.scenario.sites for u in s.sensors)


def test_an_example_locates_ground_stations() -> None:
    """At least one bundled example has RF detectors, so the table is exercised."""
    assert any(
        any(
            u.kind == "rf_detector"
            for s in load_scenario(example_path(n)).sites
            for u in s.sensors
        )
        for n in example_names()
    )


def test_saved_tables_read_back_as_the_schema(
    example_run: RunResult, tmp_path: Path
) -> None:
    """The Parquet files and load_run keep the schema's columns and types."""
    out = example_run.save(tmp_path / "run")
    back = skyscreen.load_run(out)
    for name, table in TABLES.items():
        if getattr(example_run, name) is None:
            assert not (out / table.file).exists()
            assert getattr(back, name) is None
            continue
        _check_frame(name, pd.read_parquet(out / table.file))
        _check_frame(name, getattr(back, name))


def test_optional_tables_are_none_unless_asked_for() -> None:
    """Without events and record, the optional tables are None and not written."""
    res = skyscreen.simulate(
        example_path("quickstart"), replications=2, seed=1, workers=1, progress=False
    )
    for name in TABLE_NAMES:
        assert (getattr(res, name) is None) == (name in OPTIONAL_TABLES), name


def test_fire_events_carry_rounds_not_outcomes(example_run: RunResult) -> None:
    """A fire event's rounds are the burst (1 per missile, dwell, shot or launch).

    Its outcome is none; the effectors table counts them: a gun's rounds and a
    microwave emitter's shots in ``rounds_fired``, missiles in ``missiles_fired``, an
    interceptor launcher's launches in ``engagements``, and a laser's dwells started
    are at most its ``engagements`` (an assignment can be cancelled before the dwell).
    """
    ev = example_run.events
    assert ev is not None
    fire = ev["kind"] == "fire"
    shooters = {"gun", "missile", "laser", "microwave", "interceptor"} & {
        e.kind for s in example_run.scenario.sites for e in s.effectors
    }
    if not shooters:  # jammers only: nothing is ever fired
        assert not fire.any()
        return
    assert fire.any()
    assert (ev.loc[fire, "outcome"].astype(str) == "").all()
    assert (ev.loc[fire, "rounds"] >= 1).all()
    assert (ev.loc[~fire, "rounds"] == 0).all()
    kinds = example_run.effectors.drop_duplicates("effector").set_index("effector")
    kind = ev.loc[fire, "sensor_or_effector"].astype(str).map(kinds["kind"].astype(str))
    assert (ev.loc[fire][kind != "gun"]["rounds"] == 1).all()
    per = ev[fire].groupby(["replication", "sensor_or_effector"], observed=True)
    eff = example_run.effectors.set_index(["replication", "effector"])
    column = {
        "gun": "rounds_fired",
        "microwave": "rounds_fired",
        "missile": "missiles_fired",
        "interceptor": "engagements",
        "laser": "engagements",
    }
    for (rep, name), n in per["rounds"].sum().items():
        k = kinds.loc[name, "kind"]
        if k == "laser":
            assert eff.loc[(rep, name), column[k]] >= n
        else:
            assert eff.loc[(rep, name), column[k]] == n
