"""S3-compatible servers on 127.0.0.1 for the artifact tests, each in a process of its own.

moto's server answers any credentials; `rclone serve s3` checks request
signatures against its `--auth-key`. Both run as child processes (stopped by
PID) rather than threads: a test that measures the client's memory with
tracemalloc must not count the server's copy of the upload. moto's request
log (one line per request, with method, path and status) goes to a file that
tests read to count requests.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _procs import free_port, stop

KEY = "runwatch-test-key"
SECRET = "runwatch-test-secret-0123456789"
_REQUEST = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


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


@dataclass
class Server:
    """A running S3-compatible server: where it listens and how to sign in."""

    endpoint: str
    key: str
    secret: str
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)

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

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request logged so far (moto only)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [
            (m["method"], m["path"], int(m["status"]))
            for m in map(_REQUEST.search, lines)
            if m is not None
        ]


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
    try:
        _wait_for_port(port, process, log)
        yield Server(f"http://127.0.0.1:{port}", KEY, SECRET, log, process)
    finally:
        stop(process)


def rclone_available() -> bool:
    return shutil.which("rclone") is not None


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
