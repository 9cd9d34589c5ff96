"""Distributions of per-replication metrics: "how bad can it get".

A mean says what to expect on average; a planner also asks how bad a bad day is.
These functions describe the whole distribution of a summary metric over the
replications: its quantiles (:func:`quantile_table`), with distribution-free
confidence intervals (:func:`quantile_interval`), histograms (:func:`histogram`) and
exceedance curves P(X > x) with Wilson intervals (:func:`exceedance`,
:func:`plot_exceedance`).

Only finite values count: NaN marks a metric undefined in a replication (a time
between events that did not happen), and an infinite value is treated the same way.
Sample quantiles interpolate linearly between order statistics (Hyndman & Fan's
type 7, NumPy's default ``linear``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from skyscreen.analysis.stats import mean_interval, wilson_interval
from skyscreen.schema import SUMMARY_METRICS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "DEFAULT_QUANTILES",
    "exceedance",
    "histogram",
    "plot_exceedance",
    "quantile_interval",
    "quantile_table",
]

DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
"""Quantiles :func:`quantile_table` reports unless told otherwise."""
_MAX_UNIT_BINS = 1000
"""Integer-valued data spanning more values than this get ordinary bins."""
_MAX_AUTO_BINS = 10_000
"""Most bins the ``"auto"`` rule chooses."""
_EXACT_INT = 2.0**52
"""Beyond this a float64 cannot hold every integer: no unit bins."""


def _finite(x: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    """``x`` as a flat float64 array of its finite values."""
    a = np.asarray(x, dtype=np.float64).ravel()
    return a[np.isfinite(a)]


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1); got {level!r}")


def _check_q(q: float) -> None:
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantiles must be in [0, 1]; got {q!r}")


def _sorted_quantile(s: np.ndarray[Any, np.dtype[np.float64]], q: float) -> float:
    """Type-7 quantile of the sorted, non-empty, finite ``s``, without overflow.

    NumPy's interpolation subtracts neighbours, which overflows for values near the
    float64 limits; this one weighs them, and keeps the result between them.
    """
    h = (s.size - 1) * q
    i = min(math.floor(h), s.size - 1)
    a, b = float(s[i]), float(s[min(i + 1, s.size - 1)])
    t = h - i
    if a == b or t == 0.0:
        return a
    v = a * (1.0 - t) + b * t
    return min(max(v, a), b)


def _quantile_name(q: float) -> str:
    """Column name of quantile ``q``: ``q05``, ``q50``, ``q99``, ``q99.9``."""
    pct = round(q * 100.0, 10)
    if pct == int(pct):
        return f"q{int(pct):02d}"
    return f"q{pct:g}"


def quantile_table(
    summary: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    q: Sequence[float] = DEFAULT_QUANTILES,
    level: float = 0.95,
) -> pd.DataFrame:
    """Quantiles of each summary metric over the replications, beside its mean.

    Parameters
    ----------
    summary : DataFrame
        One row per replication (``summary.parquet``), or any frame of metrics.
    metrics : sequence of str, optional
        Columns to describe; by default the schema's
        :data:`~skyscreen.schema.SUMMARY_METRICS` that the frame holds as numbers.
    q : sequence of float
        Quantiles, each in [0, 1]; a column each, named by percent (``q05``,
        ``q50``, ``q99.9``).
    level : float
        Confidence level of the mean's Student-t interval (``mean_lo``,
        ``mean_hi``; :func:`skyscreen.analysis.mean_interval`). For a quantile's
        interval use :func:`quantile_interval`.

    Returns
    -------
    DataFrame
        One row per metric; columns ``metric, n, mean, std, min``, the quantiles,
        ``max, mean_lo, mean_hi``. ``n`` counts the replications where the metric is
        finite (NaN and ±inf are left out); with n = 0 every statistic is NaN, and
        ``std`` (ddof = 1) needs n ≥ 2.

    Raises
    ------
    ValueError
        If a metric asked for is not a numeric column, a quantile is outside [0, 1],
        or ``level`` outside (0, 1).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"n_leaked": range(101), "casualties": [0] * 100 + [7]})
    >>> t = quantile_table(s, q=(0.5, 0.95, 0.99))
    >>> t[["metric", "n", "min", "q50", "q95", "q99", "max"]]
           metric    n  min   q50   q95   q99    max
    0    n_leaked  101  0.0  50.0  95.0  99.0  100.0
    1  casualties  101  0.0   0.0   0.0   0.0    7.0
    """
    _check_level(level)
    qs = [float(v) for v in q]
    for v in qs:
        _check_q(v)
    if metrics is None:
        names = [
            m
            for m in SUMMARY_METRICS
            if m in summary.columns and pd.api.types.is_numeric_dtype(summary[m])
        ]
    else:
        names = list(metrics)
        for m in names:
            if m not in summary.columns:
                raise ValueError(
                    f"metrics must be columns of the frame; got {m!r} (columns: "
                    f"{', '.join(map(str, summary.columns))})"
                )
            if not pd.api.types.is_numeric_dtype(summary[m]):
                raise ValueError(
                    f"metrics must be numeric columns; got {m!r} of type "
                    f"{summary[m].dtype}"
                )
    qcols = [_quantile_name(v) for v in qs]
    columns = ["metric", "n", "mean", "std", "min", *qcols, "max", "mean_lo", "mean_hi"]
    rows = []
    for m in names:
        a = np.sort(_finite(summary[m].to_numpy(dtype=np.float64, na_value=np.nan)))
        n = int(a.size)
        if n == 0:
            rows.append([m, 0, *([math.nan] * (len(columns) - 2))])
            continue
        with np.errstate(all="ignore"):  # means of values near the float64 limit
            mean, lo, hi = mean_interval(a, level)
            std = float(a.std(ddof=1)) if n > 1 else math.nan
        quants = [_sorted_quantile(a, v) for v in qs]
        rows.append([m, n, mean, std, float(a[0]), *quants, float(a[-1]), lo, hi])
    out = pd.DataFrame(rows, columns=columns)
    out["n"] = out["n"].astype("int64")
    return out


def quantile_interval(
    x: Any, q: float, level: float = 0.95
) -> tuple[float, float, float]:
    r"""The sample ``q``-quantile and its distribution-free confidence interval.

    The interval runs between two order statistics, :math:`[x_{(j)}, x_{(k)}]`
    (1-based, ascending). Whatever the distribution (continuous), the number
    :math:`B` of observations below the true quantile is Binomial(n, q), and the
    interval covers the quantile with probability
    :math:`P(j \le B < k) = F(k-1) - F(j-1)`. ``j`` is the largest with
    :math:`P(B < j) \le \alpha/2` and ``k`` the smallest with
    :math:`P(B \ge k) \le \alpha/2`, :math:`\alpha = 1 -` ``level``, so the coverage
    is at least ``level`` (it exceeds it, the binomial being discrete). Hahn & Meeker,
    *Statistical Intervals* (1991), §5.2; Conover, *Practical Nonparametric
    Statistics*, 3rd ed. (1999), §3.2.

    Parameters
    ----------
    x : array_like
        The sample (one value per replication); only finite values count.
    q : float
        The quantile, in [0, 1].
    level : float
        Confidence level, in (0, 1).

    Returns
    -------
    estimate, lo, hi : float
        The type-7 sample quantile and the interval's bounds. A bound is NaN when the
        sample is too small to reach the level on that side (``lo`` would need an
        order statistic below the smallest: then the quantile is below ``hi`` with
        probability at least 1 − α/2, and nothing bounds it from below); all three are
        NaN for an empty sample. With few values and ``q`` near 0 or 1 the interval
        need not hold the estimate (n = 2, q = 0.99: the estimate interpolates
        between the two values; the lower bound is the larger one).

    Examples
    --------
    The median of 100 observations lies between the 40th and 61st of them with
    probability 0.965:

    >>> x = range(1, 101)
    >>> quantile_interval(x, 0.5)
    (50.5, 40.0, 61.0)
    >>> quantile_interval(x[:10], 0.99)   # n = 10 says nothing above the 99th pct
    (9.91, 9.0, nan)
    """
    _check_q(q)
    _check_level(level)
    s = np.sort(_finite(x))
    n = int(s.size)
    if n == 0:
        return math.nan, math.nan, math.nan
    est = _sorted_quantile(s, q)
    tail = (1.0 - level) / 2.0
    i = np.arange(n)  # B <= i for i = j - 1 and k - 1, in 0 .. n - 1
    from scipy import stats  # here: importing scipy.stats takes 0.6 s (analysis.stats)

    below = stats.binom.cdf(i, n, q)  # P(B <= i)
    above = stats.binom.sf(i, n, q)  # P(B > i) = P(B >= i + 1)
    lows = np.nonzero(below <= tail)[0]  # P(B < j) <= tail with j = i + 1
    highs = np.nonzero(above <= tail)[0]  # P(B >= k) <= tail with k = i + 1
    lo = float(s[lows[-1]]) if lows.size else math.nan  # x_(j) = s[j - 1] = s[i]
    hi = float(s[highs[0]]) if highs.size else math.nan
    return est, lo, hi


def histogram(x: Any, bins: int | str = "auto") -> pd.DataFrame:
    """Histogram of a sample: the bins' edges, counts and densities.

    Parameters
    ----------
    x : array_like
        The sample; only finite values count.
    bins : int or str
        A number of equal bins over the sample's range, or a rule of
        :func:`numpy.histogram_bin_edges`. The default ``"auto"`` gives integer-valued
        samples (counts such as ``n_leaked``) one bin per integer from the least to
        the greatest, centred on it (``[v - 0.5, v + 0.5)``), when they span at most
        1000 values; otherwise NumPy's ``"auto"`` rule (the narrower of the
        Freedman–Diaconis and Sturges widths), with at most 10,000 bins.

    Returns
    -------
    DataFrame
        Columns ``left, right, count, density``, one row per bin in order; every bin
        but the last is half-open ``[left, right)``, the last closed. The counts sum to
        the number of finite values; ``density`` is ``count / (n · width)`` (NaN for
        a bin of zero width, which only a sample of one value near the float64 limit
        gets). Empty for a sample without finite values.

    Examples
    --------
    >>> histogram([0, 1, 1, 3])
       left  right  count  density
    0  -0.5    0.5      1     0.25
    1   0.5    1.5      2     0.50
    2   1.5    2.5      0     0.00
    3   2.5    3.5      1     0.25
    >>> histogram([0.1, 0.2, 0.4], bins=2)
       left  right  count  density
    0  0.10   0.25      2  4.444444
    1  0.25   0.40      1  2.222222
    """
    a = _finite(x)
    n = int(a.size)
    empty = pd.DataFrame(
        {
            "left": pd.Series(dtype="float64"),
            "right": pd.Series(dtype="float64"),
            "count": pd.Series(dtype="int64"),
            "density": pd.Series(dtype="float64"),
        }
    )
    if n == 0:
        return empty
    lo, hi = float(a.min()), float(a.max())
    edges: np.ndarray[Any, np.dtype[np.float64]]
    if isinstance(bins, str):
        if bins == "auto":
            edges = _auto_edges(a, lo, hi)
        else:
            edges = np.histogram_bin_edges(a, bins).astype(np.float64)
    else:
        if isinstance(bins, bool) or int(bins) != bins or bins < 1:
            raise ValueError(f"bins must be an integer >= 1 or a rule; got {bins!r}")
        edges = _equal_edges(lo, hi, int(bins))
    counts, _ = np.histogram(a, bins=edges)
    with np.errstate(all="ignore"):  # widths past the float64 limit: density 0
        width = np.diff(edges)
        density = np.where(width > 0, counts / (n * width), np.nan)
    return pd.DataFrame(
        {
            "left": edges[:-1],
            "right": edges[1:],
            "count": counts.astype(np.int64),
            "density": density,
        }
    )


def _equal_edges(lo: float, hi: float, k: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """``k`` equal bins from ``lo`` to ``hi`` (±0.5 around a single value)."""
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    t = np.linspace(0.0, 1.0, k + 1)
    edges = lo * (1.0 - t) + hi * t  # no overflow where hi - lo would
    edges[0], edges[-1] = lo, hi
    return np.maximum.accumulate(edges)


def _auto_edges(
    a: np.ndarray[Any, np.dtype[np.float64]], lo: float, hi: float
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Unit bins for integer-valued data of a short span, else NumPy's "auto" rule."""
    if (
        max(abs(lo), abs(hi)) <= _EXACT_INT
        and hi - lo < _MAX_UNIT_BINS
        and bool(np.all(a == np.floor(a)))
    ):
        return np.arange(lo, hi + 2.0) - 0.5  # one bin per integer, centred
    n = a.size
    sturges = math.ceil(math.log2(n) + 1.0)
    k = sturges
    with np.errstate(all="ignore"):
        span = hi / 2.0 - lo / 2.0  # half the range, without overflow
        iqr = float(np.subtract(*np.percentile(a, [75.0, 25.0])))
    if iqr > 0.0 and math.isfinite(iqr):
        fd_width = 2.0 * iqr / n ** (1.0 / 3.0)
        k = max(k, math.ceil(min(2.0 * (span / fd_width), _MAX_AUTO_BINS)))
    return _equal_edges(lo, hi, min(k, _MAX_AUTO_BINS))


