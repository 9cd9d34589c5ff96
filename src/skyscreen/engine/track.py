"""The tracked air picture: the tracked fidelity's picture stage.

In ``fidelity="tracked"`` command and control no longer sees the truth. Every step in
which a sensor looks, the sensor kinds that measure (``measure``: radars' converted
polar measurements and false alarms, cameras' angle-and-rangefinder measurements)
hand their measurements to a batched tracker (:mod:`skyscreen.tracking`), one group
per sensor, fused sequentially; at each decision cycle the confirmed tracks, predicted
to the decision time, become the air picture's entries.

Picture entries stay indexed by drone (the contract of
:class:`~skyscreen.engine.picture.AirPicture` that the decide stage, the cameras' cues
and every effector kind rely on): entry ``d`` holds the estimate of the confirmed
track whose last measurement came from drone ``d`` (the most recently updated one when
two tracks follow the same drone). That label is the engine's bookkeeping — the
physics of which drone a weapon laid on a track meets — never an input of command
and control, which sees only the estimates, their covariance and age. Entries of
tracks that follow no drone (false tracks, from clutter) are not in the picture: in
this version false tracks are counted and scored but do not draw fire (docs/tracking.md).

Scoring (per replication): at every decision cycle, the picture command and control
decides on is scored — GOSPA and OSPA (c = 100 m, p = 1, α = 2) between the confirmed
tracks, predicted to the decision time, and the airborne drones detected at least
once, with the missed and false counts of the GOSPA assignment — and averaged over the
cycles; at every tracker update, each drone's first confirmed track is noted.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray, IntArray
from skyscreen.engine.kinds.base import Measured
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.state import ChunkState
from skyscreen.scenario.params import ScenarioParams
from skyscreen.tracking._lsap import lsap
from skyscreen.tracking.tracker import (
    CONFIRMED,
    TrackerConfig,
    TrackState,
    init_tracks,
    scan,
)

__all__ = ["PICTURE_COLUMNS", "SCORE_C_M", "TrackedPicture", "tracker_config"]

SCORE_C_M = 100.0
"""GOSPA / OSPA cut-off (m)."""

PICTURE_COLUMNS = (
    "replication",
    "t_s",
    "track",
    "x_m",
    "y_m",
    "z_m",
    "vx_mps",
    "vy_mps",
    "vz_mps",
    "sigma_m",
    "confirmed",
)
"""Columns of the recorded air picture (``picture.parquet``)."""

_MIN_DENSITY = 1e-15
"""Clutter density floor (per m³) of a scenario whose radars report no false alarms."""


def clutter_density(p: ScenarioParams) -> float:
    """The densest false-alarm rate per m³ per scan over the radars' coverage volumes.

    Coverage volume: the annular sector the radar covers times the false alarms'
    height band ``[0, false_alarm_height_m]``.
    """
    rd = p.sensors.get("radar")
    if rd is None or rd.n == 0:
        return _MIN_DENSITY
    area = (rd.range_max_m**2 - rd.range_min_m**2) * rd.half_sector_rad
    vol = area * p.tracking.false_alarm_height_m
    dens = np.where(vol > 0, rd.false_alarms_per_scan / np.maximum(vol, 1.0), 0.0)
    return float(max(dens.max(), _MIN_DENSITY))


def tracker_config(p: ScenarioParams) -> TrackerConfig:
    """The tracker of a scenario (its ``tracking`` block), in 3-D."""
    tp = p.tracking
    rd = p.sensors.get("radar")
    fa = float(rd.false_alarms_per_scan.sum()) if rd is not None and rd.n else 0.0
    n_d = p.drones.n
    cap = tp.capacity or int(2 * n_d + 3 * math.ceil(fa) * tp.tentative_misses + 16)
    return TrackerConfig(
        dim=3,
        association=tp.association,  # type: ignore[arg-type]
        motion=tp.motion,  # type: ignore[arg-type]
        process_noise=tp.process_noise_m2_s3,
        turn_rate_deg_s=tp.turn_rate_deg_s,
        switch_prob=tp.switch_prob,
        pd=tp.pd,
        clutter_density=clutter_density(p),
        gate_prob=tp.gate_prob,
        confirm_m=tp.confirm_m,
        confirm_n=tp.confirm_n,
        tentative_misses=tp.tentative_misses,
        delete_misses=tp.delete_misses,
        max_pos_std_m=tp.max_pos_std_m,
        init_vel_std_mps=tp.init_vel_std_mps,
        capacity=cap,
    )


class TrackedPicture:
    """The tracker of a chunk, its scores and its recorded picture.

    Parameters
    ----------
    p : ScenarioParams
    n_rep : int
        Replications in the chunk.
    record_rows : int array
        Rows of the chunk whose picture is recorded (``--record``).
    """

    def __init__(self, p: ScenarioParams, n_rep: int, record_rows: IntArray) -> None:
        self.cfg = tracker_config(p)
        self.tracks: TrackState = init_tracks(n_rep, self.cfg)
        n_d = p.drones.n
        self.scores = np.zeros((n_rep, 6))  # gospa, ospa, loc, missed, false, scans
        self.t_tracked_s = np.full((n_rep, n_d), np.nan)
        self.rows = np.asarray(record_rows, dtype=np.int64)
        self.record: dict[str, list[Any]] | None = (
            {c: [] for c in PICTURE_COLUMNS} if len(self.rows) else None
        )

    def update(self, st: ChunkState, measured: list[Measured], t_s: float) -> None:
        """One tracker update with the step's measurements (groups = sensors)."""
        # A replication with nothing airborne is quiet: its tracker neither scans nor
        # scores, as when it runs alone and the engine skips its quiet steps.
        active = np.asarray(st.airborne().any(axis=1))
        if measured:
            rep = np.concatenate([m.rep for m in measured])
            unit = np.concatenate([m.unit for m in measured])
            label = np.concatenate([m.label for m in measured])
            z = np.concatenate([m.z_m for m in measured])
            zc = np.concatenate([m.cov_m2 for m in measured])
        else:
            rep = unit = label = np.zeros(0, dtype=np.int64)
            z, zc = np.zeros((0, 3)), np.zeros((0, 3, 3))
        zz, zzc, zl, counts, group_end = _pack(
            rep, unit, label, z, zc, active, int(unit.max()) + 1 if len(unit) else 1
        )
        ts = self.tracks
        live, pos = _live_positions(ts.status, ts.xc, ts.t_s, float(t_s), active)
        expect = np.zeros(ts.status.shape, dtype=np.bool_)
        if len(live):
            cov = np.zeros(len(live), dtype=np.bool_)
            for m in measured:
                if m.covers is not None:
                    cov |= m.covers(pos)
            expect.reshape(-1)[live] = cov
        scan(self.tracks, self.cfg, t_s, zz, zzc, counts, zl, group_end, expect, active)
        _first_tracked(active, ts.status, ts.label, t_s, self.t_tracked_s)
        if self.record is not None:
            self._record(st, t_s, active)

    def _record(self, st: ChunkState, t_s: float, active: Any) -> None:
        assert self.record is not None
        ts = self.tracks
        sub = ts.status[self.rows]
        rr, kk = np.nonzero((sub > 0) & active[self.rows][:, None])
        rows = self.rows[rr]
        x = ts.xc[rows, kk]
        var = np.trace(ts.Pc[rows, kk, :3, :3], axis1=1, axis2=2)
        rec = self.record
        rec["replication"].append(st.reps[rows])
        rec["t_s"].append(np.full(len(rr), t_s))
        rec["track"].append(ts.track_id[rows, kk])
        for i, c in enumerate(("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")):
            rec[c].append(x[:, i])
        rec["sigma_m"].append(np.sqrt(var / 3.0))
        rec["confirmed"].append(ts.status[rows, kk] == CONFIRMED)

    def picture(
        self, st: ChunkState, p: ScenarioParams, t_s: float, *, cov: bool = True
    ) -> AirPicture:
        """The air picture at ``t_s`` from the confirmed tracks (drone-indexed).

        ``cov=False`` (a cue for the sensors, which read no covariance) leaves the
        covariances zero.
        """
        n_rep, n_d = st.status.shape
        valid = np.zeros((n_rep, n_d), dtype=np.bool_)
        pos = np.zeros((n_rep, n_d, 3))
        vel = np.zeros((n_rep, n_d, 3))
        cov_ = np.zeros((n_rep, n_d, 6, 6) if cov else (1, 1, 6, 6))
        age = np.full((n_rep, n_d), np.inf)
        quality = np.zeros((n_rep, n_d))
        ts = self.tracks
        _entries(
            ts.status,
            ts.label,
            ts.t_update_s,
            ts.t_s,
            ts.xc,
            ts.Pc,
            ts.misses,
            float(self.cfg.delete_misses),
            float(t_s),
            valid,
            pos,
            vel,
            cov_,
            cov,
            age,
            quality,
        )
        valid &= st.airborne()  # a track of a drone that is gone is no target
        return AirPicture(
            valid=valid,
            pos_m=pos,
            vel_mps=vel,
            cov=cov_ if cov else np.broadcast_to(cov_, (n_rep, n_d, 6, 6)),
            age_s=age,
            quality=quality,
            identified=np.asarray(st.t_identified_s <= t_s),
            drone=np.broadcast_to(np.arange(n_d)[None, :], (n_rep, n_d)),
        )

    def score(self, st: ChunkState, t_s: float) -> None:
        """Score the picture command and control sees at a decision cycle.

        GOSPA and OSPA between the confirmed tracks and the airborne drones detected
        at least once, in the replications with something airborne.
        """
        ts = self.tracks
        active = np.asarray(st.airborne().any(axis=1))
        truth = st.airborne() & (st.t_first_detect_s <= t_s)
        _score(
            active,
            st.pos_m,
            truth,
            ts.xc,
            ts.t_s,
            ts.status,
            SCORE_C_M,
            t_s,
            self.scores,
        )

    def summary(self) -> dict[str, FloatArray]:
        """Per-replication tracking scores (means over the decision cycles)."""
        s = self.scores
        n = np.where(s[:, 5] > 0, s[:, 5], np.nan)
        return {
            "gospa_m": s[:, 0] / n,
            "ospa_m": s[:, 1] / n,
            "missed_per_cycle": s[:, 3] / n,
            "false_tracks_per_cycle": s[:, 4] / n,
        }

    def recorded(self) -> dict[str, Any] | None:
        """The recorded picture's columns, or None."""
        if self.record is None or not self.record["t_s"]:
            return None
        return {k: np.concatenate(v) for k, v in self.record.items()}


