"""Look-ahead fire control against tuned myopic policies (issue 14's benchmark).

For each scenario:

1. **Tune** on tuning seeds (``--tune-seed``, replications 0..``--tune-reps``-1): the
   myopic greedy policy's ``min_shot_pk`` over a grid, and the look-ahead's horizon
   and ``min_shot_pk`` over a grid, each by the lowest mean value damaged (ties: lower
   munitions cost). The myopic exact policy uses the greedy's tuned floor.
2. **Evaluate** on disjoint seeds (``--eval-seed``): every policy on the same
   replication ids and seed (common random numbers), the look-ahead's paired
   difference against each myopic policy for value damaged, leakers, casualties and
   munitions cost with 95% intervals (``skyscreen.studies.paired_differences``).
3. **Decision time**: the look-ahead's planner per replication-cycle (each row
   solved alone, median and 99th percentile) and the whole decide stage per
   replication-cycle; the run's wall time against the tuned myopic run's.
4. **Hindsight bound** (``--hindsight``, when the scenario's weapons allow it): the
   perfect-information, doctrine-constrained and camera-constrained bounds
   (:func:`skyscreen.studies.hindsight_bound`) on the first ``--bound-reps``
   evaluation replications, and the share of the gap between the tuned myopic
   policy and each bound that the look-ahead closes there,
   (myopic − look-ahead) / (myopic − bound).

Run: ``python benchmarks/fire_control.py`` (about 20-40 minutes on 2 cores with the
defaults); ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

import skyscreen.engine.decide as decide_mod
from skyscreen.run import simulate
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import paired_differences
from skyscreen.studies.overrides import with_values

METRICS = ("value_damaged_usd", "n_leaked", "casualties", "munitions_cost_usd")
FLOORS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)
HORIZONS = (20.0, 60.0, 120.0)
LOOK_FLOORS = (0.0, 0.05, 0.1)


FIDELITY = {"value": "truth"}
"""The air picture of every run (``--fidelity``)."""


def _run(
    spec: ScenarioSpec, values: dict[str, Any], n: int, seed: int, workers: int
) -> tuple[pd.DataFrame, float]:
    t = time.perf_counter()
    res = simulate(
        with_values(spec, values),
        replications=n,
        seed=seed,
        workers=workers,
        progress=False,
        fidelity=FIDELITY["value"],
    )
    return res.summary, time.perf_counter() - t


def _score(summary: pd.DataFrame) -> tuple[float, float]:
    return (
        float(summary["value_damaged_usd"].mean()),
        float(summary["munitions_cost_usd"].mean()),
    )


def tune(
    spec: ScenarioSpec, n: int, seed: int, workers: int
) -> tuple[dict[str, Any], dict[str, Any], pd.DataFrame]:
    """The tuned myopic and look-ahead settings, and every tried setting's scores."""
    rows = []
    for floor in FLOORS:
        values = {"doctrine.fire_control": "myopic", "doctrine.min_shot_pk": floor}
        s, _ = _run(spec, values, n, seed, workers)
        rows.append({"policy": "myopic", **values, "score": _score(s)})
    for horizon in HORIZONS:
        for floor in LOOK_FLOORS:
            values = {
                "doctrine.fire_control": "lookahead",
                "doctrine.lookahead_horizon_s": horizon,
                "doctrine.min_shot_pk": floor,
            }
            s, _ = _run(spec, values, n, seed, workers)
            rows.append({"policy": "lookahead", **values, "score": _score(s)})
    tried = pd.DataFrame(rows)
    best = {}
    for policy in ("myopic", "lookahead"):
        sub = [r for r in rows if r["policy"] == policy]
        pick = min(sub, key=lambda r: r["score"])
        best[policy] = {k: v for k, v in pick.items() if k.startswith("doctrine.")}
    return best["myopic"], best["lookahead"], tried


class _Timer:
    """Times the look-ahead's planner per row and the decide stage per call."""

    def __init__(self) -> None:
        self.plan_s: list[float] = []
        self.decide_s = 0.0
        self.decide_rows = 0
        self._plan = decide_mod.plan_stages_listed
        self._assign = decide_mod._assign_lookahead

    def __enter__(self) -> Self:
        plan = self._plan
        assign = self._assign

        def timed_plan(*args: Any) -> None:
            # plan_stages_listed's arguments: the per-row ones sliced to row b, the
            # lists' row pointers to b's range (the lists themselves shared).
            values, surv, pk0, ptr, l_k, l_i, l_j, l_p, l_w, factor = args[:10]
            free0, avail, shots, open0 = args[10:14]
            rest = args[14:19]
            target, out_surv = args[19], args[20]
            for b in range(len(values)):
                t = time.perf_counter()
                plan(
                    values[b : b + 1], surv[b : b + 1], pk0[b : b + 1],
                    tuple(p[b : b + 2] for p in ptr), l_k, l_i, l_j, l_p, l_w,
                    factor, free0[b : b + 1], avail[b : b + 1], shots[b : b + 1],
                    open0[b : b + 1], *rest, target[b : b + 1], out_surv[b : b + 1],
                )  # fmt: skip
                self.plan_s.append(time.perf_counter() - t)

        def timed_assign(*args: Any) -> None:
            t = time.perf_counter()
            assign(*args)
            self.decide_s += time.perf_counter() - t
            self.decide_rows += len(args[5].rows)

        decide_mod.plan_stages_listed = timed_plan
        decide_mod._assign_lookahead = timed_assign
        return self

    def __exit__(self, *exc: object) -> None:
        decide_mod.plan_stages_listed = self._plan
        decide_mod._assign_lookahead = self._assign


