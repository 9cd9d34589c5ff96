"""Time an earlier commit against the working tree on the pinned benchmark scenarios.

Usage::

    python benchmarks/compare_commits.py BASE_COMMIT [--scenario NAME ...] [--runs 5]
        [--replications N] [--workers W] [--venv-dir DIR] [--keep] [--json OUT]

Speed targets are stated against this tool, e.g. "coastal-airbase no slower than
6a7d3c3": the median ratio working-tree/base is at most 1.05 (``--target``).

What it does:

1. Builds both sides in their own virtual environments under ``--venv-dir`` (default
   ``.bench/``, git-ignored). The base commit is exported with ``git archive`` into
   ``.bench/<sha>/src``, built into a wheel and installed with its dependencies into
   ``.bench/<sha>/venv``; that venv is cached by commit sha and reused by later
   invocations. The working tree (tracked and untracked, not ignored, files as they are
   now) is copied into ``.bench/tree/src`` and reinstalled into ``.bench/tree/venv``
   on every invocation, since it changes, and its cached numba kernels are deleted
   (numba would not notice a change in a jitted function of another module). Dependencies are pinned on both sides to the
   versions installed in the interpreter running this script, so the two sides differ
   only in skyscreen itself.
2. For each scenario in ``benchmarks/scenarios/`` (the same files for both sides): one
   untimed warm-up run per side, so numba's on-disk caches (``cache=True``, next to
   the installed package) are compiled; then ``--runs`` rounds, each running both sides
   one after the other, the order alternating from round to round (A B, B A, ...) to
   cancel drift.
3. Every run is a fresh subprocess with that side's interpreter. It imports skyscreen,
   calls ``skyscreen.simulate`` once on 2 replications (untimed: loads the compiled
   kernels), then times ``simulate(spec, replications=N, seed=S, workers=W,
   progress=False)`` in-process, so interpreter start-up, imports and loading the
   kernels are excluded. It also reports the CPU time of that call and the wall time
   of the whole subprocess (start-up included) as seen from here.
4. Prints, per scenario, the median simulate() seconds of each side, the ratio of
   medians tree/base with a bootstrap 95% interval (runs resampled with replacement on
   each side, 2000 resamples, fixed seed), the same ratio of CPU seconds and of whole
   process seconds, and whether both sides gave identical summary tables (they differ
   when the physics changed, which is not an error, but then the two sides are not
   timing the same work). A second table gives the untimed parts' medians: the import
   of skyscreen with its run layer, the first (2-replication) simulate() call, and the
   whole process.

Noise: ``--workers 1`` by default. The simulation then runs in the timing process
itself, on one core, which is what the engine kernels' speed is about; a process pool
would add pool start-up and, on a small shared machine, scheduling noise to both sides.
Compare ratios, not seconds, across machines; on a busy machine the CPU-time ratio is
the steadier of the two.

Exit status: 0 when every run succeeded (whatever the ratios), 1 when a side failed to
build or run, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "benchmarks" / "scenarios"
DEFAULT_VENV_DIR = ROOT / ".bench"

# Replications per timed run where the benchmark wants fewer than the scenario file
# asks for (the frozen coastal-airbase copy says 1000; 400 take a few seconds). Other
# scenarios run their file's ``run.replications``.
DEFAULT_REPLICATIONS = {"coastal-airbase": 400}

TARGET_RATIO = 1.05
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240601
WARM_REPLICATIONS = 2
STAMP = ".bench-stamp.json"

# Run in each side's interpreter, in a fresh process: argv[1] is a JSON object with
# scenario, replications (0: the file's), seed (null: the file's), workers.
RUNNER = r'''
"""One timed run of skyscreen.simulate (written by benchmarks/compare_commits.py)."""
import time

T0 = time.perf_counter()

import hashlib
import inspect
import json
import sys


def main():
    args = json.loads(sys.argv[1])
    import skyscreen

    simulate = skyscreen.simulate  # may be lazy: imports the run layer and the engine
    t_import = time.perf_counter() - T0
    t = time.perf_counter()
    spec = skyscreen.load_scenario(args["scenario"])
    t_load = time.perf_counter() - t
    n = args["replications"] or spec.run.replications
    seed = args["seed"]
    if seed is None:
        seed = spec.run.seed if spec.run.seed is not None else 1
    accepted = inspect.signature(simulate).parameters
    kwargs = {"replications": n, "seed": seed}
    if "workers" in accepted:
        kwargs["workers"] = args["workers"]
    if "progress" in accepted:
        kwargs["progress"] = False
    warm = dict(kwargs, replications=min(args["warm_replications"], n))
    if "workers" in accepted:
        warm["workers"] = 1
    t = time.perf_counter()
    simulate(spec, **warm)
    t_first = time.perf_counter() - t
    if args.get("warmup_only"):
        res = None
        wall = cpu = 0.0
    else:
        t, c = time.perf_counter(), time.process_time()
        res = simulate(spec, **kwargs)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    out = {
        "version": getattr(skyscreen, "__version__", "?"),
        "file": skyscreen.__file__,
        "replications": n,
        "seed": seed,
        "import_s": t_import,
        "load_s": t_load,
        "first_call_s": t_first,
        "sim_s": wall,
        "cpu_s": cpu,
    }
    if res is not None:
        summary = res.summary
        text = summary.to_csv(index=False)
        out["summary_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        out["summary_means"] = {
            str(c): float(summary[c].mean())
            for c in summary.columns
            if c != "replication" and summary[c].dtype.kind in "biuf"
        }
    print("BENCH-RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()
'''


# ----------------------------------------------------------------------------------
# Pure helpers (tested in tests/test_benchmarks.py)


def bootstrap_ratio(
    tree: Sequence[float],
    base: Sequence[float],
    *,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Ratio of medians ``median(tree) / median(base)`` and its bootstrap interval.

    Each resample draws the runs of each side with replacement, independently; the
    interval is the central ``level`` percentile range of the resampled ratios.

    Returns
    -------
    ratio, low, high : float
    """
    t = np.asarray(tree, dtype=float)
    b = np.asarray(base, dtype=float)
    if t.size == 0 or b.size == 0:
        raise ValueError("both sides need at least one run")
    rng = np.random.default_rng(seed)
    ti = rng.integers(0, t.size, size=(n_resamples, t.size))
    bi = rng.integers(0, b.size, size=(n_resamples, b.size))
    ratios = np.median(t[ti], axis=1) / np.median(b[bi], axis=1)
    low, high = np.quantile(ratios, [(1 - level) / 2, (1 + level) / 2])
    return float(np.median(t) / np.median(b)), float(low), float(high)


