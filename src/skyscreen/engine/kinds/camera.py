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
   rate. A replication with nothing airborne is quiet: its cameras do nothing (no
   tasking, no slew, no sweep), so their pointing is the same whether or not the
   engine steps its quiet stretches (which it skips when the whole chunk is quiet).
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

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.c2.threat import entry_threat
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import Measured, Placed, polar_measurements
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.rng import Purpose, stream_keys, uniform
from skyscreen.engine.state import ChunkState
from skyscreen.models import eoir, kinematics
from skyscreen.models import radar as radar_model
from skyscreen.scenario.kinds import CameraParams
from skyscreen.scenario.params import ScenarioParams

__all__ = ["CAMERA", "CameraKind", "CameraState"]

_PURPOSE = int(Purpose.CAMERA)

RANGEFINDER_SIGMA_M = 2.0
"""Range noise (1σ, m) of a camera's laser rangefinder (notional; tracked fidelity)."""


@dataclass(slots=True, eq=False)
class CameraState:
    """Cameras' state: R replications, C cameras.

    Attributes
    ----------
    look_no : int (n_steps, C)
        Each camera's look number in each step (-1: no look); the draws' counter.
    keys : int (C, 2)
        Each camera's random stream key.
    meas_keys : int (C, 2)
        Each camera's measurement-noise stream key (tracked fidelity).
    azimuth_rad : float (R, C)
        Where each camera points (math angle).
    task : int (R, C)
        The picture entry each camera is on (-1: searching).
    hold_t0_s : float (R, C)
        When the camera began to hold its entry (NaN: not holding).
    """

    look_no: IntArray
    keys: IntArray
    meas_keys: IntArray
    azimuth_rad: FloatArray
    task: IntArray
    hold_t0_s: FloatArray


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
        keys = stream_keys(seed, _PURPOSE, cp.ids)
        return CameraState(
            look_no=looks,
            keys=keys,
            meas_keys=stream_keys(seed, int(Purpose.MEASUREMENT), cp.ids),
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
        p = pl.scenario
        n_rep, n_d = st.status.shape
        airborne = np.zeros((n_rep, n_d), dtype=np.bool_)
        airborne.reshape(-1)[k] = True
        unit = np.full((n_rep, n_d), -1, dtype=np.int64)
        ident = np.full((n_rep, cp.n), -1, dtype=np.int64)
        if cue is None:
            has_cue = False
            c_valid = np.zeros((n_rep, 1), dtype=np.bool_)
            c_pos = np.zeros((n_rep, 1, 3))
            c_vel = np.zeros((n_rep, 1, 3))
            c_drone = np.zeros((n_rep, 1), dtype=np.int64)
        else:
            has_cue = True
            c_valid, c_pos, c_vel = cue.valid, cue.pos_m, cue.vel_mps
            c_drone = np.ascontiguousarray(cue.drone)
        _look(
            look,
            cp.pos_m,
            cp.r50_m,
            cp.pd_exponent,
            cp.half_fov_rad,
            cp.range_max_m,
            cp.slew_rate_rad_s * cp.look_period_s,
            cp.identify_range_m,
            float(p.doctrine.identify_time_s),
            float(t1),
            kst.keys,
            st.reps,
            st.drone_key,
            airborne,
            st.pos_m,
            has_cue,
            c_valid,
            c_pos,
            c_vel,
            c_drone,
            p.drones.lethal_radius_m,
            p.assets.pos_m,
            p.assets.radius_m,
            p.assets.value_usd,
            float(p.doctrine.danger_margin_m),
            float(p.doctrine.urgency_tau_s),
            st.t_identified_s,
            st.id_sensor,
            pl.unit,
            kst.azimuth_rad,
            kst.task,
            kst.hold_t0_s,
            unit,
            ident,
        )
        done = ident >= 0
        if ev is not None and done.any():
            r, q = np.nonzero(done)
            d = ident[r, q]
            o = np.lexsort((d, r))
            r, q, d = r[o], q[o], d[o]
            ev.add("identify", r, t1, d, pl.unit + q, st.pos_m[r, d])
        u = unit.reshape(-1)[k]
        return u >= 0, u

    def measure(
        self,
        pl: Placed,
        kst: CameraState,
        st: ChunkState,
        step: int,
        k: IntArray,
        hit: BoolArray,
        unit: IntArray,
    ) -> Measured | None:
        """The step's camera measurements (tracked fidelity).

        Each drone a camera detected in the step (the first camera, as
        :meth:`sense` reports it) is measured in azimuth and elevation with the
        camera's ``bearing_sigma_mrad`` and in range by its laser rangefinder
        (:data:`RANGEFINDER_SIGMA_M`), as a converted polar measurement. Cameras make
        no false alarms, and a camera counts no misses (``covers`` is None): it looks
        only where it points.
        """
        cp: CameraParams = pl.params
        look = kst.look_no[step]
        if cp.n == 0 or (look < 0).all():
            return None
        n_d = st.status.shape[1]
        flat = k[hit]
        q = unit[hit]
        z, zc = polar_measurements(
            st,
            flat,
            q,
            cp.pos_m,
            np.full(cp.n, RANGEFINDER_SIGMA_M),
            cp.bearing_sigma_rad,
            cp.bearing_sigma_rad,
            look,
            kst.meas_keys,
        )
        return Measured(
            rep=flat // n_d,
            unit=pl.unit + q,
            label=flat % n_d,
            z_m=z,
            cov_m2=zc,
        )


@njit(cache=True)
def _look(
    look: IntArray,
    cam_pos: FloatArray,
    r50: FloatArray,
    k_exp: FloatArray,
    half_fov: FloatArray,
    range_max: FloatArray,
    step_rad: FloatArray,
    ident_range: FloatArray,
    ident_time: float,
    t1: float,
    keys: IntArray,
    reps: IntArray,
    dkey: IntArray,
    airborne: BoolArray,
    pos: FloatArray,
    has_cue: bool,
    c_valid: BoolArray,
    c_pos: FloatArray,
    c_vel: FloatArray,
    c_drone: IntArray,
    lethal: FloatArray,
    asset_pos: FloatArray,
    asset_r: FloatArray,
    asset_v: FloatArray,
    margin: float,
    tau: float,
    t_ident: FloatArray,
    id_sensor: IntArray,
    sensor_unit: int,
    az: FloatArray,
    task: IntArray,
    hold: FloatArray,
    out_unit: IntArray,
    out_ident: IntArray,
) -> None:
    """One look of every camera that looks in the step (module docstring, 1-4).

    Per replication r and camera q (in order, so a camera sees the entries the ones
    before it took this look): tasking, pointing, detection of the airborne drones
    (``out_unit[r, d]``: the first camera of the kind that detected drone d) and
    identification (``out_ident[r, q]``: the drone camera q identified, -1: none).
    """
    n_rep, n_d = airborne.shape
    n_c = cam_pos.shape[0]
    n_e = c_valid.shape[1]
    for r in range(n_rep):
        # A replication with nothing airborne is quiet: its cameras neither task,
        # slew nor sweep, as when it runs alone and the engine skips its quiet steps
        # (so a camera's pointing never depends on the other replications of the
        # chunk).
        quiet = True
        for d in range(n_d):
            if airborne[r, d]:
                quiet = False
                break
        if quiet:
            continue
        for q in range(n_c):
            if look[q] < 0:
                continue
            cx, cy, cz = cam_pos[q, 0], cam_pos[q, 1], cam_pos[q, 2]
            # 1. Tasking.
            cur = task[r, q]
            new = -1
            if has_cue:
                if cur >= 0:
                    dx = c_pos[r, cur, 0] - cx
                    dy = c_pos[r, cur, 1] - cy
                    dz = c_pos[r, cur, 2] - cz
                    if (
                        c_valid[r, cur]
                        and math.isnan(t_ident[r, c_drone[r, cur]])
                        and math.sqrt(dx * dx + dy * dy + dz * dz) <= range_max[q]
                    ):
                        new = cur
                if new < 0:
                    best = -np.inf
                    for e in range(n_e):
                        if not c_valid[r, e]:
                            continue
                        d = c_drone[r, e]
                        if not math.isnan(t_ident[r, d]):
                            continue
                        dx = c_pos[r, e, 0] - cx
                        dy = c_pos[r, e, 1] - cy
                        dz = c_pos[r, e, 2] - cz
                        if math.sqrt(dx * dx + dy * dy + dz * dz) > range_max[q]:
                            continue
                        taken = False
                        for o in range(n_c):
                            if o != q and task[r, o] == e:
                                taken = True
                        if taken:
                            continue
                        val, _ = entry_threat(
                            c_pos[r, e, 0],
                            c_pos[r, e, 1],
                            c_vel[r, e, 0],
                            c_vel[r, e, 1],
                            lethal[d],
                            asset_pos,
                            asset_r,
                            asset_v,
                            margin,
                            tau,
                        )
                        if val > best:
                            best = val
                            new = e
            if new != cur:
                hold[r, q] = np.nan
            task[r, q] = new
            # 2. Pointing.
            a = az[r, q]
            held = -1
            if new >= 0:
                held = c_drone[r, new]
                if math.isnan(hold[r, q]):
                    tx, ty = c_pos[r, new, 0], c_pos[r, new, 1]
                else:
                    tx, ty = pos[r, held, 0], pos[r, held, 1]
                turn = kinematics.wrap_angle(math.atan2(ty - cy, tx - cx) - a)
                a += min(max(turn, -step_rad[q]), step_rad[q])
            else:
                a += step_rad[q]
            a = kinematics.wrap_angle(a)
            az[r, q] = a
            # 3. Detection; 4. the hold on the camera's drone.
            near = False
            got = False
            range_max2 = range_max[q] * range_max[q]
            for d in range(n_d):
                if not airborne[r, d]:
                    continue
                rx = pos[r, d, 0] - cx
                ry = pos[r, d, 1] - cy
                rz = pos[r, d, 2] - cz
                r2 = rx * rx + ry * ry + rz * rz
                if r2 > range_max2:  # the cheap test first: most drones are far
                    continue
                rng = max(math.sqrt(r2), 1e-3)
                if abs(kinematics.wrap_angle(math.atan2(ry, rx) - a)) > half_fov[q]:
                    continue
                if rng > radar_model.horizon_range_m(cz, pos[r, d, 2]):
                    continue
                u = uniform(
                    keys[q, 0], keys[q, 1], reps[r], dkey[d, 0], dkey[d, 1], look[q]
                )
                seen = u < eoir.eoir_pd(rng, r50[q], k_exp[q])
                if seen and out_unit[r, d] < 0:
                    out_unit[r, d] = q
                if d == held and rng <= ident_range[q]:
                    near = True
                    got = seen
            if new < 0:
                continue
            if not near:
                hold[r, q] = np.nan
                continue
            if got and math.isnan(hold[r, q]):
                hold[r, q] = t1
            if (
                got
                and t1 - hold[r, q] >= ident_time - 1e-9
                and math.isnan(t_ident[r, held])
            ):
                t_ident[r, held] = t1
                id_sensor[r, held] = sensor_unit + q
                out_ident[r, q] = held
                task[r, q] = -1
                hold[r, q] = np.nan


CAMERA = CameraKind()
"""The registered camera kind."""
