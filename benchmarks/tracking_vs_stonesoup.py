"""Time and score skyscreen's multi-target tracker against Stone Soup on the same data.

Usage::

    .venv/bin/python benchmarks/tracking_vs_stonesoup.py [--cases n100 n20 crossing]
        [--seeds 11 12 13 14 15 | --tune-seeds] [--runs 5] [--ss-runs 1]
        [--ss-algos gnn gnn-kdtree jpda-ehm] [--sky-config NAME=ARGS ...]
        [--sky-extra ARGS] [--scaling-steps 50] [--ss-scaling] [--quick]
        [--skyscreen-only] [--ss-venv DIR] [--harness DIR] [--work DIR]
        [--json-out OUT]

Stone Soup (PyPI ``stonesoup``, the field's reference open-source tracking framework)
is never a skyscreen dependency: this script builds it into its own virtualenv
(``--ss-venv``, default ``~/.cache/skyscreen-bench/stonesoup-venv``, created with
``python3 -m venv`` and the pinned ``requirements.txt`` of the peer harness in
``../shared/peers/stonesoup`` beside this repository, ``--harness``) the first time
and reuses it afterwards. The harness writes beside itself, so it is copied into the
work directory (``--work``, default ``~/.cache/skyscreen-bench/work``) first.

What it measures, per case and evaluation seed:

1. The scenario. ``n100`` (100 targets, 50 clutter/scan, 200 scans) and ``n20``
   (20 targets, 10 clutter/scan, 200 scans) come from the harness's
   ``make_scenario.py``; ``crossing`` (groups of targets on nearly parallel paths
   crossing at 5-20°, 1-3 σ apart at the crossing, 50 clutter/scan) from
   ``tracking_scenarios.make_crossing_scenario`` in this folder, in the harness's
   exact file format. Evaluation seeds are 11..15 (``--seeds``); tuning is done on
   other seeds, 1..3 (``--tune-seeds``), so the evaluation seeds stay unseen.
2. The trackers, interleaved: in every repetition each configuration runs once in
   turn, each run a fresh process. Stone Soup: ``run_stonesoup.py --algo`` ``gnn``,
   ``gnn-kdtree`` and ``jpda-ehm`` with the Stone Soup venv's python, ``--ss-runs``
   repetitions (default 1: they take 47-140 s each on ``n100``). skyscreen:
   ``skyscreen track MEAS.csv --out TRACKS.csv --json`` with the scenario's model
   parameters (``--dt-s``, ``--noise-m``, ``--pd``, ``--clutter-per-scan``,
   ``--area-m``, ``--process-noise``) and the configuration's own arguments
   (``gnn``: ``--association gnn``, ``jpda``: ``--association jpda``; change or add
   configurations with ``--sky-config NAME="ARGS"``, add arguments to all with
   ``--sky-extra``), ``--runs`` repetitions (default 5), after one untimed warm-up
   run per configuration (numba compiles or loads its kernels there). Both tools
   report the wall time of their tracking loop alone (no start-up, input or output).
3. The scores: every tracks file is scored by the harness's ``score.py`` (the same
   OSPA/GOSPA code for both tools, c = 100 m, p = 1, α = 2; means over scans), and
   on ``crossing`` also by ``skyscreen.tracking.metrics.score_tracks`` for identity
   switches, track swaps and coalescence (a simple built-in version if that module
   is missing).

It prints, per case and configuration: runs, median tracking-loop wall, ms/scan,
the median whole-process time (start-up, imports, reading, writing: reported, not a
target), OSPA and GOSPA (means over the evaluation seeds), then the ratios the targets are
stated in: Stone Soup's fastest configuration / each skyscreen configuration (target
≥ 30×), skyscreen GNN GOSPA / Stone Soup GNN GOSPA (target ≤ 1), skyscreen JPDA GOSPA
/ Stone Soup JPDA-EHM GOSPA (target ≤ 1.01) and, on ``crossing``, JPDA / GNN GOSPA
of both tools: Stone Soup's ≤ 0.99 (the scenario is one where JPDA wins by more
than 1%) and skyscreen's < 1 (its JPDA must beat its GNN there too).

``scaling`` (skyscreen only; Stone Soup too with ``--ss-scaling``, which is slow)
runs the harness's generator with 20, 50, 100, 200, 500 and 1000 targets at 50
clutter/scan, and 10, 50, 100, 200 and 500 clutter/scan at 100 targets, on the
first seed, ``--scaling-steps`` scans (50), box side 20 km × sqrt(targets/100) (at
least 20 km, so the target density stays that of ``n100``), and prints ms/scan.

``--quick`` is a smoke test: ``n20``, one seed, one run, Stone Soup ``gnn`` only.
``--skyscreen-only`` leaves Stone Soup out altogether (no virtualenv, no network):
scenarios are made and scored with this interpreter (the generator needs numpy, the
scorer numpy and scipy).

Machines drift: compare the ratios from one run, not seconds across runs. Exit
status: 0 when every run succeeded, 1 when a run or the Stone Soup install failed,
2 on bad arguments.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
DEFAULT_HARNESS = ROOT.parent / "shared" / "peers" / "stonesoup"
CACHE = Path.home() / ".cache" / "skyscreen-bench"
DEFAULT_SS_VENV = CACHE / "stonesoup-venv"
DEFAULT_WORK = CACHE / "work"
HARNESS_FILES = ("make_scenario.py", "run_stonesoup.py", "score.py", "requirements.txt")

EVAL_SEEDS = (11, 12, 13, 14, 15)
TUNE_SEEDS = (1, 2, 3)
SS_ALGOS = ("gnn", "gnn-kdtree", "jpda-ehm")
SKY_CONFIGS = {"gnn": "--association gnn", "jpda": "--association jpda"}
SCORE_C, SCORE_P = 100.0, 1.0

SPEEDUP_TARGET = 30.0
GNN_GOSPA_TARGET = 1.0
JPDA_GOSPA_TARGET = 1.01
CROSSING_TARGET = 0.99
SKY_CROSSING_TARGET = 1.0  # strictly below: skyscreen's JPDA beats its GNN

# make_scenario.py arguments of the harness cases
HARNESS_CASES = {
    "n100": {"n_targets": 100, "clutter": 50, "steps": 200},
    "n20": {"n_targets": 20, "clutter": 10, "steps": 200},
}
CASES = ("n100", "n20", "crossing", "scaling")
SCALING_TARGETS = (20, 50, 100, 200, 500, 1000)
SCALING_CLUTTER = (10, 50, 100, 200, 500)


def _load_scenarios_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "tracking_scenarios", HERE / "tracking_scenarios.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------------
# Processes


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _run(cmd: Sequence[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], check=True, text=True, capture_output=True, **kw
    )


def _last_json(text: str) -> dict[str, Any]:
    """The last line of a process's output that is a JSON object."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return dict(json.loads(line))
    raise ValueError(f"no JSON line in output: {text[-500:]!r}")


