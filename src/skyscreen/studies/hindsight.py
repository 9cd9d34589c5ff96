r"""The hindsight bounds: the best a clairvoyant defence could do, per replication.

Three relaxations: ``perfect`` (below), ``doctrine`` (the same, within the doctrine's
decision cycles, picture and weapons control) and ``expected`` (paths known, shot
outcomes not: a bound on the mean).

The perfect-information relaxation of Brown, Smith & Sun ("Information relaxations and
duality in stochastic dynamic programs", *Operations Research* 58(4), 2010). The engine
draws every random number from a stream keyed by (replication, purpose, entity,
counter) (:mod:`skyscreen.engine.rng`): a replication's drone paths and the outcome of
every shot that *could* be fired in it are fixed before any policy acts. Told them in
advance, the best the defence could do is a deterministic scheduling problem; its
optimum bounds from below the value damaged of every non-clairvoyant fire-control
policy run with the same seed, in the same replication — not only on average.

What is known in advance
------------------------
* **Drone paths.** Guns and missiles end flights and change nothing else, so a drone
  flies exactly as it would undefended until it is killed. Jammers, if any, act in
  that flight as in every run: a jammer's J/S on a drone follows from the drone's
  own position and home (no draw, no decision, nothing shared with other drones),
  so its lost link or GNSS fix, and the neutralisation or drift that follow, are
  the same under every policy until a weapon kills the drone (:data:`FLIGHT_KINDS`).
  The undefended flight is stepped with the engine's own stages (launch and move, area
  effects, outcomes and settle) from the engine's initial state, recording every airborne drone's position and velocity at the
  end of each step, its arrival time at its aim point if it leaks, and — from the
  engine's own damage events — which assets its warhead damages when it leaks. Damage
  draws are per (replication, drone, asset) (``Purpose.DAMAGE``, unit ``asset:<id>``,
  and the impact scatter per drone), so "drone *j* leaking damages asset *a*" is a
  fixed fact of the replication whatever the other drones do; only casualties depend
  on earlier hits, and the bound is on value damaged, not casualties.
* **Shot outcomes.** A candidate shot is (weapon, drone, fire step *s*): the step at
  whose end the weapon would fire (after its decision and slew or reaction time). Its
  outcome is the engine's, computed with the engine's model functions and the same
  stream draws: a gun's envelope, aim bias (two normals), kill probability given the
  bias and outcome uniform from counter ``3·s`` of the (replication, gun, drone)
  stream, time of flight *R*/*v₀*; a missile's intercept point, envelope, Pk at the
  intercept range and outcome uniform from counter *s* of its stream, time of flight
  τ. A kill takes effect at *t₁(s)* + time of flight, and only if that is no later
  than the drone's arrival (the engine's rule: a kill and an arrival at the same
  instant count as a kill). :func:`candidate_shots` lists them.

The relaxation (every real schedule stays feasible)
---------------------------------------------------
* Detection, tracking, identification, weapons control and every doctrine rule
  (minimum Pk, holds, reserves, shooters per drone, shoot-look-shoot): ignored — a
  policy under them can only do less.
* Decisions: a shot may fire at any step (the engine fires only at or after decision
  steps).
* Slew and reaction time: ignored; a gun's consecutive shots are at least
  *g* = max(1, ⌈burst_s / dt⌉) steps apart (the engine keeps it busy for its burst,
  and a weapon fires at most once a step), a launcher's at least one step.
* Magazines: a gun's magazine of *M* rounds holds *B* = ⌈*M*/*n*⌉ bursts of *n*
  rounds (the last one short), a launcher's *B* = ready rounds; in all at most
  *B*·(1 + reloads) shots. Every burst is counted as a full one: a short burst's kill
  probability is lower for the same draws, so this only adds kills.
* Reloads: a reload starts when a magazine is empty and the next shot follows it by at
  least *r* = ⌈reload_s / dt⌉ steps, so any *B* + 1 consecutive shots span at least
  (*B* − 1)·*g* + max(*g*, *r*) steps: at most *B* shots in any window that short
  (added where *r* > *g* and reloads are left). Exact timing of each reload is not
  tracked.
* Missile fire channels: kept exactly (shots still in the air when a launcher fires,
  counted from the shots in the schedule, are at most its channels).
* Missed shots: never in an optimal clairvoyant schedule (they only use rounds and
  time), so only killing shots at drones that would damage something are variables;
  dropping shots from a schedule keeps it feasible.

The problem (per replication)
-----------------------------
Variables: *y_c* ∈ {0, 1} for each useful candidate *c* (a killing shot, in time, at a
drone whose leak damages an asset of positive value); *z_j* ∈ [0, 1], drone *j*
killed; *u_a* ∈ [0, 1], asset *a* damaged. Minimise Σ_a value_a·*u_a* subject to
*z_j* ≤ Σ_{c at j} *y_c*; *u_a* ≥ 1 − *z_j* for each drone *j* that damages *a*
when it leaks; per weapon, Σ *y* ≤ 1 over every window of *g* steps, Σ *y* ≤
*B*(1 + reloads), the reload windows and the missile channels above. *y* and *z* are
integer (*u* is then integral at an optimum). Solved with HiGHS
(:func:`scipy.optimize.milp`): exactly, with a node budget (``node_limit``, not a time
limit, so that results are reproducible); where the budget runs out, HiGHS's proven dual
bound is reported (status ``bound``); ``method="lp"`` reports the LP relaxation (status
``relaxation``, binaries relaxed to [0, 1]), a proven lower bound too. The LP
relaxation's value is reported for every replication (``lp_value_damaged_usd``), to
show how tight it is.

The doctrine relaxation (``relaxation="doctrine"``)
-------------------------------------------------
The same information, and the same MILP, with rules every schedule the engine runs in
the truth fidelity obeys, whatever its fire-control policy (myopic or look-ahead, any
assignment solver or Pk floor) — each a packing constraint, so dropping shots from a
schedule keeps it feasible and the killing shots of any engine schedule satisfy them
(tests/studies/test_hindsight_doctrine.py checks each on the engine's fire and assign
events):

* **Decision cycles and delays.** ``decide`` runs in the steps holding a multiple of
  ``decision_period_s`` (:func:`~skyscreen.engine.clock.tick_numbers`) at the step's
  end *t_d*; a gun then fires in the first step whose end is ≥ *t_d* + slew, the slew
  being max(|Δaz|, |Δel|)/rate + settle ∈ [settle, π/rate + settle]; a launcher at
  ≥ *t_d* + reaction_s. A candidate (weapon, drone, fire step) keeps the decision
  cycles that could have produced it.
* **The picture.** At *t_d* the drone must be airborne and in the truth picture
  (detected within ``track_memory_s``), identified if the weapon's kind is weapons
  tight, and within ``self_defence_range_m`` of the weapon under weapons hold (the
  kinds' ``evaluate`` give such pairs no Pk, and no solver assigns a pair of Pk 0).
  Detections: radars and RF detectors draw per (radar or detector, drone, scan or
  look), take no cue, and a drone flies its undefended path until killed, so their
  detections (and RF classification) are those of the undefended flight, computed with
  their own ``sense``. A camera's pointing follows the picture, hence the defence: it
  is taken to point at every drone at every look (within range and horizon, the look's
  own draw below the Pd: a superset of its detections), and to identify a drone at
  the first look at which a hold of ``identify_time_s`` within ``identify_range_m``
  could have ended (cameras are not limited to one drone at a time: a relaxation).
* **Weapon timing.** After a shot in step *f* a weapon is free again only at a
  decision cycle after *f* (decide runs before engage) once a gun's burst is over
  (``busy_s``) and, if the magazine emptied, the reload is done; its next shot fires
  no earlier than that cycle's earliest fire step: at most one shot in
  [*f*, next(*f*)), next non-decreasing. Any *B* + 1 consecutive shots (*B* a
  magazine) straddle one reload: at most *B* in [*f*, span(*f*)), span the least
  composition of *B* − 1 ordinary gaps and one reload gap. Totals and missile
  channels as in the perfect relaxation.
* **Shooters and shoot-look-shoot** (used by the expected bound; a clairvoyant needs
  one shot per drone, so they cannot bind the MILP). A shot decided no later than
  cycle *k_hi* is pending (the engine's ``pending``: committed, not resolved) at
  every cycle *k* ≥ *k_hi* with *t_d(k)* < *t_res*; with shoot-look-shoot a drone is
  closed to a new salvo until *t_d(k)* ≥ *t_res* + ``assess_time_s`` (``assessed_s``,
  the resolution time being the shot's time of flight after its fire step: *R*/*v₀*
  for a gun, the intercept time for a missile). Shots whose intervals [*k_hi*, end)
  share a cycle are pending together, or one salvo: at most
  ``max_shooters_per_drone`` of them.

Left relaxed: the minimum shot Pk, missile minimum time to go and reserve (policy
parameters), cameras' tasking and field of view, cancelled engagements. The doctrine
bound holds for the truth fidelity (the tracked picture keeps its own tracks).

The cameras relaxation (``relaxation="cameras"``)
-------------------------------------------------
``doctrine`` with the cameras modelled as the engine runs them
(:mod:`._hindsight_cameras` derives each rule from the camera's code):

* **Exact replay under weapons tight.** Where every enabled weapon kind waits for
  identification, a weapon kills only identified drones, while a camera's tasking,
  pointing, hold and identification read only unidentified ones (its entry: the
  unidentified one it holds or the unidentified one of highest threat), and those
  fly their undefended paths and are in the picture exactly as undefended. So the
  engine's sensing stage, run with its air picture as cue and no weapon firing
  (:class:`_Replay`), makes the same identifications at the same times as every
  run of any policy — until a step at which a run could be quiet (all airborne
  drones identified earlier, so possibly all killed, and a drone still to launch:
  a quiet replication's cameras stand still). Before that step ``identified`` is
  exact.
* **One identification at a time** (after that step, or without weapons tight): a
  binary per possible identification (camera, drone, look) with the latest hold start
  h_max it allows; the intervals [h_max, look] of a camera's identifications are
  disjoint (one row per maximal clique), a drone is identified once, and a tight
  shot needs an RF classification or such an identification at a look no later
  than its last decision cycle.

The expected relaxation (``relaxation="expected"``)
---------------------------------------------------
Paths known, outcomes not. Fix a replication's paths, sensor draws and damage facts
(*F*) and let *x_c* = P(shot *c* is fired | *F*) for a policy that does not see a
shot's outcome before firing it. Every realised schedule satisfies the packing rows
above, so *x* does. A fired shot's own draws (a gun's aim bias and outcome uniform,
a missile's outcome) are used by no other shot and are independent of the decision
to fire it, so P(*c* fired and kills) = *x_c p_c*, *p_c* the kill probability
averaged over those draws: a gun's
:func:`~skyscreen.models.gun.burst_kill_probability` at the shot's range (the model's
96-point quadrature over the Rayleigh aim bias, a full burst — a short one kills
less), a missile's Pk. A drone is killed only by some fired shot, so P(*j* killed) ≤
Σ_c *x_c p_c* (the union bound; exact when the shots at a drone never overlap in the
air, as under shoot-look-shoot with one shooter). The product form
exp(Σ_c *x_c* ln(1 − *p_c*)) is **not** a valid bound: shoot-look-shoot fires a
second shot only if the first missed, so P(fired) understates the shots the drone
survives (one drone, two shots of Pk 0.5: survival 0.25, product form 0.354). A
drone leaking damages asset *a* as a fixed fact of *F* (damage draws per (drone,
asset)), so E[value damaged | *F*] ≥ Σ_a V_a max_{j damages a} (1 − Σ_c *x_c p_c*)⁺:
the LP min Σ_a V_a *u_a* subject to *u_a* ≥ 1 − *k_j*, *k_j* = Σ_c *p_c x_c* and the
packing rows bounds every such policy's expected value damaged given *F*. It is a
bound on the mean, not per replication: its per-replication values average to a
bound on a policy's mean over the same replications (up to the policy's Monte Carlo
noise from shot outcomes).

How to read it
--------------
The bound is on value damaged (USD): no policy, however clever, can damage less in a
replication. The gap between a policy's mean and the bound's mean is an upper limit on
what better fire control could gain; a clairvoyant knows which shots will miss, so
this gap is large even for a good policy (docs/hindsight.md gives numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numba import njit
from scipy import optimize, sparse

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.analysis import mean_interval
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.codes import EVENT_KINDS, LEAKED, OUTCOMES, PENDING
from skyscreen.engine.events import Events
from skyscreen.engine.kinds import make_layout
from skyscreen.engine.kinds.base import slant_geometry
from skyscreen.engine.move import launch_and_move
from skyscreen.engine.outcomes import act, resolve, settle
from skyscreen.engine.picture import truth_picture
from skyscreen.engine.rng import Purpose, stream_key, uniform
from skyscreen.engine.sense import sense as engine_sense
from skyscreen.engine.setup import init_state
from skyscreen.errors import FieldError, ScenarioError, SkyscreenError
from skyscreen.models import gun as gun_model
from skyscreen.models import missile as missile_model
from skyscreen.run import _draw_seed, _replication_ids
from skyscreen.scenario import load_scenario
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.params import ScenarioParams
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import _hindsight_cameras as _cam
from skyscreen.studies import _hindsight_doctrine as _doc
from skyscreen.studies._hindsight_expected import solve_expected

__all__ = [
    "HINDSIGHT_METHODS",
    "RELAXATIONS",
    "HindsightBound",
    "candidate_shots",
    "hindsight_bound",
]

RELAXATIONS = ("perfect", "doctrine", "cameras", "expected")
"""``perfect``: paths and outcomes known, the weapons' limits kept; ``doctrine``: the
same with the doctrine's decision cycles, picture and weapons control kept;
``cameras``: ``doctrine`` with each camera identifying one drone at a time;
``expected``: paths known, outcomes not (a bound on the mean)."""

HINDSIGHT_METHODS = ("auto", "milp", "lp")
"""``auto``: the MILP with a node budget, its proven dual bound where the budget runs
out; ``milp``: the same with a larger default budget; ``lp``: the LP relaxation."""

SUPPORTED_KINDS = ("gun", "missile")
"""Effector kinds the bound schedules (the weapons whose shots it chooses)."""

FLIGHT_KINDS = ("jammer",)
"""Effector kinds the bound keeps in the flight: their effect on a drone follows from
that drone's own path and state alone (a jammer's J/S from the geometry, no draw, no
decision, nothing shared between drones), so a drone flies the same jammed path under
every policy until a weapon kills it, and the flight the bound is built on is that
path. Lasers, microwave emitters and interceptors are decisions of fire control
(they would change paths policy by policy) and are refused."""

_NODE_LIMIT = {"auto": 2_000, "milp": 20_000}
_CHUNK = 32  # replications stepped together (memory: positions of airborne drones)
_EPS_STEPS = 1e-6  # round-off allowance when converting durations to steps
_SAFETY = 1e-7  # of the total asset value, taken off LP and dual bounds (tolerances)
_DAMAGE = EVENT_KINDS.index("damage")


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True, eq=False)
class HindsightBound:
    """The hindsight bound of a scenario, per replication (R replications).

    Attributes
    ----------
    scenario_name : str
    seed : int
        The root seed (the bound holds against runs with this seed).
    replications : int (R,)
        Replication ids.
    value_damaged_usd : float (R,)
        The bound: no policy damages less value in that replication (USD).
    lp_value_damaged_usd : float (R,)
        The LP relaxation's bound (≤ the MILP optimum).
    undefended_value_damaged_usd : float (R,)
        Value damaged with no defence at all (the most any defence can save is this
        minus the bound).
    method : tuple of str (R,)
        ``milp``, or ``lp`` (the LP relaxation; always for the expected bound), per
        replication.
    status : tuple of str (R,)
        ``optimal`` (MILP proven optimal, or the expected bound's LP solved),
        ``bound`` (MILP node budget spent: HiGHS's proven dual bound) or
        ``relaxation`` (LP).
    n_candidates : int (R,)
        Useful candidate shots (killing, in time, at a drone that damages value).
    n_killed : int (R,)
        Drones the optimal schedule kills (-1 where no integer optimum was proven).
    nodes : int (R,)
        Branch-and-bound nodes HiGHS explored (0 for the LP).
    """

    scenario_name: str
    seed: int
    replications: IntArray
    value_damaged_usd: FloatArray
    lp_value_damaged_usd: FloatArray
    undefended_value_damaged_usd: FloatArray
    method: tuple[str, ...]
    status: tuple[str, ...]
    n_candidates: IntArray
    n_killed: IntArray
    nodes: IntArray
    meta: dict[str, Any] = field(default_factory=dict)

    def interval(self, column: str = "value_damaged_usd") -> tuple[float, float, float]:
        """Mean of a per-replication column and its 95% Student-t interval."""
        return mean_interval(np.asarray(getattr(self, column), dtype=np.float64))

    @property
    def relaxation(self) -> str:
        """``perfect``, ``doctrine`` or ``expected`` (:data:`RELAXATIONS`)."""
        return str(self.meta.get("relaxation", "perfect"))

    @property
    def mean(self) -> float:
        """Mean bound on value damaged (USD)."""
        return self.interval()[0]

    def method_counts(self) -> dict[str, int]:
        """Replications per ``method/status`` (e.g. ``{"milp/optimal": 9}``)."""
        out: dict[str, int] = {}
        for m, s in zip(self.method, self.status, strict=True):
            out[f"{m}/{s}"] = out.get(f"{m}/{s}", 0) + 1
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per replication (join it with a run's summary on ``replication``)."""
        return pd.DataFrame(
            {
                "replication": self.replications,
                "value_damaged_usd": self.value_damaged_usd,
                "lp_value_damaged_usd": self.lp_value_damaged_usd,
                "undefended_value_damaged_usd": self.undefended_value_damaged_usd,
                "method": pd.Categorical(self.method, categories=["milp", "lp"]),
                "status": pd.Categorical(
                    self.status, categories=["optimal", "bound", "relaxation"]
                ),
                "n_candidates": self.n_candidates,
                "n_killed": self.n_killed,
                "nodes": self.nodes,
            }
        )

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_frame` to ``path`` (``.parquet`` or ``.csv``), atomically."""
        from skyscreen._atomic import atomic_file

        p = Path(path)
        suffix = p.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            raise SkyscreenError(
                f"{p}: the file must end in .parquet or .csv; got {suffix or 'none'!r}"
            )
        df = self.to_frame()
        with atomic_file(p) as tmp:
            if suffix == ".csv":
                df.to_csv(tmp, index=False)
            else:
                df.to_parquet(tmp, index=False)


# ------------------------------------------------------------------- flight and shots


@dataclass(frozen=True, slots=True, eq=False)
class _Flight:
    """The undefended flight of a chunk of R replications (N airborne drone-steps).

    Attributes
    ----------
    reps : int (R,)
    leak_s : float (R, D)
        Arrival time at the aim point of drones that leak (inf for the others).
    damages : bool (R, D, A)
        Whether each drone's leak damages each asset (the engine's damage events).
    row, drone, step : int (N,)
        Airborne drone-steps: replication row, drone, step.
    t1 : float (N,)
        End of the step (the time a shot fired in it leaves).
    pos, vel : float (N, 3)
        Position and velocity at ``t1``, after the step's outcomes.
    """

    reps: IntArray
    leak_s: FloatArray
    damages: BoolArray
    row: IntArray
    drone: IntArray
    step: IntArray
    t1: FloatArray
    pos: FloatArray
    vel: FloatArray
    visible: BoolArray | None = None
    identified: BoolArray | None = None
    ds_index: IntArray | None = None
    cam_obs: IntArray | None = None
    cam_look: BoolArray | None = None
    t_rf_s: FloatArray | None = None
    t_id_s: FloatArray | None = None
    replay_end: IntArray | None = None


def _check_kinds(spec: ScenarioSpec) -> None:
    """Refuse scenarios with enabled effectors the bound does not model."""
    bad = [
        FieldError(
            f"sites[{i}].effectors[{j}]",
            f"is a {e.kind} ({e.id!r}); the hindsight bound models guns, missiles "
            "and jammers only (other kinds are fire control's decisions and would "
            "change drone paths policy by policy): set enabled: false to leave it out",
        )
        for i, site in enumerate(spec.sites)
        for j, e in enumerate(site.effectors)
        if e.enabled and e.kind not in SUPPORTED_KINDS + FLIGHT_KINDS
    ]
    if bad:
        raise ScenarioError(bad)


def _replay_ok(p: ScenarioParams) -> bool:
    """Whether every enabled weapon waits for identification (weapons tight)."""
    doc = p.doctrine
    kinds = [k for k in SUPPORTED_KINDS if p.effectors[k].n > 0]
    return doc.weapons_control == "tight" and all(
        k in doc.identification_required for k in kinds
    )


def _fly(
    p: ScenarioParams,
    reps: IntArray,
    seed: int,
    keep: bool,
    sense: bool = False,
    replay: bool = False,
) -> _Flight:
    """Step the engine's move and outcome stages with no effector acting.

    With ``keep`` False only the leak facts are recorded (no drone-steps). With
    ``sense`` the sensors look too (:func:`~._hindsight_doctrine.sense_superset`) and
    the flight holds, per (replication, drone, step), whether fire control could hold
    and identify the drone, and the index of its drone-step. With ``replay`` (and
    ``sense``) the sensing is also run exactly as the engine runs it, air picture and
    cameras' cues included, with no weapon firing: ``t_id_s``, each drone's
    identification time there, and ``replay_end`` (R,), the first step from which a
    weapons-tight run may differ (``identified`` is then exact before it).
    """
    layout = make_layout(p)
    st = init_state(p, layout, reps, seed)
    ev = Events(reps)
    dt = p.dt_s
    n_d = p.drones.n
    dense = (len(reps), n_d, p.n_steps)
    visible = np.zeros(dense, dtype=bool) if sense else None
    identified = np.zeros(dense, dtype=bool) if sense else None
    ss = _doc.sense_init(layout, len(reps), n_d) if sense else None
    rp = _Replay(p, layout, reps, seed) if sense and replay else None
    parts: dict[str, list[Any]] = {k: [] for k in ("row", "drone", "step", "t1")}
    pos: list[FloatArray] = []
    vel: list[FloatArray] = []
    for s in range(p.n_steps):
        t0, t1 = s * dt, min((s + 1) * dt, p.duration_s)
        if not st.airborne().any():  # quiet: skip as run_chunk does (exact)
            waiting = st.status == PENDING
            if not waiting.any():
                break
            if t1 < float(st.t_launch_s[waiting].min()):
                continue
        t_arrive, t_home = launch_and_move(st, p, t0, t1, None)
        t_down, down_by = act(st, layout, t0, t1, None)
        t_kill, k_eff = resolve(st, p, layout, t0, t1, None)
        settle(st, p, layout, t1, t_kill, k_eff, t_arrive, t_home, t_down, down_by, ev)
        if ss is not None and visible is not None and identified is not None:
            vis, ident = _doc.sense_superset(ss, st, p, layout, s, t0, t1)
            visible[:, :, s] = vis
            identified[:, :, s] = ident
        if rp is not None:
            rp.step(s, t0, t1)
        if keep:
            r, d = np.nonzero(st.airborne())
            parts["row"].append(r)
            parts["drone"].append(d)
            parts["step"].append(np.full(len(r), s, dtype=np.int64))
            parts["t1"].append(np.full(len(r), t1))
            pos.append(st.pos_m[r, d])
            vel.append(st.vel_mps[r, d])
    leak_s = np.where(st.status == LEAKED, st.t_end_s, np.inf)
    damages = np.zeros((len(reps), p.drones.n, p.assets.n), dtype=bool)
    cols = ev.result()
    if len(cols["kind"]):
        hit = cols["kind"] == _DAMAGE
        row = np.searchsorted(reps, cols["replication"][hit], sorter=np.argsort(reps))
        row = np.argsort(reps)[row]
        damages[row, cols["drone"][hit], cols["outcome"][hit] - len(OUTCOMES)] = True

    def cat(name: str, dtype: Any) -> Any:
        return np.concatenate(parts[name]) if parts[name] else np.zeros(0, dtype)

    row, drone, step = (
        cat("row", np.int64),
        cat("drone", np.int64),
        cat("step", np.int64),
    )
    ds_index = None
    cam_obs = cam_look = t_rf = None
    if sense:
        ds_index = np.full(dense, -1, dtype=np.int64)
        ds_index[row, drone, step] = np.arange(len(row))
    if ss is not None and not ss.unknown:
        # Camera observations within identification reach, and each drone's RF
        # classification time (the RF detectors' own sense wrote it: exact).
        cam_obs = (
            np.concatenate(ss.cam_obs, axis=1)
            if ss.cam_obs
            else np.zeros((5, 0), dtype=np.int64)
        )
        cam_look = ss.cam_look
        t_rf = st.t_identified_s.copy()
    t_id = replay_end = None
    if rp is not None and identified is not None:
        t_id, replay_end = rp.finish(identified)
    return _Flight(
        reps=reps,
        leak_s=leak_s,
        damages=damages,
        row=row,
        drone=drone,
        step=step,
        t1=cat("t1", np.float64),
        pos=np.concatenate(pos) if pos else np.zeros((0, 3)),
        vel=np.concatenate(vel) if vel else np.zeros((0, 3)),
        visible=visible,
        identified=identified,
        ds_index=ds_index,
        cam_obs=cam_obs,
        cam_look=cam_look,
        t_rf_s=t_rf,
        t_id_s=t_id,
        replay_end=replay_end,
    )


class _Replay:
    """The engine's sensing and air picture over the undefended flight.

    Under weapons tight a weapon kills only identified drones, and a camera reads
    only unidentified ones (its task: the unidentified entry it holds or the one of
    highest threat; its hold and identification: that entry's drone), each of which
    flies its undefended path and is in the picture exactly when it is here (radars
    and RF detectors draw per unit, drone and look; a camera's detections follow its
    pointing). So every camera's state — pointing, task, hold — and every
    identification are the same in every run of any fire-control policy as here, by
    induction over the steps, except where a run could be quiet (nothing airborne:
    the cameras then stand still) while this one is not: a step at which every
    airborne drone here was identified in an earlier step (a run may have killed
    them all) and a drone is still to be launched. ``finish`` gives each drone's
    identification time and the first such step per replication (S: none).
    """

    def __init__(
        self, p: ScenarioParams, layout: Any, reps: IntArray, seed: int
    ) -> None:
        self.p = p
        self.layout = layout
        self.st = init_state(p, layout, reps, seed)
        self.ev = Events(reps)
        self.pic: Any = None
        self.deciding = (
            tick_numbers(
                np.array([p.doctrine.decision_period_s]),
                p.n_steps,
                p.dt_s,
                p.duration_s,
            )[:, 0]
            >= 0
        )
        self.air = np.zeros((len(reps), p.drones.n, p.n_steps), dtype=bool)
        self.t1 = np.minimum((np.arange(p.n_steps) + 1.0) * p.dt_s, p.duration_s)

    def step(self, s: int, t0: float, t1: float) -> None:
        """One step of the engine's loop, less decide and engage (core.run_chunk)."""
        st, p, layout = self.st, self.p, self.layout
        t_arrive, t_home = launch_and_move(st, p, t0, t1, None)
        t_down, down_by = act(st, layout, t0, t1, None)
        t_kill, k_eff = resolve(st, p, layout, t0, t1, None)
        settle(
            st, p, layout, t1, t_kill, k_eff, t_arrive, t_home, t_down, down_by, self.ev
        )
        engine_sense(st, layout, s, t0, t1, None, self.pic)
        if self.deciding[s]:
            self.pic = truth_picture(st, p, t1)
        self.air[:, :, s] = st.airborne()

    def finish(self, identified: BoolArray) -> tuple[FloatArray, IntArray]:
        """Identification times (R, D) and the first step a run may differ (R,).

        ``identified`` (R, D, S) is made exact before that step.
        """
        air, t1 = self.air, self.t1
        t_id = self.st.t_identified_s.copy()
        n_rep, _, n_s = air.shape
        end = np.full(n_rep, n_s, dtype=np.int64)
        first = np.where(air.any(axis=2), air.argmax(axis=2), -1)  # (R, D)
        for r in range(n_rep):
            fresh = ~(t_id[r][:, None] < t1[None, :])  # not identified before step s
            busy = (air[r] & fresh).any(axis=0)
            later = np.arange(n_s) < first[r].max(initial=-1)
            quiet_risk = air[r].any(axis=0) & ~busy & later
            hit = np.flatnonzero(quiet_risk)
            if len(hit):
                end[r] = hit[0]
            e = end[r]
            identified[r, :, :e] = air[r, :, :e] & (t_id[r][:, None] <= t1[None, :e])
        return t_id, end


@njit(cache=True)
def _uniforms(
    k0: int,
    k1: int,
    reps: IntArray,
    w1: IntArray,
    w2: IntArray,
    index: IntArray,
    out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """``out[i, j]`` = the stream's uniform at counter (rep, drone words, index + j).

    The engine's :func:`~skyscreen.engine.rng.draw`, with a counter per row.
    """
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = uniform(k0, k1, reps[i], w1[i], w2[i], index[i] + j)


@dataclass(frozen=True, slots=True, eq=False)
class _Shots:
    """Candidate shots (M of them): in the envelope at the fire step, with outcomes."""

    row: IntArray
    effector: IntArray
    drone: IntArray
    step: IntArray
    t_fire_s: FloatArray
    t_resolve_s: FloatArray
    p_kill: FloatArray
    u: FloatArray
    kill: BoolArray
    p_mean: FloatArray


def _draws(
    key: tuple[int, int],
    fl: _Flight,
    dkey: IntArray,
    i: IntArray,
    index: IntArray,
    n: int,
) -> FloatArray:
    out = np.empty((len(i), n))
    dk = dkey[fl.drone[i]]
    _uniforms(
        int(key[0]),
        int(key[1]),
        np.ascontiguousarray(fl.reps[fl.row[i]]),
        np.ascontiguousarray(dk[:, 0]),
        np.ascontiguousarray(dk[:, 1]),
        np.ascontiguousarray(index, dtype=np.int64),
        out,
    )
    return out


def _shots(
    p: ScenarioParams, fl: _Flight, seed: int, dkey: IntArray, mean_pk: bool = False
) -> _Shots:
    """Every candidate shot of every gun and launcher, as the engine would fire it.

    Gun: ``gun.fire``'s envelope, bias and outcome (a full burst of ``n_rounds``);
    missile: ``missile.fire``'s intercept, envelope, Pk and outcome. With ``mean_pk``,
    ``p_mean`` is each shot's kill probability averaged over its own draws: a gun's
    :func:`~skyscreen.models.gun.burst_kill_probability` at the shot's range (the
    model's integral over the Rayleigh aim bias, a full burst), a missile's Pk
    (NaN without ``mean_pk``).
    """
    out: dict[str, list[Any]] = {k: [] for k in _Shots.__slots__}
    # Each column typed even with no weapon: a zero-length first piece.
    none, none_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    _append(out, fl, none, 0, none_f, none_f, none_f, none_f)
    raid_idx = p.drones.raid_idx
    base = 0
    g = p.effectors["gun"]
    m = p.effectors["missile"]
    for k in range(g.n):
        rng, _, el = slant_geometry(g.pos_m[k], fl.pos)
        ok = gun_model.in_envelope(
            rng,
            el,
            g.range_min_m[k],
            g.range_max_m[k],
            g.elevation_min_rad[k],
            g.elevation_max_rad[k],
        )
        i = np.flatnonzero(ok)
        rng = rng[i]
        d = fl.drone[i]
        u = _draws(
            stream_key(seed, Purpose.GUN, g.ids[k]), fl, dkey, i, 3 * fl.step[i], 3
        )
        p_kill = gun_model.burst_kill_from_uniforms(
            u,
            rng,
            g.hit_radius_m[k, raid_idx[d]],
            g.dispersion_rad[k],
            g.bias_rad[k],
            g.n_rounds[k],
            g.pk_hit[k],
        )
        tof = gun_model.time_of_flight_s(rng, g.muzzle_velocity_mps[k])
        p_mean = np.full(len(i), np.nan)
        if mean_pk:
            q = raid_idx[d]
            for raid in np.unique(q):
                at = q == raid
                p_mean[at] = gun_model.burst_kill_probability(
                    rng[at],
                    float(g.hit_radius_m[k, raid]),
                    float(g.dispersion_rad[k]),
                    float(g.bias_rad[k]),
                    int(g.n_rounds[k]),
                    float(g.pk_hit[k]),
                )
        _append(out, fl, i, base + k, fl.t1[i] + tof, p_kill, u[:, 2], p_mean)
    base += g.n
    for k in range(m.n):
        tau, _, rng, ok = missile_model.intercept(
            fl.pos,
            fl.vel,
            m.pos_m[k],
            m.speed_mps[k],
            m.range_min_m[k],
            m.range_max_m[k],
            m.altitude_max_m[k],
        )
        i = np.flatnonzero(ok)
        pk = missile_model.kill_probability(
            rng[i], m.pk[k], m.range_max_m[k], m.pk_edge[k], m.falloff_start[k]
        )
        u = _draws(
            stream_key(seed, Purpose.MISSILE, m.ids[k]), fl, dkey, i, fl.step[i], 1
        )
        _append(out, fl, i, base + k, fl.t1[i] + tau[i], pk, u[:, 0], pk)
    return _Shots(**{k: np.concatenate(v) for k, v in out.items()})


def _append(
    out: dict[str, list[Any]],
    fl: _Flight,
    i: IntArray,
    effector: int,
    t_res: FloatArray,
    p_kill: FloatArray,
    u: FloatArray,
    p_mean: FloatArray,
) -> None:
    out["row"].append(fl.row[i])
    out["effector"].append(np.full(len(i), effector, dtype=np.int64))
    out["drone"].append(fl.drone[i])
    out["step"].append(fl.step[i])
    out["t_fire_s"].append(fl.t1[i])
    out["t_resolve_s"].append(np.asarray(t_res, dtype=np.float64))
    out["p_kill"].append(np.asarray(p_kill, dtype=np.float64))
    out["u"].append(np.asarray(u, dtype=np.float64))
    out["kill"].append(np.asarray(u < p_kill, dtype=bool))
    out["p_mean"].append(np.asarray(p_mean, dtype=np.float64))


# ------------------------------------------------------------------------ the problem


@dataclass(frozen=True, slots=True, eq=False)
class _Limits:
    """Each effector's limits in the relaxation, arrays over E (guns then missiles).

    Attributes
    ----------
    gap : int
        Fewest steps between two shots.
    per_mag : int
        Shots a magazine (or the ready rounds) holds, B.
    total : int
        Shots in all, B · (1 + reloads).
    reload_span : int
        Steps of a window holding at most B shots ((B − 1)·gap + reload steps);
        0 where no reload is left or the reload is no longer than the gap.
    channels : int
        Missiles in the air at once (0: no limit, guns).
    """

    gap: IntArray
    per_mag: IntArray
    total: IntArray
    reload_span: IntArray
    channels: IntArray


def _steps(duration_s: FloatArray, dt: float) -> IntArray:
    """Fewest whole steps that last ``duration_s``, allowing for round-off (>= 0)."""
    return np.maximum(
        np.ceil(np.asarray(duration_s, dtype=np.float64) / dt - _EPS_STEPS), 0
    ).astype(np.int64)


def _limits(p: ScenarioParams) -> _Limits:
    g, m = p.effectors["gun"], p.effectors["missile"]
    dt = p.dt_s
    gap = np.concatenate(
        [np.maximum(_steps(g.burst_s, dt), 1), np.ones(m.n, dtype=np.int64)]
    )
    per_mag = np.concatenate(
        [
            -(-np.asarray(g.magazine_rounds, dtype=np.int64) // g.n_rounds),
            np.asarray(m.ready_rounds, dtype=np.int64),
        ]
    )
    reloads = np.concatenate([g.reloads, m.reloads]).astype(np.int64)
    reload = np.maximum(_steps(np.concatenate([g.reload_s, m.reload_s]), dt), gap)
    span = np.where(
        (reloads > 0) & (reload > gap) & (per_mag > 0),
        (per_mag - 1) * gap + reload,
        0,
    )
    channels = np.concatenate(
        [np.zeros(g.n, dtype=np.int64), np.asarray(m.channels, dtype=np.int64)]
    )
    return _Limits(gap, per_mag, per_mag * (1 + reloads), span, channels)


def _windows(steps: IntArray, length: int, cap: int) -> list[IntArray]:
    """Index sets of candidates (sorted by ``steps``) in windows of ``length`` steps.

    One window starts at each distinct step; windows holding no more than ``cap``
    candidates, or only candidates of the window before, are left out.
    """
    out: list[IntArray] = []
    prev_end = -1
    n = len(steps)
    for t in np.unique(steps):
        lo = int(np.searchsorted(steps, t, side="left"))
        hi = int(np.searchsorted(steps, t + length - 1, side="right"))
        if hi - lo > cap and steps[hi - 1] > prev_end:
            out.append(np.arange(lo, hi, dtype=np.int64))
            prev_end = t + length - 1
        if hi >= n and steps[-1] <= prev_end:
            break
    return out


@dataclass(frozen=True, slots=True, eq=False)
class _Problem:
    """One replication's scheduling problem in :func:`scipy.optimize.milp` form."""

    c: FloatArray
    a: Any
    lb: FloatArray
    ub: FloatArray
    n_y: int
    drone_of_y: IntArray
    drones: IntArray
    asset_drones: list[IntArray]
    values: FloatArray
    scale: float
    integral_extra: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))


@dataclass(frozen=True, slots=True, eq=False)
class _Extra:
    """Columns after y, z and u, and rows over y and them (the cameras relaxation).

    ``integral`` (X,): which extra columns are binary (the others continuous in
    [0, 1]); ``rows``: (columns, coefficients, lower, upper), a column below n_y
    being a shot's y and n_y + i the extra column i.
    """

    integral: BoolArray
    rows: list[tuple[IntArray, FloatArray, float, float]]


def _problem(
    effector: IntArray,
    drone: IntArray,
    step: IntArray,
    t_fire: FloatArray,
    t_res: FloatArray,
    damages: BoolArray,
    values: FloatArray,
    lim: _Limits,
    packing: list[_doc.Row] | None = None,
    extra: _Extra | None = None,
) -> _Problem:
    """Build the MILP of one replication from its useful candidate shots.

    ``damages`` (D, A): which assets each drone's leak damages (only drones that leak
    and damage value); ``values`` (A,). ``packing``: the weapons' rows instead
    of those of ``lim`` (the doctrine relaxation's); ``extra``: more columns and rows
    (the cameras relaxation's).
    """
    useful_a = (values > 0) & damages.any(axis=0)
    assets = np.flatnonzero(useful_a)
    drones = np.flatnonzero(damages[:, assets].any(axis=1))
    n_y, n_j, n_a = len(effector), len(drones), len(assets)
    col_j = {int(j): n_y + i for i, j in enumerate(drones)}
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lb: list[float] = []
    ub: list[float] = []

    def add(c: IntArray, v: FloatArray, lo: float, hi: float) -> None:
        rows.append(np.full(len(c), len(lb), dtype=np.int64))
        cols.append(np.asarray(c, dtype=np.int64))
        vals.append(np.asarray(v, dtype=np.float64))
        lb.append(lo)
        ub.append(hi)

    # z_j <= sum of y at j.
    order = np.argsort(drone, kind="stable")
    cut = np.searchsorted(drone[order], drones)
    cut_hi = np.searchsorted(drone[order], drones, side="right")
    for i in range(n_j):
        ys = order[cut[i] : cut_hi[i]]
        add(np.r_[n_y + i, ys], np.r_[1.0, -np.ones(len(ys))], -np.inf, 0.0)
    # u_a + z_j >= 1 for each drone j that damages a.
    asset_drones = []
    for i, a in enumerate(assets):
        js = drones[damages[drones, a]]
        asset_drones.append(js)
        for j in js:
            add(np.array([n_y + n_j + i, col_j[int(j)]]), np.ones(2), 1.0, np.inf)
    # Per weapon: gap windows, total, reload windows, channels.
    for _, idx_row, cap in packing or ():
        add(idx_row, np.ones(len(idx_row)), -np.inf, cap)
    for e in np.unique(effector) if packing is None else ():
        idx = np.flatnonzero(effector == e)
        idx = idx[np.argsort(step[idx], kind="stable")]
        s = step[idx]
        for w in _windows(s, int(lim.gap[e]), 1):
            add(idx[w], np.ones(len(w)), -np.inf, 1.0)
        if lim.total[e] < len(idx):
            add(idx, np.ones(len(idx)), -np.inf, float(lim.total[e]))
        if lim.reload_span[e] > 0:
            for w in _windows(s, int(lim.reload_span[e]), int(lim.per_mag[e])):
                add(idx[w], np.ones(len(w)), -np.inf, float(lim.per_mag[e]))
        ch = int(lim.channels[e])
        for live in _doc.channel_sets(idx, s, t_fire, t_res, ch):
            add(live, np.ones(len(live)), -np.inf, float(ch))
    n_x = 0 if extra is None else len(extra.integral)
    base = n_y + n_j + n_a
    for cols_x, coef_x, lo_x, hi_x in extra.rows if extra is not None else ():
        cols_x = np.asarray(cols_x, dtype=np.int64)
        add(np.where(cols_x < n_y, cols_x, cols_x - n_y + base), coef_x, lo_x, hi_x)
    scale = float(values[assets].max()) if n_a else 1.0
    c = np.zeros(base + n_x)
    c[n_y + n_j : base] = values[assets] / scale
    n_row = len(lb)
    a_mat = sparse.csr_array(
        (
            np.concatenate(vals) if vals else np.zeros(0),
            (
                np.concatenate(rows) if rows else np.zeros(0, np.int64),
                np.concatenate(cols) if cols else np.zeros(0, np.int64),
            ),
        ),
        shape=(n_row, len(c)),
    )
    return _Problem(
        c=c,
        a=a_mat,
        lb=np.asarray(lb),
        ub=np.asarray(ub),
        n_y=n_y,
        drone_of_y=drone,
        drones=drones,
        asset_drones=asset_drones,
        values=values[assets],
        scale=scale,
        integral_extra=(
            np.zeros(0, dtype=bool) if extra is None else extra.integral.astype(bool)
        ),
    )


@dataclass(frozen=True, slots=True)
class _Solved:
    value_usd: float
    lp_usd: float
    method: str
    status: str
    n_killed: int
    nodes: int


def _run_milp(pr: _Problem, integer: bool, node_limit: int) -> Any:
    n = len(pr.c)
    integrality = np.zeros(n)
    if integer:
        # The drones' kill variables too: HiGHS then branches on whether a drone is
        # killed rather than on which of its many shots kills it (measured: 1 node
        # instead of 5 000 unfinished on 8 drones and 3 shots).
        integrality[: pr.n_y + len(pr.drones)] = 1
        n_x = len(pr.integral_extra)
        if n_x:
            integrality[n - n_x :] = pr.integral_extra
    constraints = (
        [optimize.LinearConstraint(pr.a, pr.lb, pr.ub)] if pr.a.shape[0] else []
    )
    options: dict[str, Any] = {"disp": False, "presolve": True}
    if integer:
        options.update(node_limit=int(node_limit), mip_rel_gap=0.0)
    return optimize.milp(
        pr.c,
        integrality=integrality,
        bounds=optimize.Bounds(np.zeros(n), np.ones(n)),
        constraints=constraints,
        options=options,
    )


def _greedy_kills_all(pr: _Problem, step: IntArray) -> bool:
    """Whether a greedy schedule kills every drone that damages value.

    Drones with the fewest candidate shots first, each given its earliest shot that
    keeps every weapon constraint (rows with an upper bound); such a schedule damages
    nothing, so 0 is the optimum and no solver is needed.
    """
    n_y = pr.n_y
    if len(pr.drones) == 0:
        return True
    if n_y == 0:
        return False
    a = sparse.csc_array(pr.a[:, :n_y])
    activity = np.zeros(a.shape[0])
    by_drone = [np.flatnonzero(pr.drone_of_y == j) for j in pr.drones]
    for j in np.argsort([len(c) for c in by_drone], kind="stable"):
        cands = by_drone[j]
        if len(cands) == 0:
            return False
        for c in cands[np.argsort(step[cands], kind="stable")]:
            rows = a.indices[a.indptr[c] : a.indptr[c + 1]]
            coef = a.data[a.indptr[c] : a.indptr[c + 1]]
            pos = coef > 0
            if (activity[rows[pos]] + coef[pos] <= pr.ub[rows[pos]] + 1e-9).all():
                activity[rows] += coef
                break
        else:
            return False
    return True


def _solve(pr: _Problem, method: str, node_limit: int, step: IntArray) -> _Solved:
    """Solve one replication's problem: LP always, the MILP unless ``method`` is lp.

    When a greedy schedule already kills every drone that damages value, the optimum
    (and the LP's) is 0 and no solver runs.
    """
    if _greedy_kills_all(pr, step):
        kind = ("lp", "relaxation") if method == "lp" else ("milp", "optimal")
        return _Solved(0.0, 0.0, *kind, len(pr.drones) if method != "lp" else -1, 0)
    margin = _SAFETY * float(pr.values.sum())
    lp = _run_milp(pr, False, node_limit)
    if lp.status != 0:  # pragma: no cover - always feasible (shoot nothing)
        raise RuntimeError(f"hindsight LP failed: {lp.message}")
    lp_usd = max(float(lp.fun) * pr.scale - margin, 0.0)
    if method == "lp":
        return _Solved(lp_usd, lp_usd, "lp", "relaxation", -1, 0)
    res = _run_milp(pr, True, node_limit)
    nodes = int(getattr(res, "mip_node_count", 0) or 0)
    if res.status == 0 and res.x is not None:
        y = np.round(res.x[: pr.n_y]) > 0.5
        killed = np.unique(pr.drone_of_y[y])
        value = sum(
            float(v)
            for v, js in zip(pr.values, pr.asset_drones, strict=True)
            if not np.isin(js, killed).all()
        )
        return _Solved(value, lp_usd, "milp", "optimal", len(killed), nodes)
    dual = getattr(res, "mip_dual_bound", None)
    if dual is not None and np.isfinite(dual):
        bound = max(float(dual) * pr.scale - margin, lp_usd)
        return _Solved(bound, lp_usd, "milp", "bound", -1, nodes)
    return _Solved(lp_usd, lp_usd, "lp", "relaxation", -1, nodes)


# ----------------------------------------------------------------------------- public


def _prepare(
    scenario: ScenarioSpec | str | Path,
    replications: int | Sequence[int] | None,
    seed: int | None,
    dt_s: float | None,
) -> tuple[ScenarioSpec, ScenarioParams, IntArray, int]:
    spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
    _check_kinds(spec)
    reps = _replication_ids(replications, spec)
    if seed is None:
        seed = spec.run.seed if spec.run.seed is not None else _draw_seed()
    given: Any = seed  # callers may pass anything
    if isinstance(given, bool) or not isinstance(given, int | np.integer) or given < 0:
        raise SkyscreenError(f"seed must be an integer >= 0; got {given!r}")
    return spec, compile_scenario(spec, dt_s), reps, int(given)


def _chunks(reps: IntArray) -> list[IntArray]:
    return [reps[i : i + _CHUNK] for i in range(0, len(reps), _CHUNK)]


def _dkey(p: ScenarioParams) -> IntArray:
    from skyscreen.engine.rng import drone_keys

    return drone_keys(p.raid_ids, p.drones.raid_idx, p.drones.index_in_raid)


def candidate_shots(
    scenario: ScenarioSpec | str | Path,
    replications: int | Sequence[int] | None = None,
    seed: int | None = None,
    *,
    dt_s: float | None = None,
    relaxation: str = "perfect",
) -> pd.DataFrame:
    """Every shot a gun or launcher could fire in each replication, with its outcome.

    One row per (replication, effector, drone, fire step) with the drone airborne and
    in the weapon's envelope at the end of the step in the undefended flight — the
    shots the engine could fire there, and the outcome it would draw for each (a gun's
    burst counted as full).

    Returns
    -------
    DataFrame
        ``replication, effector, kind, drone, step, t_fire_s, t_resolve_s, p_kill,
        kill, leak_s, useful``: ``p_kill`` is the kill probability given the draws the
        engine makes first (a gun's aim bias), ``kill`` the outcome, ``leak_s`` the
        drone's arrival time if it leaks undefended (inf otherwise), ``useful``
        whether the shot kills in time a drone whose leak damages value. With
        ``relaxation`` ``doctrine`` or ``expected``, also ``p_mean`` (the kill
        probability averaged over the shot's own draws) and ``decision_first_s``,
        ``decision_last_s``: the first and last decision cycle the shot could have
        been decided in under the doctrine (NaN: none, the engine cannot fire it).

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> df = candidate_shots(example_path("quickstart"), 1, seed=1)
    >>> sorted(df["kind"].unique())
    ['gun', 'missile']
    """
    if relaxation not in RELAXATIONS:
        raise SkyscreenError(
            f"relaxation must be one of {', '.join(RELAXATIONS)}; got {relaxation!r}"
        )
    _, p, reps, seed = _prepare(scenario, replications, seed, dt_s)
    doctrine = relaxation != "perfect"
    tm = _timing(p, _limits(p)) if doctrine else None
    dkey = _dkey(p)
    ids = np.asarray(p.effector_ids, dtype=object)
    kinds = np.asarray(p.effector_kinds, dtype=object)
    values = np.asarray(p.assets.value_usd, dtype=np.float64)
    frames = []
    for chunk in _chunks(reps):
        fl = _fly(
            p,
            chunk,
            seed,
            keep=True,
            sense=doctrine,
            replay=relaxation == "cameras" and _replay_ok(p),
        )
        sh = _shots(p, fl, seed, dkey, mean_pk=doctrine)
        leak = fl.leak_s[sh.row, sh.drone]
        worth = _worth(fl, values)
        cols: dict[str, Any] = {
            "replication": chunk[sh.row],
            "effector": ids[sh.effector],
            "kind": kinds[sh.effector],
            "drone": sh.drone,
            "step": sh.step,
            "t_fire_s": sh.t_fire_s,
            "t_resolve_s": sh.t_resolve_s,
            "p_kill": sh.p_kill,
            "kill": sh.kill,
            "leak_s": leak,
            "useful": sh.kill & (sh.t_resolve_s <= leak) & worth[sh.row, sh.drone],
        }
        if tm is not None:
            k_lo, k_hi = _decisions(tm, fl, sh)
            t_dec = tm.t_dec
            cols["p_mean"] = sh.p_mean
            cols["decision_first_s"] = np.where(k_lo >= 0, t_dec[k_lo], np.nan)
            cols["decision_last_s"] = np.where(k_hi >= 0, t_dec[k_hi], np.nan)
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def hindsight_bound(
    scenario: ScenarioSpec | str | Path,
    replications: int | Sequence[int] | None = None,
    seed: int | None = None,
    *,
    method: str = "auto",
    node_limit: int | None = None,
    dt_s: float | None = None,
    relaxation: str = "perfect",
) -> HindsightBound:
    """The hindsight bound on value damaged, per replication.

    Parameters
    ----------
    scenario : ScenarioSpec or path
        A scenario whose enabled effectors are guns and missile launchers only.
    replications : int or sequence of int, optional
        A count (ids 0..n-1) or explicit ids; default the scenario's.
    seed : int, optional
        Root seed; default the scenario's. Compare with runs of the same seed.
    method : {"auto", "milp", "lp"}
        ``auto`` and ``milp`` solve the MILP (HiGHS) within ``node_limit``
        branch-and-bound nodes (default 2 000 and 20 000), reporting HiGHS's proven
        dual bound where the budget runs out; ``lp`` reports the LP relaxation.
        Unused by the ``expected`` relaxation (always an LP).
    node_limit : int, optional
        Node budget per replication (reproducible, unlike a time limit).
    dt_s : float, optional
        Override of the scenario's time step (as :func:`skyscreen.simulate`'s).
    relaxation : {"perfect", "doctrine", "cameras", "expected"}
        ``perfect`` (default): every shot's outcome and every drone's path known,
        only the weapons' own limits kept; a bound on every policy, replication by
        replication. ``doctrine``: the same information, with the decision cycles,
        the picture (detection, identification), weapons control and the weapons'
        timing kept (valid in the truth fidelity for every policy under the
        scenario's doctrine, replication by replication). ``cameras``: ``doctrine``
        with each camera identifying one drone at a time and, where every weapon is
        weapons tight, identifications replayed exactly as every run makes them
        (same validity as ``doctrine``). ``expected``: the paths
        known but not the outcomes, the doctrine's rules kept; a bound on the
        *expected* value damaged given each replication's paths — its mean over
        replications bounds a policy's mean, not each replication.

    Returns
    -------
    HindsightBound

    Raises
    ------
    ScenarioError
        If an enabled effector is not a gun or a missile launcher.

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> hb = hindsight_bound(example_path("quickstart"), 2, seed=1)
    >>> hb.value_damaged_usd.shape, hb.method
    ((2,), ('milp', 'milp'))
    """
    if method not in HINDSIGHT_METHODS:
        raise SkyscreenError(
            f"method must be one of {', '.join(HINDSIGHT_METHODS)}; got {method!r}"
        )
    if relaxation not in RELAXATIONS:
        raise SkyscreenError(
            f"relaxation must be one of {', '.join(RELAXATIONS)}; got {relaxation!r}"
        )
    if node_limit is None:
        node_limit = _NODE_LIMIT.get(method, _NODE_LIMIT["auto"])
    elif isinstance(node_limit, bool) or int(node_limit) < 1:
        raise SkyscreenError(f"node_limit must be an integer >= 1; got {node_limit!r}")
    spec, p, reps, seed = _prepare(scenario, replications, seed, dt_s)
    lim = _limits(p)
    tm = None if relaxation == "perfect" else _timing(p, lim)
    dkey = _dkey(p)
    values = np.asarray(p.assets.value_usd, dtype=np.float64)
    solved: list[_Solved] = []
    n_cand: list[int] = []
    undefended: list[float] = []
    for chunk in _chunks(reps):
        fl, sh, ok, k_hi = _chunk_shots(p, chunk, seed, dkey, values, relaxation, tm)
        worth = _worth(fl, values)
        opts = None
        if relaxation == "cameras" and fl.cam_obs is not None and tm is not None:
            opts = _cam.camera_options(
                fl.cam_obs, fl.cam_look, tm.t1, float(p.doctrine.identify_time_s)
            )
        for r in range(len(chunk)):
            dam = fl.damages[r] & worth[r][:, None]
            undefended.append(float(values[dam.any(axis=0)].sum()))
            i = np.flatnonzero(ok & (sh.row == r))
            n_cand.append(len(i))
            args = (sh.effector[i], sh.step[i], sh.t_fire_s[i], sh.t_resolve_s[i])
            if tm is not None and relaxation == "expected":
                rows = _doc.weapon_rows(tm, lim, *args) + _doc.drone_rows(
                    tm, p, sh.drone[i], k_hi[i], sh.t_resolve_s[i]
                )
                ex = solve_expected(sh.drone[i], sh.p_mean[i], rows, dam, values)
                solved.append(
                    _Solved(ex.value_usd, ex.value_usd, "lp", "optimal", -1, 0)
                )
                continue
            extra = None
            if opts is not None and tm is not None:
                extra = _camera_extra(tm, fl, opts, r, sh, i, k_hi[i])
            pr = _problem(
                sh.effector[i],
                sh.drone[i],
                sh.step[i],
                sh.t_fire_s[i],
                sh.t_resolve_s[i],
                dam,
                values,
                lim,
                packing=None if tm is None else _doc.weapon_rows(tm, lim, *args),
                extra=extra,
            )
            solved.append(_solve(pr, method, int(node_limit), sh.step[i]))
    return HindsightBound(
        scenario_name=spec.name,
        seed=seed,
        replications=reps,
        value_damaged_usd=np.array([s.value_usd for s in solved]),
        lp_value_damaged_usd=np.array([s.lp_usd for s in solved]),
        undefended_value_damaged_usd=np.array(undefended),
        method=tuple(s.method for s in solved),
        status=tuple(s.status for s in solved),
        n_candidates=np.array(n_cand, dtype=np.int64),
        n_killed=np.array([s.n_killed for s in solved], dtype=np.int64),
        nodes=np.array([s.nodes for s in solved], dtype=np.int64),
        meta={
            "method": method,
            "node_limit": int(node_limit),
            "dt_s": p.dt_s,
            "relaxation": relaxation,
        },
    )


def _camera_extra(
    tm: _doc.Timing,
    fl: _Flight,
    opts: _cam.CameraOptions,
    r: int,
    sh: _Shots,
    i: IntArray,
    k_hi: IntArray,
) -> _Extra | None:
    """The cameras relaxation's columns and rows of replication row ``r``.

    Shots ``i`` (with their last possible decision cycles ``k_hi``) by weapons-tight
    weapons at drones no RF detector has classified by that cycle need a camera
    identification at a look no later than it (:mod:`._hindsight_cameras`).
    """
    assert fl.t_rf_s is not None
    need_step = tm.dec[np.maximum(k_hi, 0)]
    t_by = tm.t1[need_step]
    t_rf = fl.t_rf_s[r, sh.drone[i]]
    known = t_rf <= t_by  # NaN (never classified): False
    first = 0
    if fl.t_id_s is not None and fl.replay_end is not None:
        # Exact before the replay's end: identified there by t_by, or not at all.
        first = int(fl.replay_end[r])
        t_end = tm.t1[first] if first < len(tm.t1) else np.inf
        t_id = fl.t_id_s[r, sh.drone[i]]
        known |= (t_id < t_end) & (t_id <= t_by)
    need = tm.tight[sh.effector[i]] & ~known & (k_hi >= 0) & (need_step >= first)
    if not need.any():
        return None
    integral, rows = _cam.link_rows(
        opts.take((opts.row == r) & (opts.step >= first)),
        np.flatnonzero(need),
        sh.drone[i][need],
        need_step[need],
        len(i),
    )
    return _Extra(integral, rows)


def _timing(p: ScenarioParams, lim: _Limits) -> _doc.Timing:
    g, m = p.effectors["gun"], p.effectors["missile"]
    reloads = np.concatenate([g.reloads, m.reloads]).astype(np.int64)
    return _doc.make_timing(p, lim.per_mag, reloads)


def _worth(fl: _Flight, values: FloatArray) -> BoolArray:
    """Drones whose leak damages an asset of positive value (R, D)."""
    return np.asarray((fl.damages & (values > 0)[None, None, :]).any(axis=2))


def _chunk_shots(
    p: ScenarioParams,
    chunk: IntArray,
    seed: int,
    dkey: IntArray,
    values: FloatArray,
    relaxation: str,
    tm: _doc.Timing | None,
) -> tuple[_Flight, _Shots, BoolArray, IntArray]:
    """A chunk's flight, candidate shots, and which of them are variables.

    Also the last decision cycle each shot could come from (-1 for the perfect
    relaxation).
    """
    fl = _fly(
        p,
        chunk,
        seed,
        keep=True,
        sense=tm is not None,
        replay=relaxation == "cameras" and _replay_ok(p),
    )
    worth = _worth(fl, values)
    # Only drone-steps of drones that damage value can carry a useful shot.
    keep = worth[fl.row, fl.drone] & (fl.t1 <= fl.leak_s[fl.row, fl.drone])
    sh = _shots(p, _subset(fl, keep), seed, dkey, mean_pk=relaxation == "expected")
    in_time = sh.t_resolve_s <= fl.leak_s[sh.row, sh.drone]
    k_hi: IntArray = np.full(len(sh.step), -1, dtype=np.int64)
    can = np.ones(len(sh.step), dtype=bool)
    if tm is not None:
        k_lo, k_hi = _decisions(tm, fl, sh)
        can = k_lo >= 0
    if relaxation == "expected":
        ok = in_time & can & (sh.p_mean > 0)
    else:
        ok = sh.kill & in_time & can
    return fl, sh, ok, k_hi


def _decisions(tm: _doc.Timing, fl: _Flight, sh: _Shots) -> tuple[IntArray, IntArray]:
    assert fl.visible is not None
    assert fl.identified is not None
    assert fl.ds_index is not None
    return _doc.decision_windows(
        tm,
        fl.visible,
        fl.identified,
        fl.ds_index,
        fl.pos,
        sh.effector,
        sh.row,
        sh.drone,
        sh.step,
    )


def _subset(fl: _Flight, keep: BoolArray) -> _Flight:
    return _Flight(
        reps=fl.reps,
        leak_s=fl.leak_s,
        damages=fl.damages,
        row=fl.row[keep],
        drone=fl.drone[keep],
        step=fl.step[keep],
        t1=fl.t1[keep],
        pos=fl.pos[keep],
        vel=fl.vel[keep],
    )
