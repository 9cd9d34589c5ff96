"""Codes shared by the engine's stages and the results tables, defined once.

A drone's status, the cause that ended its flight, an event's kind and an event's
outcome are small integers in the engine and names in the tables. The names are part of
the run-directory schema: append, never reorder.
"""

from __future__ import annotations

__all__ = [
    "CAUSES",
    "CAUSE_ARRIVAL",
    "CAUSE_ENDURANCE",
    "CAUSE_NONE",
    "DEFEATED",
    "EVENT_KINDS",
    "EXPENDED",
    "FLYING",
    "KILLED",
    "LEAKED",
    "NEUTRALISED",
    "OUTCOMES",
    "PENDING",
    "STATES",
    "cause_code",
    "event_code",
    "outcome_code",
]

STATES = (
    "pending",
    "flying",
    "neutralised",
    "killed",
    "defeated",
    "leaked",
    "expended",
)
"""Drone status codes; the first three are not terminal (``flying`` at the end of the
run is reported as ``airborne``)."""
PENDING, FLYING, NEUTRALISED, KILLED, DEFEATED, LEAKED, EXPENDED = range(len(STATES))

CAUSES = (
    "",
    "gun",
    "missile",
    "jammer",
    "arrival",
    "endurance",
    "laser",
    "microwave",
    "interceptor",
)
"""What ended a drone's flight: an effector kind's name, ``arrival`` (it reached its
aim point) or ``endurance``. An effector kind's cause is its name, so a new kind
appends its name here."""
CAUSE_NONE = 0
CAUSE_ARRIVAL = CAUSES.index("arrival")
CAUSE_ENDURANCE = CAUSES.index("endurance")

EVENT_KINDS = (
    "launch",
    "detect",
    "assign",
    "fire",
    "kill",
    "miss",
    "cancel",
    "leak",
    "damage",
    "link_lost",
    "expended",
    "defeated",
    "decision",
    "identify",
    "gnss_lost",
)
"""Event kinds recorded with ``events=True`` (codes are indices)."""

OUTCOMES = (
    "",
    "kill",
    "miss",
    "target_lost",
    "out_of_envelope",
    "no_ammunition",
    "no_channel",
)
"""Event outcome codes below ``len(OUTCOMES)``; larger codes name an asset
(``code - len(OUTCOMES)``)."""


def cause_code(name: str) -> int:
    """The code of a cause name (an effector kind's name, arrival, endurance)."""
    return CAUSES.index(name)


def event_code(kind: str) -> int:
    """The code of an event kind."""
    return EVENT_KINDS.index(kind)


def outcome_code(outcome: str) -> int:
    """The code of an event outcome."""
    return OUTCOMES.index(outcome)