def _run_json(cmd: Sequence[str | Path], **kw: Any) -> dict[str, Any]:
    try:
        proc = _run(cmd, **kw)
    except subprocess.CalledProcessError as exc:
        tail = (exc.stderr or "")[-2000:]
        raise RuntimeError(f"{shlex.join(map(str, cmd))} failed:\n{tail}") from exc
    return _last_json(proc.stdout)


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_stonesoup_venv(venv: Path, requirements: Path) -> Path:
    """The Stone Soup venv's python, building the venv first if it is not there."""
    py = _bin(venv, "python")
    stamp = venv / ".skyscreen-bench-stamp"
    want = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if py.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return py
    _log(f"building the Stone Soup venv in {venv} (pip install -r {requirements})")
    venv.parent.mkdir(parents=True, exist_ok=True)
    if not py.exists():
        _run(["python3", "-m", "venv", venv])
    _run([py, "-m", "pip", "install", "-q", "-r", requirements])
    _run([py, "-c", "import stonesoup, numpy, scipy"])
    stamp.write_text(want + "\n")
    return py


def copy_harness(harness: Path, work: Path) -> Path:
    """Copy the harness's scripts into ``work/harness`` (it writes beside itself)."""
    dest = work / "harness"
    dest.mkdir(parents=True, exist_ok=True)
    for name in HARNESS_FILES:
        src = harness / name
        if not src.exists():
            raise FileNotFoundError(f"{src} not found (is --harness right?)")
        target = dest / name
        if not target.exists() or target.read_bytes() != src.read_bytes():
            if target.exists():
                target.chmod(0o644)
            shutil.copyfile(src, target)
            target.chmod(0o644)
    return dest


# ----------------------------------------------------------------------------------
# Scenarios


def _stamped(out: Path, key: dict[str, Any]) -> bool:
    stamp = out / "bench-args.json"
    return (out / "scenario.json").exists() and (
        stamp.exists() and json.loads(stamp.read_text()) == key
    )


def _stamp(out: Path, key: dict[str, Any]) -> None:
    (out / "bench-args.json").write_text(json.dumps(key))


