"""Run directories: round trip, atomic writes, overwrite rules, schema checks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import skyscreen
from skyscreen.errors import ResultSchemaError, RunDirectoryError
from skyscreen.io import write_run_dir
from skyscreen.scenario import example_path
from skyscreen.schema import SCHEMA_VERSION, TABLE_NAMES, TABLES


@pytest.fixture(scope="module")
def result() -> skyscreen.RunResult:
    # night-raid has RF detectors and rf_link drones, and the tracked fidelity with
    # record writes the picture: every table is written.
    return skyscreen.simulate(
        example_path("night-raid"),
        replications=12,
        seed=4,
        workers=1,
        events=True,
        record=2,
        fidelity="tracked",
    )


def test_save_and_load_round_trip(result: skyscreen.RunResult, tmp_path: Path) -> None:
    """load_run gives back the same tables, metadata and scenario that were saved."""
    out = result.save(tmp_path / "run")
    back = skyscreen.load_run(out)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(
            getattr(result, name),
            getattr(back, name),
            check_categorical=False,
            obj=name,
        )
    assert back.scenario == result.scenario
    assert back.meta == result.meta
    assert back.stats().equals(result.stats())


def test_run_json_records_what_ran(result: skyscreen.RunResult, tmp_path: Path) -> None:
    """run.json has the schema version, resolved scenario and hash, seed and versions."""
    out = result.save(tmp_path / "run")
    meta = json.loads((out / "run.json").read_text())
    for key in (
        "schema_version",
        "scenario",
        "scenario_hash",
        "seed",
        "replications",
        "fidelity",
        "dt_s",
        "skyscreen_version",
        "numpy_version",
        "wall_time_s",
    ):
        assert key in meta, key
    assert meta["schema_version"] == SCHEMA_VERSION == 5
    assert (
        meta["scenario"]["raids"][0]["drone"]["speed_mps"] == 50.0
    )  # defaults expanded
    assert sorted(p.name for p in out.iterdir()) == [
        ".skyscreen",
        "assets.parquet",
        "drones.parquet",
        "effectors.parquet",
        "events.parquet",
        "ground_stations.parquet",
        "picture.parquet",
        "run.json",
        "summary.parquet",
        "trajectories.parquet",
    ]
    assert list(meta["files"]) == sorted(t.file for t in TABLES.values())
    for name, entry in meta["files"].items():
        table = name.removesuffix(".parquet")
        assert entry["rows"] == len(getattr(result, table)), name
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert entry["sha256"] == digest, name


def test_existing_directory_needs_overwrite(
    result: skyscreen.RunResult, tmp_path: Path
) -> None:
    """An earlier run is refused unless overwrite, which replaces it whole."""
    out = result.save(tmp_path / "run")
    (out / "events.parquet").unlink()  # so that the new one is seen to be new
    with pytest.raises(RunDirectoryError, match="must be empty or new"):
        result.save(out)
    result.save(out, overwrite=True)
    assert (out / "events.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary left


def test_overwrite_keeps_a_directory_skyscreen_did_not_write(
    result: skyscreen.RunResult, tmp_path: Path
) -> None:
    """``overwrite`` refuses a directory of a user's file, leaving it as it was."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("x")
    with pytest.raises(RunDirectoryError, match="refusing to overwrite"):
        result.save(out, overwrite=True)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary left


def test_empty_directory_is_fine(result: skyscreen.RunResult, tmp_path: Path) -> None:
    """An existing empty directory is used as the run directory."""
    out = tmp_path / "run"
    out.mkdir()
    result.save(out)
    assert (out / "run.json").exists()


