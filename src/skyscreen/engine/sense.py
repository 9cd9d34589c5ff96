"""The sense stage: every registered sensor kind looks at the airborne drones.

A drone detected by any sensor in the step has its detection times updated (the air
picture is built from them, :mod:`skyscreen.engine.picture`); its first detection is an
event naming the sensor.
"""

from __future__ import annotations

import numpy as np

from skyscreen.engine.events import Events
from skyscreen.engine.kinds import Layout
from skyscreen.engine.kinds.base import Measured
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.state import ChunkState

__all__ = ["sense"]


def sense(
    st: ChunkState,
    layout: Layout,
    step: int,
    t0: float,
    t1: float,
    ev: Events | None,
    cue: AirPicture | None = None,
    measured: list[Measured] | None = None,
) -> bool:
    """Sensors that look in step ``step``, ``(t0, t1]``, detect airborne drones.

    ``cue`` is the latest air picture (None before the first decision cycle). Sensors
    that identify (cameras, RF detectors) write ``t_identified_s`` and ``id_sensor``
    and log ``identify`` events. With ``measured`` (the tracked fidelity), kinds that
    measure append the step's :class:`~skyscreen.engine.kinds.base.Measured`. Returns
    whether a measuring sensor looked in the step.
    """
    n_d = st.status.shape[1]
    k = np.flatnonzero(st.airborne().reshape(-1))
    hit = np.zeros(len(k), dtype=bool)
    # Each drone's first detecting unit names it in the detect event only.
    unit = np.full(len(k), -1, dtype=np.int64) if ev is not None else None
    looked = False
    for pl, kst in zip(layout.sensors, st.sensors, strict=True):
        if pl.n == 0:
            continue
        found = pl.kind.sense(pl, kst, st, step, t0, t1, k, cue, ev)
        if measured is not None and hasattr(pl.kind, "measure"):
            h0 = found[0] if found is not None else np.zeros(len(k), dtype=bool)
            u0 = found[1] if found is not None else np.full(len(k), -1, dtype=np.int64)
            m = pl.kind.measure(pl, kst, st, step, k, h0, u0)
            if m is not None:
                measured.append(m)
                looked = True
        if found is None:
            continue
        h, u = found
        if unit is not None:
            new = h & ~hit
            unit[new] = pl.unit + u[new]
        hit |= h
    if not hit.any():
        return looked
    kh = k[hit]
    first = st.t_first_detect_s.reshape(-1)
    last = st.t_last_detect_s.reshape(-1)
    is_first = np.isnan(first[kh])
    first_k = kh[is_first]
    first[first_k] = t1
    last[kh] = t1
    if ev is not None and unit is not None and len(first_k):
        ev.add(
            "detect",
            first_k // n_d,
            t1,
            first_k % n_d,
            unit[hit][is_first],
            st.pos_m.reshape(-1, 3)[first_k],
        )
    return looked