def harness_scenario(
    py: Path | str,
    harness: Path,
    out: Path,
    *,
    n_targets: int,
    clutter: float,
    steps: int,
    seed: int,
    box: float | None = None,
) -> Path:
    """Make (or reuse) a scenario with the harness's make_scenario.py."""
    args = ["--n-targets", n_targets, "--steps", steps, "--clutter", clutter]
    args += ["--seed", seed] + (["--box", box] if box is not None else [])
    key = {"generator": "make_scenario.py", "args": [str(a) for a in args]}
    if not _stamped(out, key):
        _run_json([py, harness / "make_scenario.py", "--out", out, *args], cwd=harness)
        _stamp(out, key)
    return out


def crossing_scenario(out: Path, seed: int) -> Path:
    """Make (or reuse) the dense crossing scenario of ``seed``."""
    mod = _load_scenarios_module()
    key = {
        "generator": "tracking_scenarios.make_crossing_scenario",
        "seed": seed,
        "params": {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in mod.CROSSING_DEFAULTS.items()
        },
        "source": hashlib.sha256(
            (HERE / "tracking_scenarios.py").read_bytes()
        ).hexdigest(),
    }
    if not _stamped(out, key):
        mod.make_crossing_scenario(out, seed)
        _stamp(out, key)
    return out


def scaling_box(n_targets: int) -> float:
    """Box side [m]: the n100 density (100 targets in 20 km × 20 km), at least 20 km."""
    return round(20000.0 * max(1.0, (n_targets / 100.0) ** 0.5))


# ----------------------------------------------------------------------------------
# Trackers and scoring


def skyscreen_command(spec: str | None) -> list[str]:
    """How to start ``skyscreen`` (``--skyscreen-cmd``, else next to this python)."""
    if spec:
        return shlex.split(spec)
    script = Path(sys.executable).parent / "skyscreen"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "skyscreen.cli"]


def skyscreen_has_track(cmd: Sequence[str]) -> bool:
    try:
        _run([*cmd, "track", "--help"])
    except (subprocess.CalledProcessError, OSError):
        return False
    return True


def model_args(scenario: Path) -> list[str]:
    """The ``skyscreen track`` model arguments from the scenario's scenario.json."""
    meta = json.loads((scenario / "scenario.json").read_text())
    (x0, x1), (y0, y1) = meta["box"]
    return [
        "--dt-s",
        f"{meta['dt']:g}",
        "--noise-m",
        f"{meta['sigma']:g}",
        "--pd",
        f"{meta['pd']:g}",
        "--clutter-per-scan",
        f"{meta['clutter_rate']:g}",
        f"--area-m={x0:g},{x1:g},{y0:g},{y1:g}",
        "--process-noise",
        f"{meta['q_truth']:g}",
    ]


def run_skyscreen(
    cmd: Sequence[str], scenario: Path, tracks: Path, config_args: Sequence[str]
) -> dict[str, Any]:
    tracks.unlink(missing_ok=True)
    full = [*cmd, "track", str(scenario / "meas.csv"), "--out", str(tracks)]
    full += model_args(scenario) + list(config_args) + ["--json"]
    return _run_json(full)


def run_stonesoup(
    py: Path, harness: Path, scenario: Path, tracks: Path, algo: str, cap: float | None
) -> dict[str, Any]:
    tracks.unlink(missing_ok=True)
    cmd: list[str | Path] = [py, harness / "run_stonesoup.py", "--scenario", scenario]
    cmd += ["--algo", algo, "--out", tracks]
    if cap is not None:
        cmd += ["--max-seconds", str(cap)]
    return _run_json(cmd, cwd=harness)


