"""Scenario specification: frozen pydantic models validated once at the boundary.

Field names carry their units (DESIGN.md); degrees and dB appear only here and are
converted when the scenario is compiled. Sensors, effectors and drones take defaults from
a notional *class* (``class: short_range_radar``) that any field overrides; the resolved
model holds every value, so ``run.json`` records exactly what ran.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from skyscreen.scenario._base import ClassedSpec, Id, Probability, Spec, fail_at
from skyscreen.scenario._geometry import OriginSpec, PositionSpec, geodesic_m, to_enu
from skyscreen.scenario.kinds import (
    EFFECTOR_SPECS,
    SENSOR_SPECS,
    CameraSpec,
    GunSpec,
    InterceptorSpec,
    JammerSpec,
    LaserSpec,
    MicrowaveSpec,
    MissileSpec,
    RadarSpec,
    RFDetectorSpec,
    UnitSpec,
    spec_union,
)

__all__ = [
    "MAX_ASSETS",
    "MAX_DRONES",
    "MAX_REPLICATIONS",
    "MAX_REPLICATION_ID",
    "MAX_SENSORS_EFFECTORS",
    "MAX_SITES",
    "MAX_WAYPOINTS",
    "AssetSpec",
    "CameraSpec",
    "DoctrineSpec",
    "DroneSpec",
    "EffectorSpec",
    "EnvironmentSpec",
    "GunSpec",
    "InterceptorSpec",
    "JammerSpec",
    "LaserSpec",
    "LaunchSpec",
    "MicrowaveSpec",
    "MissileSpec",
    "OriginSpec",
    "PositionSpec",
    "RFDetectorSpec",
    "RadarSpec",
    "RaidSpec",
    "RunSpec",
    "ScenarioSpec",
    "SensorSpec",
    "SiteSpec",
    "TargetSpec",
    "scenario_warnings",
]

MAX_DRONES = 10_000
"""Most drones a scenario may launch (all raids together)."""
MAX_REPLICATIONS = 1_000_000
"""Most replications one run may ask for."""
MAX_REPLICATION_ID = 2**32 - 1
"""Largest replication id: an id is one 32-bit word of every random stream's counter
(skyscreen.engine.rng), so larger ids would repeat smaller ones' numbers."""
MAX_SITES = 50
MAX_ASSETS = 1_000
MAX_SENSORS_EFFECTORS = 500
MAX_WAYPOINTS = 100
MAX_DISTANCE_M = 500_000.0
"""Positions must lie within this distance of the scenario origin (flat-earth limit).

Local positions are measured on the local plane, geodetic ones along the earth
(:func:`~skyscreen.scenario._geometry.geodesic_m`): projected onto the plane, a point
near the antipode would land close to the origin.
"""


def _origin_position() -> PositionSpec:
    return PositionSpec(east_m=0.0, north_m=0.0)


# --------------------------------------------------------------------------- sites


class AssetSpec(Spec):
    """Something on a site worth defending: a runway, a shelter, a fuel depot, people."""

    id: Id
    type: str = Field(
        default="asset",
        max_length=64,
        description="Free label shown in outputs (runway, shelter, fuel, civilian...).",
    )
    position: PositionSpec = Field(
        description="Centre of the asset, offset from the site; also the aim point of "
        "drones that target it (height_m included)."
    )
    radius_m: float = Field(
        default=10.0, ge=0.0, le=5000.0, description="Footprint radius (m)."
    )
    value_usd: float = Field(
        ge=0.0, le=1e12, description="Value lost when the asset is damaged (USD)."
    )
    occupancy: int = Field(
        default=0, ge=0, le=1_000_000, description="People on or in the asset."
    )
    vulnerability: Probability = Field(
        default=1.0,
        description="Probability that a detonation within reach (warhead lethal radius "
        "plus radius_m) damages it: 1 soft, lower for hardened.",
    )
    lethality: Probability = Field(
        default=0.05,
        description="Probability that one occupant becomes a casualty in a damaging hit.",
    )


# The kinds a site's lists hold come from the registry (skyscreen.scenario.kinds): a
# union discriminated by "kind" (one kind: its spec alone). The type checker sees
# what every kind has.
if TYPE_CHECKING:
    SensorSpec = UnitSpec
    EffectorSpec = UnitSpec
