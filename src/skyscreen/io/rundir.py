"""Write and read a run directory (docs/outputs.md; docs/architecture.md, "Results").

Everything is written into a temporary sibling directory first, then renamed into place
in one step, so an interrupted write never leaves a half-written run where a result is
expected. The directory carries skyscreen's marker file, so that ``overwrite`` can tell
it from a directory that holds anything else (:func:`check_out_dir`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from skyscreen._outdir import check_out_dir, output_directory
from skyscreen._version import __version__
from skyscreen.errors import ResultSchemaError
from skyscreen.schema import SCHEMA_VERSION, TABLES

__all__ = [
    "check_out_dir",
    "default_out_dir",
    "read_run_dir",
    "write_run_dir",
]


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
        Contents of run.json (``schema_version`` is added).
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
        it, the home directory or the filesystem root.
    """
    unknown = [name for name in tables if name not in TABLES]
    if unknown:
        raise ResultSchemaError(f"tables must be among {list(TABLES)}; got {unknown}")
    out = Path(out)
    written = [t for name, t in TABLES.items() if tables.get(name) is not None]
    with output_directory(out, "run", overwrite) as tmp:
        for t in written:
            table = pa.Table.from_pandas(tables[t.name], preserve_index=False)
            pq.write_table(table, tmp / t.file, compression="zstd")
        meta = {"schema_version": SCHEMA_VERSION, **meta}
        meta["files"] = sorted(t.file for t in written)
        (tmp / "run.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return out


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
    """Read a run directory's tables and run.json, checking the schema.

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
        If run.json or a required table or column is missing, or the schema version is
        not :data:`skyscreen.schema.SCHEMA_VERSION` (a run directory of an older
        version must be re-run with this one).
    """
    p = Path(path)
    meta_path = p / "run.json"
    if not meta_path.is_file():
        raise ResultSchemaError(f"{p}: must be a run directory with run.json; got none")
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise ResultSchemaError(f"{meta_path}: must be valid JSON; got {exc}") from None
    if not isinstance(meta, dict):
        raise ResultSchemaError(
            f"{meta_path}: must hold a JSON object; got {type(meta).__name__}"
        )
    _check_version(meta_path, meta)
    tables: dict[str, pd.DataFrame | None] = {}
    for name, t in TABLES.items():
        f = p / t.file
        if not f.is_file():
            if t.optional:
                tables[name] = None
                continue
            raise ResultSchemaError(f"{p}: must hold {t.file}; got none")
        df = pq.read_table(f).to_pandas()
        missing = [c for c in t.column_names if c not in df.columns]
        if missing:
            raise ResultSchemaError(
                f"{f}: must have columns {missing}; got none of them"
            )
        tables[name] = df
    return tables, meta
