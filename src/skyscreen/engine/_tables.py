"""Quantities derived from Params through the physics models, computed once per run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from skyscreen._typing import FloatArray, IntArray
from skyscreen.models import gun as gun_model
from skyscreen.models import radar as radar_model
from skyscreen.scenario.compile import ScenarioParams

if TYPE_CHECKING:
    from skyscreen.engine.kinds import Layout

__all__ = ["PK_TABLE_POINTS", "Tables", "make_tables"]

PK_TABLE_POINTS = 512
"""Range points of each gun's tabulated expected burst kill probability."""


@dataclass(frozen=True, slots=True, eq=False)
class Tables:
    """Derived constants.

    Attributes
    ----------
    snr_ref : ndarray of shape (n_radar,)
        Linear SNR of each radar's reference detection (Swerling 1).
    n_rounds : ndarray of shape (n_gun,)
        Rounds per burst.
    hit_radius_m : ndarray of shape (n_gun, n_raid)
        Radius a round must fall within to hit a drone of each raid.
    pk_table : ndarray of shape (n_gun, n_raid, PK_TABLE_POINTS)
        Expected burst kill probability (averaged over the aim bias) on a uniform range
        grid from 0 to ``range_max_m``; used only to *predict* Pk for assignment. The
        outcome of a burst is drawn from its own bias.
    pk_step_m : ndarray of shape (n_gun,)
        Grid spacing.
    slot_effector : ndarray of shape (n_slot,)
        Effector index owning each in-flight shot slot.
    slot_start, slot_count : ndarray of shape (n_effector,)
        Each effector's slots ``[start, start + count)``.
    """

    snr_ref: FloatArray
    n_rounds: IntArray
    hit_radius_m: FloatArray
    pk_table: FloatArray
    pk_step_m: FloatArray
    slot_effector: IntArray
    slot_start: IntArray
    slot_count: IntArray


def make_tables(params: ScenarioParams, layout: Layout | None = None) -> Tables:
    """Compute the derived tables of a scenario (``layout``: default the registry's)."""
    radars, guns = params.radars, params.guns
    snr_ref = np.array(
        [
            radar_model.snr_from_reference(float(pd), float(pfa), 1)
            for pd, pfa in zip(radars.pd_ref, radars.pfa, strict=True)
        ]
    )
    n_raid = len(params.raid_ids)
    n_rounds = np.array(
        [
            gun_model.rounds_per_burst(float(r), float(b))
            for r, b in zip(guns.rate_rpm, guns.burst_s, strict=True)
        ],
        dtype=np.int64,
    )
    radius = np.zeros((guns.n, n_raid))
    table = np.zeros((guns.n, n_raid, PK_TABLE_POINTS))
    step = guns.range_max_m / (PK_TABLE_POINTS - 1)
    areas = np.zeros(n_raid)
    for ri in range(n_raid):
        areas[ri] = params.drones.presented_area_m2[params.drones.raid_idx == ri][0]
    for g in range(guns.n):
        grid = np.arange(PK_TABLE_POINTS) * step[g]
        grid[0] = min(1.0, grid[1] / 2.0)  # σ -> 0 at R = 0 is singular
        for ri in range(n_raid):
            a = (
                float(guns.lethal_radius_m[g])
                if guns.airburst[g]
                else float(gun_model.presented_radius_m(areas[ri]))
            )
            radius[g, ri] = a
            table[g, ri] = gun_model.burst_kill_probability(
                grid,
                a,
                float(guns.dispersion_rad[g]),
                float(guns.bias_rad[g]),
                int(n_rounds[g]),
                float(guns.pk_hit[g]),
            )
    # Shot slots: each effector kind says how many of its shots may be in the air
    # at once, per unit.
    if layout is None:
        from skyscreen.engine.kinds import make_layout

        layout = make_layout(params)
    counts = np.concatenate(
        [
            np.asarray(pl.kind.shot_slots(pl), dtype=np.int64).reshape(pl.n)
            for pl in layout.effectors
        ]
        or [np.zeros(0, dtype=np.int64)]
    )
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    slot_effector = np.repeat(np.arange(len(counts)), counts).astype(np.int64)
    return Tables(
        snr_ref=snr_ref,
        n_rounds=n_rounds,
        hit_radius_m=radius,
        pk_table=table,
        pk_step_m=step,
        slot_effector=slot_effector,
        slot_start=start,
        slot_count=counts,
    )
