"""The reload and engage stages: effector kinds reload, then fire.

Each kind fires what fire control committed and whose time has come (a gun once laid,
a missile after its reaction time), drawing from its own streams.
"""

from __future__ import annotations

from skyscreen.engine.events import Events
from skyscreen.engine.kinds import Layout
from skyscreen.engine.state import ChunkState

__all__ = ["engage", "reload"]


def reload(st: ChunkState, layout: Layout, t1: float) -> None:
    """Complete the reloads due by ``t1``."""
    for pl in layout.effectors:
        if pl.n:
            pl.kind.reload(pl, st.effectors[pl.slot], t1)


def engage(
    st: ChunkState,
    layout: Layout,
    step: int,
    t1: float,
    ev: Events | None,
) -> None:
    """Fire the committed engagements due by ``t1``, kind by kind in registry order."""
    for pl in layout.effectors:
        if pl.n == 0 or not pl.kind.assignable:
            continue
        pl.kind.fire(pl, st.effectors[pl.slot], st, layout.slots, step, t1, ev)
