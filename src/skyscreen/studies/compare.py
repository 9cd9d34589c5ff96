"""Paired comparison of two scenarios with common random numbers.

Both scenarios run the same replication ids with the same root seed. Every random
stream is keyed by (replication, purpose, entity), so where the two scenarios agree
their replications draw the same raid, launch times, detections and shots; a metric's
difference per replication, d_i = b_i − a_i, then measures the change itself, not the
luck of two independent samples. The mean difference gets a paired Student-t interval
(its variance is Var(a) + Var(b) − 2 Cov(a, b): the covariance that common random
numbers create is what shrinks it). ``variance_ratio`` = (s²_a + s²_b) / s²_d is the
factor by which independent seeds would have needed more replications for the same
interval (Law, *Simulation Modeling and Analysis*, 5th ed., §11.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from skyscreen._outdir import output_directory
from skyscreen.errors import SkyscreenError
from skyscreen.executors.local import exit_on_sigterm
from skyscreen.io.checkpoint import ChunkStore
from skyscreen.run import (
    _check_executor,
    _draw_seed,
    _How,
    _n_drones,
    _plan_chunks,
    _replication_ids,
)
from skyscreen.scenario import load_scenario
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.schema import SUMMARY_METRICS
from skyscreen.studies.overrides import check_paths, parse_vary, with_values
from skyscreen.studies.sweep import (
    HEADLINE_METRICS,
    Derived,
    SweepResult,
    _finish,
    _Study,
    load_sweep,
    write_sweep_files,
)

__all__ = [
    "Comparison",
    "compare",
    "load_comparison",
    "paired_differences",
    "resume_comparison",
]


def paired_differences(
    a: pd.DataFrame,
    b: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per metric: means of ``a`` and ``b``, the paired difference b − a, its interval.

    ``a`` and ``b`` are summaries (one row per replication) of the same replication
    ids; rows are paired by ``replication``. A replication where a metric is NaN in
    either (a time that was never reached) is left out of that metric.

    Returns
    -------
    DataFrame
        Columns ``metric, n, mean_a, mean_b, diff, ci_low, ci_high, p_value,
        significant, significant_holm, variance_ratio``. ``p_value`` is the paired
        t-test's (two-sided; 1 where every difference is 0); ``significant``: the
        interval excludes 0; ``significant_holm``: still so after Holm's correction
        for testing every metric at once. ``variance_ratio``: (s²_a + s²_b) / s²_d,
        what common random numbers saved (inf where every difference is 0, NaN where
        there is no spread at all).

    Examples
    --------
    >>> a = pd.DataFrame({"replication": range(5), "n_leaked": [3, 5, 4, 6, 5]})
    >>> b = pd.DataFrame({"replication": range(5), "n_leaked": [2, 4, 2, 5, 3]})
    >>> t = paired_differences(a, b, ["n_leaked"])
    >>> float(t["diff"].iloc[0]), bool(t["significant"].iloc[0])
    (-1.4, True)
    """
    if metrics is None:
        metrics = [m for m in SUMMARY_METRICS if m in a.columns and m in b.columns]
    if a["replication"].duplicated().any() or b["replication"].duplicated().any():
        raise SkyscreenError(
            "the two summaries must hold the same replication ids to be paired, each "
            "once; got repeats"
        )
    m = a.merge(b, on="replication", suffixes=("_a", "_b"), validate="one_to_one")
    if len(m) != len(a) or len(m) != len(b):
        raise SkyscreenError(
            "the two summaries must hold the same replication ids to be paired"
        )
    rows = []
    for name in metrics:
        x = m[f"{name}_a"].to_numpy(dtype=np.float64)
        y = m[f"{name}_b"].to_numpy(dtype=np.float64)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        d = y - x
        n = len(d)
        mean_a = float(x.mean()) if n else np.nan
        mean_b = float(y.mean()) if n else np.nan
        diff = float(d.mean()) if n else np.nan
        lo = hi = p = ratio = np.nan
        if n >= 2:
            sd = float(d.std(ddof=1))
            half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sd / np.sqrt(n)
            lo, hi = diff - half, diff + half
            if sd > 0:
                p = float(2.0 * stats.t.sf(abs(diff) / (sd / np.sqrt(n)), n - 1))
            else:
                p = 1.0 if diff == 0 else 0.0
            spread = float(x.var(ddof=1) + y.var(ddof=1))
            ratio = spread / sd**2 if sd > 0 else (np.inf if spread > 0 else np.nan)
        rows.append((name, n, mean_a, mean_b, diff, lo, hi, p, ratio))
    t = pd.DataFrame(
        rows,
        columns=[
            "metric",
            "n",
            "mean_a",
            "mean_b",
            "diff",
            "ci_low",
            "ci_high",
            "p_value",
            "variance_ratio",
        ],
    )
    t["significant"] = (t["ci_low"] > 0) | (t["ci_high"] < 0)
    t["significant_holm"] = _holm(t["p_value"].to_numpy(), 1.0 - level)
    order = [
        "metric",
        "n",
        "mean_a",
        "mean_b",
        "diff",
        "ci_low",
        "ci_high",
        "p_value",
        "significant",
        "significant_holm",
        "variance_ratio",
    ]
    return t[order]


