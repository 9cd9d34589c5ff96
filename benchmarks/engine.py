"""Engine throughput on coastal-airbase (truth fidelity), run by hand: ``make bench``.

Prints, for the bundled coastal-airbase scenario (24 drones, dt_s and duration as in the
file):

1. cold and warm end-to-end wall time of ``skyscreen run ... -n 1000`` in a fresh
   process, start-up included (cold: numba's on-disk cache emptied first, so the kernels
   are compiled; warm: cache present) — the target is under 15 s;
2. in-process replications/s and drone-steps/s of one chunk on one core (the NumPy twin
   kernels are gone: measured 3.1x slower than the compiled ones on coastal-airbase,
   they no longer earned their keep; speed against an earlier commit is measured by
   benchmarks/compare_commits.py);
3. scaling in replications (100 -> 10 000) and in drones (24 -> 480, by multiplying
   every raid's count), which should be about linear.

Timings are wall-clock on whatever machine runs this; compare ratios, not seconds,
across machines. Use ``--quick`` to skip the 10 000-replication and 480-drone points.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import skyscreen
from skyscreen.engine import run_chunk
from skyscreen.scenario import example_path, load_scenario, parse_scenario
from skyscreen.scenario.compile import compile_scenario

ROOT = Path(__file__).resolve().parents[1]


def _clear_numba_cache() -> None:
    cache = Path(skyscreen.__file__).parent / "engine" / "__pycache__"
    for f in list(cache.glob("*.nbi")) + list(cache.glob("*.nbc")):
        f.unlink()


def end_to_end(n: int, cold: bool) -> float:
    """Wall time of the CLI in a fresh process (start-up included)."""
    if cold:
        _clear_numba_cache()
    out = Path(tempfile.mkdtemp()) / "run"
    exe = Path(sys.executable).with_name("skyscreen")
    cmd = [
        str(exe),
        "run",
        str(example_path("coastal-airbase")),
        "-n",
        str(n),
        "--quiet",
        "--out",
        str(out),
    ]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t
    shutil.rmtree(out.parent, ignore_errors=True)
    return wall


def in_process(spec: skyscreen.ScenarioSpec, n: int) -> tuple[float, int]:
    """Warm wall time of one chunk of ``n`` replications, and the steps stepped."""
    params = compile_scenario(spec)
    run_chunk(params, np.arange(2), 1)  # warm up
    t = time.perf_counter()
    res = run_chunk(params, np.arange(n), 1)
    return time.perf_counter() - t, res.n_steps_run


def scaled(spec: skyscreen.ScenarioSpec, factor: int) -> skyscreen.ScenarioSpec:
    """The scenario with every raid's drone count multiplied by ``factor``."""
    data = spec.model_dump(mode="json", by_alias=True)
    for raid in data["raids"]:
        raid["count"] *= factor
        raid["launch_interval_s"] = raid["launch_interval_s"] / factor
    return parse_scenario(data)


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the largest points")
    args = ap.parse_args()
    spec = load_scenario(example_path("coastal-airbase"))
    n_d, dt, dur = spec.n_drones, spec.run.dt_s, spec.run.duration_s
    grid_steps = round(dur / dt)
    print(
        f"coastal-airbase, truth fidelity: {n_d} drones, dt_s {dt}, duration "
        f"{dur:.0f} s ({grid_steps} steps); {os.cpu_count()} CPUs; "
        f"numpy {np.__version__}"
    )

    print("\n1. end to end, `skyscreen run -n 1000` in a fresh process (target < 15 s)")
    cold = end_to_end(1000, cold=True)
    warm = end_to_end(1000, cold=False)
    print(f"   cold (kernels compiled): {cold:6.2f} s   {1000 / cold:7.1f} rep/s")
    print(f"   warm (kernels cached):   {warm:6.2f} s   {1000 / warm:7.1f} rep/s")

    print("\n2. one chunk of 500 replications in this process, one core")
    t_nb, steps = in_process(spec, 500)
    print(
        f"   {t_nb:6.2f} s   {500 / t_nb:7.1f} rep/s   "
        f"{500 * n_d * grid_steps / t_nb / 1e6:6.2f} M drone-steps/s "
        f"({steps} of {grid_steps} steps stepped)"
    )

    print("\n3a. scaling in replications (simulate, 2 workers, warm)")
    reps = [100, 1000] if args.quick else [100, 1000, 10_000]
    base = None
    for n in reps:
        t = time.perf_counter()
        skyscreen.simulate(spec, replications=n, seed=1, workers=2, progress=False)
        wall = time.perf_counter() - t
        base = base or wall / n
        print(
            f"   {n:>6} reps: {wall:7.2f} s   {n / wall:7.1f} rep/s   "
            f"cost per rep x{wall / n / base:.2f} of the first"
        )

    print("\n3b. scaling in drones (one chunk of 200 replications)")
    factors = [1, 5] if args.quick else [1, 5, 10, 20]
    base = None
    for f in factors:
        s = scaled(spec, f)
        t, _ = in_process(s, 200)
        per = t / (200 * s.n_drones)
        base = base or per
        print(
            f"   {s.n_drones:>4} drones: {t:7.2f} s   "
            f"{200 * s.n_drones * grid_steps / t / 1e6:6.2f} M drone-steps/s   "
            f"cost per drone x{per / base:.2f} of the first"
        )


if __name__ == "__main__":
    main()
