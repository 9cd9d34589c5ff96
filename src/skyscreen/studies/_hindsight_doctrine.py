"""The doctrine-constrained hindsight relaxation: what every engine schedule obeys.

Private helpers of :mod:`skyscreen.studies.hindsight` (its docstring states each rule
and why every schedule the engine runs in the truth fidelity satisfies it):

* :func:`sense_superset` — per replication, drone and step, whether fire control
  *could* hold the drone in its picture (a detection by some sensor within
  ``track_memory_s``) and whether it *could* be identified by then: radars and RF
  detectors exactly as the engine draws them (their draws and the drone's path do not
  depend on the defence while the drone flies), cameras over-approximated (a camera's
  pointing depends on the picture, hence on the defence: every look is taken to point
  at every drone);
* :class:`Timing` — the decision grid and each weapon's earliest and latest fire step
  after a decision, the earliest next shot after a shot, after a reload, and the
  shortest span of a magazine and one more shot;
* :func:`decision_windows` — each candidate shot's possible decision cycles;
* :func:`weapon_rows` and :func:`drone_rows` — the packing constraints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.rng import uniform
from skyscreen.models import eoir
from skyscreen.models import radar as radar_model
from skyscreen.scenario.params import ScenarioParams

__all__ = [
    "EXACT_SENSORS",
    "Row",
    "Timing",
    "decision_windows",
    "drone_rows",
    "make_timing",
    "sense_superset",
    "weapon_rows",
]

EXACT_SENSORS = ("radar", "rf_detector")
"""Sensor kinds whose detections (and identifications) are policy-independent: their
draws are keyed by (replication, unit, drone, scan or look) and they take no cue."""

_TOL = 1e-9  # relative slack on geometric tests that must over-approximate the engine's

Row = tuple[str, IntArray, float]
"""A packing constraint: (family, candidate indices, cap): Σ x over them ≤ cap."""


# ------------------------------------------------------------------------ sensing


@njit(cache=True)
def _camera_superset(
    look: IntArray,
    cam_pos: FloatArray,
    r50: FloatArray,
    k_exp: FloatArray,
    range_max: FloatArray,
    ident_range: FloatArray,
    ident_time: float,
    t1: float,
    keys: IntArray,
    reps: IntArray,
    dkey: IntArray,
    airborne: BoolArray,
    pos: FloatArray,
    run_start: FloatArray,
    seen: BoolArray,
    id_lb: FloatArray,
    code: IntArray,
) -> None:  # pragma: no cover - compiled
    """One step of every camera looking in it, pointing taken to be everywhere.

    A camera detects drone d at a look only if d is within its range and horizon and
    the look's draw (per replication, camera, drone, look: policy-independent) is below
    the Pd at that range — the engine adds the field of view, which depends on where
    fire control's picture made the camera point. ``seen`` (R, D) gets the drones
    some camera could detect. The engine identifies a drone at a look that detects it
    within ``identify_range_m`` at least ``identify_time_s`` after the hold began, the
    hold beginning at such a look and ending at the first look the drone is not within
    that range (in the field of view); ``run_start`` (R, D, C) is the earliest start of
    such a hold in the current stretch of looks within range, and ``id_lb`` (R, D) the
    earliest look at which an identification is possible: never after the engine's.
    ``code`` (R, D, C) gets, per camera looking in the step, 1 for a drone within its
    identification range (and range and horizon) whose draw is above the Pd, 2 for one
    whose draw is below (the camera would detect it if it pointed there); 0 otherwise.
    """
    n_rep, n_d = airborne.shape
    n_c = cam_pos.shape[0]
    for r in range(n_rep):
        for q in range(n_c):
            if look[q] < 0:
                continue
            cx, cy, cz = cam_pos[q, 0], cam_pos[q, 1], cam_pos[q, 2]
            rm2 = range_max[q] * range_max[q] * (1.0 + _TOL)
            for d in range(n_d):
                if not airborne[r, d]:
                    continue
                rx = pos[r, d, 0] - cx
                ry = pos[r, d, 1] - cy
                rz = pos[r, d, 2] - cz
                r2 = rx * rx + ry * ry + rz * rz
                rng = max(math.sqrt(r2), 1e-3)
                if r2 > rm2 or rng > radar_model.horizon_range_m(cz, pos[r, d, 2]) * (
                    1.0 + _TOL
                ):
                    run_start[r, d, q] = np.nan
                    continue
                u = uniform(
                    keys[q, 0], keys[q, 1], reps[r], dkey[d, 0], dkey[d, 1], look[q]
                )
                seeable = u < eoir.eoir_pd(rng, r50[q], k_exp[q])
                if seeable:
                    seen[r, d] = True
                if rng > ident_range[q] * (1.0 + _TOL):
                    run_start[r, d, q] = np.nan
                    continue
                code[r, d, q] = 2 if seeable else 1
                if seeable and math.isnan(run_start[r, d, q]):
                    run_start[r, d, q] = t1
                if seeable and t1 - run_start[r, d, q] >= ident_time - 1e-9:
                    id_lb[r, d] = min(id_lb[r, d], t1)


@dataclass(slots=True, eq=False)
class SenseState:
    """Running state of :func:`sense_superset` over a chunk's steps."""

    last_s: FloatArray  # (R, D) latest possible detection
    id_lb: FloatArray  # (R, D) earliest possible camera identification
    run_start: FloatArray  # (R, D, C)
    unknown: bool  # a sensor kind the relaxation does not model
    # Camera observations within identification range, (5, n) blocks of (row, drone,
    # camera, step, code) (code of _camera_superset), and the cameras' look steps.
    cam_obs: list[IntArray] = field(default_factory=list)
    cam_look: BoolArray | None = None  # (S, C)


