"""Local executor: chunks of replications on a pool of processes.

Workers are forked from a fork server that has already imported the engine, so starting
one costs milliseconds, and no worker inherits threads of the parent. Results come back
in task order whatever order the workers finish in; they do not depend on the number of
workers or the chunk size (the engine's seed contract).

The workers live no longer than the run that started them:

- The main process stops them at once when it stops early, whatever the reason
  (Ctrl-C, SIGTERM, an error): it terminates them mid-chunk instead of waiting for
  their chunks to finish. SIGINT is ignored in the workers (Ctrl-C reaches the whole
  process group; the main process alone decides).
- A worker's parent is the fork server, not the main process, so nothing tells it when
  the main process is killed outright (SIGKILL). Each worker watches a pipe whose write
  end only the main process holds; it reads end-of-file when the main process has gone,
  and the worker removes the main process's multiprocessing temporary directory and
  exits. The fork server and multiprocessing's resource tracker then exit by
  themselves: each waits for end-of-file on a pipe that the main process and the
  workers hold. The main process closes its end only after every worker has ended.
- The workers do not import the main module (the calling script) again, as
  multiprocessing does by default outside ``fork``: they run skyscreen's functions on
  skyscreen's objects and need nothing from it. A script that calls
  :func:`skyscreen.simulate` without an ``if __name__ == "__main__":`` guard therefore
  works (it would otherwise run again in every worker, which cannot start processes of
  its own, and the pool would die), and a script's own start-up cost is not paid again.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import spawn as mp_spawn
from multiprocessing import util as mp_util
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import numpy as np

from skyscreen._typing import IntArray
from skyscreen.engine import ChunkResult, run_chunk
from skyscreen.errors import SkyscreenError
from skyscreen.executors._early import short_socket_dir
from skyscreen.executors._memory import InsufficientMemoryError, is_out_of_memory
from skyscreen.scenario.compile import ScenarioParams

__all__ = [
    "ChunkTask",
    "Terminated",
    "available_cpus",
    "exit_on_sigterm",
    "run_tasks",
    "split",
]


@dataclass(frozen=True, slots=True, eq=False)
class ChunkTask:
    """One chunk: replication ids and the run's settings.

    ``point`` indexes the compiled scenarios passed with the tasks (a sweep runs
    several scenarios, a plain run one: point 0).
    """

    replications: IntArray
    seed: int
    events: bool
    record: int
    fidelity: str = "truth"
    point: int = 0


def available_cpus() -> int:
    """CPUs this process may run on: its affinity mask where there is one.

    ``taskset``, cgroup cpusets and batch schedulers restrict it below
    :func:`os.cpu_count`, the machine's count, used where there is no mask.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


# Fraction of its steps each task has done, shared with the parent (set per worker by
# the pool initializer); None in the parent and in-process runs.
_SHARED: Any = None
# The compiled scenarios of the run, sent once per worker by the pool initializer.
_PARAMS: Sequence[ScenarioParams] = ()


def _init_worker(
    progress: Any,
    lifeline: Connection,
    main_pid: int,
    tempdir: str | None,
    params: Sequence[ScenarioParams] = (),
) -> None:
    global _SHARED, _PARAMS
    _SHARED = progress
    _PARAMS = params
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_watch_main,
        args=(lifeline, main_pid, tempdir),
        name="skyscreen-lifeline",
        daemon=True,
    ).start()


def _watch_main(lifeline: Connection, main_pid: int, tempdir: str | None) -> None:
    """Exit this worker when the main process has gone (end-of-file on ``lifeline``)."""
    try:
        while os.read(lifeline.fileno(), 1):  # nothing is ever written
            pass
    except OSError:  # pragma: no cover - not a pipe after all: do not watch
        return
    # The kernel closes a dying process's files before it becomes a zombie: give it a
    # moment to be gone before touching its directory.
    deadline = time.monotonic() + 2.0
    while not (gone := _is_gone(main_pid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    if tempdir and gone:
        # Its exit handlers never ran: remove what they would have (the fork server's
        # socket lives there). Every worker tries; the first one wins.
        shutil.rmtree(tempdir, ignore_errors=True)
    os._exit(1)


def _is_gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie not yet reaped counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # the id is another user's process now
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def _run_in_worker(task: ChunkTask, slot: int) -> ChunkResult:
    return _run(_PARAMS[task.point], task, slot)


def _run(
    params: ScenarioParams,
    task: ChunkTask,
    slot: int = -1,
    on_step: Callable[[float], None] | None = None,
) -> ChunkResult:
    """Run one chunk task on ``params`` (in this process or a worker)."""
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
        fidelity=task.fidelity,
    )


def _context() -> mp.context.BaseContext:
    if sys.platform.startswith("linux"):
        short_socket_dir()  # the fork server's socket, whatever TMPDIR's length
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["skyscreen.executors._preload"])
        return ctx
    return mp.get_context("spawn")


