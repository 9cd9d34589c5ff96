"""Dask executor: chunks of replications on a Dask distributed cluster.

A run either starts a :class:`distributed.LocalCluster` of worker processes on this
machine, closed when the run ends, or connects to a cluster that is already running
(``scheduler="tcp://HOST:PORT"``), which it leaves running: it closes only its client.
The command line starts its LocalCluster as it begins, in the background, and its runs
share it (:mod:`skyscreen.executors._early`).

Each compiled scenario is sent to every worker once (scattered, broadcast); then one
Dask task per chunk calls :func:`skyscreen.executors.local._run`, the function the local
pool's workers call. A chunk's result depends only on its replication ids, the seed and
the scenario (the engine's seed contract), so it is bit-identical to the local
executor's, whichever worker runs it, and rerunning a chunk is harmless: the scheduler
reruns on another worker the chunks of a worker that died.

Dask and distributed are imported only when a run starts, so this module imports
without them (``pip install 'skyscreen[dask]'`` adds them).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from skyscreen._version import __version__
from skyscreen.engine import ChunkResult
from skyscreen.errors import InsufficientMemoryError, SkyscreenError
from skyscreen.executors import _early
from skyscreen.executors.local import ChunkTask, _run, available_cpus
from skyscreen.scenario.compile import ScenarioParams

__all__ = ["CONNECT_TIMEOUT_S", "TASK_OVERHEAD_S", "run_tasks_dask"]

CONNECT_TIMEOUT_S = 10.0
"""Seconds to wait for an existing scheduler to answer before giving up."""

TASK_OVERHEAD_S = 1e-3
"""Dask's cost per task, roughly (scheduling, sending the task and its result)."""

RETRIES = 2
"""Reruns of a chunk that raised an exception (a transient failure on a crowded worker).

A chunk whose worker died is rerun on another worker whatever this says; the scheduler
gives up on it (``KilledWorker``) after ``distributed.scheduler.allowed-failures``
deaths (3 by default).
"""

_INSTALL_HINT = "the Dask executor needs the extra: pip install 'skyscreen[dask]'"
_PLUGIN_NAME = "skyscreen-warm-up"


def run_tasks_dask(
    params: ScenarioParams | Sequence[ScenarioParams],
    tasks: Sequence[ChunkTask],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    on_result: Callable[[int, ChunkResult], None] | None = None,
    keep: bool = True,
) -> list[ChunkResult]:
    """Run chunk tasks on a Dask cluster: a new local one, or an existing one.

    Same contract as :func:`skyscreen.executors.local.run_tasks`: the same tasks give
    bit-identical results, in task order.

    Parameters
    ----------
    params : ScenarioParams or sequence of ScenarioParams
        The compiled scenario (derived tables included), or one per sweep point, which
        each task's ``point`` indexes. Sent to each worker once.
    tasks : sequence of ChunkTask
    scheduler : str, optional
        Address of a running scheduler, ``"tcp://HOST:PORT"``: the run connects a
        client to it and leaves the cluster running when it ends. None (the default)
        starts a :class:`distributed.LocalCluster` on this machine (bound to
        127.0.0.1, no dashboard) and closes it when the run ends; or uses the one
        the command line started in the background as it began
        (:func:`skyscreen.executors._early.start_local_cluster`, kept until the
        process exits), if that one has at least the workers the run needs.
    workers : int, optional
        Worker processes of the local cluster, one thread each (default:
        :func:`~skyscreen.executors.local.available_cpus`; at most one per task).
        Ignored with ``scheduler``: that cluster has the workers it has.
    on_progress : callable, optional
        Called with the replications done so far, as each task finishes (whole tasks:
        the workers do not report progress within a chunk).
    on_result : callable, optional
        Called in this process as each task finishes, in the order they finish, with
        the task's index and result (a checkpoint writer saves it there).
    keep : bool
        Return the results; False returns an empty list (whoever passed ``on_result``
        keeps what it needs, and this process holds one chunk at a time).

    Returns
    -------
    list of ChunkResult
        In the order of ``tasks`` (empty unless ``keep``).

    Raises
    ------
    SkyscreenError
        If Dask is not installed, the scheduler cannot be reached within
        :data:`CONNECT_TIMEOUT_S` seconds, or a chunk's workers kept dying
        (:class:`~skyscreen.errors.InsufficientMemoryError`: most likely out of
        memory). An exception that a chunk raised (after :data:`RETRIES` reruns)
        is raised here as it was raised there.

    Notes
    -----
    Dask costs about a millisecond per task (:data:`TASK_OVERHEAD_S`), paid by the
    scheduler and the client. To keep it under 1% of the run, a chunk must run for at
    least 0.1 s per worker that the scheduler keeps busy, i.e. chunk seconds
    ``>= 100 * TASK_OVERHEAD_S * workers``: with 2 workers 0.2 s, with 64 workers
    6.4 s. A replication of a small scenario takes a few milliseconds, of a large one
    tens to hundreds, so chunks of 100 to 1000 replications suit most runs; keep at
    least a few chunks per worker so that the last ones do not leave workers idle.

    Ctrl-C (or any exception) while the tasks run cancels the tasks not yet done and
    closes the client, and the local cluster if the run started one, before it
    propagates.
    """
    try:
        distributed = importlib.import_module("distributed")
    except ImportError as exc:
        raise SkyscreenError(_INSTALL_HINT) from exc
    plist = [params] if isinstance(params, ScenarioParams) else list(params)
    results: list[ChunkResult | None] = [None] * len(tasks)
    if not tasks:
        return []
    with _quiet_logs():
        if scheduler is None:
            n = min(workers or available_cpus(), len(tasks))
            with (
                _cluster(distributed, max(1, n)) as address,
                _client(distributed, address, own=True) as client,
            ):
                _run_on(
                    distributed,
                    client,
                    plist,
                    tasks,
                    results,
                    on_progress,
                    on_result,
                    keep,
                )
        else:
            with _client(distributed, scheduler, own=False) as client:
                _warm_up_workers(distributed, client)
                _run_on(
                    distributed,
                    client,
                    plist,
                    tasks,
                    results,
                    on_progress,
                    on_result,
                    keep,
                )
    return [r for r in results if r is not None]