def sense_init(layout: Any, n_rep: int, n_d: int) -> SenseState:
    """Nothing detected yet; ``unknown`` when a sensor kind is not modelled."""
    n_c = 0
    unknown = False
    for pl in layout.sensors:
        if pl.n == 0:
            continue
        if pl.kind.name == "camera":
            n_c = pl.n
        elif pl.kind.name not in EXACT_SENSORS:
            unknown = True
    return SenseState(
        last_s=np.full((n_rep, n_d), -np.inf),
        id_lb=np.full((n_rep, n_d), np.inf),
        run_start=np.full((n_rep, n_d, max(n_c, 1)), np.nan),
        unknown=unknown,
    )


def sense_superset(
    ss: SenseState,
    st: Any,
    p: ScenarioParams,
    layout: Any,
    step: int,
    t0: float,
    t1: float,
) -> tuple[BoolArray, BoolArray]:
    """Sense one step of the undefended flight; (visible, identified) (R, D).

    ``visible``: airborne and possibly detected within ``track_memory_s`` (the truth
    picture's rule, ``t1 − t_last_detect ≤ track_memory_s``); ``identified``:
    airborne and possibly identified by ``t1``. Radars and RF detectors run their own
    ``sense`` (exact: it writes ``st.t_identified_s`` for RF classification);
    cameras the superset above. With a sensor kind not modelled, both are every
    airborne drone.
    """
    airborne = st.airborne()
    if ss.unknown:
        return airborne, airborne
    k = np.flatnonzero(airborne.reshape(-1))
    hit = np.zeros(airborne.shape, dtype=bool)
    if len(k):
        flat = hit.reshape(-1)
        for pl, kst in zip(layout.sensors, st.sensors, strict=True):
            if pl.n == 0:
                continue
            if pl.kind.name in EXACT_SENSORS:
                found = pl.kind.sense(pl, kst, st, step, t0, t1, k, None, None)
                if found is not None:
                    flat[k] |= found[0]
            elif pl.kind.name == "camera":
                cp = pl.params
                code = np.zeros((*airborne.shape, cp.n), dtype=np.int64)
                _camera_superset(
                    kst.look_no[step],
                    cp.pos_m,
                    cp.r50_m,
                    cp.pd_exponent,
                    cp.range_max_m,
                    cp.identify_range_m,
                    float(p.doctrine.identify_time_s),
                    float(t1),
                    kst.keys,
                    st.reps,
                    st.drone_key,
                    airborne,
                    st.pos_m,
                    ss.run_start,
                    hit,
                    ss.id_lb,
                    code,
                )
                if ss.cam_look is None:
                    ss.cam_look = np.asarray(kst.look_no >= 0)
                r, d, q = np.nonzero(code)
                if len(r):
                    ss.cam_obs.append(
                        np.stack([r, d, q, np.full(len(r), step), code[r, d, q]])
                    )
    ss.last_s[hit] = t1
    visible = airborne & (t1 - ss.last_s <= p.doctrine.track_memory_s)
    t_id = np.fmin(st.t_identified_s, ss.id_lb)  # NaN (never by RF) gives the camera's
    return visible, airborne & (t_id <= t1)


