"""Batched engine state: structure of arrays, leading axis = replication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.codes import FLYING, NEUTRALISED

__all__ = ["ChunkState", "full", "nothing"]


@dataclass(slots=True, eq=False)
class ChunkState:
    """Dynamic state of a chunk of replications, updated in place by the stages.

    The buffers belong to :func:`~skyscreen.engine.run_chunk`; stages and kernels write
    into them (STYLE.md: "caller-owned buffers"). Shapes: R replications, D drones, E
    effectors, A assets, S shot slots, L = max waypoints + 1 route points. Status and
    cause codes are in :mod:`skyscreen.engine.codes`.

    Attributes
    ----------
    reps : int (R,)
        Replication ids of the rows.
    seed : int
        The run's root seed.
    drone_key : int (D, 2)
        The counter words naming each drone in its random streams
        (:func:`skyscreen.engine.rng.drone_keys`).
    status : int8 (R, D)
        PENDING, FLYING, NEUTRALISED (link lost, hovering or returning) or terminal.
    pos_m, vel_mps : float (R, D, 3)
        True ENU position (m) and velocity (m/s) at the end of the last step.
    heading_rad, speed_mps : float (R, D)
        Course (math angle) and this drone's cruise speed after jitter.
    route_m : float (R, D, L, 3)
        Waypoints then the aim point (index ``n_waypoints[d]``), per replication.
    wp_idx : int (R, D)
        Current route point.
    diving : bool (R, D)
        In the terminal dive.
    home_m : float (R, D, 3)
        Launch point, also the ground control station of rf_link drones.
    t_launch_s, t_end_s, t_first_detect_s, t_last_detect_s, t_first_shot_s : float (R, D)
        Times (s); NaN (or -inf for last detection) until they happen.
    t_identified_s : float (R, D)
        When the drone was identified as hostile (NaN: not yet).
    id_sensor : int (R, D)
        The sensor (sensor index) that identified it (-1: none).
    cause, effector, target : int (R, D)
        Cause code, effector index that ended the flight (-1 if none), target asset.
    jam_s : float (R, D)
        Time J/S has stayed above the link threshold.
    link_lost : bool (R, D)
    t_gnss_lost_s : float (R, D)
        When a gnss drone lost its GNSS fix to jamming (NaN: never); it flies on
        inertial navigation from then on.
    miss_m : float (R, D)
        A leaker's horizontal distance from its impact point to its aim point (NaN
        for the others).
    pending : int (R, D)
        Shots committed at the drone and not yet resolved.
    assessed_s : float (R, D)
        Time from which the last resolved shot is assessed.
    impact_z, damage_u, casualty_u : float (R, D, 2) / (R, D, A) / (R, D, A)
        Pre-drawn damage randomness of each drone.
    shot_active, shot_drone, shot_t_s, shot_kill, shot_pk : (R, S)
        Shots in the air: the drone shot at, the time the shot resolves, its pre-drawn
        outcome and its predicted kill probability (slots per effector in
        :class:`~skyscreen.engine.shots.ShotSlots`).
    eff_kills, jam_defeats : int (R, E)
        Hard kills and soft kills (defeats) per effector.
    asset_hits, asset_casualties, asset_debris : int (R, A); asset_damaged : bool (R, A)
    sensors, effectors : tuple
        State blocks of the scenario's sensor and effector kinds, in registry order
        (:mod:`skyscreen.engine.kinds`).
    """

    reps: IntArray
    seed: int
    drone_key: IntArray
    status: IntArray
    pos_m: FloatArray
    vel_mps: FloatArray
    heading_rad: FloatArray
    speed_mps: FloatArray
    route_m: FloatArray
    wp_idx: IntArray
    diving: BoolArray
    home_m: FloatArray
    t_launch_s: FloatArray
    t_end_s: FloatArray
    t_first_detect_s: FloatArray
    t_last_detect_s: FloatArray
    t_first_shot_s: FloatArray
    t_identified_s: FloatArray
    id_sensor: IntArray
    cause: IntArray
    effector: IntArray
    target: IntArray
    jam_s: FloatArray
    link_lost: BoolArray
    t_gnss_lost_s: FloatArray
    miss_m: FloatArray
    pending: IntArray
    assessed_s: FloatArray
    impact_z: FloatArray
    damage_u: FloatArray
    casualty_u: FloatArray
    shot_active: BoolArray
    shot_drone: IntArray
    shot_t_s: FloatArray
    shot_kill: BoolArray
    shot_pk: FloatArray
    eff_kills: IntArray
    jam_defeats: IntArray
    asset_hits: IntArray
    asset_damaged: BoolArray
    asset_casualties: IntArray
    asset_debris: IntArray
    sensors: tuple[Any, ...]
    effectors: tuple[Any, ...]

    @property
    def n_rep(self) -> int:
        """Replications in the chunk."""
        return int(self.status.shape[0])

    def airborne(self) -> BoolArray:
        """Drones in the air (flying, or neutralised and hovering or returning)."""
        return np.asarray((self.status == FLYING) | (self.status == NEUTRALISED))


def full(shape: tuple[int, ...], value: Any, dtype: Any = np.float64) -> Any:
    """``np.full`` with a dtype, for building state."""
    return np.full(shape, value, dtype=dtype)


_NOTHING: dict[tuple[int, ...], tuple[FloatArray, IntArray]] = {}


def nothing(shape: tuple[int, ...]) -> tuple[FloatArray, IntArray]:
    """Read-only (R, D) "no outcome" arrays: time inf, effector -1.

    What a stage returns when nothing happened in the step (most steps): filling
    fresh (R, D) arrays every step cost a pass over memory each (about 65 us per
    array of 100 x 500 in a run, where the same fill on a warm buffer takes 12 us).
    """
    got = _NOTHING.get(shape)
    if got is None:
        t = np.full(shape, np.inf)
        who = np.full(shape, -1, dtype=np.int64)
        t.flags.writeable = False
        who.flags.writeable = False
        _NOTHING.clear()  # one chunk shape at a time: the memory stays bounded
        got = _NOTHING[shape] = (t, who)
    return got
