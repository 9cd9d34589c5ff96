"""The jammer effector kind in the scenario layer: its spec, parameters and compile step.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.jammer`; the equations are
in :mod:`skyscreen.models.jammer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from skyscreen._typing import BoolArray, FloatArray
from skyscreen.scenario._base import ClassedSpec, Id
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.params import CompileContext, FrozenParams, arr

__all__ = ["JammerParams", "JammerSpec", "compile_jammers"]


class JammerSpec(ClassedSpec):
    """Radio-frequency jammer against drones' command links and GNSS (MODELS.md, Jammer).

    It radiates throughout the run (barrage) into its sector: on the command-link band
    (``mode: link``), on GPS L1 (``gnss``), or on both at the same EIRP (``both``).
    """

    CLASS_KIND: ClassVar[str] = "jammer"
    DEFAULT_CLASS: ClassVar[str | None] = "rf_jammer"

    kind: Literal["jammer"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["rf_jammer"] = Field(
        default="rf_jammer", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Antenna position.")
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    eirp_w: float = Field(gt=0.0, le=1e7, description="Effective radiated power (W).")
    azimuth_deg: float = Field(
        ge=-360.0,
        le=360.0,
        description="Sector centre, compass bearing clockwise from north (°).",
    )
    sector_deg: float = Field(gt=0.0, le=360.0, description="Sector width (°).")
    range_max_m: float = Field(
        gt=0.0,
        le=100000.0,
        description="No effect on drones beyond this slant range (m).",
    )
    mode: Literal["link", "gnss", "both"] = Field(
        default="link",
        description="What it jams: link, the command links of rf_link drones; gnss, "
        "the GNSS (GPS L1) receivers of gnss drones; both, each at eirp_w.",
    )


@dataclass(frozen=True, slots=True, eq=False)
class JammerParams(FrozenParams):
    """RF jammers; arrays of shape (n_jammer,). Angles in radians, math convention.

    ``jams_link`` and ``jams_gnss`` say which signals each jammer radiates on (its
    ``mode``).
    """

    ids: tuple[str, ...]
    pos_m: FloatArray
    eirp_w: FloatArray
    azimuth_rad: FloatArray
    half_sector_rad: FloatArray
    range_max_m: FloatArray
    jams_link: BoolArray
    jams_gnss: BoolArray

    @property
    def n(self) -> int:
        """Number of jammers."""
        return len(self.ids)


def compile_jammers(
    items: Sequence[tuple[JammerSpec, FloatArray]], ctx: CompileContext
) -> JammerParams:
    """Jammers (with their ENU positions) to :class:`JammerParams`."""
    # Scenario azimuths are compass bearings (clockwise from north); the engine uses
    # math angles (counter-clockwise from east).
    bearing = np.deg2rad(arr([j.azimuth_deg for j, _ in items]))
    return JammerParams(
        ids=tuple(j.id for j, _ in items),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        eirp_w=arr([j.eirp_w for j, _ in items]),
        azimuth_rad=np.pi / 2.0 - bearing,
        half_sector_rad=np.deg2rad(arr([j.sector_deg for j, _ in items])) / 2.0,
        range_max_m=arr([j.range_max_m for j, _ in items]),
        jams_link=arr([j.mode in ("link", "both") for j, _ in items], np.bool_),
        jams_gnss=arr([j.mode in ("gnss", "both") for j, _ in items], np.bool_),
    )
