"""Liveness of runs (runwatch.tracking._liveness): who owns a run, and when a reader may judge
it dead. Owners are real child processes; the PID-namespace tests run them in a
namespace of their own with `unshare` (root only; skipped elsewhere)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runwatch import Experiment, Run, RunStatus
from runwatch.core._records import RunInfo
from runwatch.store import RunStore
from runwatch.store._sqlite import SqliteStore
from runwatch.tracking import _liveness
from runwatch.tracking._liveness import Owner

# Owns an interactive run; prints its id and pid, completes the run on a line from stdin.
_OWNER = """
import os, sys
import runwatch
ws = runwatch.Workspace("test", store=sys.argv[1])
run = runwatch.Experiment(ws, "unit").start_logging()
run.log("alive", 1)
run.flush()
print(run.id, os.getpid(), flush=True)
sys.stdin.readline()
run.complete()
print("completed", flush=True)
"""


@pytest.fixture(autouse=True)
def _fast_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWATCH_HEARTBEAT_INTERVAL", "0.2")
    monkeypatch.setenv("RUNWATCH_FLUSH_INTERVAL", "0.05")


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; each is killed by its PID at the end."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _start_owner(
    exp: Experiment, started: list[subprocess.Popen[str]], prefix: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], Run, int]:
    """A child process owning a run: (process, run, the pid the owner sees for itself)."""
    process = subprocess.Popen(
        [*prefix, sys.executable, "-c", _OWNER, exp.workspace.store_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    started.append(process)
    assert process.stdout is not None
    run_id, pid = process.stdout.readline().split()
    return process, Run.get(exp.workspace, run_id), int(pid)


def _unshare_works() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


_UNSHARE = ("unshare", "--pid", "--fork", "--mount-proc", "--kill-child")
needs_unshare = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _unshare_works(),
    reason="needs root and unshare --pid (Linux PID namespaces)",
)


# --- the owner record -----------------------------------------------------------------------


def test_owner_records_of_older_versions_still_parse() -> None:
    old = Owner.parse(1234, "laptop")
    assert old == Owner(1234, "laptop")
    assert old.record() == (1234, "laptop")
    pid, text = _liveness.this_process("agent")
    mine = Owner.parse(pid, text)
    assert (mine.pid, mine.host, mine.role) == (os.getpid(), socket.gethostname(), "agent")
    assert mine.record() == (pid, text)
    assert _liveness.is_this_process(mine)
    assert _liveness.owner_alive(mine) is True
    # An older record names no boot, namespace or start time: the process table cannot tell.
    assert _liveness.owner_alive(Owner(os.getpid(), socket.gethostname())) is None


def _run_of_an_older_version(store: RunStore) -> RunInfo:
    """A Running run whose owner record is an older version's: pid and host name only,
    the pid of a process that has ended."""
    ended = subprocess.Popen(["true"])
    ended.wait(timeout=10)
    return store.create_runs(
        "unit",
        run_type="interactive",
        status=RunStatus.RUNNING,
        owner=(ended.pid, socket.gethostname()),
    )[0]


def test_a_run_recorded_by_an_older_version_is_judged_by_its_heartbeat(exp: Experiment) -> None:
    store = exp.workspace.store
    info = _run_of_an_older_version(store)
    interval = 0.2
    assert _liveness.check(store, info, now=info.created_time + interval).status == (
        RunStatus.RUNNING
    )
    stale = info.created_time + 4 * interval
    assert _liveness.check(store, info, now=stale).status == RunStatus.NOT_RESPONDING
    gone = info.created_time + (_liveness.FAIL_AFTER_INTERVALS + 1) * interval
    failed = _liveness.check(store, store.get_run(info.id), now=gone)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None and "no heartbeat from" in failed.error["message"]


def test_a_read_only_store_shows_a_stale_run_as_stored(exp: Experiment) -> None:
    """A snapshot of a workspace (read-only) is browsed, not judged: no write is tried."""
    store = exp.workspace.store
    info = _run_of_an_older_version(store)
    snapshot = SqliteStore(store.url, read_only=True)
    gone = info.created_time + (_liveness.FAIL_AFTER_INTERVALS + 1) * 0.2
    assert _liveness.check(snapshot, snapshot.get_run(info.id), now=gone).status == (
        RunStatus.RUNNING
    )
    assert _liveness.check(store, store.get_run(info.id), now=gone).status == RunStatus.FAILED


# --- a reused pid -------------------------------------------------------------------------------


def test_a_dead_owner_whose_pid_went_to_another_process_reads_as_failed(
    exp: Experiment, started: list[subprocess.Popen[str]]
) -> None:
    process, run, _ = _start_owner(exp, started)
    recorded = exp.workspace.store.get_run(run.id)
    process.kill()
    process.wait(timeout=10)
    # The kernel hands the dead owner's pid to an unrelated process: here, the record
    # is pointed at a live process that started later, which is what a reader then sees.
    other = subprocess.Popen(["sleep", "60"], text=True)
    started.append(other)
    exp.workspace.store.set_owner(run.id, (other.pid, recorded.owner_host or ""))
    assert run.get_status() == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert (
        f"the process {other.pid} that ran this run exited without ending it" in (error["message"])
    )


_REUSE = """
import subprocess, sys
import runwatch
store, owner_code = sys.argv[1], sys.argv[2]
owner = subprocess.Popen(
    [sys.executable, "-c", owner_code, store], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    text=True,
)
run_id, pid = owner.stdout.readline().split()
owner.kill()
owner.wait()
with open("/proc/sys/kernel/ns_last_pid", "w") as last:  # the next process gets its pid
    last.write(str(int(pid) - 1))
