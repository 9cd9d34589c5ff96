"""Fixtures of the viewer's tests: one small run, shared, and a server in a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import skyscreen
from skyscreen.viewer import ViewerServer, make_server

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.yaml"
RECORD = 3


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four replications of the quickstart with events; the first three recorded."""
    out = tmp_path_factory.mktemp("viewer") / "run"
    result = skyscreen.simulate(
        EXAMPLE,
        replications=4,
        events=True,
        record=RECORD,
        progress=False,
        workers=1,
    )
    result.save(out)
    return out


def start(server: ViewerServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def stop(server: ViewerServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture
def launch() -> Iterator[Callable[..., ViewerServer]]:
    """``launch(run_dir, **make_server_kwargs)``: a server in a thread, stopped after."""
    running: list[tuple[ViewerServer, threading.Thread]] = []

    def go(path: Path, **kwargs: Any) -> ViewerServer:
        srv = make_server(path, **{"port": 0, **kwargs})
        running.append((srv, start(srv)))
        return srv

    yield go
    for srv, thread in running:
        stop(srv, thread)


@pytest.fixture(scope="session")
def server(run_dir: Path) -> Iterator[ViewerServer]:
    """The viewer of ``run_dir`` on a free port of 127.0.0.1."""
    srv = make_server(run_dir, port=0)
    thread = start(srv)
    yield srv
    stop(srv, thread)