@njit(cache=True)
def _pack(
    rep: IntArray,
    unit: IntArray,
    label: IntArray,
    z: FloatArray,
    zc: FloatArray,
    active: Any,
    n_units: int,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray, IntArray]:
    """The step's measurements as the tracker's padded arrays, grouped by sensor.

    Rows of inactive replications are dropped; the others are ordered by
    (replication, sensor), keeping their order within a sensor (a stable counting
    sort). Returns ``z`` (R, M, 3), ``cov`` (R, M, 3, 3), ``label`` (R, M), the counts
    (R,) and each group's end (R, G), G = the sensors that measured in the step.
    """
    n_rep = active.shape[0]
    n = rep.shape[0]
    present = np.zeros(n_units, dtype=np.bool_)
    for i in range(n):
        if active[rep[i]]:
            present[unit[i]] = True
    rank = np.full(n_units, -1, dtype=np.int64)
    n_g = 0
    for u in range(n_units):
        if present[u]:
            rank[u] = n_g
            n_g += 1
    n_g = max(n_g, 1)
    per = np.zeros((n_rep, n_g), dtype=np.int64)
    for i in range(n):
        if active[rep[i]]:
            per[rep[i], rank[unit[i]]] += 1
    counts = np.zeros(n_rep, dtype=np.int64)
    group_end = np.zeros((n_rep, n_g), dtype=np.int64)
    m_max = 1
    for r in range(n_rep):
        c = 0
        for g in range(n_g):
            c += per[r, g]
            group_end[r, g] = c
        counts[r] = c
        m_max = max(m_max, c)
    # next free column of each (replication, group)
    nxt = np.zeros((n_rep, n_g), dtype=np.int64)
    for r in range(n_rep):
        for g in range(n_g):
            nxt[r, g] = group_end[r, g] - per[r, g]
    zz = np.zeros((n_rep, m_max, 3))
    zzc = np.zeros((n_rep, m_max, 3, 3))
    zl = np.full((n_rep, m_max), -1, dtype=np.int64)
    for i in range(n):
        r = rep[i]
        if not active[r]:
            continue
        g = rank[unit[i]]
        col = nxt[r, g]
        nxt[r, g] += 1
        for a in range(3):
            zz[r, col, a] = z[i, a]
            for b in range(3):
                zzc[r, col, a, b] = zc[i, a, b]
        zl[r, col] = label[i]
    return zz, zzc, zl, counts, group_end