def evaluate(
    name: str,
    spec: ScenarioSpec,
    myopic: dict[str, Any],
    look: dict[str, Any],
    n: int,
    seed: int,
    workers: int,
    hindsight: bool,
    bound_reps: int = 100,
) -> dict[str, Any]:
    """Paired differences, times and (optionally) the hindsight gap on eval seeds."""
    exact = {**myopic, "doctrine.wta_method": "exact"}
    a, t_myopic = _run(spec, myopic, n, seed, workers)
    b, t_look = _run(spec, look, n, seed, workers)
    c, _ = _run(spec, exact, n, seed, workers)
    out: dict[str, Any] = {"scenario": name, "n": n}
    for label, base in (("greedy", a), ("exact", c)):
        table = paired_differences(base, b, METRICS)
        print(f"\n{name}: look-ahead {look} - myopic {label} {myopic} (B - A)")
        print(
            table[
                ["metric", "mean_a", "mean_b", "diff", "ci_low", "ci_high"]
            ].to_string(index=False, float_format=lambda x: f"{x:.4g}")
        )
        out[label] = table
    # Decision time on one core, a smaller run.
    with _Timer() as timer:
        _run(spec, look, min(n, 100), seed, 1)
    plan = np.array(timer.plan_s) * 1e3
    out["plan_ms_median"] = float(np.median(plan)) if len(plan) else 0.0
    out["plan_ms_p99"] = float(np.percentile(plan, 99)) if len(plan) else 0.0
    out["decide_ms_per_row"] = 1e3 * timer.decide_s / max(timer.decide_rows, 1)
    out["time_ratio"] = t_look / t_myopic
    print(
        f"{name}: planner per replication-cycle median {out['plan_ms_median']:.3f} ms,"
        f" p99 {out['plan_ms_p99']:.3f} ms; decide stage per replication-cycle"
        f" {out['decide_ms_per_row']:.3f} ms; run time look-ahead / myopic"
        f" {out['time_ratio']:.2f} ({t_look:.1f} s / {t_myopic:.1f} s, {workers}"
        " workers)"
    )
    if hindsight:
        out.update(_gap(spec, a, b, min(n, bound_reps), seed))
    return out


def _gap(
    spec: ScenarioSpec,
    a: pd.DataFrame,
    b: pd.DataFrame,
    n: int,
    seed: int,
    relaxations: Sequence[str] = ("perfect", "doctrine", "cameras"),
) -> dict[str, Any]:
    """Each hindsight bound's mean and the share of the gap the look-ahead closes.

    On the first ``n`` evaluation replications; the gap is tuned myopic − bound.
    """
    from skyscreen.studies.hindsight import hindsight_bound

    ids = np.sort(a["replication"].to_numpy())[:n]
    my = float(a[a["replication"].isin(ids)]["value_damaged_usd"].mean())
    la = float(b[b["replication"].isin(ids)]["value_damaged_usd"].mean())
    out: dict[str, Any] = {}
    for relaxation in relaxations:
        t = time.perf_counter()
        try:
            bound = hindsight_bound(
                spec, replications=ids.tolist(), seed=seed, relaxation=relaxation
            )
        except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
            print(f"hindsight bound ({relaxation}): {exc}")
            continue
        lo = float(bound.mean)
        share = (my - la) / (my - lo) if my > lo else float("nan")
        print(
            f"hindsight bound ({relaxation}, {len(ids)} replications, "
            f"{time.perf_counter() - t:.0f} s): {lo:.4g}; tuned myopic {my:.4g}; "
            f"look-ahead {la:.4g}; share of the gap closed {share:.1%}"
        )
        out[f"bound_{relaxation}"] = lo
        out[f"gap_share_{relaxation}"] = share
    return out


def scaled(spec: ScenarioSpec, total: int) -> ScenarioSpec:
    """``spec`` with its raids' counts scaled to ``total`` drones in all."""
    counts = np.array([r.count for r in spec.raids], dtype=float)
    new = np.floor(counts / counts.sum() * total).astype(int)
    new[np.argsort(-counts)[: total - new.sum()]] += 1
    return with_values(spec, {f"raids.{i}.count": int(c) for i, c in enumerate(new)})


