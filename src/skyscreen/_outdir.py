"""Output directories: what skyscreen may write to, and what it may replace.

Every directory skyscreen writes (a run directory, a decision-instance export, a
sweep) carries a marker file, ``.skyscreen``, holding ``{"kind": ..., "skyscreen_version":
...}``. ``overwrite`` replaces only a directory skyscreen recognises as its own and
that holds nothing else: one with a valid marker and only the files of its kind, or,
written before the marker existed, a run directory (run.json with ``schema_version``
and ``files``) or a decision export (index.csv with skyscreen's header) holding only
their files. An empty directory may always be written to; the current working
directory, its ancestors, the home directory and the filesystem root never. A
directory still marked incomplete (:data:`skyscreen._atomic.INCOMPLETE`) is
skyscreen's if its writer is dead, and never replaced while its writer may still be
running.

:func:`check_out_dir` also checks, before anything runs, that the directory can be
written: no parent is a file, and the nearest existing parent takes a probe (a
temporary directory and file, removed at once). A write that fails all the same (a
full disk, the file size limit) is reported as :class:`RunDirectoryError` naming the
directory; nothing is left of it, and a directory it would have replaced is kept.

The run directory (:mod:`skyscreen.io.rundir`) and the decision export
(:mod:`skyscreen.decisions`) both write through this one module, and the recognition of
every kind lives here. A run directory's files come from :mod:`skyscreen.schema`,
including the tables of earlier schema versions (``tracks.parquet``), so that a run
written by an older skyscreen is still recognised as skyscreen's.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skyscreen._atomic import (
    INCOMPLETE,
    atomic_directory,
    ignore_file_size_signal,
    read_writer_record,
    temporary_path,
)
from skyscreen._version import __version__
from skyscreen.errors import RunDirectoryError
from skyscreen.schema import RETIRED_TABLES, TABLES

__all__ = [
    "DECISIONS_INDEX_HEADER",
    "KINDS",
    "MARKER",
    "check_out_dir",
    "check_writable",
    "output_directory",
    "own_study",
    "replace_refusal",
]

MARKER = ".skyscreen"
"""Name of the marker file in every directory skyscreen writes."""
KINDS = ("run", "decisions", "sweep")
"""Kinds of directory skyscreen writes, as the marker's ``kind`` names them."""
DECISIONS_INDEX_HEADER = ("file", "t_s", "weapons", "drones")
"""First row of a decision export's index.csv."""
_MAX_LISTED = 5
"""Names listed in a refusal before "and N more"."""
_MAX_META_BYTES = 50_000_000
"""run.json or index.csv larger than this is not read (and not recognised)."""


# --------------------------------------------------------------------------- messages


def _error(text: str) -> RunDirectoryError:
    """The error with ``text``, its ``{overwrite}`` said as Python and as the CLI."""
    return RunDirectoryError(
        text.replace("{overwrite}", "overwrite=True"),
        cli_message=text.replace("{overwrite}", "--overwrite"),
    )


_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EFBIG: "a file would pass the file size limit, ulimit -f or the filesystem's",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only filesystem",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}


def _reason(exc: OSError) -> str:
    """Why a write failed, in words."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return exc.strerror or str(exc) or type(exc).__name__


# --------------------------------------------------------------------------- layouts


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    with os.scandir(directory) as it:
        return sorted(it, key=lambda e: e.name)


def _label(entry: os.DirEntry[str]) -> str:
    """The entry's name, with a slash if it is a directory (not following links)."""
    return entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name


def _listing(labels: list[str]) -> str:
    shown = ", ".join(labels[:_MAX_LISTED])
    more = len(labels) - _MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _plain_file(entry: os.DirEntry[str]) -> bool:
    return entry.is_file(follow_symlinks=False)


def _read_small(path: Path) -> str | None:
    """Text of a regular file that is not too big to be skyscreen's, else None."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if path.stat().st_size > _MAX_META_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _json_object(path: Path) -> dict[str, Any] | None:
    text = _read_small(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _index_files(directory: Path) -> set[str] | None:
    """Files an index.csv in skyscreen's format lists, or None if it is not one."""
    text = _read_small(directory / "index.csv")
    if text is None:
        return None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error:
        return None
    if not rows or tuple(rows[0]) != DECISIONS_INDEX_HEADER:
        return None
    return {row[0] for row in rows[1:] if row}