# Processes started while this thread-local flag is set do not import the main module.
# multiprocessing reads what a child must import from spawn.get_preparation_data (looked
# up on the module at every start, by the forkserver and spawn starters alike); the
# wrapper drops the main module from it for skyscreen's workers only, and passes it
# through unchanged for every other process, whoever starts it.
_LAUNCHING = threading.local()
_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")


def _preparation_data(name: str) -> dict[str, Any]:
    data = _original_preparation_data(name)
    if getattr(_LAUNCHING, "workers", False):
        for key in _MAIN_KEYS:
            data.pop(key, None)
    return data


_original_preparation_data = mp_spawn.get_preparation_data


@contextlib.contextmanager
def _without_main_module() -> Iterator[None]:
    if mp_spawn.get_preparation_data is not _preparation_data:
        setattr(mp_spawn, "get_preparation_data", _preparation_data)  # noqa: B010
    _LAUNCHING.workers = True
    try:
        yield
    finally:
        _LAUNCHING.workers = False


def _temp_dir() -> str | None:
    """The temporary directory multiprocessing made for this process (made if need be)."""
    try:
        return str(mp_util.get_temp_dir())
    except OSError:  # pragma: no cover - no writable temporary directory
        return None


class Terminated(SystemExit):
    """SIGTERM arrived during a run: exit status 143 (128 + SIGTERM), as the signal's.

    Raised by the handler that :func:`exit_on_sigterm` installs, so that the workers
    are stopped and temporaries removed on the way out.
    """