else:
    SensorSpec = spec_union(SENSOR_SPECS)
    EffectorSpec = spec_union(EFFECTOR_SPECS)


class SiteSpec(Spec):
    """A defended site with its assets, sensors and effectors.

    Local positions of its assets, sensors and effectors are offsets from ``position``.
    """

    id: Id
    name: str = Field(default="", max_length=200, description="Display name.")
    position: PositionSpec = Field(
        default_factory=_origin_position, description="Site centre; default the origin."
    )
    assets: tuple[AssetSpec, ...] = Field(
        default_factory=tuple, max_length=MAX_ASSETS, description="Assets on the site."
    )
    sensors: tuple[SensorSpec, ...] = Field(
        default_factory=tuple,
        max_length=MAX_SENSORS_EFFECTORS,
        description="Sensors (radars, EO/IR cameras, RF detectors).",
    )
    effectors: tuple[EffectorSpec, ...] = Field(
        default_factory=tuple,
        max_length=MAX_SENSORS_EFFECTORS,
        description="Effectors (guns, missile launchers, jammers).",
    )


# --------------------------------------------------------------------------- threats


class DroneSpec(ClassedSpec):
    """A drone type: kinematics, signature, warhead, guidance (MODELS.md, Threats)."""

    CLASS_KIND: ClassVar[str] = "drone"

    class_: Literal["fixed_wing_owa", "multirotor"] = Field(
        alias="class", description="Notional class whose defaults fill unset fields."
    )
    airframe: Literal["fixed_wing", "multirotor"] = Field(
        description="fixed_wing may not hover on link loss; otherwise both airframes "
        "fly the same bank-limited turns in this version."
    )
    speed_mps: float = Field(gt=0.0, le=400.0, description="Cruise speed (m/s).")
    cruise_height_m: float = Field(gt=0.0, le=15000.0, description="Cruise height (m).")
    climb_rate_mps: float = Field(
        gt=0.0,
        le=200.0,
        description="Climb and descent rate outside the dive (m/s).",
    )
    rcs_m2: float = Field(
        gt=0.0, le=100.0, description="Mean radar cross-section (m²)."
    )
    swerling: Literal[0, 1] = Field(
        description="RCS fluctuation: 1 fluctuates scan to scan (Swerling 1), "
        "0 is steady (Swerling 0)."
    )
    presented_area_m2: float = Field(
        gt=0.0, le=100.0, description="Area presented to a gun (m²)."
    )
    bank_max_deg: float = Field(
        gt=0.0,
        lt=90.0,
        description="Maximum bank angle; turn rate is at most g·tan(bank)/speed, "
        "multirotors included (°).",
    )
    dive_range_m: float = Field(
        ge=0.0,
        le=50000.0,
        description="Ground distance from the aim point where the "
        "terminal dive starts (m).",
    )
    dive_speed_mps: float = Field(
        gt=0.0, le=600.0, description="Speed in the dive (m/s)."
    )
    endurance_s: float = Field(
        gt=0.0,
        le=200000.0,
        description="Flight time from launch after which the drone drops out (s).",
    )
    warhead_lethal_radius_m: float = Field(
        ge=0.0, le=1000.0, description="Lethal radius of the warhead (m)."
    )
    cep_m: float = Field(gt=0.0, le=10000.0, description="Circular error probable (m).")
    guidance: Literal["gnss", "rf_link", "autonomous"] = Field(
        description="gnss: GNSS/INS to coordinates; rf_link: piloted over a radio link "
        "from the launch point; autonomous: no external signal."
    )
    on_link_loss: Literal["continue", "hover", "return", "land", "crash"] = Field(
        description="What an rf_link drone does when its link is lost: continue "
        "flies on to its target; hover holds position; return flies back to its "
        "launch point; land and crash leave the fight at once."
    )
    link_eirp_w: float = Field(
        gt=0.0, le=1e6, description="Ground station's EIRP on the command link (W)."
    )
    link_js_threshold_db: float = Field(
        ge=-30.0, le=60.0, description="J/S above which the link fails (dB)."
    )
    downlink_eirp_w: float = Field(
        gt=0.0,
        le=1e4,
        description="The drone's own transmitter (video and telemetry) EIRP, heard by "
        "RF detectors; rf_link drones only (W).",
    )
    link_frequency_hz: float = Field(
        ge=1e6, le=1e11, description="Carrier frequency of the command link (Hz)."
    )
    link_loss_delay_s: float = Field(
        ge=0.0, le=600.0, description="J/S must stay above threshold this long (s)."
    )
    gnss_js_threshold_db: float = Field(
        ge=0.0,
        le=100.0,
        description="GNSS J/S above which a gnss drone's receiver loses its fix (dB).",
    )
    gnss_signal_dbm: float = Field(
        ge=-180.0,
        le=-100.0,
        description="GNSS (GPS L1) signal power at the drone's antenna (dBm).",
    )
    ins_drift_mps: float = Field(
        ge=0.0,
        le=100.0,
        description="Growth of a gnss drone's position error on inertial navigation "
        "after it loses its fix (m/s).",
    )
    hpm_s50_w_m2: float = Field(
        gt=0.0,
        le=1e9,
        description="Microwave power density that defeats half the airframes of the "
        "class in one shot; shielding and hardening raise it (W/m²).",
    )
    hpm_sigma_ln: float = Field(
        ge=0.0,
        le=5.0,
        description="Spread of the airframes' microwave thresholds, 1σ of ln S (0: "
        "all defeated at exactly hpm_s50_w_m2).",
    )
    speed_jitter: float = Field(
        ge=0.0, le=0.5, description="Per-drone speed spread, 1σ as a fraction of speed."
    )
    route_offset_m: float = Field(
        ge=0.0,
        le=20000.0,
        description="Per-drone sideways shift of the raid's waypoints, 1σ (m); no "
        "effect on a raid without waypoints.",
    )
    cost_usd: float = Field(
        ge=0.0,
        le=1e9,
        description="Cost of one drone (USD): the attacker's spend in the cost "
        "exchange (summary drones_cost_usd, exchange_ratio).",
    )

    @model_validator(mode="after")
    def _can_hover(self) -> DroneSpec:
        if self.airframe == "fixed_wing" and self.on_link_loss == "hover":
            fail_at(
                "on_link_loss",
                "must not be 'hover' for a fixed_wing airframe; got 'hover'",
                "hover",
            )
        return self


