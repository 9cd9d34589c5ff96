"""What a sensor kind or an effector kind provides to the engine.

The engine's stages loop over the registered kinds (:mod:`skyscreen.engine.kinds`) and
name none of them. A kind is a stateless object whose methods work on its own
parameter block (compiled from the scenario), its own state block (arrays over
replications × units of the kind) and the shared chunk state. The protocol is
deliberately small; each method says which stage calls it:

- every kind: ``params_of`` (its block of :class:`ScenarioParams`,
  ``p.sensors[name]`` or ``p.effectors[name]``, compiled by the scenario layer with
  any tables it derives), ``init`` (its state block); random numbers come from the
  counter-based streams of :mod:`skyscreen.engine.rng`: a stream per (the kind's purpose, unit id), counted by
  (replication, drone, step or scan), drawn where they are used;
- a sensor kind: ``sense`` (the sense stage: which airborne drones it detects; it
  is handed the latest air picture, so a sensor that points can slew to a cue), and
  optionally ``tables`` (tables of its own at the end of a chunk, like the RF
  detectors' ``ground_stations``) and ``measure`` (the tracked fidelity: the step's
  noisy position measurements and false alarms, a :class:`Measured`);
- an effector kind: ``columns`` (its counters in the effectors table) and
  ``accounting`` (their values), ``cost`` (USD spent per unit), ``shot_slots`` (its
  shots that may be in the air at once), ``magazine`` (rounds left, or None),
  ``reload`` (the reload stage), ``busy`` (an engagement committed and not yet over,
  so a chunk may not stop early), ``act`` (area effects of the step: soft kills, like
  a jammer's) and ``resolve`` (hard kills of its own engagements in the step, like a
  laser's dwell or an interceptor's closure);
- an *assignable* effector kind (fire control gives it targets): ``free`` (units that
  may take a target this cycle), ``shot_cost``, ``evaluate`` (kill probability and an
  auxiliary time per unit × picture entry, for the decide stage), ``commit`` (the
  decide stage's assignment) and ``fire`` (the engage stage); an assignable kind
  whose one shot reaches several drones (a microwave emitter) sets ``area`` and is
  aimed by its own ``aim`` before the other weapons' assignment, which then sees the
  survival its shots leave. Optional, for speed: ``evaluate_sparse`` (the non-zero
  Pk listed, a :class:`SparsePk`; with ``lazy_threat`` set, it may be handed threat
  values still to compute, :class:`DecideContext` ``threat``), ``shots_left`` (the look-ahead's magazine) and
  ``evaluate_stages`` (the look-ahead's later stages at once, a :class:`StagePk`
  equal to :func:`stage_pk_by_evaluation`).

Shots in the air share one table in the chunk state (:mod:`skyscreen.engine.shots`),
whose layout (:class:`~skyscreen.engine.shots.ShotSlots`) ``free`` and ``fire`` are
handed: a kind that fires projectiles puts them there with a resolution time and a
pre-drawn outcome, and the resolve stage settles them; one shot that defeats several drones (a
microwave pulse) puts one entry per drone it reaches. A kind whose effect lasts (a
laser's dwell that the target can break, an interceptor in flight) keeps its own state
and reports its kills from ``resolve``. tests/engine/test_contract.py runs every
registered kind, and test-only kinds of each of these shapes, through the same checks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
from numba import njit

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.rng import normals3
from skyscreen.engine.shots import cancel
from skyscreen.models import gun as gun_model
from skyscreen.models import measurement as meas_model

if TYPE_CHECKING:
    from skyscreen.engine.events import Events
    from skyscreen.engine.picture import AirPicture
    from skyscreen.engine.shots import ShotSlots
    from skyscreen.engine.state import ChunkState
    from skyscreen.scenario.params import ScenarioParams

__all__ = [
    "DecideContext",
    "EffectorBase",
    "EffectorKind",
    "Measured",
    "Placed",
    "SensorKind",
    "SparsePk",
    "StageContext",
    "StagePk",
    "ThreatArgs",
    "cancel_unfireable",
    "complete_reloads",
    "count_below",
    "east_window",
    "lead_span",
    "leads_ordered",
    "log_fire_by_unit",
    "pointing_envelope",
    "polar_measurements",
    "rows_by_unit",
    "slant_geometry",
    "sparse_pk",
    "stage_pk",
    "stage_pk_by_evaluation",
    "stage_window",
    "start_reloads",
]


@dataclass(frozen=True, slots=True, eq=False)
class Measured:
    """Measurements a sensor kind made in one step (the tracked fidelity).

    Attributes
    ----------
    rep : int (n,)
        Row of the replication in the chunk.
    unit : int (n,)
        The sensor (sensor index) that made each one.
    label : int (n,)
        The drone measured, −1 for a false alarm (scoring only: the tracker never
        reads it).
    z_m : float (n, 3)
        Measured ENU position (m).
    cov_m2 : float (n, 3, 3)
        Its noise covariance (m²).
    covers : callable or None
        ``covers(pos_m (N, 3)) -> bool (N,)``: positions the sensors that looked in the
        step cover, where a track not updated counts a miss. None: none (a camera
        looks only where it points).
    """

    rep: IntArray
    unit: IntArray
    label: IntArray
    z_m: FloatArray
    cov_m2: FloatArray
    covers: Callable[[FloatArray], BoolArray] | None = None


@dataclass(frozen=True, slots=True)
class Placed:
    """A registered kind's place in one scenario.

    Attributes
    ----------
    kind : SensorKind or EffectorKind
    params : object
        The kind's parameter block (``kind.params_of(params)``).
    n : int
        Units of the kind in the scenario.
    index : int
        Index of the kind's first unit among the scenario's sensors or effectors.
    unit : int
        Index of its first unit among sensors then effectors (the events' ``ref``).
    weapon : int
        Its first column among the assignable weapons (-1: not assignable).
    slot : int
        Position of the kind's state block in the chunk state.
    scenario : ScenarioParams
        The whole compiled scenario (drones, assets, doctrine).
    """

    kind: Any
    params: Any
    n: int
    index: int
    unit: int
    weapon: int
    slot: int
    scenario: ScenarioParams


@dataclass(frozen=True, slots=True, eq=False)
class DecideContext:
    """What the decide stage hands an assignable kind's ``evaluate``.

    Attributes
    ----------
    rows : ndarray of int (B,)
        Chunk rows deciding in this block.
    eligible : bool (R, E)
        Picture entries fire control may engage.
    free : bool (R, W)
        Weapons free to take a target this cycle (columns: every assignable kind's
        units, by their ``weapon`` index); a kind may leave the Pk of a unit that is
        not free at 0.
    pos_m, vel_mps : float (R, E, 3)
        The air picture's positions and velocities.
    values, t_go_s : float (B, E)
        Threat value of each entry and its time to go to the asset that gives it.
    raid_idx : int (E,)
        Raid of each entry's drone (truth-fed picture: entry = drone).
    min_shot_pk, hold_range_m, missile_min_time_to_go_s, reserve_min_value_usd : float
        Doctrine.
    missile_reserve_rounds : int
    threat : ThreatArgs or None
        None: ``values`` and ``t_go_s`` hold every eligible entry's. Otherwise they
        are NaN until computed (the decide stage computes them for the listed
        entries after the kinds' ``evaluate_sparse``): a kind whose
        ``evaluate_sparse`` reads them computes the entry's with
        :func:`~skyscreen.c2.threat.entry_threat` on these arguments and writes both
        back. Only kinds that set ``lazy_threat`` are handed such a context.
    """

    rows: IntArray
    eligible: BoolArray
    free: BoolArray
    pos_m: FloatArray
    vel_mps: FloatArray
    values: FloatArray
    t_go_s: FloatArray
    raid_idx: IntArray
    min_shot_pk: float
    hold_range_m: float
    missile_min_time_to_go_s: float
    missile_reserve_rounds: int
    reserve_min_value_usd: float
    threat: ThreatArgs | None = None


class ThreatArgs(NamedTuple):
    """What :func:`~skyscreen.c2.threat.entry_threat` needs beyond the entry.

    ``lethal_m`` (E,) each entry's drone's lethal radius; the assets' positions,
    radii and values; the doctrine's danger margin and urgency scale.
    """

    lethal_m: FloatArray
    asset_pos_m: FloatArray
    asset_radius_m: FloatArray
    asset_value_usd: FloatArray
    margin_m: float
    tau_s: float


@dataclass(frozen=True, slots=True, eq=False)
class SparsePk:
    """The non-zero kill probabilities of an assignable kind's ``evaluate``, listed.

    An optional form of ``evaluate`` (``evaluate_sparse``) for the decide stage's
    greedy assignment: the dense (B, n, E) arrays are mostly zeros in a large
    scenario (a weapon reaches few of the drones), and writing and scanning them cost
    O(B·n·E) per decision cycle. Row ``b``'s entries are ``[ptr[b], ptr[b + 1])``,
    by picture entry in ascending order.

    Attributes
    ----------
    ptr : int (B + 1,)
    unit : int (N,)
        The kind's unit (0 .. n-1).
    entry : int (N,)
        The picture entry.
    pk, aux : float (N,)
        As ``evaluate`` writes them; every listed Pk is above 0 and every unlisted
        one is 0.
    """

    ptr: IntArray
    unit: IntArray
    entry: IntArray
    pk: FloatArray
    aux: FloatArray


def sparse_pk(fill: Any, n_rows: int, n_units: int) -> SparsePk:
    """Run a sparse evaluation kernel with buffers long enough for its entries.

    ``fill(bufs)`` calls the kernel with ``bufs = (ptr, unit, entry, pk, aux)`` and
    returns the number of entries; a kernel that finds more than the buffers hold
    fills what fits and says how many it found, and it is run again once with
    buffers of that length (it is pure, so the second run gives the same entries).
    """
    cap = max(64, 4 * n_rows * max(n_units, 1))
    while True:
        bufs = (
            np.empty(n_rows + 1, dtype=np.int64),
            np.empty(cap, dtype=np.int64),
            np.empty(cap, dtype=np.int64),
            np.empty(cap),
            np.empty(cap),
        )
        n = int(fill(bufs))
        if n <= cap:
            ptr, unit, entry, pk, aux = bufs
            return SparsePk(ptr, unit[:n], entry[:n], pk[:n], aux[:n])
        cap = n


@dataclass(frozen=True, slots=True, eq=False)
class StageContext:
    """What the look-ahead fire control hands an assignable kind's ``evaluate_stages``.

    The later stages k = 1 … K−1 of the rows ``rows``: stage k is the decision cycle
    ``leads_s[k]`` seconds ahead, with each picture entry moved along its velocity
    (:mod:`skyscreen.c2.lookahead`). Row-indexed arrays are by position in ``rows``
    (A rows), not by chunk row; the kind's own state stays indexed by chunk row.

    Attributes
    ----------
    rows : int (A,)
        Chunk rows planned.
    eligible : bool (A, E)
        Entries the kind may engage at later stages (weapons tight applied); an
        entry is eligible at stage k only while ``t_go_s > leads_s[k]``.
    free : bool (R, W)
        Weapons that may fire at later stages (columns by ``weapon`` index).
    pos_m, vel_mps : float (A, E, 3)
        The picture now; stage k's positions are ``pos_m + vel_mps * leads_s[k]``.
    values, t_go_s : float (A, E)
        Threat values, and times to go now (stage k's: ``t_go_s − leads_s[k]``).
    leads_s : float (K,)
        ``leads_s[k] = k × decision period``; stage 0 is not evaluated here.
    raid_idx, min_shot_pk, … : as :class:`DecideContext`.
    """

    rows: IntArray
    eligible: BoolArray
    free: BoolArray
    pos_m: FloatArray
    vel_mps: FloatArray
    values: FloatArray
    t_go_s: FloatArray
    leads_s: FloatArray
    raid_idx: IntArray
    min_shot_pk: float
    hold_range_m: float
    missile_min_time_to_go_s: float
    missile_reserve_rounds: int
    reserve_min_value_usd: float

    def at_stage(
        self, k: int, n_rep: int, out: tuple[Any, Any, Any] | None = None
    ) -> DecideContext:
        """Stage ``k``'s :class:`DecideContext` over chunk-sized arrays (``n_rep`` rows).

        ``out``: (eligible, pos, vel) chunk-sized arrays to write the rows into, from
        :meth:`stage_buffers` (reused from stage to stage); fresh ones if None.
        """
        lead = self.leads_s[k]
        eligible, pos, vel = self.stage_buffers(n_rep) if out is None else out
        eligible[self.rows] = self.eligible & (self.t_go_s > lead)
        pos[self.rows] = self.pos_m + self.vel_mps * lead
        return DecideContext(
            rows=self.rows, eligible=eligible, free=self.free, pos_m=pos,
            vel_mps=vel, values=self.values, t_go_s=self.t_go_s - lead,
            raid_idx=self.raid_idx, min_shot_pk=self.min_shot_pk,
            hold_range_m=self.hold_range_m,
            missile_min_time_to_go_s=self.missile_min_time_to_go_s,
            missile_reserve_rounds=self.missile_reserve_rounds,
            reserve_min_value_usd=self.reserve_min_value_usd,
        )  # fmt: skip

    def stage_buffers(self, n_rep: int) -> tuple[BoolArray, FloatArray, FloatArray]:
        """Chunk-sized (eligible, pos, vel) for :meth:`at_stage`, the velocities set."""
        n_e = self.eligible.shape[1]
        vel = np.zeros((n_rep, n_e, 3))
        vel[self.rows] = self.vel_mps
        return np.zeros((n_rep, n_e), dtype=bool), np.zeros((n_rep, n_e, 3)), vel


@dataclass(frozen=True, slots=True, eq=False)
class StagePk:
    """The non-zero kill probabilities of the later stages, listed by row.

    Row ``b``'s (position in :attr:`StageContext.rows`) shots are
    ``[ptr[b], ptr[b + 1])``, in any order within the row.

    Attributes
    ----------
    ptr : int (A + 1,)
    stage, unit, entry : int (N,)
        Stage (1 … K−1), the kind's unit (0 … n−1) and the picture entry.
    pk : float (N,)
        Every listed Pk is above 0; every unlisted one is 0.
    """

    ptr: IntArray
    stage: IntArray
    unit: IntArray
    entry: IntArray
    pk: FloatArray


def stage_pk_by_evaluation(pl: Placed, kst: Any, sctx: StageContext) -> StagePk:
    """A kind's later-stage Pk from its ``evaluate_sparse`` or ``evaluate``, per stage.

    What ``evaluate_stages`` must equal (the same shots, the same bits); the
    look-ahead uses it for kinds without one. ``pl.kind`` is the kind.
    """
    kind = pl.kind
    n_a, n_e = sctx.eligible.shape
    n_rep = sctx.free.shape[0]
    n_k = len(sctx.leads_s)
    parts: list[tuple[IntArray, IntArray, IntArray, IntArray, FloatArray]] = []
    bufs = sctx.stage_buffers(n_rep)
    for k in range(1, n_k):
        ctx = sctx.at_stage(k, n_rep, bufs)
        if hasattr(kind, "evaluate_sparse"):
            sp = kind.evaluate_sparse(pl, kst, ctx)
            row = np.repeat(np.arange(n_a), np.diff(sp.ptr))
            parts.append((row, np.full(len(row), k), sp.unit, sp.entry, sp.pk))
            continue
        pk = np.zeros((n_a, pl.n, n_e))
        kind.evaluate(pl, kst, ctx, pk, np.zeros((n_a, pl.n, n_e)))
        row, unit, entry = np.nonzero(pk > 0.0)
        parts.append((row, np.full(len(row), k), unit, entry, pk[row, unit, entry]))
    if not parts:
        none = np.zeros(0, dtype=np.int64)
        return StagePk(np.zeros(n_a + 1, dtype=np.int64), none, none, none, np.zeros(0))
    row, stage, unit, entry, pk = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.argsort(row, kind="stable")
    ptr = np.zeros(n_a + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_a), out=ptr[1:])
    return StagePk(
        ptr=ptr,
        stage=stage[order].astype(np.int64),
        unit=unit[order].astype(np.int64),
        entry=entry[order].astype(np.int64),
        pk=pk[order].astype(np.float64),
    )


def stage_pk(
    fill: Any, n_rows: int, n_units: int, n_stages: int, rate: list[float] | None = None
) -> StagePk:
    """Run a later-stages kernel, growing its buffers where the shots overflow them.

    ``fill(bufs)`` runs the kernel with ``bufs = (ptr, stage, unit, entry, pk, b0,
    n0)``: from row ``b0``, with ``n0`` shots already in the buffers. It returns the
    number of shots, or ``-(b + 1)`` when row b's overflowed the buffers; then the
    buffers grow (at least double, or to the rows left at the rate of the rows
    done), keeping the rows before b, and the kernel goes on from row b (one row's
    work done twice, not the whole call's).

    Parameters
    ----------
    fill : callable
        ``fill(bufs) -> int``.
    n_rows, n_units, n_stages : int
        Rows (A), the kind's units and stages (K, stage 0 included): the first
        buffers hold 4 shots per row, unit and later stage, at most 2**20 ...
    rate : list of one float, optional
        ... or, when given, a quarter more than ``rate[0]`` shots per row (the
        kind's last call's rate, which this call then updates).

    Returns
    -------
    StagePk
    """
    cap = max(64, min(4 * n_rows * max(n_units, 1) * max(n_stages - 1, 1), 1 << 20))
    if rate and rate[0] > 0.0:
        cap = max(64, int(1.25 * rate[0] * n_rows))
    ptr = np.empty(n_rows + 1, dtype=np.int64)
    ints = [np.empty(cap, dtype=np.int64) for _ in range(3)]
    pk = np.empty(cap)
    b0 = n0 = 0
    while True:
        got = int(fill((ptr, *ints, pk, b0, n0)))
        if got >= 0:
            if rate is not None and n_rows > 0:
                rate[0] = got / n_rows
            stage, unit, entry = (c[:got] for c in ints)
            return StagePk(ptr, stage, unit, entry, pk[:got])
        b0 = -got - 1
        n0 = int(ptr[b0])
        # Room for the rows left at the rate of those done (at least double).
        cap = max(2 * cap, n0 * n_rows // max(b0, 1) * 5 // 4)
        ints = [
            np.concatenate([c[:n0], np.empty(cap - n0, dtype=np.int64)]) for c in ints
        ]
        pk = np.concatenate([pk[:n0], np.empty(cap - n0)])


@njit(cache=True)
def leads_ordered(leads: FloatArray) -> bool:
    """Whether the leads are finite and ascending (``stage_window`` may search them)."""
    for s in range(leads.shape[0]):
        if not np.isfinite(leads[s]):
            return False
        if s > 0 and not leads[s - 1] <= leads[s]:
            return False
    return True


@njit(cache=True)
def lead_span(leads: FloatArray) -> tuple[float, float, float]:
    """The largest ``|leads[k]|`` and the least and greatest ``leads[k]``, k >= 1."""
    lead_max = 0.0
    lead_lo = np.inf
    lead_hi = -np.inf
    for s in range(1, leads.shape[0]):
        lead_max = max(lead_max, abs(leads[s]))
        lead_lo = min(lead_lo, leads[s])
        lead_hi = max(lead_hi, leads[s])
    return lead_max, lead_lo, lead_hi


@njit(cache=True)
def count_below(leads: FloatArray, x: float, inclusive: bool) -> int:
    """Leads (ascending) below ``x``, or at most ``x`` if ``inclusive`` (0 for NaN)."""
    lo = 0
    hi = leads.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if leads[mid] < x or (inclusive and leads[mid] == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def east_window(
    xs: FloatArray,
    p0x: float,
    vx: float,
    lead_a: float,
    lead_b: float,
    width: float,
) -> tuple[int, int]:
    """Units ``[t0, t1)`` (by ascending east coordinate ``xs``) an entry may reach.

    Those whose east coordinate is within ``width`` (the largest reach, m) plus a
    relative 1e-9 and a metre of the entry's, ``p0x + vx * lead``, at some lead in
    ``[lead_a, lead_b]``. The computed position is monotonic in the lead, so the
    window holds every unit within the reach at every stage between the two; a
    window it cannot bound (non-finite) is every unit.
    """
    xa = p0x + vx * lead_a
    xb = p0x + vx * lead_b
    w = abs(width) * (1.0 + 1e-9) + 1.0
    lo = min(xa, xb) - w
    hi = max(xa, xb) + w
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return 0, xs.shape[0]
    return count_below(xs, lo, False), count_below(xs, hi, True)


@njit(cache=True)
def stage_window(
    dx: float,
    dy: float,
    dz: float,
    vx: float,
    vy: float,
    vz: float,
    radius: float,
    leads: FloatArray,
    lead_max: float,
    ordered: bool,
    k_end: int,
) -> tuple[int, int]:
    """Stages ``[lo, hi)`` of ``1 .. k_end - 1`` where a point may be within ``radius``.

    The point is at ``d + v × leads[k]`` from the unit at stage k, so it is within
    the radius for leads between the roots of a quadratic. The window is generous:
    the radius grows by a relative 1e-9 plus a metre, the roots by a relative 1e-9
    plus more than their round-off, and the window by a stage on each side; a
    computation the bounds cannot vouch for (huge or non-finite distances or
    speeds, leads not ascending) gives every stage. So every stage where the
    kernels' exact test (computed positions, ``r2 > reach * reach``,
    ``sqrt(r2) > hold``) keeps the pair is in the window, and testing only those
    stages keeps exactly the same pairs.

    Parameters
    ----------
    dx, dy, dz : float
        The point now, relative to the unit (m).
    vx, vy, vz : float
        Its velocity (m/s).
    radius : float
        The reach (m); its absolute value is taken.
    leads : float (K,)
        Each stage's lead (s).
    lead_max : float
        The largest ``|leads[k]|``, k >= 1.
    ordered : bool
        :func:`leads_ordered` of ``leads``.
    k_end : int
        One past the last stage to consider (<= K).

    Returns
    -------
    lo, hi : int
        The window, ``1 <= lo``, ``hi <= k_end`` (empty when ``lo >= hi``).
    """
    if not ordered:
        return 1, k_end
    rr = abs(radius) * (1.0 + 1e-9) + 1.0
    c = dx * dx + dy * dy + dz * dz
    a = vx * vx + vy * vy + vz * vz
    # Beyond these the round-off bounds below are not vouched for (NaN fails too).
    if not (c < 1e14 and rr < 1e7 and a < 1e14):
        return 1, k_end
    if a < 1e-12:
        # Hardly moving (or still): within its drift over the horizon of now.
        if math.sqrt(c) > rr + math.sqrt(a) * lead_max + 1.0:
            return 1, 1
        return 1, k_end
    bb = dx * vx + dy * vy + dz * vz
    disc = bb * bb - a * (c - rr * rr)
    if disc < 0.0:
        return 1, 1
    sq = math.sqrt(disc)
    l1 = (-bb - sq) / a
    l2 = (-bb + sq) / a
    slack = 1e-9 * (abs(l1) + abs(l2)) + 1e-12 * math.sqrt(c / a) + 1e-6
    lo = count_below(leads, l1 - slack, False) - 1
    hi = count_below(leads, l2 + slack, True) + 1
    return max(lo, 1), min(hi, k_end)


class SensorKind(Protocol):
    """A kind of sensor (radar; later cameras, RF detectors)."""

    name: str
    purpose: int

    def params_of(self, p: ScenarioParams) -> Any:
        """The kind's parameter block."""

    def init(self, pl: Placed, n_rep: int, seed: int) -> Any:
        """A new state block for ``n_rep`` replications (``seed``: the run's)."""

    def sense(
        self,
        pl: Placed,
        kst: Any,
        st: ChunkState,
        step: int,
        t0: float,
        t1: float,
        k: IntArray,
        cue: AirPicture | None,
        ev: Events | None,
    ) -> tuple[BoolArray, IntArray] | None:
        """Detections of the airborne drones ``k`` (flat indices) in step ``step``.

        The step covers ``(t0, t1]``. A kind that identifies drones writes
        ``st.t_identified_s`` and ``st.id_sensor`` and logs ``identify`` events.
        Returns ``(hit, unit)`` per drone in ``k`` (unit: the kind's detecting unit,
        -1 if none), or None when no unit of the kind looked in the step.
        """


class EffectorKind(Protocol):
    """A kind of effector (gun, missile launcher, jammer; later lasers, ...)."""

    name: str
    purpose: int
    assignable: bool

    def params_of(self, p: ScenarioParams) -> Any:
        """The kind's parameter block."""

    def init(self, pl: Placed, n_rep: int, seed: int) -> Any:
        """A new state block for ``n_rep`` replications (``seed``: the run's)."""

    columns: tuple[str, ...]
    """Effectors-table columns the kind counts (a subset of
    :data:`skyscreen.engine.EFFECTOR_COLUMNS`)."""

    def shot_slots(self, pl: Placed) -> IntArray:
        """Shots of each unit (n,) that may be in the shared shot table at once."""

    def in_envelope(self, pl: Placed, unit: IntArray, pos_m: FloatArray) -> BoolArray:
        """Whether points (N, 3) lie where units ``unit`` (N,) may engage.

        Every ``fire`` event a kind logs lies in its envelope (the contract tests).
        """

    def magazine(self, kst: Any) -> IntArray | None:
        """Rounds left per unit (R, n), or None for a kind without a magazine."""

    def shots_left(self, pl: Placed, kst: Any) -> IntArray | None:
        """Shots each unit (R, n) can still fire without a reload, or None: no limit.

        The look-ahead fire control's magazine constraint (:mod:`skyscreen.c2.lookahead`).
        """

    def cost(self, pl: Placed, kst: Any) -> FloatArray:
        """USD spent by each unit so far (R, n)."""

    def resolve(
        self,
        pl: Placed,
        kst: Any,
        st: ChunkState,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """Hard kills of the kind's own engagements in ``(t0, t1]``.

        Returns the kill time (R, D) (inf: none) and the effector index (R, D), or
        None.
        """

    def reload(self, pl: Placed, kst: Any, t1: float) -> None:
        """Complete reloads due by ``t1``."""

    def busy(self, kst: Any) -> bool:
        """Whether any unit holds a committed engagement not yet fired."""

    def accounting(self, pl: Placed, kst: Any) -> dict[str, IntArray]:
        """Per-unit counters for the effectors table, each (R, n)."""

    # Assignable kinds.
    def free(
        self, pl: Placed, kst: Any, st: ChunkState, slots: ShotSlots, t1: float
    ) -> BoolArray:
        """Units (R, n) that may take a target this decision cycle."""

    def shot_cost(self, pl: Placed) -> FloatArray:
        """Cost of one shot of each unit (n,) (USD)."""

    def evaluate(
        self,
        pl: Placed,
        kst: Any,
        ctx: DecideContext,
        out_pk: FloatArray,
        out_aux: FloatArray,
    ) -> None:
        """Kill probability (B, n, E) of a shot at each picture entry.

        Also an auxiliary time (the gun's slew) into ``out_aux``; 0 where no shot is
        allowed.
        """

    def commit(
        self,
        pl: Placed,
        kst: Any,
        ra: IntArray,
        unit: int,
        da: IntArray,
        t1: float,
        aux: FloatArray,
    ) -> None:
        """Unit ``unit`` of rows ``ra`` takes entries ``da`` at ``t1``."""

    def fire(
        self,
        pl: Placed,
        kst: Any,
        st: ChunkState,
        slots: ShotSlots,
        step: int,
        t1: float,
        ev: Events | None,
    ) -> None:
        """Fire the engagements whose time has come in step ``step`` (engage stage)."""

    # Area kinds.
    def act(
        self,
        pl: Placed,
        kst: Any,
        st: ChunkState,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """Soft kills in the step: time (R, D) (inf: none) and effector index."""


class EffectorBase:
    """What an effector kind does by default: nothing beyond its own methods.

    A kind subclasses this and overrides what it has: an area kind (a jammer) its
    ``act``; an assignable kind ``free``, ``shot_cost``, ``evaluate``, ``commit`` and
    ``fire``; a kind with a magazine ``reload`` and ``magazine``; a kind whose
    engagements last ``busy`` and ``resolve``. The defaults are the neutral ones: no
    counters, no shots in the air, no reloads, never busy, no area effect, no kills of
    its own, no magazine, no unit free, no cost.
    """

    name: str
    assignable = False
    area = False
    """An assignable kind whose one shot reaches several drones (``aim``)."""
    columns: tuple[str, ...] = ()
    """Effectors-table columns the kind counts."""

    def params_of(self, p: ScenarioParams) -> Any:
        """The kind's block of the scenario's effectors (by the kind's name)."""
        return p.effectors[self.name]

    def shot_slots(self, pl: Placed) -> IntArray:
        """No shots in the shared table."""
        return np.zeros(pl.n, dtype=np.int64)

    def magazine(self, kst: Any) -> IntArray | None:
        """No magazine."""
        return None

    def shots_left(self, pl: Placed, kst: Any) -> IntArray | None:
        """No limit on shots."""
        return None

    def reload(self, pl: Placed, kst: Any, t1: float) -> None:
        """No reloads."""

    def busy(self, kst: Any) -> bool:
        """No engagement that outlasts a step."""
        return False

    def accounting(self, pl: Placed, kst: Any) -> dict[str, IntArray]:
        """No counters beyond the kills every effector has."""
        return {}

    def act(
        self,
        pl: Placed,
        kst: Any,
        st: ChunkState,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """No area effect."""
        return None

    def resolve(
        self,
        pl: Placed,
        kst: Any,
        st: ChunkState,
        t0: float,
        t1: float,
        ev: Events | None,
    ) -> tuple[FloatArray, IntArray] | None:
        """No kills of the kind's own (shots in the shared table resolve there)."""
        return None

    def free(
        self, pl: Placed, kst: Any, st: ChunkState, slots: ShotSlots, t1: float
    ) -> BoolArray:
        """No unit takes targets (not assignable)."""
        return np.zeros((st.n_rep, pl.n), dtype=bool)

    def shot_cost(self, pl: Placed) -> FloatArray:
        """No shot to price (not assignable)."""
        return np.zeros(pl.n)

    def evaluate(
        self,
        pl: Placed,
        kst: Any,
        ctx: DecideContext,
        out_pk: FloatArray,
        out_aux: FloatArray,
    ) -> None:
        """Not called for a kind that is not assignable."""

    def commit(
        self,
        pl: Placed,
        kst: Any,
        ra: IntArray,
        unit: int,
        da: IntArray,
        t1: float,
        aux: FloatArray,
    ) -> None:
        """Not called for a kind that is not assignable."""

    def fire(
        self,
        pl: Placed,
        kst: Any,
        st: ChunkState,
        slots: ShotSlots,
        step: int,
        t1: float,
        ev: Events | None,
    ) -> None:
        """Nothing to fire (not assignable)."""


def slant_geometry(
    origin: FloatArray, pos: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Slant range, azimuth (math angle) and elevation from units to points (N,) each.

    ``origin`` is one unit's position (3,) or one per point (N, 3); ``pos`` (N, 3).
    """
    rel = pos - origin
    ground = np.hypot(rel[:, 0], rel[:, 1])
    rng = np.sqrt(ground**2 + rel[:, 2] ** 2)
    return rng, np.arctan2(rel[:, 1], rel[:, 0]), np.arctan2(rel[:, 2], ground)


def pointing_envelope(
    g: Any, unit: IntArray, pos_m: FloatArray, range_min_m: Any = 0.0
) -> BoolArray:
    """Whether points (N, 3) lie in the envelopes of pointed units ``unit`` (N,).

    ``g`` is a parameter block with ``pos_m``, ``range_max_m``,
    ``elevation_min_rad`` and ``elevation_max_rad`` (a gun, a laser, a microwave
    emitter): slant range in [``range_min_m``, ``range_max_m``] and elevation within
    the limits (:func:`skyscreen.models.gun.in_envelope`).
    """
    rng, _, el = slant_geometry(g.pos_m[unit], pos_m)
    return np.asarray(
        gun_model.in_envelope(
            rng,
            el,
            range_min_m,
            g.range_max_m[unit],
            g.elevation_min_rad[unit],
            g.elevation_max_rad[unit],
        )
    )


def cancel_unfireable(
    pl: Placed,
    st: ChunkState,
    ev: Events | None,
    t1: float,
    r: IntArray,
    d: IntArray,
    k: int,
) -> BoolArray:
    """Which committed engagements of unit ``k`` at drones ``d`` of rows ``r`` go ahead.

    Those whose drone is no longer airborne (``target_lost``) or is outside the unit's
    envelope (``out_of_envelope``) are cancelled (:func:`~skyscreen.engine.shots.
    cancel`: no longer pending, a ``cancel`` event); the kind resets its own state.
    """
    alive = st.airborne()[r, d]
    ok = alive & pl.kind.in_envelope(pl, np.full(len(r), k), st.pos_m[r, d])
    if not ok.all():
        cancel(
            st,
            ev,
            t1,
            r,
            d,
            ~ok,
            pl.unit + k,
            [(~alive, "target_lost")],
            "out_of_envelope",
        )
    return np.asarray(ok)


def complete_reloads(
    loaded: IntArray,
    capacity: IntArray,
    reload_done_s: FloatArray,
    reloads_done: IntArray,
    t1: float,
) -> None:
    """Refill to ``capacity`` (per unit) every magazine whose reload ends by ``t1``.

    ``loaded``, ``reload_done_s`` (inf: no reload in progress) and ``reloads_done`` are
    (R, n) arrays of a kind's state, updated in place.
    """
    done = reload_done_s <= t1
    if done.any():
        r, k = np.nonzero(done)
        loaded[r, k] = capacity[k]
        reload_done_s[r, k] = np.inf
        reloads_done[r, k] += 1


def rows_by_unit(mask: BoolArray) -> list[tuple[int, IntArray]]:
    """Each unit with a row set in ``mask`` (R, n), and those rows, both ascending.

    One pass over the mask: a loop over every unit with a scan of its column each
    cost more than the firing itself in a scenario of a hundred units.
    """
    units, rows = np.nonzero(mask.T)  # by unit, then by row
    if len(units) == 0:
        return []
    cut = [0, *(np.flatnonzero(units[1:] != units[:-1]) + 1).tolist(), len(units)]
    return [(int(units[a]), rows[a:b]) for a, b in itertools.pairwise(cut)]


def log_fire_by_unit(
    ev: Events,
    t1: float,
    unit: IntArray,
    r: IntArray,
    d: IntArray,
    ok: BoolArray,
    cancel_pos: FloatArray,
    reasons: list[tuple[BoolArray, str]],
    otherwise: str,
    fire_pos: FloatArray,
    fire_value: IntArray,
) -> None:
    """Log a kind's step of fire: each unit's cancels, then its fires, unit by unit.

    The (row, unit) pairs of the step are grouped by unit (``unit``: their event
    ``ref``s, ascending), as a kind fires all its due units at once; the log keeps
    the order of firing them one unit at a time. A cancel's outcome is the first of
    ``reasons`` that applies, else ``otherwise``; a fire's is ``fire_value``.
    """
    why = np.select(
        [c for c, _ in reasons],
        [ev.outcome(n) for _, n in reasons],
        ev.outcome(otherwise),
    )
    cut = np.flatnonzero(np.diff(unit)) + 1
    for a, b in itertools.pairwise([0, *cut.tolist(), len(unit)]):
        bad, good = ~ok[a:b], ok[a:b]
        ev.add(
            "cancel",
            r[a:b][bad],
            t1,
            d[a:b][bad],
            unit[a],
            cancel_pos[a:b][bad],
            why[a:b][bad],
        )
        ev.add(
            "fire",
            r[a:b][good],
            t1,
            d[a:b][good],
            unit[a],
            fire_pos[a:b][good],
            fire_value[a:b][good],
        )


@njit(cache=True)
def start_reloads(
    loaded: IntArray,
    reloads_left: IntArray,
    reload_done_s: FloatArray,
    r: IntArray,
    k: IntArray,
    t_done_s: FloatArray,
) -> None:
    """Start reloads, row ``r[i]``'s of unit ``k[i]`` ending at ``t_done_s[i]``.

    Only where the magazine is left empty and a reload is left; ``loaded``,
    ``reloads_left`` and ``reload_done_s`` are (R, n) arrays of a kind's state,
    updated in place; the (row, unit) pairs are distinct (the units of a kind firing
    in the same step). Compiled: called per firing kind and step, where four NumPy
    passes over a few rows cost more than the work.
    """
    for i in range(r.shape[0]):
        ri, ki = r[i], k[i]
        if loaded[ri, ki] == 0 and reloads_left[ri, ki] > 0:
            reloads_left[ri, ki] -= 1
            reload_done_s[ri, ki] = t_done_s[i]


def polar_measurements(
    st: ChunkState,
    flat: IntArray,
    q: IntArray,
    sensor_pos: FloatArray,
    sig_r: FloatArray,
    sig_a: FloatArray,
    sig_e: FloatArray,
    tick: IntArray,
    keys: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Converted polar measurements (:mod:`skyscreen.models.measurement`) of drones.

    Drone ``flat[i]`` (a flat replication × drone index) measured by unit ``q[i]`` of a
    sensor kind at ``sensor_pos`` with range, azimuth and elevation noise ``sig_*``
    (per unit). The three deviates come from the unit's measurement stream
    (``keys``), counter (replication, drone, ``tick[q]`` × 8): the unit's scan or look
    number. Returns the measured positions (n, 3) and their covariances (n, 3, 3).
    """
    z = np.empty((len(flat), 3))
    zc = np.empty((len(flat), 3, 3))
    _polar_measurements(
        flat,
        q,
        st.status.shape[1],
        st.pos_m.reshape(-1, 3),
        sensor_pos,
        sig_r,
        sig_a,
        sig_e,
        tick,
        keys,
        st.reps,
        st.drone_key,
        z,
        zc,
    )
    return z, zc


@njit(cache=True)
def _polar_measurements(
    flat: IntArray,
    q: IntArray,
    n_d: int,
    pos: FloatArray,
    sensor_pos: FloatArray,
    sig_r: FloatArray,
    sig_a: FloatArray,
    sig_e: FloatArray,
    tick: IntArray,
    keys: IntArray,
    reps: IntArray,
    dkey: IntArray,
    out_z: FloatArray,
    out_R: FloatArray,
) -> None:
    off = np.empty(3)
    for i in range(flat.shape[0]):
        j = flat[i]
        d = j % n_d
        u = q[i]
        n1, n2, n3 = normals3(
            keys[u, 0], keys[u, 1], reps[j // n_d], dkey[d, 0], dkey[d, 1],
            tick[u] * 8,
        )  # fmt: skip
        meas_model.polar_measurement(
            pos[j, 0] - sensor_pos[u, 0],
            pos[j, 1] - sensor_pos[u, 1],
            pos[j, 2] - sensor_pos[u, 2],
            sig_r[u],
            sig_a[u],
            sig_e[u],
            n1,
            n2,
            n3,
            off,
            out_R[i],
        )
        for a in range(3):
            out_z[i, a] = sensor_pos[u, a] + off[a]
