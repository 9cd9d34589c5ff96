"""The batched engine: ``run_chunk`` steps a chunk of replications on the time grid.

Step ``s`` covers ``(t0, t1] = (s·dt, (s+1)·dt]``. Within it, in this order (one module
per stage; docs/models.md, "Step order"):

1. :mod:`~skyscreen.engine.move` — drones launched in the step appear and every
   airborne drone moves to ``t1`` (arrivals at the aim point get their exact time);
2. :mod:`~skyscreen.engine.outcomes` ``act`` — area effectors (jammers) act on the
   drones they reach;
3. :mod:`~skyscreen.engine.outcomes` ``resolve_shots`` — shots whose time of
   resolution falls in the step are resolved;
4. :mod:`~skyscreen.engine.outcomes` ``settle`` — each drone's outcomes in the step are
   ordered by their time (a kill and an arrival at the same instant count as a kill)
   and arrivals detonate;
5. :mod:`~skyscreen.engine.sense` — sensors that look in the step detect the surviving
   drones;
6. :mod:`~skyscreen.engine.engage` ``reload`` — reloads complete;
7. :mod:`~skyscreen.engine.picture` and :mod:`~skyscreen.engine.decide` — on decision
   steps, command and control reads the air picture, evaluates threats and assigns
   free weapons;
8. :mod:`~skyscreen.engine.engage` ``engage`` — weapons whose fire time has come fire.

The stages loop over the registered sensor and effector kinds
(:mod:`skyscreen.engine.kinds`) and name none. Random numbers come from
counter-based streams keyed by (replication, purpose, entity) (:mod:`skyscreen.engine.rng`),
so a replication's result does not depend on its chunk, and adding a unit or a drone
leaves every other's draws unchanged. A chunk stops early once every replication in it is quiet for
good (no drone left to launch or flying and no shot in the air): the skipped steps
would change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.codes import FLYING, PENDING
from skyscreen.engine.decide import DecisionInstance, decide
from skyscreen.engine.engage import engage, reload
from skyscreen.engine.events import Events
from skyscreen.engine.kinds import Layout, make_layout
from skyscreen.engine.kinds.base import Measured
from skyscreen.engine.move import launch_and_move
from skyscreen.engine.outcomes import act, finish, resolve, settle
from skyscreen.engine.picture import AirPicture, truth_picture
from skyscreen.engine.sense import sense
from skyscreen.engine.setup import init_state
from skyscreen.engine.state import ChunkState
from skyscreen.engine.track import TrackedPicture
from skyscreen.scenario.params import ScenarioParams

__all__ = [
    "EFFECTOR_COLUMNS",
    "ChunkResult",
    "check_state",
    "run_chunk",
    "warm_up",
]

EFFECTOR_COLUMNS = ("engagements", "rounds_fired", "missiles_fired")
"""Per-effector counters every kind reports (zero where a kind has none)."""

TRAJECTORY_COLUMNS = ("replication", "t_s", "drone", "x_m", "y_m", "z_m", "status")


@dataclass(frozen=True, slots=True, eq=False)
class ChunkResult:
    """Per-replication outcomes of a chunk, as arrays (R = replications in the chunk).

    Attributes
    ----------
    replications : int (R,)
    drone_status, drone_cause, drone_effector, drone_target : int (R, D)
        Final state code (terminal, or FLYING for airborne), cause, effector, target.
    drone_t_launch_s, drone_t_first_detect_s, drone_t_first_shot_s, drone_t_end_s :
        float (R, D)
    drone_t_identified_s : float (R, D)
        When each drone was identified (NaN: never).
    drone_id_sensor : int (R, D)
        The sensor (sensor index) that identified it (-1: none).
    drone_end_m : float (R, D, 3)
    drone_t_gnss_lost_s : float (R, D)
        When each gnss drone lost its GNSS fix to jamming (NaN: never).
    drone_miss_m : float (R, D)
        Each leaker's horizontal distance from its impact point to its aim point
        (NaN for the others).
    eff_engagements, eff_rounds, eff_missiles, eff_kills : int (R, E)
    eff_cost_usd : float (R, E)
        USD each effector spent (its kind's ``cost``).
    eff_t_dry_s : float (R, E)
        End of the first step after which the effector had nothing left to fire (its
        kind's ``magazine`` at zero), reload or recharge later or not; NaN if never,
        and for kinds without a magazine.
    asset_hits, asset_casualties, asset_debris : int (R, A)
    asset_damaged : bool (R, A)
    events : dict of arrays or None
        ``replication, t_s, kind, drone, ref, x_m, y_m, z_m, outcome`` (codes).
    trajectories : dict of arrays or None
        ``replication, t_s, drone, x_m, y_m, z_m, status`` for recorded replications.
    tables : dict
        Tables that sensor kinds add (``ground_stations``), by name: columns as
        arrays, one row per replication and item.
    n_steps_run : int
        Steps actually stepped (the rest were provably quiet).
    tracking : dict of float (R,) or None
        Tracked fidelity: per-replication tracking scores (``gospa_m``, ``ospa_m``,
        ``missed_per_cycle``, ``false_tracks_per_cycle``).
    drone_t_tracked_s : float (R, D) or None
        Tracked fidelity: when each drone first had a confirmed track (NaN: never).
    picture : dict of arrays or None
        Tracked fidelity: the recorded replications' tracks at every tracker update
        (:data:`skyscreen.engine.track.PICTURE_COLUMNS`).
    """

    replications: IntArray
    drone_status: IntArray
    drone_cause: IntArray
    drone_effector: IntArray
    drone_target: IntArray
    drone_t_launch_s: FloatArray
    drone_t_first_detect_s: FloatArray
    drone_t_first_shot_s: FloatArray
    drone_t_identified_s: FloatArray
    drone_id_sensor: IntArray
    drone_t_end_s: FloatArray
    drone_end_m: FloatArray
    drone_t_gnss_lost_s: FloatArray
    drone_miss_m: FloatArray
    eff_engagements: IntArray
    eff_rounds: IntArray
    eff_missiles: IntArray
    eff_kills: IntArray
    eff_cost_usd: FloatArray
    eff_t_dry_s: FloatArray
    asset_hits: IntArray
    asset_damaged: BoolArray
    asset_casualties: IntArray
    asset_debris: IntArray
    events: dict[str, Any] | None
    trajectories: dict[str, Any] | None
    tables: dict[str, dict[str, Any]]
    n_steps_run: int
    tracking: dict[str, FloatArray] | None = None
    drone_t_tracked_s: FloatArray | None = None
    picture: dict[str, Any] | None = None


def _quiet(st: ChunkState, layout: Layout) -> bool:
    """Nothing airborne, nothing in the air and no engagement committed."""
    return not (
        st.airborne().any()
        or st.shot_active.any()
        or any(
            pl.kind.busy(kst)
            for pl, kst in zip(layout.effectors, st.effectors, strict=True)
        )
    )


def run_chunk(
    params: ScenarioParams,
    replications: IntArray,
    seed: int,
    *,
    events: bool = False,
    record: int = 0,
    on_step: Callable[[float], None] | None = None,
    on_decision: Callable[[DecisionInstance], None] | None = None,
    kinds: tuple[Sequence[Any], Sequence[Any]] | None = None,
    check: bool = False,
    fidelity: str = "truth",
) -> ChunkResult:
    """Simulate a chunk of replications.

    Parameters
    ----------
    params : ScenarioParams
        The compiled scenario.
    replications : array of int
        Replication ids (>= 0) in this chunk; results depend only on each id and the
        seed, never on the chunk.
    seed : int
        Root seed of the run.
    events : bool
        Record the event log.
    record : int
        Record trajectories of replications with id < ``record``.
    on_step : callable, optional
        Called every 64 steps with the fraction of the time grid stepped (progress
        reporting; it must not touch the state).
    on_decision : callable, optional
        Called with the :class:`DecisionInstance` of every replication at every
        decision cycle, before it is solved (to export or study the instances).
    kinds : (sensor kinds, effector kinds), optional
        Kinds to run instead of the registry's (the contract tests' mock kinds).
    check : bool
        Check the state's invariants after every step (slow; for tests and
        debugging): raises ``RuntimeError`` naming the first one broken.
    fidelity : {"truth", "tracked"}
        The air picture: truth-fed, or built by the tracker from noisy measurements
        with false alarms (:mod:`skyscreen.engine.track`).

    Returns
    -------
    ChunkResult

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> from skyscreen.scenario.compile import compile_scenario
    >>> p = compile_scenario(load_scenario(example_path("quickstart")))
    >>> res = run_chunk(p, np.arange(3), seed=1)
    >>> res.drone_status.shape
    (3, 4)
    """
    reps = np.asarray(replications, dtype=np.int64)
    p = params
    layout = make_layout(p) if kinds is None else make_layout(p, *kinds)
    st = init_state(p, layout, reps, seed)
    ev = Events(reps) if events else None
    rec_rows = np.flatnonzero(reps < record)
    traj: dict[str, list[Any]] | None = (
        {k: [] for k in TRAJECTORY_COLUMNS} if len(rec_rows) else None
    )
    dt = p.dt_s
    deciding = (
        tick_numbers(
            np.array([p.doctrine.decision_period_s]), p.n_steps, dt, p.duration_s
        )[:, 0]
        >= 0
    )
    steps_run = 0
    t_dry = np.full((len(reps), layout.n_effectors), np.nan)
    pic: AirPicture | None = None
    if fidelity not in ("truth", "tracked"):
        raise ValueError(f"fidelity must be 'truth' or 'tracked'; got {fidelity!r}")
    tracked = TrackedPicture(p, len(reps), rec_rows) if fidelity == "tracked" else None
    measured: list[Measured] | None = [] if tracked is not None else None
    for s in range(p.n_steps):
        t0, t1 = s * dt, min((s + 1) * dt, p.duration_s)
        # Quiet for good: no drone left to launch or flying and nothing in the air in
        # any replication. Quiet for now: the same, but drones still to launch after
        # this step. Either way the skipped steps would change nothing, and draws are
        # keyed by step or scan number, so none shifts.
        if _quiet(st, layout):
            waiting = st.status == PENDING
            if not waiting.any():
                break
            if t1 < float(st.t_launch_s[waiting].min()):
                continue
        steps_run += 1
        if on_step is not None and s % 64 == 0:
            on_step(s / p.n_steps)
        t_arrive, t_home = launch_and_move(st, p, t0, t1, ev)
        t_down, down_by = act(st, layout, t0, t1, ev)
        t_kill, k_eff = resolve(st, p, layout, t0, t1, ev)
        settle(st, p, layout, t1, t_kill, k_eff, t_arrive, t_home, t_down, down_by, ev)
        if tracked is not None and measured is not None:
            # Sensors that point are cued by the tracks as predicted to the look (the
            # truth-fed picture's arrays are the live truth, so there too the cue is
            # where the drone is now, not where it was at the last decision).
            cue = tracked.picture(st, p, t1, cov=False) if pic is not None else None
            measured.clear()
            if sense(st, layout, s, t0, t1, ev, cue, measured):
                tracked.update(st, measured, t1)
        else:
            sense(st, layout, s, t0, t1, ev, pic)
        reload(st, layout, t1)
        if deciding[s]:
            if tracked is None:
                pic = truth_picture(st, p, t1)
            else:
                pic = tracked.picture(st, p, t1)
                tracked.score(st, t1)
            decide(st, p, layout, pic, t1, ev, on_decision)
        engage(st, layout, s, t1, ev)
        _note_dry(st, layout, t_dry, t1)
        if traj is not None:
            _record(st, traj, rec_rows, t0, t1)
        if check:
            check_state(st, layout, t1)

    finish(st, p, layout, min(p.n_steps * dt, p.duration_s), ev)
    still = st.status == PENDING  # launch after the end (validated against, defensive)
    st.status[still] = FLYING
    return _result(st, layout, ev, traj, steps_run, t_dry, tracked)


def check_state(st: ChunkState, layout: Layout, t_s: float) -> None:
    """Raise ``RuntimeError`` if an invariant of the chunk state is broken at ``t_s``.

    Every drone has a valid status; shots pending at a drone and shots in the air are
    never negative and point at real drones; no kind's magazine is negative; airborne
    drones have finite positions.
    """
    problems = []
    if ((st.status < 0) | (st.status > 6)).any():
        problems.append("a drone status outside the codes")
    if (st.pending < 0).any():
        problems.append(f"negative pending shots: {int(st.pending.min())}")
    n_d = st.status.shape[1]
    live = st.shot_drone[st.shot_active]
    if ((live < 0) | (live >= n_d)).any():
        problems.append("a shot in the air at no drone")
    if not np.isfinite(st.pos_m[st.airborne()]).all():
        problems.append("an airborne drone at a non-finite position")
    for pl, kst in zip(layout.effectors, st.effectors, strict=True):
        mag = pl.kind.magazine(kst) if pl.n else None
        if mag is not None and (mag < 0).any():
            problems.append(f"{pl.kind.name}: negative magazine {int(mag.min())}")
    if problems:
        raise RuntimeError(f"at t = {t_s} s: " + "; ".join(problems))


def _note_dry(st: ChunkState, layout: Layout, t_dry: FloatArray, t1: float) -> None:
    """Set ``t_dry`` (R, E) to ``t1`` where a magazine is empty for the first time."""
    for pl, kst in zip(layout.effectors, st.effectors, strict=True):
        if pl.n == 0:
            continue
        mag = pl.kind.magazine(kst)
        if mag is None:
            continue
        block = t_dry[:, pl.index : pl.index + pl.n]
        block[(mag <= 0) & np.isnan(block)] = t1


def _record(
    st: ChunkState, traj: dict[str, list[Any]], rows: IntArray, t0: float, t1: float
) -> None:
    """Trajectory rows of drones airborne at ``t1`` or ended in this step.

    Decided per replication, so the table does not depend on which steps a chunk ran.
    """
    sub = st.status[rows]
    ended = (st.t_end_s[rows] > t0) & (st.t_end_s[rows] <= t1)
    rr, dd = np.nonzero(st.airborne()[rows] | ended)
    pr = st.pos_m[rows[rr], dd]
    traj["replication"].append(st.reps[rows[rr]])
    traj["t_s"].append(np.full(len(rr), t1))
    traj["drone"].append(dd)
    traj["x_m"].append(pr[:, 0])
    traj["y_m"].append(pr[:, 1])
    traj["z_m"].append(pr[:, 2])
    traj["status"].append(sub[rr, dd])


def _result(
    st: ChunkState,
    layout: Layout,
    ev: Events | None,
    traj: dict[str, list[Any]] | None,
    steps_run: int,
    t_dry: FloatArray,
    tracked: TrackedPicture | None = None,
) -> ChunkResult:
    """Gather the chunk's outcomes; every kind's counters, zero where it has none."""
    n_rep, n_e = st.n_rep, layout.n_effectors
    columns = {c: np.zeros((n_rep, n_e), dtype=np.int64) for c in EFFECTOR_COLUMNS}
    cost = np.zeros((n_rep, n_e))
    for pl, kst in zip(layout.effectors, st.effectors, strict=True):
        if pl.n == 0:
            continue
        sl = slice(pl.index, pl.index + pl.n)
        for name, value in pl.kind.accounting(pl, kst).items():
            columns[name][:, sl] = value
        cost[:, sl] = pl.kind.cost(pl, kst)
    return ChunkResult(
        replications=st.reps,
        drone_status=st.status.astype(np.int8),
        drone_cause=st.cause.astype(np.int8),
        drone_effector=st.effector,
        drone_target=st.target,
        drone_t_launch_s=st.t_launch_s,
        drone_t_first_detect_s=st.t_first_detect_s,
        drone_t_first_shot_s=st.t_first_shot_s,
        drone_t_identified_s=st.t_identified_s,
        drone_id_sensor=st.id_sensor,
        drone_t_end_s=st.t_end_s,
        drone_end_m=st.pos_m,
        drone_t_gnss_lost_s=st.t_gnss_lost_s,
        drone_miss_m=st.miss_m,
        eff_engagements=columns["engagements"],
        eff_rounds=columns["rounds_fired"],
        eff_missiles=columns["missiles_fired"],
        eff_kills=st.eff_kills + st.jam_defeats,
        eff_cost_usd=cost,
        eff_t_dry_s=t_dry,
        asset_hits=st.asset_hits,
        asset_damaged=st.asset_damaged,
        asset_casualties=st.asset_casualties,
        asset_debris=st.asset_debris,
        events=ev.result() if ev is not None else None,
        trajectories=(
            {k: np.concatenate(v) for k, v in traj.items()}
            if traj is not None and traj["t_s"]
            else None
        ),
        tables={
            name: table
            for pl, kst in zip(layout.sensors, st.sensors, strict=True)
            if pl.n and hasattr(pl.kind, "tables")
            for name, table in pl.kind.tables(pl, kst, st).items()
        },
        n_steps_run=steps_run,
        tracking=tracked.summary() if tracked is not None else None,
        drone_t_tracked_s=tracked.t_tracked_s if tracked is not None else None,
        picture=tracked.recorded() if tracked is not None else None,
    )


def warm_up() -> None:
    """Compile (or load from the cache) every kernel, on a tiny built-in scenario.

    Worker processes call this once, so the first chunk does not pay for compilation.
    """
    from skyscreen.scenario import parse_scenario
    from skyscreen.scenario.compile import compile_scenario

    spec = parse_scenario(_WARM_UP_SCENARIO)
    run_chunk(compile_scenario(spec), np.arange(1), 0)


_WARM_UP_SCENARIO: dict[str, Any] = {
    "name": "warm-up",
    "origin": {"lat_deg": 0.0, "lon_deg": 0.0},
    "run": {"dt_s": 1.0, "duration_s": 200.0},
    "doctrine": {"decision_period_s": 1.0},
    "sites": [
        {
            "id": "s",
            "assets": [
                {"id": "a", "position": {"east_m": 0, "north_m": 0}, "value_usd": 1e6}
            ],
            "sensors": [
                {"kind": "radar", "id": "r", "position": {"east_m": 0, "north_m": 0}}
            ],
            "effectors": [
                {"kind": "gun", "id": "g", "position": {"east_m": 0, "north_m": 0}},
                {"kind": "missile", "id": "m", "position": {"east_m": 0, "north_m": 0}},
                {"kind": "jammer", "id": "j", "position": {"east_m": 0, "north_m": 0}},
            ],
        }
    ],
    "raids": [
        {
            "id": "w",
            "drone": {"class": "fixed_wing_owa"},
            "count": 2,
            "launch": {"position": {"east_m": 4000, "north_m": 0}},
            "target": {"asset": "a"},
        },
        {
            "id": "q",
            "drone": {"class": "multirotor", "guidance": "rf_link", "swerling": 0},
            "count": 1,
            "launch": {"position": {"east_m": 0, "north_m": 3000}},
            "target": {"asset": "a"},
        },
    ],
}
