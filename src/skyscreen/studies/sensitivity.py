"""Global sensitivity analysis of a scenario's metrics over uncertain fields (SALib).

Which of twenty uncertain parameters matter? Two methods, both from SALib (Herman &
Usher 2017; Iwanaga, Usher & Herman 2022):

- **Morris screening** (elementary effects; Morris 1991, with the μ* of Campolongo,
  Cariboni & Saltelli 2007): ``trajectories × (k + 1)`` points for k fields. μ* ranks
  the fields by their overall influence, σ flags non-linearity and interactions. For
  many fields, cheaply.
- **Sobol indices** (variance-based; Saltelli 2002 sampling, Saltelli et al. 2010
  estimators, Jansen's total effect): ``N × (k + 2)`` points, N a power of two.
  S1 is the share of the metric's variance due to a field alone, ST the share it has
  a part in, interactions included. Their confidence intervals are SALib's bootstrap.

Each point of the design is a scenario run for ``replications`` replications, and
the metric is its mean over them. That mean is itself a Monte Carlo estimate, so the
indices carry its noise as well as the design's; every point runs the same
replication ids with the same seed (common random numbers), so the noise is largely
shared between points and cancels from the differences that the indices are made of.
Fields are given as ranges ``lo:hi`` (an integer field takes the rounded value) or
lists ``a,b,c`` (each value an equal share of [0, 1)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from skyscreen._outdir import output_directory
from skyscreen.errors import SkyscreenError
from skyscreen.scenario import load_scenario
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.schema import SUMMARY_METRICS
from skyscreen.studies.overrides import Vary, check_paths, parse_vary
from skyscreen.studies.sweep import (
    Derived,
    SweepResult,
    load_sweep,
    sweep,
    write_sweep_files,
)

__all__ = [
    "METHODS",
    "SensitivityResult",
    "analyse",
    "load_sensitivity",
    "resume_sensitivity",
    "sensitivity",
]

METHODS = ("morris", "sobol")
MAX_FIELDS = 100


@dataclass(eq=False)
class SensitivityResult:
    """Sensitivity indices of one or more metrics.

    Attributes
    ----------
    table : DataFrame
        One row per metric and field, ranked within each metric (most influential
        first). Morris: ``mu_star, mu_star_conf, mu, sigma``; Sobol: ``S1,
        S1_conf, ST, ST_conf`` (the ``_conf`` columns are half-widths of the 95%
        bootstrap intervals).
    method : str
    sweep : SweepResult
        The design's points and their runs.
    """

    table: pd.DataFrame
    method: str
    sweep: SweepResult
    path: Path | None = field(default=None)

    def plot(self, metric: str | None = None, fig: Any = None) -> Any:
        """Bars of the indices with their intervals, for ``metric`` (default first)."""
        return plot_indices(self, metric, fig)

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the study directory (a sweep plus sensitivity.csv and figures)."""
        with output_directory(Path(path), "sweep", overwrite) as tmp:
            write_sweep_files(tmp, self.sweep, figures=False)
            _write(tmp, self)
        self.path = Path(path)
        return self.path

    def __repr__(self) -> str:
        return (
            f"SensitivityResult(method={self.method!r}, fields="
            f"{self.table['field'].nunique()}, metrics="
            f"{list(self.table['metric'].unique())}, points={len(self.sweep.points)})"
        )


def _problem(varies: Sequence[Vary]) -> dict[str, Any]:
    bounds = [[v.low, v.high] if v.is_range else [0.0, 1.0] for v in varies]
    for v, (lo, hi) in zip(varies, bounds, strict=True):
        if not hi > lo:
            raise SkyscreenError(
                f"{v.path}: a sensitivity range needs lo < hi; got {lo}:{hi}"
            )
    return {
        "num_vars": len(varies),
        "names": [v.path for v in varies],
        "bounds": bounds,
    }


def _design(
    method: str, problem: dict[str, Any], n: int, seed: int, levels: int
) -> np.ndarray[Any, Any]:
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, n, num_levels=levels, seed=seed))
    from SALib.sample import sobol

    if n < 2 or n & (n - 1):
        raise SkyscreenError(f"Sobol sampling needs N a power of two >= 2; got {n}")
    return np.asarray(sobol.sample(problem, n, calc_second_order=False, seed=seed))


