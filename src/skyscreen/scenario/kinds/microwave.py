"""The high-power microwave kind in the scenario layer: spec, parameters, compile step.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.microwave`; the equations
are in :mod:`skyscreen.models.microwave`. The drones' susceptibility (``hpm_s50_w_m2``,
``hpm_sigma_ln``) is a field of each drone class, not of the emitter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from skyscreen._typing import FloatArray
from skyscreen.scenario._base import ClassedSpec, Id, check_order
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.params import CompileContext, FrozenParams, arr

__all__ = ["MicrowaveParams", "MicrowaveSpec", "compile_microwaves"]


class MicrowaveSpec(ClassedSpec):
    """High-power microwave emitter: one shot reaches every drone in its beam.

    MODELS.md, Effectors: a cone of half-angle θ, far-field density P G / (4π R²), each
    drone in the beam defeated with a log-normal probability of that density.
    """

    CLASS_KIND: ClassVar[str] = "microwave"
    DEFAULT_CLASS: ClassVar[str | None] = "hpm_emitter"

    kind: Literal["microwave"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["hpm_emitter"] = Field(
        default="hpm_emitter", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Antenna position.")
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    eirp_w: float = Field(
        gt=0.0,
        le=1e13,
        description="Peak effective radiated power, P G, on the beam's axis (W).",
    )
    beam_half_angle_deg: float = Field(
        gt=0.0,
        le=90.0,
        description="Half-angle of the beam's cone about its axis; a drone inside "
        "it and within range_max_m is reached (°).",
    )
    range_max_m: float = Field(
        gt=0.0, le=10000.0, description="Longest slant range the beam reaches (m)."
    )
    elevation_min_deg: float = Field(
        ge=-90.0, le=90.0, description="Lowest elevation of the beam's axis (°)."
    )
    elevation_max_deg: float = Field(
        ge=-90.0, le=90.0, description="Highest elevation of the beam's axis (°)."
    )
    slew_rate_deg_s: float = Field(
        gt=0.0, le=3600.0, description="Antenna slew rate (°/s)."
    )
    settle_s: float = Field(
        ge=0.0, le=60.0, description="Settling after the slew, before the shot (s)."
    )
    shot_period_s: float = Field(
        gt=0.0, le=600.0, description="Shortest time between two shots (s)."
    )
    burst_shots: int = Field(
        ge=1,
        le=100000,
        description="Shots the power store holds, from full: the longest burst.",
    )
    recharge_s: float = Field(
        gt=0.0,
        le=36000.0,
        description="Time to regain one shot in the store; the duty limit: a long "
        "engagement fires at most one shot per recharge_s (s).",
    )
    cost_per_shot_usd: float = Field(
        ge=0.0, le=1e6, description="Cost of one shot: power and wear (USD)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> MicrowaveSpec:
        check_order(self, "elevation_min_deg", "elevation_max_deg")
        return self


@dataclass(frozen=True, slots=True, eq=False)
class MicrowaveParams(FrozenParams):
    """Microwave emitters; arrays of shape (n_emitter,)."""

    ids: tuple[str, ...]
    pos_m: FloatArray
    eirp_w: FloatArray
    half_angle_rad: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    slew_rate_rad_s: FloatArray
    settle_s: FloatArray
    shot_period_s: FloatArray
    burst_shots: FloatArray
    recharge_s: FloatArray
    cost_per_shot_usd: FloatArray

    @property
    def n(self) -> int:
        """Number of emitters."""
        return len(self.ids)


def compile_microwaves(
    items: Sequence[tuple[MicrowaveSpec, FloatArray]], ctx: CompileContext
) -> MicrowaveParams:
    """Emitters (with their ENU positions) to :class:`MicrowaveParams`."""
    units = [s for s, _ in items]
    return MicrowaveParams(
        ids=tuple(s.id for s in units),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        eirp_w=arr([s.eirp_w for s in units]),
        half_angle_rad=np.deg2rad(arr([s.beam_half_angle_deg for s in units])),
        range_max_m=arr([s.range_max_m for s in units]),
        elevation_min_rad=np.deg2rad(arr([s.elevation_min_deg for s in units])),
        elevation_max_rad=np.deg2rad(arr([s.elevation_max_deg for s in units])),
        slew_rate_rad_s=np.deg2rad(arr([s.slew_rate_deg_s for s in units])),
        settle_s=arr([s.settle_s for s in units]),
        shot_period_s=arr([s.shot_period_s for s in units]),
        burst_shots=arr([float(s.burst_shots) for s in units]),
        recharge_s=arr([s.recharge_s for s in units]),
        cost_per_shot_usd=arr([s.cost_per_shot_usd for s in units]),
    )
