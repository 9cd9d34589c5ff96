"""Write and read a run directory (docs/outputs.md; docs/architecture.md, "Results").

Everything is written into a temporary sibling directory first, then renamed into place
in one step, so an interrupted write never leaves a half-written run where a result is
expected. The directory carries skyscreen's marker file, so that ``overwrite`` can tell
it from a directory that holds anything else (:func:`check_out_dir`).

run.json records each Parquet file's row count and SHA-256 checksum. The reader
verifies them, and every table's columns and types against :mod:`skyscreen.schema`,
before it hands a table out: a truncated, damaged or swapped file, a file missing or
added, or a directory still marked incomplete is a :class:`ResultSchemaError` naming
the file, never a half-read run or a raw error of pyarrow or json. The checksums catch
corruption and tables mixed in from another run, not deliberate forgery (whoever can
change a table can change run.json too).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from skyscreen._atomic import INCOMPLETE, read_writer_record
from skyscreen._outdir import check_out_dir, output_directory
from skyscreen._version import __version__
from skyscreen.errors import ResultSchemaError
from skyscreen.schema import SCHEMA_VERSION, TABLES, ColumnType, Table

__all__ = [
    "check_out_dir",
    "default_out_dir",
    "read_run_dir",
    "write_run_dir",
    "write_run_files",
]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


def default_out_dir(name: str, root: str | Path = "runs") -> Path:
    """``runs/<scenario-name>-<timestamp>`` (local time, to the second)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path(root) / f"{name}-{stamp}"


def write_run_dir(
    out: str | Path,
    tables: dict[str, pd.DataFrame | None],
    meta: dict[str, Any],
    overwrite: bool = False,
) -> Path:
    """Write tables as Parquet and ``meta`` as run.json, atomically.

    Parameters
    ----------
    out : path
        The run directory. It must be new or empty, unless ``overwrite``.
    tables : dict
        ``{"summary": df, ...}``, keyed by the names of :data:`skyscreen.schema.TABLES`;
        None values are skipped.
    meta : dict
        Contents of run.json (``schema_version`` and ``files`` are added: ``files``
        maps each Parquet file to its ``rows`` and ``sha256`` checksum).
    overwrite : bool
        Replace an existing directory that skyscreen wrote (a run directory, a
        decision export or a sweep) and that holds nothing else; see
        :func:`check_out_dir`.

    Returns
    -------
    Path
        The run directory.

    Raises
    ------
    skyscreen.errors.ResultSchemaError
        If a table is not one of the schema's (checked before anything is written).
    skyscreen.errors.RunDirectoryError
        If ``out`` may not be written (checked before anything is written): a file, a
        non-empty directory without ``overwrite``, a directory skyscreen did not write
        or holding files it did not write, the working directory or an ancestor of
        it, the home directory or the filesystem root, or a path that cannot be
        written (a parent is a file or read-only). Also if writing fails (a full disk,
        the file size limit: nothing is left, and an existing ``out`` is kept), or
        another process wrote ``out`` meanwhile and it may not be replaced.
    """
    unknown = [name for name in tables if name not in TABLES]
    if unknown:
        raise ResultSchemaError(f"tables must be among {list(TABLES)}; got {unknown}")
    out = Path(out)
    with output_directory(out, "run", overwrite) as tmp:
        write_run_files(tmp, tables, meta)
    return out


