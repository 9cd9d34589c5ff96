"""A small local HTTP server for the viewer: the static page and the run's JSON.

It serves exactly:

- ``/`` and ``/static/<file>``: the files of the package's ``static`` folder, listed
  when the server starts (no directory listings, nothing else on disk);
- ``/api/run``: the scenario and the run (:meth:`RunData.meta`);
- ``/api/replication/<id>``: one recorded replication (:meth:`RunData.replication`);
- ``/files/<name>``: ``run.json`` and the Parquet tables run.json lists, for download.

Only GET and HEAD are answered (anything else is 405). Paths are checked before
anything is looked up: no ``..`` or ``.`` segment, no backslash, no NUL or control
character, no percent-encoding that decodes to another escape (double encoding), no
absolute URI; a file is served only if its real path (symbolic links resolved) lies
inside the static folder or the run directory. A ``Host`` header other than the
loopback names (``localhost``, ``127.0.0.1``, ``[::1]``, any port) or the address the
server was bound to is refused with 403, against DNS rebinding. Every answer carries
``X-Content-Type-Options: nosniff`` and a Content-Security-Policy that allows only
this origin's scripts, styles and data.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import json
import os
import re
import socket
import sys
import threading
import webbrowser
from collections import OrderedDict
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from skyscreen.errors import SkyscreenError
from skyscreen.viewer.data import RunData, load_run_data

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "LOOPBACK_HOSTS",
    "STATIC_DIR",
    "ViewerServer",
    "make_server",
    "serve",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
STATIC_DIR = Path(__file__).parent / "static"

MAX_PATH = 2048
"""Longest request target accepted (characters); longer is 414."""
MAX_HEADERS_BYTES = 16384
"""Most header bytes accepted in one request; more is 431."""
MAX_STATIC_BYTES = 16 * 2**20
"""Largest static file served."""
CACHED_REPLICATIONS = 4

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", CSP),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
}
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?$")


class _Reject(Exception):
    """A request refused with ``status`` and a short reason."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _list_files(root: Path) -> dict[str, Path]:
    """The regular files under ``root`` whose real path lies inside it, by URL path."""
    out: dict[str, Path] = {}
    try:
        real_root = root.resolve(strict=True)
    except OSError:
        return out
    for dirpath, dirnames, filenames in os.walk(real_root):
        dirnames[:] = sorted(d for d in dirnames if _SEGMENT.match(d))
        for name in sorted(filenames):
            if not _SEGMENT.match(name):
                continue
            f = Path(dirpath) / name
            if _inside(f, real_root) and f.is_file():
                out[f.relative_to(real_root).as_posix()] = f
    return out


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, every symbolic link resolved, is ``root`` or inside it."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real == root or root in real.parents


class ViewerServer(http.server.ThreadingHTTPServer):
    """The viewer's HTTP server (a :class:`http.server.ThreadingHTTPServer`).

    Made by :func:`make_server`: ``server_address``, ``serve_forever()``,
    ``shutdown()`` and ``server_close()`` as any ``socketserver`` server, plus
    :attr:`url`.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 32

    def __init__(
        self,
        address: tuple[str, int],
        data: RunData,
        static_dir: Path,
        allowed_hosts: Iterable[str] = (),
        log: Callable[[str], None] | None = None,
    ) -> None:
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.data = data
        self.static_root = static_dir.resolve()
        self.static_files = _list_files(static_dir)
        if "index.html" not in self.static_files:
            raise SkyscreenError(f"{static_dir}: the viewer's index.html is missing")
        self.run_root = Path(data.path or ".").resolve()
        self.run_files = ["run.json", *sorted(data.result_files())]
        hosts = {h.lower() for h in LOOPBACK_HOSTS}
        for h in (host, *allowed_hosts):
            h = h.lower().strip()
            if h and h not in ("0.0.0.0", "::", ""):
                hosts.add(f"[{h}]" if ":" in h and not h.startswith("[") else h)
        self.allowed_hosts = frozenset(hosts)
        self.log = log
        self._lock = threading.Lock()
        self._meta_body: bytes | None = None
        self._replications: OrderedDict[int, bytes] = OrderedDict()
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """The page's address, e.g. ``http://127.0.0.1:8765/``."""
        host, port = self.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{port}/"

    def meta_body(self) -> bytes:
        """``/api/run`` as JSON bytes, built once."""
        with self._lock:
            if self._meta_body is None:
                self._meta_body = _json(self.data.meta())
            return self._meta_body

    def replication_body(self, rep: int) -> bytes:
        """``/api/replication/<rep>`` as JSON bytes; a few are kept (KeyError if none)."""
        with self._lock:
            body = self._replications.get(rep)
            if body is not None:
                self._replications.move_to_end(rep)
                return body
        body = _json(self.data.replication(rep))  # KeyError if not recorded
        with self._lock:
            self._replications[rep] = body
            while len(self._replications) > CACHED_REPLICATIONS:
                self._replications.popitem(last=False)
        return body