def summarize(
    name: str,
    base_runs: Sequence[dict[str, Any]],
    tree_runs: Sequence[dict[str, Any]],
    target: float = TARGET_RATIO,
) -> dict[str, Any]:
    """The numbers of one scenario from the runs' records (as the runner prints)."""
    row: dict[str, Any] = {
        "scenario": name,
        "replications": tree_runs[0]["replications"],
        "runs": min(len(base_runs), len(tree_runs)),
    }
    for key, label in (("sim_s", "sim"), ("cpu_s", "cpu"), ("proc_s", "proc")):
        b = [r[key] for r in base_runs]
        t = [r[key] for r in tree_runs]
        ratio, low, high = bootstrap_ratio(t, b)
        row[label] = {
            "base_s": b,
            "tree_s": t,
            "base_median_s": float(np.median(b)),
            "tree_median_s": float(np.median(t)),
            "ratio": ratio,
            "ci95": [low, high],
        }
    row["startup"] = {
        side: {
            key: float(np.median([r.get(key, np.nan) for r in runs]))
            for key in ("import_s", "first_call_s")
        }
        for side, runs in (("base", base_runs), ("tree", tree_runs))
    }
    row["target"] = target
    row["meets_target"] = row["sim"]["ratio"] <= target
    digests_b = {r.get("summary_sha256") for r in base_runs}
    digests_t = {r.get("summary_sha256") for r in tree_runs}
    row["identical_results"] = len(digests_b | digests_t) == 1
    row["notes"] = []
    if len(digests_b) > 1 or len(digests_t) > 1:
        row["notes"].append("runs of one side gave different summaries (not seeded?)")
    if digests_b.isdisjoint(digests_t):
        mb, mt = base_runs[0]["summary_means"], tree_runs[0]["summary_means"]
        diffs = [
            f"{c} {mb[c]:.6g} -> {mt[c]:.6g}"
            for c in sorted(set(mb) & set(mt))
            if mb[c] != mt[c]
        ]
        cols = sorted(set(mb) ^ set(mt))
        note = "summaries differ (expected if the physics changed)"
        if diffs:
            note += "; means: " + ", ".join(diffs[:4])
            note += f" (+{len(diffs) - 4} more)" if len(diffs) > 4 else ""
        if cols:
            note += "; columns on one side only: " + ", ".join(cols)
        row["notes"].append(note)
    return row


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The results as a fixed-width text table, one line per scenario, then notes."""
    header = (
        "scenario",
        "reps",
        "runs",
        "base s",
        "tree s",
        "ratio",
        "95% CI",
        "cpu ratio",
        "proc ratio",
        "same",
        "target",
    )
    body = []
    notes = []
    for r in rows:
        sim, cpu, proc = r["sim"], r["cpu"], r["proc"]
        lo, hi = sim["ci95"]
        verdict = "ok" if r["meets_target"] else "SLOWER"
        body.append(
            (
                r["scenario"],
                str(r["replications"]),
                str(r["runs"]),
                f"{sim['base_median_s']:.3f}",
                f"{sim['tree_median_s']:.3f}",
                f"{sim['ratio']:.3f}",
                f"[{lo:.3f}, {hi:.3f}]",
                f"{cpu['ratio']:.3f}",
                f"{proc['ratio']:.3f}",
                "yes" if r["identical_results"] else "NO",
                f"<={r['target']:.2f} {verdict}",
            )
        )
        notes += [f"{r['scenario']}: {n}" for n in r.get("notes", [])]
    startup = [
        (
            r["scenario"],
            *(
                f"{r['startup'][side][key]:.2f}"
                for key in ("import_s", "first_call_s")
                for side in ("base", "tree")
            ),
            f"{r['proc']['base_median_s']:.2f}",
            f"{r['proc']['tree_median_s']:.2f}",
        )
        for r in rows
    ]
    out = _grid(header, body)
    out += ["", "Not timed above (median s): import skyscreen and its run layer; the"]
    out += ["first simulate() call (2 replications: loads the compiled kernels); the"]
    out += ["whole process, start-up to exit.", ""]
    out += _grid(
        (
            "scenario",
            "import base",
            "tree",
            "1st call base",
            "tree",
            "process base",
            "tree",
        ),
        startup,
    )
    out += ["", *notes] if notes else []
    return "\n".join(out)


def _grid(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    """Lines of a text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(x[i]) for x in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        left = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([left, *rest])

    return [line(header), "  ".join("-" * w for w in widths), *map(line, body)]


