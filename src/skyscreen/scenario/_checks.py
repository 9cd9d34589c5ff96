"""Cross-field checks of a structurally valid scenario, all errors at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from skyscreen.scenario._geometry import to_enu

if TYPE_CHECKING:
    from skyscreen.scenario.spec import PositionSpec, ScenarioSpec

__all__ = ["cross_check"]

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


def cross_check(spec: ScenarioSpec) -> None:
    """Check ids, references, distances, sizes and times; raise every problem at once.

    Raises
    ------
    pydantic.ValidationError
        With one line error per problem, each at its field path.
    """
    from skyscreen.scenario.spec import MAX_DISTANCE_M, MAX_DRONES

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
        dist = float(np.hypot(enu[0], enu[1]))
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
        for ki, sensor in enumerate(site.sensors):
            unique(("sites", si, "sensors", ki, "id"), sensor.id)
            near(("sites", si, "sensors", ki, "position"), sensor.position, centre)
            if sensor.scan_period_s < spec.run.dt_s:
                errors.append(
                    _err(
                        ("sites", si, "sensors", ki, "scan_period_s"),
                        f"must be >= run.dt_s ({spec.run.dt_s}); got "
                        f"{sensor.scan_period_s}",
                        sensor.scan_period_s,
                    )
                )
        for ei, eff in enumerate(site.effectors):
            unique(("sites", si, "effectors", ei, "id"), eff.id)
            near(("sites", si, "effectors", ei, "position"), eff.position, centre)

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
