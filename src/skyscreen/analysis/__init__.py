"""Monte Carlo statistics over run results."""

from skyscreen.analysis.stats import (
    mean_interval,
    ratio_interval,
    summary_stats,
    wilson_interval,
)

__all__ = ["mean_interval", "ratio_interval", "summary_stats", "wilson_interval"]
