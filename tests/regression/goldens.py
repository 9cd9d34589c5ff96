"""Golden regression summaries of the bundled examples.

Regenerate with ``make goldens`` (``python tests/regression/goldens.py``), only after
the analytic end-to-end checks pass, and explain every changed number in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

import skyscreen
from skyscreen.scenario import example_names, example_path

GOLDEN_DIR = Path(__file__).parent / "goldens"
REPLICATIONS = 100
SEED = 20261124


def golden_summary(name: str) -> dict[str, Any]:
    """Means of every summary column and per-asset damage frequencies of an example."""
    res = skyscreen.simulate(
        example_path(name), replications=REPLICATIONS, seed=SEED, workers=2
    )
    summary = res.summary.drop(columns="replication")
    damaged = res.assets.groupby("asset", observed=True, sort=False)["damaged"].mean()
    states = res.drones["state"].astype(str).value_counts().sort_index()
    return {
        "example": name,
        "replications": REPLICATIONS,
        "seed": SEED,
        "numpy_version": np.__version__,
        # Means over the replications where a metric is defined (times between
        # events are NaN where the events did not happen); None where it never is.
        "summary_mean": {
            k: None if np.isnan(v) else float(v) for k, v in summary.mean().items()
        },
        "asset_damaged_freq": {str(k): float(v) for k, v in damaged.items()},
        "drone_states": {str(k): int(v) for k, v in states.items()},
    }


def main() -> None:
    """Write a golden file per example."""
    GOLDEN_DIR.mkdir(exist_ok=True)
    for name in example_names():
        path = GOLDEN_DIR / f"{name}.json"
        path.write_text(
            json.dumps(golden_summary(name), indent=2, sort_keys=True) + "\n"
        )
        print(path)


if __name__ == "__main__":
    sys.exit(main())
