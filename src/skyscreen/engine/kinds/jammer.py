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
def _js_sums(
    pos: FloatArray,
    home: FloatArray,
    link_exposed: BoolArray,
    gnss_exposed: BoolArray,
    j_pos: FloatArray,
    azimuth: FloatArray,
    half_sector: FloatArray,
    range_max: FloatArray,
    jams_link: BoolArray,
    jams_gnss: BoolArray,
    eirp: FloatArray,
    link_eirp: FloatArray,
    gnss_signal: FloatArray,
    out_link: FloatArray,
    out_link_who: IntArray,
    out_gnss: FloatArray,
    out_gnss_who: IntArray,
) -> None:
    """Summed J/S of every exposed drone over the jammers that reach it (R, D).

    Link J/S (:func:`~skyscreen.models.jammer.link_js_ratio`) for ``link_exposed``
    drones over the link-mode jammers, GNSS J/S (the Friis power at L1 over the
    signal) for ``gnss_exposed`` ones over the GNSS-mode jammers; a jammer reaches a
    drone within its range and sector. ``*_who``: the jammer with the largest share
    (the first of equals; 0 where none).
    """
    n_r, n_d = link_exposed.shape
    for r in range(n_r):
        for d in range(n_d):
            le, ge = link_exposed[r, d], gnss_exposed[r, d]
            out_link[r, d] = 0.0
            out_gnss[r, d] = 0.0
            out_link_who[r, d] = 0
            out_gnss_who[r, d] = 0
            if not (le or ge):
                continue
            cx = pos[r, d, 0] - home[r, d, 0]
            cy = pos[r, d, 1] - home[r, d, 1]
            cz = pos[r, d, 2] - home[r, d, 2]
            d_c = math.sqrt(cx * cx + cy * cy + cz * cz)
            best_l = 0.0
            best_g = 0.0
            for k in range(j_pos.shape[0]):
                rx = pos[r, d, 0] - j_pos[k, 0]
                ry = pos[r, d, 1] - j_pos[k, 1]
                rz = pos[r, d, 2] - j_pos[k, 2]
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
                    out_link[r, d] += js
                    if js > best_l:
                        best_l = js
                        out_link_who[r, d] = k
                if ge and jams_gnss[k]:
                    js = (
                        jammer_model.friis_received_power_w(
                            eirp[k], 1.0, d_j, jammer_model.GNSS_L1_WAVELENGTH_M
                        )
                        / gnss_signal[d]
                    )
                    out_gnss[r, d] += js
                    if js > best_g:
                        best_g = js
                        out_gnss_who[r, d] = k


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
        flying = st.status == FLYING
        guidance = dr.guidance[None, :]
        # A mode no jammer radiates exposes nobody (and costs no geometry below).
        link_exposed = flying & (guidance == _RF) & ~st.link_lost & j.jams_link.any()
        gnss_exposed = (
            flying
            & (guidance == _GNSS)
            & np.isnan(st.t_gnss_lost_s)
            & j.jams_gnss.any()
        )
        link_any, gnss_any = bool(link_exposed.any()), bool(gnss_exposed.any())
        if not (link_any or gnss_any):
            return None
        shape = link_exposed.shape
        link_js, gnss_js = np.empty(shape), np.empty(shape)
        link_who = np.empty(shape, dtype=np.int64)
        gnss_who = np.empty(shape, dtype=np.int64)
        _js_sums(
            st.pos_m,
            st.home_m,
            link_exposed,
            gnss_exposed,
            j.pos_m,
            j.azimuth_rad,
            j.half_sector_rad,
            j.range_max_m,
            j.jams_link,
            j.jams_gnss,
            j.eirp_w,
            dr.link_eirp_w,
            dr.gnss_signal_w,
            link_js,
            link_who,
            gnss_js,
            gnss_who,
        )
        if gnss_any:
            self._jam_gnss(pl, st, gnss_js, gnss_who, gnss_exposed, t1, ev)
        if not link_any:
            return None
        return self._jam_links(pl, kst, st, link_js, link_who, link_exposed, t0, t1, ev)

    def _jam_gnss(
        self,
        pl: Placed,
        st: ChunkState,
        total: FloatArray,
        who: IntArray,
        exposed: BoolArray,
        t1: float,
        ev: Events | None,
    ) -> None:
        """GNSS fixes lost at ``t1``: summed J/S at or above each drone's threshold."""
        dr = pl.scenario.drones
        lost = exposed & (total >= dr.gnss_js_threshold[None, :])
        if not lost.any():
            return
        st.t_gnss_lost_s[lost] = t1
        if ev is not None:
            r, d = np.nonzero(lost)
            ev.add("gnss_lost", r, t1, d, who[r, d] + pl.unit, st.pos_m[r, d])

    def _jam_links(
        self,
        pl: Placed,
        kst: JammerState,
        st: ChunkState,
        total: FloatArray,
        share: IntArray,
        exposed: BoolArray,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """Links lost at ``t1``; the soft-kill times and jammers (see :meth:`act`)."""
        dr = pl.scenario.drones
        above = exposed & (total >= dr.link_js_threshold[None, :])
        start = np.maximum(st.t_launch_s, t0)
        kst.jam_s[...] = np.where(above, kst.jam_s + (t1 - start), 0.0)
        lost = above & (kst.jam_s >= dr.link_loss_delay_s[None, :])
        if not lost.any():
            return None
        who = share + pl.index
        st.link_lost |= lost
        behaviour = dr.on_link_loss[None, :]
        neutral = lost & ((behaviour == _HOVER) | (behaviour == _RETURN))
        st.status[neutral] = NEUTRALISED
        st.cause[neutral] = _CAUSE
        st.effector[neutral] = who[neutral]
        down = lost & ((behaviour == _LAND) | (behaviour == _CRASH))
        if ev is not None:
            r, d = np.nonzero(lost)
            unit = who[r, d] - pl.index + pl.unit
            ev.add("link_lost", r, t1, d, unit, st.pos_m[r, d])
        return np.where(down, t1, np.inf), who


JAMMER = JammerKind()
"""The registered jammer kind."""
