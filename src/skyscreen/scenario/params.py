"""Compiled constants: the read-only ``*Params`` the engine runs on.

:class:`ScenarioParams` is one scenario in SI units, grouped: its drones
(:class:`DroneParams`), its assets (:class:`AssetParams`), one parameter block per
registered sensor and effector kind (``sensors`` and ``effectors``, by kind name, in
registry order; each kind's block is defined with its spec in
:mod:`skyscreen.scenario.kinds`) and the doctrine (:class:`DoctrineParams`).
:func:`skyscreen.scenario.compile.compile_scenario` makes it; nothing downstream
re-validates it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "GUIDANCE",
    "LINK_LOSS",
    "AssetParams",
    "CompileContext",
    "DoctrineParams",
    "DroneParams",
    "FrozenParams",
    "KindBlocks",
    "ScenarioParams",
    "TrackingParams",
    "arr",
]

GUIDANCE = ("gnss", "rf_link", "autonomous")
LINK_LOSS = ("continue", "hover", "return", "land", "crash")


def arr(values: Any, dtype: Any = np.float64) -> Any:
    """An array of ``values`` (float64 unless ``dtype`` says otherwise)."""
    return np.asarray(values, dtype=dtype)


def _frozen(*arrays: Any) -> None:
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.setflags(write=False)


class FrozenParams:
    """Mixin: make every ndarray field read-only after construction."""

    def __post_init__(self) -> None:
        _frozen(*(getattr(self, f.name) for f in fields(self)))  # type: ignore[arg-type]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Rebuild through the constructor, so arrays are read-only again after pickling
        # (unpickled arrays come back writeable, and numba would compile another
        # specialisation of every kernel for them in each worker process).
        return type(self), tuple(
            getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True, eq=False)
class AssetParams(FrozenParams):
    """Assets of all sites, in scenario order.

    Attributes
    ----------
    ids, types : tuple of str, length n_asset
    site_idx : IntArray of shape (n_asset,)
    pos_m : FloatArray of shape (n_asset, 3)
        ENU position (m).
    radius_m, value_usd, vulnerability, lethality : FloatArray of shape (n_asset,)
    occupancy : IntArray of shape (n_asset,)
    """

    ids: tuple[str, ...]
    types: tuple[str, ...]
    site_ids: tuple[str, ...]
    site_idx: IntArray
    pos_m: FloatArray
    radius_m: FloatArray
    value_usd: FloatArray
    occupancy: IntArray
    vulnerability: FloatArray
    lethality: FloatArray

    @property
    def n(self) -> int:
        """Number of assets."""
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class DroneParams(FrozenParams):
    """Every drone of every raid, flattened in raid order; arrays of shape (n_drone,).

    Per-replication randomness (launch jitter and point, speed, route offset, target) is
    drawn by the engine from these nominal values.

    Attributes
    ----------
    raid_idx : IntArray
        Index of the drone's raid.
    t_launch_s : FloatArray
        Nominal launch time (s), before jitter.
    launch_pos_m : FloatArray of shape (n_drone, 3)
        Centre of the launch area (height 0).
    route_m : FloatArray of shape (n_drone, max_waypoints, 3)
        Waypoints, padded with NaN; heights already resolved (cruise height if unset).
    n_waypoints : IntArray
        Waypoints used in ``route_m``.
    target_asset : IntArray
        Fixed target asset, or -1 when drawn per replication from ``target_weight``.
    target_weight : FloatArray of shape (n_drone, n_asset)
        Value weights of the drawable targets (rows sum to 1 when drawn).
    guidance, on_link_loss : IntArray
        Codes into :data:`GUIDANCE` and :data:`LINK_LOSS`.
    link_js_threshold, gnss_js_threshold : FloatArray
        J/S thresholds of the command link and the GNSS receiver, as ratios.
    gnss_signal_w : FloatArray
        GNSS signal power at the drone's antenna (W).
    hpm_s50_w_m2, hpm_sigma_ln : FloatArray
        Microwave susceptibility: the power density defeating half the airframes
        (W/m²) and the spread of ln S.
    is_multirotor : BoolArray
    """

    raid_idx: IntArray
    index_in_raid: IntArray
    class_names: tuple[str, ...]
    is_multirotor: BoolArray
    speed_mps: FloatArray
    cruise_height_m: FloatArray
    climb_rate_mps: FloatArray
    rcs_m2: FloatArray
    swerling: IntArray
    presented_area_m2: FloatArray
    bank_max_rad: FloatArray
    dive_range_m: FloatArray
    dive_speed_mps: FloatArray
    endurance_s: FloatArray
    lethal_radius_m: FloatArray
    cep_m: FloatArray
    guidance: IntArray
    on_link_loss: IntArray
    link_eirp_w: FloatArray
    link_js_threshold: FloatArray
    link_loss_delay_s: FloatArray
    gnss_js_threshold: FloatArray
    gnss_signal_w: FloatArray
    ins_drift_mps: FloatArray
    hpm_s50_w_m2: FloatArray
    hpm_sigma_ln: FloatArray
    downlink_eirp_w: FloatArray
    link_frequency_hz: FloatArray
    speed_jitter: FloatArray
    route_offset_m: FloatArray
    cost_usd: FloatArray
    t_launch_s: FloatArray
    launch_jitter_s: FloatArray
    launch_pos_m: FloatArray
    launch_radius_m: FloatArray
    route_m: FloatArray
    n_waypoints: IntArray
    target_asset: IntArray
    target_weight: FloatArray

    @property
    def n(self) -> int:
        """Number of drones per replication."""
        return len(self.raid_idx)


@dataclass(frozen=True, slots=True)
class DoctrineParams:
    """Fire-control doctrine (:class:`~skyscreen.scenario.spec.DoctrineSpec`, in SI).

    Attributes
    ----------
    decision_period_s, track_memory_s, assess_time_s, urgency_tau_s : float
    danger_margin_m, identify_time_s, self_defence_range_m : float
    cost_weight, min_shot_pk, missile_min_time_to_go_s, reserve_min_value_usd : float
    lookahead_horizon_s, lookahead_discount : float
    shoot_look_shoot : bool
    max_shooters_per_drone, wta_max_iter, missile_reserve_rounds : int
    wta_method : str
        ``greedy``, ``improve`` or ``exact``.
    fire_control : str
        ``myopic`` or ``lookahead``.
    weapons_control : str
        ``free``, ``tight`` or ``hold``.
    identification_required : tuple of str
        Effector kinds that under ``tight`` fire only at identified entries.
    """

    decision_period_s: float
    track_memory_s: float
    shoot_look_shoot: bool
    assess_time_s: float
    max_shooters_per_drone: int
    urgency_tau_s: float
    danger_margin_m: float
    wta_method: str
    wta_max_iter: int
    fire_control: str
    lookahead_horizon_s: float
    lookahead_discount: float
    weapons_control: str
    identify_time_s: float
    identification_required: tuple[str, ...]
    self_defence_range_m: float
    cost_weight: float
    min_shot_pk: float
    missile_min_time_to_go_s: float
    missile_reserve_rounds: int
    reserve_min_value_usd: float


class KindBlocks(Mapping[str, Any]):
    """Parameter blocks by kind name, in registry order; read-only.

    Every registered kind has a block, with no units where the scenario has none, so
    the engine places every kind the same way. Each block has at least ``ids``
    (tuple of str), ``n`` and ``pos_m`` (n, 3).
    """

    __slots__ = ("_blocks",)

    def __init__(self, blocks: Iterable[tuple[str, Any]] = ()) -> None:
        self._blocks: dict[str, Any] = dict(blocks)

    def __getitem__(self, name: str) -> Any:
        return self._blocks[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._blocks)

    def __len__(self) -> int:
        return len(self._blocks)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: <{v.n} units>" for k, v in self._blocks.items())
        return f"KindBlocks({{{inner}}})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return type(self), (tuple(self._blocks.items()),)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every unit's id, kind by kind (the scenario's sensor or effector index)."""
        return tuple(i for block in self._blocks.values() for i in block.ids)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every unit's kind name, in the same order as :attr:`ids`."""
        return tuple(k for k, block in self._blocks.items() for _ in range(block.n))

    def positions(self) -> dict[str, np.ndarray]:
        """Every unit's position (3,), float64 m in the local frame, by its id."""
        return {
            uid: np.asarray(block.pos_m[q], dtype=np.float64)
            for block in self._blocks.values()
            for q, uid in enumerate(block.ids)
        }


