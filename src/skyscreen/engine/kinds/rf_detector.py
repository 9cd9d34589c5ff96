r"""Passive RF detectors: hear rf_link drones and their ground stations, take bearings.

Each look (every ``look_period_s``), per detector and replication, for every airborne
``rf_link`` drone whose link still works (a jammed link is silent):

1. **The drone's downlink.** Heard when its received power
   :math:`P_t G_r (\lambda/4\pi d)^2` (:func:`skyscreen.models.rf.rf_received_power_w`,
   the drone's ``downlink_eirp_w`` at its ``link_frequency_hz``) reaches the
   detector's sensitivity, within ``range_max_m`` and the 4/3-earth horizon, and the
   look catches it (``pd_per_look``). The drone is detected (it enters the air
   truth-fed picture like a radar's detection; in the tracked fidelity an RF
   detection feeds no track: a bearing alone gives no position). A detector that has heard a drone's link for ``classify_time_s`` since it
   first heard it classifies it as a drone's: the drone is identified.
2. **The ground station's uplink** (``link_eirp_w`` from the launch point, antenna
   2 m above the ground): heard under the same rule, it gives a bearing with
   Gaussian noise of ``bearing_sigma_deg``. A detector's bearings to one ground
   station (which does not move) are averaged: the mean of n bearings is the true
   bearing plus Gaussian noise of σ/√n, so the kernel counts the bearings and the
   mean's noise is drawn once, at the end (the same distribution as averaging n
   noisy bearings, for a fraction of the draws).

At the end of the run, every ground station heard by two or more detectors is
located by least squares on the detectors' mean bearings, with its Cramér–Rao
covariance (:func:`skyscreen.models.rf.triangulate`): the ``ground_stations`` table,
one row per rf_link drone per replication. Drones flying by GNSS or autonomously
emit nothing the detectors hear.

Draws, from each detector's stream: two uniforms per (replication, drone, look), the
downlink's look and the uplink's (counter 2·look and 2·look + 1), and two per
(replication, drone) for the mean bearing's noise (Box-Muller; counter 2³² − 2 and
2³² − 1). The received power is :func:`skyscreen.models.jammer.friis_received_power_w`,
the ufunc :func:`skyscreen.models.rf.rf_received_power_w` also calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import Placed
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.rng import Purpose, draw, stream_keys, uniform
from skyscreen.engine.state import ChunkState
from skyscreen.models import radar as radar_model
from skyscreen.models import rf as rf_model
from skyscreen.models.jammer import friis_received_power_w
from skyscreen.scenario.kinds import RFDetectorParams
from skyscreen.scenario.params import GUIDANCE, ScenarioParams

__all__ = [
    "GROUND_STATION_HEIGHT_M",
    "RF_DETECTOR",
    "RFDetectorKind",
    "RFDetectorState",
]

_PURPOSE = int(Purpose.RF_DETECTOR)
_RF = GUIDANCE.index("rf_link")
GROUND_STATION_HEIGHT_M = 2.0
"""Height of a ground station's antenna above the ground (m)."""
SPEED_OF_LIGHT = rf_model.SPEED_OF_LIGHT_MPS
_NOISE_INDEX = 2**32 - 2
"""Counter index of the two uniforms of a mean bearing's noise (after every look's)."""


@dataclass(slots=True, eq=False)
class RFDetectorState:
    """RF detectors' state: R replications, D drones, Q detectors.

    Attributes
    ----------
    look_no : int (n_steps, Q)
        Each detector's look number in each step (-1: no look).
    keys : int (Q, 2)
        Each detector's random stream key.
    heard_s : float (R, D, Q)
        When each detector first heard each drone's downlink (NaN: never).
    n_bearings : int (R, D, Q)
        Bearings taken.
    """

    look_no: IntArray
    keys: IntArray
    heard_s: FloatArray
    n_bearings: IntArray


