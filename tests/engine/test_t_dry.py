"""``effectors.t_dry_s``: when a weapon had nothing left to fire."""

from __future__ import annotations

import numpy as np
import pandas as pd

import skyscreen
from skyscreen.scenario import example_path, load_scenario, parse_scenario

N = 12


def _run(magazine_rounds: int, ready_rounds: int) -> skyscreen.RunResult:
    spec = load_scenario(example_path("quickstart"))
    data = spec.model_dump(mode="json", by_alias=True)
    gun, sam = data["sites"][0]["effectors"]
    gun.update(magazine_rounds=magazine_rounds, reloads=0)
    sam.update(ready_rounds=ready_rounds, reloads=0)
    data["raids"][0]["count"] = 8
    return skyscreen.simulate(
        parse_scenario(data),
        replications=N,
        seed=3,
        workers=1,
        events=True,
        progress=False,
    )


def _last_fire(res: skyscreen.RunResult) -> pd.Series:
    assert res.events is not None
    fire = res.events[res.events["kind"] == "fire"]
    return fire.groupby(["replication", "sensor_or_effector"], observed=True)[
        "t_s"
    ].max()


def test_a_weapon_runs_dry_when_its_last_round_is_fired() -> None:
    """Without reloads: dry exactly when everything was fired, at the last shot's step."""
    res = _run(magazine_rounds=60, ready_rounds=2)
    eff = res.effectors.set_index(["replication", "effector"])
    last = _last_fire(res)
    full = {"gun-1": ("rounds_fired", 60), "sam-1": ("missiles_fired", 2)}
    ran_dry = 0
    for (rep, name), row in eff.iterrows():
        column, capacity = full[str(name)]
        empty = row[column] == capacity
        assert np.isnan(row["t_dry_s"]) == (not empty), (rep, name)
        if empty:
            ran_dry += 1
            # The end of the step of the last burst or launch (fire events' time).
            assert row["t_dry_s"] == last[(rep, name)], (rep, name)
    assert ran_dry > 0  # the magazines are small enough to run out somewhere


def test_a_weapon_that_never_empties_has_no_dry_time() -> None:
    res = _run(magazine_rounds=100_000, ready_rounds=1000)
    assert res.effectors["t_dry_s"].isna().all()