_STUDY_FILES = frozenset({"plan.json", "chunks"})
"""What a resumable run or sweep holds while it is written (skyscreen.io.checkpoint)."""

_RUN_FILES = frozenset(
    {
        "run.json",
        *(t.file for t in TABLES.values()),
        *(f"{name}.parquet" for name in RETIRED_TABLES),
    }
)
"""Files a run directory of this or an earlier schema version holds."""


def _run_extras(directory: Path, entries: list[os.DirEntry[str]]) -> list[str]:
    """Entries of a run directory that a run does not write."""
    return [
        _label(e)
        for e in entries
        if not ((_plain_file(e) and e.name in _RUN_FILES) or _study_entry(directory, e))
    ]


def _study_entry(directory: Path, e: os.DirEntry[str]) -> bool:
    """Whether ``e`` is a resumable study's plan or chunk folder (while incomplete)."""
    if not (directory / INCOMPLETE).is_file() or e.name not in _STUDY_FILES:
        return False
    return _plain_file(e) if e.name == "plan.json" else e.is_dir(follow_symlinks=False)


def _decisions_extras(directory: Path, entries: list[os.DirEntry[str]]) -> list[str]:
    """Entries of a decision export other than index.csv and the files it lists."""
    listed = _index_files(directory) or set()
    return [
        _label(e)
        for e in entries
        if not (
            _plain_file(e)
            and (
                e.name == "index.csv" or (e.name.endswith(".txt") and e.name in listed)
            )
        )
    ]


_SWEEP_FILES = frozenset({"sweep.json"})


def _sweep_extras(directory: Path, entries: list[os.DirEntry[str]]) -> list[str]:
    """Entries of a sweep other than its own files and replaceable directories.

    A sweep, comparison or sensitivity study (skyscreen.studies) writes a JSON
    record, Parquet and CSV tables, PNG figures and, while incomplete, its plan and
    chunks.
    """
    extras = []
    for e in entries:
        if _plain_file(e) and (
            e.name in _SWEEP_FILES
            or e.name.endswith((".json", ".parquet", ".csv", ".png"))
        ):
            continue
        if _study_entry(directory, e):
            continue
        if e.is_dir(follow_symlinks=False) and (replace_refusal(Path(e.path)) is None):
            continue
        extras.append(_label(e))
    return extras


_LAYOUTS: dict[str, Callable[[Path, list[os.DirEntry[str]]], list[str]]] = {
    "run": _run_extras,
    "decisions": _decisions_extras,
    "sweep": _sweep_extras,
}
"""Per kind: the entries of a directory of that kind that skyscreen did not write."""


def _old_run(directory: Path) -> bool:
    """A run directory written before the marker: run.json as write_run_dir writes it.

    Its ``files`` is a list of names before the checksums, a mapping from each name to
    its rows and checksum since.
    """
    meta = _json_object(directory / "run.json")
    return (
        meta is not None
        and isinstance(meta.get("schema_version"), int)
        and isinstance(meta.get("files"), list | dict)
    )


def _old_decisions(directory: Path) -> bool:
    """A decision export written before the marker: index.csv with its header."""
    return _index_files(directory) is not None


_UNMARKED: dict[str, Callable[[Path], bool]] = {
    "run": _old_run,
    "decisions": _old_decisions,
}
"""Per kind written before the marker existed: whether a directory is one."""


def _kind(directory: Path) -> tuple[str | None, bool]:
    """The kind of skyscreen directory this is, and whether its marker says so."""
    marker = _json_object(directory / MARKER)
    if marker is not None and marker.get("kind") in KINDS:
        return str(marker["kind"]), True
    for kind, looks_like in _UNMARKED.items():
        if looks_like(directory):
            return kind, False
    return None, False


# --------------------------------------------------------------------------- checks

_OWN_STUDIES: set[str] = set()
"""Resumable studies this process is writing (:func:`own_study`)."""


@contextmanager
def own_study(directory: Path) -> Iterator[None]:
    """Within the block, this process's incomplete ``directory`` may be replaced.

    A resumable study (:mod:`skyscreen.io.checkpoint`) works in its output directory,
    marked incomplete by this very process, then replaces it with its results; any
    other directory marked incomplete by a live writer is never replaced.
    """
    key = os.path.realpath(directory)
    _OWN_STUDIES.add(key)
    try:
        yield
    finally:
        _OWN_STUDIES.discard(key)