# ------------------------------------------------------------------------- timing


@dataclass(frozen=True, slots=True, eq=False)
class Timing:
    """The decision grid and each weapon's timing rules, over S steps and E weapons.

    Attributes
    ----------
    t1 : float (S,)
        End of each step.
    dec : int (K,)
        Decision steps (the steps in which decide runs).
    fire_lo, fire_hi : int (E, K)
        Earliest and latest step in which a shot decided in each decision step fires
        (S: after the end).
    nxt : int (E, S + 1)
        Earliest step of the weapon's next shot after a shot fired in step f.
    nxt_reload : int (E, S + 1)
        The same when that shot emptied the magazine (the reload must end first).
    mag_end : int (E, S + 1)
        A window [f, mag_end[f]) holds at most ``per_mag`` shots (S + 1 where no
        reload is left: the total limits the shots instead).
    tight : bool (E,)
        Weapons that may engage only identified drones.
    hold_m : float
        Weapons hold: the self-defence range (inf otherwise).
    pos_m : float (E, 3)
        Weapon positions.
    """

    t1: FloatArray
    dec: IntArray
    fire_lo: IntArray
    fire_hi: IntArray
    nxt: IntArray
    nxt_reload: IntArray
    mag_end: IntArray
    tight: BoolArray
    hold_m: float
    pos_m: FloatArray

    @property
    def t_dec(self) -> FloatArray:
        """Times of the decision cycles (s)."""
        return np.asarray(self.t1[self.dec])


def _first_at(t1: FloatArray, thr: FloatArray) -> IntArray:
    """First step whose end is >= ``thr`` (len(t1) if none): the engine's ``x <= t1``."""
    return np.asarray(np.searchsorted(t1, thr, side="left"), dtype=np.int64)


def make_timing(p: ScenarioParams, per_mag: IntArray, reloads: IntArray) -> Timing:
    """The timing rules of the scenario's guns then launchers (module docstring)."""
    g, m = p.effectors["gun"], p.effectors["missile"]
    n_s = p.n_steps
    dt = p.dt_s
    t1 = np.minimum((np.arange(n_s, dtype=np.float64) + 1.0) * dt, p.duration_s)
    doc = p.doctrine
    dec = np.flatnonzero(
        tick_numbers(np.array([doc.decision_period_s]), n_s, dt, p.duration_s)[:, 0]
        >= 0
    ).astype(np.int64)
    t_dec = t1[dec]
    n_g, n_m = g.n, m.n
    n_e = n_g + n_m
    # Least and most time from a decision to the fire time: a gun's slew time,
    # max(|Δaz|, |Δel|)/rate + settle with |Δaz| <= π and |Δel| <= π; a launcher's
    # reaction time exactly.
    lo = np.concatenate([g.settle_s, m.reaction_s]).astype(np.float64)
    hi = np.concatenate(
        [(math.pi / g.slew_rate_rad_s + g.settle_s) * (1.0 + _TOL) + _TOL, m.reaction_s]
    ).astype(np.float64)
    fire_lo = np.empty((n_e, len(dec)), dtype=np.int64)
    fire_hi = np.empty((n_e, len(dec)), dtype=np.int64)
    for e in range(n_e):
        fire_lo[e] = np.maximum(_first_at(t1, t_dec + lo[e]), dec)
        fire_hi[e] = np.maximum(_first_at(t1, t_dec + hi[e]), dec)
    # After a shot in step f the weapon is committed again only at a decision step
    # after f (decide runs before engage) where it is free: a gun's burst is over
    # (busy until t1(f) + burst_s) and, if the magazine emptied, the reload is done
    # (t1(f) + reload_s); a launcher needs only the reload.
    f = np.arange(n_s + 1, dtype=np.int64)
    t_f = np.concatenate([t1, [np.inf]])
    after = np.searchsorted(dec, f + 1, side="left")
    burst = np.concatenate([g.burst_s, np.zeros(n_m)]).astype(np.float64)
    reload_s = np.concatenate([g.reload_s, m.reload_s]).astype(np.float64)
    nxt = np.empty((n_e, n_s + 1), dtype=np.int64)
    nxt_reload = np.empty((n_e, n_s + 1), dtype=np.int64)
    for e in range(n_e):
        for out, waits in ((nxt, (burst[e],)), (nxt_reload, (burst[e], reload_s[e]))):
            k = after.copy()
            for wait in waits:
                k = np.maximum(k, np.searchsorted(t_dec, t_f + wait, side="left"))
            ok = k < len(dec)
            out[e] = np.where(ok, fire_lo[e][np.minimum(k, len(dec) - 1)], n_s)
            out[e, n_s] = n_s
    # Any per_mag + 1 consecutive shots straddle a reload: at least (per_mag - 1)
    # ordinary gaps and one reload gap, in some order.
    mag_end = np.full((n_e, n_s + 1), n_s + 1, dtype=np.int64)
    for e in range(n_e):
        b = int(per_mag[e])
        if reloads[e] <= 0 or b <= 0:
            continue
        powers = [f]
        for _ in range(b - 1):
            powers.append(nxt[e][powers[-1]])
        best = np.full(n_s + 1, n_s, dtype=np.int64)
        for j in range(b):
            best = np.minimum(best, powers[b - 1 - j][nxt_reload[e][powers[j]]])
        mag_end[e] = best
    hold = doc.self_defence_range_m if doc.weapons_control == "hold" else np.inf
    tight_kinds = doc.identification_required if doc.weapons_control == "tight" else ()
    tight = np.array(
        [("gun" in tight_kinds)] * n_g + [("missile" in tight_kinds)] * n_m
    )
    return Timing(
        t1=t1,
        dec=dec,
        fire_lo=fire_lo,
        fire_hi=fire_hi,
        nxt=nxt,
        nxt_reload=nxt_reload,
        mag_end=mag_end,
        tight=tight.astype(bool).reshape(n_e),
        hold_m=float(hold),
        pos_m=np.concatenate([g.pos_m, m.pos_m]).reshape(n_e, 3),
    )


