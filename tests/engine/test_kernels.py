"""The compiled kernels against the same code interpreted by Python.

There is one implementation of each kernel (numba-compiled, calling the equations in
``skyscreen.models``); ``NUMBA_DISABLE_JIT=1`` runs the very same code as plain Python
and NumPy, so this compares what numba compiles with what the source says, on whole
runs of every example and edge case: identical states, causes, effectors, counts and
event kinds; continuous columns within 1e-9 relative.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import skyscreen
from skyscreen.scenario import example_names, example_path

DATA = Path(__file__).parents[1] / "data"
SCENARIOS = {name: example_path(name) for name in example_names()} | {
    p.stem: p for p in [*DATA.glob("*.yaml"), *(DATA / "edges").glob("*.yaml")]
}
REPS, SEED = 4, 17
EXACT = {
    "summary": None,  # every column but the float ones below
    "drones": ("state", "cause", "effector", "class", "target_asset"),
    "effectors": ("engagements", "rounds_fired", "missiles_fired", "kills"),
    "assets": ("hits", "damaged", "casualties", "debris"),
    "events": ("kind", "drone", "sensor_or_effector", "outcome"),
}

_SCRIPT = """
import sys
import skyscreen
res = skyscreen.simulate(sys.argv[1], replications={reps}, seed={seed}, workers=1,
                         events=True, progress=False)
for name in ("summary", "drones", "effectors", "assets", "events"):
    getattr(res, name).to_parquet(f"{{sys.argv[2]}}/{{name}}.parquet")
"""


def _compare(a: pd.DataFrame, b: pd.DataFrame, exact: tuple[str, ...] | None) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if np.issubdtype(x.dtype, np.floating) and (exact is None or col not in exact):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9, err_msg=col)
        else:
            assert (pd.Series(x).astype(str) == pd.Series(y).astype(str)).all(), col


# all-states flies a raid that cannot arrive before the end and drones that run out of
# endurance on purpose, which loading it warns about (ScenarioWarning).
@pytest.mark.filterwarnings("ignore::skyscreen.scenario.ScenarioWarning")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_compiled_run_equals_interpreted_run(name: str, tmp_path: Path) -> None:
    """A whole run compiled by numba equals the same run interpreted by Python."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    script = _SCRIPT.format(reps=REPS, seed=SEED)
    subprocess.run(
        [sys.executable, "-c", script, str(SCENARIOS[name]), str(tmp_path)],
        env=env,
        check=True,
        timeout=300,
    )
    res = skyscreen.simulate(
        SCENARIOS[name],
        replications=REPS,
        seed=SEED,
        workers=1,
        events=True,
        progress=False,
    )
    for table, exact in EXACT.items():
        interpreted = pd.read_parquet(tmp_path / f"{table}.parquet")
        _compare(getattr(res, table), interpreted, exact)
