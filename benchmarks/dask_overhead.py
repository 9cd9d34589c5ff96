"""Time the Dask executor against the local process pool on a small sweep.

Usage::

    python benchmarks/dask_overhead.py [--runs 5] [--replications 200]
        [--chunk-size 100] [--workers 2] [--counts 4,8,16,32] [--cold-call]
        [--skip-cold] [--skip-warm] [--json OUT]

The target: the sweep ``raids.0.count=4,8,16,32`` x 200 replications on a 2-worker
LocalCluster within 15% of the local pool (median ratio dask/local at most 1.15).

The sweep: ``benchmarks/scenarios/coastal-airbase.yaml`` (frozen) with the first raid's
count set to each of ``--counts``, compiled once per point; each point's replications
split into chunks of ``--chunk-size`` (200 / 100: 8 tasks in all, 4 per worker).

Three comparisons, each ``--runs`` rounds, the order alternating from round to round
(A B, B A, ...) to cancel drift:

1. **Cold process** (the target's measure), what a user pays for one ``skyscreen
   sweep``: every run is a fresh ``skyscreen sweep SCENARIO --vary
   raids.0.count=... -n REPS --chunk-size C --workers W --no-figures --quiet`` process,
   with ``--executor dask`` or without (the local pool); the wall time of the whole
   process, from its start to its exit (imports, compiling the scenarios, starting the
   workers or the LocalCluster, the sweep, writing its files, closing the cluster).
   The results (``sweep.parquet``, every point's and replication's row) must be
   bit-identical. CPU time too, of the process and all its descendants: this process
   adopts the orphans (Linux's child subreaper), since the ``skyscreen`` process does
   not reap its fork server, which reaps the workers.
2. **Cold call** (``--cold-call``; the measure before the cold process): every run is
   a fresh process that imports skyscreen and compiles the scenarios (untimed), then
   times one call of ``local.run_tasks(params, tasks, workers=W)`` or
   ``run_tasks_dask(params, tasks, workers=W)``, start-up of the worker pool or of the
   LocalCluster included (both start their workers from skyscreen's fork server,
   which that call starts: it imports the engine and compiles the kernels once).
3. **Warm**, the cluster's start-up excluded: one process starts a LocalCluster once
   and then alternates ``local.run_tasks`` and ``run_tasks_dask(scheduler=...)`` on
   it (the local pool's fork server is warm too after its first run, untimed).

Prints each side's median seconds, the ratio of medians dask/local with a bootstrap 95%
interval (as ``benchmarks/compare_commits.py``), and whether the two sides' results
were bit-identical (a digest of every array of every chunk result, or of every column
of ``sweep.parquet``); for the cold call and warm runs the same for CPU seconds of the
process and all its descendants (:func:`tree_cpu_s`), steadier than wall time on a
machine that other work shares.

Exit status: 0 when every run succeeded (whatever the ratios), 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "benchmarks" / "scenarios" / "coastal-airbase.yaml"
TARGET_RATIO = 1.15


def _bootstrap_ratio() -> Any:
    spec = importlib.util.spec_from_file_location(
        "compare_commits", ROOT / "benchmarks" / "compare_commits.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.bootstrap_ratio


def build(counts: Sequence[int], replications: int, chunk_size: int) -> tuple[Any, Any]:
    """The sweep's compiled scenarios (one per count) and its chunk tasks."""
    from skyscreen.executors.local import ChunkTask, split
    from skyscreen.scenario import load_scenario, parse_scenario
    from skyscreen.scenario.compile import compile_scenario

    spec = load_scenario(SCENARIO)
    seed = spec.run.seed if spec.run.seed is not None else 1
    params = []
    for count in counts:
        data = spec.model_dump(mode="json", by_alias=True)
        data["raids"][0]["count"] = count
        params.append(compile_scenario(parse_scenario(data, source=f"count={count}")))
    tasks = [
        ChunkTask(chunk, seed, False, 0, point=p)
        for p in range(len(counts))
        for chunk in split(np.arange(replications), chunk_size)
    ]
    return params, tasks


def digest(results: Sequence[Any]) -> str:
    """SHA-256 of every array of every chunk result, in order."""
    import dataclasses

    h = hashlib.sha256()

    def feed(x: Any) -> None:
        if isinstance(x, dict):
            for key in sorted(x):
                h.update(str(key).encode())
                feed(x[key])
        elif x is None or isinstance(x, int | float | str):
            h.update(repr(x).encode())
        else:
            a = np.ascontiguousarray(x)
            h.update(f"{a.dtype}{a.shape}".encode())
            h.update(a.tobytes())

    for r in results:
        for field in dataclasses.fields(r):
            feed(getattr(r, field.name))
    return h.hexdigest()


