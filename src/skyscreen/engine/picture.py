"""The air picture: what command and control knows of the drones.

The decide stage (threat evaluation, doctrine, assignment) reads only the picture;
the move, sense, engage and resolve stages read the truth, as physics does. In the
``truth`` fidelity the picture is fed by the truth: it holds one entry per drone,
valid while the drone is airborne and was detected within the doctrine's
``track_memory_s``, at the drone's true position and velocity with zero covariance,
identified once a camera or an RF detector has identified the drone
(``t_identified_s``). In the ``tracked`` fidelity the tracker fills the same arrays from
noisy measurements instead (:mod:`skyscreen.engine.track`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.state import ChunkState
from skyscreen.scenario.params import ScenarioParams

__all__ = ["AirPicture", "truth_picture"]


@dataclass(frozen=True, slots=True, eq=False)
class AirPicture:
    """Picture entries over a chunk: structure of arrays, leading axis = replication.

    Shapes: R replications, N entries (in the truth-fed picture N = D, entry i is
    drone i).

    Attributes
    ----------
    valid : bool (R, N)
        Entries that exist (a track is held).
    pos_m, vel_mps : float (R, N, 3)
        Estimated ENU position (m) and velocity (m/s).
    cov : float (R, N, 6, 6)
        Covariance of (position, velocity); zeros in the truth-fed picture.
    age_s : float (R, N)
        Time since the entry was last updated by a detection (s).
    quality : float (R, N)
        Track quality in [0, 1] (1: the truth).
    identified : bool (R, N)
        Positively identified as a hostile drone.
    drone : int (R, N)
        The drone the entry came from (for scoring only; C2 must not read it).
    """

    valid: BoolArray
    pos_m: FloatArray
    vel_mps: FloatArray
    cov: FloatArray
    age_s: FloatArray
    quality: FloatArray
    identified: BoolArray
    drone: IntArray


def truth_picture(st: ChunkState, p: ScenarioParams, t_s: float) -> AirPicture:
    """The truth-fed picture at ``t_s``.

    A drone is held while airborne and detected within ``track_memory_s``; it is
    identified once a camera or an RF detector has identified it.
    """
    age = t_s - st.t_last_detect_s
    valid = st.airborne() & (age <= p.doctrine.track_memory_s)
    n_rep, n_d = st.status.shape
    return AirPicture(
        valid=np.asarray(valid),
        pos_m=st.pos_m,
        vel_mps=st.vel_mps,
        cov=np.broadcast_to(np.zeros((1, 1, 6, 6)), (n_rep, n_d, 6, 6)),
        age_s=np.asarray(age),
        quality=np.broadcast_to(np.ones((1, 1)), (n_rep, n_d)),
        identified=np.asarray(st.t_identified_s <= t_s),
        drone=np.broadcast_to(np.arange(n_d)[None, :], (n_rep, n_d)),
    )
