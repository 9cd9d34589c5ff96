"""Column names of the result tables shared across layers (DESIGN.md, run directory)."""

from __future__ import annotations

__all__ = ["RUN_TABLES", "SUMMARY_COLUMNS", "SUMMARY_METRICS"]

SUMMARY_METRICS = (
    "n_launched",
    "n_detected",
    "n_engaged",
    "n_killed",
    "n_defeated",
    "n_leaked",
    "n_expended",
    "n_airborne",
    "value_damaged_usd",
    "casualties",
    "rounds_fired",
    "missiles_fired",
    "munitions_cost_usd",
)
"""Per-replication metrics of ``summary.parquet``, in column order."""
SUMMARY_COLUMNS = ("replication", *SUMMARY_METRICS)
"""Columns of ``summary.parquet``."""
RUN_TABLES = ("summary", "drones", "effectors", "assets", "events", "tracks")
"""Tables a run directory may hold, each as ``<name>.parquet``; the last two optional."""