# ----------------------------------------------------------------------------------
# Building the two sides


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _run(cmd: Sequence[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], check=True, text=True, capture_output=True, **kw
    )


def _git(*args: str) -> str:
    return _run(["git", "-C", ROOT, *args]).stdout.strip()


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def _constraints(path: Path) -> str:
    """Pin the dependencies to this interpreter's versions; return their hash."""
    try:
        frozen = _run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"])
        lines = [
            ln
            for ln in frozen.stdout.splitlines()
            if ln and not ln.startswith(("#", "-e", "skyscreen")) and " @ " not in ln
        ]
    except (subprocess.CalledProcessError, OSError):
        lines = []
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _pip(venv: Path, *args: str | Path) -> None:
    try:
        _run([_bin(venv, "python"), "-m", "pip", "--disable-pip-version-check", *args])
    except subprocess.CalledProcessError as exc:
        _log(exc.stdout[-4000:] + exc.stderr[-4000:])
        raise


def _install(venv: Path, src: Path, constraints: Path, *, fresh: bool) -> None:
    """Build ``src`` into a wheel and install it (with its pinned dependencies)."""
    if fresh:
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", venv])
        _pip(venv, "install", "-q", "--upgrade", "pip")
    wheels = src.parent / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    _pip(venv, "wheel", "-q", "--no-deps", "-w", wheels, src)
    (wheel,) = wheels.glob("skyscreen-*.whl")
    _pip(venv, "install", "-q", "-c", constraints, wheel)
    if not fresh:  # same version number as before: make pip replace it
        _pip(venv, "install", "-q", "--no-deps", "--force-reinstall", wheel)


