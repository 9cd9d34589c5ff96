"""GNSS jamming in the engine: fix lost at the threshold, inertial drift at detonation.

Scenarios here have one asset and one jammer at the origin, no sensors and no weapons,
and drones flying straight in from 20 km east: every drone leaks, so its miss distance
is its navigation error plus its (tiny or class) impact scatter.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

import skyscreen
from skyscreen.engine import run_chunk
from skyscreen.engine.codes import LEAKED, event_code
from skyscreen.models import jammer
from skyscreen.scenario import (
    example_names,
    example_path,
    load_scenario,
    parse_scenario,
)
from skyscreen.scenario.compile import compile_scenario

SEED = 3
D_STAR_M = 8000.0
SIGNAL_W = 1e-16  # −130 dBm, the class default
THRESHOLD = 10.0**3.5  # 35 dB, fixed_wing_owa's default
# The EIRP that puts the denial range d* at D_STAR_M: P = S·thr·(4π d*/λ)².
EIRP_W = (
    SIGNAL_W * THRESHOLD * (4.0 * math.pi * D_STAR_M / jammer.GNSS_L1_WAVELENGTH_M) ** 2
)


def _scenario(
    mode: str = "gnss", guidance: str = "gnss", cep_m: float = 1e-9, **drone: Any
) -> dict[str, Any]:
    return {
        "name": "gnss",
        "origin": {"lat_deg": 0.0, "lon_deg": 0.0},
        "run": {"dt_s": 1.0, "duration_s": 600.0},
        "sites": [
            {
                "id": "s",
                "assets": [
                    {
                        "id": "a",
                        "position": {"east_m": 0, "north_m": 0},
                        "value_usd": 1e6,
                    }
                ],
                "effectors": [
                    {
                        "kind": "jammer",
                        "id": "j",
                        "position": {"east_m": 0, "north_m": 0},
                        "mode": mode,
                        "eirp_w": EIRP_W,
                        "range_max_m": 50000.0,
                    }
                ],
            }
        ],
        "raids": [
            {
                "id": "w",
                "drone": {
                    "class": "fixed_wing_owa",
                    "guidance": guidance,
                    "cep_m": cep_m,
                    **drone,
                },
                "count": 3,
                "launch_interval_s": 17.0,
                "launch_jitter_s": 10.0,
                "launch": {
                    "position": {"east_m": 20000, "north_m": 0},
                    "radius_m": 300,
                },
                "target": {"asset": "a"},
            }
        ],
    }


def _run(data: dict[str, Any], n: int = 6, **kw: Any) -> Any:
    return run_chunk(compile_scenario(parse_scenario(data)), np.arange(n), SEED, **kw)


def _no_jammer(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["sites"][0]["effectors"] = []
    return out


def test_fix_is_lost_at_the_first_step_inside_the_denial_range() -> None:
    """Along the inbound path the fix is lost at the first step end with d ≤ d*, never before."""
    res = _run(_scenario(), record=6)
    traj = res.trajectories
    assert traj is not None
    lost = res.drone_t_gnss_lost_s
    assert np.isfinite(lost).all()
    for r in range(6):
        for d in range(3):
            row = (traj["replication"] == r) & (traj["drone"] == d)
            t = traj["t_s"][row]
            dist = np.sqrt(
                traj["x_m"][row] ** 2 + traj["y_m"][row] ** 2 + traj["z_m"][row] ** 2
            )
            inside = t[dist <= D_STAR_M]
            assert lost[r, d] == inside.min()
            assert (dist[t < lost[r, d]] > D_STAR_M).all()


def test_miss_is_ins_drift_times_time_on_ins() -> None:
    """With a negligible CEP, each leaker misses by ins_drift_mps · (t_end − t_gnss_lost)."""
    for drift in (2.0, 7.5):
        res = _run(_scenario(ins_drift_mps=drift))
        assert (res.drone_status == LEAKED).all()
        want = drift * (res.drone_t_end_s - res.drone_t_gnss_lost_s)
        assert (want > 100.0).all()
        np.testing.assert_allclose(res.drone_miss_m, want, rtol=0, atol=1e-6)
        np.testing.assert_allclose(
            np.hypot(res.drone_end_m[..., 0], res.drone_end_m[..., 1]), want, atol=1e-6
        )


def test_mean_square_miss_adds_drift_and_scatter() -> None:
    """Miss² = |D·u + σZ|² has mean D² + 2σ² (u a unit vector, Z standard normal)."""
    cep = 20.0
    sigma = cep / math.sqrt(2.0 * math.log(2.0))
    res = _run(_scenario(cep_m=cep), n=400)
    drift = 2.0 * (res.drone_t_end_s - res.drone_t_gnss_lost_s)
    excess = (res.drone_miss_m**2 - drift**2).ravel()
    se = excess.std(ddof=1) / math.sqrt(excess.size)
    assert abs(excess.mean() - 2.0 * sigma**2) < 4.0 * se


def test_drift_directions_are_uniform_and_per_drone() -> None:
    """Drift bearings spread over the circle; one drone's draw ignores the others."""
    res = _run(_scenario(), n=400)
    ang = np.arctan2(res.drone_end_m[..., 1], res.drone_end_m[..., 0]).ravel()
    # The mean resultant length of n uniform angles is about 1/√n.
    assert abs(np.mean(np.exp(1j * ang))) < 4.0 / math.sqrt(ang.size)
    two = _scenario()
    two["raids"].append({**copy.deepcopy(two["raids"][0]), "id": "v", "count": 2})
    res2 = _run(two, n=20)
    np.testing.assert_array_equal(
        res2.drone_end_m[:, :3], _run(_scenario(), n=20).drone_end_m
    )


