"""Services the tests (and benchmarks/dask_sweep.py) start as child processes on
127.0.0.1: a free port, stopping a process, and a Dask scheduler with workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """End `process` by its PID: SIGTERM, then SIGKILL to its process group (or to it)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: its children too
        except (ProcessLookupError, PermissionError):
            process.kill()
        process.wait(timeout=timeout)


@contextlib.contextmanager
def dask_cluster(
    logs: Path,
    workers: int,
    threads: int,
    *,
    env: Mapping[str, str] | None = None,
    worker_args: Sequence[str] = (),
) -> Iterator[tuple[str, Any]]:
    """`dask scheduler` and `dask worker --nworkers N` as child processes on loopback;
    yields the scheduler address and a connected `distributed.Client`, once every
    worker is there. Dashboards bind 127.0.0.1 too (`--no-dashboard` would still
    bind 0.0.0.0:8787; port 0 gives each worker a free one)."""
    import distributed

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> None:
        with open(logs / f"{name}.log", "wb") as log:
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "dask", *args],
                    env=None if env is None else dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    client = None
    try:
        start(
            "scheduler",
            *("scheduler", "--host", "127.0.0.1", "--port", str(port)),
            *("--dashboard-address", "127.0.0.1:0"),
        )
        start(
            "worker",
            *("worker", address, "--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0"),
            *("--nworkers", str(workers), "--nthreads", str(threads), *worker_args),
        )
        client = distributed.Client(address, timeout=30, set_as_default=False)
        client.wait_for_workers(workers, timeout=60)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for process in reversed(started):  # the workers (and their nannies), then the scheduler
            stop(process, timeout=15)
