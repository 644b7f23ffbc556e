"""A plain user script, run as a separate OS process by the integration tests.

    python _worker.py own-run   STORE_DIR EXPERIMENT INDEX N GO_FILE
    python _worker.py same-run  STORE_DIR RUN_ID     INDEX N GO_FILE
    python _worker.py hard-kill STORE_DIR EXPERIMENT N_FLUSHED
    python _worker.py stress    STORE_URL ARTIFACTS EXPERIMENT INDEX N GO_FILE

It only uses the public runwatch API, like a training script would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import runwatch


def workspace(store_dir: str) -> runwatch.Workspace:
    d = Path(store_dir)
    return runwatch.Workspace(
        name="t", store=f"sqlite:///{d}/runwatch.db", artifacts=f"{d}/artifacts"
    )


def wait_for(go_file: str, timeout: float = 60.0) -> None:
    """Start barrier: all workers begin logging at (nearly) the same moment."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(go_file):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {go_file}")
        time.sleep(0.002)


def value(index: int, i: int) -> int:
    """The i-th point of worker ``index``: unique across workers."""
    return index * 1_000_000 + i


def own_run(store_dir: str, experiment: str, index: int, n: int, go_file: str) -> None:
    ws = workspace(store_dir)
    exp = runwatch.Experiment(ws, experiment)
    wait_for(go_file)
    run = exp.start_logging()
    run.tag("worker", str(index))
    for i in range(n):
        run.log("x", value(index, i))
    run.complete()
    print(json.dumps({"index": index, "run_id": run.id, "number": run.number}), flush=True)


def same_run(store_dir: str, run_id: str, index: int, n: int, go_file: str) -> None:
    ws = workspace(store_dir)
    run = runwatch.Run.get(ws, run_id)
    wait_for(go_file)
    run.tag(f"worker-{index}", str(os.getpid()))  # 8 tag updates of one run at once
    for i in range(n):
        run.log(f"p{index}", value(index, i))
    run.flush()
    print(json.dumps({"index": index, "run_id": run.id}), flush=True)


STRESS_METRICS = ("a", "b", "c")
STRESS_FLUSH_EVERY = 250


def stress_point(metric: str, index: int, i: int) -> int | float:
    """The i-th point of `metric` of worker `index` (ints and floats, unique per worker)."""
    if metric == "a":
        return value(index, i)
    if metric == "b":
        return -value(index, i)
    return index + i / 4  # exact in binary, so it reads back equal


def stress(
    store_url: str, artifacts: str, experiment: str, index: int, n: int, go_file: str
) -> None:
    """One of many processes logging into one (PostgreSQL) store at once: its own run,
    `n` points to each of 3 metrics with a flush every STRESS_FLUSH_EVERY steps, tags
    before and after. Says when it is ready (`GO_FILE.ready<INDEX>`), then waits for GO."""
    ws = runwatch.Workspace(name="t", store=store_url, artifacts=artifacts)
    exp = runwatch.Experiment(ws, experiment)
    Path(f"{go_file}.ready{index}").touch()
    wait_for(go_file, timeout=120.0)
    run = exp.start_logging()
    run.set_tags({"worker": str(index), "phase": "logging"})
    for i in range(n):
        for metric in STRESS_METRICS:
            run.log(metric, stress_point(metric, index, i))
        if (i + 1) % STRESS_FLUSH_EVERY == 0:
            run.flush()
            run.tag(f"flushed-{i + 1}", str(i + 1))
    run.tag("phase", "done")
    run.complete()
    print(json.dumps({"index": index, "run_id": run.id, "number": run.number}), flush=True)


def hard_kill(store_dir: str, experiment: str, n_flushed: int) -> None:
    """Log, flush, say so, then keep logging (throttled) until SIGKILLed.

    stdout protocol (one line each, flushed immediately):
        RUN <run_id>
        FLUSHED <n>          after points 0..n-1 were logged and run.flush() returned
        P <i>                after point i was logged (every 20th point)
    """
    ws = workspace(store_dir)
    exp = runwatch.Experiment(ws, experiment)
    run = exp.start_logging()
    print(f"RUN {run.id}", flush=True)
    for i in range(n_flushed):
        run.log("x", i)
    run.flush()
    print(f"FLUSHED {n_flushed}", flush=True)
    i = n_flushed
    while True:
        run.log("x", i)
        if i % 20 == 0:
            print(f"P {i}", flush=True)
        i += 1
        time.sleep(0.001)


def main(argv: list[str]) -> None:
    mode, *args = argv
    if mode == "own-run":
        store_dir, experiment, index, n, go_file = args
        own_run(store_dir, experiment, int(index), int(n), go_file)
    elif mode == "same-run":
        store_dir, run_id, index, n, go_file = args
        same_run(store_dir, run_id, int(index), int(n), go_file)
    elif mode == "stress":
        store_url, artifacts, experiment, index, n, go_file = args
        stress(store_url, artifacts, experiment, int(index), int(n), go_file)
    elif mode == "hard-kill":
        store_dir, experiment, n_flushed = args
        hard_kill(store_dir, experiment, int(n_flushed))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