@pytest.mark.parametrize(
    ("mode", "guidance"),
    [
        ("gnss", "autonomous"),
        ("gnss", "rf_link"),
        ("link", "gnss"),
        ("both", "autonomous"),
    ],
)
def test_unaffected_drones_fly_as_if_unjammed(mode: str, guidance: str) -> None:
    """Autonomous and rf_link drones keep their fix; a link-mode jammer spares GNSS.

    A gnss-mode jammer does not jam links either: the rf_link drones (on_link_loss
    continue) end exactly where they would with no jammer.
    """
    data = _scenario(mode=mode, guidance=guidance)
    res = _run(data, events=True)
    base = _run(_no_jammer(data))
    assert np.isnan(res.drone_t_gnss_lost_s).all()
    assert res.events is not None
    assert not (res.events["kind"] == event_code("gnss_lost")).any()
    np.testing.assert_array_equal(res.drone_end_m, base.drone_end_m)
    np.testing.assert_array_equal(res.drone_miss_m, base.drone_miss_m)


def test_gnss_mode_jams_no_link_and_both_jams_each() -> None:
    """A gnss jammer leaves rf_link drones' links alone; a both jammer cuts them too."""
    for mode, cut in (("gnss", False), ("both", True), ("link", True)):
        res = _run(_scenario(mode=mode, guidance="rf_link"), events=True)
        assert res.events is not None
        links = (res.events["kind"] == event_code("link_lost")).any()
        assert links == cut, mode
    res = _run(_scenario(mode="both"))
    assert np.isfinite(res.drone_t_gnss_lost_s).all()


def test_event_names_the_jammer_at_the_loss() -> None:
    """A gnss_lost event per lost fix, at t_gnss_lost_s, with the jammer as ref."""
    res = _run(_scenario(), events=True)
    ev = res.events
    assert ev is not None
    sel = ev["kind"] == event_code("gnss_lost")
    assert sel.sum() == res.drone_t_gnss_lost_s.size
    np.testing.assert_array_equal(
        ev["t_s"][sel],
        res.drone_t_gnss_lost_s[ev["replication"][sel], ev["drone"][sel]],
    )
    assert (ev["ref"][sel] == 0).all()  # no sensors: the jammer is unit 0


def test_same_seed_same_numbers_in_any_chunk() -> None:
    """Deterministic, and a replication's result does not depend on its chunk."""
    p = compile_scenario(parse_scenario(_scenario(cep_m=20.0)))
    reps = np.arange(8)
    a = run_chunk(p, reps, SEED)
    b = run_chunk(p, reps, SEED)
    c = [run_chunk(p, reps[:3], SEED), run_chunk(p, reps[3:], SEED)]
    for name in ("drone_t_gnss_lost_s", "drone_miss_m", "drone_end_m"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        np.testing.assert_array_equal(
            getattr(a, name), np.concatenate([getattr(x, name) for x in c])
        )


def _jams_gnss(name: str) -> bool:
    spec = load_scenario(example_path(name))
    return any(
        e.kind == "jammer" and e.mode in ("gnss", "both")
        for s in spec.sites
        for e in s.effectors
    )


@pytest.mark.parametrize("name", [n for n in example_names() if not _jams_gnss(n)])
def test_examples_never_lose_a_fix(name: str) -> None:
    """Examples without a gnss-mode jammer: no fix is lost, misses are scatter."""
    res = skyscreen.simulate(
        load_scenario(example_path(name)),
        replications=4,
        seed=1,
        workers=1,
        progress=False,
    )
    drones = res.drones
    assert drones["t_gnss_lost_s"].isna().all()
    leaked = drones["state"] == "leaked"
    assert drones.loc[leaked, "miss_m"].notna().all()
    assert drones.loc[~leaked, "miss_m"].isna().all()