def _read_rows(path: Path, id_col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    steps, ids, pos = [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            steps.append(int(row["step"]))
            ids.append(int(row[id_col]))
            pos.append((float(row["x"]), float(row["y"])))
    return (
        np.asarray(steps, dtype=np.int64),
        np.asarray(ids, dtype=np.int64),
        np.asarray(pos, dtype=float).reshape(-1, 2),
    )


def _simple_track_metrics(
    truth: tuple[np.ndarray, np.ndarray, np.ndarray],
    tracks: tuple[np.ndarray, np.ndarray, np.ndarray],
    steps: int,
    c: float,
) -> dict[str, float]:
    """Identity switches, swaps and coalescence from the per-scan GOSPA assignment.

    Used only where ``skyscreen.tracking.metrics`` is missing; same definitions.
    """
    from scipy.optimize import linear_sum_assignment

    last: dict[int, int] = {}
    held: dict[int, dict[int, int]] = {}
    switches = swaps = coalesced = 0
    for k in range(steps):
        ti = truth[0] == k
        tj = tracks[0] == k
        x, xid = truth[2][ti], truth[1][ti]
        y, yid = tracks[2][tj], tracks[1][tj]
        now: dict[int, int] = {}
        if len(x) and len(y):
            d = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=2))
            r, col = linear_sum_assignment(np.minimum(d, c))
            for i, j in zip(r, col, strict=True):
                if d[i, j] < c:
                    now[int(xid[i])] = int(yid[j])
            unassigned = [i for i in range(len(x)) if int(xid[i]) not in now]
            coalesced += sum(bool((d[i] < c).any()) for i in unassigned)
        for a, u in now.items():
            if a in last and last[a] != u:
                switches += 1
        prev = held.get(k - 1, {})
        owner = {u: a for a, u in prev.items()}
        for a, v in now.items():
            u = prev.get(a)
            b = owner.get(v)
            if (
                u is not None
                and b is not None
                and b != a
                and u != v
                and now.get(b) == u
            ):
                swaps += a < b
        held = {k: now}
        last.update(now)
    return {
        "id_switches": float(switches),
        "n_swaps": float(swaps),
        "coalescence": coalesced / max(steps, 1),
    }


def track_metrics(scenario: Path, tracks: Path) -> dict[str, float]:
    """Switches, swaps, coalescence (skyscreen.tracking.metrics if it is there)."""
    steps = int(json.loads((scenario / "scenario.json").read_text())["steps"])
    truth = _read_rows(scenario / "truth.csv", "target_id")
    trk = _read_rows(tracks, "track_id")
    try:
        from skyscreen.tracking.metrics import score_tracks
    except ImportError:
        return _simple_track_metrics(truth, trk, steps, SCORE_C)
    s = score_tracks(*truth, *trk, steps=steps, c=SCORE_C, p=SCORE_P).summary()
    keep = ("id_switches", "n_swaps", "coalescence", "breaks", "completeness")
    return {k: float(s[k]) for k in keep if k in s}


class Scorer:
    """score.py on tracks files, cached by content (identical runs score once)."""

    def __init__(self, py: Path | str, harness: Path) -> None:
        self.py, self.harness = py, harness
        self.cache: dict[str, dict[str, Any]] = {}

    def __call__(self, scenario: Path, tracks: Path, extra: bool) -> dict[str, Any]:
        digest = hashlib.sha256(
            str(scenario.resolve()).encode() + tracks.read_bytes()
        ).hexdigest()
        if digest not in self.cache:
            cmd = [self.py, self.harness / "score.py", "--scenario", scenario]
            cmd += ["--tracks", tracks, "--c", SCORE_C, "--p", SCORE_P]
            res = _run_json(cmd, cwd=self.harness)
            if extra:
                res["track_metrics"] = track_metrics(scenario, tracks)
            self.cache[digest] = res
        return self.cache[digest]


# ----------------------------------------------------------------------------------
# The matrix


