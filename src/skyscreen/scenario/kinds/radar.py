"""The radar sensor kind in the scenario layer: its spec, parameters and compile step.

The engine's side of the kind is :mod:`skyscreen.engine.kinds.radar`; the equations are
in :mod:`skyscreen.models.radar`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from skyscreen._typing import FloatArray
from skyscreen.scenario._base import ClassedSpec, Id, check_order
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.params import CompileContext, FrozenParams, arr

__all__ = ["RadarParams", "RadarSpec", "check_radar", "compile_radars"]


class RadarSpec(ClassedSpec):
    r"""Surveillance radar specified by a reference detection (MODELS.md, Sensors).

    Per-scan Pd ``pd_ref`` against a Swerling 1 target of ``rcs_ref_m2`` at
    ``range_ref_m`` fixes the reference SNR; the radar equation scales it.
    """

    CLASS_KIND: ClassVar[str] = "radar"
    DEFAULT_CLASS: ClassVar[str | None] = "short_range_radar"

    kind: Literal["radar"] = Field(description="Sensor kind.")
    id: Id
    class_: Literal["short_range_radar"] = Field(
        default="short_range_radar", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(
        description="Antenna position; height_m is the mast."
    )
    enabled: bool = Field(
        default=True,
        description="false: the unit is left out of the run (as if absent), so a "
        "comparison or sweep can switch it on or off by its path.",
    )
    pd_ref: float = Field(
        gt=0.0,
        lt=1.0,
        description="Per-scan Pd of the reference target (Swerling 1) at range_ref_m.",
    )
    rcs_ref_m2: float = Field(
        gt=0.0, le=1e4, description="RCS of the reference target (m²)."
    )
    range_ref_m: float = Field(
        gt=0.0,
        le=5e5,
        description="Range at which the reference target is detected with pd_ref (m).",
    )
    pfa: float = Field(gt=0.0, lt=0.1, description="False-alarm probability per cell.")
    scan_period_s: float = Field(gt=0.0, le=60.0, description="Time per scan (s).")
    range_min_m: float = Field(ge=0.0, description="Minimum (blind) range (m).")
    range_max_m: float = Field(gt=0.0, le=5e5, description="Instrumented range (m).")
    elevation_min_deg: float = Field(ge=-90.0, le=90.0, description="Lowest beam (°).")
    elevation_max_deg: float = Field(ge=-90.0, le=90.0, description="Highest beam (°).")
    range_sigma_m: float = Field(
        ge=0.0,
        description="Range measurement noise, 1σ (m); tracked fidelity only.",
    )
    azimuth_sigma_mrad: float = Field(
        ge=0.0,
        description="Azimuth measurement noise, 1σ (mrad); tracked fidelity only.",
    )
    elevation_sigma_mrad: float = Field(
        ge=0.0,
        description="Elevation measurement noise, 1σ (mrad); tracked fidelity only.",
    )
    false_alarms_per_scan: float = Field(
        ge=0.0,
        le=1e4,
        description="Mean false alarms per scan, over the coverage; tracked fidelity "
        "only.",
    )

    azimuth_deg: float = Field(
        ge=-360.0,
        le=360.0,
        description="Centre of the azimuth sector, compass bearing clockwise from "
        "north (°).",
    )
    sector_deg: float = Field(
        gt=0.0, le=360.0, description="Width of the azimuth sector it covers (°)."
    )
    clutter_height_m: float = Field(
        ge=0.0,
        le=5000.0,
        description="Targets below this height lose SNR to clutter (m); 0: no clutter.",
    )
    clutter_range_m: float = Field(
        ge=0.0, le=5e5, description="Clutter reaches out to this ground range (m)."
    )
    clutter_loss_db: float = Field(
        ge=0.0,
        le=60.0,
        description="SNR lost by a target at ground level within clutter_range_m; "
        "the loss falls linearly in dB to 0 at clutter_height_m (dB).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> RadarSpec:
        check_order(self, "range_min_m", "range_max_m")
        check_order(self, "elevation_min_deg", "elevation_max_deg")
        check_order(self, "pfa", "pd_ref")
        return self


@dataclass(frozen=True, slots=True, eq=False)
class RadarParams(FrozenParams):
    """Radars, in scenario order; every array has shape (n_radar,) unless noted.

    ``pd_ref`` against a Swerling 1 target of ``rcs_ref_m2`` at ``range_ref_m`` is the
    reference detection; elevations are in radians. ``snr_ref`` is derived at compile
    time: the linear SNR of the reference detection (Swerling 1). ``azimuth_rad`` is
    the sector's centre as a math angle (counter-clockwise from east);
    ``clutter_loss_db`` the SNR loss at ground level within ``clutter_range_m``.
    """

    ids: tuple[str, ...]
    pos_m: FloatArray  # (n_radar, 3)
    pd_ref: FloatArray
    rcs_ref_m2: FloatArray
    range_ref_m: FloatArray
    pfa: FloatArray
    scan_period_s: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    snr_ref: FloatArray
    azimuth_rad: FloatArray
    half_sector_rad: FloatArray
    clutter_height_m: FloatArray
    clutter_range_m: FloatArray
    clutter_loss_db: FloatArray
    range_sigma_m: FloatArray
    azimuth_sigma_rad: FloatArray
    elevation_sigma_rad: FloatArray
    false_alarms_per_scan: FloatArray

    @property
    def n(self) -> int:
        """Number of radars."""
        return len(self.ids)


def check_radar(unit: RadarSpec, dt_s: float) -> list[tuple[str, str, Any]]:
    """Cross-field problems of a radar in a run of step ``dt_s``: (field, message, value)."""
    if unit.scan_period_s < dt_s:
        return [
            (
                "scan_period_s",
                f"must be >= run.dt_s ({dt_s}); got {unit.scan_period_s}",
                unit.scan_period_s,
            )
        ]
    return []


def compile_radars(
    items: Sequence[tuple[RadarSpec, FloatArray]], ctx: CompileContext
) -> RadarParams:
    """Radars (with their ENU positions) to :class:`RadarParams`."""
    # models is imported here, not at the top, so loading a scenario (validate)
    # does not load the compiled equations.
    from skyscreen.models import radar as radar_model

    pd_ref = arr([s.pd_ref for s, _ in items])
    pfa = arr([s.pfa for s, _ in items])
    snr_ref = np.array(
        [
            radar_model.snr_from_reference(float(pd), float(pf), 1)
            for pd, pf in zip(pd_ref, pfa, strict=True)
        ]
    )
    return RadarParams(
        ids=tuple(s.id for s, _ in items),
        pos_m=np.reshape(arr([p for _, p in items]), (-1, 3)),
        pd_ref=pd_ref,
        rcs_ref_m2=arr([s.rcs_ref_m2 for s, _ in items]),
        range_ref_m=arr([s.range_ref_m for s, _ in items]),
        pfa=pfa,
        scan_period_s=arr([s.scan_period_s for s, _ in items]),
        range_min_m=arr([s.range_min_m for s, _ in items]),
        range_max_m=arr([s.range_max_m for s, _ in items]),
        elevation_min_rad=np.deg2rad(arr([s.elevation_min_deg for s, _ in items])),
        elevation_max_rad=np.deg2rad(arr([s.elevation_max_deg for s, _ in items])),
        snr_ref=snr_ref,
        azimuth_rad=np.pi / 2.0 - np.deg2rad(arr([s.azimuth_deg for s, _ in items])),
        half_sector_rad=np.deg2rad(arr([s.sector_deg for s, _ in items])) / 2.0,
        clutter_height_m=arr([s.clutter_height_m for s, _ in items]),
        clutter_range_m=arr([s.clutter_range_m for s, _ in items]),
        clutter_loss_db=arr([s.clutter_loss_db for s, _ in items]),
        range_sigma_m=arr([s.range_sigma_m for s, _ in items]),
        azimuth_sigma_rad=arr([s.azimuth_sigma_mrad for s, _ in items]) * 1e-3,
        elevation_sigma_rad=arr([s.elevation_sigma_mrad for s, _ in items]) * 1e-3,
        false_alarms_per_scan=arr([s.false_alarms_per_scan for s, _ in items]),
    )
