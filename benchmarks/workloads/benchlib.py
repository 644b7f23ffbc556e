"""Helpers shared by the per-tool workload scripts (stdlib only).

Every workload script (runwatch_w.py, mlflow_w.py, trackio_w.py) is run as
``python <script> ACTION --dir TMPDIR [--scale K] [--idx I] [--store-url URL]``
in a fresh process, by the interpreter that has that tool installed.  It prints exactly
one line ``BENCH_RESULT {json}`` on stdout; everything else a tool prints
(banners, warnings) is ignored by the harness.

Scaling: ``--scale K`` (K >= 1) makes the workload do 1/K of the full work.
The workload then reports both the measured figure and the figure
extrapolated linearly to full size, plus ``"scale": K`` so the harness can
mark the cell.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable

RESULT_MARK = "BENCH_RESULT "
PROCESS_T0 = time.time()  # ~ when this interpreter got to run our code

# Full-size workload parameters (shared by all tools so they do the same work).
W1_CALLS = 20_000
W2_METRICS = 100
W2_STEPS = 10_000
W3_SERIES = 100_000
W4_PROCS = 8
W4_POINTS = 10_000
W6_RUNS = 1_000
W6_TAGS = {"model": "resnet", "optimizer": "adam", "dataset": "cifar10"}

PROJECT = "bench"  # experiment / project name used by every tool


def values(n: int, seed: int = 0) -> list[float]:
    """n deterministic pseudo-random floats (a fake loss curve)."""
    rnd = random.Random(seed)
    return [1.0 / (1.0 + i * 1e-3) + rnd.random() * 1e-2 for i in range(n)]


def w2_data(steps: int) -> list[list[float]]:
    """W2 payload: W2_METRICS series of ``steps`` floats each (metric i = series i)."""
    return [values(steps, seed=i) for i in range(W2_METRICS)]


def now() -> float:
    return time.perf_counter()


def save_json(path: str, obj) -> None:
    with open(path, "w") as f:
        json.dump(obj, f)


def load_json(path: str):
    with open(path) as f:
        return json.load(f)


def scaled(full: int, scale: int) -> int:
    return max(1, full // scale)


def w6_result(
    args: argparse.Namespace,
    runs: int,
    t_create: float,
    t_list: float,
    listed: int,
    cold: dict | None = None,
) -> dict:
    """W6's result: measured times, and times scaled up to the full workload.
    ``cold`` is the W6list result of a fresh process (``seconds``, ``listed``)."""
    result = {
        "create_seconds": t_create * args.scale,
        "list_seconds": t_list * args.scale,
        "measured_create_seconds": t_create,
        "measured_list_seconds": t_list,
        "runs": runs,
        "listed": listed,
    }
    if cold is not None:
        result["cold_list_seconds"] = cold["seconds"] * args.scale
        result["measured_cold_list_seconds"] = cold["seconds"]
        result["cold_listed"] = cold["listed"]
    return result


def emit(result: dict) -> None:
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()


def parse_result(stdout: str) -> dict | None:
    """The last BENCH_RESULT line of a workload's stdout, or None."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    return None


