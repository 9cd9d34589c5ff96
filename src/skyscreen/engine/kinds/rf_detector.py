r"""Passive RF detectors: hear rf_link drones and their ground stations, take bearings.

Each look (every ``look_period_s``), per detector and replication, for every airborne
``rf_link`` drone whose link still works (a jammed link is silent):

1. **The drone's downlink.** Heard when its received power
   :math:`P_t G_r (\lambda/4\pi d)^2` (:func:`skyscreen.models.rf.rf_received_power_w`,
   the drone's ``downlink_eirp_w`` at its ``link_frequency_hz``) reaches the
   detector's sensitivity, within ``range_max_m`` and the 4/3-earth horizon, and the
   look catches it (``pd_per_look``). The drone is detected (it enters the air
   picture like a radar's detection; the tracked fidelity will use the bearing
   alone). A detector that has heard a drone's link for ``classify_time_s`` since it
   first heard it classifies it as a drone's: the drone is identified.
2. **The ground station's uplink** (``link_eirp_w`` from the launch point, antenna
   2 m above the ground): heard under the same rule, it gives a bearing with
   Gaussian noise of ``bearing_sigma_deg``. Bearings of one detector to one ground
   station are averaged (circular mean; the mean of n bearings has σ/√n).

At the end of the run, every ground station heard by two or more detectors is
located by least squares on the detectors' mean bearings, with its Cramér–Rao
covariance (:func:`skyscreen.models.rf.triangulate`): the ``ground_stations`` table,
one row per rf_link drone per replication. Drones flying by GNSS or autonomously
emit nothing the detectors hear.

Draws: three uniforms per (replication, detector, drone, look): the downlink's look,
the uplink's look and the bearing noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import Placed
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.rng import Purpose, draw, stream_key
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
    sin_sum, cos_sum : float (R, D, Q)
        Sums of the sines and cosines of the bearings to each drone's ground station.
    n_bearings : int (R, D, Q)
        Bearings taken.
    """

    look_no: IntArray
    keys: IntArray
    heard_s: FloatArray
    sin_sum: FloatArray
    cos_sum: FloatArray
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
        keys = np.array(
            [stream_key(seed, _PURPOSE, i) for i in rp.ids], dtype=np.int64
        ).reshape(-1, 2)
        shape = (n_rep, p.drones.n, rp.n)
        return RFDetectorState(
            look_no=looks,
            keys=keys,
            heard_s=np.full(shape, np.nan),
            sin_sum=np.zeros(shape),
            cos_sum=np.zeros(shape),
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
        n_d = dr.n
        rk, dk = k // n_d, k % n_d
        hit = np.zeros(len(k), dtype=bool)
        unit = np.full(len(k), -1, dtype=np.int64)
        emits = (dr.guidance[dk] == _RF) & ~st.link_lost[rk, dk]
        ie = np.flatnonzero(emits)
        if len(ie) == 0:
            return hit, unit
        r, d = rk[ie], dk[ie]
        pos = st.pos_m[r, d]
        gcs = st.home_m[r, d].copy()
        gcs[:, 2] = GROUND_STATION_HEIGHT_M
        freq = dr.link_frequency_hz[d]
        for q in range(rp.n):
            if look[q] < 0:
                continue
            u = draw(
                tuple(kst.keys[q]),
                st.reps[r],
                st.drone_key[d],
                3 * int(look[q]),
                n=3,
            )
            down = self._heard(rp, q, pos, dr.downlink_eirp_w[d], freq) & (
                u[:, 0] < rp.pd_per_look[q]
            )
            up = self._heard(rp, q, gcs, dr.link_eirp_w[d], freq) & (
                u[:, 1] < rp.pd_per_look[q]
            )
            # The downlink: a detection, and after classify_time_s an identification.
            hd = ie[down]
            unit[hd[unit[hd] < 0]] = q
            hit[hd] = True
            first = kst.heard_s[r, d, q]
            first = np.where(down & np.isnan(first), t1, first)
            kst.heard_s[r, d, q] = first
            fresh = down & (t1 - first >= rp.classify_time_s[q] - 1e-9)
            fresh &= np.isnan(st.t_identified_s[r, d])
            if fresh.any():
                fr, fd = r[fresh], d[fresh]
                st.t_identified_s[fr, fd] = t1
                st.id_sensor[fr, fd] = pl.unit + q
                if ev is not None:
                    ev.add("identify", fr, t1, fd, pl.unit + q, st.pos_m[fr, fd])
            # The uplink: a noisy bearing to the ground station.
            if up.any():
                rel = gcs[up] - rp.pos_m[q]
                noise = special.ndtri(np.clip(u[up, 2], 1e-12, 1.0 - 1e-12))
                theta = (
                    np.arctan2(rel[:, 1], rel[:, 0]) + rp.bearing_sigma_rad[q] * noise
                )
                ru, du = r[up], d[up]
                kst.sin_sum[ru, du, q] += np.sin(theta)
                kst.cos_sum[ru, du, q] += np.cos(theta)
                kst.n_bearings[ru, du, q] += 1
        return hit, unit

    @staticmethod
    def _heard(
        rp: RFDetectorParams, q: int, src: FloatArray, eirp: Any, freq: Any
    ) -> BoolArray:
        """Whether transmitters at ``src`` (N, 3) reach detector ``q``'s threshold."""
        dist = np.linalg.norm(src - rp.pos_m[q], axis=-1)
        power = friis_received_power_w(
            eirp, rp.gain[q], dist, rf_model.SPEED_OF_LIGHT_MPS / freq
        )
        return np.asarray(
            (power >= rp.sensitivity_w[q])
            & (dist <= rp.range_max_m[q])
            & (dist <= radar_model.horizon_range_m(rp.pos_m[q, 2], src[:, 2]))
        )

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
        theta = np.arctan2(kst.sin_sum[:, rf], kst.cos_sum[:, rf])
        sigma = rp.bearing_sigma_rad / np.sqrt(np.maximum(n, 1))
        # A noise-free detector (sigma 0) still needs a positive weight.
        sigma = np.maximum(sigma, 1e-9)
        xy = np.broadcast_to(rp.pos_m[:, :2], (*n.shape[:2], rp.n, 2))
        est, cov, ok = rf_model.triangulate(xy, theta, sigma, valid=has)
        n_rep = st.n_rep
        truth = st.home_m[:, rf]
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


RF_DETECTOR = RFDetectorKind()
"""The registered RF detector kind."""