def _configs(args: argparse.Namespace, sky_ok: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not args.skyscreen_only:
        out += [
            {"tool": "stonesoup", "name": f"ss-{a}", "algo": a} for a in args.ss_algos
        ]
    if sky_ok:
        extra = shlex.split(args.sky_extra or "")
        for name, argstr in args.sky_configs.items():
            out.append(
                {
                    "tool": "skyscreen",
                    "name": f"sky-{name}",
                    "args": shlex.split(argstr) + extra,
                }
            )
    return out


def run_case(
    case: str,
    scenarios: Sequence[tuple[int, Path]],
    configs: Sequence[dict[str, Any]],
    env: dict[str, Any],
    args: argparse.Namespace,
    runs_sky: int,
    runs_ss: int,
) -> list[dict[str, Any]]:
    """Every configuration on every scenario, interleaved; one record per run."""
    records: list[dict[str, Any]] = []
    score: Scorer = env["scorer"]
    extra = case == "crossing"
    for seed, scen in scenarios:
        out_dir = env["work"] / "runs" / scen.name
        out_dir.mkdir(parents=True, exist_ok=True)
        steps = int(json.loads((scen / "scenario.json").read_text())["steps"])
        for rep in range(max(runs_sky, runs_ss)):
            for cfg in configs:
                is_ss = cfg["tool"] == "stonesoup"
                if rep >= (runs_ss if is_ss else runs_sky):
                    continue
                tracks = out_dir / f"{cfg['name']}_r{rep}.csv"
                t_proc = time.perf_counter()
                try:
                    if is_ss:
                        res = run_stonesoup(
                            env["ss_py"],
                            env["harness"],
                            scen,
                            tracks,
                            cfg["algo"],
                            args.ss_cap,
                        )
                    else:
                        res = run_skyscreen(env["sky_cmd"], scen, tracks, cfg["args"])
                    process_s = time.perf_counter() - t_proc
                    sc = score(scen, tracks, extra)
                except RuntimeError as exc:
                    _log(f"{case} seed {seed} {cfg['name']}: {exc}")
                    env["failed"] = True
                    continue
                wall = float(res["wall_s"])
                rec = {
                    "case": case,
                    "scenario": scen.name,
                    "seed": seed,
                    "config": cfg["name"],
                    "tool": cfg["tool"],
                    "rep": rep,
                    "steps": steps,
                    "steps_done": int(res.get("steps_done", steps)),
                    "wall_s": wall,
                    "process_s": process_s,
                    "ms_per_scan": 1000.0 * wall / steps,
                    "ospa": sc["ospa_mean"],
                    "gospa": sc["gospa_mean"],
                    "score": sc,
                    "run": res,
                }
                records.append(rec)
                tm = sc.get("track_metrics", {})
                more = "".join(f" {k} {v:.3g}" for k, v in tm.items())
                _log(
                    f"{case} {scen.name} {cfg['name']} run {rep + 1}: wall "
                    f"{wall:.3f} s ({rec['ms_per_scan']:.2f} ms/scan) OSPA "
                    f"{sc['ospa_mean']:.3f} GOSPA {sc['gospa_mean']:.3f}{more}"
                )
    return records


def summarize(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (case, config): median wall, mean scores over seeds."""
    rows: list[dict[str, Any]] = []
    keys: list[tuple[str, str]] = []
    for r in records:
        if (r["case"], r["config"]) not in keys:
            keys.append((r["case"], r["config"]))
    for case, config in keys:
        rs = [r for r in records if r["case"] == case and r["config"] == config]
        by_seed: dict[int, dict[str, Any]] = {}
        for r in rs:
            by_seed.setdefault(r["seed"], r)  # scores: first run of each seed
        tm: dict[str, float] = {}
        metric_rows = [r["score"].get("track_metrics") for r in by_seed.values()]
        if metric_rows and all(metric_rows):
            for k in metric_rows[0]:
                tm[k] = float(np.mean([m[k] for m in metric_rows]))
        rows.append(
            {
                "case": case,
                "config": config,
                "tool": rs[0]["tool"],
                "runs": len(rs),
                "seeds": sorted(by_seed),
                "complete": all(r["steps_done"] == r["steps"] for r in rs),
                "wall_median_s": statistics.median(r["wall_s"] for r in rs),
                "process_median_s": statistics.median(r["process_s"] for r in rs),
                "ms_per_scan_median": statistics.median(r["ms_per_scan"] for r in rs),
                "ospa_mean": float(np.mean([r["ospa"] for r in by_seed.values()])),
                "gospa_mean": float(np.mean([r["gospa"] for r in by_seed.values()])),
                "gospa_by_seed": {s: r["gospa"] for s, r in by_seed.items()},
                "track_metrics": tm,
            }
        )
    return rows


def ratios(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ratios the targets are stated in, per case (absent sides are skipped)."""
    out: list[dict[str, Any]] = []
    for case in dict.fromkeys(r["case"] for r in rows):
        cr = {r["config"]: r for r in rows if r["case"] == case}
        ss = [r for r in cr.values() if r["tool"] == "stonesoup"]
        sky = [r for r in cr.values() if r["tool"] == "skyscreen"]
        if ss:
            fastest = min(ss, key=lambda r: r["wall_median_s"])
            for s in sky:
                out.append(
                    {
                        "case": case,
                        "what": f"speed {fastest['config']} / {s['config']}",
                        "value": fastest["wall_median_s"] / s["wall_median_s"],
                        "target": f">={SPEEDUP_TARGET:g}",
                        "ok": fastest["wall_median_s"] / s["wall_median_s"]
                        >= SPEEDUP_TARGET,
                    }
                )
        pairs = [
            ("sky-gnn", "ss-gnn", GNN_GOSPA_TARGET),
            ("sky-jpda", "ss-jpda-ehm", JPDA_GOSPA_TARGET),
        ]
        if case == "crossing":
            pairs += [
                ("sky-jpda", "sky-gnn", SKY_CROSSING_TARGET),
                ("ss-jpda-ehm", "ss-gnn", CROSSING_TARGET),
            ]
        for a, b, target in pairs:
            strict = (a, b) == ("sky-jpda", "sky-gnn")
            if a in cr and b in cr:
                v = cr[a]["gospa_mean"] / cr[b]["gospa_mean"]
                out.append(
                    {
                        "case": case,
                        "what": f"GOSPA {a} / {b}",
                        "value": v,
                        "target": f"<{target:g}" if strict else f"<={target:g}",
                        "ok": v < target if strict else v <= target,
                    }
                )
    return out


def _grid(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    """Lines of a text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(x[i]) for x in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        left = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([left, *rest])

    return [line(header), "  ".join("-" * w for w in widths), *map(line, body)]


def format_table(rows: Sequence[dict[str, Any]], rats: Sequence[dict[str, Any]]) -> str:
    """The main table, then the ratios, then the crossing case's track metrics."""
    body = [
        (
            r["case"],
            r["config"],
            str(r["runs"]),
            str(len(r["seeds"])),
            f"{r['wall_median_s']:.3f}" + ("" if r["complete"] else "*"),
            f"{r['ms_per_scan_median']:.2f}",
            f"{r['process_median_s']:.2f}",
            f"{r['ospa_mean']:.3f}",
            f"{r['gospa_mean']:.3f}",
        )
        for r in rows
    ]
    head = (
        "case",
        "config",
        "runs",
        "seeds",
        "wall s",
        "ms/scan",
        "process s",
        "OSPA",
        "GOSPA",
    )
    out = _grid(head, body)
    if not all(r["complete"] for r in rows):
        out.append("* stopped at --ss-cap before the last scan (partial scores)")
    if rats:
        out += [""]
        out += _grid(
            ("case", "ratio", "value", "target", ""),
            [
                (
                    r["case"],
                    r["what"],
                    f"{r['value']:.3f}",
                    r["target"],
                    "ok" if r["ok"] else "MISSED",
                )
                for r in rats
            ],
        )
    tm_rows = [r for r in rows if r["track_metrics"]]
    if tm_rows:
        keys = list(tm_rows[0]["track_metrics"])
        out += ["", "Track metrics (means over seeds; score_tracks, c = 100 m):", ""]
        out += _grid(
            ("case", "config", *keys),
            [
                (
                    r["case"],
                    r["config"],
                    *(f"{r['track_metrics'].get(k, float('nan')):.3f}" for k in keys),
                )
                for r in tm_rows
            ],
        )
    return "\n".join(out)


def format_scaling(records: Sequence[dict[str, Any]]) -> str:
    """Time per scan of every configuration on every scaling scenario."""
    configs = list(dict.fromkeys(r["config"] for r in records))
    scen = list(dict.fromkeys(r["scenario"] for r in records))
    body = []
    for s in scen:
        rs = [r for r in records if r["scenario"] == s]
        meta = rs[0]["meta"]
        cells = [s, str(meta["n_targets"]), f"{meta['clutter_rate']:g}"]
        cells += [f"{meta['box'][0][1] / 1000:.1f}", str(rs[0]["steps"])]
        for c in configs:
            cr = [r for r in rs if r["config"] == c]
            if cr:
                ms = statistics.median(r["ms_per_scan"] for r in cr)
                cells.append(f"{ms:.2f} ({cr[0]['gospa']:.1f})")
            else:
                cells.append("-")
        body.append(cells)
    head = ["scenario", "targets", "clutter", "box km", "scans"]
    head += [f"{c} ms/scan (GOSPA)" for c in configs]
    return "\n".join(_grid(head, body))


# ----------------------------------------------------------------------------------
# Command line


def _sky_config(text: str) -> tuple[str, str]:
    name, sep, rest = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=ARGS, got {text!r}")
    return name, rest


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time and score skyscreen's tracker against Stone Soup "
        "(interleaved fresh processes, the harness's OSPA/GOSPA scorer, ratios).",
    )
    p.add_argument(
        "--cases",
        nargs="+",
        choices=CASES,
        default=["n100", "n20", "crossing"],
        help="cases to run (n100 n20 crossing; scaling on request)",
    )
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        help=f"scenario seeds (evaluation: {' '.join(map(str, EVAL_SEEDS))})",
    )
    seeds.add_argument(
        "--tune-seeds",
        action="store_true",
        help=f"use the tuning seeds {' '.join(map(str, TUNE_SEEDS))} instead",
    )
    p.add_argument("--runs", type=int, default=5, help="skyscreen runs per seed (5)")
    p.add_argument(
        "--ss-runs", type=int, default=1, help="Stone Soup runs per seed (1)"
    )
    p.add_argument(
        "--ss-algos",
        nargs="+",
        default=list(SS_ALGOS),
        metavar="ALGO",
        help="run_stonesoup.py --algo values (gnn gnn-kdtree jpda-ehm)",
    )
    p.add_argument(
        "--ss-cap",
        type=float,
        metavar="S",
        help="stop each Stone Soup tracking loop after S seconds (partial scores)",
    )
    p.add_argument(
        "--sky-config",
        action="append",
        type=_sky_config,
        default=[],
        metavar="NAME=ARGS",
        help="add or replace a skyscreen configuration: skyscreen track arguments "
        "as one string, e.g. jpda='--association jpda --gate 4' (default configs: "
        + "; ".join(f"{k}='{v}'" for k, v in SKY_CONFIGS.items())
        + "); NAME= with no arguments drops one",
    )
    p.add_argument(
        "--sky-only-configs",
        nargs="+",
        metavar="NAME",
        help="run only these skyscreen configurations",
    )
    p.add_argument(
        "--sky-extra",
        metavar="ARGS",
        help="arguments added to every skyscreen config; write it with '=', "
        "e.g. --sky-extra='--confirm 3/5', since ARGS starts with a dash",
    )
    p.add_argument(
        "--skyscreen-cmd",
        metavar="CMD",
        help="how to start skyscreen (default: the skyscreen script beside this "
        "python, else 'python -m skyscreen.cli')",
    )
    p.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the untimed warm-up run of each skyscreen config",
    )
    p.add_argument(
        "--scaling-steps", type=int, default=50, help="scans per scaling scenario (50)"
    )
    p.add_argument(
        "--ss-scaling", action="store_true", help="run Stone Soup on scaling too (slow)"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: n20, 1 seed, 1 run, Stone Soup gnn only",
    )
    p.add_argument(
        "--skyscreen-only",
        action="store_true",
        help="no Stone Soup: scenarios made and scored with this python",
    )
    p.add_argument(
        "--ss-venv",
        type=Path,
        default=DEFAULT_SS_VENV,
        metavar="DIR",
        help="Stone Soup virtualenv, built if missing (~/.cache/skyscreen-bench/"
        "stonesoup-venv)",
    )
    p.add_argument(
        "--harness",
        type=Path,
        default=DEFAULT_HARNESS,
        metavar="DIR",
        help="the Stone Soup peer harness (../shared/peers/stonesoup)",
    )
    p.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        metavar="DIR",
        help="scenarios, tracks, harness copy (~/.cache/skyscreen-bench/work)",
    )
    p.add_argument("--json-out", type=Path, metavar="OUT", help="save all results here")
    args = p.parse_args(argv)
    if args.quick:
        args.cases = ["n20"]
        args.runs = args.ss_runs = 1
        args.seeds = [(TUNE_SEEDS if args.tune_seeds else EVAL_SEEDS)[0]]
        args.ss_algos = ["gnn"]
    if not args.seeds:
        args.seeds = list(TUNE_SEEDS if args.tune_seeds else EVAL_SEEDS)
    if args.runs < 1 or args.ss_runs < 1:
        p.error("--runs and --ss-runs must be at least 1")
    if args.scaling_steps < 2:
        p.error("--scaling-steps must be at least 2")
    configs = dict(SKY_CONFIGS)
    for name, argstr in args.sky_config:
        if argstr.strip():
            configs[name] = argstr
        else:
            configs.pop(name, None)
    if args.sky_only_configs:
        unknown = set(args.sky_only_configs) - set(configs)
        if unknown:
            p.error(f"unknown skyscreen configs: {sorted(unknown)}")
        configs = {k: v for k, v in configs.items() if k in args.sky_only_configs}
    args.sky_configs = configs
    return args


