"""Radars: one detection draw per (radar, drone) per scan.

Swerling 0 or 1 against the radar equation scaled from the reference detection, less
the clutter loss of a low target, within the horizon and the radar's range, elevation
and azimuth-sector limits (models/radar.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import Placed
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.rng import Purpose, stream_keys, uniform
from skyscreen.engine.state import ChunkState
from skyscreen.models import kinematics
from skyscreen.models import radar as radar_model
from skyscreen.scenario.kinds import RadarParams
from skyscreen.scenario.params import ScenarioParams

__all__ = ["RADAR", "RadarKind"]

_PURPOSE = int(Purpose.DETECTION)


@dataclass(frozen=True, slots=True, eq=False)
class RadarState:
    """Radars' constants of a run.

    Attributes
    ----------
    scan_no : int (n_steps, S)
        Each radar's scan number in each step (-1: it does not scan in the step); the
        counter of its detection draws.
    keys : int (S, 2)
        Each radar's random stream key.
    """

    scan_no: IntArray
    keys: IntArray


class RadarKernelParams(NamedTuple):
    """The radars' constants a compiled kernel reads (arrays over S)."""

    pos_m: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    snr_ref: FloatArray
    rcs_ref_m2: FloatArray
    range_ref_m: FloatArray
    pfa: FloatArray
    azimuth_rad: FloatArray
    half_sector_rad: FloatArray
    clutter_height_m: FloatArray
    clutter_range_m: FloatArray
    clutter_loss_db: FloatArray