TUNED = {
    "coastal-airbase": ({"doctrine.min_shot_pk": 0.1}, (120.0, 0.05)),
    "two-sites": ({"doctrine.min_shot_pk": 0.15}, (60.0, 0.05)),
    "coastal-airbase@8": ({"doctrine.min_shot_pk": 0.05}, (60.0, 0.0)),
    "coastal-airbase@16": ({"doctrine.min_shot_pk": 0.1}, (60.0, 0.1)),
    "coastal-airbase@32": ({"doctrine.min_shot_pk": 0.15}, (120.0, 0.0)),
    "coastal-airbase@64": ({"doctrine.min_shot_pk": 0.2}, (120.0, 0.05)),
}
"""The settings the full benchmark tuned on seed 1001 (docs/fire-control.md), for
``--time-reps``: the myopic overrides, and the look-ahead's (horizon s, floor)."""


def time_ratio(
    name: str, spec: ScenarioSpec, n: int, runs: int, seed: int, workers: int
) -> dict[str, Any]:
    """Wall time of an n-replication look-ahead run over the tuned myopic run's.

    The two alternate, ``runs`` times each (the machine's load moves both alike);
    the ratio of each pair and the median of the ratios.
    """
    myopic, (horizon, floor) = TUNED[name]
    look = {
        "doctrine.fire_control": "lookahead",
        "doctrine.lookahead_horizon_s": horizon,
        "doctrine.min_shot_pk": floor,
    }
    _run(spec, myopic, 4, seed, 1)  # compile and load the kernels first
    _run(spec, look, 4, seed, 1)
    ratios, times = [], []
    for _ in range(runs):
        _, t_m = _run(spec, myopic, n, seed, workers)
        _, t_l = _run(spec, look, n, seed, workers)
        ratios.append(t_l / t_m)
        times.append((t_m, t_l))
    out = {"scenario": name, "ratio_median": float(np.median(ratios))}
    print(
        f"{name}: {n} replications, {workers} workers: look-ahead / myopic wall time"
        f" median {out['ratio_median']:.2f} (pairs: "
        + ", ".join(f"{t_l:.1f}/{t_m:.1f} s" for t_m, t_l in times)
        + ")",
        flush=True,
    )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenarios", nargs="*", default=["coastal-airbase", "two-sites"])
    ap.add_argument("--sweep", default="8,16,32,64", help="raid sizes ('' skips)")
    ap.add_argument("--sweep-scenario", default="coastal-airbase")
    ap.add_argument("--tune-reps", type=int, default=100)
    ap.add_argument("--eval-reps", type=int, default=400)
    ap.add_argument("--tune-seed", type=int, default=1001)
    ap.add_argument("--eval-seed", type=int, default=2002)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hindsight", action="store_true")
    ap.add_argument("--bound-reps", type=int, default=100, help="replications bounded")
    ap.add_argument("--quick", action="store_true", help="smoke run")
    ap.add_argument(
        "--time-reps",
        type=int,
        default=0,
        help="only time an N-replication run of the tuned settings (TUNED) against"
        " the myopic one, --time-runs alternating pairs",
    )
    ap.add_argument("--time-runs", type=int, default=3)
    ap.add_argument(
        "--fidelity",
        choices=("truth", "tracked"),
        default="truth",
        help="air picture of every run (the hindsight bounds are truth-fidelity)",
    )
    args = ap.parse_args(argv)
    FIDELITY["value"] = args.fidelity
    if args.quick:
        args.tune_reps, args.eval_reps, args.sweep = 10, 20, "8"
    jobs = [(s, load_scenario(example_path(s))) for s in args.scenarios]
    if args.sweep:
        base = load_scenario(example_path(args.sweep_scenario))
        for total in (int(x) for x in args.sweep.split(",")):
            jobs.append((f"{args.sweep_scenario}@{total}", scaled(base, total)))
    if args.time_reps:
        for name, spec in jobs:
            time_ratio(
                name, spec, args.time_reps, args.time_runs, args.eval_seed, args.workers
            )
        return
    results = []
    for name, spec in jobs:
        myopic, look, tried = tune(spec, args.tune_reps, args.tune_seed, args.workers)
        print(f"\n{name}: tuned on seed {args.tune_seed} ({args.tune_reps} reps):")
        print(tried.to_string(index=False))
        results.append(
            evaluate(
                name,
                spec,
                myopic,
                look,
                args.eval_reps,
                args.eval_seed,
                args.workers,
                args.hindsight,
                args.bound_reps,
            )
        )
    print("\nSummary (look-ahead - tuned myopic greedy, 95% intervals):")
    for r in results:
        t = r["greedy"].set_index("metric")
        parts = [
            f"{m} {t.loc[m, 'diff']:.3g} [{t.loc[m, 'ci_low']:.3g}, "
            f"{t.loc[m, 'ci_high']:.3g}]"
            for m in METRICS
        ]
        gap = "".join(
            f"; gap to the {k[10:]} bound closed {v:.0%}"
            for k, v in r.items()
            if k.startswith("gap_share_")
        )
        print(
            f"{r['scenario']}: " + "; ".join(parts) + f"; planner median "
            f"{r['plan_ms_median']:.2f} ms p99 {r['plan_ms_p99']:.2f} ms; "
            f"time x{r['time_ratio']:.2f}{gap}"
        )


if __name__ == "__main__":
    main()
