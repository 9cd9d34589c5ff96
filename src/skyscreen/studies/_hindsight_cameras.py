r"""Camera capacity in the doctrine hindsight bound: one identification at a time.

Private helper of :mod:`skyscreen.studies.hindsight` (``relaxation="cameras"``; its
docstring states the rules). What every engine schedule obeys, from
:mod:`skyscreen.engine.kinds.camera` (``_look``):

* A camera identifies only the drone of the entry it is tasked with (``held``), at a
  look that detects it within ``identify_range_m`` (``got``) at least
  ``identify_time_s`` after its hold began (``t1 − hold ≥ identify_time_s − 1e-9``);
  the hold began at a look that detected that drone within identification range
  (``got and isnan(hold)``) and lasted through every look of the camera in between
  (a look with the drone outside the identification range, the range, the horizon or
  the field of view, or not airborne, ends it: ``not near``). So an identification
  of drone *j* by camera *q* at look *L* is one of the *options* (*q*, *j*, *L*)
  with a *hold start* *h* ≤ *L*: *j* within reach of *q* at every look from *h* to
  *L*, its draws below the Pd at *h* and *L* (the draws are per (camera, drone,
  look): policy-independent), *t₁(L)* − *t₁(h)* ≥ ``identify_time_s``. Let
  h_max(*q*, *j*, *L*) be the latest such *h*.
* One identification per camera and look (``out_ident[r, q]``, one ``held``), after
  which the camera drops its task and its hold (``task = -1``, ``hold = NaN``): the
  next hold begins at a later look. So if camera *q* identifies at looks
  *L₁* < *L₂*, the hold that ended at *L₂* began after *L₁*: *L₁* < *h* ≤
  h_max(*q*, *j₂*, *L₂*). Every identification of *q* thus owns the
  interval [h_max, *L*] of looks, and no two of a camera's
  identifications have intersecting intervals (if they did, the earlier one's *L₁*
  would lie in the later one's interval). The options of a camera form an interval
  graph; its cliques are the options whose intervals hold a common look, and at most
  one option of each clique is an identification: one row per maximal clique.
* A drone is identified once (``isnan(t_ident)``): at most one option per drone.

A weapons-tight shot needs its drone identified by the last decision cycle *k* that
could have committed it (the picture's ``identified`` is ``t_identified_s ≤ t``):
by an RF detector (exact, the undefended flight's classification time) or by an
option at a look no later than *k*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray

__all__ = ["CameraOptions", "camera_options", "camera_rows", "clique_rows"]

_SLACK_S = 1e-6  # over-approximates the engine's ``t1 - hold >= ident_time - 1e-9``


@dataclass(frozen=True, slots=True, eq=False)
class CameraOptions:
    """Possible camera identifications (W of them) of one or more replications.

    ``row``: replication row; ``cam``: camera (scenario order); ``drone``; ``step``:
    the look's step *L*; ``start``: the latest hold start h_max (a step).
    """

    row: IntArray
    cam: IntArray
    drone: IntArray
    step: IntArray
    start: IntArray

    def take(self, i: IntArray | BoolArray) -> CameraOptions:
        """The options ``i``."""
        return CameraOptions(
            self.row[i], self.cam[i], self.drone[i], self.step[i], self.start[i]
        )

    def __len__(self) -> int:
        return len(self.step)


def camera_options(
    obs: IntArray, cam_look: BoolArray | None, t1: FloatArray, ident_time_s: float
) -> CameraOptions:
    """Every option (module docstring) from a flight's camera observations.

    ``obs`` (5, n): (row, drone, camera, step, code) of each look that finds a drone
    within identification reach of a camera (code 1: draw above the Pd, 2: below),
    from :func:`~._hindsight_doctrine.sense_superset`; ``cam_look`` (S, C): the
    cameras' look steps; ``t1`` (S,): step ends.
    """
    empty = np.zeros(0, dtype=np.int64)
    if obs.shape[1] == 0 or cam_look is None:
        return CameraOptions(empty, empty, empty, empty, empty)
    row, drone, cam, step, code = (np.asarray(x, dtype=np.int64) for x in obs)
    # Look number of each observation among its camera's looks.
    look_idx = np.cumsum(cam_look, axis=0) - 1  # (S, C)
    li = look_idx[step, cam]
    o = np.lexsort((step, drone, cam, row))
    row, drone, cam, step, code, li = (x[o] for x in (row, drone, cam, step, code, li))
    group = np.r_[
        True,
        (row[1:] != row[:-1]) | (cam[1:] != cam[:-1]) | (drone[1:] != drone[:-1]),
    ]
    # A run: consecutive looks of the camera with the drone within reach.
    run = np.cumsum(group | np.r_[True, li[1:] != li[:-1] + 1])
    seen = np.flatnonzero(code == 2)
    # For each seen look L, the latest seen look h of the same run with
    # t1(L) − t1(h) >= identify_time_s (observations sorted by group, then step:
    # a seen look of the same run is later than every one of an earlier run).
    t_seen = t1[step[seen]]
    # Sorted keys: run, then time (a key of an earlier run is below every one of a
    # later run; a match in an earlier run is rejected below).
    key = run[seen].astype(np.float64) * (float(t1[-1]) + ident_time_s + 1.0) + t_seen
    thr = key - ident_time_s + _SLACK_S
    at = np.searchsorted(key, thr, side="right") - 1
    ok = at >= 0
    ok[ok] = run[seen[at[ok]]] == run[seen[ok]]
    L = seen[ok]
    h = seen[at[ok]]
    return CameraOptions(row[L], cam[L], drone[L], step[L], step[h])


def clique_rows(opts: CameraOptions) -> list[IntArray]:
    """Maximal cliques of each camera's interval graph (indices into ``opts``).

    Options of one replication and camera whose intervals [start, step] hold a
    common step; only cliques of two or more. Every maximal clique is the set C(p) of
    intervals holding some right end p; an interval holding p and p'' holds every p'
    between, so C(p) inside another C(p'') is inside a neighbour's.
    """
    out: list[IntArray] = []
    for key in np.unique(np.stack([opts.row, opts.cam]), axis=1).T:
        idx = np.flatnonzero((opts.row == key[0]) & (opts.cam == key[1]))
        if len(idx) < 2:
            continue
        lo, hi = opts.start[idx], opts.step[idx]
        sets = [idx[(lo <= p) & (hi >= p)] for p in np.unique(hi)]
        for i, c in enumerate(sets):
            if len(c) < 2:
                continue
            if i > 0 and np.isin(c, sets[i - 1]).all():
                continue
            nxt = sets[i + 1] if i + 1 < len(sets) else c
            if len(nxt) > len(c) and np.isin(c, nxt).all():
                continue
            out.append(c)
    return out


def camera_rows(
    opts: CameraOptions,
) -> list[tuple[IntArray, float]]:
    """The options' packing rows: cliques per camera, one identification per drone."""
    rows: list[tuple[IntArray, float]] = [(c, 1.0) for c in clique_rows(opts)]
    pair = opts.row * (int(opts.drone.max(initial=0)) + 1) + opts.drone
    for v in np.unique(pair):
        idx = np.flatnonzero(pair == v)
        if len(idx) >= 2:
            rows.append((idx, 1.0))
    return rows


