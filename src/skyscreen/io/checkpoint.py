"""Resumable studies: a directory that holds each finished chunk until the end.

A long run or a sweep written with an output directory works in that directory from
the start. Until it completes, the directory holds

- ``.skyscreen``, the marker of its kind (``run`` or ``sweep``);
- ``incomplete``, naming the writer (:data:`skyscreen._atomic.INCOMPLETE`):
  :func:`skyscreen.load_run` refuses the directory, ``--resume`` continues it;
- ``plan.json``: everything the results depend on (the resolved scenarios, seed,
  replication ids, chunking, options), so that a resumed study runs exactly the
  remaining chunks of the same study;
- ``chunks/NAME/``, one directory per finished chunk with its tables as Parquet,
  each written to a temporary name and renamed into place when complete.

Killed at any moment (SIGKILL, power loss), the directory holds only whole chunks: a
chunk being written is a hidden temporary, removed by the next write. Resumed, the
study runs the chunks not yet there and assembles the same tables an uninterrupted
run would (the engine's seed contract: a chunk's result depends on nothing but its
replication ids and the scenario). The final tables replace the working directory in
one step (:func:`skyscreen._outdir.output_directory`), so a reader never sees a
half-assembled result.

Overwriting (``overwrite``) a complete directory moves it aside first; it is deleted
when the new study completes or is interrupted, and put back if the new study fails
with an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from skyscreen._atomic import (
    INCOMPLETE,
    WriterRecord,
    atomic_directory,
    read_writer_record,
    temporary_path,
)
from skyscreen._outdir import (
    MARKER,
    _reason,
    check_out_dir,
    output_directory,
    own_study,
)
from skyscreen._version import __version__
from skyscreen.errors import ResultSchemaError, RunDirectoryError

__all__ = ["PLAN", "ChunkStore", "concat_tables", "is_interrupted"]

PLAN = "plan.json"
"""The plan of a study still being written."""
CHUNKS = "chunks"
"""The folder of finished chunks."""
_MAX_PLAN_BYTES = 200_000_000


def is_interrupted(path: Path) -> bool:
    """Whether ``path`` is a study that stopped before completing (its writer died).

    Such a directory can be continued with ``resume``.
    """
    record = read_writer_record(path / INCOMPLETE)
    return (
        record is not None
        and record.alive() is False
        and (path / PLAN).is_file()
        and (path / MARKER).is_file()
    )


def _digest(plan: dict[str, Any]) -> str:
    text = json.dumps(plan, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def concat_tables(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunks' tables; categories united (sorted) where chunks differ.

    A category inferred from the data (an event's outcome) may differ between chunks;
    uniting them sorted gives what one table built from every chunk at once has
    (``pd.Categorical`` sorts the categories it infers).
    """
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    columns: dict[str, Any] = {}
    for name in parts[0].columns:
        cols = [p[name] for p in parts]
        first = cols[0]
        if isinstance(first.dtype, pd.CategoricalDtype) and any(
            not c.cat.categories.equals(first.cat.categories) for c in cols[1:]
        ):
            columns[name] = pd.api.types.union_categoricals(
                [pd.Categorical(c) for c in cols], sort_categories=True
            )
        else:
            columns[name] = pd.concat(cols, ignore_index=True)
    return pd.DataFrame(columns)