def build_base(sha: str, venv_dir: Path, constraints: Path, key: str) -> Path:
    """The cached venv of commit ``sha``; built on first use."""
    home = venv_dir / sha
    venv = home / "venv"
    stamp = {"sha": sha, "constraints": key, "python": platform.python_version()}
    stamp_file = venv / STAMP
    if stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp:
        _log(f"base {sha[:10]}: reusing {venv}")
        return venv
    _log(f"base {sha[:10]}: exporting and building {venv} (once per commit)")
    shutil.rmtree(home, ignore_errors=True)
    src = home / "src"
    src.mkdir(parents=True)
    archive = home / "src.tar"
    _git("archive", "--format=tar", "-o", str(archive), sha)
    with tarfile.open(archive) as tar:
        try:
            tar.extractall(src, filter="data")
        except TypeError:  # Python without extraction filters (< 3.11.4)
            tar.extractall(src)  # our own repository's archive
    archive.unlink()
    _install(venv, src, constraints, fresh=True)
    stamp_file.write_text(json.dumps(stamp))
    return venv


def build_tree(venv_dir: Path, constraints: Path, key: str) -> tuple[Path, str]:
    """A snapshot of the working tree installed into its venv; and a description."""
    home = venv_dir / "tree"
    src = home / "src"
    shutil.rmtree(src, ignore_errors=True)
    listed = _run(
        [
            "git",
            "-C",
            ROOT,
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ]
    ).stdout.split("\0")
    digest = hashlib.sha256()
    for rel in sorted(set(filter(None, listed))):
        path = ROOT / rel
        if not path.is_file():  # deleted in the working tree, or a submodule
            continue
        dest = src / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        digest.update(rel.encode() + b"\0" + dest.read_bytes())
    head = _git("rev-parse", "--short", "HEAD")
    changed = _git("status", "--porcelain", "--untracked-files=all").splitlines()
    desc = f"working tree: HEAD {head} + {len(changed)} changed/untracked file(s)"
    desc += f", snapshot {digest.hexdigest()[:12]}"
    venv = home / "venv"
    stamp = {"constraints": key, "python": platform.python_version()}
    stamp_file = venv / STAMP
    fresh = not (stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp)
    _log(f"tree: installing a snapshot into {venv}" + (" (new venv)" if fresh else ""))
    _install(venv, src, constraints, fresh=fresh)
    stamp_file.write_text(json.dumps(stamp))
    # numba checks a cached kernel only against its own source file, not against the
    # jitted functions it calls in other modules: drop every cached kernel, so the
    # warm-up compiles the tree's code as it is now.
    stale = {
        f.resolve()
        for where in ("lib/python*/site-packages", "Lib/site-packages")
        for pkg in venv.glob(f"{where}/skyscreen")
        for pattern in ("*.nbi", "*.nbc")
        for f in pkg.rglob(pattern)
    }
    for f in stale:
        f.unlink(missing_ok=True)
    _log(f"tree: removed {len(stale)} cached numba file(s)")
    return venv, desc


# ----------------------------------------------------------------------------------
# Timing


