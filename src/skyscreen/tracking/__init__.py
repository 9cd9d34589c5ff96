"""Multi-target tracking for the tracked fidelity.

Batched Kalman / IMM filters (:mod:`~skyscreen.tracking.filters`), gating and
association by GNN or JPDA (:mod:`~skyscreen.tracking.tracker`,
:mod:`~skyscreen.tracking.jpda`), M-of-N initiation and deletion, sequential
multi-sensor fusion, and the scoring metrics OSPA and GOSPA
(:mod:`~skyscreen.tracking.metrics`).
"""

from skyscreen.tracking.jpda import jpda_bp, jpda_exact
from skyscreen.tracking.metrics import GospaTerms, TrackScore, gospa, ospa, score_tracks
from skyscreen.tracking.tracker import (
    TrackerConfig,
    TrackState,
    TrackTable,
    init_tracks,
    run_scans,
    scan,
)

__all__ = [
    "GospaTerms",
    "TrackScore",
    "TrackState",
    "TrackTable",
    "TrackerConfig",
    "gospa",
    "init_tracks",
    "jpda_bp",
    "jpda_exact",
    "ospa",
    "run_scans",
    "scan",
    "score_tracks",
]
