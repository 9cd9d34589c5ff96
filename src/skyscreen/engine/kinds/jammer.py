"""RF jammers: J/S against rf_link drones' command links and gnss drones' GNSS receivers.

The equations are in :mod:`skyscreen.models.jammer`. A link is lost after J/S stays
above the drone's threshold for its delay; a GNSS fix is lost at the end of the first
step in which J/S is at or above the drone's threshold, and neither is regained. A drone
without its GNSS fix flies on; its inertial drift displaces its impact point
(:mod:`skyscreen.engine.outcomes`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.codes import FLYING, NEUTRALISED, cause_code
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import (
    EffectorBase,
    Placed,
)
from skyscreen.engine.rng import Purpose
from skyscreen.engine.state import ChunkState
from skyscreen.models import jammer as jammer_model
from skyscreen.models import kinematics
from skyscreen.scenario.kinds import JammerParams
from skyscreen.scenario.params import GUIDANCE, LINK_LOSS

__all__ = ["JAMMER", "JammerKind", "JammerState"]

_RF = GUIDANCE.index("rf_link")
_GNSS = GUIDANCE.index("gnss")
_HOVER, _RETURN, _LAND, _CRASH = (
    LINK_LOSS.index(b) for b in ("hover", "return", "land", "crash")
)
_CAUSE = cause_code("jammer")


@dataclass(slots=True, eq=False)
class JammerState:
    """Jamming state.

    Attributes
    ----------
    jam_s : float (R, D)
        How long each drone's J/S has stayed above its link threshold.
    """

    jam_s: FloatArray


@njit(cache=True)
def _jam(
    status: IntArray,
    guidance: IntArray,
    link_lost: BoolArray,
    t_gnss_lost: FloatArray,
    t_launch: FloatArray,
    pos: FloatArray,
    home: FloatArray,
    jam_s: FloatArray,
    j_pos: FloatArray,
    azimuth: FloatArray,
    half_sector: FloatArray,
    range_max: FloatArray,
    jams_link: BoolArray,
    jams_gnss: BoolArray,
    eirp: FloatArray,
    link_eirp: FloatArray,
    gnss_signal: FloatArray,
    link_threshold: FloatArray,
    gnss_threshold: FloatArray,
    link_delay: FloatArray,
    t0: float,
    t1: float,
    out_gnss: IntArray,
    out_link: IntArray,
) -> tuple[int, int]:
    """One step of jamming over the chunk.

    Arrays are flat over (R·D); ``guidance`` and the drones' constants over D. A
    flying drone is exposed to the link-mode jammers if it flies on an rf_link and
    still has its link, to the GNSS-mode ones if it flies on GNSS and still has its
    fix. Its J/S is summed over the jammers that reach it (range and sector):
    :func:`~skyscreen.models.jammer.link_js_ratio` on the link, the Friis power at
    L1 over the signal on GNSS; the jammer with the largest share is the first of
    equals (0 where none). Then:

    - GNSS: a fix is lost at ``t1`` where J/S is at or above the threshold
      (``t_gnss_lost`` written);
    - link, only if some drone of the chunk is exposed on its link: ``jam_s`` grows
      by the step's flight time where J/S is at or above the threshold and is 0
      elsewhere; a link is lost where it reaches the drone's delay.

    Writes the lost drones, in flat order, as (flat index, jammer) pairs into
    ``out_gnss`` and ``out_link`` (2, R·D); returns how many of each, or (-1, -1)
    when no drone is exposed to either (nothing written). One pass over the chunk
    where the NumPy form made a dozen (R, D) temporaries.
    """
    n_d = guidance.shape[0]
    link_mode, gnss_mode = jams_link.any(), jams_gnss.any()
    link_any, gnss_any = False, False
    for j in range(status.shape[0]):
        if status[j] != FLYING:
            continue
        g = guidance[j % n_d]
        if link_mode and g == _RF and not link_lost[j]:
            link_any = True
        if gnss_mode and g == _GNSS and math.isnan(t_gnss_lost[j]):
            gnss_any = True
        if (link_any or not link_mode) and (gnss_any or not gnss_mode):
            break
    if not (link_any or gnss_any):
        return -1, -1
    n_gnss, n_link = 0, 0
    for j in range(status.shape[0]):
        d = j % n_d
        flying = status[j] == FLYING
        le = link_any and flying and guidance[d] == _RF and not link_lost[j]
        ge = gnss_any and flying and guidance[d] == _GNSS and math.isnan(t_gnss_lost[j])
        sum_l, sum_g = 0.0, 0.0
        who_l, who_g = 0, 0
        if le or ge:
            cx = pos[j, 0] - home[j, 0]
            cy = pos[j, 1] - home[j, 1]
            cz = pos[j, 2] - home[j, 2]
            d_c = math.sqrt(cx * cx + cy * cy + cz * cz)
            best_l, best_g = 0.0, 0.0
            for k in range(j_pos.shape[0]):
                rx = pos[j, 0] - j_pos[k, 0]
                ry = pos[j, 1] - j_pos[k, 1]
                rz = pos[j, 2] - j_pos[k, 2]
                d_j = math.sqrt(rx * rx + ry * ry + rz * rz)
                if d_j > range_max[k]:
                    continue
                if (
                    half_sector[k] < math.pi
                    and abs(kinematics.wrap_angle(math.atan2(ry, rx) - azimuth[k]))
                    > half_sector[k]
                ):
                    continue
                if le and jams_link[k]:
                    js = jammer_model.link_js_ratio(eirp[k], link_eirp[d], d_c, d_j)
                    sum_l += js
                    if js > best_l:
                        best_l = js
                        who_l = k
                if ge and jams_gnss[k]:
                    js = (
                        jammer_model.friis_received_power_w(
                            eirp[k], 1.0, d_j, jammer_model.GNSS_L1_WAVELENGTH_M
                        )
                        / gnss_signal[d]
                    )
                    sum_g += js
                    if js > best_g:
                        best_g = js
                        who_g = k
        if ge and sum_g >= gnss_threshold[d]:
            t_gnss_lost[j] = t1
            out_gnss[0, n_gnss] = j
            out_gnss[1, n_gnss] = who_g
            n_gnss += 1
        if link_any:
            above = le and sum_l >= link_threshold[d]
            if above:
                # Launch times are finite, so max is np.maximum here.
                jam_s[j] = jam_s[j] + (t1 - max(t_launch[j], t0))
                if jam_s[j] >= link_delay[d]:
                    out_link[0, n_link] = j
                    out_link[1, n_link] = who_l
                    n_link += 1
            else:
                jam_s[j] = 0.0
    return n_gnss, n_link


class JammerKind(EffectorBase):
    """The RF jammer effector kind (an area effect, not assigned)."""

    name = "jammer"
    purpose = int(Purpose.JAMMER)

    def init(self, pl: Placed, n_rep: int, seed: int) -> JammerState:
        """No drone jammed yet."""
        return JammerState(jam_s=np.zeros((n_rep, pl.scenario.drones.n)))

    def in_envelope(self, pl: Placed, unit: IntArray, pos_m: FloatArray) -> BoolArray:
        """Whether points (N, 3) lie within range and sector of jammers ``unit``."""
        j: JammerParams = pl.params
        rel = pos_m - j.pos_m[unit]
        bearing = np.arctan2(rel[:, 1], rel[:, 0])
        in_sector = (
            np.abs(kinematics.wrap_angle(bearing - j.azimuth_rad[unit]))
            <= j.half_sector_rad[unit]
        ) | (j.half_sector_rad[unit] >= np.pi)
        return np.asarray(
            in_sector & (np.linalg.norm(rel, axis=-1) <= j.range_max_m[unit])
        )

    def cost(self, pl: Placed, kst: JammerState) -> FloatArray:
        """Jamming costs nothing per use in this version (R, J)."""
        return np.zeros((kst.jam_s.shape[0], pl.n))

    def act(
        self,
        pl: Placed,
        kst: JammerState,
        st: ChunkState,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """Jam links and GNSS; the time of a soft kill in the step and its jammer.

        Link jamming: drones that hover or return on link loss are neutralised at
        once; those that land or crash are down at ``t1`` (the outcomes stage orders
        it). GNSS jamming: a gnss drone whose J/S reaches its threshold loses its fix
        at ``t1`` (``st.t_gnss_lost_s``) and flies on; no soft kill.
        """
        j: JammerParams = pl.params
        dr = pl.scenario.drones
        if j.n == 0:
            return None
        n = st.status.size
        lost_gnss = np.empty((2, n), dtype=np.int64)
        lost_link = np.empty((2, n), dtype=np.int64)
        n_gnss, n_link = _jam(
            st.status.reshape(-1),
            dr.guidance,
            st.link_lost.reshape(-1),
            st.t_gnss_lost_s.reshape(-1),
            st.t_launch_s.reshape(-1),
            st.pos_m.reshape(-1, 3),
            st.home_m.reshape(-1, 3),
            kst.jam_s.reshape(-1),
            j.pos_m,
            j.azimuth_rad,
            j.half_sector_rad,
            j.range_max_m,
            j.jams_link,
            j.jams_gnss,
            j.eirp_w,
            dr.link_eirp_w,
            dr.gnss_signal_w,
            dr.link_js_threshold,
            dr.gnss_js_threshold,
            dr.link_loss_delay_s,
            float(t0),
            float(t1),
            lost_gnss,
            lost_link,
        )
        n_d = dr.n
        if n_gnss > 0 and ev is not None:
            flat, who = lost_gnss[:, :n_gnss]
            r, d = flat // n_d, flat % n_d
            ev.add("gnss_lost", r, t1, d, who + pl.unit, st.pos_m[r, d])
        if n_link <= 0:
            return None
        flat, who = lost_link[:, :n_link]
        r, d = flat // n_d, flat % n_d
        st.link_lost[r, d] = True
        behaviour = dr.on_link_loss[d]
        neutral = (behaviour == _HOVER) | (behaviour == _RETURN)
        rn, dn = r[neutral], d[neutral]
        st.status[rn, dn] = NEUTRALISED
        st.cause[rn, dn] = _CAUSE
        st.effector[rn, dn] = who[neutral] + pl.index
        down = (behaviour == _LAND) | (behaviour == _CRASH)
        if ev is not None:
            ev.add("link_lost", r, t1, d, who + pl.unit, st.pos_m[r, d])
        # Only the drones brought down need a time and a jammer: the outcomes stage
        # reads the jammer where the time is the earliest.
        t_down = np.full(st.status.shape, np.inf)
        by = np.full(st.status.shape, -1, dtype=np.int64)
        t_down[r[down], d[down]] = t1
        by[r[down], d[down]] = who[down] + pl.index
        return t_down, by


JAMMER = JammerKind()
"""The registered jammer kind."""
