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
from typing import Any

import numpy as np

from skyscreen._typing import IntArray
from skyscreen.engine import ChunkResult, run_chunk
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


# Fraction of its steps each task has done, shared with the parent (set per worker by
# the pool initializer); None in the parent and in-process runs.
_SHARED: Any = None


def _share(progress: Any) -> None:
    global _SHARED
    _SHARED = progress


def _run(
    params: ScenarioParams,
    task: ChunkTask,
    slot: int = -1,
    on_step: Callable[[float], None] | None = None,
) -> ChunkResult:
    if on_step is None and _SHARED is not None and slot >= 0:
        shared = _SHARED

        def on_step(fraction: float) -> None:
            shared[slot] = fraction

    return run_chunk(
        params,
        task.replications,
        task.seed,
        events=task.events,
        record=task.record,
        on_step=on_step,
    )


def _context() -> mp.context.BaseContext:
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["skyscreen.executors._preload"])
        return ctx
    return mp.get_context("spawn")


def run_tasks(
    params: ScenarioParams,
    tasks: Sequence[ChunkTask],
    workers: int,
    on_progress: Callable[[float], None] | None = None,
) -> list[ChunkResult]:
    """Run chunk tasks, in this process (``workers <= 1``) or on a process pool.

    Parameters
    ----------
    params : ScenarioParams
        The compiled scenario (derived tables included).
    tasks : sequence of ChunkTask
    workers : int
        Processes; 1 runs in this process.
    on_progress : callable, optional
        Called now and then with the replications done so far (fractional while chunks
        run: each chunk reports the share of its time steps it has stepped).

    Returns
    -------
    list of ChunkResult
        In the order of ``tasks``.
    """
    results: list[ChunkResult | None] = [None] * len(tasks)
    sizes = [len(t.replications) for t in tasks]
    if workers <= 1 or len(tasks) <= 1:
        done_reps = 0.0
        for i, task in enumerate(tasks):

            def step(
                fraction: float, base: float = done_reps, n: int = sizes[i]
            ) -> None:
                if on_progress:
                    on_progress(base + fraction * n)

            results[i] = _run(params, task, on_step=step)
            done_reps += sizes[i]
            if on_progress:
                on_progress(done_reps)
        return [r for r in results if r is not None]
    n = min(workers, len(tasks), os.cpu_count() or 1) or 1
    ctx = _context()
    shared = ctx.Array("d", len(tasks), lock=False)
    with ProcessPoolExecutor(
        max_workers=n, mp_context=ctx, initializer=_share, initargs=(shared,)
    ) as pool:
        futures: dict[Future[ChunkResult], int] = {
            pool.submit(_run, params, task, i): i for i, task in enumerate(tasks)
        }
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                for f in done:
                    i = futures[f]
                    results[i] = f.result()
                    shared[i] = 1.0
                if on_progress:
                    on_progress(sum(shared[i] * sizes[i] for i in range(len(tasks))))
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
