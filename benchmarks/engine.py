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
   every raid's count), which should be about linear;
4. the share of one chunk's time in each stage of the step (sensing, moving,
   deciding...), and within sensing each sensor kind's (radars, cameras, RF
   detectors);
5. issue 12's two speed targets as ratios, on the pinned copy
   ``benchmarks/scenarios/coastal-airbase.yaml`` with 1000 replications: (a) the
   engine's nanoseconds per active drone-step (drones the move stage moved, summed over
   the steps) over the minimal kernel's on the same drone-steps
   (``benchmarks/minimal_kernel.py``; target at most 4); (b) where the whole-process
   ratio against commit 6a7d3c3 is measured (``benchmarks/compare_commits.py``;
   target: median ratio at most 0.5).

Timings are wall-clock on whatever machine runs this; compare ratios, not seconds,
across machines. Use ``--quick`` to skip the 10 000-replication and 480-drone points,
``--targets`` to print only section 5.
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
from typing import Any

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


STAGES = (
    "launch_and_move",
    "act",
    "resolve",
    "settle",
    "sense",
    "reload",
    "truth_picture",
    "decide",
    "engage",
)
"""The stage functions ``run_chunk`` calls (names in skyscreen.engine.core)."""


def stage_shares(
    spec: skyscreen.ScenarioSpec, n: int
) -> tuple[float, dict[str, float]]:
    """Wall time of one chunk and the seconds spent in each stage and sensor kind.

    Each stage function that ``run_chunk`` calls, and each sensor kind's ``sense``, is
    wrapped in a timer for the one run (a few microseconds per call of overhead).
    """
    from skyscreen.engine import core
    from skyscreen.engine.kinds import SENSOR_KINDS

    params = compile_scenario(spec)
    run_chunk(params, np.arange(2), 1)  # warm up
    spent: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    saved = {name: getattr(core, name) for name in STAGES}
    kinds = {kind: kind.sense for kind in SENSOR_KINDS}
    try:
        for name, fn in saved.items():
            setattr(core, name, timed(name, fn))
        for kind, fn in kinds.items():
            kind.sense = timed(f"sense: {kind.name}", fn)
        t = time.perf_counter()
        run_chunk(params, np.arange(n), 1)
        wall = time.perf_counter() - t
    finally:
        for name, fn in saved.items():
            setattr(core, name, fn)
        for kind in kinds:
            del kind.sense  # back to the class's method
    return wall, spent


def scaled(spec: skyscreen.ScenarioSpec, factor: int) -> skyscreen.ScenarioSpec:
    """The scenario with every raid's drone count multiplied by ``factor``."""
    data = spec.model_dump(mode="json", by_alias=True)
    for raid in data["raids"]:
        raid["count"] *= factor
        raid["launch_interval_s"] = raid["launch_interval_s"] / factor
    return parse_scenario(data)


def engine_per_drone_step(n: int, repeat: int = 3) -> dict[str, float]:
    """The engine's wall time per active drone-step on the pinned coastal-airbase.

    One chunk of ``n`` replications on one core, warm, median of ``repeat`` runs. The
    move stage's kernel is wrapped to add up the drones it moves in each step (one
    Python call per step, a microsecond against the step's milliseconds).
    """
    from skyscreen.engine import move as engine_move

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from minimal_kernel import SCENARIO

    spec = load_scenario(SCENARIO)
    params = compile_scenario(spec)
    run_chunk(params, np.arange(2), 1)  # warm up
    moved = [0]
    inner = engine_move._move

    def counting(k: Any, *args: Any) -> Any:
        moved[0] += len(k)
        return inner(k, *args)

    times = []
    engine_move._move = counting
    try:
        for _ in range(repeat):
            moved[0] = 0
            t = time.perf_counter()
            run_chunk(params, np.arange(n), spec.run.seed)
            times.append(time.perf_counter() - t)
    finally:
        engine_move._move = inner
    sec = float(np.median(times))
    return {"drone_steps": moved[0], "seconds": sec, "ns": sec / moved[0] * 1e9}


def targets(n: int = 1000) -> None:
    """Print issue 12's speed targets as ratios (section 5)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from minimal_kernel import measure

    print(
        f"\n5. issue 12 targets, benchmarks/scenarios/coastal-airbase.yaml, "
        f"{n} replications, one core"
    )
    eng = engine_per_drone_step(n)
    mk = measure(n)
    print(
        f"   engine:         {eng['seconds']:6.2f} s  "
        f"{eng['drone_steps'] / 1e6:6.2f} M active drone-steps  "
        f"{eng['ns']:6.1f} ns per drone-step"
    )
    print(
        f"   minimal kernel: {mk['seconds']:6.2f} s  "
        f"{mk['drone_steps'] / 1e6:6.2f} M drone-steps         "
        f"{mk['ns_per_drone_step']:6.1f} ns per drone-step"
    )
    print(
        f"   (a) engine / minimal kernel, per drone-step: "
        f"{eng['ns'] / mk['ns_per_drone_step']:5.2f}x   (target <= 4)"
    )
    print(
        "   (b) whole process against commit 6a7d3c3 (target: median ratio <= 0.5):"
        "\n       python benchmarks/compare_commits.py 6a7d3c3 "
        "--scenario coastal-airbase --replications 1000"
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the largest points")
    ap.add_argument(
        "--targets", action="store_true", help="print only issue 12's target ratios"
    )
    args = ap.parse_args()
    if args.targets:
        targets()
        return
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

    print("\n4. share of one chunk's time (500 replications) by stage")
    wall, spent = stage_shares(spec, 500)
    for name, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
        if name.startswith("sense: "):
            continue
        print(f"   {name:<16} {sec:6.2f} s  {100 * sec / wall:5.1f} %")
        if name == "sense":
            for sub, s2 in spent.items():
                if sub.startswith("sense: "):
                    print(f"     {sub[7:]:<14} {s2:6.2f} s  {100 * s2 / wall:5.1f} %")
    print(f"   {'(whole chunk)':<16} {wall:6.2f} s")

    targets()


if __name__ == "__main__":
    main()
