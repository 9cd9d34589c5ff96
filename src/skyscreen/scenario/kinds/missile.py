"""The missile effector kind in the scenario layer: its spec, parameters and compile step.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.missile`; the equations
are in :mod:`skyscreen.models.missile`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from skyscreen._typing import FloatArray, IntArray
from skyscreen.scenario._base import ClassedSpec, Id, Probability, check_order
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.params import CompileContext, FrozenParams, arr

__all__ = ["MissileParams", "MissileSpec", "compile_missiles"]


class MissileSpec(ClassedSpec):
    """Short-range surface-to-air missile launcher (MODELS.md, Effectors)."""

    CLASS_KIND: ClassVar[str] = "missile"
    DEFAULT_CLASS: ClassVar[str | None] = "short_range_missile"

    kind: Literal["missile"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["short_range_missile"] = Field(
        default="short_range_missile", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Launcher position.")
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    range_min_m: float = Field(ge=0.0, description="Minimum intercept range (m).")
    range_max_m: float = Field(gt=0.0, le=100000.0, description="Maximum range (m).")
    altitude_max_m: float = Field(gt=0.0, le=30000.0, description="Ceiling (m).")
    speed_mps: float = Field(
        gt=0.0,
        le=5000.0,
        description="Average speed; sets the time of flight to the intercept (m/s).",
    )
    pk: Probability = Field(
        description="Single-shot kill probability up to falloff_start × range_max_m."
    )
    pk_edge: Probability = Field(description="Single-shot Pk at maximum range.")
    falloff_start: float = Field(
        gt=0.0, le=1.0, description="Fraction of maximum range where Pk starts to fall."
    )
    reaction_s: float = Field(
        ge=0.0, le=600.0, description="Delay from assignment to launch (s)."
    )
    channels: int = Field(
        ge=1, le=64, description="Missiles in flight at once (guidance channels)."
    )
    ready_rounds: int = Field(ge=0, le=1000, description="Rounds ready to fire.")
    reload_s: float = Field(ge=0.0, description="Time to reload the launcher (s).")
    reloads: int = Field(ge=0, le=1000, description="Full reloads held in reserve.")
    cost_usd: float = Field(ge=0.0, description="Cost of one missile (USD).")

    @model_validator(mode="after")
    def _ordered(self) -> MissileSpec:
        check_order(self, "range_min_m", "range_max_m")
        return self


@dataclass(frozen=True, slots=True, eq=False)
class MissileParams(FrozenParams):
    """Missile launchers; arrays of shape (n_missile,)."""

    ids: tuple[str, ...]
    pos_m: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    altitude_max_m: FloatArray
    speed_mps: FloatArray
    pk: FloatArray
    pk_edge: FloatArray
    falloff_start: FloatArray
    reaction_s: FloatArray
    channels: IntArray
    ready_rounds: IntArray
    reload_s: FloatArray
    reloads: IntArray
    cost_usd: FloatArray

    @property
    def n(self) -> int:
        """Number of missile launchers."""
        return len(self.ids)


def compile_missiles(
    items: Sequence[tuple[MissileSpec, FloatArray]], ctx: CompileContext
) -> MissileParams:
    """Missile launchers (with their ENU positions) to :class:`MissileParams`."""
    return MissileParams(
        ids=tuple(m.id for m, _ in items),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        range_min_m=arr([m.range_min_m for m, _ in items]),
        range_max_m=arr([m.range_max_m for m, _ in items]),
        altitude_max_m=arr([m.altitude_max_m for m, _ in items]),
        speed_mps=arr([m.speed_mps for m, _ in items]),
        pk=arr([m.pk for m, _ in items]),
        pk_edge=arr([m.pk_edge for m, _ in items]),
        falloff_start=arr([m.falloff_start for m, _ in items]),
        reaction_s=arr([m.reaction_s for m, _ in items]),
        channels=arr([m.channels for m, _ in items], np.int64),
        ready_rounds=arr([m.ready_rounds for m, _ in items], np.int64),
        reload_s=arr([m.reload_s for m, _ in items]),
        reloads=arr([m.reloads for m, _ in items], np.int64),
        cost_usd=arr([m.cost_usd for m, _ in items]),
    )
