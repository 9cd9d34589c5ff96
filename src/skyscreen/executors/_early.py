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

__all__ = ["short_socket_dir", "start_fork_server"]

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


def start_fork_server() -> None:
    """Start the fork server the local executor forks its workers from, if not running.

    Linux only (elsewhere the local executor spawns its workers); any failure is left
    for the executor to meet and report when it starts its pool.
    """
    if not sys.platform.startswith("linux"):
        return
    import multiprocessing as mp
    from multiprocessing import forkserver, spawn

    short_socket_dir()
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