@njit(cache=True)
def _detect(
    k: IntArray,
    n_d: int,
    pos: FloatArray,
    rcs: FloatArray,
    swerling: IntArray,
    s: RadarKernelParams,
    scan_no: IntArray,
    keys: IntArray,
    reps: IntArray,
    dkey: IntArray,
    out_snr: FloatArray,
    out_pd: FloatArray,
    out_u: FloatArray,
    out_unit: IntArray,
) -> int:
    """Detections of the airborne drones ``k`` by the radars scanning in the step.

    ``scan_no[q]`` is radar q's scan number in the step (-1: it does not scan). Writes
    per (drone, radar) (N, S) the SNR, the Pd — -1 where the radar does not scan or
    the drone is outside its coverage, NaN for a Swerling 0 drone in coverage, whose
    Pd needs the Marcum Q function: the caller evaluates it from ``out_snr`` — and the
    draw, from the (replication, radar, drone, scan) stream, made only for pairs in
    coverage. ``out_unit`` (N,) is the first radar that detected a Swerling 1 drone
    (-1: none). Returns the number of Swerling 0 drones in coverage.
    """
    n_s = s.pos_m.shape[0]
    n_sw0 = 0
    for i in range(k.shape[0]):
        j = k[i]
        d = j % n_d
        out_unit[i] = -1
        for q in range(n_s):
            out_pd[i, q] = -1.0
            out_snr[i, q] = 0.0
            out_u[i, q] = 1.0
            if scan_no[q] < 0:
                continue
            rx = pos[j, 0] - s.pos_m[q, 0]
            ry = pos[j, 1] - s.pos_m[q, 1]
            rz = pos[j, 2] - s.pos_m[q, 2]
            ground = math.hypot(rx, ry)
            rng = max(math.sqrt(ground * ground + rz * rz), 1e-3)
            el = math.atan2(rz, ground)
            hor = radar_model.horizon_range_m(s.pos_m[q, 2], pos[j, 2])
            if rng < s.range_min_m[q] or rng > s.range_max_m[q]:
                continue
            if el < s.elevation_min_rad[q] or el > s.elevation_max_rad[q]:
                continue
            if rng > hor:
                continue
            if s.half_sector_rad[q] < math.pi:
                off = kinematics.wrap_angle(math.atan2(ry, rx) - s.azimuth_rad[q])
                if abs(off) > s.half_sector_rad[q]:
                    continue
            snr = radar_model.snr(
                rng, rcs[d], s.snr_ref[q], s.rcs_ref_m2[q], s.range_ref_m[q]
            ) * radar_model.clutter_factor(
                pos[j, 2],
                ground,
                s.clutter_height_m[q],
                s.clutter_range_m[q],
                s.clutter_loss_db[q],
            )
            out_snr[i, q] = snr
            out_u[i, q] = uniform(
                keys[q, 0],
                keys[q, 1],
                reps[j // n_d],
                dkey[d, 0],
                dkey[d, 1],
                scan_no[q],
            )
            if swerling[d] == 1:
                pd = radar_model.pd_swerling1(snr, s.pfa[q])
                out_pd[i, q] = pd
                if out_unit[i] < 0 and out_u[i, q] < pd:
                    out_unit[i] = q
            else:
                out_pd[i, q] = np.nan
                n_sw0 += 1
    return n_sw0


class RadarKind:
    """The radar sensor kind."""

    name = "radar"
    purpose = int(Purpose.DETECTION)

    def params_of(self, p: ScenarioParams) -> RadarParams:
        """The scenario's radars."""
        radars: RadarParams = p.sensors[self.name]
        return radars

    def init(self, pl: Placed, n_rep: int, seed: int) -> RadarState:
        """Scan numbers and stream keys; radars keep no state between scans."""
        p = pl.scenario
        scans = tick_numbers(pl.params.scan_period_s, p.n_steps, p.dt_s, p.duration_s)
        keys = stream_keys(seed, _PURPOSE, pl.params.ids)
        return RadarState(scan_no=scans, keys=keys)

    def kernel_params(self, pl: Placed) -> RadarKernelParams:
        """The typed bundle the compiled kernel reads."""
        rd: RadarParams = pl.params
        return RadarKernelParams(
            rd.pos_m,
            rd.range_min_m,
            rd.range_max_m,
            rd.elevation_min_rad,
            rd.elevation_max_rad,
            rd.snr_ref,
            rd.rcs_ref_m2,
            rd.range_ref_m,
            rd.pfa,
            rd.azimuth_rad,
            rd.half_sector_rad,
            rd.clutter_height_m,
            rd.clutter_range_m,
            rd.clutter_loss_db,
        )

    def sense(
        self,
        pl: Placed,
        kst: RadarState,
        st: ChunkState,
        step: int,
        t0: float,
        t1: float,
        k: IntArray,
        cue: AirPicture | None,
        ev: Events | None = None,
    ) -> tuple[BoolArray, IntArray] | None:
        """Radars scanning in step ``step``, ``(t0, t1]``, detect the drones ``k``.

        Radars search; they take no cue.
        """
        rd: RadarParams = pl.params
        scan_no = kst.scan_no[step]
        if len(k) == 0 or (scan_no < 0).all():
            return None
        dr = pl.scenario.drones
        n_d = dr.n
        snr = np.empty((len(k), rd.n))
        pd = np.empty((len(k), rd.n))
        u = np.empty((len(k), rd.n))
        unit = np.empty(len(k), dtype=np.int64)
        n_sw0 = _detect(
            k,
            n_d,
            st.pos_m.reshape(-1, 3),
            dr.rcs_m2,
            dr.swerling,
            self.kernel_params(pl),
            scan_no,
            kst.keys,
            st.reps,
            st.drone_key,
            snr,
            pd,
            u,
            unit,
        )
        if n_sw0:
            # Swerling 0: the Marcum Q function (scipy), per radar for its Pfa.
            sw0 = np.isnan(pd)
            for q in range(rd.n):
                col = sw0[:, q]
                if col.any():
                    pd[col, q] = radar_model.pd_swerling0(snr[col, q], float(rd.pfa[q]))
            rows = sw0.any(axis=1)
            det = (pd[rows] >= 0.0) & (u[rows] < pd[rows])
            unit[rows] = np.where(det.any(axis=1), np.argmax(det, axis=1), -1)
        return unit >= 0, unit


RADAR = RadarKind()
"""The registered radar kind."""
