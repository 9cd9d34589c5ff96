"""Orchestration: ``simulate()`` runs a scenario; ``RunResult`` holds and saves its tables.

``simulate`` compiles the scenario once, splits the replications into chunks, hands them
to an executor (the local process pool), shows progress and gathers the chunks' arrays
into the tables of docs/outputs.md. ``load_run`` reads a saved run back into the same
``RunResult``.
"""

from __future__ import annotations

import math
import platform
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skyscreen._typing import FloatArray
from skyscreen.errors import (
    InsufficientMemoryError,
    ResultSchemaError,
    SkyscreenError,
)
from skyscreen.executors import available_memory, format_bytes, is_out_of_memory

try:
    # NumPy, pandas, pyarrow and numba (llvmlite's library is large) are loaded here;
    # under a tight ``ulimit -v`` that is what fails, as an ImportError or OSError
    # about a shared object that "could not be found".
    import numpy as np
    import pandas as pd

    from skyscreen._typing import IntArray
    from skyscreen._version import __version__
    from skyscreen.analysis.distributions import (
        DEFAULT_QUANTILES,
        exceedance,
        quantile_table,
    )
    from skyscreen.analysis.stats import summary_stats
    from skyscreen.engine import (
        EFFECTOR_KINDS,
        EVENT_KINDS,
        OUTCOMES,
        STATES,
        ChunkResult,
        run_chunk,
    )
    from skyscreen.engine.kinds import make_layout
    from skyscreen.executors.local import (
        ChunkTask,
        Terminated,
        available_cpus,
        exit_on_sigterm,
        run_tasks,
        split,
    )
    from skyscreen.io.checkpoint import ChunkStore
    from skyscreen.io.rundir import read_run_dir, write_run_dir, write_run_files
    from skyscreen.scenario import load_scenario, parse_scenario
    from skyscreen.scenario.compile import (
        ScenarioParams,
        compile_scenario,
        scenario_hash,
    )
    from skyscreen.scenario.spec import (
        MAX_REPLICATION_ID,
        MAX_REPLICATIONS,
        ScenarioSpec,
    )
    from skyscreen.schema import TABLES
except (ImportError, OSError, MemoryError) as _exc:
    if is_out_of_memory(_exc):
        raise InsufficientMemoryError(
            "not enough memory to load the simulation's libraries (NumPy, pandas, "
            f"numba): {_exc}; raise the memory limit (ulimit -v) or free memory"
        ) from _exc
    raise

__all__ = [
    "EXECUTORS",
    "FIDELITIES",
    "RECORD_SELECT",
    "InsufficientMemoryError",
    "MemoryEstimate",
    "RunResult",
    "build_tables",
    "estimate_memory",
    "load_run",
    "resume",
    "select_replications",
    "simulate",
]

FIDELITIES = ("truth", "tracked")