reused = subprocess.Popen(["sleep", "60"])
run = runwatch.Run.get(runwatch.Workspace("test", store=store), run_id)
print(reused.pid == int(pid), run.get_status(), flush=True)
reused.kill()
reused.wait()
"""


@needs_unshare
def test_a_pid_reused_for_real_does_not_keep_a_dead_run_alive(exp: Experiment) -> None:
    # In a PID namespace of its own nothing else takes pids, so the reuse is certain.
    done = subprocess.run(
        [*_UNSHARE, sys.executable, "-c", _REUSE, exp.workspace.store_url, _OWNER],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", RunStatus.FAILED]


# --- an owner in another PID namespace on this host -------------------------------------------


def _free_pid() -> int:
    """A pid no process of this namespace has (so a pid-only check would call it dead)."""
    top = int(Path("/proc/sys/kernel/pid_max").read_text()) - 1
    return next(pid for pid in range(top, 300, -1) if not Path(f"/proc/{pid}").exists())


@needs_unshare
def test_a_live_owner_in_another_pid_namespace_is_not_judged_dead(
    exp: Experiment, started: list[subprocess.Popen[str]]
) -> None:
    pid = _free_pid()
    inside = textwrap.dedent(
        f"""\
        echo {pid - 1} > /proc/sys/kernel/ns_last_pid
        "$0" "$@"
        exit $?
        """
    )
    process, run, seen_pid = _start_owner(
        exp,
        started,
        (*_UNSHARE, "sh", "-c", inside),
    )
    assert seen_pid == pid and not Path(f"/proc/{pid}").exists()  # same pid, nothing here
    info = exp.workspace.store.get_run(run.id)
    assert info.owner_pid == pid and info.owner_host is not None
    assert info.owner_host.split(";")[0] == socket.gethostname()  # same host name
    # Readers here judge it for ten heartbeat intervals: it beats, so it is Running.
    until = time.monotonic() + 10 * 0.2
    while time.monotonic() < until:
        assert run.get_status() == RunStatus.RUNNING
        time.sleep(0.05)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("done\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "completed"
    assert process.wait(timeout=30) == 0
    assert run.get_status() == RunStatus.COMPLETED


@needs_unshare
def test_a_silent_owner_in_another_pid_namespace_is_not_responding_not_failed(
    exp: Experiment, started: list[subprocess.Popen[str]]
) -> None:
    process, run, _ = _start_owner(exp, started, _UNSHARE)
    os.kill(process.pid, signal.SIGKILL)  # unshare; --kill-child takes the owner with it
    process.wait(timeout=10)
    info = exp.workspace.store.get_run(run.id)
    later = (info.heartbeat_time or info.created_time) + 4 * 0.2
    judged = _liveness.check(exp.workspace.store, info, now=later)
    assert judged.status == RunStatus.NOT_RESPONDING  # no evidence here that it died
    assert not _liveness.released(judged, now=later - 2 * 0.2)
    assert _liveness.released(judged, now=later)
