"""Write and read a run directory (DESIGN.md, "A run directory holds").

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

from skyscreen._columns import RUN_TABLES, SUMMARY_COLUMNS
from skyscreen._outdir import check_out_dir, output_directory
from skyscreen.errors import ResultSchemaError

__all__ = [
    "REQUIRED_COLUMNS",
    "RUN_SCHEMA_VERSION",
    "TABLES",
    "check_out_dir",
    "default_out_dir",
    "read_run_dir",
    "write_run_dir",
]

RUN_SCHEMA_VERSION = 1
"""Version of the run-directory layout; bumped when a column changes meaning."""
TABLES = RUN_TABLES
"""Tables a run directory may hold; ``events`` and ``tracks`` are optional."""
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "summary": SUMMARY_COLUMNS,
    "drones": (
        "replication",
        "drone",
        "raid",
        "class",
        "target_asset",
        "state",
        "cause",
        "effector",
        "t_launch_s",
        "t_first_detect_s",
        "t_first_shot_s",
        "t_end_s",
        "x_end_m",
        "y_end_m",
        "z_end_m",
    ),
    "effectors": (
        "replication",
        "effector",
        "kind",
        "engagements",
        "rounds_fired",
        "missiles_fired",
        "kills",
        "cost_usd",
    ),
    "assets": (
        "replication",
        "asset",
        "site",
        "hits",
        "damaged",
        "value_damaged_usd",
        "casualties",
    ),
    "events": (
        "replication",
        "t_s",
        "kind",
        "drone",
        "sensor_or_effector",
        "x_m",
        "y_m",
        "z_m",
        "outcome",
    ),
    "tracks": ("replication", "t_s", "drone", "x_m", "y_m", "z_m", "state"),
}


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
        ``{"summary": df, ...}``; None values are skipped.
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
    skyscreen.errors.RunDirectoryError
        If ``out`` may not be written (checked before anything is written): a file, a
        non-empty directory without ``overwrite``, a directory skyscreen did not write
        or holding files it did not write, the working directory or an ancestor of
        it, the home directory or the filesystem root.
    """
    out = Path(out)
    with output_directory(out, "run", overwrite) as tmp:
        for name, df in tables.items():
            if df is None:
                continue
            table = pa.Table.from_pandas(df, preserve_index=False)
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
        meta = {"schema_version": RUN_SCHEMA_VERSION, **meta}
        meta["files"] = sorted(
            f"{k}.parquet" for k, v in tables.items() if v is not None
        )
        (tmp / "run.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return out


def read_run_dir(
    path: str | Path,
) -> tuple[dict[str, pd.DataFrame | None], dict[str, Any]]:
    """Read a run directory's tables and run.json, checking the schema.

    Raises
    ------
    ResultSchemaError
        If run.json or a required table or column is missing, or the schema version is
        not this version's.
    """
    p = Path(path)
    meta_path = p / "run.json"
    if not meta_path.is_file():
        raise ResultSchemaError(f"{p}: must be a run directory with run.json; got none")
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise ResultSchemaError(f"{meta_path}: must be valid JSON; got {exc}") from None
    version = meta.get("schema_version")
    if version != RUN_SCHEMA_VERSION:
        raise ResultSchemaError(
            f"{meta_path}: schema_version must be {RUN_SCHEMA_VERSION}; got {version!r}"
        )
    tables: dict[str, pd.DataFrame | None] = {}
    for name in TABLES:
        f = p / f"{name}.parquet"
        if not f.is_file():
            if name in ("events", "tracks"):
                tables[name] = None
                continue
            raise ResultSchemaError(f"{p}: must hold {name}.parquet; got none")
        df = pq.read_table(f).to_pandas()
        missing = [c for c in REQUIRED_COLUMNS[name] if c not in df.columns]
        if missing:
            raise ResultSchemaError(
                f"{f}: must have columns {missing}; got none of them"
            )
        tables[name] = df
    return tables, meta
