"""Scenario specification: frozen pydantic models validated once at the boundary.

Field names carry their units (DESIGN.md); degrees and dB appear only here and are
converted when the scenario is compiled. Sensors, effectors and drones take defaults from
a notional *class* (``class: short_range_radar``) that any field overrides; the resolved
model holds every value, so ``run.json`` records exactly what ran.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from skyscreen.scenario._classes import CLASSES, ClassDefault

__all__ = [
    "MAX_ASSETS",
    "MAX_DRONES",
    "MAX_REPLICATIONS",
    "MAX_SENSORS_EFFECTORS",
    "MAX_SITES",
    "MAX_WAYPOINTS",
    "AssetSpec",
    "DoctrineSpec",
    "DroneSpec",
    "EffectorSpec",
    "EnvironmentSpec",
    "GunSpec",
    "JammerSpec",
    "LaunchSpec",
    "MissileSpec",
    "OriginSpec",
    "PositionSpec",
    "RadarSpec",
    "RaidSpec",
    "RunSpec",
    "ScenarioSpec",
    "SensorSpec",
    "SiteSpec",
    "TargetSpec",
]

MAX_DRONES = 10_000
"""Most drones a scenario may launch (all raids together)."""
MAX_REPLICATIONS = 1_000_000
"""Most replications one run may ask for."""
MAX_SITES = 50
MAX_ASSETS = 1_000
MAX_SENSORS_EFFECTORS = 500
MAX_WAYPOINTS = 100
MAX_DISTANCE_M = 500_000.0
"""Positions must lie within this distance of the scenario origin (flat-earth limit)."""

Id = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="Identifier: letters, digits, '_', '-', '.'; unique in the scenario.",
    ),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def _fail_at(field: str, message: str, value: Any) -> None:
    """Raise a validation error located at ``field`` of the model being validated."""
    text = message.replace("{", "{{").replace("}", "}}")
    raise ValidationError.from_exception_data(
        "Spec",
        [
            InitErrorDetails(
                type=PydanticCustomError("cross_check", text), loc=(field,), input=value
            )
        ],
    )


def _check_order(spec: Any, low: str, high: str) -> None:
    lo, hi = getattr(spec, low), getattr(spec, high)
    if lo >= hi:
        _fail_at(high, f"must be > {low} ({lo}); got {hi}", hi)


class Spec(BaseModel):
    """Base of every scenario model: frozen, unknown fields rejected.

    Collections are tuples, so a validated scenario cannot be changed in place (it is
    checked once, then trusted by everything downstream) and specs hash.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        validate_default=True,
        allow_inf_nan=False,
    )


def _relax_required(schema: dict[str, Any], cls: type[Any]) -> None:
    """Fields filled from a class table are optional in files; say so in the schema."""
    kind = getattr(cls, "CLASS_KIND", None)
    if kind is None:
        return
    table: dict[str, dict[str, ClassDefault]] = CLASSES[kind]
    classed = set().union(*(set(t) for t in table.values()))
    schema["required"] = [f for f in schema.get("required", []) if f not in classed]
    props = schema.get("properties", {})
    for name in classed:
        if name in props:
            per_class = ", ".join(f"{c}: {t[name].value!r}" for c, t in table.items())
            desc = props[name].get("description", "")
            props[name]["description"] = f"{desc} Class default ({per_class}).".strip()


class ClassedSpec(Spec):
    """A Spec whose unset fields come from a notional class table (``CLASSES[kind]``)."""

    model_config = ConfigDict(json_schema_extra=_relax_required)

    CLASS_KIND: ClassVar[str]
    DEFAULT_CLASS: ClassVar[str | None] = None

    @model_validator(mode="before")
    @classmethod
    def _fill_class_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        table = CLASSES[cls.CLASS_KIND]
        name = data.get("class", data.get("class_", cls.DEFAULT_CLASS))
        # An unknown class is reported by the Literal on `class`; fill from the first
        # class meanwhile so the user sees that one error, not a missing-field flood.
        defaults = table.get(name) if isinstance(name, str) else None
        if defaults is None:
            defaults = next(iter(table.values()))
        merged = {k: d.value for k, d in defaults.items()}
        merged.update(data)
        return merged


# --------------------------------------------------------------------------- geometry


