"""Monte Carlo statistics over run results."""

from skyscreen.analysis.distributions import (
    exceedance,
    histogram,
    plot_exceedance,
    quantile_interval,
    quantile_table,
)
from skyscreen.analysis.stats import (
    mean_interval,
    ratio_interval,
    summary_stats,
    wilson_interval,
)

__all__ = [
    "exceedance",
    "histogram",
    "mean_interval",
    "plot_exceedance",
    "quantile_interval",
    "quantile_table",
    "ratio_interval",
    "summary_stats",
    "wilson_interval",
]
