"""Decision-cycle instances of a simulation, to study or export.

Each decision cycle of each replication poses a static weapon-target assignment (see
:class:`skyscreen.engine.DecisionInstance`). These functions rerun one replication and
collect them, or write them in the public benchmark format of
:mod:`skyscreen.c2.instances`, so a planner can see exactly what C2 faced and compare
solvers on it (:func:`skyscreen.c2.solve_wta`).

This module sits in the run layer beside :mod:`skyscreen.run`: like ``simulate``, it
compiles the scenario and runs the engine.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from skyscreen._outdir import DECISIONS_INDEX_HEADER, check_out_dir, output_directory
from skyscreen._typing import IntArray
from skyscreen.c2.instances import WTAInstance, write_wta_instance
from skyscreen.engine import DecisionInstance, run_chunk
from skyscreen.errors import SkyscreenError
from skyscreen.scenario import ScenarioSpec
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.spec import MAX_REPLICATION_ID

__all__ = ["decision_instances", "export_decision_instances", "to_wta_instance"]


def decision_instances(
    scenario: ScenarioSpec, replication: int = 0, seed: int | None = None
) -> list[DecisionInstance]:
    """Every decision cycle's instance of one replication, in time order.

    The replication runs exactly as in :func:`skyscreen.simulate` with the same seed
    (the instances are captured before each is solved).

    Parameters
    ----------
    scenario : ScenarioSpec
    replication : int
        Replication id.
    seed : int, optional
        Root seed; default the scenario's.
    """
    if seed is None:
        seed = scenario.run.seed
    if seed is None:
        raise SkyscreenError("seed must be given when the scenario has none; got None")
    if not 0 <= int(replication) <= MAX_REPLICATION_ID:
        raise SkyscreenError(
            f"replication must be between 0 and {MAX_REPLICATION_ID:,}; "
            f"got {replication}"
        )
    out: list[DecisionInstance] = []
    run_chunk(
        compile_scenario(scenario),
        np.array([replication]),
        seed,
        on_decision=out.append,
    )
    return out


def _members(inst: DecisionInstance) -> tuple[IntArray, IntArray]:
    """Engine indices of the free weapons and of the drones some of them can engage."""
    weapons = np.flatnonzero(inst.free)
    drones = np.flatnonzero((inst.values > 0.0) & (inst.pk[weapons] > 0.0).any(axis=0))
    return weapons, drones


def to_wta_instance(inst: DecisionInstance, name: str = "") -> WTAInstance:
    """The static WTA of a decision: free weapons (one each) against engageable drones.

    Per-drone shooter limits and shot costs have no place in the public format and are
    dropped; drones of no value or out of every free weapon's reach are left out.
    """
    weapons, drones = _members(inst)
    return WTAInstance(
        values=inst.values[drones],
        pk=inst.pk[np.ix_(weapons, drones)],
        capacity=np.ones(len(weapons), dtype=np.int64),
        name=name,
    )


def export_decision_instances(
    scenario: ScenarioSpec,
    out_dir: str | Path,
    replication: int = 0,
    seed: int | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write one replication's decision instances in the public format.

    Writes ``<name>-r<replication>-t<seconds>.txt`` per non-empty instance and
    ``index.csv`` mapping each file to its time and to the engine's weapon and drone
    indices (``weapons`` and ``drones`` columns, space-separated), and skyscreen's
    marker file. The directory is written under a temporary name and renamed into
    place, so it is complete or absent.

    Parameters
    ----------
    scenario : ScenarioSpec
    out_dir : str or Path
        Directory to create; it must be new or empty unless ``overwrite``.
    replication : int
        Replication id.
    seed : int, optional
        Root seed; default the scenario's.
    overwrite : bool
        Replace an existing directory that skyscreen wrote (a decision export, a run
        directory or a sweep) and that holds nothing else; see
        :func:`skyscreen.io.check_out_dir`.

    Returns
    -------
    list of Path
        The instance files, in time order.

    Raises
    ------
    skyscreen.errors.RunDirectoryError
        If ``out_dir`` may not be written (checked before the replication is rerun):
        a file, a non-empty directory without ``overwrite``, a directory skyscreen
        did not write or holding files it did not write, the working directory or an
        ancestor of it, the home directory or the filesystem root.
    """
    out = Path(out_dir)
    check_out_dir(out, overwrite)  # before spending the time
    instances = decision_instances(scenario, replication, seed)
    rows = []
    with output_directory(out, "decisions", overwrite) as tmp:
        for inst in instances:
            name = f"{scenario.name}-r{replication}-t{inst.t_s:07.1f}"
            wta = to_wta_instance(inst, name)
            if wta.pk.size == 0:
                continue
            write_wta_instance(wta, tmp / f"{name}.txt")
            weapons, drones = _members(inst)
            rows.append(
                [
                    f"{name}.txt",
                    f"{inst.t_s:.3f}",
                    " ".join(map(str, weapons)),
                    " ".join(map(str, drones)),
                ]
            )
        with (tmp / "index.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(DECISIONS_INDEX_HEADER)
            w.writerows(rows)
    return [out / row[0] for row in rows]
