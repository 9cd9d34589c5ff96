"""Confidence intervals for Monte Carlo estimates.

Means get a Student-t interval (replications are independent and identically
distributed); probabilities get the Wilson score interval, which keeps its coverage near
0 and 1 where the normal interval fails (Wilson 1927; Brown, Cai & DasGupta 2001).

The quantiles come from ``scipy.special`` (``stdtrit``, ``ndtri``: the functions
``scipy.stats.t.ppf`` and ``norm.ppf`` evaluate, the same numbers) because importing
``scipy.stats`` takes about 0.6 s, which every ``skyscreen run`` would pay to print its
table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from skyscreen.schema import SUMMARY_METRICS

__all__ = [
    "SUMMARY_METRICS",
    "mean_interval",
    "ratio_interval",
    "summary_stats",
    "wilson_interval",
]


def mean_interval(x: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``x`` and its Student-t confidence interval.

    Examples
    --------
    >>> m, lo, hi = mean_interval([1.0, 2.0, 3.0])
    >>> m, round(lo, 3), round(hi, 3)
    (2.0, -0.484, 4.484)
    """
    a = np.asarray(x, dtype=np.float64)
    n = a.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(a.mean())
    if n == 1:
        return m, float("nan"), float("nan")
    half = float(special.stdtrit(n - 1, 0.5 + level / 2.0) * a.std(ddof=1) / np.sqrt(n))
    return m, m - half, m + half


def ratio_interval(x: Any, y: Any, level: float = 0.95) -> tuple[float, float, float]:
    r"""Ratio of totals :math:`R = \sum x / \sum y` and its delta-method interval.

    The ratio estimator of survey sampling: with :math:`d_i = x_i - R y_i`, the
    standard error is :math:`s_d / (\sqrt{n}\,\bar y)` (Cochran, *Sampling
    Techniques*, 3rd ed., §6.4), and the interval is R ± t·se. Over replications it
    answers "what does the defence spend per drone stopped, all raids together",
    which the mean of per-replication ratios does not (a replication that stops
    one drone with one missile weighs as much as one that stops twenty).

    Examples
    --------
    >>> r, lo, hi = ratio_interval([10.0, 20.0, 30.0], [1.0, 2.0, 3.0])
    >>> r, lo, hi
    (10.0, 10.0, 10.0)
    """
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    n = a.size
    if n == 0 or b.sum() <= 0:
        return float("nan"), float("nan"), float("nan")
    r = float(a.sum() / b.sum())
    if n == 1:
        return r, float("nan"), float("nan")
    d = a - r * b
    se = float(d.std(ddof=1) / (np.sqrt(n) * b.mean()))
    half = float(special.stdtrit(n - 1, 0.5 + level / 2.0)) * se
    return r, r - half, r + half


def wilson_interval(k: Any, n: Any, level: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval for a binomial proportion k/n.

    Examples
    --------
    >>> lo, hi = wilson_interval(0, 100)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0, 0.037)
    """
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    z = special.ndtri(0.5 + level / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        den = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / den
        half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / den
    lo, hi = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    # Exact ends: round-off would leave 1e-17 above 0 (or below 1) otherwise.
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == n, 1.0, hi)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def summary_stats(
    summary: pd.DataFrame, assets: pd.DataFrame, level: float = 0.95
) -> pd.DataFrame:
    """Means with intervals of the summary metrics, and Wilson intervals of probabilities.

    Parameters
    ----------
    summary : DataFrame
        One row per replication (``summary.parquet``).
    assets : DataFrame
        One row per asset per replication (``assets.parquet``).

    Returns
    -------
    DataFrame
        Columns ``metric, kind, estimate, ci_low, ci_high, n``; ``kind`` is
        ``mean``, ``ratio`` or ``probability``. Ratios of totals over all
        replications (:func:`ratio_interval`): ``cost per stop (pooled)`` (munitions
        cost over drones killed or defeated) and ``exchange ratio (pooled)``
        (munitions cost over the drones' cost). Probabilities: ``P(at least one leaker)`` and
        ``P(<asset> damaged)``.
    """
    rows = []
    n = len(summary)
    for col in SUMMARY_METRICS:
        # Times between events are NaN in replications where the events did not
        # happen (no drone identified): those replications do not count for them.
        x = summary[col].to_numpy(dtype=np.float64)
        x = x[~np.isnan(x)]
        m, lo, hi = mean_interval(x, level)
        # Every summary metric is a count, an amount or a duration, never negative:
        # the t interval is clipped to the support (at small n it would reach
        # below 0).
        rows.append((col, "mean", m, lo if np.isnan(lo) else max(lo, 0.0), hi, len(x)))
    spend = summary["munitions_cost_usd"].to_numpy(dtype=np.float64)
    stopped = (summary["n_killed"] + summary["n_defeated"]).to_numpy(dtype=np.float64)
    for name, den in (
        ("cost per stop (pooled)", stopped),
        ("exchange ratio (pooled)", summary["drones_cost_usd"]),
    ):
        r, lo, hi = ratio_interval(spend, den, level)
        rows.append((name, "ratio", r, lo if np.isnan(lo) else max(lo, 0.0), hi, n))
    k = int((summary["n_leaked"] > 0).sum())
    lo, hi = wilson_interval(k, n, level)
    rows.append(
        ("P(at least one leaker)", "probability", k / n if n else np.nan, lo, hi, n)
    )
    if len(assets):
        grouped = assets.groupby("asset", sort=False, observed=True)["damaged"]
        for asset, damaged in grouped:
            k = int(damaged.sum())
            m = int(damaged.size)
            lo, hi = wilson_interval(k, m, level)
            rows.append((f"P({asset} damaged)", "probability", k / m, lo, hi, m))
    return pd.DataFrame(
        rows, columns=["metric", "kind", "estimate", "ci_low", "ci_high", "n"]
    )
