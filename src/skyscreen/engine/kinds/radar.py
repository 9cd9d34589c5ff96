"""Radars: one detection draw per (radar, drone) per scan.

Swerling 0 or 1 against the radar equation scaled from the reference detection, less
the clutter loss of a low target, within the horizon and the radar's range, elevation
and azimuth-sector limits (models/radar.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.events import Events
from skyscreen.engine.kinds.base import Measured, Placed, polar_measurements
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.rng import Purpose, stream_keys, uniform
from skyscreen.engine.state import ChunkState
from skyscreen.models import kinematics
from skyscreen.models import measurement as meas_model
from skyscreen.models import radar as radar_model
from skyscreen.scenario.kinds import RadarParams
from skyscreen.scenario.params import ScenarioParams

__all__ = ["RADAR", "RadarKind"]

_PURPOSE = int(Purpose.DETECTION)


@dataclass(frozen=True, slots=True, eq=False)
class RadarState:
    """Radars' constants of a run.

    Attributes
    ----------
    scan_no : int (n_steps, S)
        Each radar's scan number in each step (-1: it does not scan in the step); the
        counter of its detection draws.
    keys : int (S, 2)
        Each radar's random stream key.
    meas_keys, fa_keys : int (S, 2)
        Each radar's measurement-noise and false-alarm stream keys (tracked fidelity).
    last : dict
        The step's Pd and draws (N, S) and each drone's first detecting radar (N,)
        as :meth:`RadarKind.sense` left them (up to that radar), for
        :meth:`RadarKind.measure` to complete in the same step (tracked fidelity).
    scratch : dict
        ``"out"``: the kernel's (3, n, S) output arrays and ``"unit"`` its (n,) first
        radars, reused from step to step (fresh ones of that size cost page faults
        every step).
    """

    scan_no: IntArray
    keys: IntArray
    meas_keys: IntArray
    fa_keys: IntArray
    last: dict[str, Any] = field(default_factory=dict)
    scratch: dict[str, FloatArray] = field(default_factory=dict)


class RadarKernelParams(NamedTuple):
    """The radars' constants a compiled kernel reads (arrays over S)."""

    pos_m: FloatArray
    range_min_m: FloatArray
    range_max_m: FloatArray
    elevation_min_rad: FloatArray
    elevation_max_rad: FloatArray
    snr_ref: FloatArray
    rcs_ref_m2: FloatArray
    range_ref_m: FloatArray
    pfa: FloatArray
    azimuth_rad: FloatArray
    half_sector_rad: FloatArray
    clutter_height_m: FloatArray
    clutter_range_m: FloatArray
    clutter_loss_db: FloatArray


ALL, FIRST, REST = 0, 1, 2
"""``_detect``'s modes: every pair; up to each drone's first detecting radar; the rest."""


@njit(cache=True)
def _limit_slope(el_rad: float, side: float) -> float:
    """The slope (tangent) of an elevation limit, for the test that skips atan2.

    ``side`` is -1 for a lower limit, +1 for an upper one. A limit at or beyond the
    vertical on its side excludes nothing (±inf, always clear of it); one within
    0.07 rad of the vertical otherwise (its tangent too steep for the margin to mean
    an angle above round-off) or beyond it on the other side is never cleared
    (∓inf), so the arctangent decides.
    """
    if side * el_rad >= 0.5 * math.pi:
        return side * np.inf
    if abs(el_rad) > 1.5:
        return -side * np.inf
    return math.tan(el_rad)