class LaunchSpec(Spec):
    """Where a raid's drones are launched: a point, or a disc around it."""

    position: PositionSpec = Field(
        description="Launch point (from the origin); its height_m is ignored: drones "
        "start on the ground."
    )
    radius_m: float = Field(
        default=0.0,
        ge=0.0,
        le=100000.0,
        description="Each drone launches uniformly within this radius (per replication).",
    )


class TargetSpec(Spec):
    """How each drone of a raid chooses its target asset.

    ``asset``: every drone aims at that asset. ``site``: each drone draws an asset of that
    site with probability proportional to value (per replication). Neither: value-weighted
    over every asset in the scenario.
    """

    asset: str | None = Field(default=None, description="Target asset id.")
    site: str | None = Field(default=None, description="Draw among this site's assets.")

    @model_validator(mode="after")
    def _not_both(self) -> TargetSpec:
        if self.asset is not None and self.site is not None:
            fail_at(
                "site",
                f"must be unset when asset is given; got asset={self.asset!r}, "
                f"site={self.site!r}",
                self.site,
            )
        return self


class RaidSpec(Spec):
    """A wave of drones of one type from one launch area along one route."""

    id: Id
    drone: DroneSpec = Field(description="The drone type, from a class with overrides.")
    count: int = Field(ge=1, le=MAX_DRONES, description="Drones in the wave.")
    launch_time_s: float = Field(
        default=0.0, ge=0.0, description="Launch time of the first drone (s)."
    )
    launch_interval_s: float = Field(
        default=0.0, ge=0.0, le=3600.0, description="Time between launches (s)."
    )
    launch_jitter_s: float = Field(
        default=0.0,
        ge=0.0,
        le=3600.0,
        description="Each launch is delayed by Uniform(0, this) per replication (s).",
    )
    launch: LaunchSpec = Field(description="Launch point or area.")
    route: tuple[PositionSpec, ...] = Field(
        default_factory=tuple,
        max_length=MAX_WAYPOINTS,
        description="Waypoints between launch and target (from the origin); a "
        "waypoint's height_m, if not 0, overrides the cruise height.",
    )
    target: TargetSpec = Field(
        default_factory=TargetSpec,
        description="Target choice: one asset, the assets of one site, or every "
        "asset, value-weighted.",
    )