class RFDetectorKind:
    """The passive RF detector sensor kind (see the module docstring)."""

    name = "rf_detector"
    purpose = _PURPOSE

    def params_of(self, p: ScenarioParams) -> RFDetectorParams:
        """The scenario's RF detectors."""
        block: RFDetectorParams = p.sensors[self.name]
        return block

    def init(self, pl: Placed, n_rep: int, seed: int) -> RFDetectorState:
        """Look numbers and stream keys; nothing heard yet."""
        p = pl.scenario
        rp: RFDetectorParams = pl.params
        looks = tick_numbers(rp.look_period_s, p.n_steps, p.dt_s, p.duration_s)
        keys = stream_keys(seed, _PURPOSE, rp.ids)
        shape = (n_rep, p.drones.n, rp.n)
        return RFDetectorState(
            look_no=looks,
            keys=keys,
            heard_s=np.full(shape, np.nan),
            n_bearings=np.zeros(shape, dtype=np.int64),
        )

    def sense(
        self,
        pl: Placed,
        kst: RFDetectorState,
        st: ChunkState,
        step: int,
        t0: float,
        t1: float,
        k: IntArray,
        cue: AirPicture | None,
        ev: Events | None = None,
    ) -> tuple[BoolArray, IntArray] | None:
        """Detectors looking in step ``step`` hear links and take bearings."""
        rp: RFDetectorParams = pl.params
        look = kst.look_no[step]
        if rp.n == 0 or (look < 0).all() or len(k) == 0:
            return None
        dr = pl.scenario.drones
        n_rep, n_d = st.status.shape
        emits = np.zeros((n_rep, n_d), dtype=np.bool_)
        flat = emits.reshape(-1)
        flat[k] = True
        emits &= (dr.guidance == _RF)[None, :] & ~st.link_lost
        unit = np.full((n_rep, n_d), -1, dtype=np.int64)
        if emits.any():
            ident = np.zeros((n_rep, n_d), dtype=np.bool_)
            _look(
                look,
                rp.pos_m,
                rp.sensitivity_w,
                rp.gain,
                rp.pd_per_look,
                rp.range_max_m,
                rp.classify_time_s,
                float(t1),
                kst.keys,
                st.reps,
                st.drone_key,
                emits,
                st.pos_m,
                st.home_m,
                dr.downlink_eirp_w,
                dr.link_eirp_w,
                dr.link_frequency_hz,
                kst.heard_s,
                kst.n_bearings,
                st.t_identified_s,
                st.id_sensor,
                pl.unit,
                unit,
                ident,
            )
            if ev is not None and ident.any():
                r, d = np.nonzero(ident)
                ev.add("identify", r, t1, d, st.id_sensor[r, d], st.pos_m[r, d])
        u = unit.reshape(-1)[k]
        return u >= 0, u

    def tables(
        self, pl: Placed, kst: RFDetectorState, st: ChunkState
    ) -> dict[str, dict[str, Any]]:
        """The ``ground_stations`` rows: each rf_link drone's ground-station fix."""
        rp: RFDetectorParams = pl.params
        dr = pl.scenario.drones
        rf = np.flatnonzero(dr.guidance == _RF)
        if rp.n == 0 or len(rf) == 0:
            return {}
        n = kst.n_bearings[:, rf]  # (R, Drf, Q)
        has = n > 0
        # The mean of n bearings: the true bearing plus N(0, σ²/n).
        truth = st.home_m[:, rf]
        rel = truth[:, :, None, :2] - rp.pos_m[None, None, :, :2]
        z = np.empty(n.shape)
        reps = np.repeat(st.reps, len(rf))
        dkey = np.tile(st.drone_key[rf], (st.n_rep, 1))
        for q in range(rp.n):
            u = draw(tuple(kst.keys[q]), reps, dkey, _NOISE_INDEX, n=2)
            box = np.sqrt(-2.0 * np.log1p(-u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])
            z[..., q] = box.reshape(st.n_rep, len(rf))
        sigma = rp.bearing_sigma_rad / np.sqrt(np.maximum(n, 1))
        theta = np.arctan2(rel[..., 1], rel[..., 0]) + sigma * z
        # A noise-free detector (sigma 0) still needs a positive weight.
        sigma = np.maximum(sigma, 1e-9)
        xy = np.broadcast_to(rp.pos_m[:, :2], (*n.shape[:2], rp.n, 2))
        est, cov, ok = rf_model.triangulate(xy, theta, sigma, valid=has)
        n_rep = st.n_rep
        return {
            "ground_stations": {
                "replication": np.repeat(st.reps, len(rf)),
                "drone": np.tile(rf, n_rep),
                "detectors": has.sum(axis=-1).ravel(),
                "bearings": n.sum(axis=-1).ravel(),
                "located": ok.ravel(),
                "x_est_m": est[..., 0].ravel(),
                "y_est_m": est[..., 1].ravel(),
                "var_x_m2": cov[..., 0, 0].ravel(),
                "cov_xy_m2": cov[..., 0, 1].ravel(),
                "var_y_m2": cov[..., 1, 1].ravel(),
                "x_true_m": truth[..., 0].ravel(),
                "y_true_m": truth[..., 1].ravel(),
            }
        }


