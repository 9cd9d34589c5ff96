"""The cost exchange: spend per stop, exchange ratio, value protected (paired)."""

from __future__ import annotations

import numpy as np
import pytest

import skyscreen
from skyscreen.analysis import ratio_interval
from skyscreen.scenario import example_path, parse_scenario


def test_ratio_interval_covers_the_true_ratio() -> None:
    """Over many samples the delta-method interval covers the ratio ~95% of the time.

    y ~ Poisson(20) + 1 stops, x = 150 000·y + noise: the ratio of expectations is
    150 000 + E[noise]/E[y] = 150 000.
    """
    rng = np.random.default_rng(5)
    hits, trials = 0, 2000
    for _ in range(trials):
        y = rng.poisson(20, 200) + 1.0
        x = 150_000.0 * y + rng.normal(0.0, 300_000.0, 200)
        _, lo, hi = ratio_interval(x, y)
        hits += lo <= 150_000.0 <= hi
    # 95% nominal: 2000 trials give a binomial 99.9% band of about ±1.6%.
    assert 0.934 <= hits / trials <= 0.966


def test_ratio_interval_edges() -> None:
    """No data or a zero denominator: NaN; one replication: no interval."""
    assert all(np.isnan(ratio_interval([], [])))
    assert all(np.isnan(ratio_interval([1.0, 2.0], [0.0, 0.0])))
    r, lo, hi = ratio_interval([3.0], [2.0])
    assert r == 1.5
    assert np.isnan(lo)
    assert np.isnan(hi)


@pytest.fixture(scope="module")
def protected() -> skyscreen.RunResult:
    return skyscreen.simulate(
        example_path("two-sites"),
        replications=40,
        seed=8,
        workers=1,
        progress=False,
        value_protected=True,
    )


def test_cost_columns_are_their_definitions(protected: skyscreen.RunResult) -> None:
    """drones_cost, cost per stop and the exchange ratio, per replication."""
    s, d = protected.summary, protected.drones
    spec = protected.scenario
    cost = [r.drone.cost_usd for r in spec.raids for _ in range(r.count)]
    per_drone = np.tile(cost, len(s))
    launched = d["state"].astype(str) != "pending"
    want = (
        (per_drone * launched)
        .groupby(d["replication"].to_numpy())
        .sum()
        .to_numpy(dtype=float)
    )
    np.testing.assert_allclose(s["drones_cost_usd"], want)
    stopped = s["n_killed"] + s["n_defeated"]
    np.testing.assert_allclose(
        s["cost_per_stop_usd"][stopped > 0],
        (s["munitions_cost_usd"] / stopped)[stopped > 0],
    )
    assert s["cost_per_stop_usd"][stopped == 0].isna().all()
    np.testing.assert_allclose(
        s["exchange_ratio"], s["munitions_cost_usd"] / s["drones_cost_usd"]
    )
    st = protected.stats().set_index("metric")
    assert st.loc["exchange ratio (pooled)", "estimate"] == pytest.approx(
        s["munitions_cost_usd"].sum() / s["drones_cost_usd"].sum()
    )
    assert st.loc["exchange ratio (pooled)", "kind"] == "ratio"


def test_value_protected_is_the_paired_undefended_run(
    protected: skyscreen.RunResult,
) -> None:
    """value_protected: the same replications without effectors minus these."""
    data = protected.scenario.model_dump(mode="json", by_alias=True)
    for site in data["sites"]:
        site["effectors"] = []
    bare = parse_scenario(data)
    undefended = skyscreen.simulate(
        bare, replications=40, seed=8, workers=1, progress=False
    ).summary
    s = protected.summary
    np.testing.assert_array_equal(
        s["value_protected_usd"],
        undefended["value_damaged_usd"] - s["value_damaged_usd"],
    )
    np.testing.assert_array_equal(
        s["casualties_prevented"], undefended["casualties"] - s["casualties"]
    )
    # Paired: the same raid without the defence never does less damage here.
    assert (s["value_protected_usd"] >= 0).all()
    assert s["value_protected_usd"].mean() > 0
    assert protected.meta["value_protected"] is True


def test_value_protected_is_nan_unless_asked() -> None:
    res = skyscreen.simulate(
        example_path("quickstart"), replications=3, seed=1, workers=1, progress=False
    )
    assert res.summary["value_protected_usd"].isna().all()
    assert res.summary["casualties_prevented"].isna().all()
    st = res.stats().set_index("metric")
    assert st.loc["value_protected_usd", "n"] == 0