# --------------------------------------------------------------------------- settings


class DoctrineSpec(Spec):
    """Fire-control doctrine (MODELS.md, Command and control)."""

    wta_method: Literal["greedy", "improve", "exact"] = Field(
        default="greedy",
        description="Weapon-target assignment solver each decision cycle: greedy "
        "maximum marginal return (fast, compiled); improve (greedy then a local "
        "search); exact (proven optimum; slow, for small scenarios).",
    )
    wta_max_iter: int = Field(
        default=200,
        ge=1,
        le=1_000_000,
        description="Iteration budget of the improve and exact solvers per decision "
        "(an iteration budget, not a time limit, so runs stay reproducible).",
    )
    fire_control: Literal["myopic", "lookahead"] = Field(
        default="myopic",
        description="myopic: each decision cycle solves the assignment of the moment. "
        "lookahead: plans the shots of the next lookahead_horizon_s on the entries' "
        "predicted paths (weapons x cycles x entries, within magazines and "
        "shoot-look-shoot) with wta_method and commits the first cycle's "
        "(docs/fire-control.md).",
    )
    lookahead_horizon_s: float = Field(
        default=30.0,
        gt=0.0,
        le=600.0,
        description="How far the look-ahead plans (s); it plans "
        "ceil(horizon / decision_period_s) cycles, at most 64.",
    )
    lookahead_discount: float = Field(
        default=1.0,
        gt=0.0,
        le=1.0,
        description="The look-ahead counts a shot planned k cycles ahead with its kill "
        "probability times this to the power k: the chance that the predicted "
        "opportunity comes (the drone turns, the weapon is taken); 1 trusts the "
        "prediction.",
    )
    decision_period_s: float = Field(
        default=2.0, gt=0.0, le=600.0, description="Time between decision cycles (s)."
    )
    track_memory_s: float = Field(
        default=6.0,
        ge=0.0,
        le=3600.0,
        description="Fire control sees the true position of a drone last detected at "
        "most this long ago (truth fidelity; the tracked fidelity deletes tracks "
        "after tracking.delete_misses misses instead) (s).",
    )
    shoot_look_shoot: bool = Field(
        default=True,
        description="No new shot at a drone until every shot at it has landed and "
        "been assessed; the weapons of one decision cycle may still fire together.",
    )
    assess_time_s: float = Field(
        default=1.0, ge=0.0, le=600.0, description="Time to assess a shot's result (s)."
    )
    max_shooters_per_drone: int = Field(
        default=2, ge=1, le=100, description="Weapons engaging one drone at once."
    )
    urgency_tau_s: float = Field(
        default=60.0,
        gt=0.0,
        le=36000.0,
        description="Urgency scale τ of threat value V·exp(-½(d/r)²)/(1+t_go/τ) (s).",
    )
    danger_margin_m: float = Field(
        default=50.0,
        ge=0.0,
        le=10000.0,
        description="Margin added to asset and warhead radii in threat evaluation (m).",
    )
    weapons_control: Literal["free", "tight", "hold"] = Field(
        default="free",
        description="free: engage any tracked drone; tight: the kinds in "
        "identification_required engage only drones identified as hostile (by a "
        "camera or an RF detector); hold: only in self-defence, drones within "
        "self_defence_range_m of the weapon.",
    )
    identify_time_s: float = Field(
        default=5.0,
        ge=0.0,
        le=3600.0,
        description="A camera identifies the drone it holds within its "
        "identify_range_m after this long (s).",
    )
    identification_required: tuple[
        Literal["gun", "missile", "laser", "microwave", "interceptor"], ...
    ] = Field(
        default=("gun", "missile", "laser", "microwave", "interceptor"),
        max_length=10,
        description="Effector kinds that, under weapons tight, fire only at identified "
        "drones (jammers radiate whatever is identified).",
    )
    self_defence_range_m: float = Field(
        default=1000.0,
        ge=0.0,
        le=100000.0,
        description="Under weapons hold, a weapon engages only drones this close to "
        "itself (m).",
    )
    cost_weight: float = Field(
        default=0.0,
        ge=0.0,
        le=1e6,
        description="Value at risk (USD) a shot must save per USD of munitions it "
        "spends: a weapon fires only when V·S·Pk exceeds cost_weight × its shot's cost "
        "(a gun burst's rounds, one missile, a laser's reference dwell, one "
        "interceptor; for a microwave emitter V·S·p summed over its beam against one "
        "shot). 0 ignores cost.",
    )
    min_shot_pk: Probability = Field(
        default=0.1,
        description="A weapon is not assigned a shot whose predicted kill probability "
        "is below this (a gun burst at long range, a missile near its envelope edge). "
        "The default 0.1 keeps guns from emptying their magazines at long range: on "
        "the bundled examples it halves the leakers of 0 and is near the best of "
        "0-0.25; 0 fires at any Pk.",
    )
    missile_min_time_to_go_s: float = Field(
        default=0.0,
        ge=0.0,
        le=3600.0,
        description="A missile is committed only against a drone at least this long "
        "from its most threatened asset (s); 0 commits whenever it can intercept.",
    )
    missile_reserve_rounds: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="Rounds each launcher keeps for high-value threats: with this few "
        "ready it fires only at drones worth at least reserve_min_value_usd.",
    )
    reserve_min_value_usd: float = Field(
        default=0.0,
        ge=0.0,
        le=1e12,
        description="Threat value (USD at risk, urgency-weighted) that may draw on the "
        "missile reserve.",
    )


