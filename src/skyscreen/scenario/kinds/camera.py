"""The EO/IR camera sensor kind in the scenario layer: its spec, parameters and compile.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.camera`; the equations
are in :mod:`skyscreen.models.eoir`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from skyscreen._typing import FloatArray
from skyscreen.scenario._base import ClassedSpec, Id
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.params import CompileContext, FrozenParams, arr

__all__ = ["CameraParams", "CameraSpec", "check_camera", "compile_cameras"]


class CameraSpec(ClassedSpec):
    r"""Electro-optical / infrared camera on a slewing mount (MODELS.md, Sensors).

    Per look, a drone inside the field of view is detected with probability
    :math:`1/(1 + (R/R_{50})^k)`, with ``r50_day_m`` or ``r50_night_m`` by the
    scenario's ``environment.time_of_day``, capped by the meteorological visibility.
    The camera points where it is cued (the unidentified picture entry of highest
    threat value, held until it is identified or lost) and sweeps the horizon when
    nothing is cued. It identifies the drone it holds within ``identify_range_m``
    after the doctrine's ``identify_time_s``.
    """

    CLASS_KIND: ClassVar[str] = "camera"
    DEFAULT_CLASS: ClassVar[str | None] = "day_night_camera"

    kind: Literal["camera"] = Field(description="Sensor kind.")
    id: Id
    class_: Literal["day_night_camera", "thermal_camera"] = Field(
        default="day_night_camera", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Camera position; height_m is the mast.")
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    r50_day_m: float = Field(
        gt=0.0, le=1e5, description="Range of 50% per-look detection by day (m)."
    )
    r50_night_m: float = Field(
        gt=0.0, le=1e5, description="Range of 50% per-look detection at night (m)."
    )
    pd_exponent: float = Field(
        gt=0.0,
        le=20.0,
        description="Steepness k of the per-look Pd 1/(1+(R/R50)^k).",
    )
    look_period_s: float = Field(
        gt=0.0, le=60.0, description="Time between looks (one detection draw each) (s)."
    )
    range_max_m: float = Field(
        gt=0.0, le=1e5, description="No detection beyond this slant range (m)."
    )
    fov_deg: float = Field(
        gt=0.0, le=360.0, description="Horizontal field of view, full width (°)."
    )
    slew_rate_deg_s: float = Field(
        gt=0.0, le=3600.0, description="Mount slew rate; also the search sweep (°/s)."
    )
    azimuth_deg: float = Field(
        ge=-360.0,
        le=360.0,
        description="Initial pointing, compass bearing clockwise from north (°).",
    )
    identify_range_m: float = Field(
        ge=0.0,
        le=1e5,
        description="By day in clear air, the camera identifies only drones within "
        "this slant range; at night or in haze it shrinks in proportion to R50 "
        "(m).",
    )
    bearing_sigma_mrad: float = Field(
        ge=0.0,
        description="Angle measurement noise, 1σ (mrad), in azimuth and elevation; "
        "tracked fidelity only (the laser rangefinder's range noise is "
        "RANGEFINDER_SIGMA_M).",
    )


@dataclass(frozen=True, slots=True, eq=False)
class CameraParams(FrozenParams):
    """Cameras, in scenario order; arrays of shape (n_camera,) unless noted.

    ``r50_m`` is the R50 that applies in this scenario: by day or night, capped by the
    visibility (MODELS.md: R50_eff = min(R50, V)). ``identify_range_m`` is scaled by
    the same factor, R50_eff / R50_day: every task's range (detection,
    identification) is set by the same resolution across the target (Johnson 1958),
    so when light or haze shortens one it shortens the others alike. Angles in
    radians; ``azimuth_rad`` is a math angle (counter-clockwise from east), as the
    engine uses.
    """

    ids: tuple[str, ...]
    pos_m: FloatArray  # (n_camera, 3)
    r50_m: FloatArray
    pd_exponent: FloatArray
    look_period_s: FloatArray
    range_max_m: FloatArray
    half_fov_rad: FloatArray
    slew_rate_rad_s: FloatArray
    azimuth_rad: FloatArray
    identify_range_m: FloatArray
    bearing_sigma_rad: FloatArray

    @property
    def n(self) -> int:
        """Number of cameras."""
        return len(self.ids)


def check_camera(unit: CameraSpec, dt_s: float) -> list[tuple[str, str, Any]]:
    """Cross-field problems of a camera in a run of step ``dt_s``."""
    if unit.look_period_s < dt_s:
        return [
            (
                "look_period_s",
                f"must be >= run.dt_s ({dt_s}); got {unit.look_period_s}",
                unit.look_period_s,
            )
        ]
    return []


def compile_cameras(
    items: Sequence[tuple[CameraSpec, FloatArray]], ctx: CompileContext
) -> CameraParams:
    """Cameras (with their ENU positions) to :class:`CameraParams`."""
    night = ctx.time_of_day == "night"
    r50 = np.minimum(
        arr([s.r50_night_m if night else s.r50_day_m for s, _ in items]),
        ctx.visibility_m,
    )
    scale = r50 / arr([s.r50_day_m for s, _ in items])
    bearing = np.deg2rad(arr([s.azimuth_deg for s, _ in items]))
    return CameraParams(
        ids=tuple(s.id for s, _ in items),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        r50_m=r50,
        pd_exponent=arr([s.pd_exponent for s, _ in items]),
        look_period_s=arr([s.look_period_s for s, _ in items]),
        range_max_m=arr([s.range_max_m for s, _ in items]),
        half_fov_rad=np.deg2rad(arr([s.fov_deg for s, _ in items])) / 2.0,
        slew_rate_rad_s=np.deg2rad(arr([s.slew_rate_deg_s for s, _ in items])),
        azimuth_rad=np.pi / 2.0 - bearing,
        identify_range_m=arr([s.identify_range_m for s, _ in items]) * scale,
        bearing_sigma_rad=arr([s.bearing_sigma_mrad for s, _ in items]) * 1e-3,
    )
