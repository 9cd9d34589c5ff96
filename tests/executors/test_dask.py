"""The Dask executor: the local executor's results, on a real Dask cluster."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from skyscreen.engine import ChunkResult
from skyscreen.errors import SkyscreenError
from skyscreen.executors import _early
from skyscreen.executors import dask as dask_executor
from skyscreen.executors.dask import run_tasks_dask
from skyscreen.executors.local import ChunkTask, run_tasks, split
from skyscreen.scenario import example_path, load_scenario, parse_scenario
from skyscreen.scenario.compile import ScenarioParams, compile_scenario

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def params() -> ScenarioParams:
    return compile_scenario(load_scenario(example_path("quickstart")))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two single-threaded worker processes, with nannies, on 127.0.0.1."""
    # The executor's own worker start-up (fork server, not spawn): seconds faster.
    with _early._dask_fork_server():
        lc = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
        )
        try:
            yield lc
        finally:
            lc.close()


@pytest.fixture
def client(cluster: Any) -> Iterator[Any]:
    c = distributed.Client(cluster.scheduler_address, set_as_default=False)
    try:
        c.wait_for_workers(2, timeout=60)
        yield c
    finally:
        c.close()


def _tasks(
    n: int, chunk: int, *, events: bool = False, point: int = 0
) -> list[ChunkTask]:
    return [
        ChunkTask(c, 11, events, 2, point=point) for c in split(np.arange(n), chunk)
    ]


def _assert_same(a: list[ChunkResult], b: list[ChunkResult]) -> None:
    """Every field of every result equal, arrays element for element (NaN == NaN)."""
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        for field in dataclasses.fields(ChunkResult):
            _assert_equal(getattr(ra, field.name), getattr(rb, field.name), field.name)


def _assert_equal(x: Any, y: Any, where: str) -> None:
    if isinstance(x, dict):
        assert isinstance(y, dict), where
        assert x.keys() == y.keys(), where
        for key in x:
            _assert_equal(x[key], y[key], f"{where}.{key}")
    elif x is None or isinstance(x, int | float | str):
        assert x == y, where
    else:
        np.testing.assert_array_equal(x, y, err_msg=where, strict=True)


def test_results_are_bit_identical_to_the_local_executor(
    params: ScenarioParams, cluster: Any, client: Any
) -> None:
    """A LocalCluster of its own, an existing cluster, 1 and 2 local workers: the same."""
    tasks = _tasks(12, 4, events=True)
    local_1 = run_tasks(params, tasks, 1)
    local_2 = run_tasks(params, tasks, 2)
    own: list[int] = []
    seen: list[float] = []
    on_dask = run_tasks_dask(
        params,
        tasks,
        workers=2,
        on_result=lambda i, r: own.append(i),
        on_progress=seen.append,
    )
    existing = run_tasks_dask(params, tasks, scheduler=cluster.scheduler_address)
    assert local_1[0].events is not None
    assert len(local_1[0].events["t_s"]) > 0
    _assert_same(local_1, local_2)
    _assert_same(local_1, on_dask)
    _assert_same(local_1, existing)
    assert sorted(own) == [0, 1, 2]
    assert seen[-1] == 12
    assert seen == sorted(seen)
    # The existing cluster is still up, with its workers.
    assert len(client.scheduler_info()["workers"]) == 2
    assert (
        run_tasks_dask(params, tasks, scheduler=cluster.scheduler_address, keep=False)
        == []
    )


def test_each_task_runs_on_its_own_points_params(cluster: Any) -> None:
    """Two sweep points (4 and 6 drones): each task's point picks its scenario."""
    spec = load_scenario(example_path("quickstart"))
    plist = []
    for count in (4, 6):
        data = spec.model_dump(mode="json", by_alias=True)
        data["raids"][0]["count"] = count
        plist.append(compile_scenario(parse_scenario(data, source="test")))
    tasks = [t for p in (0, 1) for t in _tasks(6, 3, point=p)]
    local = run_tasks(plist, tasks, 1)
    on_dask = run_tasks_dask(plist, tasks, scheduler=cluster.scheduler_address)
    _assert_same(local, on_dask)
    drones = [r.drone_status.shape[1] for r in on_dask]
    assert drones[:2] != drones[2:]
    assert drones == [drones[0]] * 2 + [drones[2]] * 2


def test_a_killed_workers_chunks_are_rerun(
    params: ScenarioParams, cluster: Any, client: Any
) -> None:
    """SIGKILL a worker with a chunk in hand: its nanny restarts it, the chunk reruns."""
    tasks = _tasks(32, 4)
    killed: list[int] = []

    def kill_one(i: int, result: ChunkResult) -> None:
        if killed:
            return
        pids = client.run(os.getpid)
        busy = [w for w, keys in client.processing().items() if keys]
        assert busy, "no chunk in flight to kill"
        killed.append(pids[busy[0]])
        os.kill(pids[busy[0]], signal.SIGKILL)

    on_dask = run_tasks_dask(
        params, tasks, scheduler=cluster.scheduler_address, on_result=kill_one
    )
    assert killed
    _assert_same(run_tasks(params, tasks, 1), on_dask)
    client.wait_for_workers(2, timeout=60)
    assert killed[0] not in client.run(os.getpid).values()


def test_ctrl_c_cancels_the_chunks_not_done(
    params: ScenarioParams, cluster: Any, client: Any
) -> None:
    """KeyboardInterrupt propagates; the cluster is left with nothing to do, and up."""

    def interrupt(i: int, result: ChunkResult) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tasks_dask(
            params,
            _tasks(40, 2),
            scheduler=cluster.scheduler_address,
            on_result=interrupt,
        )
    deadline = time.monotonic() + 10
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(client.processing().values())
    assert len(client.scheduler_info()["workers"]) == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_cluster_started_from_the_command_line(params: ScenarioParams) -> None:
    """``dask scheduler`` and two ``dask worker`` processes, as on a head node."""
    port = str(_free_port())
    address = f"tcp://127.0.0.1:{port}"
    scheduler = [
        "distributed.cli.dask_scheduler",
        "--host",
        "127.0.0.1",
        "--port",
        port,
    ]
    # --no-nanny: a process less per worker (the nanny is tested above).
    worker = [
        "distributed.cli.dask_worker",
        address,
        "--nthreads",
        "1",
        "--nworkers",
        "1",
    ]
    worker += ["--host", "127.0.0.1", "--no-nanny"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for argv in (scheduler, worker, worker):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", *argv, "--no-dashboard"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        with distributed.Client(address, timeout=30, set_as_default=False) as c:
            c.wait_for_workers(2, timeout=60)
        tasks = _tasks(8, 2)
        on_dask = run_tasks_dask(params, tasks, scheduler=address)
        _assert_same(run_tasks(params, tasks, 1), on_dask)
    finally:
        # The workers first: they would try to reconnect to a scheduler gone first.
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)


def test_an_unreachable_scheduler_is_named(
    params: ScenarioParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing listens there: a SkyscreenError naming the address, after the timeout."""
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_S", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    t = time.monotonic()
    with pytest.raises(SkyscreenError, match=address):
        run_tasks_dask(params, _tasks(2, 1), scheduler=address)
    assert time.monotonic() - t < 5


def test_without_dask_the_error_names_the_extra(
    params: ScenarioParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(SkyscreenError, match=r"pip install 'skyscreen\[dask\]'"):
        run_tasks_dask(params, _tasks(2, 1))