def _holm(p: Any, alpha: float) -> Any:
    """Holm's step-down rejections at family-wise level ``alpha`` (NaN: not rejected)."""
    p = np.asarray(p, dtype=np.float64)
    ok = np.flatnonzero(np.isfinite(p))
    reject = np.zeros(p.shape, dtype=bool)
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    for k, i in enumerate(order):
        if p[i] > alpha / (m - k):
            break
        reject[i] = True
    return reject


@dataclass(eq=False)
class Comparison:
    """A paired comparison's results.

    Attributes
    ----------
    table : DataFrame
        :func:`paired_differences` of every summary metric (B − A).
    a, b : DataFrame
        The two summaries (one row per replication, the same ids).
    names : tuple of str
        What A and B are (scenario names, or the varied values).
    sweep : SweepResult
        The two points as a sweep (rows, points, meta).
    """

    table: pd.DataFrame
    a: pd.DataFrame
    b: pd.DataFrame
    names: tuple[str, str]
    sweep: SweepResult
    path: Path | None = field(default=None)

    def significant(self) -> pd.DataFrame:
        """The rows of metrics whose difference is significant (after Holm)."""
        return self.table[self.table["significant_holm"]]

    def plot(self, metrics: Sequence[str] = HEADLINE_METRICS, fig: Any = None) -> Any:
        """Each metric's paired difference with its interval; returns the figure."""
        return plot_comparison(self, metrics, fig)

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the comparison directory (a two-point sweep plus comparison.csv)."""
        with output_directory(Path(path), "sweep", overwrite) as tmp:
            write_sweep_files(tmp, self.sweep, figures=False)
            _write_comparison(tmp, self)
        self.path = Path(path)
        return self.path

    def __repr__(self) -> str:
        k = int(self.table["significant_holm"].sum())
        return (
            f"Comparison(A={self.names[0]!r}, B={self.names[1]!r}, replications="
            f"{len(self.a)}, significant differences={k})"
        )


def compare(
    a: ScenarioSpec | str | Path,
    b: ScenarioSpec | str | Path | None = None,
    *,
    vary: Sequence[str] | None = None,
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
    level: float = 0.95,
) -> Comparison:
    """Run two scenarios with common random numbers; every metric's paired difference.

    Parameters
    ----------
    a : ScenarioSpec or path
        Scenario A (the baseline).
    b : ScenarioSpec or path, optional
        Scenario B; or give ``vary``.
    vary : sequence of str, optional
        ``PATH=VALUE`` each: B is A with these fields set
        (``sites.0.effectors.gun-n.enabled=false``).
    replications, seed, fidelity, workers, chunk_size, progress, executor, scheduler
        As :func:`skyscreen.simulate`; both run the same ids with the same seed
        (A's seed unless given).
    out : path, optional
        Write the comparison there, resumably (a sweep directory of two points plus
        ``comparison.csv`` and ``comparison.png``).
    overwrite : bool
        Replace a directory skyscreen wrote at ``out``.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> c = compare(example_path("quickstart"), vary=["raids.0.count=6"],
    ...             replications=20, seed=2, workers=1, progress=False)
    >>> row = c.table.set_index("metric").loc["n_launched"]
    >>> float(row["mean_a"]), float(row["mean_b"]), bool(row["significant_holm"])
    (4.0, 6.0, True)
    """
    spec_a = a if isinstance(a, ScenarioSpec) else load_scenario(a)
    executor = _check_executor(executor, scheduler)
    if (b is None) == (vary is None):
        raise SkyscreenError("give either B or vary (PATH=VALUE...), not both")
    if b is not None:
        spec_b = b if isinstance(b, ScenarioSpec) else load_scenario(b)
        names = (spec_a.name, spec_b.name)
        if names[0] == names[1]:
            names = (f"A ({names[0]})", f"B ({names[1]})")
    else:
        assert vary is not None
        vs = [parse_vary(v) for v in vary]
        bad = [v.path for v in vs if len(v.values) != 1]
        if bad:
            raise SkyscreenError(
                f"compare --vary takes one value per field (PATH=VALUE); "
                f"{', '.join(bad)} gives several: use skyscreen sweep"
            )
        check_paths(spec_a, vs)
        changes = {v.path: v.values[0] for v in vs}
        spec_b = with_values(spec_a, changes)
        names = (spec_a.name, ", ".join(f"{k}={v}" for k, v in changes.items()))
    if seed is None:
        seed = spec_a.run.seed if spec_a.run.seed is not None else _draw_seed()
    if not 0 <= int(seed) < 2**63:
        raise SkyscreenError(f"seed must be >= 0 and < 2**63; got {seed}")
    reps = _replication_ids(replications, spec_a)
    n_workers, chunk_size = _plan_chunks(
        2 * len(reps),
        workers,
        chunk_size,
        resumable=out is not None,
        n_drones=max(_n_drones(spec_a), _n_drones(spec_b)),
    )
    study = _Study(
        [spec_a, spec_b], reps, int(seed), fidelity, min(chunk_size, len(reps))
    )
    info = {
        "scenario": spec_a.model_dump(mode="json", by_alias=True),
        "points": [{"variant": "A " + names[0]}, {"variant": "B " + names[1]}],
        "paths": ["variant"],
        "vary": list(vary or []),
        "design": "compare",
        "n_points": 2,
        "level": level,
    }
    how = _How(n_workers, progress, executor, scheduler)
    derived = _derived()
    if out is None:
        return derived.result(_finish(study, info, how, None, False))
    with exit_on_sigterm():
        store = ChunkStore.create(out, "sweep", {**study.to_json(), **info}, overwrite)
        return derived.result(_finish(study, info, how, store, False, derived.hook))


def _derived() -> Derived[Comparison]:
    """The comparison of a two-point study (its names and level are in its meta)."""
    return Derived(
        lambda sw: _comparison(sw, _names(sw), float(sw.meta.get("level", 0.95))),
        _write_comparison,
    )


def _comparison(res: SweepResult, names: tuple[str, str], level: float) -> Comparison:
    rows = res.rows
    a = rows[rows["point"] == 0].drop(columns="point").reset_index(drop=True)
    b = rows[rows["point"] == 1].drop(columns="point").reset_index(drop=True)
    table = paired_differences(a, b, level=level)
    return Comparison(table=table, a=a, b=b, names=names, sweep=res, path=res.path)


def _write_comparison(directory: Path, comp: Comparison) -> None:
    comp.table.to_csv(directory / "comparison.csv", index=False)
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig = plot_comparison(comp, HEADLINE_METRICS)
    fig.savefig(directory / "comparison.png", dpi=120)
    plt.close(fig)


def resume_comparison(
    path: str | Path,
    workers: int | None = None,
    progress: bool = True,
    *,
    executor: str = "local",
    scheduler: str | None = None,
) -> Comparison:
    """Complete the interrupted comparison in ``path`` (see :func:`compare`)."""
    from skyscreen.studies.sweep import resume_sweep

    derived = _derived()
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


def _names(res: SweepResult) -> tuple[str, str]:
    variants = [str(p["variant"]) for p in res.meta["points"]]
    return variants[0].removeprefix("A "), variants[1].removeprefix("B ")


def load_comparison(path: str | Path) -> Comparison:
    """Read a comparison directory back (see :func:`compare`)."""
    res = load_sweep(path)
    if res.meta.get("design") != "compare":
        raise SkyscreenError(f"{path}: a sweep, not a comparison")
    return _derived().result(res)


def plot_comparison(
    comp: Comparison, metrics: Sequence[str] = HEADLINE_METRICS, fig: Any = None
) -> Any:
    """One panel per metric: A's and B's means, and B − A with its interval."""
    import matplotlib.pyplot as plt

    n = len(metrics)
    cols = min(n, 2)
    rows_ = (n + cols - 1) // cols
    if fig is None:
        fig = plt.figure(figsize=(4.0 * cols, 2.6 * rows_), layout="constrained")
    axes = fig.subplots(rows_, cols, squeeze=False).ravel()
    t = comp.table.set_index("metric")
    for ax, metric in zip(axes, metrics, strict=False):
        r = t.loc[metric]
        colour = "tab:red" if bool(r["significant_holm"]) else "tab:grey"
        ax.errorbar(
            [r["diff"]],
            [0],
            xerr=[[r["diff"] - r["ci_low"]], [r["ci_high"] - r["diff"]]],
            fmt="o",
            color=colour,
            capsize=4,
        )
        ax.axvline(0.0, color="black", lw=0.8)
        ax.set_yticks([])
        ax.set_title(
            f"{metric}: A {r['mean_a']:.3g} → B {r['mean_b']:.3g}\n"
            f"variance ratio (independent / paired) {r['variance_ratio']:.3g}",
            fontsize=8,
        )
        ax.set_xlabel("B − A, mean and 95% interval", fontsize=8)
        ax.grid(True, axis="x", alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(f"A: {comp.names[0]}    B: {comp.names[1]}", fontsize=9)
    return fig
