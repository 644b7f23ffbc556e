"""A training process dies from SIGKILL (OOM killer, ``kill -9``, a preempted node).

The worker (``_worker.py hard-kill``) logs points 0..N-1 to metric ``x``, calls
``run.flush()``, prints ``FLUSHED N``, then keeps logging ``N, N+1, ...`` (about one
point per millisecond) and prints ``P i`` after every 20th point. The test kills it
with ``os.kill(pid, SIGKILL)`` and checks, from a new ``Workspace`` object:

* the store still opens and works (new experiment, new run in the old experiment,
  ``PRAGMA integrity_check`` is ``ok``),
* ``get_metrics`` on the killed run works and ``x`` is exactly ``[0, 1, ..., m-1]``
  for some ``m`` (no hole, no reordering, no duplicate, no torn value),
* ``m >= N``: everything before ``flush()`` returned survived;
* bound on loss for un-flushed points: the background writer flushes at least once
  a second, so every point logged more than ``LOSS_BOUND_S = 1.5`` seconds before
  the kill must be present. "Logged before" is measured conservatively: the test
  stamps each ``P i`` line when it *reads* it, which is after point ``i`` was logged;
  so every ``i`` whose line was read at or before ``kill_time - 1.5 s`` must be in
  the store. The 0.5 s margin over the 1 s flush interval absorbs a flush that is
  in progress when the kill lands and scheduler jitter.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from runwatch import Experiment, Run

from ._helpers import assert_same, make_workspace, start_worker, stop

N_FLUSHED = 1_000
LOSS_BOUND_S = 1.5
STARTUP_TIMEOUT_S = 60.0


def pump(stream: IO[str], lines: queue.Queue[tuple[float, str]]) -> None:
    """Read worker stdout, stamping each line with the time it was read."""
    for line in stream:
        lines.put((time.monotonic(), line.strip()))
    lines.put((time.monotonic(), "<EOF>"))


def next_line(
    lines: queue.Queue[tuple[float, str]], deadline: float, err: Path
) -> tuple[float, str]:
    try:
        stamped = lines.get(timeout=max(0.01, deadline - time.monotonic()))
    except queue.Empty:
        pytest.fail(f"worker went silent; stderr:\n{err.read_text(errors='replace')[-4000:]}")
    if stamped[1] == "<EOF>":
        pytest.fail(f"worker exited early; stderr:\n{err.read_text(errors='replace')[-4000:]}")
    return stamped


@pytest.mark.parametrize(
    "run_after_flush_s",
    [0.0, 3.0],
    ids=["kill-right-after-flush", "kill-3s-after-flush"],
)
def test_sigkill_keeps_flushed_points_and_store_usable(
    ws_dir: Path, run_after_flush_s: float
) -> None:
    make_workspace(ws_dir)  # a user has this store already
    err = ws_dir / "worker.err"
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    with err.open("wb") as fe:
        proc = start_worker(
            ["hard-kill", ws_dir, "crashy", N_FLUSHED],
            cwd=ws_dir,
            stdout=subprocess.PIPE,
            stderr=fe,
            text=True,
        )
    progress: list[tuple[float, int]] = []
    try:
        reader = threading.Thread(target=pump, args=(proc.stdout, lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S

        _, first = next_line(lines, deadline, err)
        assert first.startswith("RUN "), first
        run_id = first.split(" ", 1)[1]
        _, marker = next_line(lines, deadline, err)
        assert marker == f"FLUSHED {N_FLUSHED}", marker

        # let it keep logging for a while, collecting progress lines
        until = time.monotonic() + run_after_flush_s
        while time.monotonic() < until:
            try:
                stamp, line = lines.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                break
            assert line.startswith("P "), f"worker said {line!r}"
            progress.append((stamp, int(line[2:])))

        kill_time = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop(proc)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, proc.returncode

    if run_after_flush_s:
        assert progress, "worker printed no progress while it should have been logging"
    must_have = N_FLUSHED
    for stamp, i in progress:
        if stamp <= kill_time - LOSS_BOUND_S:
            must_have = max(must_have, i + 1)

    # ---- the store opens fine, from a brand-new Workspace object
    ws = make_workspace(ws_dir)
    killed = Run.get(ws, run_id)
    assert killed.get_status() != "Completed"
    xs = killed.get_metrics(name="x")["x"]
    assert isinstance(xs, list), xs
    assert len(xs) >= N_FLUSHED, f"only {len(xs)} of the {N_FLUSHED} flushed points survived"
    assert_same(list(range(len(xs))), xs, "x of the killed run")
    assert len(xs) >= must_have, (
        f"points logged more than {LOSS_BOUND_S}s before SIGKILL were lost: "
        f"have 0..{len(xs) - 1}, need at least 0..{must_have - 1}"
    )
    assert_same({"x": xs}, killed.get_metrics())

    # ---- the store is usable: a new run in the old experiment, and a new experiment
    old_exp = Experiment(ws, "crashy")
    again = old_exp.start_logging()
    assert again.number == killed.number + 1
    again.log("resumed", True)
    again.complete()
    assert_same({"resumed": True}, Run(old_exp, again.id).get_metrics())

    new_exp = Experiment(ws, "after-kill")
    with new_exp.start_logging() as run:
        run.log_list("ok", [1, 2, 3])
    assert run.get_status() == "Completed"
    assert_same({"ok": [1, 2, 3]}, Run(new_exp, run.id).get_metrics())

    con = sqlite3.connect(str(ws_dir / "runwatch.db"))
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()
