"""The batched simulation engine (structure of arrays over replications).

``run_chunk`` is the list of the step's stages (:mod:`skyscreen.engine.core`); each stage
is a module named after it; sensor and effector kinds are plug-ins
(:mod:`skyscreen.engine.kinds`); command and control reads the air picture
(:mod:`skyscreen.engine.picture`), never the truth.
"""

from skyscreen.engine.codes import CAUSES, EVENT_KINDS, OUTCOMES, STATES
from skyscreen.engine.core import EFFECTOR_COLUMNS, ChunkResult, run_chunk, warm_up
from skyscreen.engine.decide import DecisionInstance
from skyscreen.engine.kinds import EFFECTOR_KINDS, SENSOR_KINDS
from skyscreen.engine.picture import AirPicture
from skyscreen.engine.rng import (
    Purpose,
    draw,
    drone_keys,
    drone_uniforms,
    stream_key,
    uniform,
)
from skyscreen.engine.state import ChunkState

__all__ = [
    "CAUSES",
    "EFFECTOR_COLUMNS",
    "EFFECTOR_KINDS",
    "EVENT_KINDS",
    "OUTCOMES",
    "SENSOR_KINDS",
    "STATES",
    "AirPicture",
    "ChunkResult",
    "ChunkState",
    "DecisionInstance",
    "Purpose",
    "draw",
    "drone_keys",
    "drone_uniforms",
    "run_chunk",
    "stream_key",
    "uniform",
    "warm_up",
]
