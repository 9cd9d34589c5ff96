"""Peak memory of 2000 drones x 1000 replications (issue 12's memory target: under 4 GB).

The pinned large scenario (``benchmarks/scenarios/large-500x100.yaml``) with every
raid's count times 4 (2000 drones), run with ``simulate`` on 2 workers. Resident
memory is summed over the whole process tree (this process, the fork server and its
workers, found through ``/proc``) every half second; the peak is printed with the
wall time, the chunk size and the result tables' size.

Run: ``python benchmarks/memory_2000.py [-n 1000] [--workers 2]`` (about 8 minutes on
2 cores for 1000 replications). Linux only (reads ``/proc``).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import skyscreen
from skyscreen.scenario import load_scenario, parse_scenario

SCENARIO = Path(__file__).parent / "scenarios" / "large-500x100.yaml"


def tree_rss_mb(root: int) -> float:
    """Resident memory (MiB) of ``root`` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(name))
    total_kb, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return total_kb / 1024


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--replications", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--factor", type=int, default=4, help="raid counts multiplied by")
    args = ap.parse_args(argv)
    data = load_scenario(SCENARIO).model_dump(mode="json", by_alias=True)
    for raid in data["raids"]:
        raid["count"] *= args.factor
    spec = parse_scenario(data)
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss_mb(os.getpid()))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t = time.perf_counter()
    res = skyscreen.simulate(
        spec, replications=args.replications, seed=1, workers=args.workers,
        progress=False,
    )  # fmt: skip
    wall = time.perf_counter() - t
    stop.set()
    sampler.join()
    tables = (res.summary, res.drones, res.effectors, res.assets)
    print(
        f"{sum(r.count for r in spec.raids)} drones x {args.replications} replications,"
        f" {args.workers} workers: {wall:.1f} s wall; peak resident memory of the"
        f" process tree {peak[0]:.0f} MiB (target: under 4 GB); chunk size"
        f" {res.meta.get('chunk_size')}; result tables"
        f" {sum(df.memory_usage(deep=True).sum() for df in tables) / 2**20:.0f} MiB"
    )


if __name__ == "__main__":
    main()
