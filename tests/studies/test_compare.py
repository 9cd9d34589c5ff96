"""Paired comparisons: the statistics by hand, and what common random numbers buy."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal
from scipy import stats

import skyscreen
from skyscreen.errors import ScenarioError, SkyscreenError
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import (
    compare,
    load_comparison,
    load_sweep,
    paired_differences,
    sweep,
    with_values,
)
from skyscreen.studies.sweep import HEADLINE_METRICS

WriteScenario = Callable[[ScenarioSpec, Path], Path]

COLUMNS = [
    "metric",
    "n",
    "mean_a",
    "mean_b",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "significant",
    "significant_holm",
    "variance_ratio",
]


def _standard(rng: np.random.Generator, n: int) -> np.ndarray:
    """N numbers with mean exactly 0 and sample standard deviation exactly 1."""
    z = rng.normal(size=n)
    z = z - z.mean()
    return z / z.std(ddof=1)


def _with_p(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Paired differences whose two-sided t-test gives p-value ``p`` exactly."""
    t = stats.t.isf(p / 2.0, n - 1)
    return t / math.sqrt(n) + _standard(rng, n)  # mean t/sqrt(n), sd 1


# --------------------------------------------------------------------------- by hand


def test_paired_differences_by_hand() -> None:
    rng = np.random.default_rng(42)
    n = 15
    ids = np.arange(100, 100 + n)
    x = rng.normal(10.0, 3.0, size=(n, 3))
    # p-values 0.01, 0.03, 0.04: each < 0.05 alone, but Holm rejects only the first
    # (0.03 > 0.05 / 2), so the two flags differ on two metrics.
    d = np.column_stack([_with_p(rng, n, p) for p in (0.03, 0.01, 0.04)])
    names = ["n_leaked", "value_damaged_usd", "casualties"]
    a = pd.DataFrame({"replication": ids, **dict(zip(names, x.T, strict=True))})
    b = pd.DataFrame({"replication": ids, **dict(zip(names, (x + d).T, strict=True))})
    t = paired_differences(a, b, names)
    assert list(t.columns) == COLUMNS
    assert t["metric"].tolist() == names
    for i, name in enumerate(names):
        r = t.iloc[i]
        xa, xb = a[name].to_numpy(), b[name].to_numpy()
        di = xb - xa
        half = stats.t.ppf(0.975, n - 1) * di.std(ddof=1) / math.sqrt(n)
        assert r["n"] == n
        assert r["mean_a"] == pytest.approx(xa.mean(), rel=1e-12)
        assert r["mean_b"] == pytest.approx(xb.mean(), rel=1e-12)
        assert r["diff"] == pytest.approx(di.mean(), rel=1e-12)
        assert r["ci_low"] == pytest.approx(di.mean() - half, rel=1e-12)
        assert r["ci_high"] == pytest.approx(di.mean() + half, rel=1e-12)
        assert r["p_value"] == pytest.approx(stats.ttest_rel(xb, xa).pvalue, rel=1e-9)
        ratio = (xa.var(ddof=1) + xb.var(ddof=1)) / di.var(ddof=1)
        assert r["variance_ratio"] == pytest.approx(ratio, rel=1e-12)
    assert t["p_value"].to_numpy() == pytest.approx([0.03, 0.01, 0.04], rel=1e-9)
    assert t["significant"].tolist() == [True, True, True]
    assert t["significant_holm"].tolist() == [False, True, False]
    # At level 0.995 none is significant (every p >= 0.01), with or without Holm.
    strict = paired_differences(a, b, names, level=0.995)
    assert strict["significant"].tolist() == [False, False, False]
    assert strict["significant_holm"].tolist() == [False, False, False]
    # At level 0.9 Holm's thresholds are 0.1/3, 0.1/2, 0.1: all three rejected.
    assert paired_differences(a, b, names, level=0.9)["significant_holm"].all()