def link_rows(
    opts: CameraOptions, shot: IntArray, drone: IntArray, need_step: IntArray, n_y: int
) -> tuple[BoolArray, list[tuple[IntArray, FloatArray, float, float]]]:
    """Extra columns and rows of one replication: identification before the shot.

    ``shot``, ``drone``, ``need_step``: the weapons-tight shots (indices among the
    n_y shot columns) whose drone no RF detector classifies by their last possible
    decision cycle, their drones and that cycle's step. Columns (after the n_y shot
    columns, in order): w, a binary per option that can serve one of them (at a look
    no later than the latest such step of its drone), then *I*, one per distinct
    (drone, step): identified by then. Rows: *I* = Σ w over the drone's options at
    looks ≤ step; y_c ≤ *I*; the cliques; one identification per drone. Returns
    (integrality of the extra columns, rows).
    """
    rows: list[tuple[IntArray, FloatArray, float, float]] = []
    if len(shot) == 0:
        return np.zeros(0, dtype=bool), rows
    n_d = int(max(drone.max(), opts.drone.max(initial=0))) + 1
    need_by = np.full(n_d, -1, dtype=np.int64)
    np.maximum.at(need_by, drone, need_step)
    o = opts.take(opts.step <= need_by[opts.drone])
    n_w = len(o)
    for idx, cap in camera_rows(o):
        rows.append((n_y + idx, np.ones(len(idx)), -np.inf, cap))
    pairs, inv = np.unique(np.stack([drone, need_step]), axis=1, return_inverse=True)
    inv = np.asarray(inv).reshape(-1)
    col_i = n_y + n_w + np.arange(pairs.shape[1])
    for k in range(pairs.shape[1]):
        w = np.flatnonzero((o.drone == pairs[0, k]) & (o.step <= pairs[1, k]))
        rows.append(
            (
                np.r_[col_i[k], n_y + w],
                np.r_[1.0, -np.ones(len(w))],
                0.0,
                0.0,
            )
        )
    for c, m in zip(shot, inv, strict=True):
        rows.append((np.array([c, col_i[m]]), np.array([1.0, -1.0]), -np.inf, 0.0))
    integral = np.r_[np.ones(n_w, dtype=bool), np.zeros(pairs.shape[1], dtype=bool)]
    return integral, rows
