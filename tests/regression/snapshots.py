"""Whole run directories of every example and edge case, saved and compared row by row.

A refactor that must not change results is checked with this:

.. code-block:: sh

    python tests/regression/snapshots.py save /tmp/before      # on the old code
    python tests/regression/snapshots.py save /tmp/after       # on the new code
    python tests/regression/snapshots.py compare /tmp/before /tmp/after

``save`` runs each scenario (the bundled examples, ``tests/data/*.yaml`` and
``tests/data/edges/*.yaml``) at a fixed seed with events and trajectories recorded, on
one worker, through the public API only, so it also runs against an older checkout
(``PYTHONPATH=old/src python tests/regression/snapshots.py save ...``). ``compare``
reads both sets of Parquet tables and reports, per table and column, the rows that
differ: exactly by default, or within ``--rtol`` for floating-point columns. The
true-trajectory table was called ``tracks`` before schema version 2 and is read under
either name. Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import skyscreen
from skyscreen.scenario import example_names, example_path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
REPLICATIONS = 40
RECORD = 8
SEED = 20261129
TABLES = ("summary", "drones", "effectors", "assets", "events", "trajectories")
ALIASES = {"trajectories": ("trajectories", "tracks")}


def scenarios() -> dict[str, Path]:
    """Every scenario snapshotted, by name."""
    out = {name: example_path(name) for name in example_names()}
    for path in sorted(DATA.glob("*.yaml")) + sorted((DATA / "edges").glob("*.yaml")):
        out[path.stem] = path
    return out


def save(out_dir: Path, replications: int) -> None:
    """Run every scenario and write its run directory under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, path in scenarios().items():
        res = skyscreen.simulate(
            path,
            replications=replications,
            seed=SEED,
            workers=1,
            events=True,
            record=RECORD,
            progress=False,
        )
        res.save(out_dir / name, overwrite=True)
        print(f"{name}: {len(res.drones)} drone rows", flush=True)


def _read(run: Path, table: str) -> pd.DataFrame | None:
    for name in ALIASES.get(table, (table,)):
        f = run / f"{name}.parquet"
        if f.exists():
            return pd.read_parquet(f)
    return None


def compare_tables(
    a: pd.DataFrame, b: pd.DataFrame, rtol: float
) -> list[tuple[str, int, str]]:
    """``(column, rows that differ, an example)`` for each differing column."""
    if len(a) != len(b):
        return [("<rows>", abs(len(a) - len(b)), f"{len(a)} rows against {len(b)}")]
    out = []
    for col in sorted(set(a.columns) | set(b.columns)):
        if col not in a.columns or col not in b.columns:
            out.append((col, len(a), "column in only one of the two"))
            continue
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if np.issubdtype(x.dtype, np.floating) and np.issubdtype(y.dtype, np.floating):
            both_nan = np.isnan(x) & np.isnan(y)
            with np.errstate(invalid="ignore"):
                same = both_nan | (x == y)
                if rtol > 0:
                    same |= np.abs(x - y) <= rtol * np.maximum(np.abs(x), np.abs(y))
        else:
            same = np.asarray(
                pd.Series(x).astype(str).to_numpy()
                == pd.Series(y).astype(str).to_numpy()
            )
        bad = np.flatnonzero(~same)
        if len(bad):
            i = int(bad[0])
            out.append((col, len(bad), f"row {i}: {x[i]!r} against {y[i]!r}"))
    return out


def compare(a_dir: Path, b_dir: Path, rtol: float) -> int:
    """Print the differences between two snapshot sets; the count of differing tables."""
    n_bad = 0
    for run in sorted(p for p in a_dir.iterdir() if p.is_dir()):
        other = b_dir / run.name
        if not other.is_dir():
            print(f"{run.name}: missing from {b_dir}")
            n_bad += 1
            continue
        for table in TABLES:
            ta, tb = _read(run, table), _read(other, table)
            if ta is None and tb is None:
                continue
            if ta is None or tb is None:
                print(f"{run.name}/{table}: present in only one of the two")
                n_bad += 1
                continue
            diffs = compare_tables(ta, tb, rtol)
            if diffs:
                n_bad += 1
                for col, n, example in diffs:
                    print(f"{run.name}/{table}.{col}: {n} rows differ ({example})")
            else:
                print(f"{run.name}/{table}: identical ({len(ta)} rows)")
    return n_bad


def main(argv: list[str] | None = None) -> int:
    """Command line: ``save DIR`` or ``compare A B``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save")
    s.add_argument("out", type=Path)
    s.add_argument("--replications", type=int, default=REPLICATIONS)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument("--rtol", type=float, default=0.0)
    args = ap.parse_args(argv)
    if args.cmd == "save":
        save(args.out, args.replications)
        return 0
    return 1 if compare(args.a, args.b, args.rtol) else 0


if __name__ == "__main__":
    sys.exit(main())
