"""Distributions of metrics: quantiles, their intervals, histograms, exceedance."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from skyscreen.analysis import (
    exceedance,
    histogram,
    plot_exceedance,
    quantile_interval,
    quantile_table,
    wilson_interval,
)
from skyscreen.schema import SUMMARY_METRICS

# --------------------------------------------------------------------------- quantiles


def test_quantile_table_of_a_known_sample() -> None:
    """0..100: the p-quantile is 100 p; mean 50, std of 0..100 is sqrt(858.5)."""
    s = pd.DataFrame(
        {"n_leaked": np.arange(101), "value_damaged_usd": np.arange(101.0)}
    )
    t = quantile_table(s)
    assert list(t.columns) == [
        "metric",
        "n",
        "mean",
        "std",
        "min",
        "q05",
        "q25",
        "q50",
        "q75",
        "q95",
        "q99",
        "max",
        "mean_lo",
        "mean_hi",
    ]
    assert t["metric"].tolist() == ["n_leaked", "value_damaged_usd"]  # schema order
    row = t.iloc[0]
    assert row["n"] == 101
    assert row["mean"] == 50.0
    assert row["std"] == pytest.approx(math.sqrt(858.5))
    assert [
        row[c] for c in ("min", "q05", "q25", "q50", "q75", "q95", "q99", "max")
    ] == [
        0.0,
        5.0,
        25.0,
        50.0,
        75.0,
        95.0,
        99.0,
        100.0,
    ]
    half = stats.t.ppf(0.975, 100) * math.sqrt(858.5) / math.sqrt(101)
    assert row["mean_lo"] == pytest.approx(50.0 - half)
    assert row["mean_hi"] == pytest.approx(50.0 + half)


def test_quantile_table_interpolates_like_numpy() -> None:
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 3.0, size=57)
    q = (0.01, 0.1, 0.333, 0.5, 0.9, 0.999)
    t = quantile_table(pd.DataFrame({"casualties": x}), q=q)
    assert [c for c in t.columns if c.startswith("q")] == [
        "q01",
        "q10",
        "q33.3",
        "q50",
        "q90",
        "q99.9",
    ]
    got = t.iloc[0][["q01", "q10", "q33.3", "q50", "q90", "q99.9"]].to_numpy(float)
    np.testing.assert_allclose(got, np.quantile(x, q), rtol=1e-12)


def test_quantile_table_ignores_nan_per_metric() -> None:
    s = pd.DataFrame(
        {
            "replication": [0, 1, 2, 3],
            "detect_to_shot_s": [1.0, np.nan, 3.0, np.nan],
            "n_leaked": [0, 1, 2, 3],
            "note": ["a", "b", "c", "d"],
            "exchange_ratio": [np.nan] * 4,
        }
    )
    t = quantile_table(s).set_index("metric")
    assert list(t.index) == ["n_leaked", "detect_to_shot_s", "exchange_ratio"]
    assert t.loc["detect_to_shot_s", "n"] == 2
    assert t.loc["detect_to_shot_s", "q50"] == 2.0
    assert t.loc["n_leaked", "n"] == 4
    assert t.loc["exchange_ratio", "n"] == 0
    assert t.loc["exchange_ratio", ["mean", "q50", "max"]].isna().all()
    with pytest.raises(ValueError, match="numeric"):
        quantile_table(s, metrics=["note"])
    with pytest.raises(ValueError, match="columns of the frame"):
        quantile_table(s, metrics=["nope"])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        quantile_table(s, q=(1.5,))


def test_quantile_table_covers_every_summary_metric() -> None:
    s = pd.DataFrame({m: np.arange(5.0) for m in ("replication", *SUMMARY_METRICS)})
    assert quantile_table(s)["metric"].tolist() == list(SUMMARY_METRICS)


# --------------------------------------------------------------------------- intervals


def _exact_coverage(n: int, q: float, level: float) -> float:
    """P(j <= B < k) for the order statistics quantile_interval picks."""
    tail = (1 - level) / 2
    i = np.arange(n)
    cdf = stats.binom.cdf(i, n, q)
    j = np.nonzero(cdf <= tail)[0][-1] + 1
    k = np.nonzero(stats.binom.sf(i, n, q) <= tail)[0][0] + 1
    return float(stats.binom.cdf(k - 1, n, q) - stats.binom.cdf(j - 1, n, q))


def test_quantile_interval_order_statistics() -> None:
    """Median of 100: the 40th and 61st order statistics (Conover's table)."""
    x = np.arange(1.0, 101.0)
    est, lo, hi = quantile_interval(x[::-1], 0.5)  # order does not matter
    assert (est, lo, hi) == (50.5, 40.0, 61.0)
    assert _exact_coverage(100, 0.5, 0.95) == pytest.approx(0.9648, abs=1e-4)


def test_quantile_interval_coverage_by_simulation() -> None:
    """2000 samples of 100 uniforms: the interval covers the true median ≥ 95%.

    The exact coverage is 0.9648; the observed rate's own Wilson interval must hold
    it and lie above 0.93.
    """
    rng = np.random.default_rng(20260301)
    trials = 2000
    covered = 0
    for _ in range(trials):
        _, lo, hi = quantile_interval(rng.uniform(size=100), 0.5)
        covered += lo <= 0.5 <= hi
    low, high = wilson_interval(covered, trials, 0.999)
    assert covered / trials >= 0.93
    assert low <= _exact_coverage(100, 0.5, 0.95) <= high
    assert high >= 0.95  # not below the nominal level


@pytest.mark.parametrize(("q", "level"), [(0.9, 0.95), (0.99, 0.9), (0.25, 0.8)])
def test_quantile_interval_coverage_other_quantiles(q: float, level: float) -> None:
    """Exponential samples, n = 500: coverage of the true quantile ≥ level."""
    rng = np.random.default_rng(7)
    truth = -math.log(1 - q)
    trials = 600
    covered = sum(
        lo <= truth <= hi
        for _, lo, hi in (
            quantile_interval(rng.exponential(size=500), q, level)
            for _ in range(trials)
        )
    )
    _, high = wilson_interval(covered, trials, 0.999)
    assert high >= level


def test_quantile_interval_small_samples() -> None:
    assert all(math.isnan(v) for v in quantile_interval([], 0.5))
    assert all(math.isnan(v) for v in quantile_interval([np.nan, np.inf], 0.5))
    est, lo, hi = quantile_interval([3.0], 0.5)
    assert est == 3.0
    assert math.isnan(lo)
    assert math.isnan(hi)
    # n = 5: the median's interval [x(1), x(5)] has coverage 1 - 2/32 = 0.9375 < 0.95
    est, lo, hi = quantile_interval([1, 2, 3, 4, 5], 0.5)
    assert est == 3.0
    assert math.isnan(lo)
    assert math.isnan(hi)
    _, lo, hi = quantile_interval([1, 2, 3, 4, 5, 6], 0.5)  # 1 - 2/64 = 0.969
    assert (lo, hi) == (1.0, 6.0)
    with pytest.raises(ValueError, match="level"):
        quantile_interval([1.0], 0.5, level=1.0)
    with pytest.raises(ValueError, match="quantiles"):
        quantile_interval([1.0], -0.1)


# --------------------------------------------------------------------------- histograms


def test_histogram_counts_sum_to_n() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(5.0, 2.0, size=1000)
    h = histogram(np.concatenate([x, [np.nan, np.inf]]))
    assert list(h.columns) == ["left", "right", "count", "density"]
    assert h["count"].sum() == 1000
    assert h["left"].iloc[0] == x.min()
    assert h["right"].iloc[-1] == x.max()
    assert (h["right"] > h["left"]).all()
    np.testing.assert_allclose(h["left"].iloc[1:], h["right"].iloc[:-1])
    area = (h["density"] * (h["right"] - h["left"])).sum()
    assert area == pytest.approx(1.0)
    counts, _ = np.histogram(x, bins="auto")
    assert len(h) == len(counts)
    assert h["count"].tolist() == counts.tolist()
    h10 = histogram(x, bins=10)
    assert len(h10) == 10
    assert h10["count"].sum() == 1000


def test_integer_metrics_get_unit_bins() -> None:
    x = np.array([0, 0, 1, 4, 4, 4], dtype=np.int64)
    h = histogram(x)
    assert h["left"].tolist() == [-0.5, 0.5, 1.5, 2.5, 3.5]
    assert h["right"].tolist() == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert h["count"].tolist() == [2, 1, 0, 0, 3]
    assert h["density"].tolist() == pytest.approx([2 / 6, 1 / 6, 0, 0, 3 / 6])
    assert histogram([7, 7, 7])[["left", "right", "count"]].values.tolist() == [
        [6.5, 7.5, 3]
    ]
    # Integer-valued amounts spanning millions get ordinary bins.
    big = histogram(np.array([0.0, 1e6, 2e6, 5e6]))
    assert len(big) < 100
    assert big["count"].sum() == 4


def test_histogram_of_nothing_and_bad_bins() -> None:
    assert histogram([]).empty
    assert list(histogram([np.nan]).columns) == ["left", "right", "count", "density"]
    with pytest.raises(ValueError, match="bins"):
        histogram([1.0, 2.0], bins=0)


# --------------------------------------------------------------------------- exceedance


def test_exceedance_of_an_exponential_sample() -> None:
    """P(X > x) = exp(-x / μ) lies in the Wilson interval at each threshold."""
    mu = 2.5e6
    rng = np.random.default_rng(42)
    x = rng.exponential(mu, size=2000)
    thresholds = mu * np.array([0.1, 0.5, 1.0, 2.0, 3.0])
    e = exceedance(x, thresholds)
    assert e["x"].tolist() == thresholds.tolist()
    truth = np.exp(-thresholds / mu)
    assert ((e["lo"] <= truth) & (truth <= e["hi"])).all()
    np.testing.assert_allclose(e["p_exceed"], truth, atol=0.03)


def test_exceedance_default_thresholds() -> None:
    e = exceedance([3, 1, 1, 0, 5])
    assert e["x"].tolist() == [0, 1, 3, 5]
    assert e["p_exceed"].tolist() == [0.8, 0.4, 0.2, 0.0]
    lo, hi = wilson_interval(np.array([4, 2, 1, 0]), 5)
    np.testing.assert_allclose(e["lo"], lo)
    np.testing.assert_allclose(e["hi"], hi)
    assert exceedance([2.0, 4.0])["x"].tolist() == [0.0, 2.0, 4.0]  # 0 included
    assert exceedance([-1.0])["x"].tolist() == [-1.0, 0.0]


def test_exceedance_thresholds_sorted_and_checked() -> None:
    e = exceedance([1.0, 2.0, 3.0], thresholds=[2.5, -np.inf, 2.5, np.inf])
    assert e["x"].tolist() == [-np.inf, 2.5, np.inf]
    assert e["p_exceed"].tolist() == pytest.approx([1.0, 1 / 3, 0.0])
    with pytest.raises(ValueError, match="NaN"):
        exceedance([1.0], thresholds=[np.nan])
    empty = exceedance([])
    assert empty["x"].tolist() == [0.0]
    assert math.isnan(empty["p_exceed"].iloc[0])


def test_plot_exceedance() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        plot_exceedance(ax, exceedance(np.arange(10.0)), label="casualties")
        plot_exceedance(ax, exceedance([]))
        assert ax.get_lines()[0].get_label() == "casualties"
        assert len(ax.collections) == 2  # the bands
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- properties

_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324]),
    st.integers(-5, 5).map(float),
)
_samples = st.one_of(
    st.lists(_values, max_size=60),
    st.builds(lambda v, n: [v] * n, _values, st.integers(0, 30)),  # constant
    st.integers(0, 10).map(lambda n: [np.nan] * n),  # all NaN
)


