"""The command line's LocalCluster, started early in the background and kept for its runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from skyscreen.executors import _early
from skyscreen.executors.dask import run_tasks_dask
from skyscreen.executors.local import ChunkTask, run_tasks, split
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.compile import ScenarioParams, compile_scenario

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="started early on Linux only"
)


@pytest.fixture(scope="module")
def params() -> ScenarioParams:
    return compile_scenario(load_scenario(example_path("quickstart")))


@pytest.fixture
def early(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """An early cluster of 2 workers for this test, closed after it.

    Yields the worker counts of the clusters started (the early one's, the runs' own).
    """
    monkeypatch.setattr(_early, "_EARLY", None)
    started: list[int] = []
    new = _early.new_local_cluster

    def counting(d: Any, n: int) -> Any:
        started.append(n)
        return new(d, n)

    monkeypatch.setattr(_early, "new_local_cluster", counting)
    _early.start_local_cluster(2)
    assert _early._EARLY is not None
    assert started == [] or started == [2]  # the background thread's, maybe started
    try:
        yield started
    finally:
        _early._EARLY.close()


def _tasks(n: int, chunk: int) -> list[ChunkTask]:
    return [ChunkTask(c, 5, True, 2) for c in split(np.arange(n), chunk)]


def _same(a: list[Any], b: list[Any]) -> None:
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        assert ra.events is not None
        for key in ra.events:
            np.testing.assert_array_equal(ra.events[key], rb.events[key], strict=True)
        np.testing.assert_array_equal(ra.drone_status, rb.drone_status, strict=True)


def test_the_runs_of_a_process_share_the_cluster_started_early(
    params: ScenarioParams, early: list[int]
) -> None:
    """Two runs, one of fewer workers: one cluster (the early one), left running."""
    tasks = _tasks(8, 2)
    first = run_tasks_dask(params, tasks, workers=2)
    address = _early.local_cluster_address(2)
    assert address is not None
    second = run_tasks_dask(params, tasks[:1], workers=1)
    assert early == [2]  # only the early cluster was started
    assert _early.local_cluster_address(1) == address  # still up
    local = run_tasks(params, tasks, 1)
    _same(local, first)
    _same(local[:1], second)


def test_a_run_wanting_more_workers_starts_its_own(
    params: ScenarioParams, early: list[int]
) -> None:
    """The early cluster has 2 workers; a run of 3 starts (and closes) a cluster of 3."""
    assert _early._EARLY is not None
    _early._EARLY.n_workers = 1  # as if started with --workers 1
    tasks = _tasks(6, 2)
    on_dask = run_tasks_dask(params, tasks, workers=2)
    assert early == [2, 2]  # the early one, then the run's own
    _same(run_tasks(params, tasks, 1), on_dask)


def test_a_failed_early_start_leaves_the_run_its_own_cluster(
    params: ScenarioParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_early, "_EARLY", None)
    real = _early.new_local_cluster
    calls: list[int] = []

    def fail_once(d: Any, n: int) -> Any:
        calls.append(n)
        if len(calls) == 1:
            raise OSError("no port")
        return real(d, n)

    monkeypatch.setattr(_early, "new_local_cluster", fail_once)
    _early.start_local_cluster(2)
    try:
        assert _early.local_cluster_address(2) is None
        tasks = _tasks(4, 2)
        _same(run_tasks(params, tasks, 1), run_tasks_dask(params, tasks, workers=2))
        assert calls == [2, 2]
    finally:
        assert _early._EARLY is not None
        _early._EARLY.close()


def _skyscreen() -> list[str]:
    script = Path(sys.executable).with_name("skyscreen")
    if script.is_file():
        return [str(script)]
    return [
        sys.executable,
        "-c",
        "import sys; from skyscreen.cli import main; sys.exit(main())",
    ]


def test_a_dask_sweep_from_the_command_line_equals_local_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    """`skyscreen sweep --executor dask`: the local rows, bit for bit.

    At exit the cluster, its workers and the fork server are gone: nothing is left in
    the command's process group.
    """
    rows = {}
    for executor in ("local", "dask"):
        out = tmp_path / executor
        cmd = [
            *_skyscreen(),
            "sweep",
            str(example_path("quickstart")),
            "--vary",
            "raids.0.count=2,5",
            "-n",
            "8",
            "--seed",
            "3",
            "--chunk-size",
            "3",
            "--workers",
            "2",
            "--executor",
            executor,
            "--out",
            str(out),
            "--no-figures",
            "--quiet",
        ]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: every descendant in it
        )
        try:
            stdout, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, stdout + stderr
            assert "Traceback" not in stderr
            deadline = time.monotonic() + 20
            while _group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not _group_alive(proc.pid), "processes left behind"
        finally:
            if _group_alive(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)
        rows[executor] = pd.read_parquet(out / "sweep.parquet")
    pd.testing.assert_frame_equal(rows["local"], rows["dask"], check_exact=True)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    # Zombies count as gone: only this test's process reaps the group's leader.
    return any(_state(pid) not in ("Z", "X", None) for pid in _group(pgid))


def _group(pgid: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(d.name))
    return pids


def _state(pid: int) -> str | None:
    try:
        return (
            (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        )
    except OSError:
        return None


def test_the_fork_server_preload_names_distributed() -> None:
    """The Dask executor's fork server imports distributed as well as the engine."""
    assert _early.DASK_PRELOAD == (_early.PRELOAD, "distributed")


@pytest.mark.parametrize(
    ("executor", "scheduler", "expected"),
    [
        ("dask", None, [("fork server", _early.DASK_PRELOAD), ("cluster", 3)]),
        ("dask", "tcp://127.0.0.1:1", []),
        ("local", None, [("fork server", (_early.PRELOAD,))]),
    ],
)
def test_the_command_line_starts_what_its_executor_needs(
    monkeypatch: pytest.MonkeyPatch,
    executor: str,
    scheduler: str | None,
    expected: list[Any],
) -> None:
    """Each executor's workers start early, as the command line can tell which.

    Dask without --scheduler: its fork server (importing distributed too), then the
    cluster; local: its fork server; an existing cluster: nothing.
    """
    import argparse

    from skyscreen import cli

    calls: list[Any] = []
    monkeypatch.setattr(
        _early,
        "start_fork_server",
        lambda preload=(_early.PRELOAD,): calls.append(("fork server", tuple(preload))),
    )
    monkeypatch.setattr(
        _early, "start_local_cluster", lambda w: calls.append(("cluster", w))
    )
    args = argparse.Namespace(executor=executor, scheduler=scheduler, workers=3)
    cli._start_dask_fork_server_early(args)
    cli._start_workers_early(args)
    assert calls == expected
