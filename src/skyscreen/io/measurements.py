"""Recorded measurements in, tracks out: the CSV formats of ``skyscreen track``.

Measurements: a header row and one row per measurement with the columns ``step``
(scan index, integer ≥ 0), ``meas_id`` and ``x``, ``y`` and optionally ``z`` (m) — the
format of the Stone Soup peer harness (``../shared/peers/stonesoup``). Any other
column (ground-truth labels such as ``is_clutter`` or ``target_id``) is never read.
Tracks: ``step,track_id,x,y[,z]``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skyscreen._typing import FloatArray, IntArray
from skyscreen.errors import SkyscreenError

__all__ = ["MAX_BYTES", "Measurements", "read_measurements", "write_tracks"]

MAX_BYTES = 2 * 1024**3
"""Largest measurement file read (2 GiB: about 40 million rows)."""


@dataclass(frozen=True, slots=True, eq=False)
class Measurements:
    """Measurements of one scene.

    Attributes
    ----------
    step : int (m,)
        Scan of each measurement.
    pos : float (m, d)
        Positions, d = 2 (x, y) or 3 (x, y, z).
    per_scan_max : int
        The most measurements in one scan.
    """

    step: IntArray
    pos: FloatArray
    per_scan_max: int


def read_measurements(path: Path) -> Measurements:
    """Read a measurement CSV; errors name the file, row and column."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SkyscreenError(
            f"{path}: cannot read the measurements ({exc.strerror or exc})"
        ) from None
    if size > MAX_BYTES:
        raise SkyscreenError(
            f"{path}: expected a measurement file of at most {MAX_BYTES} bytes; "
            f"got {size}"
        )
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise SkyscreenError(
                    f"{path}: expected a header row; got an empty file"
                )
            names = [h.strip() for h in header]
            missing = [c for c in ("step", "x", "y") if c not in names]
            if missing:
                raise SkyscreenError(
                    f"{path}: expected columns step, x, y (and optionally z); "
                    f"missing {', '.join(missing)} in header {names}"
                )
            cols = ["step", "x", "y"] + (["z"] if "z" in names else [])
            idx = [names.index(c) for c in cols]
            rows = []
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                try:
                    rows.append([row[i] for i in idx])
                except IndexError:
                    raise SkyscreenError(
                        f"{path}, row {line}: expected {len(names)} columns; "
                        f"got {len(row)}"
                    ) from None
    except UnicodeDecodeError:
        raise SkyscreenError(f"{path}: expected a UTF-8 CSV file") from None
    except OSError as exc:
        raise SkyscreenError(
            f"{path}: cannot read the measurements ({exc.strerror or exc})"
        ) from None
    d = len(cols) - 1
    if not rows:
        return Measurements(np.zeros(0, dtype=np.int64), np.zeros((0, d)), 0)
    arr = np.array(rows, dtype=object)
    step_f = _column(path, arr[:, 0], "step")
    pos = np.stack([_column(path, arr[:, 1 + a], cols[1 + a]) for a in range(d)], 1)
    bad = np.flatnonzero((step_f < 0) | (step_f != np.floor(step_f)) | (step_f > 1e9))
    if len(bad):
        raise SkyscreenError(
            f"{path}, row {bad[0] + 2}, column step: expected an integer ≥ 0; "
            f"got {rows[bad[0]][0]!r}"
        )
    step = step_f.astype(np.int64)
    counts = np.bincount(step)
    return Measurements(step, pos, int(counts.max()))


def _column(path: Path, values: np.ndarray, name: str) -> FloatArray:
    out = np.empty(len(values))
    for i, v in enumerate(values):
        try:
            out[i] = float(v)
        except ValueError:
            raise SkyscreenError(
                f"{path}, row {i + 2}, column {name}: expected a number; got {v!r}"
            ) from None
    bad = np.flatnonzero(~np.isfinite(out))
    if len(bad):
        raise SkyscreenError(
            f"{path}, row {bad[0] + 2}, column {name}: expected a finite number; "
            f"got {values[bad[0]]!r}"
        )
    return out


def write_tracks(path: Path, table: object) -> None:
    """Write ``step,track_id,x,y[,z]`` of a :class:`~skyscreen.tracking.TrackTable`."""
    step = np.asarray(getattr(table, "step"))  # noqa: B009
    tid = np.asarray(getattr(table, "track_id"))  # noqa: B009
    pos = np.asarray(getattr(table, "pos"))  # noqa: B009
    axes = ["x", "y", "z"][: pos.shape[1]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("step,track_id," + ",".join(axes) + "\n")
        for k, i, p in zip(step.tolist(), tid.tolist(), pos.tolist(), strict=True):
            fh.write(f"{k},{i}," + ",".join(f"{v:.4f}" for v in p) + "\n")