def run_once(
    venv: Path, runner: Path, scenario: Path, job: dict[str, Any], cwd: Path
) -> dict[str, Any]:
    """One fresh subprocess's record; ``proc_s``: the whole process' wall time."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    args = json.dumps(
        {"scenario": str(scenario), "warm_replications": WARM_REPLICATIONS, **job}
    )
    t = time.perf_counter()
    proc = subprocess.run(
        [str(_bin(venv, "python")), str(runner), args],
        check=False,
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
    )
    proc_s = time.perf_counter() - t
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH-RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"{venv}: run of {scenario.name} failed (exit {proc.returncode}):\n"
            + (proc.stderr or proc.stdout)[-3000:]
        )
    record: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    record["proc_s"] = proc_s
    return record


def time_scenario(
    scenario: Path,
    sides: dict[str, Path],
    runner: Path,
    cwd: Path,
    *,
    runs: int,
    replications: int | None,
    workers: int,
) -> dict[str, list[dict[str, Any]]]:
    """Warm-up per side, then ``runs`` interleaved rounds; the records per side."""
    name = scenario.stem
    reps = replications or DEFAULT_REPLICATIONS.get(name, 0)
    job = {"replications": reps, "seed": None, "workers": workers}
    for side, venv in sides.items():
        t = time.perf_counter()
        run_once(venv, runner, scenario, {**job, "warmup_only": True}, cwd)
        _log(f"{name}: {side} warm-up {time.perf_counter() - t:.1f} s")
    records: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    order = list(sides)
    for i in range(runs):
        done = []
        for side in order if i % 2 == 0 else order[::-1]:
            rec = run_once(sides[side], runner, scenario, job, cwd)
            records[side].append(rec)
            done.append(f"{side} {rec['sim_s']:.3f} s")
        _log(f"{name}: round {i + 1}/{runs}: " + ", ".join(done))
    return records


# ----------------------------------------------------------------------------------


def _scenarios(names: Sequence[str] | None) -> list[Path]:
    available = sorted(SCENARIOS.glob("*.yaml"))
    if not names:
        return available
    out = []
    for n in names:
        path = SCENARIOS / (n if n.endswith((".yaml", ".yml")) else f"{n}.yaml")
        if not path.is_file():
            known = ", ".join(p.stem for p in available)
            raise SystemExit(f"unknown scenario {n!r}; available: {known}")
        out.append(path)
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time an earlier commit against the working tree "
        "(interleaved fresh processes, median and bootstrap interval of the ratio).",
    )
    p.add_argument("base", metavar="BASE_COMMIT", help="commit, tag or branch")
    p.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="scenario in benchmarks/scenarios (repeatable; default: all)",
    )
    p.add_argument("--runs", type=int, default=5, help="timed runs per side (5)")
    p.add_argument(
        "--replications",
        type=int,
        metavar="N",
        help="replications per run (default: coastal-airbase 400, others their "
        "file's run.replications)",
    )
    p.add_argument(
        "--workers", type=int, default=1, metavar="W", help="simulate workers (1)"
    )
    p.add_argument(
        "--venv-dir",
        type=Path,
        default=DEFAULT_VENV_DIR,
        metavar="DIR",
        help="where the venvs are built and cached (.bench/)",
    )
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the working-tree snapshot and its wheel (DIR/tree/src, "
        "DIR/tree/wheel) afterwards; the venvs are always kept",
    )
    p.add_argument(
        "--target",
        type=float,
        default=TARGET_RATIO,
        help=f"largest acceptable median ratio tree/base ({TARGET_RATIO})",
    )
    p.add_argument("--json", type=Path, metavar="OUT", help="save all numbers here")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.replications is not None and args.replications < 1:
        p.error("--replications must be at least 1")
    if args.workers < 1:
        p.error("--workers must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios = _scenarios(args.scenario)
    try:
        sha = _git("rev-parse", "--verify", "--quiet", f"{args.base}^{{commit}}")
    except subprocess.CalledProcessError:
        _log(f"not a commit: {args.base}")
        return 2
    venv_dir = args.venv_dir.resolve()
    venv_dir.mkdir(parents=True, exist_ok=True)
    constraints = venv_dir / "constraints.txt"
    key = _constraints(constraints)
    started = time.perf_counter()
    try:
        base_venv = build_base(sha, venv_dir, constraints, key)
        tree_venv, tree_desc = build_tree(venv_dir, constraints, key)
    except (subprocess.CalledProcessError, ValueError) as exc:
        _log(f"build failed: {exc}")
        return 1
    runner = venv_dir / "runner.py"
    runner.write_text(RUNNER.lstrip())
    sides = {"base": base_venv, "tree": tree_venv}
    rows, raw = [], {}
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-") as cwd:
        for scenario in scenarios:
            try:
                records = time_scenario(
                    scenario,
                    sides,
                    runner,
                    Path(cwd),
                    runs=args.runs,
                    replications=args.replications,
                    workers=args.workers,
                )
            except RuntimeError as exc:
                _log(str(exc))
                failed = True
                continue
            raw[scenario.stem] = records
            rows.append(
                summarize(scenario.stem, records["base"], records["tree"], args.target)
            )
    if not args.keep:
        for d in ("src", "wheel"):
            shutil.rmtree(venv_dir / "tree" / d, ignore_errors=True)
    print(f"base: {sha[:10]} ({_git('log', '-1', '--format=%s', sha)[:70]})")
    print(f"tree: {tree_desc}")
    print(
        f"{args.runs} interleaved runs per side, workers={args.workers}; times are "
        "simulate() wall seconds (median), ratio = tree/base, CI by bootstrap"
    )
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs\n")
    print(format_table(rows) if rows else "no scenario ran")
    if args.json:
        payload = {
            "base": sha,
            "tree": tree_desc,
            "runs": args.runs,
            "workers": args.workers,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "elapsed_s": time.perf_counter() - started,
            "results": rows,
            "records": raw,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nsaved {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