@settings(max_examples=200, deadline=None)
@given(_samples, st.floats(0.5, 0.999))
def test_exceedance_properties(values: list[float], level: float) -> None:
    e = exceedance(np.array(values, dtype=np.float64), level=level)
    p, lo, hi = (e[c].to_numpy() for c in ("p_exceed", "lo", "hi"))
    assert (np.diff(e["x"].to_numpy()) > 0).all()
    assert ((lo >= 0) & (hi <= 1) & (lo <= hi)).all()
    finite = np.isfinite(np.array(values, dtype=np.float64)).sum()
    if finite == 0:
        assert np.isnan(p).all()
        return
    assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(p) <= 0).all()
    assert ((lo <= p) & (p <= hi)).all()


@settings(max_examples=200, deadline=None)
@given(_samples, st.sampled_from([0.0, 0.05, 0.5, 0.95, 0.99, 1.0]))
def test_quantile_properties(values: list[float], q: float) -> None:
    a = np.array(values, dtype=np.float64)
    finite = a[np.isfinite(a)]
    est, lo, hi = quantile_interval(a, q)
    if finite.size == 0:
        assert math.isnan(est)
        return
    assert finite.min() <= est <= finite.max()
    for bound in (lo, hi):
        assert math.isnan(bound) or bound in finite  # an order statistic
    assert math.isnan(lo) or math.isnan(hi) or lo <= hi
    if q == 0.5:  # the median's interval holds the sample median
        assert math.isnan(lo) or lo <= est
        assert math.isnan(hi) or est <= hi
    t = quantile_table(pd.DataFrame({"casualties": a}))
    row = t.iloc[0]
    assert row["n"] == finite.size
    qs = row[["min", "q05", "q25", "q50", "q75", "q95", "q99", "max"]].to_numpy(float)
    assert (np.diff(qs) >= 0).all()


@settings(max_examples=200, deadline=None)
@given(_samples, st.one_of(st.just("auto"), st.integers(1, 50)))
def test_histogram_properties(values: list[float], bins: int | str) -> None:
    a = np.array(values, dtype=np.float64)
    h = histogram(a, bins=bins)
    assert h["count"].sum() == np.isfinite(a).sum()
    assert (h["right"] >= h["left"]).all()
    assert (h["count"] >= 0).all()