@dataclass(frozen=True, slots=True, eq=False)
class CompileContext:
    """What a kind's compile step may read besides its own units.

    Attributes
    ----------
    dt_s : float
        The time step.
    raid_ids : tuple of str
    drones : DroneParams
    assets : AssetParams
    time_of_day : str
        ``day`` or ``night`` (the scenario's environment).
    visibility_m : float
        Meteorological visibility (m).
    """

    dt_s: float
    raid_ids: tuple[str, ...]
    drones: DroneParams
    assets: AssetParams
    time_of_day: str = "day"
    visibility_m: float = float("inf")


@dataclass(frozen=True, slots=True)
class TrackingParams:
    """The tracker of the tracked fidelity (:class:`~skyscreen.scenario.spec.TrackingSpec`).

    Attributes
    ----------
    association, motion : str
    process_noise_m2_s3, turn_rate_deg_s, switch_prob, pd, gate_prob : float
    confirm_m, confirm_n, tentative_misses, delete_misses, capacity : int
    max_pos_std_m, init_vel_std_mps, false_alarm_height_m : float
    """

    association: str = "gnn"
    motion: str = "cv"
    process_noise_m2_s3: float = 2.0
    turn_rate_deg_s: float = 10.0
    switch_prob: float = 0.05
    pd: float = 0.8
    gate_prob: float = 0.999
    confirm_m: int = 3
    confirm_n: int = 4
    tentative_misses: int = 2
    delete_misses: int = 5
    max_pos_std_m: float = 500.0
    init_vel_std_mps: float = 40.0
    false_alarm_height_m: float = 500.0
    capacity: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class ScenarioParams:
    """Everything the engine needs, as arrays in SI units, plus names for the outputs.

    Attributes
    ----------
    name : str
    raid_ids : tuple of str
    drones : DroneParams
    assets : AssetParams
    sensors, effectors : KindBlocks
        Each registered kind's parameter block by kind name, in registry order
        (``sensors["radar"]``, ``effectors["gun"]``, ...).
    doctrine : DoctrineParams
    dt_s, duration_s : float
    n_steps : int
        Steps of ``dt_s`` in ``duration_s`` (the last may be shorter).
    tracking : TrackingParams
        The tracker of the tracked fidelity.
    """

    name: str
    raid_ids: tuple[str, ...]
    drones: DroneParams
    assets: AssetParams
    sensors: KindBlocks
    effectors: KindBlocks
    doctrine: DoctrineParams
    dt_s: float
    duration_s: float
    n_steps: int
    tracking: TrackingParams = TrackingParams()

    @property
    def sensor_ids(self) -> tuple[str, ...]:
        """Sensor ids in the scenario's sensor index: kind by kind, in registry order."""
        return self.sensors.ids

    @property
    def effector_ids(self) -> tuple[str, ...]:
        """Effector ids in the outputs' effector index: kind by kind, registry order.

        Within a kind, scenario order.
        """
        return self.effectors.ids

    @property
    def effector_kinds(self) -> tuple[str, ...]:
        """The kind name of each effector, in the order of :attr:`effector_ids`."""
        return self.effectors.kinds
