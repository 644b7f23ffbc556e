"""S3-compatible servers on 127.0.0.1 for the artifact tests, each in a process of its own.

moto's server answers any credentials; `rclone serve s3` checks request
signatures against its `--auth-key`. Both run as child processes (stopped by
PID) rather than threads: a test that measures the client's memory with
tracemalloc must not count the server's copy of the upload.

Clients reach moto through `CountingProxy`, a small reverse proxy in a thread of
the test process that records the method, path and status of each request it
forwards: what went over the wire, counted by us rather than read from moto's
log, whose format is moto's own. It streams bodies in small pieces, so it adds
little to what tracemalloc sees.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _procs import free_port, stop

KEY = "runwatch-test-key"
SECRET = "runwatch-test-secret-0123456789"
#: Headers of one connection (RFC 9110 7.6.1) that a proxy does not pass on; Expect is
#: answered by the proxy itself (http.server sends "100 Continue").
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
     "trailer", "transfer-encoding", "upgrade", "expect"}
)  # fmt: skip
_PIECE = 64 * 1024


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            code = process.returncode
            raise RuntimeError(f"the S3 server exited with {code}:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the S3 server did not listen on port {port}:\n{log.read_text()}")


Request = tuple[str, str, int]  # (method, path with query, status)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as S3 clients expect
    timeout = 30  # an idle client connection ends its thread
    disable_nagle_algorithm = True  # headers and body go in separate writes
    server: _ProxyServer

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> Iterator[bytes]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while size := int(self.rfile.readline().split(b";")[0], 16):
                yield self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return
        left = int(self.headers.get("Content-Length") or 0)
        while left > 0:
            piece = self.rfile.read(min(left, _PIECE))
            if not piece:
                raise ConnectionError("the client closed the connection mid-body")
            left -= len(piece)
            yield piece

    def _forward(self) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        body = self._body() if chunked or "Content-Length" in self.headers else None
        upstream = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port)
        try:
            upstream.request(
                self.command, self.path, body=body, headers=headers, encode_chunked=chunked
            )
            response = upstream.getresponse()
            self.server.record((self.command, self.path, response.status))
            self.send_response_only(response.status, response.reason)
            length = response.getheader("Content-Length")
            bodiless = self.command == "HEAD" or response.status in (204, 304)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            if length is None and not bodiless:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while not bodiless and (piece := response.read(_PIECE)):
                if length is None:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
            if length is None and not bodiless:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            upstream.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward


class _ProxyServer(http.server.ThreadingHTTPServer):
    daemon_threads = False  # so that server_close() waits for every handler thread

    def __init__(self, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream_host, self.upstream_port = "127.0.0.1", upstream_port
        self.connections: set[socket.socket] = set()
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


class CountingProxy:
    """A reverse proxy to the server on `upstream_port` that records each request
    (before its answer goes back, so a request a client has seen answered is counted)."""

    def __init__(self, upstream_port: int) -> None:
        self._server = _ProxyServer(upstream_port)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="s3-counting-proxy", daemon=True
        )
        self._thread.start()

    def requests(self) -> list[Request]:
        with self._server._lock:
            return list(self._server.requests)

    def close(self) -> None:
        """Stop listening, end the client connections still open, and wait for their threads."""
        self._server.shutdown()
        self._thread.join()
        for connection in list(self._server.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()  # joins the handler threads, now at the end of input


@dataclass
class Server:
    """A running S3-compatible server: where it listens and how to sign in."""

    endpoint: str
    key: str
    secret: str
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    proxy: CountingProxy | None = field(default=None, repr=False)

    def options(self, **more: Any) -> dict[str, Any]:
        return {"endpoint_url": self.endpoint, "key": self.key, "secret": self.secret, **more}

    @functools.cached_property
    def raw(self) -> Any:
        """A raw s3fs file system, to look past the artifact store."""
        import s3fs

        return s3fs.S3FileSystem(skip_instance_cache=True, **self.options())

    def new_bucket(self) -> str:
        bucket = f"rw-{uuid.uuid4().hex[:16]}"
        self.raw.mkdir(bucket)
        return bucket

    def requests(self) -> list[Request]:
        """(method, path, status) of every request so far, in the order they were
        answered (moto only: the requests that went through its counting proxy)."""
        assert self.proxy is not None, "only the moto server is behind a counting proxy"
        return self.proxy.requests()


@contextlib.contextmanager
def moto_server(folder: Path) -> Iterator[Server]:
    port = free_port()
    log = folder / "moto.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proxy = None
    try:
        _wait_for_port(port, process, log)
        proxy = CountingProxy(port)
        yield Server(f"http://127.0.0.1:{proxy.port}", KEY, SECRET, log, process, proxy)
    finally:
        if proxy is not None:
            proxy.close()
        stop(process)


@contextlib.contextmanager
def rclone_server(folder: Path) -> Iterator[Server]:
    """`rclone serve s3` over a local folder (each bucket a sub-folder), signatures checked."""
    port = free_port()
    root = folder / "rclone-root"
    root.mkdir()
    log = folder / "rclone.log"
    env = {**os.environ, "RCLONE_CONFIG": str(folder / "rclone.conf")}  # no user config
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                "rclone",
                "serve",
                "s3",
                "--addr",
                f"127.0.0.1:{port}",
                "--auth-key",
                f"{KEY},{SECRET}",
                str(root),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        _wait_for_port(port, process, log)
        yield Server(f"http://127.0.0.1:{port}", KEY, SECRET, log, process)
    finally:
        stop(process)
