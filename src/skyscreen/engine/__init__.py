"""The batched simulation engine (structure of arrays over replications)."""

from skyscreen.engine._tables import Tables, make_tables
from skyscreen.engine.core import (
    EVENT_KINDS,
    OUTCOMES,
    ChunkResult,
    DecisionInstance,
    run_chunk,
)
from skyscreen.engine.rng import BlockStream, Purpose, generator
from skyscreen.engine.state import ChunkState

__all__ = [
    "EVENT_KINDS",
    "OUTCOMES",
    "BlockStream",
    "ChunkResult",
    "ChunkState",
    "DecisionInstance",
    "Purpose",
    "Tables",
    "generator",
    "make_tables",
    "run_chunk",
]