def test_holm_steps_down_through_every_rejection() -> None:
    rng = np.random.default_rng(1)
    n = 20
    ps = [0.004, 0.02, 0.012, 0.3]  # Holm at 0.05: 0.004 < .0125, 0.012 < .0167,
    # 0.02 < 0.025, then 0.3 > 0.05: the first three rejected, in any column order.
    names = ["n_leaked", "n_killed", "casualties", "rounds_fired"]
    d = {m: _with_p(rng, n, p) for m, p in zip(names, ps, strict=True)}
    a = pd.DataFrame({"replication": range(n), **{m: np.zeros(n) for m in names}})
    b = pd.DataFrame({"replication": range(n), **d})
    t = paired_differences(a, b, names)
    assert t["significant_holm"].tolist() == [True, True, True, False]
    # 0.004 and then 0.04 > 0.05 / 2: Holm stops after the first.
    d2 = {
        m: _with_p(rng, n, p)
        for m, p in zip(names, [0.04, 0.004, 0.045, 0.046], strict=True)
    }
    t2 = paired_differences(a, pd.DataFrame({"replication": range(n), **d2}), names)
    assert t2["significant"].tolist() == [True] * 4
    assert t2["significant_holm"].tolist() == [False, True, False, False]


def test_rows_are_paired_by_replication_id_not_position() -> None:
    rng = np.random.default_rng(3)
    a = pd.DataFrame({"replication": [0, 1, 2, 3, 4], "n_leaked": rng.normal(size=5)})
    b = a.assign(n_leaked=a["n_leaked"] + rng.normal(1.0, 0.1, size=5))
    shuffled = b.iloc[[3, 0, 4, 2, 1]].reset_index(drop=True)
    assert_frame_equal(
        paired_differences(a, shuffled, ["n_leaked"]),
        paired_differences(a, b, ["n_leaked"]),
    )


@pytest.mark.parametrize(
    "b_ids", [[0, 1, 2, 3, 5], [0, 1, 2, 3], [0, 1, 2, 3, 4, 5]], ids=str
)
def test_replication_ids_must_match(b_ids: list[int]) -> None:
    a = pd.DataFrame({"replication": [0, 1, 2, 3, 4], "n_leaked": [1, 2, 3, 4, 5]})
    b = pd.DataFrame({"replication": b_ids, "n_leaked": range(len(b_ids))})
    with pytest.raises(SkyscreenError, match="same replication ids"):
        paired_differences(a, b, ["n_leaked"])


def test_duplicate_replication_ids_are_refused_as_mismatched() -> None:
    a = pd.DataFrame({"replication": [0, 0, 1], "n_leaked": [1, 2, 3]})
    b = pd.DataFrame({"replication": [0, 1, 2], "n_leaked": [1, 2, 3]})
    with pytest.raises(SkyscreenError, match="same replication ids"):
        paired_differences(a, b, ["n_leaked"])


def test_nan_leaves_a_replication_out_of_that_metric_only() -> None:
    a = pd.DataFrame(
        {
            "replication": range(6),
            "n_leaked": [1.0, 2, 3, 4, 5, 6],
            "detect_to_shot_s": [10.0, np.nan, 12, 13, 14, np.nan],
        }
    )
    b = pd.DataFrame(
        {
            "replication": range(6),
            "n_leaked": [2.0, 2, 5, 4, 7, 7],
            "detect_to_shot_s": [11.0, 9, np.nan, 15, 15, np.nan],
        }
    )
    t = paired_differences(a, b, ["n_leaked", "detect_to_shot_s"]).set_index("metric")
    assert t.loc["n_leaked", "n"] == 6
    assert t.loc["n_leaked", "diff"] == pytest.approx(1.0)
    # kept: replications 0, 3, 4 (NaN in A at 1 and 5, in B at 2 and 5)
    assert t.loc["detect_to_shot_s", "n"] == 3
    assert t.loc["detect_to_shot_s", "mean_a"] == pytest.approx(37 / 3)
    assert t.loc["detect_to_shot_s", "mean_b"] == pytest.approx(41 / 3)
    d = np.array([1.0, 2, 1])
    assert t.loc["detect_to_shot_s", "diff"] == pytest.approx(d.mean())
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / math.sqrt(3)
    assert t.loc["detect_to_shot_s", "ci_high"] == pytest.approx(d.mean() + half)


