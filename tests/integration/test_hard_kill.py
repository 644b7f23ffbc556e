"""A training process dies from SIGKILL (OOM killer, ``kill -9``, a preempted node).

The worker (``_worker.py hard-kill``) logs points 0..N-1 to metric ``x``, calls
``run.flush()``, prints ``FLUSHED N``, then keeps logging ``N, N+1, ...`` (about one
point per millisecond) and prints ``P i`` after every 20th point, never flushing
again. The test kills it with ``os.kill(pid, SIGKILL)``, either right after
``FLUSHED`` or once the store (read from this process) shows points the background
writer wrote unasked, and checks, from a new ``Workspace`` object:

* the store still opens and works (new experiment, new run in the old experiment,
  ``PRAGMA integrity_check`` is ``ok``),
* ``get_metrics`` on the killed run works and ``x`` is exactly ``[0, 1, ..., m-1]``
  for some ``m`` (no hole, no reordering, no duplicate, no torn value),
* ``m >= N``: everything before ``flush()`` returned survived,
* and every point the background writer had committed before the kill survived.

How much logging a kill can lose (one flush interval, docs/api.md) is a matter of
time, measured by benchmarks/flush.py, not asserted here.
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
from runwatch.store._sqlite import SqliteStore

from ._helpers import assert_same, make_workspace, start_worker, stop

N_FLUSHED = 1_000
STARTUP_TIMEOUT_S = 60.0
#: Points beyond N_FLUSHED the background writer must have committed before the kill.
UNASKED = 200


def pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    """Read worker stdout, line by line."""
    for line in stream:
        lines.put(line.strip())
    lines.put("<EOF>")


def next_line(lines: queue.Queue[str], deadline: float, err: Path) -> str:
    try:
        line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
    except queue.Empty:
        pytest.fail(f"worker went silent; stderr:\n{err.read_text(errors='replace')[-4000:]}")
    if line == "<EOF>":
        pytest.fail(f"worker exited early; stderr:\n{err.read_text(errors='replace')[-4000:]}")
    return line


def stored_count(ws_dir: Path, run_id: str) -> int:
    """How many points of `x` the store holds, read through a connection of this process."""
    store = SqliteStore(f"sqlite:///{ws_dir}/runwatch.db")
    try:
        info = store.get_metric(run_id, "x")
        return 0 if info is None else info.count
    finally:
        store.close()


@pytest.mark.parametrize(
    "after_a_background_flush",
    [False, True],
    ids=["kill-right-after-flush", "kill-after-a-background-flush"],
)
def test_sigkill_keeps_flushed_points_and_store_usable(
    ws_dir: Path, after_a_background_flush: bool
) -> None:
    make_workspace(ws_dir)  # a user has this store already
    err = ws_dir / "worker.err"
    lines: queue.Queue[str] = queue.Queue()
    with err.open("wb") as fe:
        proc = start_worker(
            ["hard-kill", ws_dir, "crashy", N_FLUSHED],
            cwd=ws_dir,
            stdout=subprocess.PIPE,
            stderr=fe,
            text=True,
        )
    committed = N_FLUSHED
    try:
        reader = threading.Thread(target=pump, args=(proc.stdout, lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S

        first = next_line(lines, deadline, err)
        assert first.startswith("RUN "), first
        run_id = first.split(" ", 1)[1]
        marker = next_line(lines, deadline, err)
        assert marker == f"FLUSHED {N_FLUSHED}", marker

        if after_a_background_flush:
            # the worker logs on without flush(); wait (only to stop waiting: 60 s) until
            # the background writer has committed points of its own accord
            deadline = time.monotonic() + 60
            while (committed := stored_count(ws_dir, run_id)) < N_FLUSHED + UNASKED:
                assert proc.poll() is None, err.read_text(errors="replace")[-4000:]
                assert time.monotonic() < deadline, f"{committed} points stored in 60 s"
                time.sleep(0.05)

        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop(proc)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, proc.returncode

    # ---- the store opens fine, from a brand-new Workspace object
    ws = make_workspace(ws_dir)
    killed = Run.get(ws, run_id)
    assert killed.get_status() != "Completed"
    xs = killed.get_metrics(name="x")["x"]
    assert isinstance(xs, list), xs
    assert len(xs) >= N_FLUSHED, f"only {len(xs)} of the {N_FLUSHED} flushed points survived"
    assert_same(list(range(len(xs))), xs, "x of the killed run")
    assert len(xs) >= committed, f"{committed} points were committed, {len(xs)} survived"
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
