"""Sensitivity studies on a toy with a known answer.

On the shortened quickstart every drone is launched, so ``n_launched`` is exactly
``raids.0.count`` (rounded), whatever the seed: the count explains all of its
variance. The second field is the missile launcher's pk with the launcher disabled
(a disabled unit is dropped when the scenario is compiled), so it can explain none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from skyscreen.errors import SkyscreenError
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import load_sensitivity, sensitivity, with_values

COUNT = "raids.0.count"
INERT = "sites.0.effectors.sam-1.pk"
VARY = [f"{COUNT}=2:8", f"{INERT}=0.3:0.9"]


@pytest.fixture(scope="module")
def toy(short: ScenarioSpec) -> ScenarioSpec:
    return with_values(short, {"sites.0.effectors.sam-1.enabled": False})


def _check_the_toy(points: pd.DataFrame) -> None:
    """n_launched is the rounded count at every point: the answer is known."""
    want = [float(round(c)) for c in points[COUNT]]
    assert points["n_launched_mean"].tolist() == want
    assert points[INERT].nunique() > 1  # the inert field did vary


def test_sobol_indices_of_a_known_answer(toy: ScenarioSpec) -> None:
    res = sensitivity(
        toy,
        VARY,
        method="sobol",
        n=32,
        metrics=["n_launched"],
        replications=1,
        seed=3,
        workers=1,
        progress=False,
    )
    assert len(res.sweep.points) == 32 * (2 + 2)  # N (k + 2)
    _check_the_toy(res.sweep.points)
    t = res.table.set_index("field")
    assert list(res.table.columns) == [
        "metric",
        "rank",
        "field",
        "S1",
        "S1_conf",
        "ST",
        "ST_conf",
    ]
    active, inert = t.loc[COUNT], t.loc[INERT]
    for idx in ("S1", "ST"):
        tol = max(0.1, float(active[f"{idx}_conf"]))
        assert abs(active[idx] - 1.0) <= tol, (idx, active[idx])
        assert abs(inert[idx]) < 0.05, (idx, inert[idx])
    assert active["rank"] == 1
    assert inert["rank"] == 2


def test_morris_of_a_known_answer(toy: ScenarioSpec, tmp_path: Path) -> None:
    out = tmp_path / "morris"
    res = sensitivity(
        toy,
        VARY,
        method="morris",
        n=4,
        levels=4,
        metrics=["n_launched"],
        replications=1,
        seed=3,
        workers=1,
        progress=False,
        out=out,
    )
    assert len(res.sweep.points) == 4 * (2 + 1)  # trajectories (k + 1)
    _check_the_toy(res.sweep.points)
    # On 4 levels the count takes 2, 4, 6 or 8 and a step is 2/3 of the range, so
    # every elementary effect is 4 / (2/3) = 6: mu* = mu = 6 and sigma = 0.
    assert set(res.sweep.points[COUNT]) <= {2.0, 4.0, 6.0, 8.0}
    t = res.table.set_index("field")
    assert t.loc[COUNT, "rank"] == 1
    assert t.loc[COUNT, "mu_star"] == pytest.approx(6.0)
    assert t.loc[COUNT, "mu"] == pytest.approx(6.0)
    assert t.loc[COUNT, "sigma"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc[INERT, "mu_star"] == 0.0
    assert t.loc[INERT, "sigma"] == 0.0
    # The study directory reads back.
    files = {p.name for p in out.iterdir()}
    assert {"sensitivity.csv", "sensitivity-n_launched.png", "sweep.json"} <= files
    back = load_sensitivity(out)
    assert back.method == "morris"
    assert_frame_equal(back.table, res.table, check_dtype=False)
    assert_frame_equal(back.sweep.rows, res.sweep.rows)


def test_the_design_is_seeded(toy: ScenarioSpec) -> None:
    kw = {
        "method": "morris",
        "n": 2,
        "metrics": ["n_launched"],
        "replications": 1,
        "workers": 1,
        "progress": False,
    }
    a = sensitivity(toy, VARY, seed=1, **kw)
    b = sensitivity(toy, VARY, seed=1, **kw)
    assert_frame_equal(a.sweep.points, b.sweep.points)
    x = np.asarray(a.sweep.meta["sensitivity"]["x"])
    assert x.shape == (6, 2)
    assert np.all((x[:, 0] >= 2) & (x[:, 0] <= 8))
    assert np.all((x[:, 1] >= 0.3) & (x[:, 1] <= 0.9))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "sobel"}, "method must be one of"),
        ({"metrics": ["n_leeked"]}, "metrics must be summary metrics"),
        ({"metrics": []}, "at least one metric"),
        ({"method": "sobol", "n": 6}, "N a power of two >= 2; got 6"),
        ({"method": "sobol", "n": 1}, "N a power of two >= 2; got 1"),
        ({"n": 0}, "n must be >= 1"),
        ({"vary": [f"{COUNT}=4:4"]}, "needs lo < hi; got 4:4"),
        ({"vary": []}, "vary 1 to 100 fields; got 0"),
        ({"vary": ["raids.0.cnt=2:8"]}, "no field 'cnt'"),
    ],
)
def test_sensitivity_refusals(
    toy: ScenarioSpec, kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "vary": VARY,
        "replications": 1,
        "workers": 1,
        "progress": False,
    }
    args.update(kwargs)
    vary = args.pop("vary")
    with pytest.raises(SkyscreenError, match=message):
        sensitivity(toy, vary, **args)  # type: ignore[arg-type]
