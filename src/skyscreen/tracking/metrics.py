r"""Multi-target tracking scores: OSPA, GOSPA and track-management metrics.

Per scan, with truth positions :math:`X = \{x_1..x_n\}`, track positions
:math:`Y = \{y_1..y_m\}`, Euclidean distance :math:`d`, cut-off :math:`c > 0` and
order :math:`p \ge 1`, :math:`d^{(c)} = \min(d, c)`:

OSPA (Schuhmacher, Vo & Vo 2008), :math:`n \le m` (swap the sets otherwise):

.. math::

    \bar d_p^{(c)}(X, Y) = \Big(\frac{1}{m}\Big(\min_{\pi}\sum_{i=1}^{n}
    d^{(c)}(x_i, y_{\pi(i)})^p + c^p (m - n)\Big)\Big)^{1/p},

and 0 when both sets are empty.

GOSPA with :math:`\alpha = 2` (Rahmathullah, García-Fernández & Svensson 2017):

.. math::

    d_p^{(c,2)}(X, Y) = \Big(\min_{\gamma}\sum_{(i,j)\in\gamma} d(x_i, y_j)^p
    + \frac{c^p}{2}\big(|X| + |Y| - 2|\gamma|\big)\Big)^{1/p},

over partial assignments :math:`\gamma` whose pairs have :math:`d < c`. Both are
solved by one linear sum assignment on the clipped cost
:math:`\min(d, c)^p`: a pair at :math:`d \ge c` costs :math:`c^p`, the same as
leaving both ends unassigned, so it counts as one missed truth and one false track.
These are the definitions of the reference scorer the project cross-checks against
Stone Soup's ``OSPAMetric`` and ``GOSPAMetric``.

:func:`score_tracks` applies both to every scan of a run and derives
track-management metrics (completeness, false tracks, identity switches, breaks,
swaps, coalescence, latency) from the per-scan GOSPA assignment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.errors import ModelError

__all__ = ["GospaTerms", "TrackScore", "gospa", "ospa", "score_tracks"]


@dataclass(frozen=True, slots=True)
class GospaTerms:
    """GOSPA distance of one scan and its decomposition.

    The terms are in units of distance to the power ``p``:
    ``gospa ** p == localisation + missed + false``.

    Attributes
    ----------
    gospa : float
        The GOSPA distance.
    localisation : float
        Sum of ``d ** p`` over the assigned pairs (those with ``d < c``).
    missed : float
        ``c ** p / 2`` times the number of missed truths.
    false : float
        ``c ** p / 2`` times the number of false tracks.
    n_missed : int
        Truths left unassigned (including those paired at ``d >= c``).
    n_false : int
        Tracks left unassigned (including those paired at ``d >= c``).
    """

    gospa: float
    localisation: float
    missed: float
    false: float
    n_missed: int
    n_false: int


@dataclass(frozen=True, slots=True, eq=False)
class TrackScore:
    """Scores of a tracker's output against truth over a run of scans.

    Per-scan arrays have one entry per scan ``0 .. steps - 1``; per-truth arrays
    one per distinct truth id, in the order of ``truth_ids`` (ascending); per-row
    arrays are aligned with the rows passed to :func:`score_tracks`. All arrays
    are read-only. Means over scans are plain means over all ``steps`` scans,
    empty scans included (they score 0).

    Attributes
    ----------
    steps : int
        Number of scans scored.
    c : float
        Cut-off distance.
    p : float
        Order of the metrics.
    ospa : FloatArray of shape (steps,)
        OSPA distance per scan.
    gospa : FloatArray of shape (steps,)
        GOSPA distance per scan.
    gospa_localisation, gospa_missed, gospa_false : FloatArray of shape (steps,)
        GOSPA terms per scan (see :class:`GospaTerms`).
    n_truth, n_track : IntArray of shape (steps,)
        Truths and tracks present per scan.
    n_missed, n_false : IntArray of shape (steps,)
        Unassigned truths and unassigned tracks per scan.
    n_coalesced : IntArray of shape (steps,)
        Unassigned truths with a track closer than ``c`` per scan (see
        :func:`score_tracks`).
    truth_ids : IntArray of shape (n_truths,)
        Distinct truth ids, ascending.
    truth_latency_scans : FloatArray of shape (n_truths,)
        Scans from each truth's reference step to its first assigned scan; NaN
        where it is never assigned (or has no reference step).
    truth_id_switches, truth_breaks : IntArray of shape (n_truths,)
        Identity switches and breaks per truth.
    is_assigned : BoolArray of shape (n_truth_rows,)
        Whether each truth row has an assigned track.
    assigned_track_id : IntArray of shape (n_truth_rows,)
        Track id assigned to each truth row; -1 where ``is_assigned`` is False.
    track_is_assigned : BoolArray of shape (n_track_rows,)
        Whether each track row is assigned to a truth.
    ospa_mean, gospa_mean : float
        Means of ``ospa`` and ``gospa`` over all scans.
    gospa_localisation_mean, gospa_missed_mean, gospa_false_mean : float
        Means of the GOSPA terms over all scans.
    missed_per_scan : float
        Mean of ``n_missed``.
    false_track_rate : float
        Mean of ``n_false``: unassigned tracks per scan.
    completeness : float
        Fraction of truth rows with an assigned track; NaN without truth rows.
    n_false_tracks : int
        Distinct track ids never assigned to any truth.
    id_switches, breaks, n_swaps : int
        Totals of identity switches, breaks and track swaps.
    coalescence : float
        Mean of ``n_coalesced``.
    latency_mean_scans : float
        Mean of ``truth_latency_scans`` over the truths where it is defined; NaN
        if none.
    n_track_ids, n_truths : int
        Distinct track ids and truth ids.
    mean_truth_cardinality, mean_track_cardinality : float
        Means of ``n_truth`` and ``n_track``.
    """

    steps: int
    c: float
    p: float
    ospa: FloatArray
    gospa: FloatArray
    gospa_localisation: FloatArray
    gospa_missed: FloatArray
    gospa_false: FloatArray
    n_truth: IntArray
    n_track: IntArray
    n_missed: IntArray
    n_false: IntArray
    n_coalesced: IntArray
    truth_ids: IntArray
    truth_latency_scans: FloatArray
    truth_id_switches: IntArray
    truth_breaks: IntArray
    is_assigned: BoolArray
    assigned_track_id: IntArray
    track_is_assigned: BoolArray
    ospa_mean: float
    gospa_mean: float
    gospa_localisation_mean: float
    gospa_missed_mean: float
    gospa_false_mean: float
    missed_per_scan: float
    false_track_rate: float
    completeness: float
    n_false_tracks: int
    id_switches: int
    breaks: int
    n_swaps: int
    coalescence: float
    latency_mean_scans: float
    n_track_ids: int
    n_truths: int
    mean_truth_cardinality: float
    mean_track_cardinality: float

    def summary(self) -> dict[str, float]:
        """Every scalar attribute, as floats, keyed by attribute name.

        Returns
        -------
        dict of str to float
            ``steps``, ``c``, ``p`` and the scalar scores, in attribute order.
        """
        out: dict[str, float] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, np.ndarray):
                out[f.name] = float(value)
        return out


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _check_cp(c: float, p: float, where: str) -> tuple[float, float]:
    c_f, p_f = float(c), float(p)
    if not (np.isfinite(c_f) and c_f > 0.0):
        raise ModelError(f"{where}: c must be finite and > 0; got {c!r}")
    if not (np.isfinite(p_f) and p_f >= 1.0):
        raise ModelError(f"{where}: p must be finite and >= 1; got {p!r}")
    return c_f, p_f


def _check_points(a: Any, name: str, where: str) -> FloatArray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.size == 0 and arr.ndim == 1:
        return arr.reshape(0, 0)
    if arr.ndim != 2:
        raise ModelError(
            f"{where}: {name} must have shape (n, d); got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ModelError(f"{where}: {name} must be finite; got NaN or inf")
    return arr


def _check_dims(x: FloatArray, y: FloatArray, names: str, where: str) -> None:
    if x.shape[0] and y.shape[0] and x.shape[1] != y.shape[1]:
        raise ModelError(
            f"{where}: {names} must have the same number of columns; "
            f"got {x.shape[1]} and {y.shape[1]}"
        )


def _check_ints(a: Any, name: str, where: str) -> IntArray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ModelError(f"{where}: {name} must be 1-D; got shape {arr.shape}")
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if (
        arr.dtype.kind == "f"
        and np.isfinite(arr).all()
        and (arr == np.round(arr)).all()
    ):
        return arr.astype(np.int64)
    raise ModelError(f"{where}: {name} must hold integers; got dtype {arr.dtype}")


def _check_unique_pairs(step: IntArray, ident: IntArray, what: str, where: str) -> None:
    if step.size < 2:
        return
    order = np.lexsort((ident, step))
    s, i = step[order], ident[order]
    dup = (s[1:] == s[:-1]) & (i[1:] == i[:-1])
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise ModelError(
            f"{where}: each {what} id may appear once per step; "
            f"got id {int(i[k])} twice at step {int(s[k])}"
        )


# ---------------------------------------------------------------------------
# One scan
# ---------------------------------------------------------------------------


def _assign(
    x: FloatArray, y: FloatArray, c: float, p: float
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Optimal assignment on the clipped cost ``min(d, c) ** p``.

    Computational core: inputs are assumed valid and both sets non-empty.

    Returns
    -------
    rows, cols : IntArray of shape (min(n, m),)
        Paired truth and track indices.
    dist : FloatArray of shape (min(n, m),)
        Distances of the pairs.
    d_full : FloatArray of shape (n, m)
        All truth-track distances.
    """
    diff = x[:, None, :] - y[None, :, :]
    d_full = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    cost = np.minimum(d_full, c) ** p
    from scipy.optimize import linear_sum_assignment  # here: 0.2 s to import

    rows, cols = linear_sum_assignment(cost)
    return rows, cols, d_full[rows, cols], d_full


