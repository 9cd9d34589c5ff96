"""Replications recorded by ``--record-select`` are named in the picker's data."""

from __future__ import annotations

from pathlib import Path

import skyscreen
from skyscreen.run import select_replications
from skyscreen.scenario import example_path
from skyscreen.viewer import load_run_data


def test_selected_replications_carry_their_names(tmp_path: Path) -> None:
    result = skyscreen.simulate(
        example_path("quickstart"),
        replications=6,
        seed=4,
        record_select="best,worst",
        progress=False,
        workers=1,
    )
    result.save(tmp_path / "run")
    meta = load_run_data(tmp_path / "run").meta()
    chosen = select_replications(result.summary, ["best", "worst"])
    labels = {r["id"]: r["label"] for r in meta["replication_summaries"]}
    assert sorted(meta["recorded"]) == sorted(set(chosen.values()))
    for name, rep in chosen.items():
        assert name in labels[rep].split("/")