@dataclass(eq=False)
class RunResult:
    """The tables of a run and what produced them.

    Attributes
    ----------
    summary : DataFrame
        One row per replication.
    drones, effectors, assets : DataFrame
        One row per drone / effector / asset per replication.
    events : DataFrame or None
        The event log (``events=True``).
    trajectories : DataFrame or None
        True trajectories of the replications with id < ``record``.
    ground_stations : DataFrame or None
        With RF detectors: each rf_link drone's ground station as located from the
        detectors' bearings, one row per drone per replication.
    picture : DataFrame or None
        Tracked fidelity with ``record``: the tracker's tracks (tentative and
        confirmed) of the recorded replications at every update.
    meta : dict
        What run.json records: seed, replications, fidelity, versions, wall time...
    scenario : ScenarioSpec
        The resolved scenario.
    """

    summary: pd.DataFrame
    drones: pd.DataFrame
    effectors: pd.DataFrame
    assets: pd.DataFrame
    events: pd.DataFrame | None
    trajectories: pd.DataFrame | None
    meta: dict[str, Any]
    scenario: ScenarioSpec
    path: Path | None = field(default=None)
    ground_stations: pd.DataFrame | None = field(default=None)
    picture: pd.DataFrame | None = field(default=None)

    @property
    def seed(self) -> int:
        """The root seed."""
        return int(self.meta["seed"])

    @property
    def n_replications(self) -> int:
        """Replications in the result."""
        return len(self.summary)

    def stats(self, level: float = 0.95) -> pd.DataFrame:
        """Means with Student-t intervals, and Wilson intervals of probabilities.

        See :func:`skyscreen.analysis.summary_stats`.
        """
        return summary_stats(self.summary, self.assets, level)

    def quantiles(
        self, q: Sequence[float] = DEFAULT_QUANTILES, level: float = 0.95
    ) -> pd.DataFrame:
        """Every summary metric's distribution: n, mean, std, min, quantiles, max.

        See :func:`skyscreen.analysis.quantile_table` (NaNs, undefined times, left out).
        """
        return quantile_table(self.summary, q=q, level=level)

    def exceedance(
        self,
        metric: str = "value_damaged_usd",
        thresholds: Any = None,
        level: float = 0.95,
    ) -> pd.DataFrame:
        """P(metric > x) with Wilson intervals: "how bad can it get".

        ``x``: ``thresholds``, or every value the metric took (a step curve). See
        :func:`skyscreen.analysis.exceedance`.
        """
        if metric not in self.summary.columns:
            raise SkyscreenError(
                f"metric must be a summary column ({', '.join(self.summary.columns[1:])}); "
                f"got {metric!r}"
            )
        return exceedance(self.summary[metric], thresholds, level)

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the run directory (Parquet tables + run.json), atomically."""
        tables = {name: getattr(self, name) for name in TABLES}
        meta = {
            **self.meta,
            "scenario": self.scenario.model_dump(mode="json", by_alias=True),
        }
        try:
            self.path = write_run_dir(path, tables, meta, overwrite=overwrite)
        except InsufficientMemoryError:
            raise
        except MemoryError as exc:  # pyarrow's ArrowMemoryError is one
            raise _saving_ran_out(path, exc) from exc
        return self.path

    def __repr__(self) -> str:
        return (
            f"RunResult(scenario={self.scenario.name!r}, replications="
            f"{self.n_replications}, seed={self.meta.get('seed')}, fidelity="
            f"{self.meta.get('fidelity')!r})"
        )


def _saving_ran_out(path: str | Path, exc: MemoryError) -> InsufficientMemoryError:
    why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    head = f"{path}: out of memory while writing the results ({why}); "
    return InsufficientMemoryError(
        head + "free memory, or run fewer replications or with events=False",
        cli_message=head + "free memory, or run fewer replications (-n) "
        "or without --events",
    )


def _replication_ids(
    replications: int | Sequence[int] | None, spec: ScenarioSpec
) -> IntArray:
    if replications is None:
        replications = spec.run.replications
    if isinstance(replications, int | np.integer):
        n = int(replications)
        if not 1 <= n <= MAX_REPLICATIONS:
            raise SkyscreenError(
                f"replications must be between 1 and {MAX_REPLICATIONS:,}; got {n}"
            )
        return np.arange(n, dtype=np.int64)
    given = list(replications)
    for r in given:
        if isinstance(r, bool) or not isinstance(r, int | np.integer):
            raise SkyscreenError(f"replication ids must be integers; got {r!r}")
        if not 0 <= int(r) <= MAX_REPLICATION_ID:
            raise SkyscreenError(
                f"replication ids must be between 0 and {MAX_REPLICATION_ID:,}; got {r}"
            )
    ids = np.asarray([int(r) for r in given], dtype=np.int64)
    if ids.ndim != 1 or ids.size == 0 or ids.size > MAX_REPLICATIONS:
        raise SkyscreenError(
            f"replications must be a non-empty list of at most {MAX_REPLICATIONS:,} ids; "
            f"got {ids.size}"
        )
    if (ids < 0).any() or len(np.unique(ids)) != ids.size:
        raise SkyscreenError(
            "replications must be distinct ids >= 0; got repeats or negatives"
        )
    return ids


def _draw_seed() -> int:
    return int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]


def simulate(
    scenario: ScenarioSpec | str | Path,
    replications: int | Sequence[int] | None = None,
    seed: int | None = None,
    fidelity: str = "truth",
    workers: int | None = None,
    chunk_size: int | None = None,
    events: bool = False,
    record: int = 0,
    progress: bool = True,
    dt_s: float | None = None,
    value_protected: bool = False,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    record_select: str | Sequence[str] | None = None,
) -> RunResult:
    """Run a scenario's Monte Carlo replications.

    Parameters
    ----------
    scenario : ScenarioSpec or path
        The scenario, or a scenario file.
    replications : int or sequence of int, optional
        A count (ids 0..n-1) or explicit replication ids; default the scenario's.
    seed : int, optional
        Root seed; default the scenario's, else one is drawn and recorded.
    fidelity : {"truth", "tracked"}
        Air picture: ``truth`` (fire control sees the true position of every drone
        detected within ``track_memory_s``) or ``tracked`` (noisy measurements with
        false alarms, a tracker, and fire control on the confirmed tracks;
        docs/tracking.md). The tracked fidelity adds the tracking columns of the
        summary and, with ``record``, the ``picture`` table.
    workers : int, optional
        Processes (the local executor) or LocalCluster workers (Dask); default the
        CPUs this process may use, and at most those (more would only take turns),
        and one per chunk; run.json records the number used.
    chunk_size : int, optional
        Replications per chunk; default one chunk per worker, at most 1000 (with
        ``out``: two to four chunks per worker, so that an interrupted run loses
        little). The results do not depend on it.
    events : bool
        Record the event log.
    record : int
        Record trajectories of replications with id < ``record``.
    progress : bool
        Show a progress bar (Rich) on stderr, advancing as chunks finish.
    dt_s : float, optional
        Override the scenario's time step.
    value_protected : bool
        Also run the same replications, same seed, with every effector removed, and
        fill the summary's ``value_protected_usd`` and ``casualties_prevented``:
        what the raid would have damaged without the defence minus what it did, per
        replication. The random streams are per entity, so the undefended run's
        drones fly, and their warheads fall, exactly as in the defended one until an
        effector acts: the difference is paired. About doubles the run time.
    out : path, optional
        Save the run there, resumably: each finished chunk is saved as it ends, and
        a run stopped at any moment (Ctrl-C, SIGKILL, power loss) leaves a directory
        marked incomplete that :func:`resume` completes, with the results an
        uninterrupted run gives (docs/studies.md). Without ``out``, nothing is
        written (:meth:`RunResult.save` writes the result).
    overwrite : bool
        With ``out``: replace a directory skyscreen wrote there (as
        :meth:`RunResult.save`); an interrupted run there is otherwise an error
        saying that :func:`resume` continues it.
    executor : {"local", "dask"}
        Where chunks run: a local process pool, or Dask distributed (a LocalCluster
        of ``workers`` processes, or the cluster at ``scheduler``; needs
        ``pip install 'skyscreen[dask]'``; docs/dask.md). Same results either way.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://HOST:PORT``); implies
        ``executor="dask"``.
    record_select : str or sequence of str, optional
        Also record the trajectories (and, in the tracked fidelity, the picture)
        and the events of chosen replications: any of ``"best"``, ``"median"`` and
        ``"worst"`` by value damaged (:func:`select_replications`), as a list or
        comma-separated. They are known only once the run is done, so these
        replications are run again afterwards, alone, recording; a replication run
        alone is the same replication as in the batch (its random streams depend
        only on the seed and its id). run.json's ``record_select`` names them.

    Returns
    -------
    RunResult
        Identical, for the same seed and replication ids, whatever ``workers``,
        ``chunk_size``, ``executor``, and however often the run was interrupted and
        resumed.

    Raises
    ------
    InsufficientMemoryError
        Before running, if the results would not fit in the memory available
        (:func:`estimate_memory`; the message says how much they need and what to
        change), or if memory ran out all the same. A large run's estimate is shown
        on stderr with the progress bar.
    SkyscreenError
        For invalid arguments, or if the worker processes died.
    RunDirectoryError
        If ``out`` may not be written.

    Notes
    -----
    The worker processes do not import the calling script again, so a script needs
    no ``if __name__ == "__main__":`` guard. They end with the run: at once when it
    stops early (Ctrl-C: KeyboardInterrupt; SIGTERM: SystemExit with status 143, where
    SIGTERM has its default action), and by themselves when the calling process is
    killed outright.

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> res = simulate(example_path("quickstart"), replications=20, seed=3, workers=1,
    ...                progress=False)
    >>> len(res.summary), int(res.summary["n_launched"].iloc[0])
    (20, 4)
    """
    spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
    if fidelity not in FIDELITIES:
        raise SkyscreenError(
            f"fidelity must be one of {list(FIDELITIES)}; got {fidelity!r}"
        )
    executor = _check_executor(executor, scheduler)
    reps = _replication_ids(replications, spec)
    if seed is None:
        seed = spec.run.seed if spec.run.seed is not None else _draw_seed()
    if not 0 <= int(seed) < 2**63:
        raise SkyscreenError(f"seed must be >= 0 and < 2**63; got {seed}")
    seed = int(seed)
    if record < 0:
        raise SkyscreenError(f"record must be >= 0; got {record}")
    select = _record_select(record_select)
    # The recorded scenario is the one that ran: its run settings take the overrides,
    # re-validated (a new dt_s must still fit the scan and decision periods).
    run_over: dict[str, Any] = {"seed": seed}
    if isinstance(replications, int | np.integer):
        run_over["replications"] = int(replications)
    if dt_s is not None:
        run_over["dt_s"] = float(dt_s)
    data = spec.model_dump(mode="json", by_alias=True)
    data["run"].update(run_over)
    spec = parse_scenario(data, source="the scenario with its overrides")
    n_workers, chunk_size = _plan_chunks(
        len(reps),
        workers,
        chunk_size,
        resumable=out is not None,
        n_drones=_n_drones(spec),
    )
    plan = RunPlan(
        spec=spec,
        reps=reps,
        seed=seed,
        fidelity=fidelity,
        events=events,
        record=record,
        chunk_size=chunk_size,
        value_protected=value_protected,
        record_select=select,
    )
    how = _How(n_workers, progress, executor, scheduler)
    if out is None:
        return _run_plan(plan, how)
    with exit_on_sigterm():
        store = ChunkStore.create(out, "run", plan.to_json(), overwrite)
        return _run_plan_stored(plan, how, store)


def resume(
    path: str | Path,
    workers: int | None = None,
    progress: bool = True,
    *,
    executor: str = "local",
    scheduler: str | None = None,
) -> RunResult:
    """Complete an interrupted run (:func:`simulate` with ``out``) in ``path``.

    Runs only the chunks not saved yet, with the interrupted run's scenario, seed,
    replications and chunking, and returns (and saves in ``path``) the result an
    uninterrupted run would have given.

    Parameters
    ----------
    path : path
        The interrupted run's directory.
    workers, progress, executor, scheduler
        As :func:`simulate`; they do not change the results.

    Raises
    ------
    ResultSchemaError
        If ``path`` is not an interrupted run: complete, still being written by a
        live process, damaged, or started by another version of skyscreen.
    """
    executor = _check_executor(executor, scheduler)
    with exit_on_sigterm():
        store = ChunkStore.resume(path, "run")
        plan = RunPlan.from_json(store.plan, f"{path}/plan.json")
        n_workers, _ = _plan_chunks(len(plan.reps), workers, plan.chunk_size)
        how = _How(n_workers, progress, executor, scheduler)
        return _run_plan_stored(plan, how, store)


EXECUTORS = ("local", "dask")


def _check_executor(executor: str, scheduler: str | None) -> str:
    if executor not in EXECUTORS:
        raise SkyscreenError(
            f"executor must be one of {list(EXECUTORS)}; got {executor!r}"
        )
    if scheduler is not None:
        if not str(scheduler).strip():
            raise SkyscreenError(
                f"scheduler must be an address such as tcp://HOST:8786; got {scheduler!r}"
            )
        return "dask"
    return executor


@dataclass(frozen=True)
class _How:
    """How to run (never what): workers, progress bar, executor."""

    workers: int
    progress: bool
    executor: str = "local"
    scheduler: str | None = None


@dataclass(frozen=True, eq=False)
class RunPlan:
    """Everything a run's results depend on (saved as a resumable run's plan.json)."""

    spec: ScenarioSpec
    reps: IntArray
    seed: int
    fidelity: str
    events: bool
    record: int
    chunk_size: int
    value_protected: bool
    record_select: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON data."""
        return {
            "scenario": self.spec.model_dump(mode="json", by_alias=True),
            "replication_ids": _ids_json(self.reps),
            "seed": self.seed,
            "fidelity": self.fidelity,
            "events": self.events,
            "record": self.record,
            "chunk_size": self.chunk_size,
            "value_protected": self.value_protected,
            "record_select": list(self.record_select),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> RunPlan:
        """The plan saved by :meth:`to_json`."""
        try:
            return cls(
                spec=parse_scenario(data["scenario"], source=source),
                reps=_ids_from_json(data["replication_ids"]),
                seed=int(data["seed"]),
                fidelity=str(data["fidelity"]),
                events=bool(data["events"]),
                record=int(data["record"]),
                chunk_size=int(data["chunk_size"]),
                value_protected=bool(data["value_protected"]),
                record_select=_record_select(data.get("record_select")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SkyscreenError):
                raise
            raise ResultSchemaError(f"{source}: damaged ({exc!r})") from None

    def tasks(self) -> list[ChunkTask]:
        """The chunk tasks: the run (point 0), then the undefended run (point 1)."""
        chunks = split(self.reps, self.chunk_size)
        tasks = [
            ChunkTask(c, self.seed, self.events, self.record, self.fidelity)
            for c in chunks
        ]
        if self.value_protected:
            tasks += [ChunkTask(c, self.seed, False, 0, point=1) for c in chunks]
        return tasks

    def specs(self) -> list[ScenarioSpec]:
        """The scenarios the tasks' points index."""
        return (
            [self.spec, _undefended(self.spec)] if self.value_protected else [self.spec]
        )


def _ids_json(reps: IntArray) -> Any:
    n = len(reps)
    return {"range": n} if np.array_equal(reps, np.arange(n)) else reps.tolist()


def _ids_from_json(data: Any) -> IntArray:
    if isinstance(data, dict):
        return np.arange(int(data["range"]), dtype=np.int64)
    return np.asarray([int(r) for r in data], dtype=np.int64)


def _undefended(spec: ScenarioSpec) -> ScenarioSpec:
    """``spec`` with every effector removed (the value-protected baseline)."""
    data = spec.model_dump(mode="json", by_alias=True)
    for site in data["sites"]:
        site["effectors"] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no site has effectors": on purpose here
        return parse_scenario(data, source="the scenario without its effectors")


def _meta(
    plan: RunPlan,
    params: ScenarioParams,
    how: _How,
    started: float,
    wall: float,
    selected: dict[str, int] | None = None,
) -> dict[str, Any]:
    reps = plan.reps
    meta = {
        "scenario_name": plan.spec.name,
        "scenario_hash": scenario_hash(plan.spec),
        "seed": plan.seed,
        "replications": len(reps),
        "replication_ids": "range"
        if np.array_equal(reps, np.arange(len(reps)))
        else reps.tolist(),
        "fidelity": plan.fidelity,
        "dt_s": params.dt_s,
        "duration_s": params.duration_s,
        "workers": how.workers,
        "executor": how.executor,
        "chunk_size": plan.chunk_size,
        "events": plan.events,
        "record": plan.record,
        "value_protected": plan.value_protected,
        "skyscreen_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "wall_time_s": round(wall, 3),
    }
    if selected:
        meta["record_select"] = selected
        if not plan.events:
            meta["events"] = "selected"
    return meta


def _fill_value_protected(summary: pd.DataFrame, undefended: pd.DataFrame) -> None:
    """Fill the paired columns from the undefended run's summary (same ids, order)."""
    summary["value_protected_usd"] = (
        undefended["value_damaged_usd"].to_numpy() - summary["value_damaged_usd"]
    )
    summary["casualties_prevented"] = (
        undefended["casualties"].to_numpy() - summary["casualties"]
    ).astype(np.float64)


def _check_plan_memory(
    plan: RunPlan, params: ScenarioParams, how: _How
) -> MemoryEstimate:
    """:func:`_check_memory` for the run ``plan`` describes, run as ``how`` says."""
    return _check_memory(
        params,
        plan.reps,
        plan.seed,
        plan.events,
        plan.record,
        how.workers,
        plan.chunk_size,
        how.progress,
        plan.fidelity,
    )


def _run_plan(plan: RunPlan, how: _How) -> RunResult:
    """Run in memory (no directory)."""
    started = time.time()
    t0 = time.perf_counter()
    with exit_on_sigterm():
        plist = [compile_scenario(s) for s in plan.specs()]
        params = plist[0]
        need = _check_plan_memory(plan, params, how)
        tasks = plan.tasks()
        try:
            chunks = execute(plist, tasks, how, plan.spec.name)
            mine = [c for c, t in zip(chunks, tasks, strict=True) if t.point == 0]
            result_tables = build_tables(params, mine)
            if plan.value_protected:
                bare = [c for c, t in zip(chunks, tasks, strict=True) if t.point == 1]
                undefended = build_tables(plist[1], bare)["summary"]
                _fill_value_protected(result_tables["summary"], undefended)
            del chunks
            selected = _record_selected(plan, params, how, result_tables)
            wall = time.perf_counter() - t0
        except InsufficientMemoryError:
            raise
        except MemoryError as exc:
            raise _ran_out(need, len(plan.reps), plan.events, plan.record, exc) from exc
    meta = _meta(plan, params, how, started, wall, selected)
    return RunResult(scenario=plan.spec, meta=meta, **result_tables)


def chunk_name(task: ChunkTask, index: int) -> str:
    """A chunk's folder name in a resumable study: its point and index in the tasks.

    The names sort in task order.
    """
    return f"p{task.point:05d}-c{index:07d}"


def run_missing_chunks(
    store: ChunkStore,
    params: Sequence[ScenarioParams],
    tasks: list[ChunkTask],
    how: _How,
    name: str,
    tables: Callable[[ChunkTask, ChunkResult], dict[str, pd.DataFrame | None]],
) -> list[str]:
    """Run the tasks whose chunks ``store`` lacks, saving ``tables(task, result)`` of each.

    Returns every task's chunk name, in task order (for :meth:`ChunkStore.load`).
    """
    names = [chunk_name(t, i) for i, t in enumerate(tasks)]
    done = store.done()
    todo = [i for i, n in enumerate(names) if n not in done]

    def save(j: int, chunk: ChunkResult) -> None:
        i = todo[j]
        store.save(names[i], tables(tasks[i], chunk))

    total = sum(len(t.replications) for t in tasks)
    execute(
        params,
        [tasks[i] for i in todo],
        how,
        name,
        on_result=save,
        keep=False,
        done_replications=total - sum(len(tasks[i].replications) for i in todo),
        total_replications=total,
    )
    return names


def _run_plan_stored(plan: RunPlan, how: _How, store: ChunkStore) -> RunResult:
    """Run the chunks ``store`` lacks, saving each; assemble; save the run there."""
    started = time.time()
    t0 = time.perf_counter()
    need: MemoryEstimate | None = None
    try:
        plist = [compile_scenario(s) for s in plan.specs()]
        params = plist[0]
        need = _check_plan_memory(plan, params, how)
        tasks = plan.tasks()

        def chunk_tables(
            t: ChunkTask, chunk: ChunkResult
        ) -> dict[str, pd.DataFrame | None]:
            tables = build_tables(plist[t.point], [chunk])
            if t.point != 0:  # the undefended run: its summary is all that is used
                tables = {"summary": tables["summary"]}
            return tables

        resumed = bool(store.done())
        names = run_missing_chunks(
            store, plist, tasks, how, plan.spec.name, chunk_tables
        )
        own = [names[i] for i, t in enumerate(tasks) if t.point == 0]
        tables = {name: store.load(own, name) for name in TABLES}
        tables = {k: _by_replication(v) for k, v in tables.items()}
        if plan.value_protected:
            bare = [names[i] for i, t in enumerate(tasks) if t.point == 1]
            undefended = _by_replication(store.load(bare, "summary"))
            assert undefended is not None
            assert tables["summary"] is not None
            _fill_value_protected(tables["summary"], undefended)
        selected = _record_selected(plan, params, how, tables)
        wall = time.perf_counter() - t0
        meta = _meta(plan, params, how, started, wall, selected)
        meta["resumed"] = resumed
        result = RunResult(
            scenario=plan.spec,
            meta=meta,
            **tables,  # type: ignore[arg-type]
        )
        full_meta = {
            **meta,
            "scenario": plan.spec.model_dump(mode="json", by_alias=True),
        }
        try:
            store.finish(
                lambda tmp: write_run_files(
                    tmp, {n: getattr(result, n) for n in TABLES}, full_meta
                ),
                "run",
            )
        except MemoryError as exc:
            if isinstance(exc, InsufficientMemoryError):
                raise
            raise _saving_ran_out(store.root, exc) from exc
        result.path = store.root
        return result
    except (KeyboardInterrupt, Terminated):
        store.interrupted()
        raise
    except BaseException as exc:
        store.abandon()
        if isinstance(exc, MemoryError) and not isinstance(
            exc, InsufficientMemoryError
        ):
            if need is None:
                raise
            raise _ran_out(need, len(plan.reps), plan.events, plan.record, exc) from exc
        raise


RECORD_SELECT = ("best", "median", "worst")
"""The replications ``record_select`` can choose (:func:`select_replications`)."""


def _record_select(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``record_select`` as a tuple of distinct names in :data:`RECORD_SELECT`."""
    if value is None or (not isinstance(value, str) and len(value) == 0):
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [str(v).strip() for v in items]
    bad = [n for n in names if n not in RECORD_SELECT]
    if bad or not names:
        raise SkyscreenError(
            f"record_select must name some of {', '.join(RECORD_SELECT)} "
            f"(a list, or comma-separated); got {value!r}"
        )
    return tuple(dict.fromkeys(names))


def select_replications(
    summary: pd.DataFrame, which: Sequence[str] = RECORD_SELECT
) -> dict[str, int]:
    """The best, median and worst replications of a run by value damaged.

    Replications are ordered by ``value_damaged_usd``, then by casualties, then by
    id: ``best`` is the first, ``worst`` the last, ``median`` the one at position
    ``(n - 1) // 2`` (the lower median when ``n`` is even), so ties are broken the
    same way every time.

    Parameters
    ----------
    summary : DataFrame
        A run's summary table.
    which : sequence of {"best", "median", "worst"}

    Returns
    -------
    dict
        Name -> replication id, in the order of ``which``.
    """
    names = _record_select(list(which))
    if summary.empty:
        return {}
    ids = summary["replication"].to_numpy()
    order = np.lexsort(
        (ids, summary["casualties"].to_numpy(), summary["value_damaged_usd"].to_numpy())
    )
    at = {"best": 0, "median": (len(ids) - 1) // 2, "worst": len(ids) - 1}
    return {n: int(ids[order[at[n]]]) for n in names}


def _record_selected(
    plan: RunPlan,
    params: ScenarioParams,
    how: _How,
    tables: dict[str, pd.DataFrame | None],
) -> dict[str, int]:
    """Run ``plan.record_select``'s replications again, recording; merge into ``tables``.

    Adds their trajectories (and picture) to those of ``plan.record``, and, if the run
    has no event log, makes ``tables["events"]`` theirs. Returns the chosen ids.
    """
    summary = tables["summary"]
    if not plan.record_select or summary is None:
        return {}
    chosen = select_replications(summary, plan.record_select)
    have_events = plan.events
    todo = sorted({r for r in chosen.values() if r >= plan.record or not have_events})
    if not todo:
        return chosen
    reps = np.asarray(todo, dtype=np.int64)
    task = ChunkTask(reps, plan.seed, True, int(reps.max()) + 1, plan.fidelity)
    one = _How(1, how.progress, how.executor, how.scheduler)
    label = f"{plan.spec.name}: recording {', '.join(chosen)}"
    (chunk,) = execute([params], [task], one, label)
    again = build_tables(params, [chunk])
    for name in ("trajectories", "picture"):
        new = again[name]
        if new is None:
            continue
        new = new[new["replication"] >= plan.record]
        old = tables[name]
        tables[name] = (
            new.reset_index(drop=True)
            if old is None
            else _by_replication(pd.concat([old, new], ignore_index=True))
        )
    if not have_events:
        tables["events"] = again["events"]
    return chosen


def _by_replication(df: pd.DataFrame | None) -> pd.DataFrame | None:
    """``df`` in replication order (stable: each replication's rows keep theirs)."""
    if df is None or df.empty or df["replication"].is_monotonic_increasing:
        return df
    order = np.argsort(df["replication"].to_numpy(), kind="stable")
    return df.iloc[order].reset_index(drop=True)


_STATE_BYTES_PER_DRONE = 1_200
"""A chunk's engine state per replication and drone, bytes (with some margin).

Measured: the 500-drone benchmark scenario with every raid four times as large (2000
drones against 100 fire units) grows a worker's peak resident size by 2.0 MB per
replication of its chunk.
"""
_CHUNK_STATE_BUDGET = 256 << 20
"""Most engine state the default chunk size lets a worker hold (bytes)."""


def _n_drones(spec: ScenarioSpec) -> int:
    return sum(r.count for r in spec.raids)


def _plan_chunks(
    n_replications: int,
    workers: int | None,
    chunk_size: int | None,
    cpus: int | None = None,
    resumable: bool = False,
    n_drones: int = 0,
) -> tuple[int, int]:
    """Worker processes and replications per chunk: ``(workers, chunk_size)``.

    ``workers`` (default: every CPU available) is capped at the CPUs this process may
    run on (:func:`~skyscreen.executors.local.available_cpus`, or ``cpus``), and at one
    per chunk: more processes than CPUs only take turns, and chunks sized for them are
    too small to run fast (``--workers 1000`` ran 400 replications in chunks of one,
    ten times slower than in two chunks of 200). The default chunk is one per worker,
    up to 1000 replications: the engine's per-step cost is shared by a chunk's
    replications, so big chunks run fastest (measured on coastal-airbase: 37 ms per
    replication in chunks of 50, 17 ms in chunks of 500). A ``resumable`` run saves
    each chunk as it finishes, so an interruption loses at most the chunks running:
    its default is up to four chunks per worker, none under 200 replications. The
    default also keeps a chunk's engine state within :data:`_CHUNK_STATE_BUDGET`
    for ``n_drones`` drones, so memory per worker is bounded whatever the raid size
    (2000 drones: chunks of about 110 replications).
    """
    if workers is not None and workers < 1:
        raise SkyscreenError(f"workers must be >= 1; got {workers}")
    if chunk_size is not None and chunk_size < 1:
        raise SkyscreenError(f"chunk_size must be >= 1; got {chunk_size}")
    cpus = available_cpus() if cpus is None else cpus
    n_workers = cpus if workers is None else min(workers, cpus)
    if chunk_size is None:
        rounds = 1
        if resumable:
            rounds = max(1, min(4, n_replications // (n_workers * 200)))
        cap = max(1, _CHUNK_STATE_BUDGET // max(1, _STATE_BYTES_PER_DRONE * n_drones))
        chunk_size = min(
            1000, cap, max(1, math.ceil(n_replications / (n_workers * rounds)))
        )
    n_workers = max(1, min(n_workers, math.ceil(n_replications / chunk_size)))
    return n_workers, chunk_size


def execute(
    params: Sequence[ScenarioParams],
    tasks: list[ChunkTask],
    how: _How,
    name: str,
    on_result: Callable[[int, ChunkResult], None] | None = None,
    keep: bool = True,
    done_replications: int = 0,
    total_replications: int | None = None,
) -> list[ChunkResult]:
    """Run chunk tasks on the chosen executor, with a progress bar if asked."""

    def run(on_progress: Callable[[float], None] | None) -> list[ChunkResult]:
        if how.executor == "dask":
            from skyscreen.executors.dask import run_tasks_dask

            return run_tasks_dask(
                params,
                tasks,
                scheduler=how.scheduler,
                workers=how.workers,
                on_progress=on_progress,
                on_result=on_result,
                keep=keep,
            )
        return run_tasks(params, tasks, how.workers, on_progress, on_result, keep)

    if not how.progress:
        return run(None)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
        refresh_per_second=4,
    ) as bar:
        total = total_replications or sum(len(t.replications) for t in tasks)
        tid = bar.add_task(name, total=total, completed=done_replications)
        return run(
            lambda done: bar.update(tid, completed=done_replications + int(done))
        )


@dataclass(frozen=True)
class MemoryEstimate:
    """Memory a run needs, in bytes, by :func:`estimate_memory`.

    Attributes
    ----------
    tables : int
        The main process's peak for the summary, drones, effectors and assets tables
        (the chunks' arrays, gathered, sorted and turned into tables).
    events : int
        The same for the event log (``events=True``).
    trajectories : int
        The same for the trajectories (``record > 0``).
    workers : int
        The worker processes' chunks in flight.
    tracker : int
        The tracked fidelity's track buffers of the chunks in flight (0 in the truth
        fidelity).
    """

    tables: int
    events: int
    trajectories: int
    workers: int
    tracker: int = 0

    @property
    def total(self) -> int:
        """Everything: what :func:`simulate` compares with the memory available."""
        return (
            self.tables + self.events + self.trajectories + self.workers + self.tracker
        )


_PEAK_FACTOR = 4.5
"""Peak bytes in the main process per byte of result table: the chunks' arrays as they
arrive, their concatenation and its sorted copy, the tables, and pyarrow's copy while
saving. Measured on coastal-airbase with two workers, from the growth of the peak
resident size between 4000 and 8000 replications: 4.2 with events, 3 without.
"""
_WORKER_FACTOR = 3.0
"""A worker's bytes per byte of its chunk's results (state, results, pickled copy)."""
_CATEGORY_BYTES = 2  # category codes: int8, int16 past 127 categories
_PILOT_REPLICATIONS = 8
_PILOT_MIN_DRONE_REPLICATIONS = 20_000
_GUESSED_EVENTS_PER_DRONE = 64.0
_SAFETY = 1.25  # on the pilot's event count: replications differ
_SHOW_ESTIMATE_BYTES = 1 << 30


def _row_bytes(table: str) -> int:
    sizes = {"int": 8, "float": 8, "bool": 1, "category": _CATEGORY_BYTES}
    return sum(sizes[c.type] for c in TABLES[table].columns)


def estimate_memory(
    params: ScenarioParams,
    replications: int,
    *,
    events_per_replication: float = 0.0,
    recorded: int = 0,
    workers: int = 1,
    chunk_size: int | None = None,
    fidelity: str = "truth",
) -> MemoryEstimate:
    """Memory a run of ``replications`` replications needs, estimated from its tables.

    Rows: a summary row per replication; a drones, effectors and assets row per drone,
    effector and asset per replication; ``events_per_replication`` events per
    replication; for each of the ``recorded`` replications with trajectories, at most
    a row per drone per time step. Bytes per row from the schema's column types (8
    for numbers, 1 for a flag, 2 for a category code), times the main process's peak
    over the tables it builds (:data:`_PEAK_FACTOR`).

    Parameters
    ----------
    params : ScenarioParams
        The compiled scenario.
    replications : int
    events_per_replication : float
        Expected event-log rows per replication; 0 without events.
    recorded : int
        Replications whose trajectories are recorded.
    workers, chunk_size : int
        Worker processes and replications per chunk (default: all in one chunk).
    fidelity : {"truth", "tracked"}
        The tracked fidelity adds each chunk's track buffers (capacity × the state,
        covariance and bookkeeping of a track, per replication) and, for recorded
        replications, a bound on the picture table (every slot at every step).

    Returns
    -------
    MemoryEstimate

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> from skyscreen.scenario.compile import compile_scenario
    >>> p = compile_scenario(load_scenario(example_path("coastal-airbase")))
    >>> est = estimate_memory(p, 1_000_000, events_per_replication=758.0)
    >>> round(est.total / 2**30)  # GiB: a million replications with events
    264
    >>> round(est.events / est.total, 2)  # almost all of it the event log
    0.94
    """
    n_d = params.drones.n
    n_e = len(params.effector_ids)
    n_a = params.assets.n
    per_rep = (
        _row_bytes("summary")
        + n_d * _row_bytes("drones")
        + n_e * _row_bytes("effectors")
        + n_a * _row_bytes("assets")
    )
    ev_per_rep = events_per_replication * _row_bytes("events")
    traj_per_rep = params.n_steps * n_d * _row_bytes("trajectories")
    chunk = replications if chunk_size is None else min(chunk_size, replications)
    tracker = 0
    if fidelity == "tracked":
        from skyscreen.engine.track import tracker_config

        cfg = tracker_config(params)
        m, n = cfg.n_models, 2 * cfg.dim
        per_track = 8 * (m * (n + n * n + 1) + (n + n * n if m > 1 else 0) + 10)
        tracker = int(cfg.capacity * per_track * chunk * max(workers, 1))
        traj_per_rep += params.n_steps * cfg.capacity * _row_bytes("picture")
    return MemoryEstimate(
        tables=int(_PEAK_FACTOR * replications * per_rep),
        events=int(_PEAK_FACTOR * replications * ev_per_rep),
        trajectories=int(_PEAK_FACTOR * recorded * traj_per_rep),
        workers=int(
            _WORKER_FACTOR
            * workers
            * chunk
            * (per_rep + ev_per_rep + traj_per_rep * min(1.0, recorded / chunk))
        )
        if workers > 1
        else 0,
        tracker=tracker,
    )


def _events_per_replication(
    params: ScenarioParams, reps: IntArray, seed: int, events: bool
) -> float:
    """Event-log rows per replication: counted on a pilot of a few, for a big run."""
    if not events:
        return 0.0
    if len(reps) * params.drones.n < _PILOT_MIN_DRONE_REPLICATIONS:
        return _GUESSED_EVENTS_PER_DRONE * params.drones.n
    pilot = reps[:_PILOT_REPLICATIONS]
    res = run_chunk(params, pilot, seed, events=True)
    n = len(res.events["replication"]) if res.events is not None else 0
    return _SAFETY * n / len(pilot)


def _check_memory(
    params: ScenarioParams,
    reps: IntArray,
    seed: int,
    events: bool,
    record: int,
    workers: int,
    chunk_size: int,
    progress: bool,
    fidelity: str = "truth",
) -> MemoryEstimate:
    """Refuse a run that cannot fit in memory; show the estimate of a large one."""
    recorded = int((reps < record).sum())
    need = estimate_memory(
        params,
        len(reps),
        events_per_replication=_events_per_replication(params, reps, seed, events),
        recorded=recorded,
        workers=workers,
        chunk_size=chunk_size,
        fidelity=fidelity,
    )
    have = available_memory()
    if have is not None and need.total > have:
        raise _too_big(need, have, len(reps), events, record)
    if progress and (
        need.total >= _SHOW_ESTIMATE_BYTES
        or (have is not None and need.total > have / 2)
    ):
        of = f" ({format_bytes(have)} available)" if have is not None else ""
        print(
            f"estimated memory for the results: {format_bytes(need.total)}{of}",
            file=sys.stderr,
        )
    return need


def _advice(
    need: MemoryEstimate, have: int | None, n_reps: int, events: bool, record: int
) -> tuple[str, str]:
    """What to change, in the Python API's words and the command line's."""
    py: list[str] = []
    cli: list[str] = []
    per_rep = (need.tables + need.events) / n_reps
    if have is not None and per_rep > 0:
        fixed = need.trajectories + need.workers + need.tracker
        fit = max(0, int((have - fixed) / per_rep * 0.9))
        py.append(f"fewer replications (about {fit:,} fit)")
        cli.append(f"fewer replications (-n; about {fit:,} fit)")
    else:
        py.append("fewer replications")
        cli.append("fewer replications (-n)")
    if events and need.events > 0:
        py.append(f"events=False (the event log is {format_bytes(need.events)})")
        cli.append(f"no --events (the event log is {format_bytes(need.events)})")
    if record > 0 and need.trajectories > 0:
        traj = format_bytes(need.trajectories)
        py.append(f"a smaller record (trajectories: {traj})")
        cli.append(f"a smaller --record (trajectories: {traj})")
    if need.tracker > 0:
        tr = format_bytes(need.tracker)
        py.append(f"a smaller chunk_size (the chunks' tracks: {tr})")
        cli.append(f"a smaller --chunk-size (the chunks' tracks: {tr})")
    return "; or ".join(py), "; or ".join(cli)


def _too_big(
    need: MemoryEstimate, have: int, n_reps: int, events: bool, record: int
) -> InsufficientMemoryError:
    head = (
        f"this run needs about {format_bytes(need.total)} of memory for its results "
        f"({n_reps:,} replications), more than the {format_bytes(have)} available; "
        "run "
    )
    py, cli = _advice(need, have, n_reps, events, record)
    return InsufficientMemoryError(head + py, cli_message=head + cli)


def _ran_out(
    need: MemoryEstimate, n_reps: int, events: bool, record: int, exc: BaseException
) -> InsufficientMemoryError:
    have = available_memory()
    of = f"; {format_bytes(have)} available now" if have is not None else ""
    head = (
        f"out of memory ({type(exc).__name__}{': ' + str(exc) if str(exc) else ''}); "
        f"this run needs about {format_bytes(need.total)} by the estimate{of}; run "
    )
    py, cli = _advice(need, have, n_reps, events, record)
    return InsufficientMemoryError(head + py, cli_message=head + cli)


def _frame(name: str, columns: dict[str, Any]) -> pd.DataFrame:
    """The table ``name`` from its columns, which must be the schema's, in its order."""
    want = TABLES[name].column_names
    if tuple(columns) != want:  # a bug here, not a user's error
        raise AssertionError(
            f"{name} columns must be {list(want)} (skyscreen.schema); "
            f"got {list(columns)}"
        )
    return pd.DataFrame(columns)


def _cat(codes: Any, names: Sequence[str]) -> Any:
    return pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int64), categories=pd.Index(list(names))
    )


def _ratio_or_nan(num: Any, den: Any) -> FloatArray:
    """``num / den`` per replication; NaN where ``den`` is 0."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _mean_or_nan(x: FloatArray) -> FloatArray:
    """Mean over drones (axis 1) of the finite values; NaN where there are none."""
    ok = np.isfinite(x)
    n = ok.sum(axis=1)
    total = np.where(ok, x, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def build_tables(params: ScenarioParams, chunks: list[ChunkResult]) -> dict[str, Any]:
    """Assemble the output tables from chunk arrays, ordered by replication.

    Returns
    -------
    dict
        Every table of :data:`skyscreen.schema.TABLES` by name, with the schema's
        columns in order; the optional ``events`` and ``trajectories`` are None unless
        the chunks recorded them.
    """
    cat = {
        f: np.concatenate([getattr(c, f) for c in chunks])
        for f in (
            "replications",
            "drone_status",
            "drone_cause",
            "drone_effector",
            "drone_target",
            "drone_t_launch_s",
            "drone_t_first_detect_s",
            "drone_t_first_shot_s",
            "drone_t_identified_s",
            "drone_id_sensor",
            "drone_t_end_s",
            "drone_end_m",
            "drone_t_gnss_lost_s",
            "drone_miss_m",
            "eff_engagements",
            "eff_rounds",
            "eff_missiles",
            "eff_kills",
            "eff_cost_usd",
            "eff_t_dry_s",
            "asset_hits",
            "asset_damaged",
            "asset_casualties",
            "asset_debris",
        )
    }
    n_all, n_d0 = cat["drone_status"].shape
    if chunks and chunks[0].tracking is not None:
        for name in chunks[0].tracking:
            cat[f"track_{name}"] = np.concatenate(
                [c.tracking[name] for c in chunks if c.tracking is not None]
            )
        cat["drone_t_tracked_s"] = np.concatenate(
            [c.drone_t_tracked_s for c in chunks if c.drone_t_tracked_s is not None]
        )
    else:
        for name in ("gospa_m", "ospa_m", "false_tracks_per_cycle", "missed_per_cycle"):
            cat[f"track_{name}"] = np.full(n_all, np.nan)
        cat["drone_t_tracked_s"] = np.full((n_all, n_d0), np.nan)
    order = np.argsort(cat["replications"], kind="stable")
    cat = {k: v[order] for k, v in cat.items()}
    reps = cat["replications"]
    n_rep, n_d = cat["drone_status"].shape
    n_e, n_a = len(params.effector_ids), params.assets.n
    dr, a = params.drones, params.assets

    # Drones: "airborne" for drones still flying at the end.
    state_names = list(STATES)
    state_names[STATES.index("flying")] = "airborne"
    status = cat["drone_status"].astype(np.int64)
    eff_names = [*params.effector_ids, ""]
    drone_eff = np.where(cat["drone_effector"] >= 0, cat["drone_effector"], n_e)
    terminal = ("killed", "defeated", "leaked", "expended", "airborne")
    sensor_names = [*params.sensor_ids, ""]
    n_sens = len(params.sensor_ids)
    id_sensor = np.where(cat["drone_id_sensor"] >= 0, cat["drone_id_sensor"], n_sens)
    detect = cat["drone_t_first_detect_s"]
    with np.errstate(invalid="ignore"):
        to_identify = _mean_or_nan(cat["drone_t_identified_s"] - detect)
        to_shot = _mean_or_nan(cat["drone_t_first_shot_s"] - detect)
        to_track = _mean_or_nan(cat["drone_t_tracked_s"] - detect)
    drones = _frame(
        "drones",
        {
            "replication": np.repeat(reps, n_d),
            "drone": np.tile(np.arange(n_d), n_rep),
            "raid": _cat(np.tile(dr.raid_idx, n_rep), params.raid_ids),
            "class": _cat(
                np.tile(_class_codes(params), n_rep), sorted(set(dr.class_names))
            ),
            "target_asset": _cat(cat["drone_target"].ravel(), a.ids),
            "state": pd.Categorical(
                np.asarray(state_names)[status.ravel()], categories=list(terminal)
            ),
            "cause": _cat(cat["drone_cause"].ravel(), make_layout(params).causes),
            "effector": _cat(drone_eff.ravel(), eff_names),
            "t_launch_s": cat["drone_t_launch_s"].ravel(),
            "t_first_detect_s": cat["drone_t_first_detect_s"].ravel(),
            "t_identified_s": cat["drone_t_identified_s"].ravel(),
            "id_sensor": _cat(id_sensor.ravel(), sensor_names),
            "t_first_shot_s": cat["drone_t_first_shot_s"].ravel(),
            "t_end_s": cat["drone_t_end_s"].ravel(),
            "x_end_m": cat["drone_end_m"][..., 0].ravel(),
            "y_end_m": cat["drone_end_m"][..., 1].ravel(),
            "z_end_m": cat["drone_end_m"][..., 2].ravel(),
            "t_gnss_lost_s": cat["drone_t_gnss_lost_s"].ravel(),
            "miss_m": cat["drone_miss_m"].ravel(),
            "t_tracked_s": cat["drone_t_tracked_s"].ravel(),
        },
    )

    cost = cat["eff_cost_usd"]
    effectors = _frame(
        "effectors",
        {
            "replication": np.repeat(reps, n_e),
            "effector": _cat(np.tile(np.arange(n_e), n_rep), params.effector_ids),
            "kind": pd.Categorical(
                np.tile(np.asarray(params.effector_kinds, dtype=object), n_rep),
                categories=[k.name for k in EFFECTOR_KINDS],
            ),
            "engagements": cat["eff_engagements"].ravel(),
            "rounds_fired": cat["eff_rounds"].ravel(),
            "missiles_fired": cat["eff_missiles"].ravel(),
            "kills": cat["eff_kills"].ravel(),
            "cost_usd": cost.ravel(),
            "t_dry_s": cat["eff_t_dry_s"].ravel(),
        },
    )

    value = cat["asset_damaged"] * a.value_usd[None, :]
    assets = _frame(
        "assets",
        {
            "replication": np.repeat(reps, n_a),
            "asset": _cat(np.tile(np.arange(n_a), n_rep), a.ids),
            "site": _cat(np.tile(a.site_idx, n_rep), a.site_ids),
            "type": pd.Categorical(np.tile(np.asarray(a.types, dtype=object), n_rep)),
            "hits": cat["asset_hits"].ravel(),
            "damaged": cat["asset_damaged"].ravel(),
            "value_damaged_usd": value.ravel(),
            "casualties": cat["asset_casualties"].ravel(),
            "occupancy": np.tile(a.occupancy, n_rep),
            "debris": cat["asset_debris"].ravel(),
        },
    )

    def count(code: int) -> Any:
        return (status == code).sum(axis=1)

    launched = status != STATES.index("pending")
    drones_cost = (launched * dr.cost_usd[None, :]).sum(axis=1).astype(np.float64)
    stopped = count(STATES.index("killed")) + count(STATES.index("defeated"))

    summary = _frame(
        "summary",
        {
            "replication": reps,
            "n_launched": np.full(n_rep, n_d, dtype=np.int64)
            - count(STATES.index("pending")),
            "n_detected": np.isfinite(cat["drone_t_first_detect_s"]).sum(axis=1),
            "n_engaged": np.isfinite(cat["drone_t_first_shot_s"]).sum(axis=1),
            "n_killed": count(STATES.index("killed")),
            "n_defeated": count(STATES.index("defeated")),
            "n_leaked": count(STATES.index("leaked")),
            "n_expended": count(STATES.index("expended")),
            "n_airborne": count(STATES.index("flying")),
            "value_damaged_usd": value.sum(axis=1),
            "casualties": cat["asset_casualties"].sum(axis=1),
            # Gun rounds only: a microwave emitter's shots are in its own row of
            # the effectors table.
            "rounds_fired": cat["eff_rounds"][
                :, np.asarray(params.effector_kinds) == "gun"
            ].sum(axis=1),
            "missiles_fired": cat["eff_missiles"].sum(axis=1),
            "munitions_cost_usd": cost.sum(axis=1),
            "n_identified": np.isfinite(cat["drone_t_identified_s"]).sum(axis=1),
            "detect_to_identify_s": to_identify,
            "detect_to_shot_s": to_shot,
            "drones_cost_usd": drones_cost,
            "cost_per_stop_usd": _ratio_or_nan(cost.sum(axis=1), stopped),
            "exchange_ratio": _ratio_or_nan(cost.sum(axis=1), drones_cost),
            # Filled by simulate(value_protected=True), which reruns without effectors.
            "value_protected_usd": np.full(n_rep, np.nan),
            "casualties_prevented": np.full(n_rep, np.nan),
            # The tracked fidelity's scores (NaN in the truth fidelity).
            "detect_to_track_s": to_track,
            "track_gospa_m": cat["track_gospa_m"],
            "track_ospa_m": cat["track_ospa_m"],
            "false_tracks_per_cycle": cat["track_false_tracks_per_cycle"],
            "missed_truths_per_cycle": cat["track_missed_per_cycle"],
        },
    )
    events = None
    if chunks and chunks[0].events is not None:
        ev = {
            k: np.concatenate([c.events[k] for c in chunks if c.events is not None])
            for k in chunks[0].events
        }
        o = np.lexsort((ev["drone"], ev["kind"], ev["t_s"], ev["replication"]))
        ev = {k: v[o] for k, v in ev.items()}
        refs = [*params.sensor_ids, *params.effector_ids, ""]
        ref = np.where(ev["ref"] >= 0, ev["ref"], len(refs) - 1)
        outcome_names = [*OUTCOMES, *(f"damaged:{x}" for x in a.ids)]
        kind = ev["kind"].astype(np.int64)
        # The engine's outcome code of a fire event is its round count (1 for a
        # missile): it becomes the rounds column, and the outcome is none ("").
        fired = kind == EVENT_KINDS.index("fire")
        code = ev["outcome"].astype(np.int64)
        outcome = np.asarray(outcome_names, dtype=object)[np.where(fired, 0, code)]
        events = _frame(
            "events",
            {
                "replication": ev["replication"].astype(np.int64),
                "t_s": ev["t_s"],
                "kind": _cat(kind, EVENT_KINDS),
                "drone": ev["drone"].astype(np.int64),
                "sensor_or_effector": _cat(ref, refs),
                "x_m": ev["x_m"],
                "y_m": ev["y_m"],
                "z_m": ev["z_m"],
                "outcome": pd.Categorical(outcome),
                "rounds": np.where(fired, code, 0),
                "value": ev["value"],
                "pk": ev["pk"],
            },
        )
    trajectories = None
    parts = [c.trajectories for c in chunks if c.trajectories is not None]
    if parts:
        tr = {k: np.concatenate([p_[k] for p_ in parts]) for k in parts[0]}
        o = np.lexsort((tr["drone"], tr["t_s"], tr["replication"]))
        state = pd.Categorical(
            np.asarray(STATES)[tr["status"][o].astype(np.int64)],
            categories=list(STATES[1:]),  # rows exist only once a drone is launched
        )
        trajectories = _frame(
            "trajectories",
            {**{k: v[o] for k, v in tr.items() if k != "status"}, "state": state},
        )
    ground_stations = None
    parts = [c.tables["ground_stations"] for c in chunks if c.tables]
    if parts:
        gs = {k: np.concatenate([p_[k] for p_ in parts]) for k in parts[0]}
        o = np.lexsort((gs["drone"], gs["replication"]))
        gs = {k: v[o] for k, v in gs.items()}
        ground_stations = _frame(
            "ground_stations",
            {
                "replication": gs["replication"],
                "raid": _cat(dr.raid_idx[gs["drone"]], params.raid_ids),
                **{k: v for k, v in gs.items() if k != "replication"},
            },
        )
    picture = None
    pparts = [c.picture for c in chunks if c.picture is not None]
    if pparts:
        pc = {k: np.concatenate([p_[k] for p_ in pparts]) for k in pparts[0]}
        o = np.lexsort((pc["track"], pc["t_s"], pc["replication"]))
        picture = _frame("picture", {k: v[o] for k, v in pc.items()})
    return {
        "summary": summary,
        "drones": drones,
        "effectors": effectors,
        "assets": assets,
        "events": events,
        "trajectories": trajectories,
        "ground_stations": ground_stations,
        "picture": picture,
    }


def _class_codes(params: ScenarioParams) -> IntArray:
    names = sorted(set(params.drones.class_names))
    return np.array([names.index(c) for c in params.drones.class_names], dtype=np.int64)


def load_run(path: str | Path) -> RunResult:
    """Read a run directory back into a :class:`RunResult`.

    Raises
    ------
    ResultSchemaError
        If the directory is not a complete run of this schema version
        (:data:`skyscreen.schema.SCHEMA_VERSION`); one written by an older version must
        be re-run.
    """
    tables, meta = read_run_dir(path)
    scenario = parse_scenario(meta.pop("scenario"), source=f"{path}/run.json")
    meta.pop("schema_version", None)
    meta.pop("files", None)
    assert tables["summary"] is not None
    assert tables["drones"] is not None
    assert tables["effectors"] is not None
    assert tables["assets"] is not None
    return RunResult(
        summary=tables["summary"],
        drones=tables["drones"],
        effectors=tables["effectors"],
        assets=tables["assets"],
        events=tables["events"],
        trajectories=tables["trajectories"],
        ground_stations=tables["ground_stations"],
        picture=tables["picture"],
        meta=meta,
        scenario=scenario,
        path=Path(path),
    )