def _ospa_from(dist: FloatArray, nx: int, ny: int, c: float, p: float) -> float:
    n, m = max(nx, ny), min(nx, ny)
    if n == 0:
        return 0.0
    total = float((np.minimum(dist, c) ** p).sum()) + c**p * (n - m)
    return float((total / n) ** (1.0 / p))


def _gospa_from(dist: FloatArray, nx: int, ny: int, c: float, p: float) -> GospaTerms:
    good = dist < c
    loc = float((dist[good] ** p).sum())
    n_good = int(good.sum())
    n_miss, n_false = nx - n_good, ny - n_good
    half = c**p / 2.0
    total = loc + half * (n_miss + n_false)
    return GospaTerms(
        gospa=float(total ** (1.0 / p)),
        localisation=loc,
        missed=half * n_miss,
        false=half * n_false,
        n_missed=n_miss,
        n_false=n_false,
    )


_NO_DIST = np.zeros(0, dtype=np.float64)


def ospa(X: Any, Y: Any, c: float = 100.0, p: float = 1.0) -> float:
    """OSPA distance between two point sets (Schuhmacher, Vo & Vo 2008).

    Parameters
    ----------
    X : array_like of shape (n, d)
        Truth positions; an empty list stands for no points.
    Y : array_like of shape (m, d)
        Track positions.
    c : float, default 100.0
        Cut-off distance, > 0, in the units of the positions.
    p : float, default 1.0
        Order, >= 1.

    Returns
    -------
    float
        The OSPA distance, in ``[0, c]``; 0 when both sets are empty, ``c`` when
        exactly one is.

    Raises
    ------
    ModelError
        (a ValueError) if ``c`` or ``p`` is out of range or the shapes disagree.

    Examples
    --------
    >>> ospa([[0.0, 0.0]], [[3.0, 4.0]])
    5.0
    >>> ospa([[0.0, 0.0]], [[3.0, 4.0], [50.0, 0.0]], c=10.0)
    7.5
    """
    c, p = _check_cp(c, p, "ospa")
    x = _check_points(X, "X", "ospa")
    y = _check_points(Y, "Y", "ospa")
    _check_dims(x, y, "X and Y", "ospa")
    nx, ny = x.shape[0], y.shape[0]
    if nx == 0 or ny == 0:
        return _ospa_from(_NO_DIST, nx, ny, c, p)
    _, _, dist, _ = _assign(x, y, c, p)
    return _ospa_from(dist, nx, ny, c, p)


