r"""Time two scenarios against each other with this checkout, per drone-step.

Usage::

    python benchmarks/compare_scenarios.py A.yaml B.yaml [--runs 5] [--replications 400]

The question it answers: what does a scenario's extra equipment cost? For example the
sensors issue's target, "coastal-airbase with its cameras and RF detectors within 1.3x
of the pinned coastal-airbase per drone-step"::

    python benchmarks/compare_scenarios.py benchmarks/scenarios/coastal-airbase.yaml \\
        examples/coastal-airbase.yaml --target 1.3

Each run is a fresh subprocess of this interpreter that loads the scenario, calls
``simulate`` once on 2 replications (untimed: loads the compiled kernels), then times
``simulate(spec, replications=N, seed=1, workers=1, progress=False)``. Runs alternate
A B, B A, ... to cancel drift. The cost is seconds per drone-step: the simulate() time
divided by replications x drones x steps on the time grid (``duration_s / dt_s``), so
scenarios of different sizes compare. Prints the median of each and the ratio B/A of
medians with a bootstrap 95% interval (2000 resamples, fixed seed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

_RUNNER = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import skyscreen
spec = skyscreen.load_scenario(sys.argv[1])
n = int(sys.argv[2])
skyscreen.simulate(spec, replications=2, seed=1, workers=1, progress=False)
t = time.perf_counter()
skyscreen.simulate(spec, replications=n, seed=1, workers=1, progress=False)
wall = time.perf_counter() - t
steps = spec.run.duration_s / spec.run.dt_s
print(json.dumps({"wall": wall, "drone_steps": n * spec.n_drones * steps}))
"""


def _one(path: Path, n: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(path), str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    return float(rec["wall"] / rec["drone_steps"])


def _ratio_ci(a: list[float], b: list[float]) -> tuple[float, float, float]:
    rng = np.random.default_rng(0)
    xa, xb = np.asarray(a), np.asarray(b)
    ratio = float(np.median(xb) / np.median(xa))
    boot = [
        np.median(rng.choice(xb, len(xb))) / np.median(rng.choice(xa, len(xa)))
        for _ in range(2000)
    ]
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return ratio, float(lo), float(hi)


def main() -> int:
    """Run the comparison and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path, help="the reference scenario")
    ap.add_argument("b", type=Path, help="the scenario to compare with it")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--replications", type=int, default=400)
    ap.add_argument("--target", type=float, default=None, help="ratio to meet")
    args = ap.parse_args()
    times: dict[str, list[float]] = {"a": [], "b": []}
    _one(args.a, 2), _one(args.b, 2)  # warm numba's caches, untimed
    for i in range(args.runs):
        order = ("a", "b") if i % 2 == 0 else ("b", "a")
        for side in order:
            path = args.a if side == "a" else args.b
            times[side].append(_one(path, args.replications))
        print(
            f"round {i + 1}/{args.runs}: A {times['a'][-1] * 1e9:.1f}, "
            f"B {times['b'][-1] * 1e9:.1f} ns per drone-step",
            flush=True,
        )
    ratio, lo, hi = _ratio_ci(times["a"], times["b"])
    ma, mb = np.median(times["a"]) * 1e9, np.median(times["b"]) * 1e9
    verdict = ""
    if args.target is not None:
        verdict = f"  target <= {args.target}: {'ok' if ratio <= args.target else 'NO'}"
    print(
        f"A {args.a}: {ma:.1f} ns per drone-step (median of {args.runs})\n"
        f"B {args.b}: {mb:.1f} ns per drone-step\n"
        f"ratio B/A {ratio:.3f}  95% CI [{lo:.3f}, {hi:.3f}]{verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
