"""EO/IR cameras: slew to a cue, detect within the field of view, identify what they hold.

Each look (every ``look_period_s``), per camera and replication, in this order:

1. **Tasking.** A camera keeps the picture entry it holds while that entry is in the
   air picture, unidentified and within its ``range_max_m``. Otherwise it takes the
   unidentified entry of highest threat value (:func:`skyscreen.c2.threat.threat_values`)
   within its ``range_max_m`` that no other camera has taken (cameras choose in
   scenario order); with none, it searches. Before the first decision cycle there is
   no picture: every camera searches.
2. **Pointing.** The mount turns at most ``slew_rate_deg_s`` × the look period toward
   its entry: toward the entry's picture position, or, once the camera holds the
   drone (has seen it within identification range), toward the drone itself, which
   its video tracker keeps centred. A searching camera sweeps the horizon at its slew
   rate.
3. **Detection.** Every airborne drone inside the horizontal field of view, within
   ``range_max_m`` and above the (4/3-earth) horizon is detected with the per-look
   probability 1/(1 + (R/R50)^k) (:func:`skyscreen.models.eoir.eoir_pd`), R50 for the
   time of day capped by the visibility (compiled). One draw per (replication,
   camera, drone, look). Detections feed the air picture like a radar's (the camera's
   laser rangefinder gives the range); its angle noise is for the tracked fidelity.
4. **Identification.** The camera *holds* its entry from the first look that detects
   the drone within ``identify_range_m``; a look that misses it keeps the hold, but
   the drone leaving the field of view or the identification range, or the camera
   taking another entry, ends it. A drone detected by the camera that holds it, at
   least the doctrine's ``identify_time_s`` after the hold began, is identified
   (``t_identified_s``, ``id_sensor``; an ``identify`` event), and the camera is free
   for the next entry.

Sources: MODELS.md (Sensors, EO/IR); Vollmerhausen & Jacobs (2004), *The Targeting
Task Performance (TTP) Metric*, for the detection form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.c2.threat import threat_values
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import Placed
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.rng import Purpose, draw, stream_key
from skyscreen.engine.state import ChunkState
from skyscreen.models import eoir
from skyscreen.models import radar as radar_model
from skyscreen.scenario.kinds import CameraParams
from skyscreen.scenario.params import ScenarioParams

__all__ = ["CAMERA", "CameraKind", "CameraState"]

_PURPOSE = int(Purpose.CAMERA)


@dataclass(slots=True, eq=False)
class CameraState:
    """Cameras' state: R replications, C cameras.

    Attributes
    ----------
    look_no : int (n_steps, C)
        Each camera's look number in each step (-1: no look); the draws' counter.
    keys : int (C, 2)
        Each camera's random stream key.
    azimuth_rad : float (R, C)
        Where each camera points (math angle).
    task : int (R, C)
        The picture entry each camera is on (-1: searching).
    hold_t0_s : float (R, C)
        When the camera began to hold its entry (NaN: not holding).
    """

    look_no: IntArray
    keys: IntArray
    azimuth_rad: FloatArray
    task: IntArray
    hold_t0_s: FloatArray


def _wrap(a: FloatArray) -> FloatArray:
    return np.asarray((a + np.pi) % (2.0 * np.pi) - np.pi)


class CameraKind:
    """The EO/IR camera sensor kind (see the module docstring)."""

    name = "camera"
    purpose = _PURPOSE

    def params_of(self, p: ScenarioParams) -> CameraParams:
        """The scenario's cameras."""
        cams: CameraParams = p.sensors[self.name]
        return cams

    def init(self, pl: Placed, n_rep: int, seed: int) -> CameraState:
        """Look numbers, stream keys; every camera at its initial azimuth, searching."""
        p = pl.scenario
        cp: CameraParams = pl.params
        looks = tick_numbers(cp.look_period_s, p.n_steps, p.dt_s, p.duration_s)
        keys = np.array(
            [stream_key(seed, _PURPOSE, i) for i in cp.ids], dtype=np.int64
        ).reshape(-1, 2)
        return CameraState(
            look_no=looks,
            keys=keys,
            azimuth_rad=np.broadcast_to(cp.azimuth_rad, (n_rep, cp.n)).copy(),
            task=np.full((n_rep, cp.n), -1, dtype=np.int64),
            hold_t0_s=np.full((n_rep, cp.n), np.nan),
        )

    def sense(
        self,
        pl: Placed,
        kst: CameraState,
        st: ChunkState,
        step: int,
        t0: float,
        t1: float,
        k: IntArray,
        cue: AirPicture | None,
        ev: Events | None = None,
    ) -> tuple[BoolArray, IntArray] | None:
        """Cameras looking in step ``step`` task, slew, detect and identify."""
        cp: CameraParams = pl.params
        look = kst.look_no[step]
        if cp.n == 0 or (look < 0).all():
            return None
        n_rep, n_d = st.status.shape
        rk, dk = k // n_d, k % n_d
        hit = np.zeros(len(k), dtype=bool)
        unit = np.full(len(k), -1, dtype=np.int64)
        rows = np.arange(n_rep)
        ident_time = pl.scenario.doctrine.identify_time_s
        for q in range(cp.n):
            if look[q] < 0:
                continue
            step_rad = float(cp.slew_rate_rad_s[q] * cp.look_period_s[q])
            self._task(pl, kst, st, q, cue)
            task = kst.task[:, q]
            on = task >= 0
            # Pointing: toward the held drone, else the entry's picture position.
            aim = kst.azimuth_rad[:, q].copy()
            if on.any() and cue is not None:
                r_on = rows[on]
                drone = cue.drone[r_on, task[on]]
                holding = ~np.isnan(kst.hold_t0_s[r_on, q])
                target = np.where(
                    holding[:, None],
                    st.pos_m[r_on, drone],
                    cue.pos_m[r_on, task[on]],
                )
                rel = target - cp.pos_m[q]
                want = np.arctan2(rel[:, 1], rel[:, 0])
                turn = _wrap(want - aim[on])
                aim[on] = aim[on] + np.clip(turn, -step_rad, step_rad)
            aim[~on] = aim[~on] + step_rad  # search: sweep the horizon
            kst.azimuth_rad[:, q] = _wrap(aim)
            # Detection of the airborne drones in the field of view.
            rel = st.pos_m[rk, dk] - cp.pos_m[q]
            ground = np.hypot(rel[:, 0], rel[:, 1])
            rng = np.maximum(np.hypot(ground, rel[:, 2]), 1e-3)
            off = _wrap(np.arctan2(rel[:, 1], rel[:, 0]) - kst.azimuth_rad[rk, q])
            view = (
                (np.abs(off) <= cp.half_fov_rad[q])
                & (rng <= cp.range_max_m[q])
                & (rng <= radar_model.horizon_range_m(cp.pos_m[q, 2], rel[:, 2]))
            )
            det = np.zeros(len(k), dtype=bool)
            iv = np.flatnonzero(view)
            if len(iv):
                pd = eoir.eoir_pd(rng[iv], cp.r50_m[q], cp.pd_exponent[q])
                u = draw(
                    tuple(kst.keys[q]),
                    st.reps[rk[iv]],
                    st.drone_key[dk[iv]],
                    int(look[q]),
                )
                det[iv] = u < pd
            unit[det & (unit < 0)] = q
            hit |= det
            if on.any() and cue is not None:
                self._identify(
                    pl, kst, st, q, cue, rk, dk, view, det, rng, t1, ident_time, ev
                )
        return hit, unit

    def _task(
        self,
        pl: Placed,
        kst: CameraState,
        st: ChunkState,
        q: int,
        cue: AirPicture | None,
    ) -> None:
        """Keep or choose camera ``q``'s picture entry (module docstring, step 1)."""
        cp: CameraParams = pl.params
        if cue is None:
            return
        n_rep = st.n_rep
        ident = np.take_along_axis(~np.isnan(st.t_identified_s), cue.drone, axis=1)
        dist = np.linalg.norm(cue.pos_m - cp.pos_m[q], axis=-1)
        cand = cue.valid & ~ident & (dist <= cp.range_max_m[q])
        task = kst.task[:, q]
        rows = np.arange(n_rep)
        keep = (task >= 0) & cand[rows, np.maximum(task, 0)]
        # Entries other cameras are on are taken.
        for o in range(cp.n):
            if o != q:
                other = kst.task[:, o]
                cand[rows[other >= 0], other[other >= 0]] = False
        need = ~keep & cand.any(axis=1)
        new = np.where(keep, task, -1)
        if need.any():
            r = rows[need]
            p = pl.scenario
            with np.errstate(invalid="ignore", divide="ignore"):
                value = threat_values(
                    cue.pos_m[r],
                    cue.vel_mps[r],
                    p.drones.lethal_radius_m[cue.drone[r]],
                    p.assets.pos_m,
                    p.assets.radius_m,
                    p.assets.value_usd,
                    p.doctrine.danger_margin_m,
                    p.doctrine.urgency_tau_s,
                )
            value = np.where(cand[r], value, -np.inf)
            new[r] = np.argmax(value, axis=1)
        changed = new != task
        kst.hold_t0_s[changed, q] = np.nan
        kst.task[:, q] = new

    def _identify(
        self,
        pl: Placed,
        kst: CameraState,
        st: ChunkState,
        q: int,
        cue: AirPicture,
        rk: IntArray,
        dk: IntArray,
        view: BoolArray,
        det: BoolArray,
        rng: FloatArray,
        t1: float,
        ident_time: float,
        ev: Events | None,
    ) -> None:
        """Holds and identifications of camera ``q`` (module docstring, step 4)."""
        cp: CameraParams = pl.params
        n_rep, n_d = st.status.shape
        task = kst.task[:, q]
        on = np.flatnonzero(task >= 0)
        drone = cue.drone[on, task[on]]
        # Where the held drones are among the airborne ones (-1: not airborne).
        index = np.full((n_rep, n_d), -1, dtype=np.int64)
        index[rk, dk] = np.arange(len(rk))
        at = index[on, drone]
        seen = at >= 0
        if len(rk):
            i = np.where(seen, at, 0)
            near = seen & view[i] & (rng[i] <= cp.identify_range_m[q])
            got = near & det[i]
        else:  # nothing airborne: every hold ends
            near = got = np.zeros(len(on), dtype=bool)
        hold = kst.hold_t0_s[on, q]
        hold = np.where(near, hold, np.nan)
        hold = np.where(got & np.isnan(hold), t1, hold)
        done = got & (t1 - hold >= ident_time - 1e-9)
        done &= np.isnan(st.t_identified_s[on, drone])
        kst.hold_t0_s[on, q] = hold
        if not done.any():
            return
        r, d = on[done], drone[done]
        st.t_identified_s[r, d] = t1
        st.id_sensor[r, d] = pl.unit + q
        kst.task[r, q] = -1
        kst.hold_t0_s[r, q] = np.nan
        if ev is not None:
            ev.add("identify", r, t1, d, pl.unit + q, st.pos_m[r, d])


CAMERA = CameraKind()
"""The registered camera kind."""
