"""RF jammers: J/S against rf_link drones' command links and gnss drones' GNSS receivers.

The equations are in :mod:`skyscreen.models.jammer`. A link is lost after J/S stays
above the drone's threshold for its delay; a GNSS fix is lost at the end of the first
step in which J/S is at or above the drone's threshold, and neither is regained. A drone
without its GNSS fix flies on; its inertial drift displaces its impact point
(:mod:`skyscreen.engine.outcomes`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
        rel = st.pos_m[:, :, None, :] - j.pos_m[None, None, :, :]  # (R, D, J, 3)
        d_j = np.linalg.norm(rel, axis=-1)
        bearing = np.arctan2(rel[..., 1], rel[..., 0])
        in_sector = (
            np.abs(kinematics.wrap_angle(bearing - j.azimuth_rad)) <= j.half_sector_rad
        ) | (j.half_sector_rad >= np.pi)
        reach = in_sector & (d_j <= j.range_max_m)
        if gnss_any:
            self._jam_gnss(pl, st, d_j, reach & j.jams_gnss, gnss_exposed, t1, ev)
        if not link_any:
            return None
        return self._jam_links(
            pl, kst, st, d_j, reach & j.jams_link, link_exposed, t0, t1, ev
        )

    def _jam_gnss(
        self,
        pl: Placed,
        st: ChunkState,
        d_j: FloatArray,
        reach: BoolArray,
        exposed: BoolArray,
        t1: float,
        ev: Events | None,
    ) -> None:
        """GNSS fixes lost at ``t1``: summed J/S at or above each drone's threshold."""
        j: JammerParams = pl.params
        dr = pl.scenario.drones
        js = (
            jammer_model.gnss_js_ratio(
                j.eirp_w, 1.0, d_j, dr.gnss_signal_w[None, :, None]
            )
            * reach
        )
        lost = exposed & (js.sum(axis=-1) >= dr.gnss_js_threshold[None, :])
        if not lost.any():
            return
        st.t_gnss_lost_s[lost] = t1
        if ev is not None:
            r, d = np.nonzero(lost)
            unit = np.argmax(js[r, d], axis=-1) + pl.unit
            ev.add("gnss_lost", r, t1, d, unit, st.pos_m[r, d])

    def _jam_links(
        self,
        pl: Placed,
        kst: JammerState,
        st: ChunkState,
        d_j: FloatArray,
        reach: BoolArray,
        exposed: BoolArray,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """Links lost at ``t1``; the soft-kill times and jammers (see :meth:`act`)."""
        j: JammerParams = pl.params
        dr = pl.scenario.drones
        d_c = np.linalg.norm(st.pos_m - st.home_m, axis=-1)[..., None]
        js = (
            jammer_model.link_js_ratio(
                j.eirp_w, dr.link_eirp_w[None, :, None], d_c, d_j
            )
            * reach
        )
        total = js.sum(axis=-1)
        above = exposed & (total >= dr.link_js_threshold[None, :])
        start = np.maximum(st.t_launch_s, t0)
        kst.jam_s[...] = np.where(above, kst.jam_s + (t1 - start), 0.0)
        lost = above & (kst.jam_s >= dr.link_loss_delay_s[None, :])
        if not lost.any():
            return None
        who = np.argmax(js, axis=-1) + pl.index
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
