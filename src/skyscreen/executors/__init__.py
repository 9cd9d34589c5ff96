"""Executors that run chunks of replications: a local process pool, or Dask."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skyscreen.errors import InsufficientMemoryError  # (re-exported)
from skyscreen.executors._memory import (
    available_memory,
    format_bytes,
    is_out_of_memory,
)

if TYPE_CHECKING:
    from skyscreen.executors.dask import run_tasks_dask
    from skyscreen.executors.local import ChunkTask, run_tasks

__all__ = [
    "ChunkTask",
    "InsufficientMemoryError",
    "available_memory",
    "format_bytes",
    "is_out_of_memory",
    "run_tasks",
    "run_tasks_dask",
]


def __getattr__(name: str) -> Any:
    # Imported when first used, so that skyscreen.executors._memory (standard library
    # only) can be imported before NumPy and the engine.
    if name in ("ChunkTask", "run_tasks"):
        return getattr(importlib.import_module("skyscreen.executors.local"), name)
    if name == "run_tasks_dask":  # imports Dask only when it runs
        return getattr(importlib.import_module("skyscreen.executors.dask"), name)
    raise AttributeError(f"module 'skyscreen.executors' has no attribute {name!r}")