@contextlib.contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (exit status 143).

    SIGTERM's default action ends the process on the spot, with no clean-up: no
    ``finally`` block, no exit handler. Only where SIGTERM has that default action, in
    the main thread; a handler already installed (by the application) is left alone.
    A second SIGTERM has the default action again.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except Terminated:
        print("terminated", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_tasks(
    params: ScenarioParams | Sequence[ScenarioParams],
    tasks: Sequence[ChunkTask],
    workers: int,
    on_progress: Callable[[float], None] | None = None,
    on_result: Callable[[int, ChunkResult], None] | None = None,
    keep: bool = True,
) -> list[ChunkResult]:
    """Run chunk tasks, in this process (``workers <= 1``) or on a process pool.

    Parameters
    ----------
    params : ScenarioParams or sequence of ScenarioParams
        The compiled scenario (derived tables included), or one per sweep point, which
        each task's ``point`` indexes. Sent to each worker once, when it starts.
    tasks : sequence of ChunkTask
    workers : int
        Processes; 1 runs in this process. At most :func:`available_cpus` and one per
        task are started.
    on_progress : callable, optional
        Called now and then with the replications done so far (fractional while chunks
        run: each chunk reports the share of its time steps it has stepped).
    on_result : callable, optional
        Called in this process as each task finishes, in the order they finish, with
        the task's index and result (a checkpoint writer saves it there).
    keep : bool
        Return the results; False returns an empty list (whoever passed ``on_result``
        keeps what it needs, and memory holds one chunk at a time).

    Returns
    -------
    list of ChunkResult
        In the order of ``tasks`` (empty unless ``keep``).

    Raises
    ------
    SkyscreenError
        If the worker processes could not start or died;
        :class:`~skyscreen.executors._memory.InsufficientMemoryError` if that was
        for want of memory, as far as can be told.
    """
    plist = [params] if isinstance(params, ScenarioParams) else list(params)
    results: list[ChunkResult | None] = [None] * len(tasks)
    sizes = [len(t.replications) for t in tasks]
    n = min(workers, len(tasks), available_cpus())

    def finished(i: int, result: ChunkResult) -> None:
        if on_result is not None:
            on_result(i, result)
        if keep:
            results[i] = result

    if n <= 1:
        done_reps = 0.0
        for i, task in enumerate(tasks):

            def step(
                fraction: float, base: float = done_reps, n: int = sizes[i]
            ) -> None:
                if on_progress:
                    on_progress(base + fraction * n)

            finished(i, _run(plist[task.point], task, on_step=step))
            done_reps += sizes[i]
            if on_progress:
                on_progress(done_reps)
        return [r for r in results if r is not None]
    ctx = _context()
    shared = ctx.Array("d", len(tasks), lock=False)
    # The lifeline: the workers hold the read end; the write end stays here alone.
    lifeline, lifeline_w = ctx.Pipe(duplex=False)
    pool = ProcessPoolExecutor(
        max_workers=n,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(shared, lifeline, os.getpid(), _temp_dir(), plist),
    )
    procs: dict[int, BaseProcess] = {}
    try:
        futures: dict[Future[ChunkResult], int] = {}
        try:
            with _without_main_module():
                for i, task in enumerate(tasks):
                    futures[pool.submit(_run_in_worker, task, i)] = i
        except (OSError, EOFError) as exc:
            raise _could_not_start(exc) from exc
        finally:
            procs.update(_workers_of(pool))
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for f in done:
                i = futures[f]
                finished(i, f.result())
                shared[i] = 1.0
            if on_progress:
                on_progress(sum(shared[i] * sizes[i] for i in range(len(tasks))))
    except BrokenProcessPool as exc:
        _stop(pool, procs.values())
        raise _died(procs.values(), exc) from None
    except BaseException:
        _stop(pool, procs.values())
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        # Every worker has ended by now: none can mistake this for the main's death.
        lifeline_w.close()
        lifeline.close()
    return [r for r in results if r is not None]


def _workers_of(pool: ProcessPoolExecutor) -> dict[int, BaseProcess]:
    # The pool keeps its processes by pid until it shuts down (no public accessor
    # before Python 3.14's terminate_workers); copied for stopping them ourselves.
    procs = getattr(pool, "_processes", None)
    for _ in range(3):
        try:
            return dict(procs or {})
        except RuntimeError:  # pragma: no cover - changed size while copied
            continue
    return {}  # pragma: no cover


def _stop(pool: ProcessPoolExecutor, procs: Iterable[BaseProcess]) -> None:
    """Stop now: cancel the chunks not started and end the workers mid-chunk.

    Waiting for the running chunks instead (what leaving the pool's ``with`` block
    does) took minutes on a large run after Ctrl-C.
    """
    procs = list(procs)
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(OSError, ValueError):
            p.terminate()
    deadline = time.monotonic() + 5.0
    for p in procs:
        with contextlib.suppress(OSError, ValueError):
            p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        with contextlib.suppress(OSError, ValueError):
            if p.is_alive():
                p.kill()
                p.join(5.0)
    # The pool's thread winds down once its workers are gone; waiting for it here
    # keeps it from closing its wake-up pipe while the interpreter's exit handler
    # writes to it ("OSError: Bad file descriptor" at exit, Python 3.11).
    if isinstance(manager, threading.Thread):
        manager.join(5.0)


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _died(procs: Iterable[BaseProcess], exc: BaseException) -> SkyscreenError:
    codes = sorted(
        {p.exitcode for p in procs if p.exitcode is not None and p.exitcode != 0}
    )
    if -int(getattr(signal, "SIGKILL", 9)) in codes:
        return InsufficientMemoryError(
            "a worker process was killed by SIGKILL before finishing, most likely by "
            "the kernel's out-of-memory killer (the pool: "
            f"{exc}); run fewer replications at a time, without events, or with "
            "fewer workers"
        )
    how = ", ".join(_describe_exit(c) for c in codes) or "no exit status"
    return SkyscreenError(
        f"worker processes died before finishing ({how}; the pool: {exc}); out of "
        "memory, or killed; run with workers=1 to see the error in this process"
    )


def _could_not_start(exc: BaseException) -> SkyscreenError:
    message = f"could not start the worker processes ({type(exc).__name__}: {exc})"
    if is_out_of_memory(exc):
        return InsufficientMemoryError(
            f"{message}: out of memory; run with workers=1, or with more memory"
        )
    return SkyscreenError(f"{message}; run with workers=1 to run in this process")


def split(replications: IntArray, chunk_size: int) -> list[IntArray]:
    """Consecutive chunks of at most ``chunk_size`` replication ids."""
    reps = np.asarray(replications, dtype=np.int64)
    return [reps[i : i + chunk_size] for i in range(0, len(reps), chunk_size)]
