"""Start the local executor's fork server early (standard library only).

The command line imports the run layer (NumPy, pandas, pyarrow, numba and the engine:
seconds) before it starts the worker pool, whose fork server then imports the engine
and warms up its kernels (seconds more) before the first worker can fork. Started
first, the fork server does its share while the command line does its own: on two
cores the two overlap instead of following each other.
"""

from __future__ import annotations

import contextlib
import sys

__all__ = ["start_fork_server"]

_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")


def start_fork_server() -> None:
    """Start the fork server the local executor forks its workers from, if not running.

    Linux only (elsewhere the local executor spawns its workers); any failure is left
    for the executor to meet and report when it starts its pool.
    """
    if not sys.platform.startswith("linux"):
        return
    import multiprocessing as mp
    from multiprocessing import forkserver, spawn

    ctx = mp.get_context("forkserver")
    # The same preload as skyscreen.executors.local._context: the engine, warmed up.
    ctx.set_forkserver_preload(["skyscreen.executors._preload"])
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
