"""Sweeps: every point is exactly the plain run of its scenario (common random numbers).

A sweep point's rows must be bit-identical to ``skyscreen.simulate`` of the scenario
with the point's values set, with the same seed and replications, whatever the workers
and chunks; the points table, the files and the figures follow from those rows.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from scipy import stats

import skyscreen
from skyscreen.errors import ResultSchemaError, ScenarioError, SkyscreenError
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.schema import SUMMARY_METRICS
from skyscreen.studies import (
    SweepResult,
    VaryError,
    load_sweep,
    make_points,
    sweep,
    with_values,
)
from skyscreen.studies.sweep import HEADLINE_METRICS

SEED = 11
REPS = 6
GRID = ["sites.0.effectors.gun-1.dispersion_mrad=1,2.5", "raids.0.count=3,5"]


@pytest.fixture(scope="module")
def grid(
    quickstart: ScenarioSpec, tmp_path_factory: pytest.TempPathFactory
) -> SweepResult:
    """A 2 x 2 grid on the full quickstart, written to a sweep directory."""
    out = tmp_path_factory.mktemp("sweeps") / "grid"
    return sweep(
        quickstart,
        GRID,
        replications=REPS,
        seed=SEED,
        workers=1,
        progress=False,
        out=out,
    )


def _point_rows(res: SweepResult, point: int) -> pd.DataFrame:
    rows = res.rows[res.rows["point"] == point]
    return rows.drop(columns="point").reset_index(drop=True)


# --------------------------------------------------------------------------- identity


def test_each_point_is_the_plain_run_of_its_scenario(
    grid: SweepResult, quickstart: ScenarioSpec
) -> None:
    assert list(grid.rows.columns) == ["point", "replication", *SUMMARY_METRICS]
    assert len(grid.rows) == 4 * REPS
    for point, values in enumerate(grid.meta["points"]):
        plain = skyscreen.simulate(
            with_values(quickstart, values),
            replications=REPS,
            seed=SEED,
            workers=1,
            progress=False,
        ).summary
        assert_frame_equal(_point_rows(grid, point), plain, check_dtype=True)
    # The points really differ (the check above would pass for a constant table).
    launched = grid.rows.groupby("point")["n_launched"].first().tolist()
    assert launched == [3, 5, 3, 5]
    fired = grid.rows.groupby("point")["rounds_fired"].sum()
    assert fired.nunique() == 4


def test_grid_order_is_the_product_first_path_slowest(grid: SweepResult) -> None:
    want = list(itertools.product([1, 2.5], [3, 5]))
    got = [
        (p["sites.0.effectors.gun-1.dispersion_mrad"], p["raids.0.count"])
        for p in grid.meta["points"]
    ]
    assert got == want
    assert grid.paths == [
        "sites.0.effectors.gun-1.dispersion_mrad",
        "raids.0.count",
    ]
    pts = grid.points
    assert pts["point"].tolist() == [0, 1, 2, 3]
    assert pts["sites.0.effectors.gun-1.dispersion_mrad"].tolist() == [1, 1, 2.5, 2.5]
    assert pts["raids.0.count"].tolist() == [3, 5, 3, 5]
    assert pts["raids.0.count"].dtype == np.int64
    assert pts["sites.0.effectors.gun-1.dispersion_mrad"].dtype == np.float64
    assert make_points(GRID) == [
        {GRID[0].split("=")[0]: d, GRID[1].split("=")[0]: c} for d, c in want
    ]


def test_rows_do_not_depend_on_workers_or_chunk_size(
    grid: SweepResult, quickstart: ScenarioSpec
) -> None:
    other = sweep(
        quickstart,
        GRID,
        replications=REPS,
        seed=SEED,
        workers=2,
        chunk_size=3,  # two chunks per point, spread over two processes
        progress=False,
    )
    assert other.meta["chunk_size"] == 3
    assert other.meta["workers"] == 2
    assert (grid.meta["chunk_size"], grid.meta["workers"]) == (REPS, 1)
    assert_frame_equal(other.rows, grid.rows, check_dtype=True)
    assert_frame_equal(other.points, grid.points, check_dtype=True)


def test_another_seed_gives_other_rows(quickstart: ScenarioSpec) -> None:
    kw = {"replications": 4, "workers": 1, "progress": False}
    a = sweep(quickstart, ["raids.0.count=3"], seed=1, **kw)
    b = sweep(quickstart, ["raids.0.count=3"], seed=2, **kw)
    c = sweep(quickstart, ["raids.0.count=3"], seed=1, **kw)
    assert_frame_equal(a.rows, c.rows)
    assert not a.rows["rounds_fired"].equals(b.rows["rounds_fired"])


def test_explicit_points_equal_the_same_grid(short: ScenarioSpec) -> None:
    kw = {"replications": 2, "seed": 3, "workers": 1, "progress": False}
    by_vary = sweep(short, ["raids.0.count=2,4"], **kw)
    by_points = sweep(short, points=[{"raids.0.count": 2}, {"raids.0.count": 4}], **kw)
    assert_frame_equal(by_vary.rows, by_points.rows)
    assert by_points.meta["design"] == "points"


# --------------------------------------------------------------------------- points


def test_points_table_is_the_groupby_of_the_rows(grid: SweepResult) -> None:
    pts = grid.points.set_index("point")
    for m in SUMMARY_METRICS:
        x = grid.rows[m].astype(float).where(np.isfinite(grid.rows[m].astype(float)))
        mean = x.groupby(grid.rows["point"]).mean()
        n = x.groupby(grid.rows["point"]).count()
        assert pts[f"{m}_n"].tolist() == n.tolist(), m
        np.testing.assert_allclose(
            pts[f"{m}_mean"], mean, rtol=1e-12, equal_nan=True, err_msg=m
        )
    # A Student-t 95% interval, checked by hand on one metric that varies.
    for point, g in grid.rows.groupby("point"):
        x = g["rounds_fired"].to_numpy(float)
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        assert pts.loc[point, "rounds_fired_lo"] == pytest.approx(x.mean() - half)
        assert pts.loc[point, "rounds_fired_hi"] == pytest.approx(x.mean() + half)
    m = grid.metric("rounds_fired")
    assert list(m.columns[:3]) == ["point", *grid.paths]
    assert m["rounds_fired_mean"].tolist() == pts["rounds_fired_mean"].tolist()


# --------------------------------------------------------------------------- LHS

LHS = [
    "doctrine.min_shot_pk=0.05:0.45",
    "sites.0.effectors.gun-1.dispersion_mrad=0.5:3",
    "doctrine.wta_method=greedy,exact,auction",
]


def test_lhs_points_are_in_range_reproducible_and_stratified() -> None:
    n = 12
    pts = make_points(LHS, "lhs", n, seed=5)
    assert len(pts) == n
    assert make_points(LHS, "lhs", n, seed=5) == pts
    other = make_points(LHS, "lhs", n, seed=6)
    assert other != pts
    for text in LHS[:2]:
        path, _, spec = text.partition("=")
        lo, hi = (float(s) for s in spec.split(":"))
        x = np.array([p[path] for p in pts])
        assert np.all((x >= lo) & (x < hi)), path
        # one point in each of the n equal bins of the range: a Latin hypercube
        bins = np.floor((x - lo) / (hi - lo) * n).astype(int)
        assert sorted(bins.tolist()) == list(range(n)), path
    # a listed field: stratified too, so each value an equal share exactly
    methods = [p["doctrine.wta_method"] for p in pts]
    assert {m: methods.count(m) for m in set(methods)} == {
        "greedy": 4,
        "exact": 4,
        "auction": 4,
    }


def test_lhs_integer_fields_run_rounded(short: ScenarioSpec) -> None:
    res = sweep(
        short,
        ["raids.0.count=2:8", "doctrine.min_shot_pk=0:0.5"],
        design="lhs",
        n_points=6,
        replications=2,
        seed=4,
        workers=1,
        progress=False,
    )
    assert len(res.points) == 6
    assert res.meta["design"] == "lhs"
    from skyscreen.studies import make_points

    drawn = [
        p["raids.0.count"]
        for p in make_points(
            ["raids.0.count=2:8", "doctrine.min_shot_pk=0:0.5"], "lhs", 6, 4
        )
    ]
    assert any(not float(x).is_integer() for x in drawn)  # the draw is continuous
    recorded = [p["raids.0.count"] for p in res.meta["points"]]
    assert recorded == [round(x) for x in drawn]  # recorded as it ran
    assert all(type(x) is int for x in recorded)
    ran = res.points["n_launched_mean"].tolist()
    assert ran == [float(round(x)) for x in drawn]  # the scenario ran rounded
    assert res.rows["n_launched"].tolist() == [round(x) for x in drawn for _ in "ab"]


def test_lhs_points_table_records_the_values_that_ran(short: ScenarioSpec) -> None:
    res = sweep(
        short,
        ["raids.0.count=2:8"],
        design="lhs",
        n_points=4,
        replications=1,
        seed=4,
        workers=1,
        progress=False,
    )
    assert res.points["raids.0.count"].dtype == np.int64
    assert res.points["raids.0.count"].tolist() == [
        int(x) for x in res.points["n_launched_mean"]
    ]


@pytest.mark.parametrize(
    ("varies", "design", "points", "message"),
    [
        (["raids.0.count=2:8"], "grid", None, "gives a range lo:hi"),
        (["raids.0.count=2,4"], "grid", 3, "--points is for --design lhs"),
        (["raids.0.count=2:8"], "lhs", None, "--design lhs needs --points"),
        (["raids.0.count=2:8"], "lhs", 0, "--design lhs needs --points"),
        (["raids.0.count=2:8"], "sobol", 3, "design must be one of"),
        ([], "grid", None, "at least one --vary"),
        (["x=1:101:1", "y=1:100:1"], "grid", None, "the grid has 10,100 points"),
    ],
)
def test_bad_designs(
    varies: list[str], design: str, points: int | None, message: str
) -> None:
    with pytest.raises(VaryError, match=message):
        make_points(varies, design, points)


def test_sweep_refusals(short: ScenarioSpec, tmp_path: Path) -> None:
    kw = {"replications": 1, "workers": 1, "progress": False}
    with pytest.raises(SkyscreenError, match="not both"):
        sweep(short, ["raids.0.count=2"], points=[{"raids.0.count": 2}], **kw)
    with pytest.raises(SkyscreenError, match="not both"):
        sweep(short, **kw)
    with pytest.raises(ScenarioError, match="no field 'cnt'"):
        sweep(short, ["raids.0.cnt=2,3"], out=tmp_path / "s", **kw)
    assert not (tmp_path / "s").exists()  # refused before anything was written
    with pytest.raises(ScenarioError, match="must be >= 1; got 0"):
        sweep(short, ["raids.0.count=0,1"], **kw)
    with pytest.raises(SkyscreenError, match="same paths, in the same order"):
        sweep(short, points=[{"raids.0.count": 2}, {"run.seed": 3}], **kw)
    with pytest.raises(SkyscreenError, match="seed must be"):
        sweep(short, ["raids.0.count=2"], seed=-1, **kw)


# --------------------------------------------------------------------------- files


def test_a_sweep_directory_holds_tables_figures_and_metadata(grid: SweepResult) -> None:
    assert grid.path is not None
    files = {p.name for p in grid.path.iterdir()}
    figures = {f"{m}.png" for m in HEADLINE_METRICS} | {
        f"{m}-heatmap.png" for m in HEADLINE_METRICS
    }
    assert {"sweep.json", "sweep.parquet", "points.parquet"} | figures <= files
    for name in figures:
        assert (grid.path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((grid.path / "sweep.json").read_text())
    assert sorted(meta["figures"]) == sorted(figures)
    assert meta["seed"] == SEED
    assert meta["replications"] == REPS
    assert meta["files"]["sweep.parquet"]["rows"] == 4 * REPS
    assert meta["files"]["points.parquet"]["rows"] == 4
    assert meta["design"] == "grid"
    assert meta["paths"] == grid.paths
    assert len(set(meta["point_hashes"])) == 4


def test_load_sweep_reads_back_equal_frames(grid: SweepResult) -> None:
    assert grid.path is not None
    back = load_sweep(grid.path)
    assert_frame_equal(back.rows, grid.rows, check_dtype=True)
    assert_frame_equal(back.points, grid.points, check_dtype=True)
    assert back.scenario == grid.scenario
    assert back.paths == grid.paths
    assert back.meta["points"] == grid.meta["points"]


def test_one_axis_sweep_has_no_heat_maps(short: ScenarioSpec, tmp_path: Path) -> None:
    res = sweep(
        short,
        ["raids.0.count=2,3"],
        replications=1,
        seed=1,
        workers=1,
        progress=False,
        out=tmp_path / "one",
    )
    files = {p.name for p in (tmp_path / "one").iterdir()}
    assert {f"{m}.png" for m in HEADLINE_METRICS} <= files
    assert not any("heatmap" in f for f in files)
    with pytest.raises(SkyscreenError, match="two varied fields"):
        res.heatmap("n_leaked")


def test_load_sweep_refuses_a_changed_table(grid: SweepResult, tmp_path: Path) -> None:
    assert grid.path is not None
    copy = tmp_path / "copy"
    shutil.copytree(grid.path, copy)
    load_sweep(copy)  # an exact copy loads
    f = copy / "sweep.parquet"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x01
    f.write_bytes(bytes(data))
    with pytest.raises(ResultSchemaError, match="checksum differs"):
        load_sweep(copy)
    (copy / "points.parquet").unlink()
    shutil.copy(grid.path / "sweep.parquet", f)
    with pytest.raises(ResultSchemaError, match=r"points\.parquet"):
        load_sweep(copy)
    with pytest.raises(ResultSchemaError, match="not a sweep directory"):
        load_sweep(tmp_path / "nothing-here")


# --------------------------------------------------------------------------- figures


def _lines(ax: plt.Axes) -> dict[str, list[float]]:
    return {
        str(line.get_label()): [float(y) for y in line.get_ydata()]
        for line in ax.get_lines()
    }


def test_plot_draws_the_point_means_and_follows_the_data(grid: SweepResult) -> None:
    x = "raids.0.count"
    ax = grid.plot("rounds_fired", x=x)
    try:
        lines = _lines(ax)
        assert ax.get_xlabel() == x
        pts = grid.points
        disp = "sites.0.effectors.gun-1.dispersion_mrad"
        want = {
            f"{disp}={d}": pts[pts[disp] == d]
            .sort_values(x)["rounds_fired_mean"]
            .tolist()
            for d in (1.0, 2.5)
        }
        assert lines == want
        for line in ax.get_lines():
            assert [float(v) for v in line.get_xdata()] == [3.0, 5.0]
    finally:
        plt.close(ax.figure)
    # Other data, another figure: the plot is drawn from the rows.
    shifted = dataclasses.replace(grid, rows=grid.rows.copy())
    shifted.rows["rounds_fired"] = shifted.rows["rounds_fired"] + 100
    ax2 = shifted.plot("rounds_fired", x=x)
    try:
        moved = _lines(ax2)
        assert moved.keys() == lines.keys()
        for k in lines:
            assert moved[k] == pytest.approx([y + 100 for y in lines[k]])
    finally:
        plt.close(ax2.figure)


def test_heatmap_shows_the_point_means(grid: SweepResult) -> None:
    x, y = "raids.0.count", "sites.0.effectors.gun-1.dispersion_mrad"
    ax = grid.heatmap("rounds_fired", x=x, y=y)
    try:
        shown = np.asarray(ax.get_images()[0].get_array())
        pts = grid.points
        want = pts.pivot_table(index=y, columns=x, values="rounds_fired_mean")
        np.testing.assert_array_equal(shown, want.to_numpy())
        assert (ax.get_xlabel(), ax.get_ylabel()) == (x, y)
    finally:
        plt.close(ax.figure)


def test_plot_refuses_what_was_not_varied(grid: SweepResult) -> None:
    with pytest.raises(SkyscreenError, match="x must be a varied field"):
        grid.plot("n_leaked", x="doctrine.min_shot_pk")
    with pytest.raises(SkyscreenError, match="summary metric"):
        grid.plot("n_leeked")
