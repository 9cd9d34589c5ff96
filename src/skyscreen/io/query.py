"""SQL over results: DuckDB views of a run or sweep directory (docs/query.md).

:func:`connect` opens an in-memory DuckDB database with one view per table of a
result directory, reading the Parquet files where they lie (nothing is copied or loaded
up front); :func:`query` runs one SQL statement and returns a DataFrame.

- A run directory (run.json): ``summary``, ``drones``, ``effectors``, ``assets`` and,
  when the run wrote them, ``events``, ``trajectories``, ``ground_stations`` and
  ``picture`` (:data:`skyscreen.schema.TABLES`).
- A sweep directory (a ``.skyscreen`` marker of kind ``sweep`` and sweep.json):
  ``sweep`` (sweep.parquet, one row per point and replication) and ``points``
  (points.parquet, one row per point). Run directories of single points in its
  subfolders get no views.

Before anything is opened the directory is checked, without loading a table: it must
be skyscreen's and complete (not marked ``incomplete``). A run directory's run.json must
be valid and of this schema version, and every table it lists must be there with the
row count it records and the schema's columns and types (from the Parquet footers; the
SHA-256 checksums are verified by :func:`skyscreen.load_run`, which reads every byte).
Anything else is a :class:`~skyscreen.errors.ResultSchemaError` naming the path.

The connection can read only the directory's own tables: once the views exist,
DuckDB's external access is switched off, except for those files
(``allowed_paths``), and the configuration is locked, so a query cannot read or write
other files, attach databases or load extensions. (A DuckDB too old to know
``allowed_paths`` keeps external access on.)
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from skyscreen._atomic import atomic_file
from skyscreen._outdir import MARKER
from skyscreen.errors import ResultSchemaError, RunDirectoryError, SkyscreenError
from skyscreen.io.rundir import (
    _check_columns,
    _check_complete,
    _check_version,
    _listed_files,
    _read_meta,
)
from skyscreen.schema import TABLES

__all__ = [
    "SWEEP_TABLES",
    "QueryError",
    "connect",
    "format_table",
    "query",
    "views",
    "write_query",
]

SWEEP_TABLES = ("sweep", "points")
"""Views of a sweep directory: ``sweep.parquet`` and ``points.parquet``."""
_GLOB = re.compile(r"([*?\[])")
_OUT_SUFFIXES = (".csv", ".parquet")


class QueryError(SkyscreenError, ValueError):
    """An SQL query failed: DuckDB's message, and the views the query may use."""


# --------------------------------------------------------------------------- checks