def gospa(
    X: Any, Y: Any, c: float = 100.0, p: float = 1.0, alpha: float = 2.0
) -> GospaTerms:
    """GOSPA distance with ``alpha = 2`` and its terms (Rahmathullah et al. 2017).

    Parameters
    ----------
    X : array_like of shape (n, d)
        Truth positions; an empty list stands for no points.
    Y : array_like of shape (m, d)
        Track positions.
    c : float, default 100.0
        Cut-off distance, > 0. Pairs at ``d >= c`` count as one missed truth and
        one false track.
    p : float, default 1.0
        Order, >= 1.
    alpha : float, default 2.0
        Only 2 is supported.

    Returns
    -------
    GospaTerms
        The distance and its localisation, missed and false terms.

    Raises
    ------
    ModelError
        (a ValueError) if ``alpha != 2``, ``c`` or ``p`` is out of range, or the
        shapes disagree.

    Examples
    --------
    >>> g = gospa([[0.0, 0.0], [100.0, 0.0]], [[3.0, 4.0]], c=10.0)
    >>> g.gospa, g.localisation, g.missed, g.false, g.n_missed, g.n_false
    (10.0, 5.0, 5.0, 0.0, 1, 0)
    """
    if float(alpha) != 2.0:
        raise ModelError(f"gospa: only alpha = 2 is supported; got {alpha!r}")
    c, p = _check_cp(c, p, "gospa")
    x = _check_points(X, "X", "gospa")
    y = _check_points(Y, "Y", "gospa")
    _check_dims(x, y, "X and Y", "gospa")
    nx, ny = x.shape[0], y.shape[0]
    if nx == 0 or ny == 0:
        return _gospa_from(_NO_DIST, nx, ny, c, p)
    _, _, dist, _ = _assign(x, y, c, p)
    return _gospa_from(dist, nx, ny, c, p)