def test_failed_write_leaves_nothing(
    result: skyscreen.RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If writing fails half way, neither the target nor a temporary is left."""
    import pyarrow.parquet as pq

    calls = {"n": 0}
    real = pq.write_table

    def flaky(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq, "write_table", flaky)
    with pytest.raises(OSError, match="disk full"):
        result.save(tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_load_run_checks_the_schema(
    result: skyscreen.RunResult, tmp_path: Path
) -> None:
    """Missing files, columns or a wrong schema version are clear errors."""
    with pytest.raises(ResultSchemaError, match=r"run directory with run\.json"):
        skyscreen.load_run(tmp_path)
    out = result.save(tmp_path / "run")
    (out / "assets.parquet").unlink()
    with pytest.raises(ResultSchemaError, match=r"must hold assets\.parquet"):
        skyscreen.load_run(out)
    out = result.save(tmp_path / "run2")
    meta = json.loads((out / "run.json").read_text())
    meta["schema_version"] = 99
    (out / "run.json").write_text(json.dumps(meta))
    with pytest.raises(ResultSchemaError, match="schema_version must be 5; got 99: "):
        skyscreen.load_run(out)
    out = result.save(tmp_path / "run3")
    result.summary.drop(columns="casualties").to_parquet(out / "summary.parquet")
    with pytest.raises(ResultSchemaError, match=r"summary\.parquet: SHA-256"):
        skyscreen.load_run(out)
    _record(out, "summary.parquet")  # as if run.json were written with it
    with pytest.raises(ResultSchemaError, match="casualties"):
        skyscreen.load_run(out)


def _record(out: Path, name: str) -> None:
    """Record ``name``'s current rows and checksum in run.json."""
    meta = json.loads((out / "run.json").read_text())
    data = (out / name).read_bytes()
    rows = pd.read_parquet(out / name).shape[0]
    meta["files"][name] = {"rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
    (out / "run.json").write_text(json.dumps(meta))


def _as_version_1(out: Path) -> None:
    """Turn a saved run into the layout of schema version 1 (tracks, rounds:N)."""
    meta = json.loads((out / "run.json").read_text())
    meta["schema_version"] = 1
    meta["files"] = sorted(f.replace("trajectories", "tracks") for f in meta["files"])
    (out / "run.json").write_text(json.dumps(meta))
    (out / "trajectories.parquet").rename(out / "tracks.parquet")
    ev = pd.read_parquet(out / "events.parquet")
    fired = ev["kind"] == "fire"
    outcome = (
        ev["outcome"].astype(str).where(~fired, "rounds:" + ev["rounds"].astype(str))
    )
    ev.drop(columns="rounds").assign(outcome=outcome).to_parquet(out / "events.parquet")


def test_load_run_refuses_an_older_schema_version(
    result: skyscreen.RunResult, tmp_path: Path
) -> None:
    """A run directory of schema version 1 is refused, naming both versions and a fix."""
    out = result.save(tmp_path / "run")
    _as_version_1(out)
    with pytest.raises(ResultSchemaError) as info:
        skyscreen.load_run(out)
    msg = str(info.value)
    assert msg.startswith(
        f"{out / 'run.json'}: schema_version must be {SCHEMA_VERSION}; got 1: "
    )
    assert "older layout (schema version 1)" in msg
    assert f"reads only schema version {SCHEMA_VERSION}" in msg
    assert "re-run the scenario with this version" in msg


def test_overwrite_replaces_a_run_of_an_older_schema_version(
    result: skyscreen.RunResult, tmp_path: Path
) -> None:
    """A version-1 run directory (tracks.parquet), marked or not, is skyscreen's."""
    out = result.save(tmp_path / "run")
    _as_version_1(out)
    with pytest.raises(RunDirectoryError, match="must be empty or new"):
        result.save(out)
    result.save(out, overwrite=True)
    assert not (out / "tracks.parquet").exists()
    assert skyscreen.load_run(out).trajectories is not None
    _as_version_1(out)
    (out / ".skyscreen").unlink()  # as written before the marker existed
    result.save(out, overwrite=True)
    assert (out / "trajectories.parquet").is_file()


def test_write_run_dir_refuses_a_table_not_in_the_schema(tmp_path: Path) -> None:
    """A table the schema does not name (the old ``tracks``) is refused up front."""
    frame = pd.DataFrame({"replication": [0]})
    with pytest.raises(ResultSchemaError, match=r"tables must be among .*'tracks'"):
        write_run_dir(tmp_path / "run", {"summary": frame, "tracks": frame}, {})
    assert not (tmp_path / "run").exists()
