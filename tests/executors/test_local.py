"""The local executor: progress reporting and results in task order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from skyscreen.executors.local import ChunkTask, run_tasks, split
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.compile import compile_scenario


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_rises_to_the_total_and_results_keep_task_order(workers: int) -> None:
    """Progress never falls and ends at the replication count; chunks come back in order."""
    params = compile_scenario(load_scenario(example_path("quickstart")))
    tasks = [ChunkTask(c, 1, False, 0) for c in split(np.arange(10), 3)]
    seen: list[float] = []
    out = run_tasks(params, tasks, workers, seen.append)
    assert [r.replications.tolist() for r in out] == [
        t.replications.tolist() for t in tasks
    ]
    assert seen[-1] == 10
    assert all(b >= a for a, b in itertools.pairwise(seen))
    if workers == 1:
        assert any(0 < x < 10 and x != int(x) for x in seen)  # within-chunk progress


def test_split_covers_every_replication_once() -> None:
    """Chunks are consecutive, at most chunk_size long, and cover the ids once."""
    parts = split(np.arange(23), 5)
    assert [len(p) for p in parts] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate(parts), np.arange(23))
