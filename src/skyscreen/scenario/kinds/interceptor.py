"""The interceptor effector kind in the scenario layer: spec, parameters and compile.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.interceptor`; the
equations are in :mod:`skyscreen.models.interceptor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.scenario._base import ClassedSpec, Id, Probability
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.params import CompileContext, FrozenParams, arr

__all__ = ["InterceptorParams", "InterceptorSpec", "compile_interceptors"]

MAX_RACK = 1000
"""Most interceptors one launcher holds (its state has a slot per airframe out)."""


class InterceptorSpec(ClassedSpec):
    """Launcher of interceptor drones that chase and fuze on a target (MODELS.md)."""

    CLASS_KIND: ClassVar[str] = "interceptor"
    DEFAULT_CLASS: ClassVar[str | None] = "expendable_interceptor"

    kind: Literal["interceptor"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["expendable_interceptor", "reusable_interceptor"] = Field(
        default="expendable_interceptor", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(
        description="Launcher position; reusable interceptors land back here."
    )
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    speed_mps: float = Field(
        gt=0.0, le=500.0, description="Interceptor airspeed, flown constant (m/s)."
    )
    turn_rate_deg_s: float = Field(
        gt=0.0, le=360.0, description="Largest rate its velocity can turn (°/s)."
    )
    guidance: Literal["pure_pursuit", "proportional_navigation"] = Field(
        description="pure_pursuit: the velocity turns toward the line of sight to the "
        "target's picture position; proportional_navigation: a lateral acceleration "
        "nav_constant × closing speed × line-of-sight rate (pure pursuit while the "
        "range opens), launched on the collision course."
    )
    nav_constant: float = Field(
        gt=0.0,
        le=10.0,
        description="Navigation constant N of proportional navigation (unused for "
        "pure_pursuit).",
    )
    fuze_radius_m: float = Field(
        gt=0.0,
        le=100.0,
        description="Distance to the target at which the interceptor closes (m).",
    )
    pk_closure: Probability = Field(
        description="Kill probability when the interceptor closes."
    )
    range_max_m: float = Field(
        gt=0.0,
        le=50000.0,
        description="Engagement envelope: slant range from the launcher within which a "
        "target is launched at and the predicted meeting point lies (m).",
    )
    endurance_s: float = Field(
        gt=0.0,
        le=36000.0,
        description="Flight time: an expendable interceptor that has not closed by "
        "then is lost; a reusable one turns home when what is left is just the flight "
        "back (s).",
    )
    launch_delay_s: float = Field(
        ge=0.0, le=600.0, description="Delay from assignment to launch (s)."
    )
    rack: int = Field(
        ge=0,
        le=MAX_RACK,
        description="Interceptors ready on the launcher at the start.",
    )
    channels: int = Field(
        ge=1,
        le=64,
        description="Interceptors the launcher guides at once (committed or flying "
        "out); it takes a new target while one is free and an interceptor is ready.",
    )
    reusable: bool = Field(
        description="Whether an interceptor flies home after its engagement (closure, "
        "target lost or endurance) and is ready again turnaround_s after landing; "
        "false: each interceptor is spent."
    )
    turnaround_s: float = Field(
        ge=0.0,
        le=36000.0,
        description="Reusable: from landing to ready again (battery, re-arm) (s).",
    )
    cost_usd: float = Field(
        ge=0.0,
        le=1e7,
        description="Cost of one launch (USD): the interceptor itself when expendable; "
        "a sortie's share of the airframe, payload and crew when reusable.",
    )


@dataclass(frozen=True, slots=True, eq=False)
class InterceptorParams(FrozenParams):
    """Interceptor launchers; arrays of shape (n_interceptor,).

    Attributes
    ----------
    turn_rate_rad_s : float
        Turn-rate limit (rad/s).
    pn : bool
        Proportional navigation (else pure pursuit).
    n_slot : int
        Airframes a launcher may have off its rack at once, the largest over the
        launchers (at least 1): its channels (expendable) or its rack (reusable).
    """

    ids: tuple[str, ...]
    pos_m: FloatArray
    speed_mps: FloatArray
    turn_rate_rad_s: FloatArray
    pn: BoolArray
    nav_constant: FloatArray
    fuze_radius_m: FloatArray
    pk_closure: FloatArray
    range_max_m: FloatArray
    endurance_s: FloatArray
    launch_delay_s: FloatArray
    rack: IntArray
    channels: IntArray
    reusable: BoolArray
    turnaround_s: FloatArray
    cost_usd: FloatArray
    n_slot: int

    @property
    def n(self) -> int:
        """Number of interceptor launchers."""
        return len(self.ids)


def compile_interceptors(
    items: Sequence[tuple[InterceptorSpec, FloatArray]], ctx: CompileContext
) -> InterceptorParams:
    """Interceptor launchers (with their ENU positions) to :class:`InterceptorParams`."""
    units = [s for s, _ in items]
    rack = np.asarray([s.rack for s in units], dtype=np.int64)
    channels = np.asarray([s.channels for s in units], dtype=np.int64)
    reusable = np.asarray([s.reusable for s in units], dtype=bool)
    # An expendable launcher has at most `channels` airframes out (committed or
    # flying); a reusable one may have its whole rack out (flying home, turning
    # around), never more.
    out = np.where(reusable, rack, np.minimum(channels, rack))
    return InterceptorParams(
        ids=tuple(s.id for s in units),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        speed_mps=arr([s.speed_mps for s in units]),
        turn_rate_rad_s=np.deg2rad(arr([s.turn_rate_deg_s for s in units])),
        pn=np.asarray(
            [s.guidance == "proportional_navigation" for s in units], dtype=bool
        ),
        nav_constant=arr([s.nav_constant for s in units]),
        fuze_radius_m=arr([s.fuze_radius_m for s in units]),
        pk_closure=arr([s.pk_closure for s in units]),
        range_max_m=arr([s.range_max_m for s in units]),
        endurance_s=arr([s.endurance_s for s in units]),
        launch_delay_s=arr([s.launch_delay_s for s in units]),
        rack=rack,
        channels=channels,
        reusable=reusable,
        turnaround_s=arr([s.turnaround_s for s in units]),
        cost_usd=arr([s.cost_usd for s in units]),
        n_slot=max(1, int(out.max(initial=0))),
    )
