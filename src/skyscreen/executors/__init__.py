"""Executors that run chunks of replications: a local process pool (Dask later)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skyscreen.executors.local import ChunkTask, run_tasks

__all__ = ["ChunkTask", "run_tasks"]


def __getattr__(name: str) -> Any:
    # Imported when first used, so that skyscreen.executors._memory (standard library
    # only) can be imported before NumPy and the engine.
    if name in __all__:
        return getattr(importlib.import_module("skyscreen.executors.local"), name)
    raise AttributeError(f"module 'skyscreen.executors' has no attribute {name!r}")