def test_degenerate_differences() -> None:
    a = pd.DataFrame(
        {
            "replication": range(4),
            "n_leaked": [1.0, 2, 3, 4],  # B the same: every difference 0
            "n_killed": [1.0, 2, 3, 4],  # B shifted by 1 exactly
            "casualties": [2.0, 2, 2, 2],  # no spread at all
            "detect_to_shot_s": [np.nan, 1.0, np.nan, np.nan],  # one pair left
            "detect_to_identify_s": [np.nan] * 4,  # none left
        }
    )
    b = a.assign(n_killed=a["n_killed"] + 1)
    t = paired_differences(a, b, list(a.columns[1:])).set_index("metric")
    assert t.loc["n_leaked", "p_value"] == 1.0
    assert t.loc["n_leaked", "variance_ratio"] == np.inf
    assert not t.loc["n_leaked", "significant"]
    assert t.loc["n_killed", "p_value"] == 0.0
    assert t.loc["n_killed", "significant_holm"]
    assert (t.loc["n_killed", "ci_low"], t.loc["n_killed", "ci_high"]) == (1.0, 1.0)
    assert math.isnan(t.loc["casualties", "variance_ratio"])
    assert t.loc["detect_to_shot_s", "n"] == 1
    assert math.isnan(t.loc["detect_to_shot_s", "ci_low"])
    assert math.isnan(t.loc["detect_to_shot_s", "p_value"])
    assert not t.loc["detect_to_shot_s", "significant_holm"]
    assert t.loc["detect_to_identify_s", "n"] == 0
    assert math.isnan(t.loc["detect_to_identify_s", "diff"])


# --------------------------------------------------------------------------- compare


def test_compare_equals_both_plain_runs_differenced(quickstart: ScenarioSpec) -> None:
    change = {"sites.0.effectors.gun-1.dispersion_mrad": 2.0}
    kw = {"replications": 8, "seed": 21, "workers": 1, "progress": False}
    comp = compare(quickstart, vary=[f"{k}={v}" for k, v in change.items()], **kw)
    sa = skyscreen.simulate(quickstart, **kw).summary
    sb = skyscreen.simulate(with_values(quickstart, change), **kw).summary
    assert_frame_equal(comp.a, sa, check_dtype=True)
    assert_frame_equal(comp.b, sb, check_dtype=True)
    assert_frame_equal(comp.table, paired_differences(sa, sb))
    assert comp.names == ("quickstart", "sites.0.effectors.gun-1.dispersion_mrad=2.0")
    assert comp.sweep.meta["design"] == "compare"
    assert not sa["rounds_fired"].equals(sb["rounds_fired"])  # B really differs
    sig = comp.significant()
    assert sig["significant_holm"].all()
    assert len(sig) == int(comp.table["significant_holm"].sum())


@pytest.mark.parametrize(
    ("change", "bound"),
    [
        # measured (seeds 1-4, 150 replications): 3.5-4.5 for rounds_fired; 4.53 here
        ({"sites.0.effectors.gun-1.dispersion_mrad": 2.0}, 2.0),
        # measured (seeds 1-4, 150 replications): 8.0-9.5 for rounds_fired; 9.54 here
        ({"raids.0.count": 5}, 4.0),
    ],
    ids=["gun-dispersion", "raid-count"],
)
def test_common_random_numbers_shrink_the_variance_of_the_difference(
    quickstart: ScenarioSpec, change: dict[str, float], bound: float
) -> None:
    """The paired difference (same seed) varies far less than with an independent B.

    ``rounds_fired`` on the quickstart; the change's effect is itself clear (its
    interval far from 0), so the test is not of a change that does nothing.
    """
    n = 150
    kw = {"replications": n, "workers": 1, "progress": False}
    comp = compare(
        quickstart, vary=[f"{k}={v}" for k, v in change.items()], seed=1, **kw
    )
    b_spec = with_values(quickstart, change)
    b_independent = skyscreen.simulate(b_spec, seed=1001, **kw).summary
    a, b = comp.a["rounds_fired"], comp.b["rounds_fired"]
    paired = (b - a).var(ddof=1)
    independent = (b_independent["rounds_fired"] - a).var(ddof=1)
    ratio = independent / paired
    assert ratio > bound, ratio
    row = comp.table.set_index("metric").loc["rounds_fired"]
    assert row["significant_holm"]
    assert abs(row["diff"]) > 4 * math.sqrt(paired / n)  # a clear effect
    # variance_ratio estimates the same saving from the paired runs alone
    want = (a.var(ddof=1) + b.var(ddof=1)) / paired
    assert row["variance_ratio"] == pytest.approx(want, rel=1e-12)
    assert row["variance_ratio"] > bound
    # Independent runs of B are B's runs on another seed, not the same draws.
    assert not b_independent["rounds_fired"].equals(b.reset_index(drop=True))


