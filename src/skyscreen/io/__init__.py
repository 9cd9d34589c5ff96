"""Run directories: Parquet tables and run.json, written atomically.

The tables and columns they hold are defined in :mod:`skyscreen.schema`.
"""

from skyscreen.io.rundir import (
    check_out_dir,
    default_out_dir,
    read_run_dir,
    write_run_dir,
)

__all__ = [
    "check_out_dir",
    "default_out_dir",
    "read_run_dir",
    "write_run_dir",
]