def _scenario_list(
    case: str, args: argparse.Namespace, make: Callable[..., Path], work: Path
) -> list[tuple[int, Path]]:
    out = []
    for seed in args.seeds:
        if case == "crossing":
            path = crossing_scenario(work / "scenarios" / f"crossing_s{seed}", seed)
        else:
            spec = HARNESS_CASES[case]
            name = f"{case}_s{seed}"
            path = make(work / "scenarios" / name, seed=seed, **spec)
        out.append((seed, path))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    work = args.work.expanduser().resolve()
    harness_src = args.harness.expanduser().resolve()
    try:
        harness = copy_harness(harness_src, work)
    except FileNotFoundError as exc:
        _log(str(exc))
        return 1
    env: dict[str, Any] = {"work": work, "harness": harness, "failed": False}
    if args.skyscreen_only:
        env["ss_py"] = None
        gen_py: Path | str = sys.executable
    else:
        try:
            env["ss_py"] = ensure_stonesoup_venv(
                args.ss_venv.expanduser(), harness / "requirements.txt"
            )
        except subprocess.CalledProcessError as exc:
            _log(f"could not build the Stone Soup venv: {exc}\n{exc.stderr}")
            return 1
        gen_py = env["ss_py"]
    env["scorer"] = Scorer(gen_py, harness)
    sky_cmd = skyscreen_command(args.skyscreen_cmd)
    env["sky_cmd"] = sky_cmd
    sky_ok = skyscreen_has_track(sky_cmd)
    if not sky_ok:
        _log(f"'{shlex.join(sky_cmd)} track' is not available: skyscreen not run")
        env["failed"] = True
    configs = _configs(args, sky_ok)

    def make(out: Path, **kw: Any) -> Path:
        return harness_scenario(gen_py, harness, out, **kw)

    records: list[dict[str, Any]] = []
    scaling: list[dict[str, Any]] = []
    warmed: set[str] = set()

    def warm_up(scenario: Path) -> None:
        """One untimed run of each skyscreen config not yet run (numba caches)."""
        for cfg in configs:
            if cfg["tool"] != "skyscreen" or cfg["name"] in warmed:
                continue
            warmed.add(cfg["name"])
            if args.no_warmup:
                continue
            tracks = work / "runs" / "warmup.csv"
            tracks.parent.mkdir(parents=True, exist_ok=True)
            try:
                run_skyscreen(sky_cmd, scenario, tracks, cfg["args"])
            except RuntimeError as exc:
                _log(f"warm-up {cfg['name']}: {exc}")

    for case in args.cases:
        if case == "scaling":
            continue
        scen = _scenario_list(case, args, make, work)
        warm_up(scen[0][1])
        records += run_case(case, scen, configs, env, args, args.runs, args.ss_runs)
    if "scaling" in args.cases:
        seed = args.seeds[0]
        scen_list = []
        grid = [(n, 50) for n in SCALING_TARGETS]
        grid += [(100, c) for c in SCALING_CLUTTER if (100, c) not in grid]
        for n, c in grid:
            box = scaling_box(n)
            name = f"scale_n{n}_c{c}_t{args.scaling_steps}_s{seed}"
            path = make(
                work / "scenarios" / name,
                n_targets=n,
                clutter=c,
                steps=args.scaling_steps,
                seed=seed,
                box=box,
            )
            scen_list.append((seed, path))
        sc_configs = [c for c in configs if c["tool"] == "skyscreen" or args.ss_scaling]
        warm_up(scen_list[0][1])
        for s, path in scen_list:
            recs = run_case("scaling", [(s, path)], sc_configs, env, args, args.runs, 1)
            meta = json.loads((path / "scenario.json").read_text())
            for r in recs:
                r["meta"] = {
                    k: meta[k] for k in ("n_targets", "clutter_rate", "box", "steps")
                }
            scaling += recs

    rows = summarize(records)
    rats = ratios(rows)
    ss_version = next(
        (
            r["run"].get("stonesoup_version")
            for r in records
            if r["tool"] == "stonesoup"
        ),
        None,
    )
    print(
        f"skyscreen runs per seed: {args.runs}, Stone Soup: {args.ss_runs}, "
        f"interleaved; seeds {' '.join(map(str, args.seeds))}; wall = tracking loop "
        "only, median over runs; OSPA/GOSPA (harness score.py, c=100 m, p=1) mean "
        "over seeds"
    )
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"Stone Soup {ss_version or '-'}\n"
    )
    print(format_table(rows, rats) if rows else "no case ran")
    if scaling:
        print(f"\nScaling (seed {args.seeds[0]}, median ms/scan over runs, GOSPA):\n")
        print(format_scaling(scaling))
    if args.json_out:
        payload = {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "stonesoup_version": ss_version,
            "skyscreen_cmd": sky_cmd,
            "sky_configs": args.sky_configs,
            "sky_extra": args.sky_extra,
            "ss_algos": args.ss_algos,
            "seeds": args.seeds,
            "runs": args.runs,
            "ss_runs": args.ss_runs,
            "elapsed_s": time.perf_counter() - started,
            "summary": rows,
            "ratios": rats,
            "records": records,
            "scaling": scaling,
        }
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"\nsaved {args.json_out}")
    return 1 if env["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