# ------------------------------------------------------------------- decisions


def decision_windows(
    tm: Timing,
    visible: BoolArray,
    identified: BoolArray,
    ds_index: IntArray,
    ds_pos: FloatArray,
    effector: IntArray,
    row: IntArray,
    drone: IntArray,
    step: IntArray,
) -> tuple[IntArray, IntArray]:
    """Each candidate's first and last possible decision cycle (indices into ``dec``).

    A shot fired by weapon e at drone j in step f was decided in a decision step s
    with ``fire_lo[e, s] <= f <= fire_hi[e, s]``, at which j was in the picture
    (``visible`` (R, D, S)), identified if e is weapons tight (``identified``) and,
    under weapons hold, within the self-defence range of e (positions of the
    drone-steps ``ds_pos`` via ``ds_index`` (R, D, S)). -1, -1 where there is none:
    the engine cannot fire that shot.
    """
    n = len(step)
    k_lo = np.full(n, -1, dtype=np.int64)
    k_hi = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(tm.dec) == 0:
        return k_lo, k_hi
    first = np.empty(n, dtype=np.int64)
    last = np.empty(n, dtype=np.int64)
    for e in np.unique(effector):
        i = effector == e
        first[i] = np.searchsorted(tm.fire_hi[e], step[i], side="left")
        last[i] = np.searchsorted(tm.fire_lo[e], step[i], side="right") - 1
    span = int(np.max(last - first, initial=-1)) + 1
    for o in range(span):
        k = first + o
        live = k <= last
        if not live.any():
            continue
        i = np.flatnonzero(live)
        s = tm.dec[k[i]]
        ok = visible[row[i], drone[i], s].copy()
        ok &= ~tm.tight[effector[i]] | identified[row[i], drone[i], s]
        if np.isfinite(tm.hold_m):
            idx = ds_index[row[i], drone[i], s]
            d = np.linalg.norm(
                ds_pos[np.maximum(idx, 0)] - tm.pos_m[effector[i]], axis=1
            )
            ok &= (idx >= 0) & (d <= tm.hold_m * (1.0 + _TOL) + _TOL)
        hit = i[ok]
        k_lo[hit] = np.where(k_lo[hit] < 0, k[hit], k_lo[hit])
        k_hi[hit] = k[hit]
    return k_lo, k_hi


# ------------------------------------------------------------------------ rows


