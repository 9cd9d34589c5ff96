"""Tracking scenarios beyond the Stone Soup harness's generator (numpy only).

``make_crossing_scenario`` writes a *dense crossing* scenario in the exact format of
``shared/peers/stonesoup/make_scenario.py`` (``truth.csv``, ``meas.csv`` with the
``is_clutter``/``target_id`` label columns, ``scenario.json`` with the keys
``run_stonesoup.py`` and ``score.py`` read), so both the harness and skyscreen's
``track`` command run on it unchanged.

The scene is made of *groups* of targets flying nearly parallel paths that cross:
within a group every target has nearly the same speed, the headings are spread over a
small crossing angle (5-20° between neighbours, random order) and at the group's
crossing time the targets are 1-3 σ apart (σ the measurement noise) across the mean
direction of flight, so neighbouring paths intersect within a few scans of it and stay
within 3 σ of each other for roughly 5-15 scans (the ambiguity that separates GNN from
JPDA). Every target is alive for a window around its group's crossing
time; the groups' crossing times are spread over the run, so crossings go on all the
time. Each truth trajectory is a straight line plus a nearly-constant-velocity
deviation that is zero at the crossing time and grows from it both ways (the same
white-noise-acceleration model as the harness, PSD ``q``), so the geometry at the
crossing is what was asked for while the paths still wander like the harness's.

Measurements: each live target detected with probability ``pd``, true position plus
N(0, σ²) noise per axis; Poisson(``clutter``) false alarms per scan, uniform over the
square box. Rows are shuffled within a step, ``meas_id`` runs over the file.

Usage::

    python benchmarks/tracking_scenarios.py crossing --seed 11 --out DIR
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

#: The default crossing scenario (also the benchmark's ``crossing`` case).
CROSSING_DEFAULTS: dict[str, Any] = {
    "n_groups": 12,
    "group_size": 3,
    "steps": 200,
    "dt": 1.0,
    "box": 20000.0,
    "speed_range": (30.0, 50.0),
    "speed_spread": 0.03,
    "angle_range_deg": (5.0, 20.0),
    "sep_range_sigma": (1.0, 3.0),
    "half_life_range": (25, 60),
    "q": 0.05,
    "sigma": 10.0,
    "pd": 0.9,
    "clutter": 50.0,
    "margin": 1000.0,
}


def _ncv_deviation(
    rng: np.random.Generator, n: int, dt: float, q: float
) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity deviation (n, 2) of an NCV walk that starts at zero."""
    pos = np.zeros((n, 2))
    vel = np.zeros((n, 2))
    if n <= 1:
        return pos, vel
    cov = q * np.array([[dt**3 / 3.0, dt**2 / 2.0], [dt**2 / 2.0, dt]])
    chol = np.linalg.cholesky(cov)
    kicks = rng.standard_normal((n - 1, 2, 2)) @ chol.T  # (step, axis, [p, v])
    for k in range(1, n):
        pos[k] = pos[k - 1] + dt * vel[k - 1] + kicks[k - 1, :, 0]
        vel[k] = vel[k - 1] + kicks[k - 1, :, 1]
    return pos, vel