def _is_own_study(directory: Path) -> bool:
    return os.path.realpath(directory) in _OWN_STUDIES


def replace_refusal(directory: Path) -> str | None:
    """Why skyscreen may not replace an existing directory, or None if it may.

    It may replace an empty directory, and a directory it wrote itself (its marker, or
    for older ones its run.json or index.csv, says which kind) holding only the files
    that kind writes. Anything else, above all any file a user put there, is a reason
    to refuse; the reason names the entries that are not skyscreen's.

    Parameters
    ----------
    directory : Path
        An existing directory (not a symbolic link).

    Returns
    -------
    str or None
        A phrase to follow "refusing to overwrite", e.g. ``a directory skyscreen did
        not write (contains thesis.txt, sub/)``; None if it may be replaced.
    """
    try:
        entries = _entries(directory)
    except OSError as exc:
        return f"a directory skyscreen cannot list ({exc.strerror or exc})"
    incomplete = [e for e in entries if e.name == INCOMPLETE and _plain_file(e)]
    record = read_writer_record(directory / INCOMPLETE) if incomplete else None
    if record is not None and record.is_current() and _is_own_study(directory):
        # This process's own resumable study (skyscreen.io.checkpoint), replaced by
        # its final results.
        entries = [e for e in entries if e.name != INCOMPLETE]
    elif record is not None:
        alive = record.alive()
        if alive:
            return f"a directory skyscreen is still writing ({record.describe()})"
        if alive is None:
            return (
                f"a directory skyscreen may still be writing ({record.describe()}; "
                "delete it yourself once that writer is gone)"
            )
        entries = [e for e in entries if e.name != INCOMPLETE]  # an interrupted write
    if not entries:
        return None
    kind, marked = _kind(directory)
    if kind is None:
        labels = [_label(e) for e in entries]
        return f"a directory skyscreen did not write (contains {_listing(labels)})"
    if marked:  # else a .skyscreen file there is not skyscreen's and counts as extra
        entries = [e for e in entries if e.name != MARKER]
    extras = _LAYOUTS[kind](directory, entries)
    if extras:
        return (
            f"a skyscreen {kind} directory that also holds files skyscreen did not "
            f"write ({_listing(extras)})"
        )
    return None


def _protected(out: Path) -> str | None:
    """What ``out`` is if it is a directory that is never replaced, else None."""
    real = Path(os.path.realpath(out))
    if real.parent == real:
        return "the filesystem root"
    try:
        cwd = Path(os.path.realpath(Path.cwd()))
    except OSError:  # the working directory was deleted
        cwd = None
    if cwd is not None and real == cwd:
        return "the current working directory"
    if cwd is not None and real in cwd.parents:
        return "an ancestor of the current working directory"
    try:
        home = Path(os.path.realpath(Path.home()))
    except (RuntimeError, KeyError):  # no HOME and no password entry
        return None
    if real == home:
        return "the home directory"
    return None


def check_out_dir(out: str | Path, overwrite: bool = False) -> None:
    """Raise unless skyscreen may write an output directory at ``out``.

    ``out`` may be new or an empty directory; with ``overwrite`` it may also be a
    directory skyscreen wrote (see :func:`replace_refusal`). Never the current working
    directory or an ancestor of it, the home directory or the filesystem root, and
    never a file or a symbolic link. It must also be writable: no parent of it may be
    a file, and its nearest existing parent must take a probe (a temporary directory
    and file, removed at once).

    Parameters
    ----------
    out : str or Path
        The directory to write.
    overwrite : bool
        Whether a non-empty directory that skyscreen wrote may be replaced.

    Raises
    ------
    skyscreen.errors.RunDirectoryError
        If ``out`` may not be written; the message names ``out`` and says why.
    """
    out = Path(out)
    _check_target(out, overwrite)
    check_writable(out)


