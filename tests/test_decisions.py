"""Decision-cycle instances: capture, export in the public format, solver methods."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import skyscreen
from skyscreen.c2 import solve_wta
from skyscreen.c2.instances import read_wta_instance
from skyscreen.decisions import decision_instances, export_decision_instances
from skyscreen.engine import run_chunk
from skyscreen.errors import SkyscreenError
from skyscreen.scenario import example_path, parse_scenario
from skyscreen.scenario.compile import compile_scenario


def _spec(name: str, **doctrine: object) -> skyscreen.ScenarioSpec:
    data = skyscreen.load_scenario(example_path(name)).model_dump(
        mode="json", by_alias=True
    )
    data["doctrine"].update(doctrine)
    return parse_scenario(data)


def test_top_level_exports_the_decision_functions() -> None:
    """The run layer's decision export is reachable from the package, lazily."""
    from skyscreen import decisions

    for name in decisions.__all__:
        assert getattr(skyscreen, name) is getattr(decisions, name)
        assert name in skyscreen.__all__


@pytest.mark.parametrize(
    "name", ["coastal-airbase", "two-sites", "layered-defence", "night-raid"]
)
def test_capturing_decisions_changes_nothing(name: str) -> None:
    """A run that captures its decision instances ends exactly like one that does not.

    Capturing builds the dense drone x weapon tables; the greedy method otherwise works
    on the listed non-zero kill probabilities (engine/decide.py): this pins the two
    paths to each other, on every array of the result.
    """
    params = compile_scenario(_spec(name))
    seen: list[object] = []
    a = run_chunk(params, np.arange(8), 5, events=True)
    b = run_chunk(params, np.arange(8), 5, events=True, on_decision=seen.append)
    import dataclasses

    def same(x: object, y: object, where: str) -> None:
        if isinstance(x, dict):
            assert isinstance(y, dict)
            assert x.keys() == y.keys(), where
            for k in x:
                same(x[k], y[k], f"{where}.{k}")
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=where)
        else:
            assert x == y, where

    for f in dataclasses.fields(a):
        same(getattr(a, f.name), getattr(b, f.name), f.name)
    assert len(seen) > 20


def test_export_writes_readable_public_instances(tmp_path: Path) -> None:
    """Exported instances read back with the weapons and drones the index lists."""
    paths = export_decision_instances(_spec("coastal-airbase"), tmp_path, replication=2)
    assert len(paths) > 20
    with (tmp_path / "index.csv").open() as f:
        index = list(csv.DictReader(f))
    assert [r["file"] for r in index] == [p.name for p in paths]
    for row, path in list(zip(index, paths, strict=True))[::10]:
        inst = read_wta_instance(path)
        assert inst.pk.shape == (
            len(row["weapons"].split()),
            len(row["drones"].split()),
        )
        assert (inst.capacity == 1).all()
        assert (inst.values > 0).all()


def test_export_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    """A user's directory is kept even with overwrite; an earlier export is replaced."""
    spec = _spec("quickstart")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(SkyscreenError, match="must be empty or new"):
        export_decision_instances(spec, out)
    with pytest.raises(SkyscreenError, match="refusing to overwrite"):
        export_decision_instances(spec, out, overwrite=True)
    assert [q.name for q in out.iterdir()] == ["mine.txt"]
    assert (out / "mine.txt").read_text() == "keep"
    (out / "mine.txt").unlink()
    export_decision_instances(spec, out)
    with pytest.raises(SkyscreenError, match="must be empty or new"):
        export_decision_instances(spec, out)
    paths = export_decision_instances(spec, out, overwrite=True)
    assert (out / "index.csv").is_file()
    assert all(p.parent == out and p.is_file() for p in paths)
    assert sorted(q.name for q in tmp_path.iterdir()) == ["out"]


def test_exact_never_worse_than_greedy_on_simulated_decisions() -> None:
    """On real decision instances the exact optimum is at most greedy's objective."""
    insts = decision_instances(_spec("coastal-airbase"), replication=1)
    busy = [i for i in insts if i.free.sum() >= 3 and (i.values > 0).sum() >= 3]
    assert busy
    for inst in busy[:15]:
        w = np.flatnonzero(inst.free)
        values, pk = inst.values, inst.pk[w]
        cap = np.ones(len(w), dtype=np.int64)
        g = solve_wta(values, pk, cap, method="greedy")
        e = solve_wta(values, pk, cap, method="exact")
        assert e.objective <= g.objective * (1 + 1e-9) + 1e-9
        assert e.status == "optimal"


@pytest.mark.parametrize("method", ["improve", "exact"])
def test_engine_runs_with_other_solvers(method: str) -> None:
    """doctrine.wta_method improve/exact run reproducibly and end every drone."""
    spec = _spec("quickstart", wta_method=method, wta_max_iter=50)
    a = skyscreen.simulate(spec, replications=6, seed=9, workers=1, progress=False)
    b = skyscreen.simulate(spec, replications=6, seed=9, workers=1, progress=False)
    assert a.drones["state"].notna().all()
    assert a.drones["t_end_s"].equals(b.drones["t_end_s"])
    # Iteration budgets only: the same numbers whatever the chunking and processes.
    c = skyscreen.simulate(
        spec, replications=6, seed=9, workers=2, chunk_size=2, progress=False
    )
    assert a.summary.equals(c.summary)
    assert a.drones.equals(c.drones)
