"""Exceptions raised by skyscreen.

Every error a user can cause derives from :class:`SkyscreenError`, so a script can catch
them all in one place; the command line prints them without a traceback and exits 2.
"""

from __future__ import annotations

__all__ = [
    "FieldError",
    "InsufficientMemoryError",
    "ModelError",
    "ResultSchemaError",
    "RunDirectoryError",
    "ScenarioError",
    "SkyscreenError",
]


class SkyscreenError(Exception):
    """Root of every error that skyscreen raises on purpose.

    Attributes
    ----------
    cli_message : str or None
        The message as the command line prints it, where it differs from ``str(exc)``
        (it names ``--overwrite`` where the Python message names ``overwrite=True``);
        None if it does not.
    """

    cli_message: str | None = None


class FieldError:
    """One problem in a scenario: where it is, what was expected, what was given.

    Parameters
    ----------
    path : str
        Field path in the scenario, e.g. ``raids[2].drone.speed_mps``; empty for the
        whole document.
    message : str
        What was expected and what was given, e.g. ``must be > 0; got -5.0``.
    """

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path} {self.message}" if self.path else self.message

    def __repr__(self) -> str:
        return f"FieldError({self.path!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldError):
            return NotImplemented
        return (self.path, self.message) == (other.path, other.message)

    def __hash__(self) -> int:
        return hash((self.path, self.message))


class ScenarioError(SkyscreenError, ValueError):
    """A scenario file or specification is invalid.

    Parameters
    ----------
    errors : list of FieldError or str
        Every problem found; a plain string becomes a problem with no field path.
    source : str, optional
        Where the scenario came from (a file path), named in the message.
    """

    def __init__(
        self, errors: list[FieldError] | FieldError | str, source: str | None = None
    ) -> None:
        items: list[FieldError | str] = (
            [errors] if isinstance(errors, str | FieldError) else list(errors)
        )
        self.errors: list[FieldError] = [
            e if isinstance(e, FieldError) else FieldError("", e) for e in items
        ]
        self.source = source
        super().__init__(self._format())

    def _format(self) -> str:
        head = f"{self.source}: " if self.source else ""
        if len(self.errors) == 1:
            return f"{head}{self.errors[0]}"
        lines = [f"{head}{len(self.errors)} errors"]
        lines += [f"  {e}" for e in self.errors]
        return "\n".join(lines)


class ModelError(SkyscreenError, ValueError):
    """A model function was called with arguments outside its domain."""


class ResultSchemaError(SkyscreenError, ValueError):
    """A run directory is not a complete, unaltered run of this schema version.

    A file is missing, unreadable, or not the one the run wrote (its row count or
    SHA-256 checksum differs from what run.json records), a table's columns or types
    are not the schema's, run.json is not valid, the schema version is another, or the
    directory is still marked incomplete (its writer was interrupted).
    """


class InsufficientMemoryError(SkyscreenError, MemoryError):
    """A run needs more memory than there is (refused up front, or it ran out).

    Also raised when the simulation's libraries (NumPy, pandas, numba's llvmlite)
    cannot be loaded for want of memory (a tight ``ulimit -v``). Both a
    :class:`SkyscreenError` (the command line prints it and exits 2) and a
    :class:`MemoryError`.

    Parameters
    ----------
    message : str
        What ran out and what to change, in the Python API's words.
    cli_message : str, optional
        The same in the command line's words (``-n``, ``--events``), if they differ.
    """

    def __init__(self, message: str, cli_message: str | None = None) -> None:
        super().__init__(message)
        self.cli_message = cli_message


class RunDirectoryError(SkyscreenError, OSError):
    """An output directory cannot be used.

    It is a file, or not empty (without ``overwrite``), or not one skyscreen wrote or
    holding files it did not write (with ``overwrite``), or the working directory, an
    ancestor of it, the home directory or the filesystem root; or it cannot be written
    (a parent is a file or not writable, the disk is full, a file would pass the file
    size limit), or another process wrote there while the results were being written.

    Parameters
    ----------
    message : str
        The message, naming the directory.
    cli_message : str, optional
        The message as the command line says it, if it differs (see
        :attr:`SkyscreenError.cli_message`).
    """

    def __init__(self, message: str, cli_message: str | None = None) -> None:
        super().__init__(message)
        self.cli_message = cli_message
