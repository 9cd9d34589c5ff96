"""The results schema: the tables of a run directory, their columns and types.

This is the one place where the run directory's layout is written down
(docs/architecture.md, "Results"; docs/outputs.md documents every column). The tables the run layer
builds (:func:`skyscreen.run.build_tables`), the writer and reader of the run directory
(:mod:`skyscreen.io.rundir`) and the overwrite rules (:mod:`skyscreen._outdir`) all read
it from here.

A column's type is logical: ``int`` (int64), ``float`` (float64), ``bool``, or
``category`` (strings, stored as a Parquet dictionary column and read by pandas as
``category``; ``""`` means none).

Examples
--------
>>> from skyscreen.schema import TABLES
>>> TABLES["trajectories"].column_names
('replication', 't_s', 'drone', 'x_m', 'y_m', 'z_m', 'state')
>>> TABLES["events"].optional, TABLES["events"].file
(True, 'events.parquet')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "COLUMN_TYPES",
    "OPTIONAL_TABLES",
    "RETIRED_TABLES",
    "SCHEMA_VERSION",
    "SUMMARY_COLUMNS",
    "SUMMARY_METRICS",
    "TABLES",
    "TABLE_NAMES",
    "Column",
    "ColumnType",
    "Table",
]

SCHEMA_VERSION = 5
"""Version of the run-directory layout, recorded in run.json as ``schema_version``.

Bumped whenever a table or column is added, removed, renamed or changes meaning;
:func:`skyscreen.load_run` reads only this version. Version 2 renamed ``tracks`` to
``trajectories`` and moved the events' round counts from ``outcome`` (``rounds:N``) to
their own column ``rounds``. Version 4 added the tracked fidelity's columns
(``summary``: ``detect_to_track_s``, ``track_gospa_m``, ``track_ospa_m``,
``false_tracks_per_cycle``, ``missed_truths_per_cycle``; ``drones``: ``t_tracked_s``) and
the optional ``picture`` table. Version 5 added ``effectors.t_dry_s``.
"""

ColumnType = Literal["int", "float", "bool", "category"]
"""Logical type of a column."""
COLUMN_TYPES: tuple[ColumnType, ...] = ("int", "float", "bool", "category")
"""Every logical column type."""


@dataclass(frozen=True)
class Column:
    """One column of a result table: its name and logical type."""

    name: str
    type: ColumnType


@dataclass(frozen=True)
class Table:
    """One table of a run directory, stored as ``<name>.parquet``.

    Attributes
    ----------
    name : str
        The table's name (and the :class:`skyscreen.RunResult` attribute holding it).
    columns : tuple of Column
        Its columns, in order.
    optional : bool
        Written only when asked for (``events=True``, ``record > 0``).
    """

    name: str
    columns: tuple[Column, ...]
    optional: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns' names, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def types(self) -> dict[str, ColumnType]:
        """Each column's logical type, by name."""
        return {c.name: c.type for c in self.columns}

    @property
    def file(self) -> str:
        """The table's file name in a run directory."""
        return f"{self.name}.parquet"


def _cols(spec: str) -> tuple[Column, ...]:
    """Columns from ``"name:type name:type ..."``."""
    out = []
    for item in spec.split():
        name, kind = item.split(":")
        if kind not in COLUMN_TYPES:
            raise ValueError(f"column type must be one of {COLUMN_TYPES}; got {kind!r}")
        out.append(Column(name, kind))
    return tuple(out)


_SUMMARY = Table(
    "summary",
    _cols(
        "replication:int n_launched:int n_detected:int n_engaged:int n_killed:int "
        "n_defeated:int n_leaked:int n_expended:int n_airborne:int "
        "value_damaged_usd:float casualties:int rounds_fired:int missiles_fired:int "
        "munitions_cost_usd:float n_identified:int detect_to_identify_s:float "
        "detect_to_shot_s:float drones_cost_usd:float cost_per_stop_usd:float "
        "exchange_ratio:float value_protected_usd:float casualties_prevented:float "
        "detect_to_track_s:float track_gospa_m:float track_ospa_m:float "
        "false_tracks_per_cycle:float missed_truths_per_cycle:float"
    ),
)
_DRONES = Table(
    "drones",
    _cols(
        "replication:int drone:int raid:category class:category "
        "target_asset:category state:category cause:category effector:category "
        "t_launch_s:float t_first_detect_s:float t_identified_s:float "
        "id_sensor:category t_first_shot_s:float t_end_s:float "
        "x_end_m:float y_end_m:float z_end_m:float t_gnss_lost_s:float miss_m:float "
        "t_tracked_s:float"
    ),
)
_EFFECTORS = Table(
    "effectors",
    _cols(
        "replication:int effector:category kind:category engagements:int "
        "rounds_fired:int missiles_fired:int kills:int cost_usd:float t_dry_s:float"
    ),
)
_ASSETS = Table(
    "assets",
    _cols(
        "replication:int asset:category site:category type:category hits:int "
        "damaged:bool value_damaged_usd:float casualties:int occupancy:int debris:int"
    ),
)
_EVENTS = Table(
    "events",
    _cols(
        "replication:int t_s:float kind:category drone:int "
        "sensor_or_effector:category x_m:float y_m:float z_m:float "
        "outcome:category rounds:int value:float pk:float"
    ),
    optional=True,
)
_GROUND_STATIONS = Table(
    "ground_stations",
    _cols(
        "replication:int raid:category drone:int detectors:int bearings:int "
        "located:bool x_est_m:float y_est_m:float var_x_m2:float cov_xy_m2:float "
        "var_y_m2:float x_true_m:float y_true_m:float"
    ),
    optional=True,
)
_PICTURE = Table(
    "picture",
    _cols(
        "replication:int t_s:float track:int x_m:float y_m:float z_m:float "
        "vx_mps:float vy_mps:float vz_mps:float sigma_m:float confirmed:bool"
    ),
    optional=True,
)
_TRAJECTORIES = Table(
    "trajectories",
    _cols(
        "replication:int t_s:float drone:int x_m:float y_m:float z_m:float "
        "state:category"
    ),
    optional=True,
)

TABLES: Mapping[str, Table] = MappingProxyType(
    {
        t.name: t
        for t in (
            _SUMMARY,
            _DRONES,
            _EFFECTORS,
            _ASSETS,
            _EVENTS,
            _TRAJECTORIES,
            _GROUND_STATIONS,
            _PICTURE,
        )
    }
)
"""The tables a run directory may hold, by name, in order."""
TABLE_NAMES = tuple(TABLES)
"""The tables' names, in order."""
SUMMARY_COLUMNS = TABLES["summary"].column_names
"""Columns of ``summary.parquet``."""
SUMMARY_METRICS = SUMMARY_COLUMNS[1:]
"""Per-replication metrics of ``summary.parquet`` (every column but ``replication``),
in column order."""
OPTIONAL_TABLES = tuple(name for name, t in TABLES.items() if t.optional)
"""Tables written only when asked for; the others are always there."""
RETIRED_TABLES = ("tracks",)
"""Tables that earlier schema versions wrote and this one does not (``tracks``, the
true trajectories, before version 2). A run directory holding them is still skyscreen's
(``--overwrite`` may replace it), but :func:`skyscreen.load_run` does not read it."""