@njit(cache=True)
def _look(
    look: IntArray,
    det_pos: FloatArray,
    sensitivity: FloatArray,
    gain: FloatArray,
    pd_look: FloatArray,
    range_max: FloatArray,
    classify_s: FloatArray,
    t1: float,
    keys: IntArray,
    reps: IntArray,
    dkey: IntArray,
    emits: BoolArray,
    pos: FloatArray,
    home: FloatArray,
    down_eirp: FloatArray,
    up_eirp: FloatArray,
    freq: FloatArray,
    heard: FloatArray,
    n_bearings: IntArray,
    t_ident: FloatArray,
    id_sensor: IntArray,
    sensor_unit: int,
    out_unit: IntArray,
    out_ident: BoolArray,
) -> None:
    """One look of every detector that looks in the step (module docstring, 1-2).

    Two uniforms per (replication, detector, drone, look), counter 2·look + j: the
    downlink's look and the uplink's, which counts a bearing.
    """
    n_rep, n_d = emits.shape
    n_q = det_pos.shape[0]
    for r in range(n_rep):
        for d in range(n_d):
            if not emits[r, d]:
                continue
            lam = SPEED_OF_LIGHT / freq[d]
            for q in range(n_q):
                if look[q] < 0:
                    continue
                qx, qy, qz = det_pos[q, 0], det_pos[q, 1], det_pos[q, 2]
                c = 2 * look[q]
                k0, k1, rep = keys[q, 0], keys[q, 1], reps[r]
                # The drone's downlink.
                dx, dy, dz = pos[r, d, 0] - qx, pos[r, d, 1] - qy, pos[r, d, 2] - qz
                dist = math.sqrt(dx * dx + dy * dy + dz * dz)
                if (
                    dist <= range_max[q]
                    and dist <= radar_model.horizon_range_m(qz, pos[r, d, 2])
                    and friis_received_power_w(down_eirp[d], gain[q], dist, lam)
                    >= sensitivity[q]
                    and uniform(k0, k1, rep, dkey[d, 0], dkey[d, 1], c) < pd_look[q]
                ):
                    if out_unit[r, d] < 0:
                        out_unit[r, d] = q
                    if math.isnan(heard[r, d, q]):
                        heard[r, d, q] = t1
                    if t1 - heard[r, d, q] >= classify_s[q] - 1e-9 and math.isnan(
                        t_ident[r, d]
                    ):
                        t_ident[r, d] = t1
                        id_sensor[r, d] = sensor_unit + q
                        out_ident[r, d] = True
                # The ground station's uplink: a bearing (its noise: tables()).
                gx, gy = home[r, d, 0] - qx, home[r, d, 1] - qy
                gz = GROUND_STATION_HEIGHT_M - qz
                dist = math.sqrt(gx * gx + gy * gy + gz * gz)
                if (
                    dist <= range_max[q]
                    and dist <= radar_model.horizon_range_m(qz, GROUND_STATION_HEIGHT_M)
                    and friis_received_power_w(up_eirp[d], gain[q], dist, lam)
                    >= sensitivity[q]
                    and uniform(k0, k1, rep, dkey[d, 0], dkey[d, 1], c + 1) < pd_look[q]
                ):
                    n_bearings[r, d, q] += 1


RF_DETECTOR = RFDetectorKind()
"""The registered RF detector kind."""