@njit(cache=True)
def _entries(
    status: IntArray,
    label: IntArray,
    t_upd: FloatArray,
    t_state: FloatArray,
    xc: FloatArray,
    Pc: FloatArray,
    misses: IntArray,
    del_misses: float,
    t: float,
    valid: Any,
    pos: FloatArray,
    vel: FloatArray,
    cov: FloatArray,
    want_cov: bool,
    age: FloatArray,
    quality: FloatArray,
) -> None:
    """Drone-indexed entries from the confirmed tracks, predicted to ``t``."""
    n_rep, n_k = status.shape
    for r in range(n_rep):
        for k in range(n_k):
            d = label[r, k]
            if status[r, k] != CONFIRMED or d < 0:
                continue
            a = t - t_upd[r, k]
            if valid[r, d] and a >= age[r, d]:
                continue
            valid[r, d] = True
            age[r, d] = a
            dt = t - t_state[r, k]
            for i in range(3):
                pos[r, d, i] = xc[r, k, i] + xc[r, k, 3 + i] * dt
                vel[r, d, i] = xc[r, k, 3 + i]
            if want_cov:
                for i in range(6):
                    for j in range(6):
                        cov[r, d, i, j] = Pc[r, k, i, j]
            quality[r, d] = max(0.0, 1.0 - misses[r, k] / del_misses)


