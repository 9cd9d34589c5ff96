"""Sensor and effector kinds in the scenario layer: the registry.

A kind is its own files plus one registry line per layer. Here that is a module
(``radar.py``, ``gun.py``, ...) holding the kind's ``*Spec`` (its entry in scenario
files), its ``*Params`` block and the compile step from one to the other, and one line
in :data:`SENSOR_SPECS` or :data:`EFFECTOR_SPECS`. Everything else in the scenario layer
reads the registry: the discriminated unions of :class:`~skyscreen.scenario.spec.SiteSpec`
(:func:`spec_union`), the error paths of :mod:`skyscreen.scenario.load`, the per-unit
cross-field checks and :func:`~skyscreen.scenario.compile.compile_scenario`. The engine's
registry (:mod:`skyscreen.engine.kinds`) lists the same kinds in the same order.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Annotated, Any, NamedTuple, Protocol

from pydantic import Field

from skyscreen._typing import FloatArray
from skyscreen.scenario._base import ClassedSpec
from skyscreen.scenario._geometry import PositionSpec
from skyscreen.scenario.kinds.camera import (
    CameraParams,
    CameraSpec,
    check_camera,
    compile_cameras,
)
from skyscreen.scenario.kinds.gun import GunParams, GunSpec, compile_guns
from skyscreen.scenario.kinds.interceptor import (
    InterceptorParams,
    InterceptorSpec,
    compile_interceptors,
)
from skyscreen.scenario.kinds.jammer import JammerParams, JammerSpec, compile_jammers
from skyscreen.scenario.kinds.laser import LaserParams, LaserSpec, compile_lasers
from skyscreen.scenario.kinds.microwave import (
    MicrowaveParams,
    MicrowaveSpec,
    compile_microwaves,
)
from skyscreen.scenario.kinds.missile import (
    MissileParams,
    MissileSpec,
    compile_missiles,
)
from skyscreen.scenario.kinds.radar import (
    RadarParams,
    RadarSpec,
    check_radar,
    compile_radars,
)
from skyscreen.scenario.kinds.rf_detector import (
    RFDetectorParams,
    RFDetectorSpec,
    check_rf_detector,
    compile_rf_detectors,
)
from skyscreen.scenario.params import CompileContext

__all__ = [
    "EFFECTOR_SPECS",
    "SENSOR_SPECS",
    "CameraParams",
    "CameraSpec",
    "GunParams",
    "GunSpec",
    "InterceptorParams",
    "InterceptorSpec",
    "JammerParams",
    "JammerSpec",
    "LaserParams",
    "LaserSpec",
    "MicrowaveParams",
    "MicrowaveSpec",
    "MissileParams",
    "MissileSpec",
    "RFDetectorParams",
    "RFDetectorSpec",
    "RadarParams",
    "RadarSpec",
    "SpecKind",
    "UnitSpec",
    "spec_union",
]


class UnitSpec(Protocol):
    """What every sensor or effector spec has (for the type checker)."""

    @property
    def kind(self) -> str:
        """The kind's name, the tag of its union."""

    @property
    def id(self) -> str:
        """The unit's id."""

    @property
    def position(self) -> PositionSpec:
        """Where the unit stands, from its site."""

    @property
    def enabled(self) -> bool:
        """False: the unit is left out of the run."""


class SpecKind(NamedTuple):
    """A kind's entry in the scenario layer's registry.

    Attributes
    ----------
    spec : type
        The kind's spec (a :class:`ClassedSpec` with a ``kind`` literal, ``id`` and
        ``position``).
    compile : callable
        ``compile(units, ctx) -> params``: the kind's units in scenario order, each with
        its ENU position (m), and the :class:`CompileContext`, to its parameter block.
    check : callable, optional
        ``check(unit, dt_s) -> [(field, message, value), ...]``: cross-field problems
        of one unit that its own validators cannot see (it needs the run's step).
    """

    spec: type[ClassedSpec]
    compile: Callable[[Sequence[tuple[Any, FloatArray]], CompileContext], Any]
    check: Callable[[Any, float], list[tuple[str, str, Any]]] | None = None


SENSOR_SPECS: Mapping[str, SpecKind] = MappingProxyType(
    {
        "radar": SpecKind(RadarSpec, compile_radars, check_radar),
        "camera": SpecKind(CameraSpec, compile_cameras, check_camera),
        "rf_detector": SpecKind(
            RFDetectorSpec, compile_rf_detectors, check_rf_detector
        ),
    }
)
"""Registered sensor kinds by name, in the order of the scenario's sensor index."""

EFFECTOR_SPECS: Mapping[str, SpecKind] = MappingProxyType(
    {
        "gun": SpecKind(GunSpec, compile_guns),
        "missile": SpecKind(MissileSpec, compile_missiles),
        "jammer": SpecKind(JammerSpec, compile_jammers),
        "laser": SpecKind(LaserSpec, compile_lasers),
        "microwave": SpecKind(MicrowaveSpec, compile_microwaves),
        "interceptor": SpecKind(InterceptorSpec, compile_interceptors),
    }
)
"""Registered effector kinds by name, in the order of the scenario's effector index."""


def spec_union(kinds: Mapping[str, SpecKind]) -> Any:
    """The type of one item of a site's list of these kinds.

    Several kinds: their union, discriminated by ``kind``. One kind: its spec alone, so
    a file that names another kind is told which one is allowed, and the JSON Schema
    has no one-member union.
    """
    specs = [k.spec for k in kinds.values()]
    if len(specs) == 1:
        return specs[0]
    return Annotated[functools.reduce(operator.or_, specs), Field(discriminator="kind")]
