"""Confidence intervals: Student-t for means, Wilson for proportions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from skyscreen.analysis import mean_interval, wilson_interval


def test_wilson_matches_the_closed_form() -> None:
    """Wilson's interval for 7/20 at 95% matches the textbook formula."""
    k, n, z = 7, 20, stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(centre - half, rel=1e-12)
    assert hi == pytest.approx(centre + half, rel=1e-12)


def test_wilson_stays_in_unit_interval() -> None:
    """At 0 and n successes the interval stays inside [0, 1] and is not degenerate."""
    assert wilson_interval(0, 50)[0] == 0.0
    assert wilson_interval(0, 50)[1] > 0.0
    assert wilson_interval(50, 50)[1] == 1.0
    assert wilson_interval(50, 50)[0] < 1.0


def test_wilson_covers_at_its_nominal_rate() -> None:
    """Over many binomial samples the 95% interval covers p about 95% of the time."""
    rng = np.random.default_rng(0)
    p, n = 0.1, 80
    k = rng.binomial(n, p, 20000)
    lo, hi = wilson_interval(k, np.full_like(k, n))
    cover = np.mean((lo <= p) & (p <= hi))
    assert 0.93 <= cover <= 0.97


def test_mean_interval_is_student_t() -> None:
    """The mean's interval is mean ± t(0.975, n-1) s / sqrt(n)."""
    x = np.array([1.0, 4.0, 2.0, 8.0, 5.0])
    m, lo, hi = mean_interval(x)
    half = stats.t.ppf(0.975, 4) * x.std(ddof=1) / np.sqrt(5)
    assert m == pytest.approx(4.0)
    assert (lo, hi) == pytest.approx((4.0 - half, 4.0 + half))
