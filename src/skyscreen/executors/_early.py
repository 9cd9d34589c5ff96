"""Start the executors' workers early (imports only the standard library at first).

The command line imports the run layer (NumPy, pandas, pyarrow, numba and the engine:
seconds) before it starts the worker pool, whose fork server then imports the engine
and warms up its kernels (seconds more) before the first worker can fork. Started
first, the fork server does its share while the command line does its own: on two
cores the two overlap instead of following each other.

The Dask executor's LocalCluster (:func:`start_local_cluster`) starts the same way: its
fork server (which imports Dask's ``distributed`` too) at once, and the cluster itself
(scheduler, nannies, worker processes forked from that server) in a background thread
while the command line imports the run layer and compiles the scenarios. The runs of
the process then use it (:func:`local_cluster_address`), and it is closed when the
process exits.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = [
    "DASK_PRELOAD",
    "PRELOAD",
    "QUIET_CLUSTER",
    "local_cluster_address",
    "new_local_cluster",
    "short_socket_dir",
    "start_fork_server",
    "start_local_cluster",
]

PRELOAD = "skyscreen.executors._preload"
"""What the fork server imports before it forks a worker: the engine, warmed up."""
DASK_PRELOAD = (PRELOAD, "distributed")
"""The fork server's preload when the Dask executor starts it: Dask's workers import
``distributed``, half a second per worker otherwise (the local workers fork from the
same server and do not mind)."""

_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")
_SOCKET_PATH_MAX = 107
"""Longest path of a Unix socket on Linux (``sun_path`` holds 108 bytes with the NUL)."""
_LISTENER_NAME = 24
"""Room for the fork server's socket name in multiprocessing's temporary directory."""


def short_socket_dir() -> None:
    """Give multiprocessing a temporary directory short enough for its sockets.

    The fork server listens on a Unix socket in multiprocessing's temporary directory
    (``pymp-*`` in ``TMPDIR``); with a long ``TMPDIR`` (a deep build or test folder)
    the path exceeds what a Unix socket allows and the workers cannot start ("AF_UNIX
    path too long"). Then the directory is made in ``/tmp`` instead (removed at exit,
    as multiprocessing's own is). Nothing changes when ``TMPDIR`` is short enough.
    """
    import os
    import shutil
    import tempfile
    from multiprocessing import process, util

    config = process.current_process()._config  # type: ignore[attr-defined]
    current = config.get("tempdir")
    base = current if current is not None else tempfile.gettempdir()
    longest = len(os.fsencode(base)) + (0 if current else len("/pymp-XXXXXXXX"))
    if longest + _LISTENER_NAME <= _SOCKET_PATH_MAX or not os.path.isdir("/tmp"):
        return
    short = tempfile.mkdtemp(prefix="pymp-", dir="/tmp")
    util.Finalize(None, shutil.rmtree, args=(short, True), exitpriority=-100)
    config["tempdir"] = short


def start_fork_server(preload: Sequence[str] = (PRELOAD,)) -> None:
    """Start the fork server the local executor forks its workers from, if not running.

    Linux only (elsewhere the local executor spawns its workers); any failure is left
    for the executor to meet and report when it starts its pool. ``preload``: the
    modules the server imports (the engine, warmed up; the Dask executor adds
    ``distributed``); a server already running keeps its own.
    """
    if not sys.platform.startswith("linux"):
        return
    import multiprocessing as mp
    from multiprocessing import forkserver, spawn

    short_socket_dir()
    ctx = mp.get_context("forkserver")
    # The same preload as skyscreen.executors.local._context: the engine, warmed up.
    ctx.set_forkserver_preload(list(preload))
    original = spawn.get_preparation_data

    def without_main(name: str) -> dict[str, object]:
        data: dict[str, object] = original(name)
        for key in _MAIN_KEYS:  # the server does not import the main script
            data.pop(key, None)
        return data

    spawn.get_preparation_data = without_main
    try:
        with contextlib.suppress(Exception):
            forkserver.ensure_running()
    finally:
        spawn.get_preparation_data = original


# -- Dask: a LocalCluster started early, for the runs of this process ------------------


QUIET_CLUSTER = {
    # No statistical profiler: it samples every worker's threads every 10 ms, for a
    # dashboard that this cluster does not serve.
    "distributed.worker.profile.enabled": False,
    # Event-loop health checks (warnings of an unresponsive loop) once a second, not
    # every 20 ms, in the scheduler, the nannies and every worker.
    "distributed.admin.tick.interval": "1s",
    # CPU, memory and network samples for the dashboard every 5 s, not every 0.5 s.
    # (The workers' memory limits keep their own 0.1 s monitor.)
    "distributed.admin.system-monitor.interval": "5s",
}
"""Settings of the LocalClusters skyscreen starts: an idle 2-worker cluster took 0.14
of a core with Dask's defaults, 0.03 with these (its nannies and workers receive them
with the rest of the configuration)."""


def new_local_cluster(distributed: Any, n_workers: int) -> Any:
    """A LocalCluster of ``n_workers`` single-threaded processes (up when returned).

    Bound to 127.0.0.1, no dashboard, with :data:`QUIET_CLUSTER`. On Linux its nannies fork the workers from the
    fork server (started here with :data:`DASK_PRELOAD` if it is not running), which
    has imported the engine, compiled its kernels and imported ``distributed``: a
    worker starts in a fraction of a second instead of importing and compiling all
    that itself.
    """
    import dask

    with _dask_fork_server(), dask.config.set(QUIET_CLUSTER):
        return distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # The scheduler serves HTTP (health, metrics) even without a dashboard: on
            # this machine only, on a free port (8787 by default, warning when taken).
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.CRITICAL,  # not the heartbeats failing at close
            # Each worker compiles (or loads from numba's cache) every kernel before it
            # joins the cluster, not on its first chunk (nothing to do when forked from
            # the fork server, which has).
            preload=[PRELOAD],
        )


@contextlib.contextmanager
def _dask_fork_server() -> Iterator[None]:
    """Within the block, Dask's nannies fork their workers from skyscreen's fork server.

    Dask starts its workers with ``spawn`` by default: each imports skyscreen and
    compiles (or loads) the kernels itself, seconds of CPU per worker, all at the same
    time. Linux only (as the local executor's fork server); elsewhere Dask's default
    stands.
    """
    if not sys.platform.startswith("linux"):
        yield
        return
    import dask

    start_fork_server(DASK_PRELOAD)
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        yield


class _EarlyCluster:
    """A LocalCluster being started in a background thread; closed at exit."""

    def __init__(self, distributed: Any, n_workers: int) -> None:
        self.n_workers = n_workers
        self.cluster: Any = None
        self._distributed = distributed
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._start, name="skyscreen-dask-cluster", daemon=True
        )

    def start(self) -> None:
        atexit.register(self.close)  # before distributed's own atexit clean-up
        self._thread.start()

    def _start(self) -> None:
        # Any failure leaves cluster None: the run then starts a cluster of its own,
        # and meets (and reports) the same failure there.
        with contextlib.suppress(Exception):
            cluster = new_local_cluster(self._distributed, self.n_workers)
            with self._lock:
                if self._closed:  # the process is exiting: nobody will use it
                    with contextlib.suppress(Exception):
                        cluster.close()
                else:
                    self.cluster = cluster

    def address(self, n_workers: int) -> str | None:
        """The scheduler's address, once the cluster is up, if it has ``n_workers``.

        None if its start failed, it has fewer workers, or it is no longer running.
        """
        if n_workers > self.n_workers:
            return None
        self._thread.join()
        cluster = self.cluster
        if cluster is None or getattr(cluster.status, "name", "") != "running":
            return None
        return str(cluster.scheduler_address)

    def close(self) -> None:
        self._thread.join(_CLOSE_WAIT_S)
        with self._lock:
            self._closed = True
            cluster, self.cluster = self.cluster, None
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


_CLOSE_WAIT_S = 60.0
"""At exit, how long to wait for a cluster still starting before giving up on it."""

_EARLY: _EarlyCluster | None = None


def start_local_cluster(workers: int | None) -> None:
    """Start this process's Dask LocalCluster now, in the background (the command line).

    ``workers``: its worker processes (default, and at most: the CPUs this process may
    use). The fork server starts at once; ``distributed`` is imported here (in this
    thread: importing in two threads at once can deadlock); the scheduler and the
    workers start in a background thread while the caller goes on. The Dask runs of
    this process use the cluster (:func:`local_cluster_address`) and it is closed when
    the process exits. Nothing happens if Dask is not installed (the run reports it),
    if one was started already, or off Linux (the run starts its own cluster).
    """
    global _EARLY
    if _EARLY is not None or not sys.platform.startswith("linux"):
        return
    start_fork_server(DASK_PRELOAD)  # first: it warms up while the rest goes on
    try:
        distributed = importlib.import_module("distributed")
        # What the nannies import when they start their workers, imported here for
        # the same reason as distributed.
        for name in ("multiprocessing.queues", "multiprocessing.popen_forkserver"):
            importlib.import_module(name)
    except ImportError:
        return
    cpus = _available_cpus()
    n = cpus if workers is None else max(1, min(workers, cpus))
    _EARLY = _EarlyCluster(distributed, n)
    _EARLY.start()


def local_cluster_address(n_workers: int) -> str | None:
    """The address of the cluster :func:`start_local_cluster` started, if usable.

    Waits for it to be up. None when none was started, its start failed, or it has
    fewer than ``n_workers`` workers: the run then starts a cluster of its own.
    """
    early = _EARLY
    return None if early is None else early.address(n_workers)


def _available_cpus() -> int:
    # As skyscreen.executors.local.available_cpus (which imports NumPy and the engine).
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