# ---------------------------------------------------------------------------
# A run of scans
# ---------------------------------------------------------------------------


def _readonly(a: np.ndarray[Any, Any]) -> Any:
    a.flags.writeable = False
    return a


def score_tracks(
    truth_step: Any,
    truth_id: Any,
    truth_pos: Any,
    track_step: Any,
    track_id: Any,
    track_pos: Any,
    *,
    steps: int | None = None,
    c: float = 100.0,
    p: float = 1.0,
    first_detect_step: Mapping[int, int] | None = None,
) -> TrackScore:
    """Score tracks against truth over a run of scans.

    Each scan is scored with OSPA and GOSPA (``alpha = 2``) as in :func:`ospa` and
    :func:`gospa`. A track is *assigned* to a truth at a scan when the optimal
    GOSPA assignment pairs them at distance ``d < c``; everything below is
    derived from that assignment.

    - **completeness**: assigned truth rows / truth rows.
    - **false_track_rate**: mean unassigned tracks per scan (``n_false``, the
      GOSPA false count); **n_false_tracks**: distinct track ids never assigned.
    - **identity switch**: for one truth, two consecutive *assigned* scans of it
      (unassigned scans in between allowed) whose track ids differ.
    - **break**: for one truth, two consecutive assigned scans with at least one
      scan between them where the truth is present but unassigned (scans where
      the truth is absent from ``truth_*`` do not break it). A track that drops
      and resumes under a new id counts once as a break and once as a switch.
    - **swap**: truths ``a`` and ``b`` held tracks ``u`` and ``v`` at scan ``k``
      and hold ``v`` and ``u`` at scan ``k + 1``. A swap is also two identity
      switches.
    - **coalescence**: per scan, the truths that are unassigned although some
      track is closer than ``c``. At the optimum any such track is assigned to
      another truth (otherwise pairing it would lower the cost), so these are
      truths absorbed by a neighbour's track; ``coalescence`` is their mean
      number per scan.
    - **latency**: for each truth, the first assigned scan at or after its
      reference step minus the reference step. The reference is its first scan
      present, or ``first_detect_step[id]`` if that mapping is given (truths
      missing from it get NaN). NaN where never assigned.

    Parameters
    ----------
    truth_step : array_like of int, shape (n,)
        Scan index of each truth row, ``0 <= step < steps``.
    truth_id : array_like of int, shape (n,)
        Truth id of each row; an id appears at most once per scan.
    truth_pos : array_like of shape (n, d)
        Truth positions.
    track_step : array_like of int, shape (m,)
        Scan index of each track row.
    track_id : array_like of int, shape (m,)
        Track id of each row; an id appears at most once per scan.
    track_pos : array_like of shape (m, d)
        Track positions, same units and columns as ``truth_pos``.
    steps : int, optional
        Number of scans. Defaults to the largest step in either table plus one.
    c : float, default 100.0
        Cut-off distance, > 0.
    p : float, default 1.0
        Order, >= 1.
    first_detect_step : mapping of int to int, optional
        Truth id to the step it was first detected, the reference for latency.

    Returns
    -------
    TrackScore
        Per-scan, per-truth and per-row arrays and the scalar scores.

    Raises
    ------
    ModelError
        (a ValueError) on bad shapes, non-integer or negative steps, steps beyond
        ``steps``, an id repeated within a scan, or ``c``/``p`` out of range.

    Examples
    --------
    Two truths cross at scan 1 and the tracker swaps their tracks:

    >>> s = score_tracks(
    ...     [0, 0, 1, 1], [1, 2, 1, 2], [[0, 0], [50, 0], [10, 0], [40, 0]],
    ...     [0, 0, 1, 1], [7, 8, 7, 8], [[0, 0], [50, 0], [40, 0], [10, 0]],
    ... )
    >>> s.n_swaps, s.id_switches, s.completeness, s.ospa_mean
    (1, 2, 1.0, 0.0)
    """
    where = "score_tracks"
    c, p = _check_cp(c, p, where)
    t_step = _check_ints(truth_step, "truth_step", where)
    t_id = _check_ints(truth_id, "truth_id", where)
    t_pos = _check_points(truth_pos, "truth_pos", where)
    r_step = _check_ints(track_step, "track_step", where)
    r_id = _check_ints(track_id, "track_id", where)
    r_pos = _check_points(track_pos, "track_pos", where)
    n_rows, m_rows = t_step.size, r_step.size
    for name, arr, size in (
        ("truth_id", t_id, n_rows),
        ("truth_pos", t_pos, n_rows),
        ("track_id", r_id, m_rows),
        ("track_pos", r_pos, m_rows),
    ):
        if arr.shape[0] != size:
            step_name = "truth_step" if name.startswith("truth") else "track_step"
            raise ModelError(
                f"{where}: {name} must have as many rows as {step_name} ({size}); "
                f"got {arr.shape[0]}"
            )
    _check_dims(t_pos, r_pos, "truth_pos and track_pos", where)
    for name, arr in (("truth_step", t_step), ("track_step", r_step)):
        if arr.size and arr.min() < 0:
            raise ModelError(f"{where}: {name} must be >= 0; got {int(arr.min())}")
    top = max(int(t_step.max()) if n_rows else -1, int(r_step.max()) if m_rows else -1)
    if steps is None:
        n_steps = top + 1
    else:
        n_steps = int(steps)
        if n_steps != steps or n_steps < 0:
            raise ModelError(f"{where}: steps must be an int >= 0; got {steps!r}")
        if top >= n_steps:
            raise ModelError(
                f"{where}: every step must be < steps ({n_steps}); got step {top}"
            )
    _check_unique_pairs(t_step, t_id, "truth", where)
    _check_unique_pairs(r_step, r_id, "track", where)
    return _score_tracks(
        t_step, t_id, t_pos, r_step, r_id, r_pos, n_steps, c, p, first_detect_step
    )


