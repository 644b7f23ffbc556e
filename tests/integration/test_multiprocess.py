"""8 real OS processes write into ONE SQLite store at the same time.

Workers are ``_worker.py`` started with ``subprocess.Popen``; a go-file acts as a
start barrier so that they really contend. Every point is counted back.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from runwatch import Experiment, Run

from ._helpers import assert_same, make_workspace, start_worker, stop

N_PROCS = 8
N_POINTS = 5_000
TIMEOUT = 120.0


def value(index: int, i: int) -> int:
    # same formula as _worker.value
    return index * 1_000_000 + i


def run_workers(tmp: Path, argv_for: Any) -> list[dict]:
    """Start N_PROCS workers, release them together, wait, return their JSON lines."""
    go = tmp / "go"
    procs: list[tuple[subprocess.Popen[Any], Path, Path]] = []
    try:
        for k in range(N_PROCS):
            out, err = tmp / f"worker{k}.out", tmp / f"worker{k}.err"
            with out.open("wb") as fo, err.open("wb") as fe:
                procs.append(
                    (start_worker([*argv_for(k), go], cwd=tmp, stdout=fo, stderr=fe), out, err)
                )
        time.sleep(0.2)
        go.touch()
        deadline = time.monotonic() + TIMEOUT
        for proc, _, _ in procs:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for proc, _, _ in procs:
            stop(proc)

    reports = []
    for k, (proc, out, err) in enumerate(procs):
        assert proc.returncode == 0, (
            f"worker {k} exited {proc.returncode}:\n{err.read_text(errors='replace')[-4000:]}"
        )
        lines = out.read_text().splitlines()
        assert len(lines) == 1, (k, lines)
        reports.append(json.loads(lines[0]))
    assert [r["index"] for r in reports] == list(range(N_PROCS))
    return reports


def test_eight_processes_each_their_own_run(ws_dir: Path) -> None:
    ws = make_workspace(ws_dir)
    exp = Experiment(ws, "mp-own")  # store and experiment exist before the workers start
    workers = ws_dir / "w"
    workers.mkdir()

    reports = run_workers(workers, lambda k: ["own-run", ws_dir, "mp-own", k, N_POINTS])

    run_ids = [r["run_id"] for r in reports]
    assert len(set(run_ids)) == N_PROCS, run_ids
    numbers = sorted(r["number"] for r in reports)
    assert numbers == list(range(numbers[0], numbers[0] + N_PROCS)), numbers

    # count every point back, from this (parent) process
    reader = make_workspace(ws_dir)
    total = 0
    for k, run_id in enumerate(run_ids):
        run = Run.get(reader, run_id)
        assert run.get_status() == "Completed"
        assert run.get_tags() == {"worker": str(k)}
        assert run.number == reports[k]["number"]
        metrics = run.get_metrics()
        assert_same({"x": [value(k, i) for i in range(N_POINTS)]}, metrics, f"run of worker {k}")
        total += len(metrics["x"])
        assert Run(exp, run_id).id == run_id
    assert total == N_PROCS * N_POINTS


def test_eight_processes_share_one_run(ws_dir: Path) -> None:
    ws = make_workspace(ws_dir)
    exp = Experiment(ws, "mp-shared")
    run = exp.start_logging()
    run.flush()
    workers = ws_dir / "w"
    workers.mkdir()

    reports = run_workers(workers, lambda k: ["same-run", ws_dir, run.id, k, N_POINTS])
    assert {r["run_id"] for r in reports} == {run.id}

    expected = {f"p{k}": [value(k, i) for i in range(N_POINTS)] for k in range(N_PROCS)}
    # read back through the parent's own Run object and through a fresh one
    assert_same(expected, run.get_metrics(), "parent Run object")
    fresh = Run.get(make_workspace(ws_dir), run.id)
    got = fresh.get_metrics()
    assert_same(expected, got, "fresh Run.get")
    assert sum(len(v) for v in got.values()) == N_PROCS * N_POINTS

    # attaching with Run.get does not make a worker the run's owner: its exit must not end it
    assert fresh.get_status() == "Running"

    # each worker also set one tag on the shared run, all at once: none may be lost
    tags = fresh.get_tags()
    assert sorted(tags) == sorted(f"worker-{k}" for k in range(N_PROCS)), tags

    run.complete()
    assert Run.get(make_workspace(ws_dir), run.id).get_status() == "Completed"
    assert_same(expected, Run(exp, run.id).get_metrics(), "after complete()")