def _value(v: Vary, x: float) -> Any:
    if v.is_range:
        return float(x)
    return v.at(min(max(x, 0.0), math.nextafter(1.0, 0.0)))


def sensitivity(
    scenario: ScenarioSpec | str | Path,
    vary: Sequence[str | Vary],
    *,
    method: str = "morris",
    n: int = 10,
    metrics: Sequence[str] = ("n_leaked", "value_damaged_usd"),
    levels: int = 4,
    replications: int | Sequence[int] | None = None,
    seed: int | None = None,
    fidelity: str = "truth",
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    out: str | Path | None = None,
    overwrite: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
) -> SensitivityResult:
    """Morris screening or Sobol indices of ``metrics`` over the varied fields.

    Parameters
    ----------
    scenario : ScenarioSpec or path
    vary : sequence of str or Vary
        ``PATH=lo:hi`` (a range) or ``PATH=a,b,c`` (listed values) per field.
    method : {"morris", "sobol"}
    n : int
        Morris: trajectories (points: n × (k + 1)); Sobol: base samples N, a power
        of two (points: N × (k + 2)).
    metrics : sequence of str
        Summary metrics to analyse (their means over the replications of a point).
    levels : int
        Morris grid levels.
    replications, seed, fidelity, workers, chunk_size, progress, executor, scheduler
        As :func:`skyscreen.simulate`; the seed also seeds the design.
    out, overwrite
        Write the study directory there, resumably (as :func:`sweep`).

    Returns
    -------
    SensitivityResult
    """
    base = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
    if method not in METHODS:
        raise SkyscreenError(f"method must be one of {list(METHODS)}; got {method!r}")
    for m in metrics:
        if m not in SUMMARY_METRICS:
            raise SkyscreenError(
                f"metrics must be summary metrics ({', '.join(SUMMARY_METRICS)}); "
                f"got {m!r}"
            )
    if not metrics:
        raise SkyscreenError("give at least one metric")
    vs = [parse_vary(v) if isinstance(v, str) else v for v in vary]
    if not 1 <= len(vs) <= MAX_FIELDS:
        raise SkyscreenError(f"vary 1 to {MAX_FIELDS} fields; got {len(vs)}")
    if n < 1:
        raise SkyscreenError(f"n must be >= 1; got {n}")
    check_paths(base, vs)
    if seed is None:
        seed = base.run.seed if base.run.seed is not None else 0
    problem = _problem(vs)
    x = _design(method, problem, n, int(seed) % 2**32, levels)
    points = [
        {v.path: _value(v, float(x[i, j])) for j, v in enumerate(vs)}
        for i in range(x.shape[0])
    ]
    info = {
        "design": method,
        "sensitivity": {
            "method": method,
            "n": n,
            "levels": levels,
            "metrics": list(metrics),
            "problem": problem,
            "x": x.tolist(),
            "seed": int(seed) % 2**32,
        },
    }
    derived = Derived(_result, _write)
    res = sweep(
        base,
        points=points,
        replications=replications,
        seed=seed,
        fidelity=fidelity,
        workers=workers,
        chunk_size=chunk_size,
        progress=progress,
        out=out,
        overwrite=overwrite,
        executor=executor,
        scheduler=scheduler,
        figures=False,
        _info=info,
        _extra=derived.hook,
    )
    return derived.result(res)


def _result(res: SweepResult) -> SensitivityResult:
    info = res.meta["sensitivity"]
    table = analyse(res, int(info["seed"]))
    return SensitivityResult(table=table, method=str(info["method"]), sweep=res)


def resume_sensitivity(
    path: str | Path,
    workers: int | None = None,
    progress: bool = True,
    *,
    executor: str = "local",
    scheduler: str | None = None,
) -> SensitivityResult:
    """Complete the interrupted sensitivity study in ``path``."""
    from skyscreen.studies.sweep import resume_sweep

    derived = Derived(_result, _write)
    res = resume_sweep(
        path,
        workers,
        progress,
        executor=executor,
        scheduler=scheduler,
        figures=False,
        extra=derived.hook,
    )
    return derived.result(res)


