"""Summary means of every example at two versions of the code, compared statistically.

A change that is meant to reshuffle random numbers (but not the model) must leave every
summary mean where it was, within sampling error. Run each version on every bundled
example, then compare:

.. code-block:: sh

    PYTHONPATH=old/src python tests/regression/compare_means.py run /tmp/old.json
    python tests/regression/compare_means.py run /tmp/new.json
    python tests/regression/compare_means.py compare /tmp/old.json /tmp/new.json

``compare`` tests each summary column's difference of means with a two-sample z test
at the 99.9% level (|Δ| ≤ 3.29·√(se₁² + se₂²)) and exits 1 if any lies outside.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import skyscreen
from skyscreen.scenario import example_names, example_path

REPLICATIONS = 2000
Z = 3.2905  # two-sided 99.9 %


def run(out: Path, replications: int, seed: int) -> None:
    """Means and standard errors of every summary column of every example."""
    data = {}
    for name in example_names():
        res = skyscreen.simulate(
            example_path(name), replications=replications, seed=seed, progress=False
        )
        s = res.summary.drop(columns="replication")
        n = len(s)
        data[name] = {
            c: {
                "mean": float(s[c].mean()),
                "se": float(s[c].std(ddof=1) / math.sqrt(n)),
            }
            for c in s.columns
        }
        print(name, flush=True)
    out.write_text(json.dumps(data, indent=1))


def compare(a_path: Path, b_path: Path) -> int:
    """Print each column's difference and whether it is within the 99.9% band."""
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    bad = 0
    for name, cols in a.items():
        for col, x in cols.items():
            y = b[name][col]
            diff = y["mean"] - x["mean"]
            band = Z * math.hypot(x["se"], y["se"])
            ok = abs(diff) <= band or (band == 0.0 and diff == 0.0)
            bad += not ok
            print(
                f"{name:16s} {col:20s} {x['mean']:14.4f} {y['mean']:14.4f} "
                f"{diff:+12.4f} ±{band:10.4f} {'ok' if ok else 'OUTSIDE'}"
            )
    print(f"{bad} outside the 99.9% band")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    """Command line: ``run OUT`` or ``compare A B``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out", type=Path)
    r.add_argument("--replications", type=int, default=REPLICATIONS)
    r.add_argument("--seed", type=int, default=20261129)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "run":
        run(args.out, args.replications, args.seed)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
