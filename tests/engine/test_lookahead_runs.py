"""Whole runs with ``doctrine.fire_control: lookahead``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import skyscreen
from skyscreen.scenario import example_path, load_scenario
from skyscreen.studies.overrides import with_values

TABLES = ("summary", "drones", "effectors", "assets")


def _spec(name: str, **doctrine: object):
    spec = load_scenario(example_path(name))
    return with_values(spec, {f"doctrine.{k}": v for k, v in doctrine.items()})


def _equal(a, b, what: str) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(
            getattr(a, table),
            getattr(b, table),
            check_exact=True,
            obj=f"{what} {table}",
        )


@pytest.mark.parametrize(
    ("name", "floor", "sls"),
    [
        ("quickstart", 0.0, True),
        ("coastal-airbase", 0.1, True),
        ("two-sites", 0.0, False),
        ("layered-defence", 0.1, True),
    ],
)
def test_one_stage_is_the_myopic_greedy(name: str, floor: float, sls: bool) -> None:
    """A horizon of one decision period is the myopic greedy, bit for bit.

    It plans stage 0 only: the time-expanded greedy is then the static greedy, with
    the same gains and ties, so whole runs (events included) are identical.
    """
    kw = {"replications": 12, "seed": 3, "progress": False, "workers": 1}
    common = {"min_shot_pk": floor, "shoot_look_shoot": sls}
    myopic = skyscreen.simulate(_spec(name, **common), events=True, **kw)
    look = skyscreen.simulate(
        _spec(name, fire_control="lookahead", lookahead_horizon_s=0.5, **common),
        events=True,
        **kw,
    )
    _equal(myopic, look, name)
    pd.testing.assert_frame_equal(myopic.events, look.events, check_exact=True)


@pytest.mark.parametrize("fidelity", ["truth", "tracked"])
def test_deterministic_across_chunks_and_workers(fidelity: str) -> None:
    spec = _spec("coastal-airbase", fire_control="lookahead", lookahead_horizon_s=20.0)
    kw = {"replications": 8, "seed": 11, "progress": False, "fidelity": fidelity}
    whole = skyscreen.simulate(spec, workers=1, **kw)
    parts = skyscreen.simulate(spec, workers=2, chunk_size=3, **kw)
    _equal(whole, parts, f"lookahead {fidelity}")
    s = whole.summary
    # Every drone ends in exactly one state; shots were fired and magazines held.
    ends = s[["n_killed", "n_defeated", "n_leaked", "n_expended", "n_airborne"]]
    assert (ends.sum(axis=1) == s["n_launched"]).all()
    assert s["rounds_fired"].sum() > 0
    assert (whole.effectors["rounds_fired"] >= 0).all()


@pytest.mark.parametrize("method", ["greedy", "improve", "exact"])
def test_every_method_runs(method: str) -> None:
    """Every solver runs in the engine.

    Envelopes and invariants: the kinds' contract tests run the look-ahead too.
    """
    spec = _spec(
        "quickstart",
        fire_control="lookahead",
        lookahead_horizon_s=12.0,
        wta_method=method,
        wta_max_iter=50,
    )
    res = skyscreen.simulate(spec, replications=6, seed=2, progress=False)
    assert res.summary["rounds_fired"].sum() > 0
    assert np.isfinite(res.summary["value_damaged_usd"]).all()


@pytest.mark.parametrize("name", ["quickstart", "coastal-airbase"])
def test_vanishing_discount_over_the_longest_horizon_is_the_myopic_greedy(
    name: str,
) -> None:
    """The discount's lower edge at the horizon's upper limit (600 s: 64 cycles).

    With a floor on stage 0's Pk, every later shot then gains less than any shot
    now, so the greedy takes all of stage 0 first, in the myopic order, and the
    later stages cannot change it: the myopic greedy, bit for bit.
    """
    kw = {"replications": 8, "seed": 4, "progress": False, "workers": 1}
    myopic = skyscreen.simulate(_spec(name, min_shot_pk=0.1), events=True, **kw)
    look = skyscreen.simulate(
        _spec(
            name,
            min_shot_pk=0.1,
            fire_control="lookahead",
            lookahead_horizon_s=600.0,
            lookahead_discount=1e-12,
        ),
        events=True,
        **kw,
    )
    _equal(myopic, look, name)
    pd.testing.assert_frame_equal(myopic.events, look.events, check_exact=True)
