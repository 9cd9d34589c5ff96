"""Sweeps: a scenario run at many points, each point some fields set to values.

Every point runs the same replication ids with the same root seed, so the points share
their random numbers wherever their scenarios agree (common random numbers: the same
raid, launch times and draws, because every stream is keyed by replication, purpose
and entity; DESIGN.md, "Randomness"). Differences between points are then due to the
varied fields, not to luck, and curves over the points are smooth.

A sweep directory holds ``sweep.json`` (what ran), ``sweep.parquet`` (one row per point
and replication: ``point``, ``replication`` and the summary metrics of
docs/outputs.md), ``points.parquet`` (one row per point: ``point``, one column per
varied field, and each metric's mean with its 95% interval), and figures. With
``out``, a sweep saves each finished chunk as it ends and resumes after a kill
(:mod:`skyscreen.io.checkpoint`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from skyscreen._outdir import output_directory
from skyscreen._typing import IntArray
from skyscreen._version import __version__
from skyscreen.analysis.stats import mean_interval
from skyscreen.errors import ResultSchemaError, SkyscreenError
from skyscreen.executors.local import ChunkTask, Terminated, exit_on_sigterm, split
from skyscreen.io.checkpoint import ChunkStore
from skyscreen.run import (
    _check_executor,
    _draw_seed,
    _How,
    _ids_from_json,
    _ids_json,
    _n_drones,
    _plan_chunks,
    _replication_ids,
    build_tables,
    execute,
    run_missing_chunks,
)
from skyscreen.scenario import load_scenario, parse_scenario
from skyscreen.scenario.compile import compile_scenario, scenario_hash
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.schema import SUMMARY_METRICS
from skyscreen.studies.overrides import (
    MAX_GRID_POINTS,
    Vary,
    VaryError,
    _cast_like,
    check_paths,
    get_path,
    parse_vary,
    with_values,
)

__all__ = [
    "DESIGNS",
    "HEADLINE_METRICS",
    "SweepResult",
    "load_sweep",
    "make_points",
    "resume_sweep",
    "run_specs",
    "sweep",
]

DESIGNS = ("grid", "lhs")
HEADLINE_METRICS = ("n_leaked", "value_damaged_usd", "casualties", "munitions_cost_usd")
"""Metrics a sweep draws figures of."""
MAX_POINTS = MAX_GRID_POINTS


# --------------------------------------------------------------------------- designs


def make_points(
    varies: Sequence[Vary | str],
    design: str = "grid",
    points: int | None = None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """The points of a design: one ``{path: value}`` per point.

    ``grid``: every combination of the listed values (ranges ``lo:hi`` are not
    allowed: give a step). ``lhs``: a Latin hypercube of ``points`` points
    (scipy.stats.qmc, scrambled, seeded by ``seed``): a range takes a continuous
    value, a list one of its values with equal chances.

    Examples
    --------
    >>> make_points(["raids.0.count=4,8", "doctrine.min_shot_pk=0,0.1"])
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'raids.0.count': 4, 'doctrine.min_shot_pk': 0}, {'raids.0.count': 4,
      'doctrine.min_shot_pk': 0.1}, {'raids.0.count': 8, 'doctrine.min_shot_pk': 0},
     {'raids.0.count': 8, 'doctrine.min_shot_pk': 0.1}]
    """
    vs = [parse_vary(v) if isinstance(v, str) else v for v in varies]
    if not vs:
        raise VaryError("a sweep needs at least one --vary PATH=VALUES")
    if design == "grid":
        ranges = [v.path for v in vs if v.is_range]
        if ranges:
            raise VaryError(
                f"a grid needs listed values or lo:hi:step; {', '.join(ranges)} "
                "gives a range lo:hi (add a step, or use --design lhs)"
            )
        if points is not None:
            raise VaryError(
                "--points is for --design lhs; a grid has every combination"
            )
        n = math.prod(len(v.values) for v in vs)
        if n > MAX_POINTS:
            raise VaryError(f"the grid has {n:,} points; at most {MAX_POINTS:,}")
        return [
            {v.path: x for v, x in zip(vs, combo, strict=True)}
            for combo in itertools.product(*(v.values for v in vs))
        ]
    if design == "lhs":
        if points is None or not 1 <= points <= MAX_POINTS:
            raise VaryError(
                f"--design lhs needs --points between 1 and {MAX_POINTS:,}; "
                f"got {points}"
            )
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=len(vs), seed=np.random.default_rng(seed)).random(
            points
        )
        return [
            {v.path: _plain(v.at(float(u[i, j]))) for j, v in enumerate(vs)}
            for i in range(points)
        ]
    raise VaryError(f"design must be one of {list(DESIGNS)}; got {design!r}")


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


# --------------------------------------------------------------------------- results


@dataclass(eq=False)
class SweepResult:
    """A sweep's results.

    Attributes
    ----------
    rows : DataFrame
        One row per point and replication: ``point``, ``replication`` and the
        summary metrics (``sweep.parquet``).
    points : DataFrame
        One row per point: ``point``, one column per varied field (named by its
        path), and ``<metric>_mean``, ``<metric>_lo``, ``<metric>_hi`` per metric
        (Student-t 95% intervals; ``points.parquet``).
    meta : dict
        What sweep.json records.
    scenario : ScenarioSpec
        The base scenario.
    """

    rows: pd.DataFrame
    points: pd.DataFrame
    meta: dict[str, Any]
    scenario: ScenarioSpec
    path: Path | None = field(default=None)

    @property
    def paths(self) -> list[str]:
        """The varied fields' paths."""
        return list(self.meta["paths"])

    def metric(self, name: str, level: float = 0.95) -> pd.DataFrame:
        """Per point: the varied values, and ``name``'s mean with its interval."""
        _check_metric(name)
        stats = _point_stats(self.rows, [name], level)
        return self.points[["point", *self.paths]].merge(stats, on="point")

    def plot(
        self, metric: str = "n_leaked", x: str | None = None, ax: Any = None
    ) -> Any:
        """The metric's mean against one varied field, with its 95% band.

        Lines for each value of a second varied field, if there is one (a grid);
        points without lines for a Latin hypercube. Returns the matplotlib Axes.
        """
        return plot_metric(self, metric, x, ax)

    def heatmap(
        self,
        metric: str = "n_leaked",
        x: str | None = None,
        y: str | None = None,
        ax: Any = None,
    ) -> Any:
        """The metric's mean over two varied fields of a grid, as a heat map."""
        return plot_heatmap(self, metric, x, y, ax)

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the sweep directory (tables, sweep.json, figures), atomically."""
        with output_directory(Path(path), "sweep", overwrite) as tmp:
            write_sweep_files(tmp, self)
        self.path = Path(path)
        return self.path

    def __repr__(self) -> str:
        return (
            f"SweepResult(scenario={self.scenario.name!r}, points={len(self.points)}, "
            f"replications={self.meta['replications']}, paths={self.paths})"
        )


def _check_metric(name: str) -> None:
    if name not in SUMMARY_METRICS:
        raise SkyscreenError(
            f"metric must be a summary metric ({', '.join(SUMMARY_METRICS)}); "
            f"got {name!r}"
        )


def _point_stats(
    rows: pd.DataFrame, metrics: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    out: dict[str, list[Any]] = {"point": []}
    for m in metrics:
        for s in ("mean", "lo", "hi", "n"):
            out[f"{m}_{s}"] = []
    for point, g in rows.groupby("point", sort=True):
        out["point"].append(point)
        for m in metrics:
            x = g[m].to_numpy(dtype=np.float64)
            x = x[np.isfinite(x)]
            mean, lo, hi = mean_interval(x, level)
            out[f"{m}_mean"].append(mean)
            out[f"{m}_lo"].append(lo)
            out[f"{m}_hi"].append(hi)
            out[f"{m}_n"].append(len(x))
    frame = pd.DataFrame(out)
    return frame.astype({f"{m}_n": np.int64 for m in metrics} | {"point": np.int64})


def _points_frame(
    points: Sequence[Mapping[str, Any]], paths: Sequence[str]
) -> pd.DataFrame:
    data: dict[str, Any] = {"point": np.arange(len(points), dtype=np.int64)}
    for p in paths:
        values = [pt[p] for pt in points]
        if all(isinstance(v, bool) for v in values):
            data[p] = np.asarray(values, dtype=bool)
        elif all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in values
        ):
            ints = all(isinstance(v, int) for v in values)
            data[p] = np.asarray(values, dtype=np.int64 if ints else np.float64)
        else:
            data[p] = pd.array([str(v) for v in values], dtype="string")
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True, eq=False)
class _Study:
    """What a study's rows depend on (a resumable study's plan)."""

    specs: list[ScenarioSpec]
    reps: IntArray
    seed: int
    fidelity: str
    chunk_size: int

    def tasks(self) -> list[ChunkTask]:
        chunks = split(self.reps, self.chunk_size)
        return [
            ChunkTask(c, self.seed, False, 0, self.fidelity, point=p)
            for p in range(len(self.specs))
            for c in chunks
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenarios": [s.model_dump(mode="json", by_alias=True) for s in self.specs],
            "replication_ids": _ids_json(self.reps),
            "seed": self.seed,
            "fidelity": self.fidelity,
            "chunk_size": self.chunk_size,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: str) -> _Study:
        try:
            return cls(
                specs=[parse_scenario(s, source=source) for s in data["scenarios"]],
                reps=_ids_from_json(data["replication_ids"]),
                seed=int(data["seed"]),
                fidelity=str(data["fidelity"]),
                chunk_size=int(data["chunk_size"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SkyscreenError):
                raise
            raise ResultSchemaError(f"{source}: damaged ({exc!r})") from None


def _summary_rows(params: Any, chunk: Any, point: int) -> pd.DataFrame:
    summary: pd.DataFrame = build_tables(params, [chunk])["summary"]
    summary.insert(0, "point", np.int64(point))
    return summary


def run_specs(
    study: _Study,
    how: _How,
    name: str,
    store: ChunkStore | None = None,
) -> pd.DataFrame:
    """Run every point's replications; the rows ``point, replication, metrics...``.

    With ``store``, each finished chunk's rows are saved as it ends and the chunks
    already there are not run again.
    """
    plist = [compile_scenario(s) for s in study.specs]
    tasks = study.tasks()
    if store is None:
        chunks = execute(plist, tasks, how, name)
        parts = [
            _summary_rows(plist[t.point], c, t.point)
            for t, c in zip(tasks, chunks, strict=True)
        ]
        rows = pd.concat(parts, ignore_index=True)
    else:
        names = run_missing_chunks(
            store,
            plist,
            tasks,
            how,
            name,
            lambda t, chunk: {"summary": _summary_rows(plist[t.point], chunk, t.point)},
        )
        loaded = store.load(names, "summary")
        assert loaded is not None
        rows = loaded
    order = np.lexsort((rows["replication"].to_numpy(), rows["point"].to_numpy()))
    return rows.iloc[order].reset_index(drop=True)


def sweep(
    scenario: ScenarioSpec | str | Path,
    vary: Sequence[str | Vary] | None = None,
    *,
    points: Sequence[Mapping[str, Any]] | None = None,
    design: str = "grid",
    n_points: int | None = None,
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
    figures: bool = True,
    _info: Mapping[str, Any] | None = None,
    _extra: Callable[[Path, SweepResult], None] | None = None,
) -> SweepResult:
    """Run a scenario at every point of a design, with common random numbers.

    Parameters
    ----------
    scenario : ScenarioSpec or path
        The base scenario.
    vary : sequence of str or Vary
        ``PATH=VALUES`` per varied field (:func:`skyscreen.studies.parse_vary`):
        ``raids.0.count=4:64:4``, ``sites.0.effectors.3.enabled=true,false``,
        ``doctrine.min_shot_pk=0:0.3`` (a range, for ``design="lhs"``).
    points : sequence of dict, optional
        Instead of ``vary``: the points themselves, ``{path: value}`` each.
    design : {"grid", "lhs"}
        Every combination, or a Latin hypercube of ``n_points`` points.
    n_points : int, optional
        Points of a Latin hypercube.
    replications, seed, fidelity, workers, chunk_size, progress, executor, scheduler
        As :func:`skyscreen.simulate`; every point runs the same replication ids
        with the same seed.
    out : path, optional
        Write the sweep directory there, resumably (each finished chunk saved as it
        ends; :func:`resume_sweep` completes an interrupted sweep).
    overwrite : bool
        Replace a directory skyscreen wrote at ``out``.
    figures : bool
        With ``out``: draw the headline metrics' figures into it (matplotlib).

    Returns
    -------
    SweepResult

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> res = sweep(example_path("quickstart"), ["raids.0.count=2,4"],
    ...             replications=10, seed=1, workers=1, progress=False)
    >>> res.points[["point", "raids.0.count", "n_launched_mean"]]
       point  raids.0.count  n_launched_mean
    0      0              2              2.0
    1      1              4              4.0
    """
    base = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
    executor = _check_executor(executor, scheduler)
    if (vary is None) == (points is None):
        raise SkyscreenError("give either vary (PATH=VALUES...) or points, not both")
    if seed is None:
        seed = base.run.seed if base.run.seed is not None else _draw_seed()
    if not 0 <= int(seed) < 2**63:
        raise SkyscreenError(f"seed must be >= 0 and < 2**63; got {seed}")
    seed = int(seed)
    if vary is not None:
        vs = [parse_vary(v) if isinstance(v, str) else v for v in vary]
        check_paths(base, vs)
        pts = _as_fields(base, make_points(vs, design, n_points, seed))
        paths = [v.path for v in vs]
        varied = [_vary_json(v) for v in vs]
    else:
        assert points is not None
        pts = [dict(p) for p in points]
        if not pts or len(pts) > MAX_POINTS:
            raise SkyscreenError(f"points must be 1 to {MAX_POINTS:,}; got {len(pts)}")
        paths = list(pts[0])
        if any(list(p) != paths for p in pts):
            raise SkyscreenError(
                "every point must set the same paths, in the same order"
            )
        check_paths(base, [Vary(p, (None,)) for p in paths])
        pts = _as_fields(base, pts)
        design, varied = "points", []
    specs = [
        with_values(base, p, source=f"sweep point {i} ({_describe(p)})")
        for i, p in enumerate(pts)
    ]
    reps = _replication_ids(replications, base)
    n_workers, chunk_size = _plan_chunks(
        len(reps) * len(specs),
        workers,
        chunk_size,
        resumable=out is not None,
        n_drones=max(_n_drones(s) for s in specs),
    )
    chunk_size = min(chunk_size, len(reps))
    study = _Study(specs, reps, seed, fidelity, chunk_size)
    info = {
        "scenario": base.model_dump(mode="json", by_alias=True),
        "points": pts,
        "paths": paths,
        "vary": varied,
        "design": design,
        "n_points": len(pts),
        **(_info or {}),
    }
    how = _How(n_workers, progress, executor, scheduler)
    if out is None:
        return _finish(study, info, how, None, figures=False)
    with exit_on_sigterm():
        store = ChunkStore.create(out, "sweep", {**study.to_json(), **info}, overwrite)
        return _finish(study, info, how, store, figures, _extra)


def resume_sweep(
    path: str | Path,
    workers: int | None = None,
    progress: bool = True,
    *,
    executor: str = "local",
    scheduler: str | None = None,
    figures: bool = True,
    extra: Callable[[Path, SweepResult], None] | None = None,
) -> SweepResult:
    """Complete the interrupted sweep in ``path`` (see :func:`sweep`).

    ``extra`` writes further files into the directory (a comparison's).
    """
    executor = _check_executor(executor, scheduler)
    with exit_on_sigterm():
        store = ChunkStore.resume(path, "sweep")
        study = _Study.from_json(store.plan, f"{path}/plan.json")
        info = {k: store.plan[k] for k in _INFO_KEYS if k in store.plan}
        if info.get("design") in ("compare", "morris", "sobol") and extra is None:
            raise SkyscreenError(
                f"{path}: an interrupted {info['design']} study; resume it with "
                "skyscreen.studies.resume"
            )
        n_workers, _ = _plan_chunks(
            len(study.reps) * len(study.specs), workers, study.chunk_size
        )
        how = _How(n_workers, progress, executor, scheduler)
        return _finish(study, info, how, store, figures, extra)


class _HasPath(Protocol):
    path: Path | None


_R = TypeVar("_R", bound=_HasPath)


class Derived(Generic[_R]):
    """A study's own result, derived from its sweep once, written and returned.

    A comparison or a sensitivity study is a sweep with a result of its own: ``hook``
    (for :func:`sweep`'s ``_extra`` or :func:`resume_sweep`'s ``extra``) derives it
    when the sweep completes and writes it into the study's directory; ``result``
    returns it (deriving it then if there was no directory to write).
    """

    def __init__(
        self,
        derive: Callable[[SweepResult], _R],
        write: Callable[[Path, _R], None],
    ) -> None:
        self._derive = derive
        self._write = write
        self._value: _R | None = None

    def hook(self, directory: Path, sw: SweepResult) -> None:
        """Derive the result and write it into ``directory``."""
        self._value = self._derive(sw)
        self._write(directory, self._value)

    def result(self, sw: SweepResult) -> _R:
        """The result, with the sweep's directory as its path."""
        value = self._value if self._value is not None else self._derive(sw)
        value.path = sw.path
        return value


_INFO_KEYS = (
    "scenario",
    "points",
    "paths",
    "vary",
    "design",
    "n_points",
    "level",
    "sensitivity",
)


def _finish(
    study: _Study,
    info: dict[str, Any],
    how: _How,
    store: ChunkStore | None,
    figures: bool,
    extra: Callable[[Path, SweepResult], None] | None = None,
) -> SweepResult:
    """Run (the rest of) a study, then write its directory if it has one.

    ``extra(tmp, result)`` writes further files (a comparison's) into it.
    """
    started = time.time()
    t0 = time.perf_counter()
    base = parse_scenario(info["scenario"], source="the sweep's scenario")
    resumed = store is not None and bool(store.done())
    try:
        rows = run_specs(study, how, f"{base.name} sweep", store)
        stats = _point_stats(rows, SUMMARY_METRICS)
        points = _points_frame(info["points"], info["paths"]).merge(stats, on="point")
        meta = {
            "scenario_name": base.name,
            "scenario_hash": scenario_hash(base),
            **{k: v for k, v in info.items() if k != "scenario"},
            "point_hashes": [scenario_hash(s) for s in study.specs],
            "seed": study.seed,
            "replications": len(study.reps),
            "replication_ids": _ids_json(study.reps),
            "fidelity": study.fidelity,
            "chunk_size": study.chunk_size,
            "workers": how.workers,
            "executor": how.executor,
            "skyscreen_version": __version__,
            "numpy_version": np.__version__,
            "python_version": platform.python_version(),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "wall_time_s": round(time.perf_counter() - t0, 3),
            "resumed": resumed,
        }
        result = SweepResult(rows=rows, points=points, meta=meta, scenario=base)
        if store is not None:

            def write(tmp: Path) -> None:
                write_sweep_files(tmp, result, figures)
                if extra is not None:
                    extra(tmp, result)

            store.finish(write, "sweep")
            result.path = store.root
        return result
    except (KeyboardInterrupt, Terminated):
        if store is not None:
            store.interrupted()
        raise
    except BaseException:
        if store is not None:
            store.abandon()
        raise


def _as_fields(
    base: ScenarioSpec, points: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The points with each value as its field takes it (an integer field rounded).

    The recorded points are then the values that ran.
    """
    data = base.model_dump(mode="json", by_alias=True)
    return [
        {p: _cast_like(get_path(data, p), v) for p, v in pt.items()} for pt in points
    ]


def _vary_json(v: Vary) -> dict[str, Any]:
    if v.is_range:
        return {"path": v.path, "low": v.low, "high": v.high}
    return {"path": v.path, "values": list(v.values)}


def _describe(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in point.items())


# --------------------------------------------------------------------------- files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_sweep_files(
    directory: Path, result: SweepResult, figures: bool = True
) -> None:
    """Write sweep.parquet, points.parquet, the figures and sweep.json into ``directory``."""
    files: dict[str, dict[str, Any]] = {}
    for name, df in (("sweep.parquet", result.rows), ("points.parquet", result.points)):
        table = pa.Table.from_pandas(df, preserve_index=False)
        pq.write_table(table, directory / name, compression="zstd")
        files[name] = {"rows": table.num_rows, "sha256": _sha256(directory / name)}
    drawn = write_figures(directory, result) if figures else []
    meta = {
        **result.meta,
        "scenario": result.scenario.model_dump(mode="json", by_alias=True),
        "figures": drawn,
        "files": files,
    }
    text = json.dumps(meta, indent=1, default=_json_default) + "\n"
    (directory / "sweep.json").write_text(text, encoding="utf-8")


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return str(x)


def load_sweep(path: str | Path) -> SweepResult:
    """Read a sweep directory back.

    Raises
    ------
    ResultSchemaError
        If it is incomplete (interrupted: :func:`resume_sweep` completes it), not a
        sweep, or its tables differ from what sweep.json records.
    """
    p = Path(path)
    if (p / "incomplete").exists():
        raise ResultSchemaError(
            f"{p}: incomplete sweep: it was interrupted or is still running; "
            "complete it with resume"
        )
    try:
        meta = json.loads((p / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultSchemaError(f"{p}: not a sweep directory ({exc})") from None
    frames = {}
    for name in ("sweep.parquet", "points.parquet"):
        want = meta.get("files", {}).get(name, {})
        f = p / name
        try:
            if _sha256(f) != want.get("sha256"):
                raise ResultSchemaError(
                    f"{f}: checksum differs from sweep.json's: damaged or replaced"
                )
            frames[name] = pq.read_table(f).to_pandas()
        except OSError as exc:
            raise ResultSchemaError(f"{f}: cannot be read ({exc})") from None
    base = parse_scenario(meta.pop("scenario"), source=f"{p}/sweep.json")
    meta.pop("files", None)
    return SweepResult(
        rows=frames["sweep.parquet"],
        points=frames["points.parquet"],
        meta=meta,
        scenario=base,
        path=p,
    )


# --------------------------------------------------------------------------- figures

_LABELS = {
    "n_leaked": "drones leaked",
    "value_damaged_usd": "value damaged (USD)",
    "casualties": "casualties",
    "munitions_cost_usd": "munitions cost (USD)",
}


def _axes(
    result: SweepResult, x: str | None, y: str | None = None
) -> tuple[str, str | None]:
    paths = result.paths
    numeric = [p for p in paths if pd.api.types.is_numeric_dtype(result.points[p])]
    if x is None:
        x = (numeric or paths)[0]
    if x not in paths:
        raise SkyscreenError(
            f"x must be a varied field ({', '.join(paths)}); got {x!r}"
        )
    if y is not None and y not in paths:
        raise SkyscreenError(
            f"y must be a varied field ({', '.join(paths)}); got {y!r}"
        )
    return x, y


def plot_metric(
    result: SweepResult, metric: str, x: str | None = None, ax: Any = None
) -> Any:
    """See :meth:`SweepResult.plot`."""
    import matplotlib.pyplot as plt

    _check_metric(metric)
    x, _ = _axes(result, x)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    pts = result.metric(metric)
    others = [p for p in result.paths if p != x]
    lhs = result.meta.get("design") == "lhs"
    if lhs or not others:
        groups = [("", pts)]
    elif len(others) == 1:
        groups = [(f"{others[0]}={k}", g) for k, g in pts.groupby(others[0], sort=True)]
    else:
        groups = [
            (", ".join(f"{o}={v}" for o, v in zip(others, k, strict=True)), g)
            for k, g in pts.groupby(others, sort=True)
        ]
    for label, g in groups:
        g = g.sort_values(x)
        xs = g[x].astype(float) if pd.api.types.is_bool_dtype(g[x]) else g[x]
        if lhs:
            ax.errorbar(
                xs,
                g[f"{metric}_mean"],
                yerr=[
                    g[f"{metric}_mean"] - g[f"{metric}_lo"],
                    g[f"{metric}_hi"] - g[f"{metric}_mean"],
                ],
                fmt="o",
                ms=3,
                lw=0.8,
                alpha=0.8,
            )
            continue
        (line,) = ax.plot(
            xs, g[f"{metric}_mean"], marker="o", ms=3, label=label or None
        )
        ax.fill_between(
            xs,
            g[f"{metric}_lo"],
            g[f"{metric}_hi"],
            color=line.get_color(),
            alpha=0.2,
            lw=0,
        )
    ax.set_xlabel(x)
    ax.set_ylabel(f"{_LABELS.get(metric, metric)}, mean and 95% interval")
    ax.set_title(
        f"{result.scenario.name}: {result.meta['replications']:,} replications per point",
        fontsize=9,
    )
    ax.grid(True, alpha=0.3)
    if len(groups) > 1 and not lhs:
        ax.legend(fontsize=7)
    return ax


def plot_heatmap(
    result: SweepResult,
    metric: str,
    x: str | None = None,
    y: str | None = None,
    ax: Any = None,
) -> Any:
    """See :meth:`SweepResult.heatmap`."""
    import matplotlib.pyplot as plt

    _check_metric(metric)
    if len(result.paths) < 2:
        raise SkyscreenError("a heat map needs two varied fields")
    x, y = _axes(result, x, y)
    if y is None:
        y = next(p for p in result.paths if p != x)
    pts = result.metric(metric)
    table = pts.pivot_table(index=y, columns=x, values=f"{metric}_mean", aggfunc="mean")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
    im = ax.imshow(
        table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis"
    )
    ax.set_xticks(
        range(table.shape[1]), [str(c) for c in table.columns], rotation=45, fontsize=7
    )
    ax.set_yticks(range(table.shape[0]), [str(r) for r in table.index], fontsize=7)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.figure.colorbar(im, ax=ax, label=f"{_LABELS.get(metric, metric)} (mean)")
    grid = table.to_numpy(dtype=float)
    mid = float(np.nanmean([np.nanmin(grid), np.nanmax(grid)])) if grid.size else 0.0
    for (i, j), v in np.ndenumerate(grid):
        if table.size <= 100 and np.isfinite(v):
            colour = "black" if v > mid else "white"  # readable on viridis either end
            ax.text(
                j, i, f"{v:.3g}", ha="center", va="center", fontsize=7, color=colour
            )
    ax.set_title(
        f"{result.scenario.name}: mean {_LABELS.get(metric, metric)}", fontsize=9
    )
    return ax


def write_figures(directory: Path, result: SweepResult) -> list[str]:
    """Draw the headline metrics (PNG) into ``directory``; the file names."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    names = []
    for metric in HEADLINE_METRICS:
        fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
        plot_metric(result, metric, ax=ax)
        name = f"{metric}.png"
        fig.savefig(directory / name, dpi=120)
        plt.close(fig)
        names.append(name)
        grid2 = result.meta.get("design") == "grid" and len(result.paths) == 2
        if grid2:
            fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
            plot_heatmap(result, metric, ax=ax)
            name = f"{metric}-heatmap.png"
            fig.savefig(directory / name, dpi=120)
            plt.close(fig)
            names.append(name)
    return names
