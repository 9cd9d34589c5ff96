"""The gun effector kind in the scenario layer: its spec, parameters and compile step.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.gun`; the equations are in
:mod:`skyscreen.models.gun`, which the compile step calls to tabulate each gun's
predicted burst kill probability once per scenario.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.scenario._base import ClassedSpec, Id, Probability, check_order
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.params import CompileContext, FrozenParams, arr

__all__ = ["PK_TABLE_POINTS", "GunParams", "GunSpec", "compile_guns"]

PK_TABLE_POINTS = 512
"""Range points of each gun's tabulated expected burst kill probability."""


class GunSpec(ClassedSpec):
    """Anti-aircraft gun with the two-component error model (MODELS.md, Effectors)."""

    CLASS_KIND: ClassVar[str] = "gun"
    DEFAULT_CLASS: ClassVar[str | None] = "small_calibre_gun"

    kind: Literal["gun"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["small_calibre_gun"] = Field(
        default="small_calibre_gun", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Mount position.")
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    rate_rpm: float = Field(
        gt=0.0, le=10000.0, description="Rate of fire (rounds/min)."
    )
    burst_s: float = Field(gt=0.0, le=30.0, description="Burst length (s).")
    dispersion_mrad: float = Field(
        gt=0.0, le=100.0, description="Round-to-round dispersion per axis, 1σ (mrad)."
    )
    bias_mrad: float = Field(
        ge=0.0, le=100.0, description="Aim bias shared by a burst, per axis, 1σ (mrad)."
    )
    muzzle_velocity_mps: float = Field(
        gt=0.0,
        le=3000.0,
        description="Muzzle velocity; time of flight is slant range / this, "
        "without drag (m/s).",
    )
    range_min_m: float = Field(ge=0.0, description="Minimum slant range (m).")
    range_max_m: float = Field(
        gt=0.0, le=20000.0, description="Maximum slant range (m)."
    )
    elevation_min_deg: float = Field(
        ge=-90.0, le=90.0, description="Lowest elevation the gun can lay (°)."
    )
    elevation_max_deg: float = Field(
        ge=-90.0, le=90.0, description="Highest elevation the gun can lay (°)."
    )
    slew_rate_deg_s: float = Field(gt=0.0, le=1000.0, description="Slew rate (°/s).")
    settle_s: float = Field(
        ge=0.0,
        le=60.0,
        description="Settle time after a slew, added to every lay (s).",
    )
    magazine_rounds: int = Field(ge=0, le=100000, description="Rounds per magazine.")
    reload_s: float = Field(ge=0.0, description="Time to reload an empty magazine (s).")
    reloads: int = Field(ge=0, le=1000, description="Full magazines held in reserve.")
    cost_per_round_usd: float = Field(ge=0.0, description="Cost of one round (USD).")
    airburst: bool = Field(description="Airburst ammunition: lethal radius, not area.")
    lethal_radius_m: float = Field(
        gt=0.0,
        le=100.0,
        description="Lethal radius of an airburst round (m); used only if airburst.",
    )
    pk_given_hit: Probability = Field(description="Kill probability given a hit.")

    @model_validator(mode="after")
    def _ordered(self) -> GunSpec:
        check_order(self, "range_min_m", "range_max_m")
        check_order(self, "elevation_min_deg", "elevation_max_deg")
        return self


@dataclass(frozen=True, slots=True, eq=False)
class GunParams(FrozenParams):
    """Guns; arrays of shape (n_gun,) unless noted.

    ``airburst`` guns hit a drone when a round falls within ``lethal_radius_m`` of it;
    others within the drone's presented radius. The rate of fire is in rounds per
    second (the spec's ``rate_rpm`` / 60).

    Derived at compile time through :mod:`skyscreen.models.gun`:

    n_rounds : IntArray of shape (n_gun,)
        Rounds per burst.
    hit_radius_m : FloatArray of shape (n_gun, n_raid)
        Radius a round must fall within to hit a drone of each raid.
    pk_table : FloatArray of shape (n_gun, n_raid, PK_TABLE_POINTS)
        Expected burst kill probability (averaged over the aim bias) on a uniform range
        grid from 0 to ``range_max_m``; used only to *predict* Pk for assignment. The
        outcome of a burst is drawn from its own bias.
    pk_step_m : FloatArray of shape (n_gun,)
        Grid spacing of ``pk_table``.
    """

    ids: tuple[str, ...]
    pos_m: FloatArray
    rate_rps: FloatArray
    burst_s: FloatArray
    dispersion_rad: FloatArray
    bias_rad: FloatArray
    muzzle_velocity_mps: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    slew_rate_rad_s: FloatArray
    settle_s: FloatArray
    magazine_rounds: IntArray
    reload_s: FloatArray
    reloads: IntArray
    cost_per_round_usd: FloatArray
    pk_hit: FloatArray
    airburst: BoolArray
    lethal_radius_m: FloatArray
    n_rounds: IntArray
    hit_radius_m: FloatArray
    pk_table: FloatArray
    pk_step_m: FloatArray

    @property
    def n(self) -> int:
        """Number of guns."""
        return len(self.ids)


def compile_guns(
    items: Sequence[tuple[GunSpec, FloatArray]], ctx: CompileContext
) -> GunParams:
    """Guns (with their ENU positions) to :class:`GunParams`, with derived tables."""
    # models is imported here, not at the top, so loading a scenario (validate)
    # does not load the compiled equations.
    from skyscreen.models import gun as gun_model

    guns = [g for g, _ in items]
    range_max_m = arr([g.range_max_m for g in guns])
    n_rounds = np.array(
        [gun_model.rounds_per_burst(g.rate_rpm, g.burst_s) for g in guns],
        dtype=np.int64,
    )
    step = range_max_m / (PK_TABLE_POINTS - 1)
    radius, table = _pk_tables(guns, n_rounds, step, ctx)
    return GunParams(
        ids=tuple(g.id for g in guns),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        rate_rps=arr([g.rate_rpm for g in guns]) / 60.0,
        burst_s=arr([g.burst_s for g in guns]),
        dispersion_rad=arr([g.dispersion_mrad * 1e-3 for g in guns]),
        bias_rad=arr([g.bias_mrad * 1e-3 for g in guns]),
        muzzle_velocity_mps=arr([g.muzzle_velocity_mps for g in guns]),
        range_min_m=arr([g.range_min_m for g in guns]),
        range_max_m=range_max_m,
        elevation_min_rad=np.deg2rad(arr([g.elevation_min_deg for g in guns])),
        elevation_max_rad=np.deg2rad(arr([g.elevation_max_deg for g in guns])),
        slew_rate_rad_s=np.deg2rad(arr([g.slew_rate_deg_s for g in guns])),
        settle_s=arr([g.settle_s for g in guns]),
        magazine_rounds=arr([g.magazine_rounds for g in guns], np.int64),
        reload_s=arr([g.reload_s for g in guns]),
        reloads=arr([g.reloads for g in guns], np.int64),
        cost_per_round_usd=arr([g.cost_per_round_usd for g in guns]),
        pk_hit=arr([g.pk_given_hit for g in guns]),
        airburst=arr([g.airburst for g in guns], np.bool_),
        lethal_radius_m=arr([g.lethal_radius_m for g in guns]),
        n_rounds=n_rounds,
        hit_radius_m=radius,
        pk_table=table,
        pk_step_m=step,
    )


def _pk_tables(
    guns: Sequence[GunSpec],
    n_rounds: IntArray,
    step_m: FloatArray,
    ctx: CompileContext,
) -> tuple[FloatArray, FloatArray]:
    """Hit radius (G, n_raid) and expected burst Pk on each gun's range grid.

    The Pk table has shape (G, n_raid, PK_TABLE_POINTS); a raid's drones all present
    the area of its drone type.
    """
    # models is imported here, not at the top, so loading a scenario (validate)
    # does not load the compiled equations.
    from skyscreen.models import gun as gun_model

    n_raid = len(ctx.raid_ids)
    radius = np.zeros((len(guns), n_raid))
    table = np.zeros((len(guns), n_raid, PK_TABLE_POINTS))
    areas = np.zeros(n_raid)
    for ri in range(n_raid):
        areas[ri] = ctx.drones.presented_area_m2[ctx.drones.raid_idx == ri][0]
    for k, g in enumerate(guns):
        grid = np.arange(PK_TABLE_POINTS) * step_m[k]
        grid[0] = min(1.0, grid[1] / 2.0)  # σ -> 0 at R = 0 is singular
        for ri in range(n_raid):
            a = (
                g.lethal_radius_m
                if g.airburst
                else float(gun_model.presented_radius_m(areas[ri]))
            )
            radius[k, ri] = a
            table[k, ri] = gun_model.burst_kill_probability(
                grid,
                a,
                g.dispersion_mrad * 1e-3,
                g.bias_mrad * 1e-3,
                int(n_rounds[k]),
                g.pk_given_hit,
            )
    return radius, table
