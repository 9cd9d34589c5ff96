"""The event log of a chunk: append-only columns, recorded only when asked for."""

from __future__ import annotations

from typing import Any

import numpy as np

from skyscreen._typing import FloatArray, IntArray
from skyscreen.engine.codes import EVENT_KINDS, OUTCOMES

__all__ = ["EVENT_COLUMNS", "Events"]

EVENT_COLUMNS = (
    "replication",
    "t_s",
    "kind",
    "drone",
    "ref",
    "x_m",
    "y_m",
    "z_m",
    "outcome",
    "value",
    "pk",
)
"""Columns of the raw event log; ``ref`` indexes sensors then effectors (-1: none)."""

_EV = {k: i for i, k in enumerate(EVENT_KINDS)}
_OUT = {k: i for i, k in enumerate(OUTCOMES)}


class Events:
    """Append-only event columns.

    Parameters
    ----------
    reps : ndarray of int
        Replication ids of the chunk's rows.
    """

    def __init__(self, reps: IntArray) -> None:
        self.reps = reps
        self.cols: dict[str, list[Any]] = {k: [] for k in EVENT_COLUMNS}

    def add(
        self,
        kind: str,
        r: IntArray,
        t: Any,
        drone: Any,
        ref: Any,
        pos: FloatArray,
        outcome: Any = 0,
        value: Any = np.nan,
        pk: Any = np.nan,
    ) -> None:
        """Append one event per row index in ``r`` (scalars broadcast)."""
        n = len(r)
        if n == 0:
            return
        c = self.cols
        c["replication"].append(self.reps[r])
        c["t_s"].append(np.broadcast_to(np.asarray(t, dtype=np.float64), (n,)))
        c["kind"].append(np.full(n, _EV[kind], dtype=np.int8))
        c["drone"].append(np.broadcast_to(np.asarray(drone, dtype=np.int64), (n,)))
        c["ref"].append(np.broadcast_to(np.asarray(ref, dtype=np.int64), (n,)))
        c["x_m"].append(pos[:, 0])
        c["y_m"].append(pos[:, 1])
        c["z_m"].append(pos[:, 2])
        c["outcome"].append(np.broadcast_to(np.asarray(outcome, dtype=np.int64), (n,)))
        c["value"].append(np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)))
        c["pk"].append(np.broadcast_to(np.asarray(pk, dtype=np.float64), (n,)))

    def outcome(self, name: str) -> int:
        """The code of an outcome name."""
        return _OUT[name]

    def result(self) -> dict[str, Any]:
        """The columns as arrays."""
        return {
            k: np.concatenate(parts) if parts else np.zeros(0)
            for k, parts in self.cols.items()
        }