def _marker_kind(p: Path) -> str | None:
    """The kind in ``p``'s ``.skyscreen`` marker, or None without a valid one."""
    try:
        data = json.loads((p / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None


def _parquet_schema(f: Path) -> tuple[pa.Schema, int]:
    """The schema and row count in ``f``'s footer, as a ResultSchemaError if unreadable."""
    try:
        meta = pq.read_metadata(f)
        return meta.schema.to_arrow_schema(), int(meta.num_rows)
    except Exception as exc:  # noqa: BLE001 (arrow raises many kinds)
        raise ResultSchemaError(
            f"{f}: must be a readable Parquet file; got {type(exc).__name__}: {exc}"
        ) from None


def _run_tables(p: Path) -> dict[str, Path]:
    """A run directory's table files by view name, checked without reading them."""
    meta_path = p / "run.json"
    meta = _read_meta(p, meta_path)
    _check_version(meta_path, meta)
    files = _listed_files(meta_path, meta)
    out: dict[str, Path] = {}
    for name, t in TABLES.items():
        f = p / t.file
        if t.file not in files:
            if os.path.lexists(f):
                raise ResultSchemaError(
                    f"{f}: run.json does not list it, so it is not this run's (a "
                    "table mixed in from another run?); remove it, or re-run"
                )
            if not t.optional:
                raise ResultSchemaError(
                    f"{p}: must hold {t.file}; got none (run.json does not list it)"
                )
            continue
        rows = files[t.file][0]
        if not f.is_file():
            raise ResultSchemaError(
                f"{p}: must hold {t.file}, which run.json lists ({rows} rows); got "
                "none: the run directory is incomplete; re-run the scenario"
            )
        schema, actual = _parquet_schema(f)
        if actual != rows:
            raise ResultSchemaError(
                f"{f}: must have the {rows} rows run.json records; got {actual}"
            )
        _check_columns(f, t, schema)
        out[name] = f
    return out


def _sweep_tables(p: Path) -> dict[str, Path]:
    """A sweep directory's tables by view name: sweep.parquet, points.parquet."""
    meta_path = p / "sweep.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultSchemaError(
            f"{p}: must be a sweep directory with sweep.json; got none"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ResultSchemaError(
            f"{meta_path}: must be readable UTF-8 JSON; got {exc}"
        ) from None
    if not isinstance(meta, dict):
        raise ResultSchemaError(
            f"{meta_path}: must hold a JSON object; got {type(meta).__name__}"
        )
    out: dict[str, Path] = {}
    for name in SWEEP_TABLES:
        f = p / f"{name}.parquet"
        if not f.is_file():
            raise ResultSchemaError(
                f"{p}: must hold {f.name}; got none: the sweep directory is "
                "incomplete; re-run the sweep"
            )
        _parquet_schema(f)
        out[name] = f
    return out


def views(path: str | Path) -> dict[str, Path]:
    """The views :func:`connect` makes for a result directory, and their files.

    The directory is checked as :func:`connect` checks it; nothing is opened.

    Parameters
    ----------
    path : str or Path
        A run directory or a sweep directory.

    Returns
    -------
    dict
        ``{view name: Parquet file}``, in the schema's table order.

    Raises
    ------
    skyscreen.errors.ResultSchemaError
        If ``path`` is missing, not a directory, not a run or sweep directory that
        skyscreen wrote, still marked incomplete, or a table is missing or differs
        from what the directory records; the message names the path.

    Examples
    --------
    >>> views("no/such/run")
    Traceback (most recent call last):
    ...
    skyscreen.errors.ResultSchemaError: no/such/run: must be a run or sweep directory; got nothing there
    """
    p = Path(path)
    if not p.exists():
        raise ResultSchemaError(
            f"{p}: must be a run or sweep directory; got nothing there"
        )
    if not p.is_dir():
        raise ResultSchemaError(f"{p}: must be a run or sweep directory; got a file")
    _check_complete(p)
    kind = _marker_kind(p)
    if kind == "sweep":
        return _sweep_tables(p)
    if kind in (None, "run") and (p / "run.json").exists():
        return _run_tables(p)
    what = (
        f"a skyscreen {kind} directory"
        if kind is not None
        else "a directory with neither run.json nor a sweep's .skyscreen marker"
    )
    raise ResultSchemaError(
        f"{p}: must be a skyscreen run directory (run.json) or sweep directory "
        f"(sweep.json); got {what}"
    )


# --------------------------------------------------------------------------- DuckDB


def _literal(text: str) -> str:
    """``text`` as an SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def _glob_escaped(path: str) -> str:
    """``path`` with DuckDB's glob characters (``* ? [``) matched literally."""
    return _GLOB.sub(r"[\1]", path)


def _restrict(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """Allow only ``files`` to be read from now on, and lock the configuration."""
    allowed = sorted({*files, *(_glob_escaped(f) for f in files)})
    try:
        con.execute("SET allowed_paths = ?", [allowed])
    except duckdb.Error:  # a DuckDB without allowed_paths: leave access on
        return
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _open(path: str | Path) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    tables = views(path)
    files = {name: os.path.abspath(f) for name, f in tables.items()}
    con = duckdb.connect(":memory:")
    try:
        for name, f in files.items():
            source = _literal(_glob_escaped(f))
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({source})')
        _restrict(con, list(files.values()))
    except BaseException:
        con.close()
        raise
    return con, list(files)


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view for each table of ``path``.

    Parameters
    ----------
    path : str or Path
        A run directory (views ``summary``, ``drones``, ``effectors``, ``assets``,
        and ``events``, ``trajectories``, ``ground_stations``, ``picture`` when the run
        wrote them) or a sweep directory (views ``sweep`` and ``points``).

    Returns
    -------
    duckdb.DuckDBPyConnection
        Close it when done (or use it in a ``with`` block). It reads only the
        directory's tables: other files, attached databases and extensions are
        refused, and its configuration is locked.

    Raises
    ------
    skyscreen.errors.ResultSchemaError
        If the directory is missing, not skyscreen's, incomplete or damaged (see
        :func:`views`).

    Examples
    --------
    >>> import skyscreen
    >>> from skyscreen.scenario import example_path
    >>> run = skyscreen.simulate(example_path("quickstart"), replications=3, seed=1,
    ...                          workers=1, progress=False)
    >>> import tempfile; tmp = tempfile.TemporaryDirectory()
    >>> out = run.save(Path(tmp.name) / "run")
    >>> with connect(out) as con:
    ...     con.execute("SELECT count(*) FROM summary").fetchone()
    (3,)
    >>> tmp.cleanup()
    """
    return _open(path)[0]


def query(path: str | Path, sql: str) -> pd.DataFrame:
    """Run SQL over a run or sweep directory's views; the result as a DataFrame.

    Parameters
    ----------
    path : str or Path
        A run or sweep directory (see :func:`connect` for its views).
    sql : str
        The SQL (DuckDB's dialect). With several statements, the last one's result
        is returned (DuckDB's: ``CREATE TABLE ... AS`` gives a ``Count`` column);
        SQL without a statement (empty, or only a comment) gives an empty DataFrame.

    Returns
    -------
    DataFrame
        The result, whole: bound it with ``LIMIT`` where it may be large.

    Raises
    ------
    skyscreen.errors.ResultSchemaError
        If the directory cannot be queried (see :func:`views`).
    QueryError
        If DuckDB refuses or fails the SQL; the message holds DuckDB's message and
        lists the views.

    Examples
    --------
    >>> import skyscreen
    >>> from skyscreen.scenario import example_path
    >>> run = skyscreen.simulate(example_path("quickstart"), replications=4, seed=1,
    ...                          workers=1, progress=False)
    >>> import tempfile; tmp = tempfile.TemporaryDirectory()
    >>> out = run.save(Path(tmp.name) / "run")
    >>> query(out, "SELECT count(*) AS n FROM summary")
       n
    0  4
    >>> query(out, "SELECT nothing FROM nowhere")
    Traceback (most recent call last):
    ...
    skyscreen.io.query.QueryError: ...: the query failed: Catalog Error: Table with name nowhere does not exist! ...
    >>> tmp.cleanup()
    """
    con, names = _open(path)
    try:
        try:
            con.execute(sql)  # returns None for SQL without a statement
            if con.description is None:
                return pd.DataFrame()
            return con.fetchdf()
        except duckdb.Error as exc:
            raise QueryError(
                f"{path}: the query failed: {exc}\nviews: {', '.join(names)} "
                "(DESCRIBE <view> lists a view's columns)"
            ) from None
    finally:
        con.close()


# --------------------------------------------------------------------------- output


def write_query(df: pd.DataFrame, out: str | Path) -> None:
    """Write a query's result to ``out``, as CSV or Parquet by its extension.

    The file is written under a temporary name and renamed into place when complete
    (:func:`skyscreen._atomic.atomic_file`): an existing ``out`` is replaced whole, or
    kept as it was if writing fails.

    Parameters
    ----------
    df : DataFrame
        The result (its index is not written).
    out : str or Path
        Ends in ``.csv`` or ``.parquet`` (any case).

    Raises
    ------
    skyscreen.errors.SkyscreenError
        If the extension is another (:class:`QueryError`), the result cannot be
        stored as Parquet (:class:`QueryError`), or the file cannot be written
        (:class:`~skyscreen.errors.RunDirectoryError`, naming ``out``).

    Examples
    --------
    >>> import tempfile; tmp = tempfile.TemporaryDirectory()
    >>> out = Path(tmp.name) / "result.csv"
    >>> write_query(pd.DataFrame({"a": [1, 2]}), out)
    >>> print(out.read_text(), end="")
    a
    1
    2
    >>> tmp.cleanup()
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in _OUT_SUFFIXES:
        raise QueryError(
            f"{out}: must end in .csv or .parquet; got {suffix or 'no extension'!r}"
        )
    try:
        with atomic_file(out) as tmp:
            if suffix == ".csv":
                df.to_csv(tmp, index=False)
                return
            try:
                df.to_parquet(tmp, index=False, engine="pyarrow")
            except (pa.ArrowException, TypeError, ValueError) as exc:
                raise QueryError(
                    f"{out}: the result cannot be stored as Parquet "
                    f"({type(exc).__name__}: {exc}); write it as .csv"
                ) from None
    except OSError as exc:
        raise RunDirectoryError(
            f"{out}: could not be written ({exc.strerror or exc})"
        ) from None


def format_table(df: pd.DataFrame, max_rows: int = 50) -> str:
    """A plain-text table of ``df`` for a terminal: at most ``max_rows`` rows.

    Parameters
    ----------
    df : DataFrame
        The result.
    max_rows : int
        Rows shown, at most; the rest are counted in a last line ``… N more rows``.

    Returns
    -------
    str
        The table, without a trailing newline.

    Examples
    --------
    >>> print(format_table(pd.DataFrame({"drone": [0, 1, 2], "x_m": [1.5, 2.0, 3.25]}),
    ...                    max_rows=2))
     drone  x_m
         0  1.5
         1  2.0
    … 1 more row
    >>> print(format_table(pd.DataFrame({"drone": []})))
    drone
    (no rows)
    """
    if type(max_rows) is not int or max_rows < 0:  # bool is no count either
        raise ValueError(f"max_rows must be an integer >= 0; got {max_rows!r}")
    if df.shape[1] == 0:
        return "(no columns)" if len(df) == 0 else f"(no columns, {len(df)} rows)"
    if len(df) == 0:
        return "  ".join(str(c) for c in df.columns) + "\n(no rows)"
    shown = df.iloc[:max_rows]
    lines = []
    if len(shown):
        lines.append(shown.to_string(index=False, max_colwidth=80))
    else:
        lines.append("  ".join(str(c) for c in df.columns))
    more = len(df) - len(shown)
    if more:
        lines.append(f"… {more} more row{'s' if more != 1 else ''}")
    return "\n".join(lines)
