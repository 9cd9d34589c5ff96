"""Directories that appear complete or not at all.

Shared, through :mod:`skyscreen._outdir`, by the run directory
(:mod:`skyscreen.io.rundir`) and the decision-instance export
(:mod:`skyscreen.decisions`); the command line writes ``wta --out`` files through
:func:`atomic_file`.

A directory is written into a hidden temporary sibling, ``.NAME.tmp-HOST-PID-START-R``
(the writer's host, process id and process start time, and a random part), that holds
a file :data:`INCOMPLETE` naming its writer until it is complete; then it is renamed
into place in one step. A writer killed outright (SIGKILL, power loss) leaves its
temporary behind: the next write into the same parent removes every temporary whose
writer is dead (its process is gone, or its PID now belongs to a process started at
another time), and never one whose writer is alive or cannot be checked (another
host, a process hidden from this one).

The final rename never replaces a directory silently: on Linux it is
``renameat2(RENAME_NOREPLACE)`` for a new target and ``renameat2(RENAME_EXCHANGE)`` to
swap out an existing one (so the target is never missing, even for an instant);
elsewhere, a plain rename checked under an exclusive lock on the parent directory,
which every skyscreen writer takes for its final step.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "INCOMPLETE",
    "WriterRecord",
    "atomic_directory",
    "atomic_file",
    "ignore_file_size_signal",
    "read_writer_record",
    "remove_stale_temporaries",
    "temporary_path",
]

INCOMPLETE = "incomplete"
"""File in a directory being written: JSON naming the writer (see WriterRecord)."""

_TEMPORARY = re.compile(
    r"^\..+\.(?:tmp|old)-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-(?P<start>[0-9]+)"
    r"-[0-9a-f]{8}$"
)
"""Name of a temporary: ``.NAME.{tmp,old}-HOST-PID-START-RANDOM``."""
_MAX_PREFIX_BYTES = 160
"""A target name longer than this is shortened in its temporaries' names."""

# --------------------------------------------------------------------------- writers


def _hostname() -> str:
    return socket.gethostname()