@njit(cache=True)
def _detect(
    k: IntArray,
    n_d: int,
    pos: FloatArray,
    rcs: FloatArray,
    swerling: IntArray,
    s: RadarKernelParams,
    scan_no: IntArray,
    keys: IntArray,
    reps: IntArray,
    dkey: IntArray,
    out_snr: FloatArray,
    out_pd: FloatArray,
    out_u: FloatArray,
    out_unit: IntArray,
    mode: int,
) -> int:
    """Detections of the airborne drones ``k`` by the radars scanning in the step.

    ``scan_no[q]`` is radar q's scan number in the step (-1: it does not scan). Writes
    per (drone, radar) (N, S) the Pd — -1 where the radar does not scan or the drone
    is outside its coverage, NaN for a Swerling 0 drone in coverage, whose Pd needs
    the Marcum Q function: the caller evaluates it from ``out_snr`` — and, for the
    pairs in coverage only, the SNR and the draw, from the (replication, radar, drone,
    scan) stream. Elsewhere ``out_snr`` and ``out_u`` keep what they held (84% of the
    pairs in the large scenario; two stores each cost 8% of the kernel): every reader
    masks them with the Pd, and the caller's buffers hold finite numbers from the
    start. ``out_unit`` (N,) is the first radar that detected a Swerling 1 drone (-1:
    none). Returns the number of Swerling 0 drones in coverage.

    ``mode`` is :data:`ALL` (every pair), :data:`FIRST` (a Swerling 1 drone's radars
    after the first that detected it are skipped, their Pd left at -1: the sense
    stage needs only that radar, and in the large scenario three radars of a site
    cover the same drones) or :data:`REST` (after a :data:`FIRST` call on the same
    drones and buffers, exactly the pairs it skipped, for the tracked fidelity's
    measurements; ``out_unit`` is read, not written, and Swerling 0 drones, whose
    pairs :data:`FIRST` computed, are left alone). Each pair's values depend on
    that pair alone, so FIRST then REST writes what ALL does.
    """
    n_s = s.pos_m.shape[0]
    n_sw0 = 0
    far = np.empty(n_s)
    horizon_own = np.empty(n_s)
    tan_lo = np.empty(n_s)
    tan_hi = np.empty(n_s)
    for q in range(n_s):
        reach = s.range_max_m[q] * (1.0 + 1e-6) + 1.0
        far[q] = reach * reach
        # The antenna's own term of the horizon, A in fl(A + B) with B >= 0 the
        # target's: a range within it is within the horizon whatever the height.
        horizon_own[q] = radar_model.horizon_range_m(s.pos_m[q, 2], 0.0)
        tan_lo[q] = _limit_slope(s.elevation_min_rad[q], -1.0)
        tan_hi[q] = _limit_slope(s.elevation_max_rad[q], 1.0)
    for i in range(k.shape[0]):
        j = k[i]
        d = j % n_d
        q0 = 0
        if mode == REST:
            if swerling[d] != 1 or out_unit[i] < 0:
                continue  # every pair was computed
            q0 = out_unit[i] + 1
        else:
            out_unit[i] = -1
        for q in range(q0, n_s):
            # The SNR and the draw only in coverage, below: a Pd of -1 masks them.
            out_pd[i, q] = -1.0
            if scan_no[q] < 0 or (mode == FIRST and out_unit[i] >= 0):
                continue
            rx = pos[j, 0] - s.pos_m[q, 0]
            ry = pos[j, 1] - s.pos_m[q, 1]
            rz = pos[j, 2] - s.pos_m[q, 2]
            # Far beyond the range (by a margin far above round-off): skip the
            # hypotenuse; the exact test below would skip the pair too.
            if rx * rx + ry * ry + rz * rz > far[q]:
                continue
            ground = math.hypot(rx, ry)
            rng = max(math.sqrt(ground * ground + rz * rz), 1e-3)
            # The coverage tests are pure and all must pass: the cheap range test
            # first, so a drone out of range costs no arctangent or horizon.
            if rng < s.range_min_m[q] or rng > s.range_max_m[q]:
                continue
            if rng > horizon_own[q] and rng > radar_model.horizon_range_m(
                s.pos_m[q, 2], pos[j, 2]
            ):
                continue
            # The elevation's arctangent only near the limits: a line of sight
            # whose slope clears both limits' tangents by a relative 1e-9 (far above
            # the round-off of either side) passes the exact test too.
            tol = 1e-9 * (abs(rz) + ground)
            if not (rz - ground * tan_lo[q] > tol and ground * tan_hi[q] - rz > tol):
                el = math.atan2(rz, ground)
                if el < s.elevation_min_rad[q] or el > s.elevation_max_rad[q]:
                    continue
            if s.half_sector_rad[q] < math.pi:
                off = kinematics.wrap_angle(math.atan2(ry, rx) - s.azimuth_rad[q])
                if abs(off) > s.half_sector_rad[q]:
                    continue
            snr = radar_model.snr(
                rng, rcs[d], s.snr_ref[q], s.rcs_ref_m2[q], s.range_ref_m[q]
            ) * radar_model.clutter_factor(
                pos[j, 2],
                ground,
                s.clutter_height_m[q],
                s.clutter_range_m[q],
                s.clutter_loss_db[q],
            )
            out_snr[i, q] = snr
            out_u[i, q] = uniform(
                keys[q, 0],
                keys[q, 1],
                reps[j // n_d],
                dkey[d, 0],
                dkey[d, 1],
                scan_no[q],
            )
            if swerling[d] == 1:
                pd = radar_model.pd_swerling1(snr, s.pfa[q])
                out_pd[i, q] = pd
                if out_unit[i] < 0 and out_u[i, q] < pd:
                    out_unit[i] = q
            else:
                out_pd[i, q] = np.nan
                n_sw0 += 1
    return n_sw0


def _hits(pd: FloatArray, u: FloatArray) -> BoolArray:
    """The pairs that detect: in coverage, and the draw below the Pd."""
    return np.asarray((pd >= 0.0) & (u < pd))


class RadarKind:
    """The radar sensor kind."""

    name = "radar"
    purpose = int(Purpose.DETECTION)

    def params_of(self, p: ScenarioParams) -> RadarParams:
        """The scenario's radars."""
        radars: RadarParams = p.sensors[self.name]
        return radars

    def init(self, pl: Placed, n_rep: int, seed: int) -> RadarState:
        """Scan numbers and stream keys; radars keep no state between scans."""
        p = pl.scenario
        scans = tick_numbers(pl.params.scan_period_s, p.n_steps, p.dt_s, p.duration_s)
        ids = pl.params.ids
        return RadarState(
            scan_no=scans,
            keys=stream_keys(seed, _PURPOSE, ids),
            meas_keys=stream_keys(seed, int(Purpose.MEASUREMENT), ids),
            fa_keys=stream_keys(seed, int(Purpose.FALSE_ALARM), ids),
        )

    def kernel_params(self, pl: Placed) -> RadarKernelParams:
        """The typed bundle the compiled kernel reads."""
        rd: RadarParams = pl.params
        return RadarKernelParams(
            rd.pos_m,
            rd.range_min_m,
            rd.range_max_m,
            rd.elevation_min_rad,
            rd.elevation_max_rad,
            rd.snr_ref,
            rd.rcs_ref_m2,
            rd.range_ref_m,
            rd.pfa,
            rd.azimuth_rad,
            rd.half_sector_rad,
            rd.clutter_height_m,
            rd.clutter_range_m,
            rd.clutter_loss_db,
        )

    def sense(
        self,
        pl: Placed,
        kst: RadarState,
        st: ChunkState,
        step: int,
        t0: float,
        t1: float,
        k: IntArray,
        cue: AirPicture | None,
        ev: Events | None = None,
    ) -> tuple[BoolArray, IntArray] | None:
        """Radars scanning in step ``step``, ``(t0, t1]``, detect the drones ``k``.

        Radars search; they take no cue.
        """
        found = self._detections(pl, kst, st, step, k, FIRST)
        kst.last.clear()
        if found is None:
            return None
        pd, u, unit = found
        # The (N, S) detections are completed and formed only if measure asks
        # (tracked fidelity).
        kst.last.update(step=step, k=k, pd=pd, u=u, unit=unit)
        return unit >= 0, unit

    def _detections(
        self,
        pl: Placed,
        kst: RadarState,
        st: ChunkState,
        step: int,
        k: IntArray,
        mode: int = ALL,
    ) -> tuple[FloatArray, FloatArray, IntArray] | None:
        """Per (drone in ``k``, radar) Pd and draw (N, S), each drone's first radar.

        The Pd is -1 where the radar does not scan or the drone is outside its
        coverage (and, with ``mode`` :data:`FIRST`, after a Swerling 1 drone's first
        detecting radar); a pair detects where ``_hits``. None when no radar scans in
        the step.
        """
        rd: RadarParams = pl.params
        scan_no = kst.scan_no[step]
        if len(k) == 0 or (scan_no < 0).all():
            return None
        out = kst.scratch.get("out")
        if out is None or out.shape[1] < len(k):
            # Finite from the start: _detect writes the SNR and draw in coverage only.
            out = kst.scratch["out"] = np.zeros((3, len(k), rd.n))
            kst.scratch["unit"] = np.empty(len(k), dtype=np.int64)
        snr, pd, u = out[0, : len(k)], out[1, : len(k)], out[2, : len(k)]
        unit = kst.scratch["unit"][: len(k)]
        n_sw0 = self._detect(pl, kst, st, step, k, snr, pd, u, unit, mode)
        if n_sw0:
            # Swerling 0: the Marcum Q function (scipy), per radar for its Pfa.
            sw0 = np.isnan(pd)
            for q in range(rd.n):
                col = sw0[:, q]
                if col.any():
                    pd[col, q] = radar_model.pd_swerling0(snr[col, q], float(rd.pfa[q]))
            rows = sw0.any(axis=1)
            det = (pd[rows] >= 0.0) & (u[rows] < pd[rows])
            unit[rows] = np.where(det.any(axis=1), np.argmax(det, axis=1), -1)
        return pd, u, unit

    def _detect(
        self,
        pl: Placed,
        kst: RadarState,
        st: ChunkState,
        step: int,
        k: IntArray,
        snr: FloatArray,
        pd: FloatArray,
        u: FloatArray,
        unit: IntArray,
        mode: int,
    ) -> int:
        """The compiled :func:`_detect` on the step's drones ``k``, into the buffers."""
        dr = pl.scenario.drones
        return int(
            _detect(
                k,
                dr.n,
                st.pos_m.reshape(-1, 3),
                dr.rcs_m2,
                dr.swerling,
                self.kernel_params(pl),
                kst.scan_no[step],
                kst.keys,
                st.reps,
                st.drone_key,
                snr,
                pd,
                u,
                unit,
                mode,
            )
        )

    def measure(
        self,
        pl: Placed,
        kst: RadarState,
        st: ChunkState,
        step: int,
        k: IntArray,
        hit: BoolArray,
        unit: IntArray,
    ) -> Measured | None:
        """The scan's measurements for the tracked fidelity (MODELS.md, Sensors).

        Every (radar, drone) detection of the step — the same draws as
        :meth:`sense` — becomes a converted polar measurement with the radar's range,
        azimuth and elevation noise (:mod:`skyscreen.models.measurement`), and every
        radar scanning adds its false alarms: a Poisson count with mean
        ``false_alarms_per_scan``, uniform over the covered area and, in height, over
        ``[0, tracking.false_alarm_height_m]``. None when no radar scans.
        """
        rd: RadarParams = pl.params
        scan_no = kst.scan_no[step]
        if (scan_no < 0).all():
            return None
        n_rep, n_d = st.status.shape
        if kst.last.get("step") == step and kst.last.get("k") is k:
            # sense stopped at each drone's first detecting radar: the rest now.
            last = kst.last
            snr = kst.scratch["out"][0, : len(k)]
            self._detect(
                pl, kst, st, step, k, snr, last["pd"], last["u"], last["unit"], REST
            )
            det = _hits(last["pd"], last["u"])
        elif len(k):
            found = self._detections(pl, kst, st, step, k)
            det = (
                _hits(found[0], found[1])
                if found is not None
                else np.zeros((len(k), rd.n), bool)
            )
        else:
            det = np.zeros((0, rd.n), dtype=np.bool_)
        ii, qq = np.nonzero(det)
        z, zc = polar_measurements(
            st,
            k[ii],
            qq,
            rd.pos_m,
            rd.range_sigma_m,
            rd.azimuth_sigma_rad,
            rd.elevation_sigma_rad,
            scan_no,
            kst.meas_keys,
        )
        counts = np.zeros((n_rep, rd.n), dtype=np.int64)
        _false_alarm_counts(
            scan_no, rd.false_alarms_per_scan, kst.fa_keys, st.reps, counts
        )
        n_fa = int(counts.sum())
        fz = np.empty((n_fa, 3))
        fzc = np.empty((n_fa, 3, 3))
        f_rep = np.empty(n_fa, dtype=np.int64)
        f_q = np.empty(n_fa, dtype=np.int64)
        if n_fa:
            _false_alarms(
                scan_no,
                counts,
                self.kernel_params(pl),
                rd.range_sigma_m,
                rd.azimuth_sigma_rad,
                rd.elevation_sigma_rad,
                float(pl.scenario.tracking.false_alarm_height_m),
                kst.fa_keys,
                st.reps,
                fz,
                fzc,
                f_rep,
                f_q,
            )
        flat = k[ii]
        return Measured(
            rep=np.concatenate([flat // n_d, f_rep]),
            unit=pl.unit + np.concatenate([qq, f_q]),
            label=np.concatenate([flat % n_d, np.full(n_fa, -1, dtype=np.int64)]),
            z_m=np.concatenate([z, fz]),
            cov_m2=np.concatenate([zc, fzc]),
            covers=lambda pos: self._covers(rd, scan_no >= 0, pos),
        )

    @staticmethod
    def _covers(rd: RadarParams, scanning: BoolArray, pos: FloatArray) -> BoolArray:
        """Positions (N, 3) inside the coverage of a radar that scanned."""
        out = np.zeros(len(pos), dtype=np.bool_)
        _in_coverage(
            np.ascontiguousarray(pos),
            scanning,
            rd.pos_m,
            rd.range_min_m,
            rd.range_max_m,
            rd.elevation_min_rad,
            rd.elevation_max_rad,
            rd.azimuth_rad,
            rd.half_sector_rad,
            out,
        )
        return out


@njit(cache=True)
def _in_coverage(
    pos: FloatArray,
    scanning: BoolArray,
    rpos: FloatArray,
    rmin: FloatArray,
    rmax: FloatArray,
    emin: FloatArray,
    emax: FloatArray,
    az0: FloatArray,
    half: FloatArray,
    out: BoolArray,
) -> None:
    """``out[i]``: position i is inside the coverage of a radar that scanned.

    Range, elevation and sector limits; the horizon is not checked (a track's height
    is uncertain). Elevations are compared through sin(el) = z / R, so no angle is
    computed unless the radar has a sector.
    """
    n_r = rpos.shape[0]
    s_lo = np.empty(n_r)
    s_hi = np.empty(n_r)
    for q in range(n_r):
        s_lo[q] = math.sin(emin[q])
        s_hi[q] = math.sin(emax[q])
    for i in range(pos.shape[0]):
        for q in range(n_r):
            if not scanning[q]:
                continue
            rx = pos[i, 0] - rpos[q, 0]
            ry = pos[i, 1] - rpos[q, 1]
            rz = pos[i, 2] - rpos[q, 2]
            r2 = rx * rx + ry * ry + rz * rz
            if r2 < rmin[q] * rmin[q] or r2 > rmax[q] * rmax[q]:
                continue
            rng = math.sqrt(r2)
            if rz < s_lo[q] * rng or rz > s_hi[q] * rng:
                continue
            if half[q] < math.pi:
                off = kinematics.wrap_angle(math.atan2(ry, rx) - az0[q])
                if abs(off) > half[q]:
                    continue
            out[i] = True
            break


_MAX_FALSE_ALARMS = 10000
"""At most this many false alarms per radar and scan (the field's upper limit)."""


@njit(cache=True)
def _false_alarm_counts(
    scan_no: IntArray, mean: FloatArray, keys: IntArray, reps: IntArray, out: IntArray
) -> None:
    """Poisson false-alarm count per (replication, radar) for the radars scanning."""
    for i in range(reps.shape[0]):
        for r in range(mean.shape[0]):
            out[i, r] = 0
            if scan_no[r] < 0 or mean[r] <= 0.0:
                continue
            u = uniform(keys[r, 0], keys[r, 1], reps[i], 0, 0, scan_no[r])
            out[i, r] = min(
                radar_model.false_alarm_count(u, mean[r]), _MAX_FALSE_ALARMS
            )


@njit(cache=True)
def _false_alarms(
    scan_no: IntArray,
    counts: IntArray,
    s: RadarKernelParams,
    sig_r: FloatArray,
    sig_a: FloatArray,
    sig_e: FloatArray,
    height_m: float,
    keys: IntArray,
    reps: IntArray,
    out_z: FloatArray,
    out_R: FloatArray,
    out_rep: IntArray,
    out_q: IntArray,
) -> None:
    """False-alarm positions, uniform over each radar's covered area and in height."""
    n = 0
    for i in range(reps.shape[0]):
        for r in range(counts.shape[1]):
            c = scan_no[r]
            for f in range(counts[i, r]):
                k0, k1 = keys[r, 0], keys[r, 1]
                g = radar_model.false_alarm_range_m(
                    uniform(k0, k1, reps[i], 1, f, c),
                    s.range_min_m[r],
                    s.range_max_m[r],
                )
                az = radar_model.false_alarm_azimuth_rad(
                    uniform(k0, k1, reps[i], 2, f, c),
                    s.azimuth_rad[r],
                    s.half_sector_rad[r],
                )
                h = height_m * uniform(k0, k1, reps[i], 3, f, c)
                out_z[n, 0] = s.pos_m[r, 0] + g * math.cos(az)
                out_z[n, 1] = s.pos_m[r, 1] + g * math.sin(az)
                out_z[n, 2] = h
                dz = h - s.pos_m[r, 2]
                meas_model.polar_covariance(
                    math.hypot(g, dz),
                    az,
                    math.atan2(dz, g),
                    sig_r[r],
                    sig_a[r],
                    sig_e[r],
                    out_R[n],
                )
                out_rep[n] = i
                out_q[n] = r
                n += 1


RADAR = RadarKind()
"""The registered radar kind."""