def _json(obj: Any) -> bytes:
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode("utf-8")


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ViewerServer
    server_version = "skyscreen-viewer"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a connection may stay silent

    # ------------------------------------------------------------------ dispatch

    def handle_one_request(self) -> None:
        """As the base class, but only GET and HEAD reach a handler (else 405)."""
        try:
            self.raw_requestline = self.rfile.readline(MAX_PATH + 64)
            if len(self.raw_requestline) > MAX_PATH + 32:
                self.requestline = ""
                self.request_version = ""
                self.command = ""
                self._refuse(HTTPStatus.REQUEST_URI_TOO_LONG, "request line too long")
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            if sum(len(k) + len(v) + 4 for k, v in self.headers.items()) > (
                MAX_HEADERS_BYTES
            ):
                self._refuse(
                    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers too large"
                )
                return
            if self.command not in ("GET", "HEAD"):
                self._refuse(HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD")
                return
            self._answer(head=self.command == "HEAD")
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True

    def _answer(self, head: bool) -> None:
        try:
            self._check_host()
            route = _clean_path(self.path)
            status, ctype, body, extra = self._route(route)
        except _Reject as exc:
            self._refuse(exc.status, exc.reason)
            return
        except Exception as exc:  # noqa: BLE001 - never a traceback to the client
            self.log_error("error answering %r: %r", self.path, exc)
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")
            return
        gz = False
        if (
            len(body) > 1024
            and ctype.startswith(("application/json", "text/"))
            and "gzip" in self.headers.get("Accept-Encoding", "")
        ):
            body = gzip.compress(body, compresslevel=5)
            gz = True
        self.send_response(status)
        self._common_headers(ctype, len(body))
        if gz:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _common_headers(self, ctype: str, length: int) -> None:
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        for k, v in SECURITY_HEADERS:
            self.send_header(k, v)

    def _refuse(self, status: HTTPStatus, reason: str) -> None:
        body = f"{int(status)} {status.phrase}: {reason}\n".encode()
        self.close_connection = True
        try:
            self.send_response(status)
            self._common_headers("text/plain; charset=utf-8", len(body))
            if status == HTTPStatus.METHOD_NOT_ALLOWED:
                self.send_header("Allow", "GET, HEAD")
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        """The base class's errors (bad request line, 501...) as plain text."""
        self._refuse(HTTPStatus(code), message or HTTPStatus(code).phrase)

    def _check_host(self) -> None:
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1:
            raise _Reject(HTTPStatus.FORBIDDEN, "exactly one Host header is required")
        m = _HOST.match(hosts[0].strip())
        if m is None or m.group(1).lower() not in self.server.allowed_hosts:
            raise _Reject(
                HTTPStatus.FORBIDDEN,
                "Host must be localhost, 127.0.0.1 or [::1] (DNS rebinding guard)",
            )

    # ------------------------------------------------------------------ routes

    def _route(self, parts: list[str]) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        srv = self.server
        if not parts:
            return self._static("index.html")
        head, rest = parts[0], parts[1:]
        if head == "static" and rest:
            return self._static("/".join(rest))
        if head == "favicon.ico" and not rest:
            return self._static("favicon.svg")
        if head == "api":
            if rest == ["run"]:
                return 200, "application/json", srv.meta_body(), []
            if len(rest) == 2 and rest[0] == "replication":
                if not re.fullmatch(r"[0-9]{1,10}", rest[1]):
                    raise _Reject(HTTPStatus.NOT_FOUND, "no such replication")
                try:
                    body = srv.replication_body(int(rest[1]))
                except KeyError:
                    raise _Reject(
                        HTTPStatus.NOT_FOUND,
                        f"replication {int(rest[1])} has no trajectories in this run "
                        "(record it with --record)",
                    ) from None
                return 200, "application/json", body, []
        if head == "files" and len(rest) == 1 and rest[0] in srv.run_files:
            return self._file(srv.run_root, srv.run_root / rest[0], download=True)
        raise _Reject(HTTPStatus.NOT_FOUND, "not found")

    def _static(self, name: str) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        srv = self.server
        f = srv.static_files.get(name)
        if f is None:
            raise _Reject(HTTPStatus.NOT_FOUND, "not found")
        return self._file(srv.static_root, f, download=False)

    def _file(
        self, root: Path, f: Path, download: bool
    ) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        # Checked again at every request: a link swapped in since the start.
        if not _inside(f, root) or not f.is_file():
            raise _Reject(HTTPStatus.NOT_FOUND, "not found")
        try:
            with f.open("rb") as fh:
                body = fh.read(MAX_STATIC_BYTES + 1)
        except OSError:
            raise _Reject(HTTPStatus.NOT_FOUND, "not found") from None
        if len(body) > MAX_STATIC_BYTES and not download:
            raise _Reject(HTTPStatus.NOT_FOUND, "not found")
        if download and len(body) > MAX_STATIC_BYTES:
            with f.open("rb") as fh:
                body = fh.read()
        ctype = CONTENT_TYPES.get(f.suffix.lower(), "application/octet-stream")
        extra = (
            [("Content-Disposition", f'attachment; filename="{f.name}"')]
            if download
            else []
        )
        return 200, ctype, body, extra

    # ------------------------------------------------------------------ logging

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log is not None:
            self.server.log(
                f"{self.address_string()} - {format % args}".replace("\n", " ")
            )


def _clean_path(target: str) -> list[str]:
    """The request target's path segments, or a :class:`_Reject`.

    Refuses what could reach outside the served names: an absolute URI or ``*``,
    backslashes, NUL and control characters (raw or percent-encoded), ``.`` and
    ``..`` segments (raw, encoded or double-encoded), empty segments and any
    segment that is not a plain name.
    """
    if len(target) > MAX_PATH:
        raise _Reject(HTTPStatus.REQUEST_URI_TOO_LONG, "path too long")
    if not target.startswith("/") or target.startswith("//"):
        raise _Reject(HTTPStatus.BAD_REQUEST, "the path must start with one /")
    path = target.split("?", 1)[0].split("#", 1)[0]
    if any(c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        raise _Reject(HTTPStatus.BAD_REQUEST, "illegal character in the path")
    try:
        decoded = unquote(path, errors="strict") if "%" in path else path
    except UnicodeDecodeError:
        raise _Reject(HTTPStatus.BAD_REQUEST, "the path is not UTF-8") from None
    if "%" in decoded:
        raise _Reject(HTTPStatus.BAD_REQUEST, "double-encoded path")
    if any(c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        raise _Reject(HTTPStatus.BAD_REQUEST, "illegal character in the path")
    if decoded == "/":
        return []
    parts = decoded[1:].split("/")
    for seg in parts:
        if seg in (".", "..") or seg.startswith("."):
            raise _Reject(HTTPStatus.BAD_REQUEST, "path traversal")
        if not _SEGMENT.match(seg):
            raise _Reject(HTTPStatus.NOT_FOUND, "not found")
    return parts


def make_server(
    run_dir: str | Path,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    allowed_hosts: Iterable[str] = (),
    log: Callable[[str], None] | None = None,
    static_dir: str | Path | None = None,
) -> ViewerServer:
    """Verify a run directory and bind the viewer's server to it (not yet serving).

    Parameters
    ----------
    run_dir : path
        A run directory (``skyscreen run --out``); read and verified first.
    host : str, default "127.0.0.1"
        Address to bind. Requests must still name a loopback host (or this one) in
        their ``Host`` header.
    port : int, default 0
        Port; 0 picks a free one (see ``server.server_address``).
    allowed_hosts : iterable of str
        Further names accepted in the ``Host`` header (e.g. the machine's name when
        serving on another interface).
    log : callable, optional
        Called with one line per request; default silent.
    static_dir : path, optional
        The page's files; default the package's own.

    Raises
    ------
    ResultSchemaError
        If ``run_dir`` is not a complete, intact run directory.
    SkyscreenError
        If the address cannot be bound (port in use, unknown host).
    """
    data = load_run_data(run_dir)
    data.meta()  # built now: a scenario the viewer cannot draw fails before serving
    static = Path(static_dir) if static_dir is not None else STATIC_DIR
    try:
        return ViewerServer(
            (host, int(port)), data, static, allowed_hosts=allowed_hosts, log=log
        )
    except OSError as exc:
        why = exc.strerror or str(exc)
        hint = (
            "; pick another port (--port), or 0 for any free one"
            if exc.errno in (98, 48, 10048)
            else ""
        )
        raise SkyscreenError(
            f"cannot serve the viewer on {host}:{port}: {why}{hint}"
        ) from None


def serve(
    run_dir: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    open_browser: bool = False,
    *,
    allowed_hosts: Iterable[str] = (),
    log: Callable[[str], None] | None = None,
    out: Any = None,
) -> None:
    """Serve the viewer of a run directory until interrupted (Ctrl-C).

    Parameters
    ----------
    run_dir : path
        The run directory; verified before anything is served.
    host, port : str, int
        Address to bind; default ``127.0.0.1:8765`` (port 0: any free port).
    open_browser : bool
        Open the page in the default web browser.
    allowed_hosts, log
        As :func:`make_server`.
    out : file, optional
        Where the address is printed; default stderr.
    """
    server = make_server(
        run_dir, host=host, port=port, allowed_hosts=allowed_hosts, log=log
    )
    stream = out if out is not None else sys.stderr
    with server:
        print(
            f"skyscreen viewer: {server.data.meta()['scenario_name']} at {server.url} "
            "(Ctrl-C to stop)",
            file=stream,
            flush=True,
        )
        if open_browser:
            with contextlib.suppress(Exception):
                webbrowser.open(server.url)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever(poll_interval=0.5)