def _host_tag(host: str) -> str:
    return hashlib.sha256(host.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _linux_start(pid: int) -> str | None:
    """Start time of a process (clock ticks since boot, /proc/PID/stat field 22)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    # Field 2, the command name in parentheses, may hold spaces and parentheses.
    fields = stat[stat.rfind(b")") + 2 :].split()
    try:
        return str(int(fields[19]))  # field 22; the fields after ")" start at 3
    except (IndexError, ValueError):
        return None


_HAS_PROC = _linux_start(os.getpid()) is not None


def _psutil_start(pid: int) -> str | None:
    try:
        import psutil  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        return None
    try:
        return str(round(psutil.Process(pid).create_time() * 100))
    except Exception:  # noqa: BLE001 (NoSuchProcess, AccessDenied, ...)
        return None


def _start_of(pid: int) -> str | None:
    """A process's start time as a string of digits, or None if unknown."""
    return _linux_start(pid) if _HAS_PROC else _psutil_start(pid)


def _exists(pid: int) -> bool | None:
    """Whether a process exists: True, False, or None if this cannot be told."""
    if os.name != "posix":  # os.kill would terminate it on Windows
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    except OSError:
        return None
    return True


def _alive(pid: int, start: str) -> bool | None:
    """Whether process ``pid`` started at ``start`` still runs (None: cannot tell).

    ``start`` ``"0"`` means the writer could not read its own start time: then only
    the PID can be checked, and a PID in use counts as alive.
    """
    if pid <= 0:
        return None
    now = _start_of(pid)
    if now is not None:
        return start in ("0", now)
    exists = _exists(pid)
    if exists is False:
        return False
    if exists and start == "0":
        return True
    return None  # gone from /proc but signalable (hidden), or no way to check


_OWN_START = _start_of(os.getpid()) or "0"


class WriterRecord:
    """Who is writing a directory: what :data:`INCOMPLETE` holds.

    Attributes
    ----------
    pid : int
        The writer's process id.
    start : str
        Its process start time (digits; ``"0"`` if unknown).
    host : str
        The host it runs on.
    started_at : str
        When it began writing (local time, ISO 8601).
    """

    __slots__ = ("host", "pid", "start", "started_at")

    def __init__(self, pid: int, start: str, host: str, started_at: str) -> None:
        self.pid = pid
        self.start = start
        self.host = host
        self.started_at = started_at

    @classmethod
    def current(cls) -> WriterRecord:
        """The record of this process, writing now."""
        started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        return cls(os.getpid(), _start_of(os.getpid()) or "0", _hostname(), started_at)

    def to_json(self) -> str:
        data = {
            "writer_pid": self.pid,
            "writer_start": self.start,
            "host": self.host,
            "started_at": self.started_at,
        }
        return json.dumps(data) + "\n"

    def is_current(self) -> bool:
        """Whether this record names this very process."""
        return (
            self.pid == os.getpid()
            and self.start == (_OWN_START or "0")
            and self.host == _hostname()
        )

    def alive(self) -> bool | None:
        """Whether the writer still runs: True, False, or None if it cannot be told."""
        if self.host != _hostname():
            return None
        return _alive(self.pid, self.start)

    def describe(self) -> str:
        """E.g. ``writer PID 123 started 2026-03-01T14:25:01+0100; died``."""
        alive = self.alive()
        if alive is None and self.host != _hostname():
            state = f"on host {self.host}, which skyscreen cannot check"
        else:
            state = {True: "still running", False: "died", None: "cannot be checked"}[
                alive
            ]
        return f"writer PID {self.pid} started {self.started_at}; {state}"


def read_writer_record(path: Path) -> WriterRecord | None:
    """The :data:`INCOMPLETE` record at ``path``, or None if it is not a valid one."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 10_000:
            return None
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid, start = data.get("writer_pid"), data.get("writer_start")
    host, started_at = data.get("host"), data.get("started_at")
    if not (
        isinstance(pid, int)
        and not isinstance(pid, bool)
        and isinstance(start, str)
        and start.isdigit()
        and isinstance(host, str)
        and isinstance(started_at, str)
    ):
        return None
    return WriterRecord(pid, start, host, started_at)


# ------------------------------------------------------------------------ temporaries


def temporary_path(
    out: Path, what: str = "tmp", pid: int | None = None, start: str | None = None
) -> Path:
    """A new temporary's path beside ``out``: ``.NAME.WHAT-HOST-PID-START-RANDOM``.

    Parameters
    ----------
    out : Path
        The target it stands in for.
    what : str
        ``tmp`` (being written) or ``old`` (a replaced target, about to be deleted).
    pid, start : optional
        The writer; default this process (tests name other writers' temporaries).
    """
    if what not in ("tmp", "old"):
        raise ValueError(f"what must be 'tmp' or 'old'; got {what!r}")
    if pid is None:
        pid, start = os.getpid(), _OWN_START
    suffix = (
        f"{what}-{_host_tag(_hostname())}-{pid}-{start or '0'}-{uuid.uuid4().hex[:8]}"
    )
    name = out.name
    while len(os.fsencode(name)) > _MAX_PREFIX_BYTES:
        name = name[: len(name) // 2]
    return out.parent / f".{name}.{suffix}"


def _stale(name: str) -> bool:
    """Whether ``name`` is a temporary of a writer on this host that is dead."""
    match = _TEMPORARY.match(name)
    if match is None or match["host"] != _host_tag(_hostname()):
        return False
    return _alive(int(match["pid"]), match["start"]) is False


def remove_stale_temporaries(parent: Path) -> list[Path]:
    """Remove the temporaries in ``parent`` whose writers are dead; return them.

    A temporary is recognised by its name alone (see :func:`temporary_path`); one of a
    live writer, of another host, or whose writer cannot be checked is kept. Errors
    (a temporary removed meanwhile, one that cannot be removed) are ignored.
    """
    removed = []
    try:
        with os.scandir(parent) as it:
            stale = [e for e in it if e.name.startswith(".") and _stale(e.name)]
    except OSError:
        return []
    for entry in stale:
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


# --------------------------------------------------------------------------- signals


@contextmanager
def ignore_file_size_signal() -> Iterator[None]:
    """Ignore SIGXFSZ meanwhile, so a write past ``ulimit -f`` raises OSError(EFBIG).

    By default the kernel kills a process that writes past its file size limit before
    it can clean up. Signals can be set only in the main thread; elsewhere this does
    nothing.
    """
    sig = getattr(signal, "SIGXFSZ", None)
    if sig is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(sig, signal.SIG_IGN)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(sig, previous)


# --------------------------------------------------------------------------- renames

_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2() -> Any:
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _load_renameat2()


def _rename_flags(src: Path, dst: Path, flags: int) -> bool:
    """renameat2 with ``flags``; False if the system or filesystem lacks it."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags):
        code = ctypes.get_errno()
        if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
            return False
        raise OSError(code, os.strerror(code), str(src), None, str(dst))
    return True


def _lexists(path: Path) -> bool:
    return os.path.lexists(path)


def _rename_new(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; FileExistsError if ``dst`` exists (even empty)."""
    if _rename_flags(src, dst, _RENAME_NOREPLACE):
        return
    if _lexists(dst):  # under the parent's lock: no skyscreen writer races this
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


def _swap_in(src: Path, dst: Path) -> None:
    """Put ``src`` where the existing ``dst`` is, and delete the old ``dst``."""
    if _rename_flags(src, dst, _RENAME_EXCHANGE):
        shutil.rmtree(src, ignore_errors=True)  # src now holds the old dst
        return
    trash = temporary_path(dst, "old")
    os.rename(dst, trash)
    try:
        _rename_new(src, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            os.rename(trash, dst)
        raise
    shutil.rmtree(trash, ignore_errors=True)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (flock on it; nothing if unsupported)."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):  # e.g. some network filesystems
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _sync(path: Path) -> None:
    """Sync a file or directory to disk (where the filesystem supports it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _sync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if not os.path.islink(os.path.join(dirpath, name)):
                _sync(Path(dirpath, name))
        _sync(Path(dirpath))


# --------------------------------------------------------------------------- writers


def _missing_ancestors(directory: Path) -> list[Path]:
    """``directory`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for p in [directory, *directory.parents]:
        if _lexists(p):
            break
        missing.append(p)
    return missing


@contextmanager
def atomic_directory(
    out: Path, check: Callable[[], object] | None = None
) -> Iterator[Path]:
    """Yield a new temporary directory beside ``out`` that replaces ``out`` on success.

    The caller writes into the yielded directory, which holds :data:`INCOMPLETE` until
    the block ends. When the block ends normally, every file is synced to disk,
    :data:`INCOMPLETE` is removed and the directory is renamed to ``out`` (an existing
    ``out`` is swapped out, then deleted); when the block raises, or is interrupted,
    the temporary directory (and any parent directory made for it) is removed and
    ``out`` is left as it was. Temporaries of dead writers in the same parent are
    removed first. SIGXFSZ is ignored meanwhile (in the main thread), so that a write
    past the file size limit raises OSError(EFBIG) instead of killing the process.

    Parameters
    ----------
    out : Path
        The directory to create or replace.
    check : callable, optional
        Called with no arguments, under the parent's lock, when ``out`` exists at the
        final step; it raises to leave ``out`` as it is (the temporary directory is
        then removed). Deciding whether ``out`` may be replaced is the caller's job
        (:func:`skyscreen._outdir.check_out_dir`); this call repeats that decision
        after the writing, in case ``out`` changed meanwhile (or another writer
        created it). Without ``check`` an existing ``out`` is replaced.

    Raises
    ------
    FileExistsError
        If ``check`` lets an existing ``out`` be replaced but another process put a
        directory at ``out`` during the final step itself (which takes no lock).
    """
    out = Path(out)
    parent = out.parent
    made = _missing_ancestors(parent)
    with ignore_file_size_signal():
        try:
            parent.mkdir(parents=True, exist_ok=True)
            with _locked(parent):
                remove_stale_temporaries(parent)
            tmp = temporary_path(out)
            tmp.mkdir()
        except BaseException:
            _remove_empty(made)
            raise
        try:
            (tmp / INCOMPLETE).write_text(
                WriterRecord.current().to_json(), encoding="utf-8"
            )
            yield tmp
            (tmp / INCOMPLETE).unlink()
            _sync_tree(tmp)
            with _locked(parent):
                if _lexists(out):
                    if check is not None:
                        check()
                    _swap_in(tmp, out)
                else:
                    try:
                        _rename_new(tmp, out)
                    except FileExistsError:  # created meanwhile by a non-skyscreen
                        if check is not None:
                            check()
                        _swap_in(tmp, out)
            _sync(parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            _remove_empty(made)
            raise


def _remove_empty(directories: list[Path]) -> None:
    """Remove directories made for a write that failed, if they are still empty."""
    for d in directories:
        try:
            d.rmdir()
        except OSError:
            return


@contextmanager
def atomic_file(out: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``out`` that replaces ``out`` on success.

    Like :func:`atomic_directory` for one file: written under a temporary name (the
    writer's PID and start time in it, removed by the next write if the writer dies),
    synced and renamed over ``out`` (replacing a file there) when the block ends; on an
    error the temporary is removed and ``out`` is left as it was.
    """
    out = Path(out)
    parent = out.parent
    made = _missing_ancestors(parent)
    with ignore_file_size_signal():
        tmp = temporary_path(out)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            with _locked(parent):
                remove_stale_temporaries(parent)
            yield tmp
            _sync(tmp)
            os.replace(tmp, out)
            _sync(parent)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            _remove_empty(made)
            raise