class ChunkStore:
    """The working directory of a resumable study (see the module docstring).

    Use :meth:`create` to start a study and :meth:`resume` to continue one.
    """

    def __init__(self, root: Path, plan: dict[str, Any], old: Path | None) -> None:
        self.root = root
        self.plan = plan
        self._old = old

    # ------------------------------------------------------------------ opening

    @classmethod
    def create(
        cls, out: str | Path, kind: str, plan: dict[str, Any], overwrite: bool = False
    ) -> ChunkStore:
        """Start a study in ``out``: new, empty, or (``overwrite``) replaceable.

        Raises
        ------
        RunDirectoryError
            As :func:`skyscreen._outdir.check_out_dir`; for an interrupted study of
            the same kind without ``overwrite``, saying that ``resume`` continues it.
        """
        out = Path(out)
        if not overwrite and out.is_dir() and is_interrupted(out):
            raise RunDirectoryError(
                f"{out}: an interrupted {kind} is there; continue it with resume "
                "or replace it with overwrite=True",
                cli_message=f"{out}: an interrupted {kind} is there; continue it "
                "with --resume, or start again with --overwrite",
            )
        check_out_dir(out, overwrite)
        old = None
        try:
            if out.is_dir() and any(out.iterdir()):
                old = temporary_path(out, "old")
                os.rename(out, old)
        except OSError as exc:
            raise RunDirectoryError(
                f"{out}: could not be replaced ({_reason(exc)}); it is as it was"
            ) from exc
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / INCOMPLETE).write_text(
                WriterRecord.current().to_json(), encoding="utf-8"
            )
            marker = {"kind": kind, "skyscreen_version": __version__}
            (out / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
            (out / CHUNKS).mkdir()
            full = {**plan, "kind": kind, "skyscreen_version": __version__}
            full["plan_digest"] = _digest(full)
            _write_json(out / PLAN, full)
        except BaseException as exc:
            shutil.rmtree(out, ignore_errors=True)
            if old is not None:
                os.rename(old, out)
            if isinstance(exc, OSError):
                raise RunDirectoryError(
                    f"{out}: could not be written ({_reason(exc)}); nothing was left "
                    "behind"
                ) from exc
            raise
        return cls(out, full, old)

    @classmethod
    def resume(cls, path: str | Path, kind: str) -> ChunkStore:
        """Continue the interrupted study in ``path``.

        Raises
        ------
        ResultSchemaError
            If ``path`` is not an interrupted study of this kind (complete, still
            being written by a live process, another kind, or damaged), or was
            written by another skyscreen version.
        """
        p = Path(path)
        if not p.is_dir():
            raise ResultSchemaError(f"{p}: no such directory to resume")
        record = read_writer_record(p / INCOMPLETE)
        if record is None:
            if (p / INCOMPLETE).exists():
                raise ResultSchemaError(
                    f"{p}: its {INCOMPLETE} marker is damaged; cannot resume it"
                )
            raise ResultSchemaError(
                f"{p}: not an interrupted study (it is complete, or not skyscreen's); "
                "nothing to resume"
            )
        alive = record.alive()
        if alive is not False:
            why = "still being written" if alive else "perhaps still being written"
            raise ResultSchemaError(f"{p}: {why} ({record.describe()}); not resumed")
        try:
            text = (p / PLAN).read_text(encoding="utf-8")
            if len(text) > _MAX_PLAN_BYTES:
                raise ValueError("too large")
            plan = json.loads(text)
        except (OSError, ValueError) as exc:
            raise ResultSchemaError(
                f"{p}: {PLAN} is missing or damaged ({exc}); cannot resume; start "
                "again with overwrite"
            ) from None
        if not isinstance(plan, dict) or plan.get("plan_digest") != _digest(
            {k: v for k, v in plan.items() if k != "plan_digest"}
        ):
            raise ResultSchemaError(f"{p}: {PLAN} is damaged; cannot resume")
        if plan.get("kind") != kind:
            raise ResultSchemaError(
                f"{p}: an interrupted {plan.get('kind')}, not a {kind}; resume it with "
                f"the {plan.get('kind')} command"
            )
        if plan.get("skyscreen_version") != __version__:
            raise ResultSchemaError(
                f"{p}: started by skyscreen {plan.get('skyscreen_version')}, this is "
                f"{__version__}; results of two versions are not mixed: start again"
            )
        (p / INCOMPLETE).write_text(WriterRecord.current().to_json(), encoding="utf-8")
        (p / CHUNKS).mkdir(exist_ok=True)
        return cls(p, plan, None)

    # ------------------------------------------------------------------- chunks

    def done(self) -> set[str]:
        """Names of the chunks finished and saved."""
        try:
            with os.scandir(self.root / CHUNKS) as it:
                return {
                    e.name
                    for e in it
                    if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)
                }
        except FileNotFoundError:
            return set()

    def save(self, name: str, tables: dict[str, pd.DataFrame | None]) -> None:
        """Save a finished chunk's tables, atomically (all of them or none).

        Raises
        ------
        RunDirectoryError
            If they cannot be written (a full disk, the file size limit).
        """
        try:
            with atomic_directory(self.root / CHUNKS / name) as tmp:
                for table, df in tables.items():
                    if df is not None:
                        pq.write_table(
                            pa.Table.from_pandas(df, preserve_index=False),
                            tmp / f"{table}.parquet",
                            compression="zstd",
                        )
        except OSError as exc:
            kept = "; the directory that was there is as it was" if self._old else ""
            raise RunDirectoryError(
                f"{self.root}: could not be written ({_reason(exc)}); nothing was "
                f"left behind{kept}"
            ) from exc

    def load(self, names: Sequence[str], table: str) -> pd.DataFrame | None:
        """The table ``table`` of the chunks ``names``, concatenated in that order.

        None if no chunk has it (an optional table that was not recorded).
        """
        parts = []
        for name in names:
            f = self.root / CHUNKS / name / f"{table}.parquet"
            try:
                parts.append(pq.read_table(f).to_pandas())
            except FileNotFoundError:
                continue
            except (OSError, pa.ArrowException) as exc:
                raise ResultSchemaError(
                    f"{f}: a saved chunk cannot be read ({exc}); delete its folder "
                    f"{f.parent} and resume to run that chunk again"
                ) from None
        return concat_tables(parts) if parts else None

    # ------------------------------------------------------------------- ending

    def finish(self, write: Callable[[Path], None], kind: str) -> Path:
        """Write the final directory with ``write(tmp)`` and put it in place of this one.

        ``tmp`` already holds the marker; ``write`` adds the results. The working
        directory (plan, chunks) is replaced in one step.
        """
        with (
            own_study(self.root),
            output_directory(self.root, kind, overwrite=True) as tmp,
        ):
            write(tmp)
        self._drop_old()
        return self.root

    def interrupted(self) -> None:
        """The study stops early, resumably: drop the directory it replaced."""
        self._drop_old()

    def abandon(self) -> None:
        """The study failed: remove its directory and put back the one it replaced."""
        shutil.rmtree(self.root, ignore_errors=True)
        if self._old is not None:
            with contextlib.suppress(OSError):
                os.rename(self._old, self.root)
            self._old = None

    def _drop_old(self) -> None:
        if self._old is not None:
            shutil.rmtree(self._old, ignore_errors=True)
            self._old = None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
