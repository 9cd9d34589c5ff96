"""Per-entity random streams: a known-answer Philox, keys by name, common random numbers.

Adding, removing or reordering a unit, a raid or an asset must leave every other
unit's and drone's draws unchanged (engine/rng.py), so two variants of a base share
common random numbers. Tested on whole runs: a variant with an extra radar, gun,
launcher, asset and raid listed *first* (shifting every index) whose extras never
interact with the original drones ends every original drone exactly as the base does.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import skyscreen
from skyscreen.engine import Purpose, draw, drone_keys, stream_key, uniform
from skyscreen.engine.rng import _philox
from skyscreen.scenario import parse_scenario, read_scenario_data
from skyscreen.scenario.compile import compile_scenario

SCENARIO = Path(__file__).parents[1] / "data" / "all-states.yaml"


def test_philox_matches_the_published_known_answers() -> None:
    """Philox4x32-10 gives Random123's known-answer vectors (first two words)."""
    zero = np.uint64(0)
    ones = np.uint64(0xFFFFFFFF)
    a, b = _philox.py_func(zero, zero, zero, zero, zero, zero)
    assert (int(a), int(b)) == (0x6627E8D5, 0xE169C58D)
    a, b = _philox.py_func(ones, ones, ones, ones, ones, ones)
    assert (int(a), int(b)) == (0x408F276D, 0x41C83B0E)


def test_uniforms_are_uniform() -> None:
    """A million draws of one stream: mean 1/2, variance 1/12, all in [0, 1)."""
    k = stream_key(3, Purpose.GUN, "g")
    dk = drone_keys(["r"], np.zeros(1000, dtype=np.int64), np.arange(1000))
    u = draw(k, np.repeat(np.arange(1000), 1), dk, 0, n=1000)
    assert u.shape == (1000, 1000)
    assert ((u >= 0.0) & (u < 1.0)).all()
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 0.001
    # Neighbouring counters are uncorrelated.
    assert abs(np.corrcoef(u[:, :-1].ravel(), u[:, 1:].ravel())[0, 1]) < 0.005


def test_streams_are_named_by_purpose_unit_and_seed() -> None:
    """Keys differ by seed, purpose and unit name, and repeat exactly."""
    base = stream_key(5, Purpose.GUN, "gun-1")
    assert stream_key(5, Purpose.GUN, "gun-1") == base
    assert stream_key(6, Purpose.GUN, "gun-1") != base
    assert stream_key(5, Purpose.MISSILE, "gun-1") != base
    assert stream_key(5, Purpose.GUN, "gun-2") != base
    assert uniform(*base, 0, 1, 2, 3) == uniform(*base, 0, 1, 2, 3)
    assert uniform(*base, 0, 1, 2, 3) != uniform(*base, 1, 1, 2, 3)


def test_drone_keys_are_distinct_even_when_raid_hashes_collide() -> None:
    """Two raids whose ids hash alike still name their drones differently."""
    # "plumless" and "buckeroo" share a CRC-32 (a known collision).
    keys = drone_keys(["plumless", "buckeroo"], np.array([0, 1]), np.array([0, 0]))
    assert keys[0, 0] != keys[1, 0]


def _variant(doc: dict[str, Any]) -> dict[str, Any]:
    """The scenario with extra units and a raid listed first, far from everything."""
    v = copy.deepcopy(doc)
    site = v["sites"][0]
    far = {"east_m": -300000.0, "north_m": -300000.0}
    site["assets"].insert(
        0, {"id": "far-asset", "position": far, "radius_m": 10, "value_usd": 1.0}
    )
    site["sensors"].insert(
        0,
        {"kind": "radar", "id": "far-radar", "position": far, "range_max_m": 5000},
    )
    site["effectors"].insert(0, {"kind": "gun", "id": "far-gun", "position": far})
    site["effectors"].insert(1, {"kind": "missile", "id": "far-sam", "position": far})
    v["raids"].insert(
        0,
        {
            "id": "far-raid",
            "drone": {"class": "multirotor", "endurance_s": 30},
            "count": 3,
            "launch": {"position": {"east_m": -290000.0, "north_m": -300000.0}},
            "target": {"asset": "far-asset"},
        },
    )
    return v


def test_extra_units_and_drones_leave_every_other_draw_unchanged() -> None:
    """Extra units, an asset and a raid listed first change nothing for the others."""
    doc = read_scenario_data(SCENARIO)
    doc["run"]["duration_s"] = 500.0
    base = skyscreen.simulate(
        parse_scenario(doc), replications=20, seed=4, workers=1, progress=False
    )
    var = skyscreen.simulate(
        parse_scenario(_variant(doc)),
        replications=20,
        seed=4,
        workers=1,
        progress=False,
    )
    vd = var.drones[var.drones["raid"] != "far-raid"].reset_index(drop=True)
    bd = base.drones
    cols = [c for c in bd.columns if c not in ("drone", "raid", "target_asset")]
    pd.testing.assert_frame_equal(
        bd[cols].astype(str), vd[cols].astype(str), check_categorical=False
    )
    assert (
        bd["raid"].astype(str).to_numpy() == vd["raid"].astype(str).to_numpy()
    ).all()
    ve = var.effectors[~var.effectors["effector"].isin(["far-gun", "far-sam"])]
    pd.testing.assert_frame_equal(
        base.effectors.reset_index(drop=True).astype(str),
        ve.reset_index(drop=True).astype(str),
    )
    # The far units never acted and the far drones never came near.
    far = var.effectors[var.effectors["effector"].isin(["far-gun", "far-sam"])]
    assert (far["engagements"] == 0).all()


def test_compiled_scenarios_differ_only_by_the_extras() -> None:
    """Sanity: the variant really shifts every index the old block streams used."""
    doc = read_scenario_data(SCENARIO)
    p, q = (
        compile_scenario(parse_scenario(doc)),
        compile_scenario(parse_scenario(_variant(doc))),
    )
    assert q.sensors["radar"].ids[0] == "far-radar"
    assert q.effectors["gun"].ids[0] == "far-gun"
    assert q.drones.n == p.drones.n + 3
    assert q.assets.ids[0] == "far-asset"
