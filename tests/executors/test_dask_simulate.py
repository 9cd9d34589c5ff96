"""simulate, sweeps and resumed runs on Dask give the local executor's results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import skyscreen
from skyscreen.scenario import example_path
from skyscreen.schema import TABLES

pytest.importorskip("distributed")

QUICKSTART = example_path("quickstart")


def test_simulate_and_sweep_on_dask_equal_local(tmp_path: Path) -> None:
    kw = {"replications": 24, "seed": 9, "events": True, "record": 2, "progress": False}
    local = skyscreen.simulate(QUICKSTART, workers=1, **kw)
    dask = skyscreen.simulate(
        QUICKSTART, workers=2, chunk_size=5, executor="dask", out=tmp_path / "r", **kw
    )
    assert dask.meta["executor"] == "dask"
    for name in TABLES:
        a, b = getattr(local, name), getattr(dask, name)
        assert (a is None) == (b is None)
        if a is not None:
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    varies = ["raids.0.count=2,5"]
    sw_local = skyscreen.sweep(
        QUICKSTART, varies, replications=8, seed=3, workers=1, progress=False
    )
    sw_dask = skyscreen.sweep(
        QUICKSTART,
        varies,
        replications=8,
        seed=3,
        workers=2,
        chunk_size=3,
        executor="dask",
        progress=False,
    )
    pd.testing.assert_frame_equal(sw_local.rows, sw_dask.rows, check_exact=True)
