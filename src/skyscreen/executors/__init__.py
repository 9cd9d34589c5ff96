"""Executors that run chunks of replications: a local process pool (Dask later)."""

from skyscreen.executors.local import ChunkTask, run_tasks

__all__ = ["ChunkTask", "run_tasks"]
