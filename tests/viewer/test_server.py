"""The viewer's HTTP server: what it serves, and everything it must refuse.

Requests go over real sockets, written byte for byte, so that paths reach the server
exactly as given (no client normalises ``..`` or percent-escapes on the way).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import skyscreen
from skyscreen.errors import ResultSchemaError, SkyscreenError
from skyscreen.viewer import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ViewerServer,
    make_server,
    serve,
)
from skyscreen.viewer.server import CSP, STATIC_DIR

RECORD = 3  # conftest.run_dir records the first three of four replications


@dataclasses.dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def request(
    server: ViewerServer,
    target: str | bytes,
    method: str = "GET",
    host: str | None = "127.0.0.1",
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
) -> Response:
    """Send one raw HTTP/1.1 request and read the whole answer."""
    host_, port_ = server.server_address[:2]
    addr = (str(host_), int(port_))
    raw = target.encode("latin-1") if isinstance(target, str) else target
    lines = [method.encode() + b" " + raw + b" HTTP/1.1"]
    if host is not None:
        lines.append(b"Host: " + host.encode("latin-1"))
    for k, v in headers:
        lines.append(f"{k}: {v}".encode("latin-1"))
    lines.append(b"Connection: close")
    if body:
        lines.append(f"Content-Length: {len(body)}".encode())
    data = b"\r\n".join(lines) + b"\r\n\r\n" + body
    with socket.create_connection(addr, timeout=20) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    head, _, rest = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    hdrs = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return Response(status, hdrs, rest)


def get_json(server: ViewerServer, target: str) -> dict[str, Any]:
    r = request(server, target)
    assert r.status == 200, r.body
    assert r.headers["content-type"] == "application/json"
    data: dict[str, Any] = json.loads(r.body)
    return data


# --------------------------------------------------------------------------- serving


def test_binds_loopback_by_default(server: ViewerServer) -> None:
    assert DEFAULT_HOST == "127.0.0.1"
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")
    assert DEFAULT_PORT == 8765


def test_page_and_security_headers(server: ViewerServer) -> None:
    r = request(server, "/")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/html")
    assert b"/static/app.js" in r.body
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == CSP
    assert "default-src 'self'" in CSP
    assert "unsafe" not in CSP
    assert r.headers["x-frame-options"] == "DENY"
    for name in ("app.js", "style.css", "favicon.svg"):
        s = request(server, f"/static/{name}")
        assert s.status == 200, name
        assert s.headers["x-content-type-options"] == "nosniff"
    assert (
        request(server, "/static/app.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )


def test_page_uses_no_outside_resource() -> None:
    """Offline: no URL of another origin in the page, script or style."""
    for f in STATIC_DIR.iterdir():
        if f.suffix in (".html", ".js", ".css"):
            text = f.read_text()
            assert "http://" not in text, f.name
            assert "https://" not in text, f.name
            assert "//cdn" not in text, f.name


def test_api_run(server: ViewerServer, run_dir: Path) -> None:
    meta = get_json(server, "/api/run")
    assert meta["scenario_name"] == "quickstart"
    assert meta["replications"] == 4
    assert meta["recorded"] == list(range(RECORD))
    assert [r["id"] for r in meta["replication_summaries"]] == list(range(RECORD))
    assert {a["id"] for a in meta["assets"]} == {"fuel"}
    fuel = meta["assets"][0]
    assert (fuel["x"], fuel["y"], fuel["value_usd"], fuel["occupancy"]) == (
        0,
        0,
        20_000_000,
        10,
    )
    assert {e["id"]: (e["x"], e["y"]) for e in meta["effectors"]} == {
        "gun-1": (300, 300),
        "sam-1": (-300, 0),
    }
    assert all(e["range_max_m"] > 0 for e in meta["effectors"])
    assert meta["sensors"][0]["id"] == "radar-1"
    cov = meta["coverage"][0]
    assert cov["raids"] == ["wave-1"]
    assert cov["sensors"][0]["range_m"] > 1000
    assert meta["raids"][0]["launch_x"] == 20000


def test_api_replication_matches_tables(server: ViewerServer, run_dir: Path) -> None:
    run = skyscreen.load_run(run_dir)
    for rep in range(RECORD):
        data = get_json(server, f"/api/replication/{rep}")
        assert data["replication"] == rep
        drones = run.drones[run.drones["replication"] == rep].sort_values("drone")
        assert data["drones"]["state"] == drones["state"].astype(str).tolist()
        assert len(data["trajectories"]) == len(drones)
        for tr in data["trajectories"]:
            row = drones[drones["drone"] == tr["drone"]].iloc[0]
            # the last sample is where the flight ended
            assert tr["x"][-1] == pytest.approx(row["x_end_m"], abs=0.06)
            assert tr["y"][-1] == pytest.approx(row["y_end_m"], abs=0.06)
            assert tr["states"][-1][1] == row["state"]
        ev = data["events"]
        events = run.events
        assert events is not None
        n = int(((events["replication"] == rep) & (events["kind"] != "decision")).sum())
        assert len(ev["t_s"]) == n
        assert ev["t_s"] == sorted(ev["t_s"])
        assert data["picture"] is None  # truth fidelity: no air picture


def test_unrecorded_replication_is_404(server: ViewerServer) -> None:
    for target in (f"/api/replication/{RECORD}", "/api/replication/99999"):
        r = request(server, target)
        assert r.status == 404
        assert b"--record" in r.body
    for target in ("/api/replication/-1", "/api/replication/x", "/api/replication/"):
        assert request(server, target).status == 404


def test_gzip(server: ViewerServer) -> None:
    plain = request(server, "/api/replication/0")
    packed = request(
        server, "/api/replication/0", headers=(("Accept-Encoding", "gzip"),)
    )
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    assert len(packed.body) < len(plain.body)


def test_head(server: ViewerServer) -> None:
    get = request(server, "/api/run")
    head = request(server, "/api/run", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "FOO"]
)
def test_only_get_and_head(server: ViewerServer, method: str) -> None:
    r = request(server, "/api/run", method=method, body=b"x=1")
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_run_files(server: ViewerServer, run_dir: Path) -> None:
    r = request(server, "/files/run.json")
    assert r.status == 200
    assert r.body == (run_dir / "run.json").read_bytes()
    assert r.headers["content-disposition"].startswith("attachment")
    s = request(server, "/files/summary.parquet")
    assert s.status == 200
    assert s.body == (run_dir / "summary.parquet").read_bytes()
    for name in (".skyscreen", "notes.txt", "picture.parquet", "run.json.bak"):
        assert request(server, f"/files/{name}").status in (400, 404), name


# --------------------------------------------------------------------------- refusals

SECRET = "/etc/passwd"

TRAVERSALS = [
    "/../run.json",
    "/static/../../run.json",
    "/static/../server.py",
    "/static/./app.js",
    "/static/%2e%2e/%2e%2e/run.json",
    "/static/%2E%2E/server.py",
    "/static/%2e%2e%2fserver.py",
    "/static/..%2f..%2frun.json",
    "/static/%252e%252e/%252e%252e/run.json",
    "/static/%252e%252e%252fserver.py",
    "/static/%25252e%25252e/server.py",
    "/static/..\\server.py",
    "/static/%5c..%5cserver.py",
    "/static\\..\\server.py",
    "/files/../run.json",
    "/files/%2e%2e/run.json",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%c0%afserver.py",
    "/static/%c0%ae%c0%ae/server.py",
    "/static/%ff",
    "/static/app.js%00.png",
    "/static/%00",
    "/static/app.js\x00",
    "/static/\x01",
    "//etc/passwd",
    "/etc/passwd",
    "/static//etc/passwd",
    "/static/" + SECRET,
    "/static/%2fetc%2fpasswd",
    "http://127.0.0.1/etc/passwd",
    "file:///etc/passwd",
    "*",
    "etc/passwd",
    "/static/",
    "/static",
    "/files/",
    "/api",
    "/api/",
    "/server.py",
    "/data.py",
    "/__init__.py",
    "/static/.hidden",
    "/.skyscreen",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_refuses_traversal(server: ViewerServer, target: str) -> None:
    r = request(server, target)
    assert r.status in (400, 404), (target, r.status)
    assert b"root:" not in r.body
    assert b"schema_version" not in r.body
    assert b"import" not in r.body
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"].startswith("text/plain")


def test_no_directory_listing(server: ViewerServer) -> None:
    for target in ("/static/", "/static", "/files/", "/files"):
        r = request(server, target)
        assert r.status == 404
        assert b"app.js" not in r.body
        assert b"parquet" not in r.body


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8765",
        "127.0.0.1.evil.example",
        "localhost.evil.example",
        "127.0.0.2",
        "0.0.0.0",
        "[::2]",
        "localhost:abc",
        "localhost:80:80",
        "",
        "user@localhost",
    ],
)
def test_refuses_other_hosts(server: ViewerServer, host: str) -> None:
    r = request(server, "/api/run", host=host)
    assert r.status == 403, host
    assert b"quickstart" not in r.body


def test_refuses_missing_or_repeated_host(server: ViewerServer) -> None:
    assert request(server, "/", host=None).status == 403
    r = request(server, "/", headers=(("Host", "evil.example"),))
    assert r.status == 403


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:8765", "127.0.0.1", "127.0.0.1:1", "[::1]:8765"]
)
def test_accepts_loopback_hosts(server: ViewerServer, host: str) -> None:
    assert request(server, "/api/run", host=host).status == 200


def test_bounded_requests(server: ViewerServer) -> None:
    long = request(server, "/static/" + "a" * 5000)
    assert long.status == 414
    big = request(server, "/", headers=(("X-Big", "b" * 20000),))
    assert big.status == 431
    many = request(
        server, "/", headers=tuple((f"X-H{i}", "v" * 150) for i in range(150))
    )
    assert many.status == 431


def test_refuses_symlinks_out_of_the_static_dir(
    run_dir: Path, tmp_path: Path, launch: Callable[..., ViewerServer]
) -> None:
    static = tmp_path / "static"
    shutil.copytree(STATIC_DIR, static)
    outside = tmp_path / "secret.js"
    outside.write_text("secret")
    (static / "leak.js").symlink_to(outside)
    (static / "sub").symlink_to(tmp_path)
    inside = static / "alias.js"
    inside.symlink_to(static / "app.js")  # a link that stays inside is fine
    srv = launch(run_dir, static_dir=static)
    assert request(srv, "/static/leak.js").status == 404
    assert request(srv, "/static/sub/secret.js").status == 404
    assert request(srv, "/static/alias.js").status == 200
    # a file swapped for a link after the start is refused too
    (static / "style.css").unlink()
    (static / "style.css").symlink_to(outside)
    r = request(srv, "/static/style.css")
    assert r.status == 404
    assert b"secret" not in r.body


def test_refuses_symlinks_out_of_the_run_dir(
    run_dir: Path, tmp_path: Path, launch: Callable[..., ViewerServer]
) -> None:
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(run / "events.parquet", elsewhere / "events.parquet")
    (run / "events.parquet").symlink_to(elsewhere / "events.parquet")
    srv = launch(run)  # the loader follows it: same bytes, same checksum
    assert request(srv, "/files/summary.parquet").status == 200
    assert request(srv, "/files/events.parquet").status == 404


# --------------------------------------------------------------------------- run dirs


def test_missing_run_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        ResultSchemaError, match=r"must be a run directory with run\.json"
    ):
        make_server(tmp_path / "nowhere", port=0)
    with pytest.raises(ResultSchemaError, match=r"run\.json"):
        serve(tmp_path, port=0)  # an empty directory: fails before serving


def test_corrupt_run_dir_is_a_clear_error(run_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    f = run / "trajectories.parquet"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(ResultSchemaError, match=r"trajectories\.parquet"):
        make_server(run, port=0)
    (run / "run.json").write_text("{not json")
    with pytest.raises(ResultSchemaError, match="must be valid JSON"):
        make_server(run, port=0)


def test_port_in_use_is_a_clear_error(run_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(SkyscreenError, match=f"127.0.0.1:{port}.*--port"):
            make_server(run_dir, port=port)


def test_run_without_trajectories(
    run_dir: Path, tmp_path: Path, launch: Callable[..., ViewerServer]
) -> None:
    """A run saved without --record: the scenario is served, no replication is."""
    run = skyscreen.load_run(run_dir)
    bare = dataclasses.replace(
        run, trajectories=None, meta={**run.meta, "record": 0}, path=None
    )
    bare.save(tmp_path / "bare")
    srv = launch(tmp_path / "bare")
    meta = get_json(srv, "/api/run")
    assert meta["recorded"] == []
    assert meta["replication_summaries"] == []
    assert request(srv, "/api/replication/0").status == 404
    assert request(srv, "/files/trajectories.parquet").status == 404


def test_other_host_binding(run_dir: Path, launch: Callable[..., ViewerServer]) -> None:
    """Bound elsewhere (--host), that address is accepted in Host too."""
    if not hasattr(os, "getuid"):  # pragma: no cover
        pytest.skip("POSIX only")
    srv = launch(run_dir, host="127.0.0.2")
    assert request(srv, "/", host="127.0.0.2").status == 200
    assert request(srv, "/", host="localhost").status == 200
    assert request(srv, "/", host="evil.example").status == 403
