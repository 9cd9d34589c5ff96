r"""Tracked fidelity against truth fidelity: run time and outcomes, per example.

Usage::

    python benchmarks/tracked_vs_truth.py [--scenario coastal-airbase] [--runs 5]
        [--replications 200] [--target 3] [--outcomes] [--all]

Two questions. **Time** (the tracking issue's target: tracked fidelity on
coastal-airbase within 3x of truth fidelity's run time): each run is a fresh
subprocess of this interpreter that calls ``simulate`` once on 2 replications (untimed:
loads the compiled kernels), then times ``simulate(spec, replications=N, seed=1,
workers=1, fidelity=F)``. Runs alternate truth, tracked, tracked, truth, ... to cancel
drift; the median of each and the ratio tracked/truth of medians with a bootstrap 95%
interval (2000 resamples, fixed seed) are printed.

**Outcomes** (``--outcomes``; ``--all`` for every bundled example): the same seeds and
replications in both fidelities (common random numbers: the raids, launch times and
draws are the same), and the mean leakers, kills, value damaged, munitions cost and
rounds in each with the paired difference tracked - truth and its 95% interval, and
the tracked run's GOSPA, false tracks per scan and detection-to-track latency.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings

import numpy as np

_RUNNER = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import skyscreen
from skyscreen.scenario import example_path
spec = skyscreen.load_scenario(example_path(sys.argv[1]))
n, fid = int(sys.argv[2]), sys.argv[3]
skyscreen.simulate(spec, replications=2, seed=1, workers=1, progress=False,
                   fidelity=fid)
t = time.perf_counter()
skyscreen.simulate(spec, replications=n, seed=1, workers=1, progress=False,
                   fidelity=fid)
print(json.dumps({"wall": time.perf_counter() - t}))
"""


def _one(name: str, n: int, fidelity: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _RUNNER, name, str(n), fidelity],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["wall"])


def _ratio_ci(a: list[float], b: list[float]) -> tuple[float, float, float]:
    rng = np.random.default_rng(0)
    xa, xb = np.asarray(a), np.asarray(b)
    boot = [
        np.median(rng.choice(xb, len(xb))) / np.median(rng.choice(xa, len(xa)))
        for _ in range(2000)
    ]
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return float(np.median(xb) / np.median(xa)), float(lo), float(hi)


def timing(name: str, runs: int, n: int, target: float | None) -> int:
    truth: list[float] = []
    tracked: list[float] = []
    for i in range(runs):
        order = ("truth", "tracked") if i % 2 == 0 else ("tracked", "truth")
        for fid in order:
            (truth if fid == "truth" else tracked).append(_one(name, n, fid))
    r, lo, hi = _ratio_ci(truth, tracked)
    print(f"{name}: {n} replications, {runs} runs each, interleaved")
    print(f"  truth   median {np.median(truth):8.3f} s   runs {np.round(truth, 3)}")
    print(f"  tracked median {np.median(tracked):8.3f} s   runs {np.round(tracked, 3)}")
    verdict = ""
    if target is not None:
        verdict = "  ok" if hi <= target else f"  MISSED (target {target}x)"
    print(f"  tracked / truth = {r:.2f}x  [95% {lo:.2f}, {hi:.2f}]{verdict}")
    return 0 if target is None or hi <= target else 1


def outcomes(name: str, n: int) -> None:
    import skyscreen
    from skyscreen.scenario import ScenarioWarning, example_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        spec = skyscreen.load_scenario(example_path(name))
        res = {
            fid: skyscreen.simulate(
                spec,
                replications=n,
                seed=1,
                workers=None,
                progress=False,
                fidelity=fid,
            )
            for fid in ("truth", "tracked")
        }
    a, b = res["truth"].summary, res["tracked"].summary
    print(f"{name}: {n} replications, same seeds in both fidelities")
    print(f"  {'metric':<22}{'truth':>14}{'tracked':>14}{'tracked-truth [95%]':>34}")
    for col in (
        "n_leaked",
        "n_killed",
        "n_engaged",
        "value_damaged_usd",
        "munitions_cost_usd",
        "rounds_fired",
        "missiles_fired",
    ):
        d = b[col].to_numpy(float) - a[col].to_numpy(float)
        half = 1.96 * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        print(
            f"  {col:<22}{a[col].mean():>14.4g}{b[col].mean():>14.4g}"
            f"{d.mean():>14.4g} [{d.mean() - half:.4g}, {d.mean() + half:.4g}]"
        )
    for col in (
        "track_gospa_m",
        "track_ospa_m",
        "false_tracks_per_cycle",
        "missed_truths_per_cycle",
        "detect_to_track_s",
    ):
        print(f"  {col:<22}{'':>14}{np.nanmean(b[col]):>14.4g}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scenario", default="coastal-airbase", help="bundled example")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--target", type=float, default=3.0)
    ap.add_argument("--outcomes", action="store_true", help="compare outcomes instead")
    ap.add_argument("--all", action="store_true", help="every bundled example")
    args = ap.parse_args(argv)
    from skyscreen.scenario import example_names

    names = list(example_names()) if args.all else [args.scenario]
    status = 0
    for name in names:
        if args.outcomes:
            outcomes(name, args.replications)
        else:
            status |= timing(name, args.runs, args.replications, args.target)
    return status


if __name__ == "__main__":
    sys.exit(main())
