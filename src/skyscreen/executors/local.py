"""Local executor: chunks of replications on a pool of processes.

Workers are forked from a fork server that has already imported the engine, so starting
one costs milliseconds, and no worker inherits threads of the parent. Results come back
in task order whatever order the workers finish in; they do not depend on the number of
workers or the chunk size (the engine's seed contract).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

from skyscreen._typing import IntArray
from skyscreen.engine import ChunkResult, Tables, run_chunk
from skyscreen.errors import SkyscreenError
from skyscreen.scenario.compile import ScenarioParams

__all__ = ["ChunkTask", "run_tasks"]


@dataclass(frozen=True, slots=True, eq=False)
class ChunkTask:
    """One chunk: replication ids and the run's settings."""

    replications: IntArray
    seed: int
    events: bool
    record: int


def _run(params: ScenarioParams, tables: Tables, task: ChunkTask) -> ChunkResult:
    return run_chunk(
        params,
        task.replications,
        task.seed,
        events=task.events,
        record=task.record,
        tables=tables,
    )


def _context() -> mp.context.BaseContext:
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["skyscreen.engine"])
        return ctx
    return mp.get_context("spawn")


def run_tasks(
    params: ScenarioParams,
    tables: Tables,
    tasks: Sequence[ChunkTask],
    workers: int,
    on_done: Callable[[int], None] | None = None,
) -> list[ChunkResult]:
    """Run chunk tasks, in this process (``workers <= 1``) or on a process pool.

    Parameters
    ----------
    params, tables : the compiled scenario and its derived tables
    tasks : sequence of ChunkTask
    workers : int
        Processes; 1 runs in this process.
    on_done : callable, optional
        Called with the number of replications of each finished chunk.

    Returns
    -------
    list of ChunkResult
        In the order of ``tasks``.
    """
    results: list[ChunkResult | None] = [None] * len(tasks)
    if workers <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            results[i] = _run(params, tables, task)
            if on_done:
                on_done(len(task.replications))
        return [r for r in results if r is not None]
    n = min(workers, len(tasks), os.cpu_count() or 1) or 1
    with ProcessPoolExecutor(max_workers=n, mp_context=_context()) as pool:
        futures: dict[Future[ChunkResult], int] = {
            pool.submit(_run, params, tables, task): i for i, task in enumerate(tasks)
        }
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    i = futures[f]
                    results[i] = f.result()
                    if on_done:
                        on_done(len(tasks[i].replications))
        except BrokenProcessPool:
            pool.shutdown(wait=False, cancel_futures=True)
            raise SkyscreenError(
                "worker processes died before finishing (out of memory, killed, or "
                "started from a script Python cannot re-import, such as code piped to "
                "stdin); run with workers=1 or from a script file"
            ) from None
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [r for r in results if r is not None]


def split(replications: IntArray, chunk_size: int) -> list[IntArray]:
    """Consecutive chunks of at most ``chunk_size`` replication ids."""
    reps = np.asarray(replications, dtype=np.int64)
    return [reps[i : i + chunk_size] for i in range(0, len(reps), chunk_size)]