class OriginSpec(Spec):
    """Geodetic origin of the local East-North-Up plane."""

    lat_deg: float = Field(ge=-89.0, le=89.0, description="Latitude (degrees north).")
    lon_deg: float = Field(ge=-180.0, le=180.0, description="Longitude (degrees east).")
    alt_m: float = Field(
        default=0.0,
        ge=-500.0,
        le=9000.0,
        description="Ground altitude above WGS84 (m).",
    )


class PositionSpec(Spec):
    """A point: local ``east_m``/``north_m`` or geodetic ``lat_deg``/``lon_deg``.

    Local coordinates of things on a site are offsets from the site's position; those of
    sites and launch points are from the scenario origin. ``height_m`` is above the
    ground or sea.
    """

    east_m: float | None = Field(default=None, description="East offset (m).")
    north_m: float | None = Field(default=None, description="North offset (m).")
    lat_deg: float | None = Field(
        default=None, ge=-89.0, le=89.0, description="Latitude (degrees north)."
    )
    lon_deg: float | None = Field(
        default=None, ge=-180.0, le=180.0, description="Longitude (degrees east)."
    )
    height_m: float = Field(
        default=0.0, ge=0.0, le=20000.0, description="Height above ground or sea (m)."
    )

    @model_validator(mode="after")
    def _one_form(self) -> PositionSpec:
        local = (self.east_m is not None, self.north_m is not None)
        geo = (self.lat_deg is not None, self.lon_deg is not None)
        if any(local) and any(geo):
            raise ValueError(
                "give either east_m/north_m or lat_deg/lon_deg, not both; got "
                f"{self._given()}"
            )
        if any(local) and not all(local):
            raise ValueError(f"needs both east_m and north_m; got {self._given()}")
        if any(geo) and not all(geo):
            raise ValueError(f"needs both lat_deg and lon_deg; got {self._given()}")
        if not any(local) and not any(geo):
            raise ValueError("needs east_m/north_m or lat_deg/lon_deg; got neither")
        return self

    def _given(self) -> str:
        names = ("east_m", "north_m", "lat_deg", "lon_deg")
        return ", ".join(n for n in names if getattr(self, n) is not None)

    @property
    def is_geodetic(self) -> bool:
        """Whether the point is given in latitude and longitude."""
        return self.lat_deg is not None


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


