"""Monte Carlo statistics over run results."""

from skyscreen.analysis.decisions import (
    decision_instances,
    export_decision_instances,
    to_wta_instance,
)
from skyscreen.analysis.stats import mean_interval, summary_stats, wilson_interval

__all__ = [
    "decision_instances",
    "export_decision_instances",
    "mean_interval",
    "summary_stats",
    "to_wta_instance",
    "wilson_interval",
]
