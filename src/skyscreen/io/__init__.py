"""Run directories: Parquet tables and run.json, written atomically."""

from skyscreen.io.rundir import (
    RUN_SCHEMA_VERSION,
    TABLES,
    check_out_dir,
    default_out_dir,
    read_run_dir,
    write_run_dir,
)

__all__ = [
    "RUN_SCHEMA_VERSION",
    "TABLES",
    "check_out_dir",
    "default_out_dir",
    "read_run_dir",
    "write_run_dir",
]