def _run_on(
    distributed: Any,
    client: Any,
    plist: list[ScenarioParams],
    tasks: Sequence[ChunkTask],
    results: list[ChunkResult | None],
    on_progress: Callable[[float], None] | None,
    on_result: Callable[[int, ChunkResult], None] | None,
    keep: bool,
) -> None:
    """Submit the tasks to ``client``'s cluster and gather their results."""
    # One key per task, unique to this run: equal tasks are never merged, and two
    # runs sharing a cluster never see each other's results.
    run_id = uuid.uuid4().hex[:12]
    futures: list[Any] = []
    try:
        # hash=False: a random key per scenario instead of hashing its arrays.
        scattered = client.scatter(plist, broadcast=True, hash=False)
        for i, task in enumerate(tasks):
            futures.append(
                client.submit(
                    _run,
                    scattered[task.point],
                    task,
                    key=f"skyscreen-chunk-{run_id}-{i}",
                    pure=False,
                    retries=RETRIES,
                )
            )
        index = {f.key: i for i, f in enumerate(futures)}
        done_reps = 0.0
        for future in distributed.as_completed(futures, loop=client.loop):
            i = index[future.key]
            try:
                result = future.result()
            except distributed.KilledWorker as exc:
                raise _killed(exc) from None
            future.release()  # the cluster forgets it: memory holds what is kept here
            if on_result is not None:
                on_result(i, result)
            if keep:
                results[i] = result
            done_reps += len(tasks[i].replications)
            if on_progress is not None:
                on_progress(done_reps)
    except BaseException:
        # Ctrl-C, an error in a chunk, a callback's error: stop the rest now.
        with contextlib.suppress(Exception):
            client.cancel(futures, force=True)
        raise


def _killed(exc: BaseException) -> SkyscreenError:
    return InsufficientMemoryError(
        "a chunk's Dask workers died every time it ran, most likely out of memory "
        f"({exc}); run fewer replications per chunk, without events, or on workers "
        "with more memory"
    )


@contextlib.contextmanager
def _cluster(distributed: Any, n_workers: int) -> Iterator[str]:
    """A LocalCluster of ``n_workers`` single-threaded processes; its address.

    The one the command line started early (:func:`_early.start_local_cluster`), if it
    has enough workers, left running for the process's next run; otherwise a new one,
    closed on the way out.
    """
    address = _early.local_cluster_address(n_workers)
    if address is not None:
        yield address
        return
    cluster = _early.new_local_cluster(distributed, n_workers)
    try:
        yield str(cluster.scheduler_address)
    finally:
        with contextlib.suppress(Exception):
            cluster.close()


@contextlib.contextmanager
def _client(distributed: Any, address: str, *, own: bool) -> Iterator[Any]:
    """A client of the scheduler at ``address``, closed on the way out."""
    try:
        client = distributed.Client(
            address, timeout=CONNECT_TIMEOUT_S, set_as_default=False
        )
    except (OSError, TimeoutError) as exc:
        if own:
            raise SkyscreenError(
                f"could not connect to the local Dask cluster at {address} ({exc})"
            ) from exc
        raise SkyscreenError(
            f"could not reach the Dask scheduler at {address} within "
            f"{CONNECT_TIMEOUT_S:g} s ({type(exc).__name__}: {exc}); is it running, "
            "and is the address right (tcp://HOST:PORT)?"
        ) from exc
    except ValueError as exc:  # no such protocol, a malformed address
        raise SkyscreenError(
            f"not a Dask scheduler address: {address!r} ({exc}); expected "
            "tcp://HOST:PORT"
        ) from exc
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close()


def _warm_up_workers(distributed: Any, client: Any) -> None:
    """Have every worker of an existing cluster compile the kernels, once.

    A worker plugin imports :mod:`skyscreen.executors._preload` in each worker (now,
    and in workers that join later); importing it again costs nothing. Registering it
    waits until every current worker has done so.
    """

    class WarmUp(distributed.WorkerPlugin):  # type: ignore[misc]
        idempotent = True

        async def setup(self, worker: Any) -> None:
            # In a thread: the worker keeps answering the scheduler meanwhile.
            await asyncio.to_thread(importlib.import_module, _early.PRELOAD)

    try:
        client.register_plugin(WarmUp(), name=_PLUGIN_NAME)
        versions = client.run(_version)
    except Exception as exc:
        raise SkyscreenError(
            f"the Dask workers could not import skyscreen ({type(exc).__name__}: {exc});"
            " install the same skyscreen version on every worker"
        ) from exc
    other = {w: v for w, v in versions.items() if v != __version__}
    if other:
        listed = ", ".join(f"{w} has {v}" for w, v in sorted(other.items()))
        raise SkyscreenError(
            f"the Dask workers run another skyscreen version than this one "
            f"({__version__}): {listed}; install the same version everywhere"
        )


def _version() -> str:
    """The version of skyscreen installed here (run on each worker)."""
    return __version__


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Silence distributed's informational logging in this process."""
    logger = logging.getLogger("distributed")
    level = logger.level
    if logger.getEffectiveLevel() < logging.ERROR:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