class RadarSpec(ClassedSpec):
    r"""Surveillance radar specified by a reference detection (MODELS.md, Sensors).

    Per-scan Pd ``pd_ref`` against a Swerling 1 target of ``rcs_ref_m2`` at
    ``range_ref_m`` fixes the reference SNR; the radar equation scales it.
    """

    CLASS_KIND: ClassVar[str] = "radar"
    DEFAULT_CLASS: ClassVar[str | None] = "short_range_radar"

    kind: Literal["radar"] = Field(description="Sensor kind.")
    id: Id
    class_: Literal["short_range_radar"] = Field(
        default="short_range_radar", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(
        description="Antenna position; height_m is the mast."
    )
    pd_ref: float = Field(
        gt=0.0,
        lt=1.0,
        description="Per-scan Pd of the reference target (Swerling 1) at range_ref_m.",
    )
    rcs_ref_m2: float = Field(
        gt=0.0, le=1e4, description="RCS of the reference target (m²)."
    )
    range_ref_m: float = Field(
        gt=0.0,
        le=5e5,
        description="Range at which the reference target is detected with pd_ref (m).",
    )
    pfa: float = Field(gt=0.0, lt=0.1, description="False-alarm probability per cell.")
    scan_period_s: float = Field(gt=0.0, le=60.0, description="Time per scan (s).")
    range_min_m: float = Field(ge=0.0, description="Minimum (blind) range (m).")
    range_max_m: float = Field(gt=0.0, le=5e5, description="Instrumented range (m).")
    elevation_min_deg: float = Field(ge=-90.0, le=90.0, description="Lowest beam (°).")
    elevation_max_deg: float = Field(ge=-90.0, le=90.0, description="Highest beam (°).")
    range_sigma_m: float = Field(
        ge=0.0,
        description="Range measurement noise, 1σ (m); tracked fidelity only, "
        "not used yet.",
    )
    azimuth_sigma_mrad: float = Field(
        ge=0.0,
        description="Azimuth measurement noise, 1σ (mrad); tracked fidelity only, "
        "not used yet.",
    )
    elevation_sigma_mrad: float = Field(
        ge=0.0,
        description="Elevation measurement noise, 1σ (mrad); tracked fidelity only, "
        "not used yet.",
    )
    false_alarms_per_scan: float = Field(
        ge=0.0,
        le=1e4,
        description="Mean false alarms per scan; tracked fidelity only, not used yet.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> RadarSpec:
        _check_order(self, "range_min_m", "range_max_m")
        _check_order(self, "elevation_min_deg", "elevation_max_deg")
        _check_order(self, "pfa", "pd_ref")
        return self


# One sensor kind today; EO/IR and RF detectors join this union (discriminator "kind").
SensorSpec = RadarSpec


class GunSpec(ClassedSpec):
    """Anti-aircraft gun with the two-component error model (MODELS.md, Effectors)."""

    CLASS_KIND: ClassVar[str] = "gun"
    DEFAULT_CLASS: ClassVar[str | None] = "small_calibre_gun"

    kind: Literal["gun"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["small_calibre_gun"] = Field(
        default="small_calibre_gun", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Mount position.")
    rate_rpm: float = Field(
        gt=0.0, le=10000.0, description="Rate of fire (rounds/min)."
    )
    burst_s: float = Field(gt=0.0, le=30.0, description="Burst length (s).")
    dispersion_mrad: float = Field(
        gt=0.0, le=100.0, description="Round-to-round dispersion per axis, 1σ (mrad)."
    )
    bias_mrad: float = Field(
        ge=0.0, le=100.0, description="Aim bias shared by a burst, per axis, 1σ (mrad)."
    )
    muzzle_velocity_mps: float = Field(
        gt=0.0,
        le=3000.0,
        description="Muzzle velocity; time of flight is slant range / this, "
        "without drag (m/s).",
    )
    range_min_m: float = Field(ge=0.0, description="Minimum slant range (m).")
    range_max_m: float = Field(
        gt=0.0, le=20000.0, description="Maximum slant range (m)."
    )
    elevation_min_deg: float = Field(
        ge=-90.0, le=90.0, description="Lowest elevation the gun can lay (°)."
    )
    elevation_max_deg: float = Field(
        ge=-90.0, le=90.0, description="Highest elevation the gun can lay (°)."
    )
    slew_rate_deg_s: float = Field(gt=0.0, le=1000.0, description="Slew rate (°/s).")
    settle_s: float = Field(
        ge=0.0,
        le=60.0,
        description="Settle time after a slew, added to every lay (s).",
    )
    magazine_rounds: int = Field(ge=0, le=100000, description="Rounds per magazine.")
    reload_s: float = Field(ge=0.0, description="Time to reload an empty magazine (s).")
    reloads: int = Field(ge=0, le=1000, description="Full magazines held in reserve.")
    cost_per_round_usd: float = Field(ge=0.0, description="Cost of one round (USD).")
    airburst: bool = Field(description="Airburst ammunition: lethal radius, not area.")
    lethal_radius_m: float = Field(
        gt=0.0,
        le=100.0,
        description="Lethal radius of an airburst round (m); used only if airburst.",
    )
    pk_given_hit: Probability = Field(description="Kill probability given a hit.")

    @model_validator(mode="after")
    def _ordered(self) -> GunSpec:
        _check_order(self, "range_min_m", "range_max_m")
        _check_order(self, "elevation_min_deg", "elevation_max_deg")
        return self


class MissileSpec(ClassedSpec):
    """Short-range surface-to-air missile launcher (MODELS.md, Effectors)."""

    CLASS_KIND: ClassVar[str] = "missile"
    DEFAULT_CLASS: ClassVar[str | None] = "short_range_missile"

    kind: Literal["missile"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["short_range_missile"] = Field(
        default="short_range_missile", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Launcher position.")
    range_min_m: float = Field(ge=0.0, description="Minimum intercept range (m).")
    range_max_m: float = Field(gt=0.0, le=100000.0, description="Maximum range (m).")
    altitude_max_m: float = Field(gt=0.0, le=30000.0, description="Ceiling (m).")
    speed_mps: float = Field(
        gt=0.0,
        le=5000.0,
        description="Average speed; sets the time of flight to the intercept (m/s).",
    )
    pk: Probability = Field(
        description="Single-shot kill probability up to falloff_start × range_max_m."
    )
    pk_edge: Probability = Field(description="Single-shot Pk at maximum range.")
    falloff_start: float = Field(
        gt=0.0, le=1.0, description="Fraction of maximum range where Pk starts to fall."
    )
    reaction_s: float = Field(
        ge=0.0, le=600.0, description="Delay from assignment to launch (s)."
    )
    channels: int = Field(
        ge=1, le=64, description="Missiles in flight at once (guidance channels)."
    )
    ready_rounds: int = Field(ge=0, le=1000, description="Rounds ready to fire.")
    reload_s: float = Field(ge=0.0, description="Time to reload the launcher (s).")
    reloads: int = Field(ge=0, le=1000, description="Full reloads held in reserve.")
    cost_usd: float = Field(ge=0.0, description="Cost of one missile (USD).")

    @model_validator(mode="after")
    def _ordered(self) -> MissileSpec:
        _check_order(self, "range_min_m", "range_max_m")
        return self


class JammerSpec(ClassedSpec):
    """Radio-frequency jammer against drones' command links (MODELS.md, Jammer).

    It radiates throughout the run (barrage) into its sector; GNSS jamming is not
    modelled yet.
    """

    CLASS_KIND: ClassVar[str] = "jammer"
    DEFAULT_CLASS: ClassVar[str | None] = "rf_jammer"

    kind: Literal["jammer"] = Field(description="Effector kind.")
    id: Id
    class_: Literal["rf_jammer"] = Field(
        default="rf_jammer", alias="class", description="Notional class."
    )
    position: PositionSpec = Field(description="Antenna position.")
    eirp_w: float = Field(gt=0.0, le=1e7, description="Effective radiated power (W).")
    azimuth_deg: float = Field(
        ge=-360.0,
        le=360.0,
        description="Sector centre, compass bearing clockwise from north (°).",
    )
    sector_deg: float = Field(gt=0.0, le=360.0, description="Sector width (°).")
    range_max_m: float = Field(
        gt=0.0,
        le=100000.0,
        description="No effect on drones beyond this slant range (m).",
    )


EffectorSpec = Annotated[
    GunSpec | MissileSpec | JammerSpec, Field(discriminator="kind")
]


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
        description="Sensors (radars).",
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
    link_loss_delay_s: float = Field(
        ge=0.0, le=600.0, description="J/S must stay above threshold this long (s)."
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
        description="Cost of one drone (USD); recorded, not used in any output yet.",
    )

    @model_validator(mode="after")
    def _can_hover(self) -> DroneSpec:
        if self.airframe == "fixed_wing" and self.on_link_loss == "hover":
            _fail_at(
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
            _fail_at(
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
    decision_period_s: float = Field(
        default=2.0, gt=0.0, le=600.0, description="Time between decision cycles (s)."
    )
    track_memory_s: float = Field(
        default=6.0,
        ge=0.0,
        le=3600.0,
        description="Fire control sees the true position of a drone last detected at "
        "most this long ago (truth fidelity) (s).",
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
        description="free: engage any tracked drone; tight: only drones identified "
        "as hostile (tracked for identify_time_s since first detection, until EO/IR "
        "identification exists); hold: only in self-defence, drones within "
        "self_defence_range_m of the weapon.",
    )
    identify_time_s: float = Field(
        default=10.0,
        ge=0.0,
        le=3600.0,
        description="Under weapons tight, time from first detection to identification "
        "(s).",
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
        "(a gun burst's rounds or one missile). 0 ignores cost.",
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
        default="day", description="Light; not used by any model yet."
    )
    visibility_m: float = Field(
        default=20000.0,
        gt=0.0,
        le=200000.0,
        description="Meteorological visibility (m); not used by any model yet.",
    )


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
    sites: tuple[SiteSpec, ...] = Field(
        min_length=1, max_length=MAX_SITES, description="The defended sites."
    )
    raids: tuple[RaidSpec, ...] = Field(
        min_length=1, max_length=1000, description="The drone raids."
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> ScenarioSpec:
        from skyscreen.scenario._checks import cross_check

        cross_check(self)
        return self

    @property
    def n_drones(self) -> int:
        """Drones launched per replication, all raids together."""
        return sum(r.count for r in self.raids)
