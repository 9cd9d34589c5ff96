"""The passive RF detector sensor kind in the scenario layer: spec, parameters, compile.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.rf_detector`; the
equations are in :mod:`skyscreen.models.rf`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from skyscreen._typing import FloatArray
from skyscreen.scenario._base import ClassedSpec, Id, Probability
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.params import CompileContext, FrozenParams, arr

__all__ = [
    "RFDetectorParams",
    "RFDetectorSpec",
    "check_rf_detector",
    "compile_rf_detectors",
]


class RFDetectorSpec(ClassedSpec):
    r"""Passive radio-frequency detector of drones' command links (MODELS.md, Sensors).

    It hears a transmitter of EIRP :math:`P_t` at distance d when the received power
    :math:`P_t G_r (\lambda / 4\pi d)^2` reaches its sensitivity (free space, within
    line of sight): an ``rf_link`` drone's downlink and its ground station's uplink.
    Each look that hears one gives a bearing with noise; two or more detectors
    triangulate the ground station. It classifies a link it has heard for
    ``classify_time_s`` as a drone's, which identifies the drone. Drones flying by GNSS
    or autonomously emit nothing it can hear.
    """

    CLASS_KIND: ClassVar[str] = "rf_detector"
    DEFAULT_CLASS: ClassVar[str | None] = "rf_detector"

    kind: Literal["rf_detector"] = Field(description="Sensor kind.")
    id: Id
    class_: Literal["rf_detector"] = Field(
        default="rf_detector", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(
        description="Antenna position; height_m is the mast."
    )
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    sensitivity_dbm: float = Field(
        ge=-200.0, le=0.0, description="Weakest signal it detects (dBm)."
    )
    gain_dbi: float = Field(
        ge=-30.0, le=40.0, description="Receive antenna gain (dBi)."
    )
    look_period_s: float = Field(
        gt=0.0, le=60.0, description="Time between looks (one detection draw each) (s)."
    )
    pd_per_look: Probability = Field(
        description="Probability that a look catches a transmitter in range (the "
        "link's duty cycle and the receiver's revisit of its band)."
    )
    range_max_m: float = Field(
        gt=0.0, le=1e5, description="No detection beyond this distance (m)."
    )
    bearing_sigma_deg: float = Field(
        ge=0.0, le=90.0, description="Bearing measurement noise, 1σ (°)."
    )
    classify_time_s: float = Field(
        ge=0.0,
        le=3600.0,
        description="A drone's link heard this long identifies the drone (s).",
    )


@dataclass(frozen=True, slots=True, eq=False)
class RFDetectorParams(FrozenParams):
    """RF detectors, in scenario order; arrays of shape (n_detector,) unless noted.

    Powers in watts, the gain linear, angles in radians.
    """

    ids: tuple[str, ...]
    pos_m: FloatArray  # (n_detector, 3)
    sensitivity_w: FloatArray
    gain: FloatArray
    look_period_s: FloatArray
    pd_per_look: FloatArray
    range_max_m: FloatArray
    bearing_sigma_rad: FloatArray
    classify_time_s: FloatArray

    @property
    def n(self) -> int:
        """Number of RF detectors."""
        return len(self.ids)


def check_rf_detector(unit: RFDetectorSpec, dt_s: float) -> list[tuple[str, str, Any]]:
    """Cross-field problems of an RF detector in a run of step ``dt_s``."""
    if unit.look_period_s < dt_s:
        return [
            (
                "look_period_s",
                f"must be >= run.dt_s ({dt_s}); got {unit.look_period_s}",
                unit.look_period_s,
            )
        ]
    return []


def compile_rf_detectors(
    items: Sequence[tuple[RFDetectorSpec, FloatArray]], ctx: CompileContext
) -> RFDetectorParams:
    """RF detectors (with their ENU positions) to :class:`RFDetectorParams`."""
    return RFDetectorParams(
        ids=tuple(s.id for s, _ in items),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        sensitivity_w=10.0
        ** ((arr([s.sensitivity_dbm for s, _ in items]) - 30.0) / 10),
        gain=10.0 ** (arr([s.gain_dbi for s, _ in items]) / 10.0),
        look_period_s=arr([s.look_period_s for s, _ in items]),
        pd_per_look=arr([s.pd_per_look for s, _ in items]),
        range_max_m=arr([s.range_max_m for s, _ in items]),
        bearing_sigma_rad=np.deg2rad(arr([s.bearing_sigma_deg for s, _ in items])),
        classify_time_s=arr([s.classify_time_s for s, _ in items]),
    )
