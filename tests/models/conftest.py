"""Shared statistics for the Monte Carlo checks of the model closed forms.

Every Monte Carlo test here samples the *physical process* (noise and target echoes,
bullets, impact points, occupants), never Bernoulli draws from the formula under test,
and compares the observed rate with the closed form through :func:`wilson_interval`.
A check has two sides:

- the closed-form value must lie inside the 99 % Wilson score interval of the estimate;
- a negative control: the same interval must *exclude* 1.1 × the closed-form value, so a
  10 % modelling error would have been caught (this needs the interval to be tight,
  which :func:`trials_for_half_width` sizes from the normal approximation).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from scipy import stats

Z99 = float(stats.norm.ppf(0.995))
"""Two-sided 99 % standard normal quantile, 2.5758."""

NEGATIVE_CONTROL_FACTOR = 1.1
"""The closed form times this must fall outside the interval."""


def trials_for_half_width(half_width: float, p: float = 0.5, z: float = Z99) -> int:
    """Trials that give a binomial interval of ``half_width`` at rate ``p``.

    ``n = z² p (1 − p) / h²``; the defaults (h = 0.01, p = 0.5, 99 %) give 16 588.
    """
    return math.ceil(z * z * p * (1.0 - p) / (half_width * half_width))


def wilson_interval(successes: int, n: int, z: float = Z99) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    p_hat = successes / n
    denom = 1.0 + z * z / n
    centre = (p_hat + z * z / (2.0 * n)) / denom
    half = z * math.sqrt(p_hat * (1.0 - p_hat) / n + z * z / (4.0 * n * n)) / denom
    return centre - half, centre + half


@dataclass(frozen=True)
class BinomialComparison:
    """Outcome of one Monte Carlo vs closed-form comparison."""

    successes: int
    n: int
    estimate: float
    low: float
    high: float
    closed_form: float

    @property
    def half_width(self) -> float:
        """Half the width of the interval."""
        return 0.5 * (self.high - self.low)


BinomialCheck = Callable[..., BinomialComparison]


@pytest.fixture
def binomial_check(request: pytest.FixtureRequest) -> BinomialCheck:
    """Assert a Monte Carlo rate agrees with a closed form, with a negative control.

    Call as ``binomial_check(successes, n, closed_form, max_half_width=0.01)``. The
    comparison is also recorded in the test's ``user_properties`` (``--junitxml``).
    """

    def check(
        successes: int, n: int, closed_form: float, max_half_width: float = 0.01
    ) -> BinomialComparison:
        successes = int(successes)
        low, high = wilson_interval(successes, n)
        result = BinomialComparison(
            successes, n, successes / n, low, high, float(closed_form)
        )
        request.node.user_properties.append(
            ("mc", f"{result.estimate:.5f} vs {result.closed_form:.5f} (n={n})")
        )
        assert result.half_width <= max_half_width, (
            f"interval half-width {result.half_width:.4f} > {max_half_width}; "
            f"use n >= {trials_for_half_width(max_half_width)} trials"
        )
        assert low <= closed_form <= high, (
            f"Monte Carlo {result.estimate:.5f} (99% CI [{low:.5f}, {high:.5f}], "
            f"n={n}) disagrees with the closed form {closed_form:.5f}"
        )
        control = NEGATIVE_CONTROL_FACTOR * closed_form
        assert not low <= control <= high, (
            f"negative control: {NEGATIVE_CONTROL_FACTOR} x closed form = "
            f"{control:.5f} lies inside the 99% CI [{low:.5f}, {high:.5f}]; "
            "the test has no power"
        )
        return result

    return check


@pytest.fixture
def n_trials() -> Callable[..., int]:
    """Trials for a 99 % binomial half-width: ``n_trials(half_width=0.01, p=0.5)``."""
    return trials_for_half_width