def tree_cpu_s() -> float:
    """CPU seconds of this process and all its descendants, reaped ones included.

    Less sensitive than wall time to other work on the machine. The workers of both
    executors are children of the fork server, a child of this process; a worker that
    has ended and been reaped counts in its parent's children's time (Linux ``/proc``;
    NaN elsewhere).
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return float("nan")
    stats: dict[int, tuple[int, float]] = {}
    for d in proc.iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the name: state ppid ...; utime stime cutime cstime are fields 14-17.
        ticks = sum(int(x) for x in fields[11:15])
        stats[int(d.name)] = (int(fields[1]), ticks / os.sysconf("SC_CLK_TCK"))
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo += children.get(pid, [])
    return total


def child(args: argparse.Namespace) -> None:
    """One cold run (``--child local|dask``) or all the warm runs (``--child warm``)."""
    from skyscreen.executors import local
    from skyscreen.executors.dask import _client, _cluster, run_tasks_dask

    params, tasks = build(args.counts, args.replications, args.chunk_size)
    out: dict[str, Any] = {"tasks": len(tasks)}
    if args.child in ("local", "dask"):
        t, c = time.perf_counter(), tree_cpu_s()
        if args.child == "local":
            res = local.run_tasks(params, tasks, workers=args.workers)
        else:
            res = run_tasks_dask(params, tasks, workers=args.workers)
        wall = time.perf_counter() - t
        out.update(seconds=wall, cpu=tree_cpu_s() - c, digest=digest(res))
    else:
        import distributed

        out.update(local=[], dask=[], local_cpu=[], dask_cpu=[], digests=[])
        t = time.perf_counter()
        # The cluster first: its start starts the fork server that both sides share.
        with _cluster(distributed, args.workers) as address:
            with _client(distributed, address, own=True) as c:
                c.wait_for_workers(args.workers)
            out["cluster_start_s"] = time.perf_counter() - t
            run_tasks_dask(params, tasks[:2], scheduler=address)  # untimed
            local.run_tasks(params, tasks[:2], workers=2)  # untimed
            for i in range(args.runs):
                for side in ("local", "dask") if i % 2 == 0 else ("dask", "local"):
                    t, c = time.perf_counter(), tree_cpu_s()
                    if side == "local":
                        res = local.run_tasks(params, tasks, workers=args.workers)
                    else:
                        res = run_tasks_dask(params, tasks, scheduler=address)
                    out[side].append(time.perf_counter() - t)
                    out[f"{side}_cpu"].append(tree_cpu_s() - c)
                    out["digests"].append(digest(res))
                    print(
                        f"  warm {side:<5} {out[side][-1]:6.2f} s, "
                        f"CPU {out[f'{side}_cpu'][-1]:6.2f} s",
                        file=sys.stderr,
                    )
    print("BENCH-RESULT " + json.dumps(out), flush=True)


def _spawn(args: argparse.Namespace, side: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        side,
        "--runs",
        str(args.runs),
        "--replications",
        str(args.replications),
        "--chunk-size",
        str(args.chunk_size),
        "--workers",
        str(args.workers),
        "--counts",
        ",".join(map(str, args.counts)),
    ]
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH-RESULT ")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stdout)
        raise RuntimeError(f"the {side} run failed (exit status {proc.returncode})")
    record: dict[str, Any] = json.loads(lines[-1].split(" ", 1)[1])
    record["process_s"] = time.perf_counter() - t
    return record


def _cli() -> list[str]:
    """The ``skyscreen`` command of this Python (its console script, if installed)."""
    script = Path(sys.executable).with_name("skyscreen")
    if script.is_file():
        return [str(script)]
    return [
        sys.executable,
        "-c",
        "import sys; from skyscreen.cli import main; sys.exit(main())",
    ]


def frame_digest(path: Path) -> str:
    """SHA-256 of every column of the Parquet file at ``path`` (names, types, values)."""
    import pandas as pd

    frame = pd.read_parquet(path)
    h = hashlib.sha256()
    for name in frame.columns:
        a = frame[name].to_numpy()
        h.update(f"{name}{a.dtype}{a.shape}".encode())
        h.update(a.tobytes() if a.dtype != object else repr(a.tolist()).encode())
    return h.hexdigest()


def _become_subreaper() -> bool:
    """Adopt this process's orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``).

    A ``skyscreen`` process does not reap its fork server, which reaps the workers;
    adopted and reaped here, their CPU time counts in this process's children's.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap_all(timeout_s: float = 60.0) -> None:
    """Wait for every child of this process, adopted ones included, to exit."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                raise RuntimeError("processes of a cold run did not exit")
            time.sleep(0.02)


def _children_cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _spawn_cli(args: argparse.Namespace, side: str, work: Path) -> dict[str, Any]:
    """One cold process: ``skyscreen sweep`` on ``side``'s executor.

    Its wall time (start to exit), and the CPU time of it and all its descendants
    (NaN unless this process adopts orphans: :func:`_become_subreaper`).
    """
    out = work / f"sweep-{side}"
    cmd = [
        *_cli(),
        "sweep",
        str(SCENARIO),
        "--vary",
        f"raids.0.count={','.join(map(str, args.counts))}",
        "-n",
        str(args.replications),
        "--chunk-size",
        str(args.chunk_size),
        "--workers",
        str(args.workers),
        "--executor",
        side,
        "--out",
        str(out),
        "--overwrite",
        "--no-figures",
        "--quiet",
    ]
    _reap_all()
    cpu = _children_cpu_s()
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    _reap_all()
    cpu = _children_cpu_s() - cpu if args.subreaper else float("nan")
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise RuntimeError(f"the {side} sweep failed (exit status {proc.returncode})")
    return {
        "seconds": wall,
        "cpu": cpu,
        "digest": frame_digest(out / "sweep.parquet"),
    }


def _row(name: str, local: Sequence[float], dask: Sequence[float], same: bool) -> str:
    ratio, low, high = _bootstrap_ratio()(dask, local)
    verdict = "ok" if ratio <= TARGET_RATIO else "SLOWER"
    return (
        f"{name:<28} {np.median(local):>8.2f} {np.median(dask):>8.2f} "
        f"{ratio:>6.3f} [{low:.3f}, {high:.3f}] {'yes' if same else 'NO':>4} "
        f"<={TARGET_RATIO:.2f} {verdict}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--counts",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[4, 8, 16, 32],
    )
    parser.add_argument("--json", type=Path, help="write the records here")
    parser.add_argument(
        "--child", choices=("local", "dask", "warm"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--skip-cold", action="store_true", help="no cold processes (nor cold calls)"
    )
    parser.add_argument(
        "--cold-call",
        action="store_true",
        help="also the cold calls (one executor call timed in a fresh process)",
    )
    parser.add_argument("--skip-warm", action="store_true", help="no warm runs")
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return 0
    records: dict[str, Any] = {
        "cold_process": {"local": [], "dask": []},
        "cold": {"local": [], "dask": []},
    }
    order = [
        ("local", "dask") if i % 2 == 0 else ("dask", "local") for i in range(args.runs)
    ]
    try:
        if not args.skip_cold:
            args.subreaper = _become_subreaper()
            with tempfile.TemporaryDirectory(prefix="dask-overhead-") as work:
                for sides in order:
                    for side in sides:
                        rec = _spawn_cli(args, side, Path(work))
                        records["cold_process"][side].append(rec)
                        print(
                            f"  cold process {side:<5} {rec['seconds']:6.2f} s, "
                            f"CPU {rec['cpu']:6.2f} s",
                            flush=True,
                        )
        if args.cold_call and not args.skip_cold:
            for sides in order:
                for side in sides:
                    rec = _spawn(args, side)
                    records["cold"][side].append(rec)
                    print(
                        f"  cold call {side:<5} {rec['seconds']:6.2f} s, "
                        f"CPU {rec['cpu']:6.2f} s",
                        flush=True,
                    )
        if not args.skip_warm:
            records["warm"] = _spawn(args, "warm")
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    n_tasks = len(args.counts) * -(-args.replications // args.chunk_size)
    print(
        f"\nsweep raids.0.count={','.join(map(str, args.counts))} x "
        f"{args.replications} replications, chunks of {args.chunk_size} "
        f"({n_tasks} tasks), {args.workers} workers, {args.runs} runs each\n"
    )
    print(
        f"{'':<28} {'local s':>8} {'dask s':>8} {'ratio':>6} {'95% CI':<16} "
        f"{'same':>4} target"
    )
    if not args.skip_cold:
        cold = records["cold_process"]
        same = len({r["digest"] for side in ("local", "dask") for r in cold[side]}) == 1
        for key, name in (("seconds", "wall (target)"), ("cpu", "CPU")):
            local_s = [r[key] for r in cold["local"]]
            dask_s = [r[key] for r in cold["dask"]]
            print(_row(f"cold process {name}", local_s, dask_s, same))
    if args.cold_call and not args.skip_cold:
        cold = records["cold"]
        digests = {r["digest"] for side in ("local", "dask") for r in cold[side]}
        same = len(digests) == 1
        for key, name in (("seconds", "wall"), ("cpu", "CPU")):
            local_s = [r[key] for r in cold["local"]]
            dask_s = [r[key] for r in cold["dask"]]
            print(_row(f"cold call {name}", local_s, dask_s, same))
    if not args.skip_warm:
        warm = records["warm"]
        same = len(set(warm["digests"])) == 1
        print(_row("warm wall (cluster reused)", warm["local"], warm["dask"], same))
        print(
            _row("warm CPU (cluster reused)", warm["local_cpu"], warm["dask_cpu"], same)
        )
        print(
            "\nLocalCluster start-up in the warm process (the fork server's "
            f"included): {warm['cluster_start_s']:.2f} s"
        )
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
