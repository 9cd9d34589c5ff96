"""The reload and engage stages: effector kinds reload, then fire.

Each kind fires what fire control committed and whose time has come (a gun once laid,
a missile after its reaction time), drawing from its own stream (a block per step).
"""

from __future__ import annotations

from typing import Any

from skyscreen.engine._tables import Tables
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
    tb: Tables,
    layout: Layout,
    streams: list[Any],
    step: int,
    t1: float,
    ev: Events | None,
) -> None:
    """Fire the committed engagements due by ``t1``, kind by kind in registry order.

    ``streams`` holds each effector kind's stream (None for a kind that draws nothing).
    """
    for pl, stream in zip(layout.effectors, streams, strict=True):
        if pl.n == 0 or not pl.kind.assignable:
            continue
        draws = stream(step) if stream is not None else None
        pl.kind.fire(pl, st.effectors[pl.slot], st, tb, t1, draws, ev)