def exceedance(x: Any, thresholds: Any = None, level: float = 0.95) -> pd.DataFrame:
    """Exceedance curve P(X > x) of a sample, with Wilson intervals.

    P(X > x) is estimated by the fraction of replications whose value is above x, and
    its interval by the Wilson score interval
    (:func:`skyscreen.analysis.wilson_interval`): each point's interval holds at
    ``level``, not the whole curve at once.

    Parameters
    ----------
    x : array_like
        The sample (one value per replication); only finite values count.
    thresholds : array_like, optional
        Values of x, sorted and without duplicates in the result. By default every
        distinct sample value and 0: the curve is a step function, constant from one
        sample value to the next.
    level : float
        Confidence level of the intervals, in (0, 1).

    Returns
    -------
    DataFrame
        Columns ``x, p_exceed, lo, hi``, ascending in ``x``; ``p_exceed`` is
        non-increasing. For an empty sample ``p_exceed`` is NaN and the interval
        [0, 1].

    Raises
    ------
    ValueError
        If a threshold is NaN, or ``level`` is outside (0, 1).

    Examples
    --------
    >>> exceedance([0, 0, 1e6, 3e6])
               x  p_exceed        lo        hi
    0        0.0      0.50  0.150039  0.849961
    1  1000000.0      0.25  0.045587  0.699358
    2  3000000.0      0.00  0.000000  0.489891
    """
    _check_level(level)
    s = np.sort(_finite(x))
    n = int(s.size)
    if thresholds is None:
        t = np.unique(np.concatenate([s, [0.0]]))
    else:
        t = np.asarray(thresholds, dtype=np.float64).ravel()
        if np.isnan(t).any():
            raise ValueError("thresholds must be numbers; got NaN")
        t = np.unique(t)
    k = n - np.searchsorted(s, t, side="right")  # values above each threshold
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n if n else np.full(t.shape, np.nan)
    lo, hi = wilson_interval(k, n, level)
    return pd.DataFrame(
        {
            "x": t,
            "p_exceed": np.asarray(p, dtype=np.float64),
            "lo": np.asarray(lo, dtype=np.float64).reshape(t.shape),
            "hi": np.asarray(hi, dtype=np.float64).reshape(t.shape),
        }
    )


def plot_exceedance(ax: Axes, frame: pd.DataFrame, label: str | None = None) -> None:
    """Draw an exceedance curve as a step line with its interval as a band.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    frame : DataFrame
        From :func:`exceedance`.
    label : str, optional
        The line's legend label.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_exceedance(ax, exceedance([0, 0, 1e6, 3e6]), label="value damaged")
    >>> ax.get_ylabel()
    'P(X > x)'
    >>> plt.close(fig)
    """
    x = frame["x"].to_numpy(dtype=np.float64)
    (line,) = ax.step(
        x, frame["p_exceed"].to_numpy(dtype=np.float64), where="post", label=label
    )
    ax.fill_between(
        x,
        frame["lo"].to_numpy(dtype=np.float64),
        frame["hi"].to_numpy(dtype=np.float64),
        step="post",
        alpha=0.25,
        color=line.get_color(),
        linewidth=0,
    )
    ax.set_ylim(0.0, 1.05)
    if not ax.get_ylabel():
        ax.set_ylabel("P(X > x)")