def write_run_files(
    directory: Path, tables: dict[str, pd.DataFrame | None], meta: dict[str, Any]
) -> None:
    """Write the tables and run.json into ``directory`` (a temporary being written).

    :func:`write_run_dir` and a resumable run's final step
    (:mod:`skyscreen.io.checkpoint`) both write through this.
    """
    written = [t for name, t in TABLES.items() if tables.get(name) is not None]
    files: dict[str, dict[str, Any]] = {}
    for t in written:
        table = pa.Table.from_pandas(tables[t.name], preserve_index=False)
        pq.write_table(table, directory / t.file, compression="zstd")
        files[t.file] = {"rows": table.num_rows, "sha256": _sha256(directory / t.file)}
    rest = {k: v for k, v in meta.items() if k not in ("schema_version", "files")}
    meta = {
        "schema_version": SCHEMA_VERSION,
        **rest,
        "files": dict(sorted(files.items())),
    }
    text = json.dumps(meta, indent=2, default=str) + "\n"
    (directory / "run.json").write_text(text, encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_version(meta_path: Path, meta: dict[str, Any]) -> None:
    """Raise unless run.json's ``schema_version`` is the one this version reads."""
    version = meta.get("schema_version")
    if version == SCHEMA_VERSION:
        return
    head = f"{meta_path}: schema_version must be {SCHEMA_VERSION}; got {version!r}"
    if not isinstance(version, int) or isinstance(version, bool):
        raise ResultSchemaError(head)
    reads = f"skyscreen {__version__} reads only schema version {SCHEMA_VERSION}"
    if version < SCHEMA_VERSION:
        raise ResultSchemaError(
            f"{head}: the run directory was written in an older layout (schema version "
            f"{version}) and {reads}; re-run the scenario with this version (run.json "
            "holds the resolved scenario and the seed) to load its results"
        )
    raise ResultSchemaError(
        f"{head}: the run directory was written by a newer skyscreen (schema version "
        f"{version}) and {reads}; load it with the version that wrote it, or re-run "
        "the scenario with this one"
    )


def read_run_dir(
    path: str | Path,
) -> tuple[dict[str, pd.DataFrame | None], dict[str, Any]]:
    """Read a run directory's tables and run.json, verifying them.

    Every file run.json lists must be there with the row count and SHA-256 checksum
    it records, and hold exactly the schema's columns, in order and type; no other
    table may be there.

    Returns
    -------
    tables : dict
        Every table of :data:`skyscreen.schema.TABLES` by name; None for an optional
        table the run did not write.
    meta : dict
        run.json.

    Raises
    ------
    ResultSchemaError
        Naming the file and the problem: the directory is still marked incomplete (an
        interrupted write); run.json is missing, not UTF-8 JSON or lacks what a run
        records; the schema version is not :data:`skyscreen.schema.SCHEMA_VERSION` (a
        run directory of an older version must be re-run with this one); a table is
        missing, unlisted, unreadable, or differs from what run.json records (rows,
        checksum); or its columns or types are not the schema's.
    """
    p = Path(path)
    _check_complete(p)
    meta_path = p / "run.json"
    meta = _read_meta(p, meta_path)
    _check_version(meta_path, meta)
    files = _listed_files(meta_path, meta)
    tables: dict[str, pd.DataFrame | None] = {}
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
            tables[name] = None
            continue
        rows, digest = files[t.file]
        if not f.is_file():
            raise ResultSchemaError(
                f"{p}: must hold {t.file}, which run.json lists ({rows} rows); got "
                "none: the run directory is incomplete; re-run the scenario"
            )
        tables[name] = _read_table(f, t, rows, digest)
    _check_consistent(meta_path, meta, files, tables)
    return tables, meta


def _check_complete(p: Path) -> None:
    """Raise if ``p`` is still marked incomplete: its writer was interrupted or runs."""
    marker = p / INCOMPLETE
    if not os.path.lexists(marker):
        return
    record = read_writer_record(marker)
    if record is None:
        raise ResultSchemaError(
            f"{p}: incomplete run (its {INCOMPLETE} marker names no writer): it was "
            "interrupted; re-run it"
        )
    if record.alive():
        raise ResultSchemaError(
            f"{p}: incomplete run ({record.describe()}): it is still being written; "
            "load the finished run directory when that run ends"
        )
    raise ResultSchemaError(
        f"{p}: incomplete run ({record.describe()}): it was interrupted; re-run it"
    )


def _read_meta(p: Path, meta_path: Path) -> dict[str, Any]:
    if not meta_path.is_file():
        raise ResultSchemaError(f"{p}: must be a run directory with run.json; got none")
    try:
        raw = meta_path.read_bytes()
    except OSError as exc:
        raise ResultSchemaError(
            f"{meta_path}: cannot be read ({exc.strerror or exc})"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultSchemaError(
            f"{meta_path}: must be UTF-8 JSON text; got a byte that is not UTF-8 at "
            f"offset {exc.start} (a damaged or binary file)"
        ) from None
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ResultSchemaError(f"{meta_path}: must be valid JSON; got {exc}") from None
    if not isinstance(meta, dict):
        raise ResultSchemaError(
            f"{meta_path}: must hold a JSON object; got {type(meta).__name__}"
        )
    scenario, seed = meta.get("scenario"), meta.get("seed")
    if not isinstance(scenario, dict):
        raise ResultSchemaError(
            f"{meta_path}: scenario must be a JSON object (the resolved scenario); "
            f"got {_kind(scenario)}"
        )
    if not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        raise ResultSchemaError(
            f"{meta_path}: seed must be an integer >= 0; got {_kind(seed)}"
        )
    return meta


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    return "none" if value is None else f"{type(value).__name__} {value!r:.40}"


def _listed_files(meta_path: Path, meta: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """run.json's ``files``: the row count and SHA-256 of each table file, by name."""
    files = meta.get("files")
    if not isinstance(files, dict):
        raise ResultSchemaError(
            f"{meta_path}: files must map each Parquet file to its rows and sha256; "
            f"got {_kind(files)}"
        )
    known = {t.file for t in TABLES.values()}
    out: dict[str, tuple[int, str]] = {}
    for name, entry in files.items():
        if name not in known:
            raise ResultSchemaError(
                f"{meta_path}: files must name tables of schema version "
                f"{SCHEMA_VERSION} ({sorted(known)}); got {name!r}"
            )
        rows = entry.get("rows") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not (isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0):
            raise ResultSchemaError(
                f"{meta_path}: files[{name!r}].rows must be an integer >= 0; got "
                f"{_kind(rows)}"
            )
        if not (isinstance(digest, str) and _SHA256.match(digest)):
            raise ResultSchemaError(
                f"{meta_path}: files[{name!r}].sha256 must be 64 hexadecimal digits; "
                f"got {_kind(digest)}"
            )
        out[name] = (rows, digest)
    return out


def _read_table(f: Path, t: Table, rows: int, digest: str) -> pd.DataFrame:
    """Table ``t`` from ``f``, verified against run.json and the schema."""
    try:
        actual = _sha256(f)
    except OSError as exc:
        raise ResultSchemaError(
            f"{f}: cannot be read ({exc.strerror or exc})"
        ) from None
    if actual != digest:
        raise ResultSchemaError(
            f"{f}: SHA-256 checksum differs from the one run.json records: the file "
            "was damaged, truncated or replaced (by a table of another run?) since "
            "the run wrote it; re-run the scenario"
        )
    try:
        table = pq.read_table(f)
    except Exception as exc:  # noqa: BLE001 (arrow raises many kinds)
        raise ResultSchemaError(
            f"{f}: must be a readable Parquet file; got {type(exc).__name__}: {exc}"
        ) from None
    if table.num_rows != rows:
        raise ResultSchemaError(
            f"{f}: must have the {rows} rows run.json records; got {table.num_rows}"
        )
    _check_columns(f, t, table.schema)
    try:
        df: pd.DataFrame = table.to_pandas()
    except Exception as exc:  # noqa: BLE001
        raise ResultSchemaError(
            f"{f}: cannot be converted to a DataFrame ({type(exc).__name__}: {exc})"
        ) from None
    return df


def _type_ok(arrow: pa.DataType, logical: ColumnType) -> bool:
    if logical == "int":
        return bool(pa.types.is_int64(arrow))
    if logical == "float":
        return bool(pa.types.is_float64(arrow))
    if logical == "bool":
        return bool(pa.types.is_boolean(arrow))
    return bool(
        pa.types.is_dictionary(arrow)
        and (
            pa.types.is_string(arrow.value_type)
            or pa.types.is_large_string(arrow.value_type)
            or pa.types.is_null(arrow.value_type)
        )
    )


_ARROW_NAMES = {
    "int": "int64",
    "float": "double",
    "bool": "bool",
    "category": "dictionary of strings",
}


def _check_columns(f: Path, t: Table, schema: pa.Schema) -> None:
    """Raise unless ``schema`` has exactly ``t``'s columns, in order and type."""
    names = list(schema.names)
    missing = [c for c in t.column_names if c not in names]
    if missing:
        raise ResultSchemaError(f"{f}: must have columns {missing}; got none of them")
    extra = [c for c in names if c not in t.column_names]
    if extra:
        raise ResultSchemaError(
            f"{f}: must have only the columns of the schema's {t.name} table; got "
            f"also {extra}"
        )
    if tuple(names) != t.column_names:
        raise ResultSchemaError(
            f"{f}: must have the columns in the schema's order {list(t.column_names)}; "
            f"got {names}"
        )
    for col in t.columns:
        arrow = schema.field(col.name).type
        if not _type_ok(arrow, col.type):
            raise ResultSchemaError(
                f"{f}: column {col.name} must be {col.type} "
                f"({_ARROW_NAMES[col.type]}); got {arrow}"
            )


def _check_consistent(
    meta_path: Path,
    meta: dict[str, Any],
    files: dict[str, tuple[int, str]],
    tables: dict[str, pd.DataFrame | None],
) -> None:
    """Raise if run.json's settings contradict the tables it lists."""
    events = meta.get("events")
    listed = TABLES["events"].file in files
    if isinstance(events, bool) and events != listed:
        raise ResultSchemaError(
            f"{meta_path}: events is {str(events).lower()} but files "
            f"{'lists' if listed else 'does not list'} {TABLES['events'].file}"
        )
    replications = meta.get("replications")
    summary = tables["summary"]
    if (
        replications is not None
        and summary is not None
        and (not _is_int(replications) or replications != len(summary))
    ):
        raise ResultSchemaError(
            f"{meta_path}: replications must be the {len(summary)} rows of "
            f"summary.parquet; got {_kind(replications)}"
        )