def _var_windows(steps: IntArray, end: IntArray, cap: int) -> list[IntArray]:
    """Index sets of candidates (sorted by ``steps``) in windows [f, end[f]).

    One window per distinct step f, left out where it holds no more than ``cap``
    candidates or lies inside the window before (``end`` is non-decreasing).
    """
    out: list[IntArray] = []
    prev_end = -1
    for f in np.unique(steps):
        e = int(end[f])
        if e <= prev_end:
            continue
        lo = int(np.searchsorted(steps, f, side="left"))
        hi = int(np.searchsorted(steps, e, side="left"))
        if hi - lo > cap:
            out.append(np.arange(lo, hi, dtype=np.int64))
            prev_end = e
    return out


def weapon_rows(
    tm: Timing,
    lim: Any,
    effector: IntArray,
    step: IntArray,
    t_fire: FloatArray,
    t_res: FloatArray,
) -> list[Row]:
    """The weapons' packing rows (families gap, reload, total and channels).

    Per weapon: at most one shot in [f, nxt[f]) (the gap after a shot), at most
    ``per_mag`` in [f, mag_end[f]) (a magazine and its reload), at most the total,
    and a launcher's missiles in the air at a launch within its fire channels.
    """
    rows: list[Row] = []
    for e in np.unique(effector):
        idx = np.flatnonzero(effector == e)
        idx = idx[np.argsort(step[idx], kind="stable")]
        s = step[idx]
        for w in _var_windows(s, tm.nxt[e], 1):
            rows.append(("gap", idx[w], 1.0))
        b = int(lim.per_mag[e])
        if (tm.mag_end[e] <= len(tm.t1)).any():
            for w in _var_windows(s, tm.mag_end[e], b):
                rows.append(("reload", idx[w], float(b)))
        if lim.total[e] < len(idx):
            rows.append(("total", idx, float(lim.total[e])))
        ch = int(lim.channels[e])
        for live in channel_sets(idx, s, t_fire, t_res, ch):
            rows.append(("channels", live, float(ch)))
    return rows


def channel_sets(
    idx: IntArray, s: IntArray, t_fire: FloatArray, t_res: FloatArray, ch: int
) -> list[IntArray]:
    """One launcher's shots that would be in the air together beyond its channels.

    ``idx`` its shots by fire step ``s``: for each fire step, the shots fired then
    and those fired before still unresolved at that time, where they number more than
    ``ch`` (0: no limit). Each set may hold at most ``ch`` (the channels rows).
    """
    sets: list[IntArray] = []
    if ch > 0 and len(idx) > ch:
        for t in np.unique(s):
            t1 = t_fire[idx[s == t][0]]
            live = idx[((s < t) & (t_res[idx] > t1)) | (s == t)]
            if len(live) > ch:
                sets.append(live)
    return sets


def drone_rows(
    tm: Timing,
    p: ScenarioParams,
    drone: IntArray,
    k_hi: IntArray,
    t_res: FloatArray,
) -> list[Row]:
    """The drones' packing rows (family shooters): shooters and salvos per drone.

    At most ``max_shooters_per_drone`` shots pending at once, and with
    shoot-look-shoot one salvo at a time.

    Shot c was decided no later than decision cycle ``k_hi[c]`` and is pending (the
    engine's ``pending`` count: committed, not resolved) at every decision cycle k >=
    k_hi[c] with t1(k) < t_res[c]; with shoot-look-shoot the drone is closed to a
    new salvo until t1(k) >= t_res[c] + assess_time_s. Shots whose intervals
    [k_hi, end) share a cycle are pending together (or, with shoot-look-shoot, one
    salvo, whose size is at most the shooter limit): at most that limit of them.
    """
    doc = p.doctrine
    cap = int(doc.max_shooters_per_drone)
    t_dec = tm.t_dec
    until = t_res + doc.assess_time_s if doc.shoot_look_shoot else t_res
    end = np.searchsorted(t_dec, until, side="left")
    rows: list[Row] = []
    for j in np.unique(drone):
        idx = np.flatnonzero(drone == j)
        if len(idx) <= cap:
            continue
        idx = idx[np.argsort(k_hi[idx], kind="stable")]
        start = k_hi[idx]
        stop = end[idx]
        prev: set[int] = set()
        for k in np.unique(start):
            hi = int(np.searchsorted(start, k, side="right"))
            members = idx[:hi][stop[:hi] > k]
            if len(members) > cap:
                key = set(members.tolist())
                if key <= prev:
                    continue
                rows.append(("shooters", members, float(cap)))
                prev = key
    return rows