def analyse(res: SweepResult, seed: int = 0) -> pd.DataFrame:
    """The indices of a sensitivity sweep (its meta holds the design)."""
    info = res.meta["sensitivity"]
    method = info["method"]
    problem = info["problem"]
    x = np.asarray(info["x"], dtype=np.float64)
    frames = []
    for metric in info["metrics"]:
        y = res.points.sort_values("point")[f"{metric}_mean"].to_numpy(np.float64)
        if not np.all(np.isfinite(y)):
            raise SkyscreenError(
                f"{metric} is undefined (NaN) at some points of the design; "
                "choose a metric every replication defines"
            )
        if method == "morris":
            from SALib.analyze import morris

            r = morris.analyze(
                problem, x, y, num_levels=info["levels"], seed=seed, conf_level=0.95
            )
            cols = ["mu_star", "mu_star_conf", "mu", "sigma"]
            key = "mu_star"
        else:
            from SALib.analyze import sobol

            if float(np.var(y)) == 0.0:
                r = {
                    c: np.zeros(len(problem["names"]))
                    for c in ("S1", "S1_conf", "ST", "ST_conf")
                }
            else:
                r = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
            cols = ["S1", "S1_conf", "ST", "ST_conf"]
            key = "ST"
        f = pd.DataFrame({"field": problem["names"]})
        for c in cols:
            f[c] = np.asarray(r[c], dtype=np.float64)
        f = f.sort_values(key, ascending=False, kind="stable")
        f.insert(0, "metric", metric)
        f.insert(1, "rank", np.arange(1, len(f) + 1))
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def _write(directory: Path, result: SensitivityResult) -> None:
    result.table.to_csv(directory / "sensitivity.csv", index=False)
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    for metric in result.table["metric"].unique():
        fig = plot_indices(result, str(metric))
        fig.savefig(directory / f"sensitivity-{metric}.png", dpi=120)
        plt.close(fig)


def load_sensitivity(path: str | Path) -> SensitivityResult:
    """Read a sensitivity study's directory back."""
    res = load_sweep(path)
    info = res.meta.get("sensitivity")
    if not isinstance(info, dict):
        raise SkyscreenError(f"{path}: a sweep, not a sensitivity study")
    table = pd.read_csv(Path(path) / "sensitivity.csv")
    return SensitivityResult(
        table=table, method=str(info["method"]), sweep=res, path=Path(path)
    )


def plot_indices(
    result: SensitivityResult, metric: str | None = None, fig: Any = None
) -> Any:
    """Morris: μ* bars and the μ*–σ plane; Sobol: S1 and ST bars, with intervals."""
    import matplotlib.pyplot as plt

    t = result.table
    metric = metric or str(t["metric"].iloc[0])
    t = t[t["metric"] == metric]
    if fig is None:
        fig = plt.figure(figsize=(9.0, 0.35 * len(t) + 2.0), layout="constrained")
    names = t["field"].tolist()[::-1]
    y = np.arange(len(names))
    if result.method == "morris":
        ax1, ax2 = fig.subplots(1, 2)
        ax1.barh(
            y,
            t["mu_star"].to_numpy()[::-1],
            xerr=t["mu_star_conf"].to_numpy()[::-1],
            color="tab:blue",
            alpha=0.8,
            capsize=3,
        )
        ax1.set_yticks(y, names, fontsize=7)
        ax1.set_xlabel("μ* (mean |elementary effect|), 95% interval")
        ax2.scatter(t["mu_star"], t["sigma"], color="tab:blue")
        for _, r in t.iterrows():
            ax2.annotate(str(r["field"]), (r["mu_star"], r["sigma"]), fontsize=6)
        ax2.set_xlabel("μ*")
        ax2.set_ylabel("σ (non-linearity, interactions)")
        ax2.grid(True, alpha=0.3)
    else:
        ax1 = fig.subplots(1, 1)
        h = 0.38
        ax1.barh(
            y + h / 2,
            t["S1"].to_numpy()[::-1],
            h,
            xerr=t["S1_conf"].to_numpy()[::-1],
            label="S1 (alone)",
            capsize=3,
        )
        ax1.barh(
            y - h / 2,
            t["ST"].to_numpy()[::-1],
            h,
            xerr=t["ST_conf"].to_numpy()[::-1],
            label="ST (total)",
            capsize=3,
        )
        ax1.set_yticks(y, names, fontsize=7)
        ax1.set_xlabel("Sobol index, 95% interval")
        ax1.legend(fontsize=7)
    ax1.grid(True, axis="x", alpha=0.3)
    fig.suptitle(
        f"{result.sweep.scenario.name}: sensitivity of {metric} ({result.method})",
        fontsize=9,
    )
    return fig