def test_compare_with_b_as_a_file(
    quickstart: ScenarioSpec, write_scenario: WriteScenario, tmp_path: Path
) -> None:
    change = "sites.0.effectors.gun-1.dispersion_mrad=2.0"
    b_spec = with_values(quickstart, {change.split("=")[0]: 2.0})
    a_file = write_scenario(quickstart, tmp_path / "a.yaml")
    b_file = write_scenario(b_spec, tmp_path / "b.yaml")
    kw = {"replications": 6, "seed": 5, "workers": 1, "progress": False}
    by_file = compare(a_file, b_file, **kw)
    by_vary = compare(quickstart, vary=[change], **kw)
    assert by_file.names == ("A (quickstart)", "B (quickstart)")
    assert_frame_equal(by_file.table, by_vary.table)
    assert_frame_equal(by_file.b, by_vary.b)


def test_compare_refusals(quickstart: ScenarioSpec) -> None:
    kw = {"replications": 2, "workers": 1, "progress": False}
    with pytest.raises(SkyscreenError, match="not both"):
        compare(quickstart, quickstart, vary=["raids.0.count=5"], **kw)
    with pytest.raises(SkyscreenError, match="not both"):
        compare(quickstart, **kw)
    with pytest.raises(
        SkyscreenError, match=r"one value per field.*use skyscreen sweep"
    ):
        compare(quickstart, vary=["raids.0.count=5,6"], **kw)
    with pytest.raises(ScenarioError, match="no field 'cnt'"):
        compare(quickstart, vary=["raids.0.cnt=5"], **kw)
    with pytest.raises(ScenarioError, match=r"raids\[0\].count must be >= 1"):
        compare(quickstart, vary=["raids.0.count=0"], **kw)


def test_a_comparison_directory_reads_back(short: ScenarioSpec, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    comp = compare(
        short,
        vary=["raids.0.count=6"],
        replications=3,
        seed=2,
        workers=1,
        progress=False,
        out=out,
    )
    assert comp.path == out
    files = {p.name for p in out.iterdir()}
    assert {"sweep.json", "sweep.parquet", "points.parquet"} <= files
    assert {"comparison.csv", "comparison.png"} <= files
    csv = pd.read_csv(out / "comparison.csv")
    assert csv["metric"].tolist() == comp.table["metric"].tolist()
    assert_series_equal(csv["diff"], comp.table["diff"], check_names=False)
    # Every column the CSV holds reads back as the table's (CSV keeps 17 digits).
    assert list(csv.columns) == list(comp.table.columns)
    assert_frame_equal(
        csv, comp.table, check_dtype=False, check_exact=False, rtol=1e-15
    )
    back = load_comparison(out)
    assert_frame_equal(back.table, comp.table)
    assert_frame_equal(back.a, comp.a)
    assert back.names == comp.names == ("quickstart", "raids.0.count=6")
    row = back.table.set_index("metric").loc["n_launched"]
    assert (row["mean_a"], row["mean_b"], row["diff"]) == (4.0, 6.0, 2.0)
    fig = back.plot(HEADLINE_METRICS)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == len(HEADLINE_METRICS)
    # A plain sweep is not a comparison.
    sweep(
        short,
        ["raids.0.count=2"],
        replications=1,
        seed=1,
        workers=1,
        progress=False,
        out=tmp_path / "sw",
        figures=False,
    )
    load_sweep(tmp_path / "sw")
    with pytest.raises(SkyscreenError, match="a sweep, not a comparison"):
        load_comparison(tmp_path / "sw")
