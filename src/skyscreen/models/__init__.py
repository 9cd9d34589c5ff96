"""Physics and decision models as pure functions over arrays.

One module per thing (:mod:`~skyscreen.models.kinematics`, :mod:`~skyscreen.models.radar`,
:mod:`~skyscreen.models.gun`, :mod:`~skyscreen.models.missile`,
:mod:`~skyscreen.models.jammer`, :mod:`~skyscreen.models.damage`,
:mod:`~skyscreen.models.eoir`, :mod:`~skyscreen.models.rf`,
:mod:`~skyscreen.models.laser`, :mod:`~skyscreen.models.interceptor`). Each
function carries its equation and source in its docstring; ``docs/models.md`` has
the same in the users' words. No function here does I/O, logging or keeps state.
The equations the engine's kernels need are compiled once
(:mod:`~skyscreen.models.jit`): the kernels and NumPy code call the same functions,
never a copy.
"""

from skyscreen.models import (
    damage,
    eoir,
    gun,
    interceptor,
    jammer,
    jit,
    kinematics,
    laser,
    measurement,
    missile,
    radar,
    rf,
)

__all__ = [
    "damage",
    "eoir",
    "gun",
    "interceptor",
    "jammer",
    "jit",
    "kinematics",
    "laser",
    "measurement",
    "missile",
    "radar",
    "rf",
]