def main(actions: dict[str, Callable[[argparse.Namespace], dict]]) -> None:
    """Entry point of a workload script: dispatch ACTION, print its result."""
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=sorted(actions))
    p.add_argument("--dir", required=True, help="temp directory owned by this workload")
    p.add_argument("--scale", type=int, default=1, help="do 1/SCALE of the full work")
    p.add_argument("--idx", type=int, default=0, help="W4 child index")
    p.add_argument("--n", type=int, default=0, help="W4 child: points to log")
    p.add_argument(
        "--store-url", default="", help="the tool's store (empty: a sqlite file in --dir)"
    )
    args = p.parse_args()
    os.chdir(args.dir)
    try:
        result = actions[args.action](args)
    except BaseException as e:  # report, then fail the process
        emit({"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()[-2000:]})
        sys.stdout.flush()
        os._exit(1)
    result.setdefault("scale", args.scale)
    emit(result)
    sys.stdout.flush()
    sys.stderr.flush()
    # Some tools leave non-daemon threads / atexit work behind; the workload is
    # over (its data is durable by then), so do not let that skew the next one.
    os._exit(0)


def in_fresh_process(
    script: str, action: str, args: argparse.Namespace, timeout: float = 300
) -> dict:
    """Run ``script action`` on the same directory and store in a new interpreter
    (the one running this workload) and return its result."""
    cmd = [sys.executable, script, action, "--dir", args.dir, "--scale", str(args.scale)]
    if args.store_url:
        cmd += ["--store-url", args.store_url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"{action} printed no result: {proc.stderr.strip()[-1500:]}")


def run_w4(
    script: str, args: argparse.Namespace, count: Callable[[], int], timeout: float = 900
) -> dict:
    """W4 driver: start W4_PROCS children at once, each logging n points into
    its own run of one shared store, wait for all, then count the points back.

    Wall time runs from just before the first child is started until the last
    one has exited (imports and start-up included: that is what a user waits
    for).  With --scale K each child logs W4_POINTS/K points, and the
    extrapolated wall time adds (K-1) times the logging time: the union of the
    children's logging intervals (first point logged .. run finished), i.e.
    only the part that grows with the number of points.
    """
    n = scaled(W4_POINTS, args.scale)
    cmd = [sys.executable, script, "W4child", "--dir", args.dir, "--n", str(n)]
    if args.store_url:
        cmd += ["--store-url", args.store_url]
    t0, t0_wall = now(), time.time()
    procs = [
        subprocess.Popen(
            [*cmd, "--idx", str(i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for i in range(W4_PROCS)
    ]
    outs = []
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        outs.append((p.returncode, out, err))
    wall = now() - t0
    errors, spans, messages, phases = 0, [], [], []
    for rc, out, err in outs:
        res = parse_result(out) or {}
        if rc != 0 or "error" in res:
            errors += 1
            messages.append(res.get("error") or (err.strip().splitlines() or ["?"])[-1])
        if "t_log_start" in res:
            spans.append((res["t_log_start"], res["t_log_end"]))
            phases.append(
                {
                    "start": res["t_process"] - t0_wall,
                    "import": res["t_imported"] - res["t_process"],
                    "open": res["t_log_start"] - res["t_imported"],
                    "log": res["t_log_end"] - res["t_log_start"],
                }
            )
    expected = W4_PROCS * n
    counted = count()
    logging = _union_length(spans)
    return {
        "seconds": wall + (args.scale - 1) * logging,
        "measured_seconds": wall,
        "logging_seconds": logging,
        "errors": errors,
        "expected_points": expected,
        "counted_points": counted,
        "lost": expected - counted,
        "error_messages": messages[:3],
        # median over the children of each phase: interpreter start-up,
        # import of the tool, open store + create run, log + finish
        "child_phases": {
            k: statistics.median(p[k] for p in phases) for k in ("start", "import", "open", "log")
        }
        if phases
        else {},
    }


def _union_length(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for s, e in sorted(intervals):
        if e > end:
            total += e - max(s, end)
            end = e
    return total


def w4_child(
    open_run: Callable[[int], object],
    log_points: Callable[[object, list[float]], None],
    args: argparse.Namespace,
) -> dict:
    """Body of one W4 child; call it after importing the tool.

    ``open_run(idx)`` opens the shared store and creates this child's run;
    ``log_points(run, values)`` logs every value with the tool's per-call API
    and finishes the run durably.  Wall-clock stamps (time.time(), comparable
    across processes) around log_points let the driver measure logging time."""
    vals = values(args.n, seed=args.idx)
    t_imported = time.time()
    run = open_run(args.idx)
    t_start = time.time()
    log_points(run, vals)
    return {
        "t_process": PROCESS_T0,
        "t_imported": t_imported,
        "t_log_start": t_start,
        "t_log_end": time.time(),
    }
