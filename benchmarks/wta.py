"""Static weapon-target assignment solvers on the published instances, run by hand.

For every instance in ``shared/data/wta`` beside this repository, or in ``--data DIR``
(Andersen, Pavlikov & Toffolo 2022, doi:10.1007/s10479-022-04525-6; 50×100 and up,
one to three weapons per type) this runs

- ``greedy`` (no budget),
- ``improve`` without a budget (row ``improve.``: it stops at the first round that
  brings no improvement, so its time is the time to that point) and with
  ``time_limit_s=1`` (``--improve-time``),
- ``exact`` with ``time_limit_s=60`` (``--exact-time``; ``--quick`` runs it only on
  the 50×100 instances),

and prints, per instance and method: wall time, objective F, the gap to the
best-known value both relative to it, (F - best)/best, and as a share of the total
target value, (F - best)/ΣV, and for ``exact`` its proven lower bound, relative gap
and status. Best-known values are the best upper bounds in ``best_known.csv``
(from the authors' logs, CPLEX, 2 h per approach); note that some of those logged
values sit slightly below the true objective of any solution (solver tolerances),
so a negative gap is not always an improvement. ``brute`` is not run (these
instances are far beyond it). Then it times greedy on wta_100x200x1 (median of 200
warm runs; the first, cold call compiles or loads the numba kernels).

Timings are wall-clock on whatever machine runs this (the targets in issue 3 are for
the 2-core development machine). Usage::

    .venv/bin/python benchmarks/wta.py [--data DIR] [--quick] [--exact-time 60]
                                       [--only 50x100]

The instance files are not part of this repository (they are GPL-3.0): get them from
the authors' repository, https://github.com/tuliotoffolo/wta, and put the
``wta_<W>x<T>x<mu>.txt`` files in ``shared/data/wta`` beside this repository or pass
their directory with ``--data``. Without them the script exits 1 saying so. For
instances that need no download, see ``examples/wta`` (``--data examples/wta`` runs
on them) and ``skyscreen.c2.generate_wta_instance``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from skyscreen.c2 import WTAResult, best_known, read_wta_instance, solve_wta

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wta"
SOURCE = "https://github.com/tuliotoffolo/wta"


def _missing_data_message(data: Path) -> str:
    where = "does not exist" if not data.is_dir() else "holds no wta_<W>x<T>x<mu>.txt"
    return (
        f"no published WTA instances: {data} {where}.\n"
        "The instance files (wta_<W>x<T>x<mu>.txt, GPL-3.0, not part of this "
        f"repository) are in the authors' repository, {SOURCE} (Andersen, Pavlikov & "
        f"Toffolo 2022). Put them in {data}, or pass their directory with --data DIR "
        f"(default {DATA}). best_known.csv beside them is optional (without it the "
        "gap columns read n/a)."
    )


def _instances(data: Path, only: str | None) -> list[Path]:
    def key(p: Path) -> tuple[int, int, int]:
        w, t, mu = p.stem.removeprefix("wta_").split("x")
        return int(mu), int(w), int(t)

    files = sorted(data.glob("wta_*x*x*.txt"), key=key)
    return [f for f in files if only is None or only in f.stem]


def _row(
    name: str, total: float, best: float | None, res: WTAResult, label: str
) -> str:
    if best is None:
        rel = share = "n/a"
    else:
        rel = f"{(res.objective - best) / best:+.4%}"
        share = f"{(res.objective - best) / total:+.5%}"
    bounds = ""
    if res.method == "exact":
        bounds = f"{res.lower_bound:14.6f} {res.gap:9.2e} {res.status}"
    return (
        f"{name:16s} {label:10s} {res.time_s:9.3f} {res.objective:14.6f} "
        f"{rel:>10s} {share:>11s} {bounds}"
    )


def greedy_timing(data: Path, repeats: int = 200) -> None:
    """Median and best wall time of greedy on wta_100x200x1, after a warm-up."""
    path = data / "wta_100x200x1.txt"
    if not path.is_file():
        print("greedy timing: wta_100x200x1.txt not found")
        return
    inst = read_wta_instance(path)
    t0 = time.perf_counter()
    solve_wta(inst.values, inst.pk, inst.capacity)
    cold = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        solve_wta(inst.values, inst.pk, inst.capacity)
        times.append(time.perf_counter() - t0)
    print(
        f"greedy on wta_100x200x1: median {statistics.median(times) * 1e3:.3f} ms, "
        f"best {min(times) * 1e3:.3f} ms over {repeats} warm runs "
        f"(first call in this process {cold * 1e3:.1f} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        metavar="DIR",
        help=f"directory of the wta_*.txt instances (default {DATA}; from {SOURCE})",
    )
    parser.add_argument("--quick", action="store_true", help="exact on 50x100 only")
    parser.add_argument("--exact-time", type=float, default=60.0, help="s per instance")
    parser.add_argument(
        "--improve-time", type=float, default=1.0, help="s per instance"
    )
    parser.add_argument("--only", help="run the instances whose name contains this")
    args = parser.parse_args(argv)
    if not _instances(args.data, None):
        print(_missing_data_message(args.data), file=sys.stderr)
        return 1
    files = _instances(args.data, args.only)
    if not files:
        print(
            f"no instance in {args.data} has {args.only!r} in its name", file=sys.stderr
        )
        return 1
    # Compile (or load) the kernels outside the timings.
    solve_wta([1.0, 2.0], [[0.5, 0.4], [0.3, 0.6]], [1, 2], "exact")
    solve_wta([1.0, 2.0], [[0.5, 0.4], [0.3, 0.6]], [1, 2], "improve", max_iter=2)
    print(
        f"{'instance':16s} {'method':10s} {'time_s':>9s} {'objective':>14s} "
        f"{'gap/best':>10s} {'gap/sumV':>11s} {'lower_bound':>14s} {'rel_gap':>9s} status"
    )
    for path in files:
        inst = read_wta_instance(path)
        best = best_known(inst.name, args.data)
        total = float(np.sum(inst.values))
        runs: list[tuple[str, str, float | None]] = [
            ("greedy", "greedy", None),
            ("improve", "improve.", None),
            ("improve", "improve", args.improve_time),
        ]
        if not args.quick or inst.pk.shape[0] <= 50:
            runs.append(("exact", "exact", args.exact_time))
        for method, label, limit in runs:
            res = solve_wta(
                inst.values, inst.pk, inst.capacity, method, time_limit_s=limit
            )
            print(_row(inst.name, total, best, res, label), flush=True)
    greedy_timing(args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
