"""RF-link jammers: J/S against each rf_link drone's command link (models/jammer.py).

The link is lost after J/S stays above the drone's threshold for its delay.
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
    """The RF-link jammer effector kind (an area effect, not assigned)."""

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
        """Jam rf_link drones; the time of a soft kill in the step and its jammer.

        Drones that hover or return on link loss are neutralised at once; those that
        land or crash are down at ``t1`` (the outcomes stage orders it).
        """
        j: JammerParams = pl.params
        dr = pl.scenario.drones
        if j.n == 0:
            return None
        exposed = (st.status == FLYING) & (dr.guidance[None, :] == _RF) & ~st.link_lost
        if not exposed.any():
            return None
        rel = st.pos_m[:, :, None, :] - j.pos_m[None, None, :, :]  # (R, D, J, 3)
        d_j = np.linalg.norm(rel, axis=-1)
        bearing = np.arctan2(rel[..., 1], rel[..., 0])
        in_sector = (
            np.abs(kinematics.wrap_angle(bearing - j.azimuth_rad)) <= j.half_sector_rad
        ) | (j.half_sector_rad >= np.pi)
        in_range = d_j <= j.range_max_m
        d_c = np.linalg.norm(st.pos_m - st.home_m, axis=-1)[..., None]
        js = jammer_model.link_js_ratio(
            j.eirp_w, dr.link_eirp_w[None, :, None], d_c, d_j
        ) * (in_sector & in_range)
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
