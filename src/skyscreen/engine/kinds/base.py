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
  is handed the latest air picture, so a sensor that points can slew to a cue);
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
  decide stage's assignment) and ``fire`` (the engage stage).

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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from skyscreen._typing import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from skyscreen.engine.events import Events
    from skyscreen.engine.picture import AirPicture
    from skyscreen.engine.shots import ShotSlots
    from skyscreen.engine.state import ChunkState
    from skyscreen.scenario.params import ScenarioParams

__all__ = ["DecideContext", "EffectorKind", "Placed", "SensorKind"]


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
    ) -> tuple[BoolArray, IntArray] | None:
        """Detections of the airborne drones ``k`` (flat indices) in step ``step``.

        The step covers ``(t0, t1]``.
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
