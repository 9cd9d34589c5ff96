"""Sensor and effector kinds as plug-ins: the registry and a scenario's layout.

A kind is one module here (its state block and behaviour) plus its equations in
:mod:`skyscreen.models` and its spec, parameter block and compile step in
:mod:`skyscreen.scenario.kinds`.
The engine's stages loop over :data:`SENSOR_KINDS` and :data:`EFFECTOR_KINDS` and name
no kind; :func:`make_layout` places each kind's units in a scenario (index ranges among
sensors, effectors and assignable weapons, and the effectors' slots in the shared shot
table), so no stage does index arithmetic across kinds. Each kind's parameter block is
``params.sensors[name]`` or ``params.effectors[name]``, compiled through the scenario
layer's registry, which lists the same kinds in the same order. The protocol is in
:mod:`skyscreen.engine.kinds.base`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from skyscreen._typing import IntArray
from skyscreen.engine.codes import CAUSES
from skyscreen.engine.kinds.base import DecideContext, EffectorKind, Placed, SensorKind
from skyscreen.engine.kinds.camera import CAMERA
from skyscreen.engine.kinds.gun import GUN
from skyscreen.engine.kinds.interceptor import INTERCEPTOR
from skyscreen.engine.kinds.jammer import JAMMER
from skyscreen.engine.kinds.laser import LASER
from skyscreen.engine.kinds.microwave import MICROWAVE
from skyscreen.engine.kinds.missile import MISSILE
from skyscreen.engine.kinds.radar import RADAR
from skyscreen.engine.kinds.rf_detector import RF_DETECTOR
from skyscreen.engine.shots import ShotSlots, make_slots
from skyscreen.scenario.params import ScenarioParams

__all__ = [
    "EFFECTOR_KINDS",
    "SENSOR_KINDS",
    "DecideContext",
    "EffectorKind",
    "Layout",
    "Placed",
    "SensorKind",
    "make_layout",
]

SENSOR_KINDS: tuple[Any, ...] = (RADAR, CAMERA, RF_DETECTOR)
"""Registered sensor kinds, in the order of the scenario's sensor index."""
EFFECTOR_KINDS: tuple[Any, ...] = (
    GUN,
    MISSILE,
    JAMMER,
    LASER,
    MICROWAVE,
    INTERCEPTOR,
)
"""Registered effector kinds, in the order of the scenario's effector index."""


@dataclass(frozen=True, slots=True, eq=False)
class Layout:
    """Where each kind's units sit in one scenario.

    Attributes
    ----------
    sensors, effectors : tuple of Placed
        Every registered kind, placed (a kind with no unit has ``n == 0``).
    n_sensors, n_effectors, n_weapons : int
        Units in all; weapons are the units of assignable effector kinds.
    effector_cause : ndarray of int (E,)
        The cause code of a hard kill by each effector (its kind's name).
    causes : tuple of str
        Cause names by code: :data:`~skyscreen.engine.codes.CAUSES`, then the name of
        any placed kind not among them (a kind under test; a new kind appends its name
        to ``CAUSES``, which the run-directory schema lists).
    slots : ShotSlots
        Each effector's slots in the shared shot table (its kind's ``shot_slots``).
    """

    sensors: tuple[Placed, ...]
    effectors: tuple[Placed, ...]
    n_sensors: int
    n_effectors: int
    n_weapons: int
    effector_cause: IntArray
    causes: tuple[str, ...]
    slots: ShotSlots

    @property
    def assignable(self) -> tuple[Placed, ...]:
        """Placed kinds that fire control assigns targets to, with units."""
        return tuple(pl for pl in self.effectors if pl.weapon >= 0 and pl.n > 0)


def make_layout(
    p: ScenarioParams,
    sensor_kinds: Sequence[Any] = SENSOR_KINDS,
    effector_kinds: Sequence[Any] = EFFECTOR_KINDS,
) -> Layout:
    """Place the registered kinds' units in scenario ``p``."""
    sensors = []
    unit = 0
    for slot, kind in enumerate(sensor_kinds):
        block = kind.params_of(p)
        sensors.append(Placed(kind, block, block.n, unit, unit, -1, slot, p))
        unit += block.n
    n_sensors = unit
    effectors = []
    index = weapon = 0
    causes: list[int] = []
    names = list(CAUSES)
    for slot, kind in enumerate(effector_kinds):
        block = kind.params_of(p)
        effectors.append(
            Placed(
                kind,
                block,
                block.n,
                index,
                n_sensors + index,
                weapon if kind.assignable else -1,
                slot,
                p,
            )
        )
        if kind.name not in names:
            names.append(kind.name)
        causes += [names.index(kind.name)] * block.n
        index += block.n
        if kind.assignable:
            weapon += block.n
    kinds = tuple(k for pl in effectors for k in [pl.kind.name] * pl.n)
    registered = tuple(k for k in kinds if k in p.effector_kinds)
    if registered != tuple(p.effector_kinds):  # pragma: no cover - compile's order
        raise RuntimeError(
            f"effector order {p.effector_kinds} differs from the registry's {kinds}"
        )
    return Layout(
        sensors=tuple(sensors),
        effectors=tuple(effectors),
        n_sensors=n_sensors,
        n_effectors=index,
        n_weapons=weapon,
        effector_cause=np.asarray(causes, dtype=np.int64),
        causes=tuple(names),
        slots=make_slots(
            [
                np.asarray(pl.kind.shot_slots(pl), dtype=np.int64).reshape(pl.n)
                for pl in effectors
            ]
        ),
    )