@njit(cache=True)
def _live_positions(
    status: IntArray, xc: FloatArray, t_state: FloatArray, t: float, active: Any
) -> tuple[IntArray, FloatArray]:
    """Flat indices of the active replications' tracks and their positions at ``t``."""
    n_rep, n_k = status.shape
    n = 0
    for r in range(n_rep):
        if active[r]:
            for k in range(n_k):
                if status[r, k] > 0:
                    n += 1
    idx = np.empty(n, dtype=np.int64)
    pos = np.empty((n, 3))
    i = 0
    for r in range(n_rep):
        if not active[r]:
            continue
        for k in range(n_k):
            if status[r, k] > 0:
                h = t - t_state[r, k]
                idx[i] = r * n_k + k
                for a in range(3):
                    pos[i, a] = xc[r, k, a] + xc[r, k, 3 + a] * h
                i += 1
    return idx, pos


@njit(cache=True)
def _first_tracked(
    active: Any, status: IntArray, label: IntArray, t: float, t_tracked: FloatArray
) -> None:
    """Record when each drone first has a confirmed track (label: scoring only)."""
    n_rep, n_k = status.shape
    for r in range(n_rep):
        if not active[r]:
            continue
        for k in range(n_k):
            d = label[r, k]
            if status[r, k] == CONFIRMED and d >= 0 and math.isnan(t_tracked[r, d]):
                t_tracked[r, d] = t


@njit(cache=True)
def _score(
    active: Any,
    truth_pos: FloatArray,
    truth: Any,
    xc: FloatArray,
    t_state: FloatArray,
    status: IntArray,
    c: float,
    t: float,
    out: FloatArray,
) -> None:
    """Accumulate GOSPA (p = 1, α = 2) and OSPA at one decision cycle.

    The confirmed tracks are predicted to ``t`` (constant velocity).
    """
    n_rep, n_d = truth.shape
    n_k = status.shape[1]
    ti = np.empty(n_d, dtype=np.int64)
    ki = np.empty(n_k, dtype=np.int64)
    for r in range(n_rep):
        if not active[r]:
            continue
        nt = 0
        for d in range(n_d):
            if truth[r, d]:
                ti[nt] = d
                nt += 1
        ne = 0
        for k in range(n_k):
            if status[r, k] == CONFIRMED:
                ki[ne] = k
                ne += 1
        out[r, 5] += 1.0
        if nt == 0 and ne == 0:
            continue
        loc = 0.0
        n_pair = 0
        if nt > 0 and ne > 0:
            dist = np.empty((nt, ne))
            for j in range(ne):
                k = ki[j]
                h = t - t_state[r, k]
                for i in range(nt):
                    dd = 0.0
                    for a in range(3):
                        e = truth_pos[r, ti[i], a] - xc[r, k, a] - xc[r, k, 3 + a] * h
                        dd += e * e
                    dist[i, j] = min(math.sqrt(dd), c)
            # the solver wants no more rows than columns
            cost = dist if nt <= ne else np.ascontiguousarray(dist.T)
            col = np.empty(cost.shape[0], dtype=np.int64)
            if cost.shape[0] == 1:  # one row: its cheapest column
                col[0] = np.argmin(cost[0])
            else:
                lsap(cost, col)
            ospa_sum = 0.0
            for i in range(cost.shape[0]):
                v = cost[i, col[i]]
                ospa_sum += v
                if v < c:
                    loc += v
                    n_pair += 1
        else:
            ospa_sum = 0.0
        missed = nt - n_pair
        false = ne - n_pair
        out[r, 0] += loc + c / 2.0 * (missed + false)
        n_max = max(nt, ne)
        out[r, 1] += (ospa_sum + c * (n_max - min(nt, ne))) / n_max
        out[r, 2] += loc
        out[r, 3] += missed
        out[r, 4] += false
