"""The practical speed limit: a minimal kernel doing only the irreducible per-drone-step work.

Run by hand: ``python benchmarks/minimal_kernel.py [-n 1000]``. Prints nanoseconds per
drone-step of a numba kernel that does, for every drone-step the engine steps on the
pinned scenario ``benchmarks/scenarios/coastal-airbase.yaml``, only what no engine can
skip:

- **move** on a straight leg: the drone flies from its launch point toward its aim
  point at its own (jittered) cruise speed, one ``dt`` per step;
- **detect**: for each radar scanning in the step (the radars' own scan periods, as
  the engine schedules them), slant range, range limit, the radar equation's SNR, the
  Swerling 1 Pd and one Philox uniform from the same (replication, radar, drone, scan)
  stream the engine draws from, compared with the Pd;
- **threat update**: on decision steps (``doctrine.decision_period_s``), the drone's
  threat value and time to go against every asset (the engine's
  :func:`skyscreen.c2.threat.entry_threat`).

Nothing else: no status codes, no shots, no assignment, no NumPy between steps. The
drone-steps are exactly the engine's: one untimed engine run of the same replications
(``skyscreen.engine.run_chunk``, truth fidelity) counts, per (replication, drone), the
steps in which the move stage moved the drone and the first of them; the kernel then
steps each drone that many times from that step. ``benchmarks/engine.py`` divides the
engine's time per active drone-step by this kernel's (target: within 4x).

This file was written before the optimisation of the engine that issue 12 asks for,
so that the limit was not chosen to fit the result. Timings are wall-clock, one core,
median of ``--repeat`` runs after a warm-up (compilation excluded).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray, IntArray
from skyscreen.c2.threat import entry_threat
from skyscreen.engine import move as engine_move
from skyscreen.engine import run_chunk
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.kinds import make_layout
from skyscreen.engine.rng import Purpose, stream_keys, uniform
from skyscreen.engine.setup import init_state
from skyscreen.models import radar as radar_model
from skyscreen.scenario import load_scenario
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.params import ScenarioParams

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "benchmarks" / "scenarios" / "coastal-airbase.yaml"


def engine_drone_steps(
    p: ScenarioParams, reps: IntArray, seed: int
) -> tuple[IntArray, IntArray]:
    """Per (replication, drone), the steps the engine moved it and the first of them.

    Runs the engine once (untimed) with the move stage's kernel wrapped: each call
    receives the flat indices ``r·D + d`` of the drones it moves in the step. Returns
    ``(count, first)``, both int (R, D); ``first`` is -1 for a drone never moved.
    """
    n_rep, n_d = len(reps), p.drones.n
    count = np.zeros(n_rep * n_d, dtype=np.int64)
    first = np.full(n_rep * n_d, -1, dtype=np.int64)
    step = {"s": -1}
    inner = engine_move._move

    def counting(k: IntArray, n: int, t0: float, *args: Any) -> Any:
        s = round(t0 / p.dt_s)
        step["s"] = s
        count[k] += 1  # k holds each drone once per call
        new = k[first[k] < 0]
        first[new] = s
        return inner(k, n, t0, *args)

    engine_move._move = counting
    try:
        run_chunk(p, reps, seed)
    finally:
        engine_move._move = inner
    return count.reshape(n_rep, n_d), first.reshape(n_rep, n_d)


@njit(cache=False)
def minimal_kernel(
    reps: IntArray,
    dkey: IntArray,
    start: FloatArray,
    aim: FloatArray,
    speed: FloatArray,
    count: IntArray,
    first: IntArray,
    dt: float,
    rcs: FloatArray,
    radar_pos: FloatArray,
    range_max: FloatArray,
    snr_ref: FloatArray,
    rcs_ref: FloatArray,
    range_ref: FloatArray,
    pfa: FloatArray,
    scan_no: IntArray,
    radar_keys: IntArray,
    deciding: IntArray,
    lethal: FloatArray,
    asset_pos: FloatArray,
    asset_r: FloatArray,
    asset_v: FloatArray,
    margin: float,
    tau: float,
) -> tuple[int, float]:
    """Step every (replication, drone) ``count`` times from step ``first``.

    Returns the detections made and the summed threat value (so that nothing the
    kernel computes can be optimised away).
    """
    n_rep, n_d = count.shape
    n_radar = radar_pos.shape[0]
    n_det = 0
    total = 0.0
    for i in range(n_rep):
        rep = reps[i]
        for d in range(n_d):
            n = count[i, d]
            if n == 0:
                continue
            x, y, z = start[i, d, 0], start[i, d, 1], start[i, d, 2]
            ex, ey = aim[i, d, 0] - x, aim[i, d, 1] - y
            norm = max(math.hypot(ex, ey), 1e-9)
            vx, vy = speed[i, d] * ex / norm, speed[i, d] * ey / norm
            s0 = first[i, d]
            for s in range(s0, s0 + n):
                # Move: one step along the straight leg.
                x += vx * dt
                y += vy * dt
                # Detect: a Swerling 1 draw by each radar scanning in the step.
                for q in range(n_radar):
                    scan = scan_no[s, q]
                    if scan < 0:
                        continue
                    rx = x - radar_pos[q, 0]
                    ry = y - radar_pos[q, 1]
                    rz = z - radar_pos[q, 2]
                    rng = max(math.sqrt(rx * rx + ry * ry + rz * rz), 1e-3)
                    if rng > range_max[q]:
                        continue
                    snr = radar_model.snr(
                        rng, rcs[d], snr_ref[q], rcs_ref[q], range_ref[q]
                    )
                    pd = radar_model.pd_swerling1(snr, pfa[q])
                    u = uniform(
                        radar_keys[q, 0],
                        radar_keys[q, 1],
                        rep,
                        dkey[d, 0],
                        dkey[d, 1],
                        scan,
                    )
                    if u < pd:
                        n_det += 1
                # Threat update on decision steps.
                if deciding[s]:
                    value, _ = entry_threat(
                        x,
                        y,
                        vx,
                        vy,
                        lethal[d],
                        asset_pos,
                        asset_r,
                        asset_v,
                        margin,
                        tau,
                    )
                    total += value
    return n_det, total


def measure(n: int, repeat: int = 5, seed: int | None = None) -> dict[str, float]:
    """Time the minimal kernel on the engine's drone-steps of ``n`` replications.

    Returns ``drone_steps``, ``seconds`` (median of ``repeat`` timed runs) and
    ``ns_per_drone_step``.
    """
    spec = load_scenario(SCENARIO)
    p = compile_scenario(spec)
    seed = spec.run.seed if seed is None else seed
    reps = np.arange(n, dtype=np.int64)
    count, first = engine_drone_steps(p, reps, seed)
    st = init_state(p, make_layout(p), reps, seed)
    aim = st.route_m[:, np.arange(p.drones.n), p.drones.n_waypoints]  # (R, D, 3)
    rd = p.sensors["radar"]
    scan_no = tick_numbers(rd.scan_period_s, p.n_steps, p.dt_s, p.duration_s)
    deciding = (
        tick_numbers(
            np.array([p.doctrine.decision_period_s]), p.n_steps, p.dt_s, p.duration_s
        )[:, 0]
        >= 0
    ).astype(np.int64)
    args = (
        reps,
        st.drone_key,
        np.ascontiguousarray(st.home_m),
        np.ascontiguousarray(aim),
        st.speed_mps,
        count,
        np.maximum(first, 0),
        float(p.dt_s),
        p.drones.rcs_m2,
        rd.pos_m,
        rd.range_max_m,
        rd.snr_ref,
        rd.rcs_ref_m2,
        rd.range_ref_m,
        rd.pfa,
        scan_no,
        stream_keys(seed, int(Purpose.DETECTION), rd.ids),
        deciding,
        p.drones.lethal_radius_m,
        p.assets.pos_m,
        p.assets.radius_m,
        p.assets.value_usd,
        float(p.doctrine.danger_margin_m),
        float(p.doctrine.urgency_tau_s),
    )
    minimal_kernel(*args)  # compile
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        minimal_kernel(*args)
        times.append(time.perf_counter() - t)
    steps = int(count.sum())
    sec = float(np.median(times))
    return {
        "drone_steps": steps,
        "seconds": sec,
        "ns_per_drone_step": sec / steps * 1e9,
    }


def main() -> None:
    """Print the minimal kernel's nanoseconds per drone-step."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="replications (default 1000)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs (median)")
    args = ap.parse_args()
    m = measure(args.n, args.repeat)
    print(
        f"minimal kernel, coastal-airbase (pinned), {args.n} replications: "
        f"{m['drone_steps'] / 1e6:.2f} M drone-steps (the engine's), "
        f"{m['seconds']:.3f} s, {m['ns_per_drone_step']:.1f} ns per drone-step"
    )


if __name__ == "__main__":
    main()