class EnvironmentSpec(Spec):
    """Light and weather."""

    time_of_day: Literal["day", "night"] = Field(
        default="day",
        description="Light: cameras use their night R50 at night, their day R50 by day.",
    )
    visibility_m: float = Field(
        default=20000.0,
        gt=0.0,
        le=200000.0,
        description="Meteorological visibility (m): caps every camera's R50.",
    )


class TrackingSpec(Spec):
    """The tracker of the tracked fidelity (MODELS.md, Tracking; docs/tracking.md)."""

    association: Literal["gnn", "jpda"] = Field(
        default="gnn",
        description="Data association: global nearest neighbour (one measurement per "
        "track, optimal assignment) or JPDA (probabilistic, belief-propagation "
        "marginals).",
    )
    motion: Literal["cv", "imm"] = Field(
        default="cv",
        description="Motion model: constant velocity, or an IMM of constant velocity "
        "and coordinated turns at ±turn_rate_deg_s.",
    )
    process_noise_m2_s3: float = Field(
        default=2.0,
        gt=0.0,
        le=1e4,
        description="Process noise power spectral density of the motion models "
        "(m²/s³).",
    )
    turn_rate_deg_s: float = Field(
        default=10.0, gt=0.0, le=180.0, description="IMM coordinated-turn rate (°/s)."
    )
    switch_prob: float = Field(
        default=0.05,
        gt=0.0,
        lt=1.0,
        description="IMM probability of changing model per update.",
    )
    pd: float = Field(
        default=0.8,
        gt=0.0,
        lt=1.0,
        description="Detection probability the tracker assumes per scan.",
    )
    gate_prob: float = Field(
        default=0.999, gt=0.0, lt=1.0, description="Gate probability (chi-square gate)."
    )
    confirm_m: int = Field(
        default=3, ge=1, le=62, description="M of M-of-N confirmation: hits needed."
    )
    confirm_n: int = Field(
        default=4, ge=1, le=62, description="N of M-of-N confirmation: updates counted."
    )
    tentative_misses: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="Consecutive misses that drop a tentative track.",
    )
    delete_misses: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Consecutive misses that delete a confirmed track.",
    )
    max_pos_std_m: float = Field(
        default=500.0,
        gt=0.0,
        le=1e6,
        description="Delete a track whose position standard deviation exceeds this (m).",
    )
    init_vel_std_mps: float = Field(
        default=40.0,
        gt=0.0,
        le=1000.0,
        description="Prior velocity standard deviation of a new track per axis (m/s).",
    )
    false_alarm_height_m: float = Field(
        default=500.0,
        gt=0.0,
        le=20000.0,
        description="False alarms are uniform in height from 0 to this (m), at drone "
        "heights: the hardest place for the tracker.",
    )
    capacity: int = Field(
        default=0,
        ge=0,
        le=100000,
        description="Track slots per replication (0: twice the drones plus room for "
        "the expected clutter).",
    )

    @model_validator(mode="after")
    def _m_of_n(self) -> TrackingSpec:
        if self.confirm_m > self.confirm_n:
            fail_at(
                "confirm_m",
                f"must be at most confirm_n ({self.confirm_n}); got {self.confirm_m}",
                self.confirm_m,
            )
        return self


