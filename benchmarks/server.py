"""REST API benchmark: 10,000 runs in one experiment, read by the server extension.

Builds the workspace through the store API (5 metrics of 10 points per run),
then measures the median time of each answer twice: as a direct call of the
service (server time) and as an HTTP round trip to a real `jupyter server`
subprocess (isolated config/runtime/data dirs, a token, a free port; stopped
by its PID). Writes benchmarks/results/server.md and prints it.

    python benchmarks/server.py [--runs 10000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runwatch import Workspace
from runwatch.core._queries import RunQuery
from runwatch.core._records import MetricBatch
from runwatch.server._locate import WorkspaceLocator
from runwatch.views._service import RunwatchService

RESULTS = Path(__file__).parent / "results" / "server.md"
STATUSES = {"Completed": 0.85, "Failed": 0.1, "Running": 0.03, "Queued": 0.02}


def build(
    folder: Path,
    runs: int,
    *,
    batch: int = 1000,
    properties: Callable[[random.Random], dict[str, Any]] | None = None,
) -> Workspace:
    """A workspace with `runs` runs in experiment "big", 5 metrics of 10 points each.

    Runs are created `batch` at a time, each batch with `properties(rng)` if given.
    """
    root = folder / ".runwatch"
    ws = Workspace("bench", f"sqlite:///{root}/runwatch.db", str(root / "artifacts"))
    ws.write_config(folder)
    rng = random.Random(0)
    ids: list[str] = []
    for status, share in STATUSES.items():
        left = int(runs * share)
        while left > 0:
            count = min(batch, left)
            infos = ws.store.create_runs(
                "big",
                count=count,
                run_type="script",
                status=status,
                tags={"team": status[:2]},
                properties=properties(rng) if properties else None,
            )
            ids += [info.id for info in infos]
            left -= count
    started = time.perf_counter()
    for i, run_id in enumerate(ids, 1):
        batches = [
            MetricBatch(
                f"metric_{m}",
                "scalar",
                "number",
                "",
                list(range(10)),
                [rng.random() for _ in range(10)],
                [time.time()] * 10,
            )
            for m in range(5)
        ]
        ws.store.append_metrics(run_id, batches)
        if i % 1000 == 0 or i == len(ids):
            rate = i / (time.perf_counter() - started)
            print(f"\r  metrics for {i}/{len(ids)} runs ({rate:.0f} runs/s)", end="", flush=True)
    print()
    return ws


def median_ms(call: Callable[[], Any], repeat: int) -> float:
    call()  # warm caches and connections
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(folder: Path, port: int, token: str) -> subprocess.Popen[bytes]:
    config = folder / "jupyter-config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"runwatch": True}},
                "RunWatch": {"workspace": str(folder)},
            }
        )
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(folder / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(folder / "jupyter-data"),
        "JUPYTER_PLATFORM_DIRS": "0",
    }
    cmd = [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root"]
    cmd += ["--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}"]
    cmd += [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}"]
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


def http_get(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body: bytes = response.read()
        return body


def wait_ready(url: str, token: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter server exited with {proc.returncode}")
        try:
            http_get(url, token)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("jupyter server did not answer within 60 s")


def median_over_http(folder: Path, paths: list[str], repeat: int) -> dict[str, float]:
    """Median ms of GET `<api>/<path>` for each path, through a `jupyter server`
    subprocess showing the workspace in `folder`; the server is stopped by its PID."""
    port, token = free_port(), "bench-" + os.urandom(8).hex()
    base = f"http://127.0.0.1:{port}/runwatch/api/"
    proc = start_server(folder, port, token)
    try:
        wait_ready(base + "experiments", token, proc)
        return {
            path: median_ms(lambda path=path: http_get(base + path, token), repeat)
            for path in paths
        }
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("RUNWATCH_QUIET", "1")
    with tempfile.TemporaryDirectory(prefix="runwatch-server-bench-") as tmp:
        folder = Path(tmp)
        print(f"building a workspace with {args.runs} runs, 5 metrics each")
        ws = build(folder, args.runs)
        service = RunwatchService(WorkspaceLocator(str(folder), str(folder)))
        run_id = service.runs(RunQuery(experiment="big", limit=1))["runs"][0]["id"]
        cursor = service.experiments()["cursor"]
        by_metric = RunQuery(
            experiment="big", sort="metric", metric="metric_0", statuses=("Completed",)
        )
        cases: list[tuple[str, Callable[[], Any], str]] = [
            (
                "first runs page (active first, newest)",
                lambda: service.runs(RunQuery(experiment="big")),
                "experiments/big/runs",
            ),
            (
                "first page sorted by a metric, status=Completed",
                lambda: service.runs(by_metric),
                "experiments/big/runs?sort=metric&metric=metric_0&status=Completed",
            ),
            (
                "first page, text filter q=big_ and status=Failed",
                lambda: service.runs(RunQuery(experiment="big", text="big_", statuses=("Failed",))),
                "experiments/big/runs?q=big_&status=Failed",
            ),
            (
                "unchanged poll (since = cursor)",
                lambda: service.runs(RunQuery(experiment="big"), since=cursor),
                f"experiments/big/runs?since={cursor}",
            ),
            ("run details", lambda: service.run(run_id), f"runs/{run_id}"),
            ("experiments list", service.experiments, "experiments"),
        ]
        direct = {name: median_ms(call, args.repeat) for name, call, _ in cases}
        http = median_over_http(folder, [path for _, _, path in cases], args.repeat)
        http = {name: http[path] for name, _, path in cases}
        ws.store.close()
    lines = [
        f"# REST API: {args.runs:,} runs in one experiment",
        "",
        f"Medians of {args.repeat} calls on {os.cpu_count()} cores, SQLite store, 5 metrics per "
        "run. *Service* is the direct call (server time); *HTTP* the round trip to a "
        "`jupyter server` subprocess on 127.0.0.1 (auth, JSON, worker thread included).",
        "",
        "| answer | service (ms) | HTTP (ms) |",
        "|---|---:|---:|",
        *(f"| {name} | {direct[name]:.1f} | {http[name]:.1f} |" for name, _, _ in cases),
        "",
        "MLflow comparison: skipped. Creating 10,000 MLflow runs through `MlflowClient` "
        "on its SQLite backend takes minutes, past this benchmark's time budget.",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
