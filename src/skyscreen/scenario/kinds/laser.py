"""The laser effector kind in the scenario layer: its spec, parameters and compile step.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.laser`; the equations
are in :mod:`skyscreen.models.laser`. The compile step turns the scenario's
visibility into the air's extinction coefficient (Koschmieder), which every laser of
the scenario shares.
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

__all__ = ["LaserParams", "LaserSpec", "compile_lasers"]


class LaserSpec(ClassedSpec):
    """High-energy laser: a dwell to kill one target at a time (MODELS.md, Effectors)."""

    CLASS_KIND: ClassVar[str] = "laser"
    DEFAULT_CLASS: ClassVar[str | None] = "high_energy_laser"

    kind: Literal["laser"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["high_energy_laser"] = Field(
        default="high_energy_laser", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Beam director position.")
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    dwell_ref_s: float = Field(
        gt=0.0,
        le=600.0,
        description="Dwell that kills a drone held at range_ref_m with no extinction "
        "(perfectly clear air); the kill fluence (s).",
    )
    range_ref_m: float = Field(
        gt=0.0, le=20000.0, description="Reference slant range of dwell_ref_s (m)."
    )
    range_max_m: float = Field(
        gt=0.0, le=20000.0, description="Maximum slant range of a dwell (m)."
    )
    elevation_min_deg: float = Field(
        ge=-90.0,
        le=90.0,
        description="Lowest elevation the beam director can point (°).",
    )
    elevation_max_deg: float = Field(
        ge=-90.0,
        le=90.0,
        description="Highest elevation the beam director can point (°).",
    )
    slew_rate_deg_s: float = Field(
        gt=0.0, le=1000.0, description="Beam director slew rate (°/s)."
    )
    acquire_s: float = Field(
        ge=0.0,
        le=60.0,
        description="Fine-track acquisition after the slew, before the dwell starts (s).",
    )
    firing_budget_s: float = Field(
        gt=0.0,
        le=3600.0,
        description="Seconds of lasing the thermal store holds, from cold (s).",
    )
    cooldown_s: float = Field(
        gt=0.0,
        le=36000.0,
        description="Time not lasing that refills an empty thermal store; it refills "
        "linearly (s).",
    )
    cost_per_second_usd: float = Field(
        ge=0.0, le=1e6, description="Cost of one second of lasing (USD)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> LaserSpec:
        check_order(self, "elevation_min_deg", "elevation_max_deg")
        return self


@dataclass(frozen=True, slots=True, eq=False)
class LaserParams(FrozenParams):
    """Lasers; arrays of shape (n_laser,).

    Attributes
    ----------
    alpha_per_m : float
        Extinction coefficient of the scenario's air, 3.912 / visibility (1/m),
        shared by every laser.
    """

    ids: tuple[str, ...]
    pos_m: FloatArray
    dwell_ref_s: FloatArray
    range_ref_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    slew_rate_rad_s: FloatArray
    acquire_s: FloatArray
    firing_budget_s: FloatArray
    cooldown_s: FloatArray
    cost_per_second_usd: FloatArray
    alpha_per_m: float

    @property
    def n(self) -> int:
        """Number of lasers."""
        return len(self.ids)


def compile_lasers(
    items: Sequence[tuple[LaserSpec, FloatArray]], ctx: CompileContext
) -> LaserParams:
    """Lasers (with their ENU positions) to :class:`LaserParams`."""
    # models is imported here, not at the top, so loading a scenario (validate)
    # does not load the compiled equations.
    from skyscreen.models import laser as laser_model
    from skyscreen.models.jit import plain

    # One division: as plain Python it has the ufunc's bits (IEEE in both), and the
    # main process, which compiles the scenario and runs no kernel, does not start
    # numba's compiler for it (0.3-0.4 s).
    alpha_per_m = plain(laser_model.extinction_per_m)(float(ctx.visibility_m))
    lasers = [s for s, _ in items]
    return LaserParams(
        ids=tuple(s.id for s in lasers),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        dwell_ref_s=arr([s.dwell_ref_s for s in lasers]),
        range_ref_m=arr([s.range_ref_m for s in lasers]),
        range_max_m=arr([s.range_max_m for s in lasers]),
        elevation_min_rad=np.deg2rad(arr([s.elevation_min_deg for s in lasers])),
        elevation_max_rad=np.deg2rad(arr([s.elevation_max_deg for s in lasers])),
        slew_rate_rad_s=np.deg2rad(arr([s.slew_rate_deg_s for s in lasers])),
        acquire_s=arr([s.acquire_s for s in lasers]),
        firing_budget_s=arr([s.firing_budget_s for s in lasers]),
        cooldown_s=arr([s.cooldown_s for s in lasers]),
        cost_per_second_usd=arr([s.cost_per_second_usd for s in lasers]),
        alpha_per_m=alpha_per_m,
    )