def _check_target(out: Path, overwrite: bool) -> None:
    """Raise unless ``out`` is new, empty, or (with ``overwrite``) replaceable."""
    if out.is_symlink():
        raise RunDirectoryError(
            f"{out}: refusing to overwrite a symbolic link (to {os.readlink(out)}); "
            "give the directory itself"
        )
    if not out.exists():
        if out.name in ("", ".."):
            raise RunDirectoryError(
                f"{out}: must name a directory to create; got a path ending in "
                f"{out.name or '.'!r} that does not exist"
            )
        return
    if not out.is_dir():
        raise RunDirectoryError(f"{out}: must be a directory; got a file")
    what = _protected(out)
    if what is not None:
        raise RunDirectoryError(f"{out}: refusing to overwrite {what}")
    reason = replace_refusal(out)
    if overwrite:
        if reason is not None:
            raise RunDirectoryError(f"{out}: refusing to overwrite {reason}")
        return
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise RunDirectoryError(f"{out}: must be listable; got {exc}") from None
    if empty:
        return
    if reason is None:
        raise _error(
            f"{out}: must be empty or new; got an existing non-empty directory "
            "(use {overwrite} to replace it)"
        )
    raise _error(
        f"{out}: must be empty or new; got {reason}, which {{overwrite}} will not "
        "replace either"
    )


def check_writable(out: Path) -> None:
    """Raise unless the directory that will hold ``out``'s temporary takes a probe.

    No parent of ``out`` may be a file, and the nearest existing one must take a new
    directory and file (removed at once; nothing else is created).

    Raises
    ------
    skyscreen.errors.RunDirectoryError
        Naming ``out`` and the parent that does not take a new file.
    """
    parent = Path(os.path.abspath(out)).parent
    child = Path(os.path.abspath(out))
    while not os.path.lexists(parent):
        parent, child = parent.parent, parent
    if not parent.is_dir():
        what = "a file, not a directory" if parent.is_file() else "not a directory"
        raise RunDirectoryError(f"{out}: cannot be created: {parent} is {what}")
    probe = temporary_path(child)
    try:
        with ignore_file_size_signal():
            probe.mkdir()
            (probe / "probe").write_bytes(b"\0")
    except OSError as exc:
        raise RunDirectoryError(
            f"{out}: cannot be written: {parent} does not take a new file "
            f"({_reason(exc)})"
        ) from None
    finally:
        shutil.rmtree(probe, ignore_errors=True)


@contextmanager
def output_directory(out: Path, kind: str, overwrite: bool = False) -> Iterator[Path]:
    """Check ``out``, then yield a temporary directory that replaces it on success.

    The yielded directory already holds the marker of ``kind``. ``out`` is checked
    with :func:`check_out_dir` before the caller writes and again (but for the probe)
    just before it is replaced, under a lock that other skyscreen writers respect; see
    :func:`skyscreen._atomic.atomic_directory` for the rest.

    Parameters
    ----------
    out : Path
        The directory to write.
    kind : str
        One of :data:`KINDS`.
    overwrite : bool
        Whether a non-empty directory that skyscreen wrote may be replaced.

    Raises
    ------
    skyscreen.errors.RunDirectoryError
        If ``out`` may not be written (before the caller writes); if another process
        wrote there meanwhile and ``out`` may not be replaced now (the caller's
        results are discarded); or if writing fails (a full disk, the file size
        limit): nothing is left of the new directory, and an existing ``out`` is kept.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}; got {kind!r}")
    out = Path(out)
    check_out_dir(out, overwrite)
    # A resumable study's own working directory is not "what was there".
    was_there = out.is_dir() and any(out.iterdir()) and not _is_own_study(out)

    def recheck() -> None:
        try:
            _check_target(out, overwrite)
        except RunDirectoryError as exc:
            if was_there:
                raise
            why = (
                str(exc).removeprefix(f"{out}: ")
                if overwrite
                else "use {overwrite} to replace a directory skyscreen wrote"
            )
            raise _error(
                f"{out}: another process wrote there while these results were being "
                f"written; what it wrote was kept and these results were discarded "
                f"({why})"
            ) from None

    try:
        with atomic_directory(out, check=recheck) as tmp:
            marker = {"kind": kind, "skyscreen_version": __version__}
            (tmp / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
            yield tmp
    except RunDirectoryError:
        raise
    except OSError as exc:
        kept = "; the directory that was there is as it was" if was_there else ""
        raise RunDirectoryError(
            f"{out}: could not be written ({_reason(exc)}); nothing was left "
            f"behind{kept}"
        ) from exc
