"""32 real OS processes log into ONE PostgreSQL store at the same time.

The PostgreSQL counterpart of ``test_multiprocess.py`` (8 processes, SQLite), at four
times the processes: each worker (``_worker.py stress``) opens the shared store, says
it is ready, waits for a go-file so that all of them really contend, then logs 2,000
points to each of 3 metrics with a flush every 250 steps and sets tags before, during
and after. Every worker must exit cleanly and every point must be there, in order.

Uses a throwaway server (``postgres_server``); skipped without PostgreSQL unless
RUNWATCH_REQUIRE_POSTGRES=1 or RUNWATCH_REQUIRE_ALL=1.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from runwatch import Experiment, Run, Workspace

from ._helpers import assert_same, start_worker, stop
from ._worker import STRESS_FLUSH_EVERY, STRESS_METRICS, stress_point

# One server per test process; 32 processes on a small machine: keep it apart.
pytestmark = pytest.mark.xdist_group("postgres_stress")

N_PROCS = 32
N_POINTS = 2_000
#: Connections one worker may hold: its main thread, the background writer, the log tick.
CONNECTIONS_PER_PROCESS = 3
READY_TIMEOUT = 90.0
TIMEOUT = 120.0


def _connections(server: Any) -> int:
    """Sessions runwatch holds on the server right now."""
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'runwatch'"
        ).fetchone()
        return int(row[0]) if row else 0


def run_stress_workers(tmp: Path, server: Any, url: str) -> tuple[list[dict], int]:
    """Start N_PROCS workers, release them together once all are ready, wait.

    Returns their JSON lines and the most runwatch sessions seen on the server."""
    go = tmp / "go"
    procs: list[tuple[subprocess.Popen[Any], Path, Path]] = []
    peak = 0
    started = time.monotonic()
    try:
        for k in range(N_PROCS):
            out, err = tmp / f"worker{k}.out", tmp / f"worker{k}.err"
            with out.open("wb") as fo, err.open("wb") as fe:
                argv = ["stress", url, tmp / "artifacts", "stress", k, N_POINTS, go]
                procs.append((start_worker(argv, cwd=tmp, stdout=fo, stderr=fe), out, err))
        deadline = time.monotonic() + READY_TIMEOUT
        while sum(1 for k in range(N_PROCS) if Path(f"{go}.ready{k}").exists()) < N_PROCS:
            dead = [k for k, (proc, _, _) in enumerate(procs) if proc.poll() is not None]
            assert not dead, f"workers {dead} exited before the start: {_stderr(procs[dead[0]])}"
            assert time.monotonic() < deadline, "the workers did not all get ready in time"
            time.sleep(0.05)
        ready = time.monotonic()
        go.touch()
        deadline = time.monotonic() + TIMEOUT
        while any(proc.poll() is None for proc, _, _ in procs):
            assert time.monotonic() < deadline, f"the workers did not finish in {TIMEOUT:g} s"
            peak = max(peak, _connections(server))
            time.sleep(0.1)
        print(f"ready after {ready - started:.1f} s, logged in {time.monotonic() - ready:.1f} s")
    finally:
        for proc, _, _ in procs:
            stop(proc)

    reports = []
    for k, (proc, out, err) in enumerate(procs):
        assert proc.returncode == 0, f"worker {k} exited {proc.returncode}:\n{_stderr(procs[k])}"
        assert "Traceback" not in err.read_text(errors="replace"), _stderr(procs[k])
        lines = out.read_text().splitlines()
        assert len(lines) == 1, (k, lines)
        reports.append(json.loads(lines[0]))
    assert [r["index"] for r in reports] == list(range(N_PROCS))
    return reports, peak


def _stderr(proc: tuple[subprocess.Popen[Any], Path, Path]) -> str:
    return proc[2].read_text(errors="replace")[-4000:]


def test_thirty_two_processes_log_into_one_postgres_store(
    postgres_server: Any, tmp_path: Path
) -> None:
    import psycopg

    server = postgres_server

    with psycopg.connect(server.url()) as conn:
        row = conn.execute("SHOW max_connections").fetchone()
    max_connections = int(row[0]) if row else 0
    # every worker's sessions, the parent's and the sampler's must fit
    assert max_connections >= N_PROCS * CONNECTIONS_PER_PROCESS + 10, max_connections

    url = server.new_database("stress")
    ws = Workspace("t", store=url, artifacts=f"{tmp_path}/artifacts")
    Experiment(ws, "stress")  # store and experiment exist before the workers start
    ws.store.close()

    began = time.monotonic()
    reports, peak = run_stress_workers(tmp_path, server, url)
    elapsed = time.monotonic() - began
    assert peak <= N_PROCS * CONNECTIONS_PER_PROCESS, peak

    run_ids = [r["run_id"] for r in reports]
    assert len(set(run_ids)) == N_PROCS, run_ids
    numbers = sorted(r["number"] for r in reports)
    assert numbers == list(range(numbers[0], numbers[0] + N_PROCS)), numbers

    # count every point back, from this (parent) process, through a fresh workspace
    reader = Workspace("t", store=url, artifacts=f"{tmp_path}/artifacts")
    try:
        flushed_tags = {
            f"flushed-{i}": str(i)
            for i in range(STRESS_FLUSH_EVERY, N_POINTS + 1, STRESS_FLUSH_EVERY)
        }
        total = 0
        for k, run_id in enumerate(run_ids):
            run = Run.get(reader, run_id)
            assert run.get_status() == "Completed", (k, run.get_status())
            assert run.get_tags() == {"worker": str(k), "phase": "done", **flushed_tags}
            expected = {m: [stress_point(m, k, i) for i in range(N_POINTS)] for m in STRESS_METRICS}
            metrics = run.get_metrics()
            assert_same(expected, metrics, f"run of worker {k}")
            total += sum(len(v) for v in metrics.values())
        assert total == N_PROCS * N_POINTS * len(STRESS_METRICS)
        listed = Experiment(reader, "stress").get_run_summaries()
        assert sorted(s.id for s in listed) == sorted(run_ids)
    finally:
        reader.store.close()
    print(f"{N_PROCS} processes: {elapsed:.1f} s, peak {peak} runwatch sessions")