def _score_tracks(
    t_step: IntArray,
    t_id: IntArray,
    t_pos: FloatArray,
    r_step: IntArray,
    r_id: IntArray,
    r_pos: FloatArray,
    n_steps: int,
    c: float,
    p: float,
    first_detect_step: Mapping[int, int] | None,
) -> TrackScore:
    """Computational core of :func:`score_tracks`; valid input is assumed."""
    n_rows, m_rows = t_step.size, r_step.size
    # Group rows by scan: a stable sort by step, then slice bounds per scan.
    t_order = np.argsort(t_step, kind="stable")
    r_order = np.argsort(r_step, kind="stable")
    scan_ids = np.arange(n_steps + 1)
    t_bounds = np.searchsorted(t_step[t_order], scan_ids)
    r_bounds = np.searchsorted(r_step[r_order], scan_ids)

    ospa_k = np.zeros(n_steps)
    gospa_k = np.zeros(n_steps)
    loc_k = np.zeros(n_steps)
    miss_k = np.zeros(n_steps)
    false_k = np.zeros(n_steps)
    n_missed = np.zeros(n_steps, dtype=np.int64)
    n_false = np.zeros(n_steps, dtype=np.int64)
    n_coal = np.zeros(n_steps, dtype=np.int64)
    # Track row assigned to each truth row (-1: none).
    match = np.full(n_rows, -1, dtype=np.int64)

    for k in range(n_steps):
        ti = t_order[t_bounds[k] : t_bounds[k + 1]]
        ri = r_order[r_bounds[k] : r_bounds[k + 1]]
        nx, ny = ti.size, ri.size
        if nx == 0 and ny == 0:
            continue
        if nx and ny:
            rows, cols, dist, d_full = _assign(t_pos[ti], r_pos[ri], c, p)
            good = dist < c
            match[ti[rows[good]]] = ri[cols[good]]
            unassigned = np.ones(nx, dtype=np.bool_)
            unassigned[rows[good]] = False
            n_coal[k] = int((d_full[unassigned].min(axis=1) < c).sum())
        else:
            dist = _NO_DIST
        ospa_k[k] = _ospa_from(dist, nx, ny, c, p)
        g = _gospa_from(dist, nx, ny, c, p)
        gospa_k[k] = g.gospa
        loc_k[k] = g.localisation
        miss_k[k] = g.missed
        false_k[k] = g.false
        n_missed[k] = g.n_missed
        n_false[k] = g.n_false

    n_truth = np.diff(t_bounds).astype(np.int64)
    n_track = np.diff(r_bounds).astype(np.int64)
    is_assigned = match >= 0
    assigned_track_id = np.where(is_assigned, r_id[np.maximum(match, 0)], -1)
    track_is_assigned = np.zeros(m_rows, dtype=np.bool_)
    track_is_assigned[match[is_assigned]] = True

    # Per-truth sequences: rows sorted by (truth id, step).
    truth_ids, t_inv = np.unique(t_id, return_inverse=True)
    n_truths = truth_ids.size
    order = np.lexsort((t_step, t_id))
    grp = t_inv[order]
    stp = t_step[order]
    asg = is_assigned[order]
    trk = assigned_track_id[order]

    # Consecutive assigned rows of the same truth: a switch if the ids differ, a
    # break if present-but-unassigned rows of that truth lie between them.
    pos = np.flatnonzero(asg)
    a, b = pos[:-1], pos[1:]
    same = grp[a] == grp[b]
    a, b = a[same], b[same]
    switch = trk[a] != trk[b]
    brk = (b - a) > 1
    truth_id_switches = np.bincount(grp[a[switch]], minlength=n_truths)
    truth_breaks = np.bincount(grp[a[brk]], minlength=n_truths)

    # Swaps: switches u -> v at scan k + 1 matched by v -> u at the same scan.
    # Each track is assigned to one truth per scan, so a key (k, min, max) can
    # only occur twice as the two halves of one swap.
    adj = switch & (stp[b] - stp[a] == 1)
    u, v = trk[a[adj]], trk[b[adj]]
    keys = np.stack([stp[b[adj]], np.minimum(u, v), np.maximum(u, v)], axis=1)
    n_swaps = 0
    if keys.shape[0]:
        _, counts = np.unique(keys, axis=0, return_counts=True)
        n_swaps = int((counts == 2).sum())

    # Latency: first assigned scan at or after the reference step.
    first_row = np.searchsorted(grp, np.arange(n_truths))
    if first_detect_step is None:
        ref = stp[first_row].astype(np.float64) if n_truths else np.zeros(0)
    else:
        ref = np.array(
            [
                float(first_detect_step.get(int(i), np.nan))  # NaN: never detected
                for i in truth_ids
            ],
            dtype=np.float64,
        )
    ok = asg & (stp >= ref[grp])  # NaN compares False
    hit_grp, hit_first = np.unique(grp[ok], return_index=True)
    latency = np.full(n_truths, np.nan)
    latency[hit_grp] = stp[ok][hit_first] - ref[hit_grp]

    n_track_ids = int(np.unique(r_id).size)
    n_assigned_ids = int(np.unique(r_id[track_is_assigned]).size)
    finite_lat = latency[np.isfinite(latency)]

    def _mean(x: np.ndarray[Any, Any]) -> float:
        return float(x.mean()) if x.size else 0.0

    return TrackScore(
        steps=n_steps,
        c=c,
        p=p,
        ospa=_readonly(ospa_k),
        gospa=_readonly(gospa_k),
        gospa_localisation=_readonly(loc_k),
        gospa_missed=_readonly(miss_k),
        gospa_false=_readonly(false_k),
        n_truth=_readonly(n_truth),
        n_track=_readonly(n_track),
        n_missed=_readonly(n_missed),
        n_false=_readonly(n_false),
        n_coalesced=_readonly(n_coal),
        truth_ids=_readonly(truth_ids),
        truth_latency_scans=_readonly(latency),
        truth_id_switches=_readonly(truth_id_switches.astype(np.int64)),
        truth_breaks=_readonly(truth_breaks.astype(np.int64)),
        is_assigned=_readonly(is_assigned),
        assigned_track_id=_readonly(assigned_track_id),
        track_is_assigned=_readonly(track_is_assigned),
        ospa_mean=_mean(ospa_k),
        gospa_mean=_mean(gospa_k),
        gospa_localisation_mean=_mean(loc_k),
        gospa_missed_mean=_mean(miss_k),
        gospa_false_mean=_mean(false_k),
        missed_per_scan=_mean(n_missed),
        false_track_rate=_mean(n_false),
        completeness=float(is_assigned.mean()) if n_rows else float("nan"),
        n_false_tracks=n_track_ids - n_assigned_ids,
        id_switches=int(truth_id_switches.sum()),
        breaks=int(truth_breaks.sum()),
        n_swaps=n_swaps,
        coalescence=_mean(n_coal),
        latency_mean_scans=float(finite_lat.mean()) if finite_lat.size else np.nan,
        n_track_ids=n_track_ids,
        n_truths=int(n_truths),
        mean_truth_cardinality=_mean(n_truth),
        mean_track_cardinality=_mean(n_track),
    )