class RunSpec(Spec):
    """Run settings; command-line flags override them."""

    dt_s: float = Field(default=0.5, gt=0.0, le=10.0, description="Time step (s).")
    duration_s: float = Field(
        default=3600.0, gt=0.0, le=172800.0, description="Simulated time (s)."
    )
    replications: int = Field(
        default=1000, ge=1, le=MAX_REPLICATIONS, description="Monte Carlo replications."
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**63 - 1,
        description="Root seed; if unset one is drawn and recorded.",
    )

    @field_validator("duration_s")
    @classmethod
    def _enough_steps(cls, v: float, info: ValidationInfo) -> float:
        dt = info.data.get("dt_s")
        if dt is not None and v / dt > 2_000_000:
            raise ValueError(
                f"must be at most 2,000,000 steps of dt_s; got {v / dt:.0f} steps"
            )
        return v


class ScenarioSpec(Spec):
    """A whole scenario: where, what is defended, by what, against which raids."""

    schema_version: Literal[1] = Field(
        default=1, description="Scenario format version."
    )
    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="Short name, used for output directories.",
    )
    description: str = Field(default="", max_length=10000, description="Free text.")
    origin: OriginSpec = Field(description="Geodetic origin of the local ENU plane.")
    environment: EnvironmentSpec = Field(
        default_factory=EnvironmentSpec, description="Light and weather."
    )
    run: RunSpec = Field(
        default_factory=RunSpec,
        description="Run settings; command-line flags override them.",
    )
    doctrine: DoctrineSpec = Field(
        default_factory=DoctrineSpec, description="Fire-control doctrine."
    )
    tracking: TrackingSpec = Field(
        default_factory=TrackingSpec,
        description="The tracker of the tracked fidelity (unused in the truth fidelity).",
    )
    sites: tuple[SiteSpec, ...] = Field(
        min_length=1, max_length=MAX_SITES, description="The defended sites."
    )
    raids: tuple[RaidSpec, ...] = Field(
        min_length=1, max_length=1000, description="The drone raids."
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> ScenarioSpec:
        _cross_check(self)
        return self

    @property
    def n_drones(self) -> int:
        """Drones launched per replication, all raids together."""
        return sum(r.count for r in self.raids)


# --------------------------------------------------------------------------- checks

# Cross-field checks of a structurally valid scenario, all errors at once.

Loc = tuple[str | int, ...]


def _err(loc: Loc, message: str, value: Any) -> InitErrorDetails:
    # The message is a complete "must ...; got ..." sentence; braces are escaped because
    # PydanticCustomError formats its template.
    text = message.replace("{", "{{").replace("}", "}}")
    return InitErrorDetails(
        type=PydanticCustomError("cross_check", text), loc=loc, input=value
    )


def _fmt(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _distance_from_origin_m(pos: PositionSpec, enu: Any, origin: OriginSpec) -> float:
    """Horizontal distance from the origin: on the plane if local, else along the earth."""
    if pos.lat_deg is not None and pos.lon_deg is not None:
        return geodesic_m(origin.lat_deg, origin.lon_deg, pos.lat_deg, pos.lon_deg)
    return float(np.hypot(enu[0], enu[1]))


def _cross_check(spec: ScenarioSpec) -> None:
    """Check ids, references, distances, sizes and times; raise every problem at once.

    Raises
    ------
    pydantic.ValidationError
        With one line error per problem, each at its field path.
    """
    errors: list[InitErrorDetails] = []
    seen: dict[str, Loc] = {}

    def unique(loc: Loc, ident: str) -> None:
        if ident in seen:
            errors.append(
                _err(
                    loc,
                    f"must be unique; got {ident!r}, already used at {_fmt(seen[ident])}",
                    ident,
                )
            )
        else:
            seen[ident] = loc

    def near(loc: Loc, pos: PositionSpec, base: Any = None) -> Any:
        enu = to_enu(pos, spec.origin, base)
        dist = _distance_from_origin_m(pos, enu, spec.origin)
        if dist > MAX_DISTANCE_M:
            errors.append(
                _err(
                    loc,
                    f"must lie within {MAX_DISTANCE_M / 1000:.0f} km of the origin; got "
                    f"{dist / 1000:.1f} km",
                    pos.model_dump(exclude_none=True),
                )
            )
        return enu

    assets: dict[str, float] = {}
    site_ids: set[str] = set()
    for si, site in enumerate(spec.sites):
        unique(("sites", si, "id"), site.id)
        site_ids.add(site.id)
        centre = near(("sites", si, "position"), site.position)
        for ai, asset in enumerate(site.assets):
            unique(("sites", si, "assets", ai, "id"), asset.id)
            near(("sites", si, "assets", ai, "position"), asset.position, centre)
            assets[asset.id] = asset.value_usd
        for group, units, kinds in (
            ("sensors", site.sensors, SENSOR_SPECS),
            ("effectors", site.effectors, EFFECTOR_SPECS),
        ):
            for ui, unit in enumerate(units):
                unique(("sites", si, group, ui, "id"), unit.id)
                near(("sites", si, group, ui, "position"), unit.position, centre)
                check = kinds[unit.kind].check
                if check is None:
                    continue
                for field, message, value in check(unit, spec.run.dt_s):
                    errors.append(_err(("sites", si, group, ui, field), message, value))

    if not assets:
        errors.append(
            _err(("sites",), "must hold at least one asset to defend; got none", [])
        )

    n_drones = 0
    for ri, raid in enumerate(spec.raids):
        unique(("raids", ri, "id"), raid.id)
        n_drones += raid.count
        near(("raids", ri, "launch", "position"), raid.launch.position)
        for wi, wp in enumerate(raid.route):
            near(("raids", ri, "route", wi), wp)
        tgt = raid.target
        if tgt.asset is not None and assets and tgt.asset not in assets:
            errors.append(
                _err(
                    ("raids", ri, "target", "asset"),
                    f"must name an asset; got unknown asset {tgt.asset!r}; known: "
                    f"{sorted(assets)}",
                    tgt.asset,
                )
            )
        if tgt.site is not None and tgt.site not in site_ids:
            errors.append(
                _err(
                    ("raids", ri, "target", "site"),
                    f"must name a site; got unknown site {tgt.site!r}; known: "
                    f"{sorted(site_ids)}",
                    tgt.site,
                )
            )
        elif tgt.site is not None:
            site = next(s for s in spec.sites if s.id == tgt.site)
            if not site.assets:
                errors.append(
                    _err(
                        ("raids", ri, "target", "site"),
                        f"must name a site with assets; got {tgt.site!r}, which has none",
                        tgt.site,
                    )
                )
        last = (
            raid.launch_time_s
            + (raid.count - 1) * raid.launch_interval_s
            + raid.launch_jitter_s
        )
        if last >= spec.run.duration_s:
            errors.append(
                _err(
                    ("raids", ri, "launch_time_s"),
                    f"must launch the last drone (with its jitter) before "
                    f"run.duration_s ({spec.run.duration_s}); got last launch at "
                    f"{last}",
                    raid.launch_time_s,
                )
            )

    if n_drones > MAX_DRONES:
        errors.append(
            _err(
                ("raids",),
                f"must launch at most {MAX_DRONES} drones in all; got {n_drones}",
                n_drones,
            )
        )
    if spec.doctrine.decision_period_s < spec.run.dt_s:
        errors.append(
            _err(
                ("doctrine", "decision_period_s"),
                f"must be >= run.dt_s ({spec.run.dt_s}); got "
                f"{spec.doctrine.decision_period_s}",
                spec.doctrine.decision_period_s,
            )
        )
    if errors:
        raise ValidationError.from_exception_data("ScenarioSpec", errors)


# --------------------------------------------------------------------------- warnings


def scenario_warnings(spec: ScenarioSpec) -> list[str]:
    """What makes a valid scenario pointless to run, one sentence per problem.

    A scenario with no effectors cannot engage a drone, one with no sensors cannot fire
    at one (guns and missiles fire at detected drones; jammers radiate regardless); a
    raid whose drones cannot reach their target before the run ends (or before their
    endurance runs out) cannot do harm. The flight time is a lower bound: the shortest
    straight-line path from the edge of the launch disc through the route's waypoints
    to the nearest asset the raid may target, flown at cruise speed and the last
    ``dive_range_m`` at dive speed, from the raid's first launch (``launch_time_s``);
    per-drone speed spread is not counted.

    Returns
    -------
    list of str
        Empty for a scenario that can be run meaningfully;
        :func:`~skyscreen.scenario.load_scenario` turns each into a
        :class:`~skyscreen.scenario.ScenarioWarning`.

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> scenario_warnings(load_scenario(example_path("quickstart")))
    []
    """
    out: list[str] = []
    effectors = [e for site in spec.sites for e in site.effectors if e.enabled]
    sensors = [u for site in spec.sites for u in site.sensors if u.enabled]
    if not effectors:
        out.append("no site has effectors: no drone can be engaged")
    if not sensors:
        out.append("no site has sensors: no drone can be detected or fired at")
    identifiers = ("camera", "rf_detector")
    doc = spec.doctrine
    waiting = sorted({e.kind for e in effectors} & set(doc.identification_required))
    if (
        doc.weapons_control == "tight"
        and waiting
        and not any(u.kind in identifiers for u in sensors)
    ):
        out.append(
            "doctrine.weapons_control is 'tight' but no site has a camera or an RF "
            f"detector to identify drones: the {' and '.join(waiting)} units will "
            "never fire"
        )
    origin = spec.origin
    assets: dict[str, tuple[str, Any]] = {}
    for site in spec.sites:
        centre = to_enu(site.position, origin)
        for asset in site.assets:
            assets[asset.id] = (site.id, to_enu(asset.position, origin, centre)[:2])
    duration = spec.run.duration_s
    for ri, raid in enumerate(spec.raids):
        tgt = raid.target
        aims = [
            pos
            for aid, (sid, pos) in assets.items()
            if (tgt.asset is None or aid == tgt.asset)
            and (tgt.site is None or sid == tgt.site)
        ]
        if not aims:
            continue
        path = [to_enu(raid.launch.position, origin)[:2]]
        path += [to_enu(wp, origin)[:2] for wp in raid.route]
        legs = sum(float(np.hypot(*(b - a))) for a, b in itertools.pairwise(path))
        last = min(float(np.hypot(*(aim - path[-1]))) for aim in aims)
        dist = max(0.0, legs + last - raid.launch.radius_m)
        drone = raid.drone
        dive = min(dist, drone.dive_range_m)
        flight = (dist - dive) / drone.speed_mps + dive / max(
            drone.speed_mps, drone.dive_speed_mps
        )
        flown = f"needs at least {flight:.0f} s to fly the {dist / 1000:.1f} km"
        if raid.launch_time_s + flight > duration:
            out.append(
                f"raids[{ri}] cannot reach its target before the run ends: its first "
                f"drone launches at {raid.launch_time_s:.0f} s and {flown}; "
                f"run.duration_s is {duration:g}"
            )
        elif flight > drone.endurance_s:
            out.append(
                f"raids[{ri}] cannot reach its target within drone.endurance_s "
                f"({drone.endurance_s:g}): it {flown}"
            )
    return out
