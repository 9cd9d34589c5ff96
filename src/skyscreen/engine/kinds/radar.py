"""Radars: one detection draw per (radar, drone) per scan.

Swerling 0 or 1 against the radar equation scaled from the reference detection, within
the horizon and the radar's range and elevation limits (models/radar.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine._tables import Tables
from skyscreen.engine.kinds.base import Placed
from skyscreen.engine.rng import Purpose
from skyscreen.engine.state import ChunkState
from skyscreen.models import radar as radar_model
from skyscreen.scenario.compile import RadarParams, ScenarioParams

__all__ = ["RADAR", "RadarKind", "RadarState"]


@dataclass(slots=True, eq=False)
class RadarState:
    """Radars' state.

    Attributes
    ----------
    scan_index : ndarray of int (n_steps,)
        For each step, the number of earlier steps in which a radar scanned: the index
        of that step's draws in the detection stream (a function of time alone, so
        skipping quiet steps shifts nothing).
    """

    scan_index: IntArray


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


@njit(cache=True)
def _detect(
    k: IntArray,
    n_d: int,
    pos: FloatArray,
    rcs: FloatArray,
    swerling: IntArray,
    s: RadarKernelParams,
    scanning: BoolArray,
    out_snr: FloatArray,
    out_pd: FloatArray,
) -> None:
    """SNR and per-scan Pd of each airborne drone ``k`` by each radar (N, S).

    Pd is -1 where the radar does not scan or the drone is outside its coverage, and
    NaN for a Swerling 0 drone in coverage: its Pd needs the Marcum Q function, which
    the caller evaluates from ``out_snr``.
    """
    n_s = s.pos_m.shape[0]
    for i in range(k.shape[0]):
        j = k[i]
        d = j % n_d
        for q in range(n_s):
            out_pd[i, q] = -1.0
            out_snr[i, q] = 0.0
            if not scanning[q]:
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
            snr = radar_model.snr(
                rng, rcs[d], s.snr_ref[q], s.rcs_ref_m2[q], s.range_ref_m[q]
            )
            out_snr[i, q] = snr
            if swerling[d] == 1:
                out_pd[i, q] = radar_model.pd_swerling1(snr, s.pfa[q])
            else:
                out_pd[i, q] = np.nan


def _ticks(period: float, t0: float, t1: float) -> bool:
    """Whether a periodic event at k·period (k >= 1) falls in (t0, t1]."""
    return int(np.floor(t1 / period + 1e-9)) > int(np.floor(t0 / period + 1e-9))


class RadarKind:
    """The radar sensor kind."""

    name = "radar"
    purpose = int(Purpose.DETECTION)

    def params_of(self, p: ScenarioParams) -> RadarParams:
        """The scenario's radars."""
        return p.radars

    def draw_shape(self, pl: Placed, n_drone: int) -> tuple[int, ...]:
        """One uniform per (radar, drone) per scan."""
        return (pl.n, n_drone)

    def init(self, pl: Placed, tb: Tables, n_rep: int) -> RadarState:
        """The scan index of every step."""
        p = pl.scenario
        ticks = np.zeros(p.n_steps, dtype=np.int64)
        for s in range(p.n_steps):
            t0, t1 = s * p.dt_s, min((s + 1) * p.dt_s, p.duration_s)
            ticks[s] = any(_ticks(T, t0, t1) for T in pl.params.scan_period_s)
        return RadarState(scan_index=np.cumsum(ticks) - ticks)

    def kernel_params(self, pl: Placed, tb: Tables) -> RadarKernelParams:
        """The typed bundle the compiled kernel reads."""
        rd: RadarParams = pl.params
        return RadarKernelParams(
            rd.pos_m,
            rd.range_min_m,
            rd.range_max_m,
            rd.elevation_min_rad,
            rd.elevation_max_rad,
            tb.snr_ref,
            rd.rcs_ref_m2,
            rd.range_ref_m,
            rd.pfa,
        )

    def sense(
        self,
        pl: Placed,
        kst: RadarState,
        st: ChunkState,
        tb: Tables,
        step: int,
        t0: float,
        t1: float,
        k: IntArray,
        stream: Any,
    ) -> tuple[BoolArray, IntArray] | None:
        """Radars scanning in step ``step``, ``(t0, t1]``, detect the drones ``k``."""
        rd: RadarParams = pl.params
        scanning = np.array([_ticks(T, t0, t1) for T in rd.scan_period_s], dtype=bool)
        if not scanning.any() or len(k) == 0:
            return None
        draws = stream(int(kst.scan_index[step]))
        dr = pl.scenario.drones
        n_d = dr.n
        snr = np.empty((len(k), rd.n))
        pd = np.empty((len(k), rd.n))
        _detect(
            k,
            n_d,
            st.pos_m.reshape(-1, 3),
            dr.rcs_m2,
            dr.swerling,
            self.kernel_params(pl, tb),
            scanning,
            snr,
            pd,
        )
        sw0 = np.isnan(pd)
        if sw0.any():
            # Swerling 0: the Marcum Q function (scipy), per radar for its Pfa.
            for q in range(rd.n):
                col = sw0[:, q]
                if col.any():
                    pd[col, q] = radar_model.pd_swerling0(snr[col, q], float(rd.pfa[q]))
        r, d = k // n_d, k % n_d
        det = (pd >= 0.0) & (draws[r, :, d] < pd)
        hit = np.asarray(det.any(axis=1))
        return hit, np.where(hit, np.argmax(det, axis=1), -1)


RADAR = RadarKind()
"""The registered radar kind."""
