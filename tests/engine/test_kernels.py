"""Numba kernels against their NumPy reference twins, on the same inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skyscreen.engine import _numba, _reference, run_chunk
from skyscreen.engine._tables import make_tables
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.compile import compile_scenario

DATA = Path(__file__).parents[1] / "data"


def _move_inputs(rng: np.random.Generator, n_rep: int, n_d: int) -> dict[str, Any]:
    n = n_rep * n_d
    n_l = 4
    status = rng.choice(np.array([1, 1, 1, 2], dtype=np.int8), n)
    route = rng.uniform(-5000, 5000, (n, n_l, 3))
    route[..., 2] = rng.uniform(50, 400, (n, n_l))
    return {
        "k": np.sort(rng.choice(n, size=n // 2, replace=False)).astype(np.int64),
        "n_d": n_d,
        "t0": 10.0,
        "t1": 11.0,
        "status": status,
        "t_launch": rng.uniform(0.0, 10.8, n),
        "pos": np.column_stack(
            [rng.uniform(-6000, 6000, (n, 2)), rng.uniform(0, 500, n)]
        ),
        "vel": np.zeros((n, 3)),
        "heading": rng.uniform(-np.pi, np.pi, n),
        "speed": rng.uniform(10, 60, n),
        "wp_idx": rng.integers(0, n_l, n),
        "route": route,
        "home": rng.uniform(-8000, 8000, (n, 3)),
        "diving": rng.random(n) < 0.3,
        "n_wp": rng.integers(0, n_l, n_d),
        "on_link_loss": rng.integers(0, 5, n_d),
        "dive_range": rng.uniform(100, 3000, n_d),
        "bank": np.deg2rad(rng.uniform(20, 50, n_d)),
        "cruise_h": rng.uniform(50, 500, n_d),
        "climb": rng.uniform(2, 8, n_d),
        "dive_speed": rng.uniform(15, 80, n_d),
        "arrive": np.zeros(n),
        "home_reached": np.zeros(n),
    }


def _copy(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_move_twins_agree(seed: int) -> None:
    """Both move kernels give the same positions, velocities, route indices, arrivals."""
    args = _move_inputs(np.random.default_rng(seed), 40, 12)
    # Put some drones right at their aim point so arrivals happen.
    args["route"][args["k"][:20], args["wp_idx"][args["k"][:20]]] = args["pos"][
        args["k"][:20]
    ]
    a, b = _copy(args), _copy(args)
    _reference.move(**a)
    _numba.move(**b)
    k = args["k"]
    for name in ("pos", "vel", "arrive", "home_reached"):
        np.testing.assert_allclose(
            a[name][k], b[name][k], rtol=1e-9, atol=1e-9, err_msg=name
        )
    dh = np.angle(np.exp(1j * (a["heading"][k] - b["heading"][k])))
    np.testing.assert_allclose(dh, 0.0, atol=1e-9)
    np.testing.assert_array_equal(a["wp_idx"], b["wp_idx"])
    np.testing.assert_array_equal(a["diving"], b["diving"])
    assert np.isfinite(a["arrive"][k]).sum() > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_detect_twins_agree(seed: int) -> None:
    """Both detection kernels detect the same drones with the same first radar."""
    rng = np.random.default_rng(seed)
    n_rep, n_d, n_s = 30, 10, 3
    n = n_rep * n_d
    k = np.arange(n, dtype=np.int64)
    pos = np.column_stack([rng.uniform(-15000, 15000, (n, 2)), rng.uniform(0, 800, n)])
    args = {
        "k": k,
        "n_d": n_d,
        "pos": pos,
        "rcs": rng.uniform(0.005, 1.0, n_d),
        "radar_pos": np.column_stack(
            [rng.uniform(-1000, 1000, (n_s, 2)), rng.uniform(5, 20, n_s)]
        ),
        "range_min": np.full(n_s, 150.0),
        "range_max": np.full(n_s, 12000.0),
        "el_min": np.full(n_s, -0.03),
        "el_max": np.full(n_s, 1.2),
        "snr_ref": np.full(n_s, 130.0),
        "rcs_ref": np.full(n_s, 0.01),
        "range_ref": np.array([3000.0, 3500.0, 4000.0]),
        "pfa": np.full(n_s, 1e-6),
        "scanning": np.array([True, False, True]),
        "draws": rng.random((n_rep, n_s, n_d)),
    }
    ha, sa = np.zeros(n, bool), np.zeros(n, np.int64)
    hb, sb = np.zeros(n, bool), np.zeros(n, np.int64)
    _reference.detect(**args, hit=ha, sensor=sa)
    _numba.detect(**args, hit=hb, sensor=sb)
    np.testing.assert_array_equal(ha, hb)
    np.testing.assert_array_equal(sa, sb)
    assert 0 < ha.sum() < n
    assert not (sa == 1).any()  # radar 1 is not scanning


def _assign_args(seed: int) -> tuple[dict[str, Any], int]:
    """A mid-raid state of coastal-airbase, perturbed, as the assign kernel sees it."""
    params = compile_scenario(load_scenario(example_path("coastal-airbase")))
    tb = make_tables(params)
    g, m, a, dr = params.guns, params.missiles, params.assets, params.drones
    rng = np.random.default_rng(seed)
    n_rep, n_d, n_w = 50, dr.n, g.n + m.n
    ang = rng.uniform(0, 2 * np.pi, (n_rep, n_d))
    dist = rng.uniform(500, 9000, (n_rep, n_d))
    pos = np.stack(
        [dist * np.cos(ang), dist * np.sin(ang), rng.uniform(50, 400, (n_rep, n_d))],
        axis=-1,
    )
    speed = rng.uniform(10, 60, (n_rep, n_d))
    head = ang + np.pi + rng.normal(0, 0.5, (n_rep, n_d))
    vel = np.stack(
        [speed * np.cos(head), speed * np.sin(head), rng.normal(0, 2, (n_rep, n_d))],
        axis=-1,
    )
    n_slot = len(tb.slot_effector)
    args = {
        "rows": np.sort(rng.choice(n_rep, 40, replace=False)).astype(np.int64),
        "eligible": rng.random((n_rep, n_d)) < 0.5,
        "pos": pos,
        "vel": vel,
        "pending": rng.integers(0, 2, (n_rep, n_d)),
        "shot_active": rng.random((n_rep, n_slot)) < 0.2,
        "shot_drone": rng.integers(0, n_d, (n_rep, n_slot)),
        "shot_pk": rng.uniform(0, 0.8, (n_rep, n_slot)),
        "free": rng.random((n_rep, n_w)) < 0.7,
        "gun_az": rng.uniform(-np.pi, np.pi, (n_rep, g.n)),
        "gun_el": rng.uniform(0, 0.5, (n_rep, g.n)),
        "lethal": dr.lethal_radius_m,
        "raid_idx": dr.raid_idx,
        "asset_pos": a.pos_m,
        "asset_r": a.radius_m,
        "asset_v": a.value_usd,
        "margin": 50.0,
        "tau": 60.0,
        "g_pos": g.pos_m,
        "g_slew": g.slew_rate_rad_s,
        "g_settle": g.settle_s,
        "g_rmin": g.range_min_m,
        "g_rmax": g.range_max_m,
        "g_elmin": g.elevation_min_rad,
        "g_elmax": g.elevation_max_rad,
        "pk_table": tb.pk_table,
        "pk_step": tb.pk_step_m,
        "m_pos": m.pos_m,
        "m_speed": m.speed_mps,
        "m_reaction": m.reaction_s,
        "m_rmin": m.range_min_m,
        "m_rmax": m.range_max_m,
        "m_alt": m.altitude_max_m,
        "m_pk": m.pk,
        "m_pk_edge": m.pk_edge,
        "m_falloff": m.falloff_start,
        "max_shooters": 2,
        "w_cost": np.concatenate([rng.uniform(100, 1000, g.n), m.cost_usd]),
        "cost_weight": float(rng.choice([0.0, 0.5])),
        "min_pk": float(rng.choice([0.0, 0.05])),
        "hold_range": float(rng.choice([np.inf, 5000.0])),
        "m_min_ttg": float(rng.choice([0.0, 30.0])),
        "m_reserve_low": rng.random((n_rep, m.n)) < 0.5,
        "reserve_value": 1e7,
    }
    return args, g.n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_assign_twins_agree(seed: int) -> None:
    """Both assignment kernels pick the same weapon for the same drone, same slew."""
    args, n_g = _assign_args(seed)
    n_rows, n_w = len(args["rows"]), args["free"].shape[1]
    out = []
    for kernel in (_reference.assign, _numba.assign):
        o = {
            "out_target": np.full((n_rows, n_w), -7),
            "out_slew": np.zeros((n_rows, n_g)),
            "out_pk": np.full((n_rows, n_w), -1.0),
            "out_value": np.full((n_rows, n_w), -1.0),
            "out_surv": np.full(n_rows, -1.0),
        }
        kernel(**args, **o)
        out.append(o)
    a, b = out
    ta = a["out_target"]
    np.testing.assert_array_equal(ta, b["out_target"])
    chosen = ta[:, :n_g] >= 0
    np.testing.assert_allclose(a["out_slew"][chosen], b["out_slew"][chosen], rtol=1e-9)
    for name in ("out_pk", "out_value", "out_surv"):
        np.testing.assert_allclose(a[name], b[name], rtol=1e-9, err_msg=name)
    assert ((a["out_pk"] > 0) == (ta >= 0)).all()
    assert chosen.sum() > 10
    assert (ta[:, n_g:] >= 0).sum() > 0  # missiles assigned too


def test_backends_agree_on_whole_runs() -> None:
    """Whole runs with either backend end every drone in the same state."""
    params = compile_scenario(load_scenario(DATA / "all-states.yaml"))
    reps = np.arange(40)
    a = run_chunk(params, reps, 5, backend="numpy")
    b = run_chunk(params, reps, 5, backend="numba")
    np.testing.assert_array_equal(a.drone_status, b.drone_status)
    np.testing.assert_array_equal(a.drone_cause, b.drone_cause)
    np.testing.assert_allclose(a.drone_end_m, b.drone_end_m, atol=1e-6)
    np.testing.assert_array_equal(a.eff_rounds, b.eff_rounds)


def test_unknown_backend_is_refused() -> None:
    """An unknown backend name is a clear error."""
    params = compile_scenario(load_scenario(DATA / "all-states.yaml"))
    with pytest.raises(ValueError, match="backend must be one of"):
        run_chunk(params, np.arange(1), 1, backend="cuda")
