"""Regression tests for defects found end to end at new parameter values.

1. The compiled backend ignored the dive-start floor (turn radius, one step's flight),
   so a wing with a small ``dive_range_m`` circled its aim point for ever.
2. drones.parquet gave leakers a position extrapolated back along the dive instead of
   their impact point at the aim point's height.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from skyscreen.engine import run_chunk
from skyscreen.models import damage as damage_model
from skyscreen.models import kinematics
from skyscreen.run import build_tables
from skyscreen.scenario import parse_scenario
from skyscreen.scenario.compile import compile_scenario

ORIGIN = {"lat_deg": 35.0, "lon_deg": 25.0}


def _one_wing(dive_range_m: float, route: list[dict[str, float]]) -> dict[str, Any]:
    """One 50 m/s fixed-wing drone (30° bank: turn radius 441.6 m), no defence."""
    return {
        "name": "one-wing",
        "origin": ORIGIN,
        "run": {"dt_s": 1.0, "duration_s": 600.0, "replications": 4, "seed": 1},
        "sites": [
            {
                "id": "base",
                "assets": [
                    {
                        "id": "a",
                        "position": {"east_m": 0, "north_m": 0},
                        "radius_m": 40,
                        "value_usd": 1.0e6,
                    }
                ],
            }
        ],
        "raids": [
            {
                "id": "w",
                "drone": {
                    "class": "fixed_wing_owa",
                    "speed_mps": 50.0,
                    "speed_jitter": 0.0,
                    "bank_max_deg": 30.0,
                    "dive_range_m": dive_range_m,
                    "route_offset_m": 0.0,
                },
                "count": 1,
                "launch": {"position": {"east_m": 5000, "north_m": 0}},
                "route": route,
                "target": {"asset": "a"},
            }
        ],
    }


def _run(doc: dict[str, Any], n: int = 4) -> Any:
    """The drones table of ``n`` replications run as one chunk."""
    params = compile_scenario(parse_scenario(doc))
    chunk = run_chunk(params, np.arange(n), 3)
    return build_tables(params, [chunk])["drones"]


# A last waypoint 200 m beside the aim point: the final turn is sharper than the
# wing's turn radius allows.
SHARP = [{"east_m": 200.0, "north_m": 300.0}]


@pytest.mark.parametrize(
    ("dive_range_m", "route"),
    [(0.0, []), (0.0, SHARP), (50.0, SHARP), (100.0, []), (600.0, SHARP)],
)
def test_wing_dives_within_its_turn_radius(
    dive_range_m: float, route: list[dict[str, float]]
) -> None:
    """A wing arrives however small dive_range_m is, as soon as the turn radius allows."""
    drones = _run(_one_wing(dive_range_m, route))
    assert (drones["state"] == "leaked").all(), drones["state"].tolist()
    # Straight-line lower bound; the turn radius floor bounds the detour.
    r_turn = float(kinematics.turn_radius_m(50.0, math.radians(30.0)))
    assert r_turn == pytest.approx(441.6, abs=0.1)
    t = drones["t_end_s"].to_numpy() - drones["t_launch_s"].to_numpy()
    assert (t >= 5000.0 / 50.0 - 1e-9).all()
    assert (t <= (5000.0 + 2.0 * math.pi * r_turn + 600.0) / 50.0).all(), t


def _leaker_doc() -> dict[str, Any]:
    doc = _one_wing(600.0, [])
    doc["sites"][0]["assets"][0]["position"]["height_m"] = 15.0
    doc["raids"][0]["count"] = 20
    doc["raids"][0]["launch"]["radius_m"] = 2000.0
    doc["run"]["replications"] = 300
    return doc


def test_leakers_end_at_their_impact_point() -> None:
    """A leaker's end point is at the aim height, scattered about the aim point by CEP."""
    params = compile_scenario(parse_scenario(_leaker_doc()))
    d = _run(_leaker_doc(), n=300)
    leaked = d[d["state"] == "leaked"]
    assert len(leaked) == 6000
    np.testing.assert_array_equal(leaked["z_end_m"].to_numpy(), 15.0)
    # The miss about the aim point is circular normal with sigma from the CEP: the
    # mean squared miss is 2 sigma^2 (chi-square, 2 dof); its sample mean over n
    # leakers has sd 2 sigma^2 / sqrt(n) (exponential distribution).
    sigma = float(damage_model.cep_to_sigma_m(params.drones.cep_m[0]))
    miss2 = leaked["x_end_m"].to_numpy() ** 2 + leaked["y_end_m"].to_numpy() ** 2
    expected = 2.0 * sigma**2
    assert abs(miss2.mean() - expected) < 4.0 * expected / math.sqrt(len(miss2))
