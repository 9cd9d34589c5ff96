"""SQL over results: DuckDB views of run and sweep directories."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import skyscreen
from skyscreen._atomic import INCOMPLETE
from skyscreen.errors import ResultSchemaError, RunDirectoryError, SkyscreenError
from skyscreen.io.query import (
    QueryError,
    connect,
    format_table,
    query,
    views,
    write_query,
)
from skyscreen.scenario import example_path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = skyscreen.simulate(
        example_path("quickstart"),
        replications=20,
        seed=1,
        workers=1,
        progress=False,
        events=True,
        record=2,
    )
    return result.save(tmp_path_factory.mktemp("query") / "run")


@pytest.fixture(scope="module")
def loaded(run_dir: Path) -> skyscreen.RunResult:
    return skyscreen.load_run(run_dir)


def _copy(run_dir: Path, dest: Path) -> Path:
    shutil.copytree(run_dir, dest)
    return dest


def make_sweep(out: Path, replications: int = 3) -> Path:
    """A sweep directory as the sweep command writes it: marker, sweep.json, tables."""
    out.mkdir(parents=True)
    (out / ".skyscreen").write_text(
        json.dumps({"kind": "sweep", "skyscreen_version": skyscreen.__version__})
    )
    (out / "sweep.json").write_text(
        json.dumps({"fields": ["effectors[0].count"], "points": 2})
    )
    points = pd.DataFrame({"point": [0, 1], "effectors[0].count": [1, 2]})
    rows = [
        {
            "point": p,
            "replication": r,
            "n_leaked": 3 - p + r % 2,
            "value_damaged_usd": 1e6 * (2 - p) + r,
        }
        for p in range(2)
        for r in range(replications)
    ]
    pd.DataFrame(rows).to_parquet(out / "sweep.parquet", index=False)
    points.to_parquet(out / "points.parquet", index=False)
    return out


# --------------------------------------------------------------------------- runs


def test_run_views(run_dir: Path) -> None:
    """One view per table the run wrote; trajectories since record=2."""
    assert list(views(run_dir)) == [
        "summary",
        "drones",
        "effectors",
        "assets",
        "events",
        "trajectories",
    ]
    with connect(run_dir) as con:
        names = {
            r[0]
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }
    assert names == set(views(run_dir))


def test_count_of_summary(run_dir: Path) -> None:
    assert query(run_dir, "SELECT count(*) AS n FROM summary")["n"].tolist() == [20]


def test_join_of_drones_and_events(run_dir: Path, loaded: skyscreen.RunResult) -> None:
    """Kill events per raid, by joining the events to the drones they name."""
    got = query(
        run_dir,
        """
        SELECT d.raid, count(*) AS kills
        FROM events e JOIN drones d
          ON e.replication = d.replication AND e.drone = d.drone
        WHERE e.kind = 'kill'
        GROUP BY d.raid ORDER BY d.raid
        """,
    )
    events, drones = loaded.events, loaded.drones
    assert events is not None
    merged = events[events["kind"] == "kill"].merge(drones, on=["replication", "drone"])
    expected = merged.groupby("raid", observed=True).size().sort_index().astype("int64")
    assert len(got) > 0
    assert got["raid"].tolist() == [str(r) for r in expected.index]
    assert got["kills"].tolist() == expected.tolist()


def test_aggregate_equals_pandas(run_dir: Path, loaded: skyscreen.RunResult) -> None:
    got = query(
        run_dir,
        "SELECT avg(value_damaged_usd) AS v, sum(n_leaked) AS leaked, "
        "max(casualties) AS worst FROM summary",
    )
    s = loaded.summary
    assert got["v"].iloc[0] == pytest.approx(s["value_damaged_usd"].mean(), rel=1e-12)
    assert got["leaked"].iloc[0] == s["n_leaked"].sum()
    assert got["worst"].iloc[0] == s["casualties"].max()
    per_effector = query(
        run_dir,
        "SELECT effector, sum(kills) AS kills FROM effectors GROUP BY effector "
        "ORDER BY effector",
    )
    expected = loaded.effectors.groupby("effector", observed=True)["kills"].sum()
    assert dict(zip(per_effector["effector"], per_effector["kills"], strict=True)) == {
        str(k): int(v) for k, v in expected.items()
    }


def test_trajectories_view(run_dir: Path, loaded: skyscreen.RunResult) -> None:
    got = query(run_dir, "SELECT DISTINCT replication FROM trajectories ORDER BY 1")
    assert loaded.trajectories is not None
    assert got["replication"].tolist() == sorted(
        loaded.trajectories["replication"].unique().tolist()
    )


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".CSV"])
def test_write_query_reads_back_equal(
    run_dir: Path, tmp_path: Path, suffix: str
) -> None:
    df = query(
        run_dir,
        "SELECT replication, n_leaked, value_damaged_usd, detect_to_shot_s "
        "FROM summary ORDER BY replication",
    )
    out = tmp_path / "sub" / f"result{suffix}"
    write_query(df, out)
    back = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    pd.testing.assert_frame_equal(back, df, check_dtype=suffix == ".parquet")
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no temporary


def test_write_query_replaces_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    out.write_text("old\n")
    write_query(pd.DataFrame({"a": [1]}), out)
    assert out.read_text() == "a\n1\n"


def test_write_query_refuses_other_extensions(tmp_path: Path) -> None:
    with pytest.raises(SkyscreenError, match=r"must end in \.csv or \.parquet"):
        write_query(pd.DataFrame({"a": [1]}), tmp_path / "r.xlsx")
    with pytest.raises(SkyscreenError, match="no extension"):
        write_query(pd.DataFrame({"a": [1]}), tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_write_query_unstorable_parquet_leaves_nothing(tmp_path: Path) -> None:
    mixed = pd.DataFrame({"a": [1, "x", 2.5]})
    with pytest.raises(QueryError, match="cannot be stored as Parquet"):
        write_query(mixed, tmp_path / "r.parquet")
    assert list(tmp_path.iterdir()) == []


def test_write_query_into_a_file_is_a_skyscreen_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(RunDirectoryError, match="could not be written"):
        write_query(pd.DataFrame({"a": [1]}), tmp_path / "afile" / "r.csv")


def test_format_table_bounds_rows() -> None:
    df = pd.DataFrame({"replication": np.arange(120), "v": np.linspace(0, 1, 120)})
    text = format_table(df, max_rows=10)
    lines = text.splitlines()
    assert len(lines) == 1 + 10 + 1
    assert lines[-1] == "… 110 more rows"
    assert format_table(df.iloc[:3]).count("\n") == 3  # header and 3 rows, no footer
    assert format_table(df, max_rows=0).splitlines() == [
        "replication  v",
        "… 120 more rows",
    ]
    assert format_table(pd.DataFrame()) == "(no columns)"
    with pytest.raises(ValueError, match="max_rows"):
        format_table(df, max_rows=-1)


# --------------------------------------------------------------------------- refusals


def test_incomplete_directory_is_refused(run_dir: Path, tmp_path: Path) -> None:
    d = _copy(run_dir, tmp_path / "run")
    (d / INCOMPLETE).write_text("{}")
    with pytest.raises(ResultSchemaError, match=r"incomplete") as info:
        query(d, "SELECT 1")
    assert str(d) in str(info.value)
    with pytest.raises(ResultSchemaError, match="incomplete"):
        connect(d)


def test_missing_and_foreign_directories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ResultSchemaError, match="got nothing there"):
        query(tmp_path / "nope", "SELECT 1")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ResultSchemaError, match="got a file"):
        query(tmp_path / "f.txt", "SELECT 1")
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.txt").write_text("x")
    with pytest.raises(ResultSchemaError, match=r"other: must be a skyscreen run"):
        query(other, "SELECT 1")
    decisions = tmp_path / "decisions"
    decisions.mkdir()
    (decisions / ".skyscreen").write_text('{"kind": "decisions"}')
    with pytest.raises(ResultSchemaError, match="a skyscreen decisions directory"):
        query(decisions, "SELECT 1")


def test_damaged_run_is_refused(run_dir: Path, tmp_path: Path) -> None:
    d = _copy(run_dir, tmp_path / "run")
    (d / "events.parquet").unlink()
    with pytest.raises(ResultSchemaError, match=r"must hold events\.parquet"):
        query(d, "SELECT 1")
    d2 = _copy(run_dir, tmp_path / "run2")
    shutil.copy(d2 / "summary.parquet", d2 / "drones.parquet")
    with pytest.raises(ResultSchemaError, match=r"drones\.parquet: must have the"):
        query(d2, "SELECT 1")
    d3 = _copy(run_dir, tmp_path / "run3")
    (d3 / "summary.parquet").write_bytes(b"not parquet")
    with pytest.raises(ResultSchemaError, match="must be a readable Parquet file"):
        query(d3, "SELECT 1")
    d4 = _copy(run_dir, tmp_path / "run4")
    meta = json.loads((d4 / "run.json").read_text())
    meta["schema_version"] = 1
    (d4 / "run.json").write_text(json.dumps(meta))
    with pytest.raises(ResultSchemaError, match="schema_version must be"):
        query(d4, "SELECT 1")


def test_bad_sql_lists_the_views(run_dir: Path) -> None:
    with pytest.raises(QueryError) as info:
        query(run_dir, "SELECT * FROM nowhere")
    message = str(info.value)
    assert "nowhere" in message  # DuckDB's message
    assert "Catalog Error" in message
    for name in views(run_dir):
        assert name in message
    assert "Traceback" not in message
    with pytest.raises(QueryError, match="syntax error"):
        query(run_dir, "SELEC 1")
    assert isinstance(info.value, SkyscreenError)


def test_sql_without_a_statement_gives_an_empty_frame(run_dir: Path) -> None:
    assert query(run_dir, "").empty
    assert query(run_dir, "-- nothing").empty
    assert query(run_dir, "CREATE TABLE t AS SELECT 1 AS a; SELECT a FROM t")[
        "a"
    ].tolist() == [1]


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("name", ["it's a run", "o'brien''s", "run*", "run[1]", "r?n"])
def test_awkward_directory_names(run_dir: Path, tmp_path: Path, name: str) -> None:
    """Quotes and glob characters in a path are read literally."""
    d = _copy(run_dir, tmp_path / name)
    # A sibling the glob characters would match if they were not escaped.
    _copy(run_dir, tmp_path / "runX")
    _copy(run_dir, tmp_path / "run1")
    _copy(run_dir, tmp_path / "ran")
    assert query(d, "SELECT count(*) AS n FROM summary")["n"].tolist() == [20]


def test_relative_path(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy(run_dir, tmp_path / "run")
    monkeypatch.chdir(tmp_path)
    assert query("run", "SELECT count(*) AS n FROM summary")["n"].tolist() == [20]


# --------------------------------------------------------------------------- security


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('{other}')",
        "SELECT * FROM read_parquet('{run}/../elsewhere/summary.parquet')",
        "COPY (SELECT 1) TO '{out}'",
        "ATTACH '{out}.duckdb'",
        "SET enable_external_access = true",
        "SELECT * FROM glob('{run}/*')",
    ],
)
def test_queries_cannot_reach_other_files(
    run_dir: Path, tmp_path: Path, sql: str
) -> None:
    other = tmp_path / "secret.csv"
    other.write_text("a\n1\n")
    _copy(run_dir, tmp_path / "elsewhere")
    out = tmp_path / "written.csv"
    text = sql.format(other=other, run=run_dir, out=out)
    with pytest.raises(QueryError):
        query(run_dir, text)
    assert not out.exists()
    assert not Path(f"{out}.duckdb").exists()


def test_views_still_work_after_access_is_closed(run_dir: Path) -> None:
    with connect(run_dir) as con:
        access = con.execute(
            "SELECT current_setting('enable_external_access')"
        ).fetchone()
        assert access == (False,)
        n = con.execute("SELECT count(*) FROM drones").fetchone()
        assert n is not None
        assert n[0] > 0


# --------------------------------------------------------------------------- sweeps


def test_sweep_views(tmp_path: Path) -> None:
    d = make_sweep(tmp_path / "sweep")
    assert list(views(d)) == ["sweep", "points"]
    got = query(
        d,
        """
        SELECT p.point, p."effectors[0].count" AS count,
               avg(s.value_damaged_usd) AS value, avg(s.n_leaked) AS leaked
        FROM sweep s JOIN points p USING (point)
        GROUP BY ALL ORDER BY p.point
        """,
    )
    assert got["point"].tolist() == [0, 1]
    assert got["count"].tolist() == [1, 2]
    assert got["value"].tolist() == pytest.approx([2e6 + 1, 1e6 + 1])
    assert query(d, "SELECT count(*) AS n FROM sweep")["n"].tolist() == [6]


def test_sweep_with_point_run_directories(run_dir: Path, tmp_path: Path) -> None:
    """Run directories of the points in subfolders get no views of their own."""
    d = make_sweep(tmp_path / "sweep")
    _copy(run_dir, d / "point-0")
    assert list(views(d)) == ["sweep", "points"]


def test_sweep_refusals(tmp_path: Path) -> None:
    d = make_sweep(tmp_path / "sweep")
    (d / INCOMPLETE).write_text("{}")
    with pytest.raises(ResultSchemaError, match="incomplete"):
        query(d, "SELECT 1")
    d2 = make_sweep(tmp_path / "sweep2")
    (d2 / "points.parquet").unlink()
    with pytest.raises(ResultSchemaError, match=r"must hold points\.parquet"):
        query(d2, "SELECT 1")
    d3 = make_sweep(tmp_path / "sweep3")
    (d3 / "sweep.json").unlink()
    with pytest.raises(ResultSchemaError, match=r"sweep\.json"):
        query(d3, "SELECT 1")
    d4 = make_sweep(tmp_path / "it's a sweep")
    assert query(d4, "SELECT count(*) AS n FROM points")["n"].tolist() == [2]


def test_symlinked_directory(run_dir: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    os.symlink(run_dir, link)
    assert query(link, "SELECT count(*) AS n FROM summary")["n"].tolist() == [20]
