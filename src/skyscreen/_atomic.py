"""Directories that appear complete or not at all.

Shared, through :mod:`skyscreen._outdir`, by the run directory
(:mod:`skyscreen.io.rundir`) and the decision-instance export
(:mod:`skyscreen.decisions`).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_directory"]


@contextmanager
def atomic_directory(
    out: Path, check: Callable[[], object] | None = None
) -> Iterator[Path]:
    """Yield a new temporary directory beside ``out`` that replaces ``out`` on success.

    The caller writes into the yielded directory. When the block ends normally it is
    renamed to ``out`` (an existing ``out`` is moved aside first, then deleted); when
    the block raises, or is interrupted, the temporary directory is removed and ``out``
    is left as it was.

    Parameters
    ----------
    out : Path
        The directory to create or replace.
    check : callable, optional
        Called with no arguments just before an existing ``out`` is moved aside; it
        raises to leave ``out`` as it is (the temporary directory is then removed).
        Deciding whether ``out`` may be replaced is the caller's job
        (:func:`skyscreen._outdir.check_out_dir`); this call repeats that decision
        after the writing, in case ``out`` changed meanwhile.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()
        yield tmp
        if out.exists() or out.is_symlink():
            if check is not None:
                check()
            trash = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(out, trash)
            os.replace(tmp, out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