def crossing_truth(
    seed: int, **overrides: Any
) -> tuple[list[tuple[int, int, float, float, float, float]], dict[str, Any]]:
    """Truth rows ``(step, target_id, x, y, vx, vy)`` and the parameters used."""
    p = {**CROSSING_DEFAULTS, **overrides}
    unknown = set(p) - set(CROSSING_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown crossing parameters: {sorted(unknown)}")
    rng = np.random.default_rng(seed)
    steps, dt, box, sigma = int(p["steps"]), float(p["dt"]), float(p["box"]), p["sigma"]
    lo_life, hi_life = p["half_life_range"]
    rows: list[tuple[int, int, float, float, float, float]] = []
    tid = 0
    t_cross_all = np.linspace(lo_life, steps - 1 - lo_life, int(p["n_groups"]))
    t_cross_all = rng.permutation(np.round(t_cross_all).astype(int))
    for t_c in t_cross_all:
        g = int(p["group_size"])
        speed = rng.uniform(*p["speed_range"])
        base = rng.uniform(0.0, 2.0 * np.pi)
        # headings: neighbours differ by a crossing angle in angle_range_deg
        gaps = np.deg2rad(rng.uniform(*p["angle_range_deg"], size=g - 1))
        heads = base + np.concatenate([[0.0], np.cumsum(gaps)])
        heads -= heads.mean() - base
        # across-track offsets at t_c: neighbours 1-3 sigma apart, centred
        seps = sigma * rng.uniform(*p["sep_range_sigma"], size=g - 1)
        offs = np.concatenate([[0.0], np.cumsum(seps)])
        offs -= offs.mean()
        order = rng.permutation(g)  # which heading goes with which offset
        normal = np.array([-np.sin(base), np.cos(base)])
        reach = speed * (1 + p["speed_spread"]) * hi_life * dt + p["margin"]
        centre = rng.uniform(reach, box - reach, size=2)
        for j in range(g):
            h = heads[order[j]]
            v0 = speed * (1 + p["speed_spread"] * rng.uniform(-1, 1))
            vel = v0 * np.array([np.cos(h), np.sin(h)])
            p_c = centre + offs[j] * normal
            before = int(rng.integers(lo_life, hi_life + 1))
            after = int(rng.integers(lo_life, hi_life + 1))
            k0, k1 = max(0, t_c - before), min(steps, t_c + after + 1)
            fwd_p, fwd_v = _ncv_deviation(rng, k1 - t_c, dt, p["q"])
            bwd_p, bwd_v = _ncv_deviation(rng, t_c - k0 + 1, dt, p["q"])
            for k in range(k0, k1):
                if k >= t_c:
                    dp, dv = fwd_p[k - t_c], fwd_v[k - t_c]
                else:  # backwards in time: the velocity deviation changes sign
                    dp, dv = bwd_p[t_c - k], -bwd_v[t_c - k]
                x, y = p_c + (k - t_c) * dt * vel + dp
                vx, vy = vel + dv
                rows.append((k, tid, float(x), float(y), float(vx), float(vy)))
            tid += 1
    rows.sort(key=lambda r: (r[0], r[1]))
    xy = np.array([r[2:4] for r in rows])
    if xy.size and (xy.min() < 0.0 or xy.max() > box):
        raise RuntimeError("a trajectory left the box; use a larger box")
    p["n_targets"] = tid
    return rows, p


def make_crossing_scenario(out: Path | str, seed: int, **overrides: Any) -> dict:
    """Write a dense crossing scenario to ``out`` in the harness's format.

    Deterministic in ``seed`` (numpy ``default_rng``) and the overrides of
    ``CROSSING_DEFAULTS``. Returns the ``scenario.json`` contents.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    truth, p = crossing_truth(seed, **overrides)
    # independent stream for the sensor, so geometry and detections vary separately
    rng = np.random.default_rng([seed, 1])
    steps, box, n = int(p["steps"]), float(p["box"]), int(p["n_targets"])
    by_step: dict[int, list[tuple[int, float, float]]] = {}
    for k, tid, x, y, _, _ in truth:
        by_step.setdefault(k, []).append((tid, x, y))
    meas: list[tuple[int, int, float, float, int, int]] = []
    n_det = n_clutter = 0
    births = [steps] * n
    deaths = [0] * n
    for k in range(steps):
        live = by_step.get(k, [])
        for tid, _, _ in live:
            births[tid] = min(births[tid], k)
            deaths[tid] = max(deaths[tid], k + 1)
        detected = rng.random(len(live)) < p["pd"]
        noise = rng.standard_normal((len(live), 2)) * p["sigma"]
        step_rows = [
            (x + noise[j, 0], y + noise[j, 1], 0, tid)
            for j, (tid, x, y) in enumerate(live)
            if detected[j]
        ]
        n_c = int(rng.poisson(p["clutter"]))
        step_rows += [(c[0], c[1], 1, -1) for c in rng.uniform(0.0, box, (n_c, 2))]
        n_det += int(detected.sum())
        n_clutter += n_c
        for idx in rng.permutation(len(step_rows)):
            x, y, is_cl, tid = step_rows[idx]
            meas.append((k, len(meas), float(x), float(y), is_cl, tid))

    with open(out / "truth.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "target_id", "x", "y", "vx", "vy"])
        for r in truth:
            w.writerow([r[0], r[1]] + [f"{v:.4f}" for v in r[2:]])
    with open(out / "meas.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "meas_id", "x", "y", "is_clutter", "target_id"])
        for r in meas:
            w.writerow([r[0], r[1], f"{r[2]:.4f}", f"{r[3]:.4f}", r[4], r[5]])
    meta = {
        "format_version": 1,
        "generator": "skyscreen benchmarks/tracking_scenarios.py crossing",
        "n_targets": n,
        "steps": steps,
        "dt": p["dt"],
        "seed": seed,
        "box": [[0.0, box], [0.0, box]],
        "speed_range": list(p["speed_range"]),
        "q_truth": p["q"],
        "sigma": p["sigma"],
        "pd": p["pd"],
        "clutter_rate": p["clutter"],
        "clutter_spatial_density": p["clutter"] / box**2,
        "births": births,
        "deaths_exclusive": deaths,
        "n_truth_rows": len(truth),
        "n_target_detections": n_det,
        "n_clutter": n_clutter,
        "n_meas_rows": len(meas),
        "state_order_truth_csv": ["x", "y", "vx", "vy"],
        "units": "metres, seconds; step k is at time k*dt",
        "crossing": {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in p.items()
            if k in CROSSING_DEFAULTS
        },
    }
    (out / "scenario.json").write_text(json.dumps(meta, indent=1))
    return meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="kind", required=True)
    c = sub.add_parser("crossing", help="dense small-angle crossing groups")
    c.add_argument("--seed", type=int, default=11)
    c.add_argument("--out", type=Path, required=True)
    for key, val in CROSSING_DEFAULTS.items():
        if isinstance(val, tuple):
            continue
        c.add_argument(f"--{key.replace('_', '-')}", type=type(val), default=val)
    args = ap.parse_args(argv)
    over = {
        k: getattr(args, k)
        for k, v in CROSSING_DEFAULTS.items()
        if not isinstance(v, tuple)
    }
    meta = make_crossing_scenario(args.out, args.seed, **over)
    summary = {k: meta[k] for k in ("n_targets", "n_target_detections", "n_clutter")}
    print(json.dumps({"out": str(args.out), **summary}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
