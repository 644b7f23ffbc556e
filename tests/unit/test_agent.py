"""The local agent (runwatch.agent._agent): queueing, slots, surviving the submitter,
cancel of queued runs, and liveness of runs whose owner died or went silent.

Everything is real: the agent is the process `exp.submit()` starts, the
scripts are real subprocesses in their own source folders.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _waiting import driver_log, process_gone, wait_final

import runwatch
from runwatch import Experiment, LocalCompute, Run, RunStatus, ScriptRunConfig
from runwatch.submit import _launcher
from runwatch.tracking import _liveness


@pytest.fixture
def ws(agent_ws: runwatch.Workspace) -> runwatch.Workspace:
    return agent_ws


def _config(src: Path, body: str, name: str = "train.py", **config: Any) -> ScriptRunConfig:
    (src / name).write_text(textwrap.dedent(body))
    return ScriptRunConfig(src, name, **config)


def _wait(run: Run, timeout: float = 30.0) -> list[str]:
    return wait_final(run, timeout)


def _wait_status(run: Run, wanted: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while (status := run.get_status()) != wanted:
        assert not RunStatus.is_final(status), f"run {run.id} ended {status}, never {wanted}"
        assert time.monotonic() < deadline, f"run {run.id} is still {status}, not {wanted}"
        time.sleep(0.02)


def _gated(gate: Path, then: str = "") -> str:
    """A script that waits (at most 60 s, then fails) until the file `gate` exists, then
    runs `then`: the test decides when it may go on, whatever the machine's speed."""
    return (
        f"import pathlib, sys, time\ngate = pathlib.Path({str(gate)!r})\n"
        "for _ in range(1200):\n    if gate.exists():\n        break\n    time.sleep(0.05)\n"
        "else:\n    sys.exit('the test never opened the gate')\n" + then
    )


def _ran_by(run: Run) -> int:
    """The pid of the agent that ran `run`, from the first line of its driver log."""
    text = run.get_details_with_logs()["logFiles"]["logs/driver.log"]
    return int(text.split("(runwatch agent ", 1)[1].split(")", 1)[0])


def _agent_pid(ws: runwatch.Workspace, timeout: float = 10.0) -> int:
    """The pid the running agent wrote into its lock file."""
    path = _launcher.lock_path(ws)
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text().strip() if path.exists() else ""
        if text and not process_gone(int(text)):
            return int(text)
        assert time.monotonic() < deadline, f"no agent wrote its pid into {path}"
        time.sleep(0.02)


def _agent_holds_lock(ws: runwatch.Workspace) -> bool:
    fd = _launcher.try_lock(_launcher.lock_path(ws))
    if fd is None:
        return True
    os.close(fd)
    return False


# --- submitting -------------------------------------------------------------------------------


def test_submit_returns_at_once_and_the_agent_beats_for_the_run(
    exp: Experiment, src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Silence for 3 intervals (1.5 s) would read NotResponding; the script runs 3 s.
    monkeypatch.setenv("RUNWATCH_HEARTBEAT_INTERVAL", "0.5")
    gate = tmp_path / "go"
    script = _gated(gate, "print('working', flush=True)\ntime.sleep(3)\n")
    # The script cannot end before the gate opens, and the gate opens only once
    # submit() has returned: so submit() did not wait for the script.
    run = exp.submit(_config(src, script))
    status = run.get_status()
    gate.touch()
    assert status in (RunStatus.QUEUED, RunStatus.PREPARING, RunStatus.RUNNING)
    assert isinstance(run, Run) and run.experiment == exp
    # While it runs, the agent's heartbeats keep it Running (never NotResponding).
    seen = _wait(run)
    assert RunStatus.NOT_RESPONDING not in seen, seen
    assert seen[-1] == RunStatus.COMPLETED
    # The final status is written before the agent lets go (outputs first), so wait
    # for the release as users do, through wait_for_completion.
    run.wait_for_completion(poll_interval=0.05)
    info = exp.workspace.store.get_run(run.id)
    assert info.owner_pid is None  # the agent let go of the finished run
    assert info.heartbeat_time is not None and info.heartbeat_time > info.created_time


def test_one_agent_serves_the_workspace(exp: Experiment, src: Path) -> None:
    config = _config(src, "import time\ntime.sleep(0.3)\n")
    runs = [exp.submit(config) for _ in range(3)]
    pid = _agent_pid(exp.workspace)
    _launcher.ensure_running(exp.workspace)  # already running: starts nothing
    for run in runs:
        assert _wait(run)[-1] == RunStatus.COMPLETED
        assert _ran_by(run) == pid
    assert _agent_pid(exp.workspace) == pid
    agent_log = _launcher.lock_path(exp.workspace).with_suffix(".log").read_text()
    assert agent_log.count("serving") == 1
    assert f"runwatch agent {pid} serving {exp.workspace.store_url}" in agent_log


def test_the_agent_exits_when_idle_and_a_new_one_starts_on_submit(
    exp: Experiment, src: Path
) -> None:
    config = _config(src, "print('hi')\n")
    first = exp.submit(config)
    pid = _agent_pid(exp.workspace)
    assert _wait(first)[-1] == RunStatus.COMPLETED
    deadline = time.monotonic() + 60  # RUNWATCH_AGENT_IDLE=2; only to stop waiting
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process_gone(pid), "the idle agent did not exit"
    assert not _agent_holds_lock(exp.workspace)
    second = exp.submit(config)
    assert _wait(second)[-1] == RunStatus.COMPLETED
    assert _ran_by(second) != pid


def test_slots_run_submissions_one_after_the_other(
    exp: Experiment, src: Path, tmp_path: Path
) -> None:
    gate = tmp_path / "go"
    config = _config(
        src, _gated(gate, "print('start', flush=True)\n"), compute_target=LocalCompute(slots=1)
    )
    first = exp.submit(config)
    second = exp.submit(config)
    _wait_status(first, RunStatus.RUNNING)
    # The first holds the one slot until the gate opens, however long that takes.
    assert first.get_status() == RunStatus.RUNNING
    assert second.get_status() == RunStatus.QUEUED
    gate.touch()
    assert _wait(first)[-1] == RunStatus.COMPLETED
    assert _wait(second)[-1] == RunStatus.COMPLETED
    a, b = first.info, second.info
    assert a.end_time is not None and b.start_time is not None
    assert a.end_time <= b.start_time, "the second run started before the first ended"


def test_free_slots_run_submissions_side_by_side(
    exp: Experiment, src: Path, tmp_path: Path
) -> None:
    # Each script says it started, then waits until two have: only side by side can
    # both complete (one at a time, the first would give up after 60 s and fail).
    started = tmp_path / "started"
    started.mkdir()
    barrier = f"""
import os, pathlib, sys, time
folder = pathlib.Path({str(started)!r})
(folder / str(os.getpid())).touch()
for _ in range(1200):
    if len(list(folder.iterdir())) >= 2:
        break
    time.sleep(0.05)
else:
    sys.exit("the other run never started")
"""
    config = _config(src, barrier, compute_target=LocalCompute(slots=2))
    first, second = exp.submit(config), exp.submit(config)
    assert _wait(first, timeout=90)[-1] == _wait(second, timeout=90)[-1] == RunStatus.COMPLETED
    a, b = first.info, second.info
    assert a.start_time is not None and b.start_time is not None
    assert a.end_time is not None and b.end_time is not None
    assert b.start_time < a.end_time and a.start_time < b.end_time  # they overlapped


def test_runs_are_started_in_submission_order(exp: Experiment, src: Path) -> None:
    config = _config(src, "print('x')\n", compute_target=LocalCompute(slots=1))
    runs = [exp.submit(config) for _ in range(3)]
    for run in runs:
        assert _wait(run)[-1] == RunStatus.COMPLETED
    starts = [run.info.start_time for run in runs]
    assert starts == sorted(starts)  # type: ignore[type-var]


def test_the_queue_survives_the_submitting_process(exp: Experiment, src: Path) -> None:
    _config(src, "import time\ntime.sleep(1.0)\nprint('finished')\n")
    ws = exp.workspace
    code = textwrap.dedent(
        f"""
        import runwatch
        ws = runwatch.Workspace("test", store={ws.store_url!r}, artifacts={ws.artifacts_url!r})
        exp = runwatch.Experiment(ws, "unit")
        run = exp.submit(runwatch.ScriptRunConfig({str(src)!r}, "train.py"))
        print(run.id, flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    run = Run.get(ws, done.stdout.split()[-1])
    assert run.get_status() in (RunStatus.QUEUED, RunStatus.PREPARING, RunStatus.RUNNING)
    assert _wait(run)[-1] == RunStatus.COMPLETED
    assert "finished" in driver_log(run)


# --- cancel of queued runs --------------------------------------------------------------------


def test_cancel_a_queued_run(exp: Experiment, src: Path) -> None:
    config = _config(
        src,
        "import time\nprint('started', flush=True)\ntime.sleep(1.0)\n",
        compute_target=LocalCompute(slots=1),
    )
    first = exp.submit(config)
    waiting = exp.submit(config)
    _wait_status(first, RunStatus.RUNNING)
    assert waiting.get_status() == RunStatus.QUEUED
    waiting.cancel()
    assert waiting.get_status() == RunStatus.CANCELED  # at once, without the agent
    assert _wait(first)[-1] == RunStatus.COMPLETED
    # The agent starts runs in submission order: once a later one has run, the
    # agent has passed the canceled one, with a free slot, and must have skipped it.
    later = exp.submit(config)
    assert _wait(later)[-1] == RunStatus.COMPLETED
    info = exp.workspace.store.get_run(waiting.id)
    assert info.status == RunStatus.CANCELED
    assert info.start_time is None
    assert waiting.get_details()["logFiles"] == {}
    assert waiting.wait_for_completion()["status"] == RunStatus.CANCELED


# --- liveness ---------------------------------------------------------------------------------

_OWNER = """
import sys, time
import runwatch
ws = runwatch.Workspace("test", store=sys.argv[1])
run = runwatch.Experiment(ws, "unit").start_logging()
run.log("alive", 1)
run.flush()
print(run.id, flush=True)
time.sleep(60)
"""


@pytest.fixture
def owner(
    exp: Experiment, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[subprocess.Popen[str], Run]]:
    """A child process that owns an interactive run and then just sleeps."""
    # Silence for three intervals (1.5 s) reads NotResponding: room for a loaded machine.
    monkeypatch.setenv("RUNWATCH_HEARTBEAT_INTERVAL", "0.5")
    monkeypatch.setenv("RUNWATCH_FLUSH_INTERVAL", "0.05")
    process = subprocess.Popen(
        [sys.executable, "-c", _OWNER, exp.workspace.store_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        run_id = process.stdout.readline().strip()
        yield process, Run.get(exp.workspace, run_id)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
        process.wait(timeout=10)


def test_a_run_whose_owner_was_killed_reads_as_failed(
    owner: tuple[subprocess.Popen[str], Run],
) -> None:
    process, run = owner
    assert run.get_status() == RunStatus.RUNNING
    process.kill()
    process.wait(timeout=10)
    assert run.get_status() == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error["code"] == "NotResponding"
    assert (
        f"the process {process.pid} that ran this run exited without ending it" in error["message"]
    )
    assert run.get_metrics("alive") == {"alive": 1}


def test_a_silent_owner_makes_the_run_not_responding_until_it_beats_again(
    owner: tuple[subprocess.Popen[str], Run],
) -> None:
    process, run = owner
    store = run.experiment.workspace.store
    # While the owner beats (five beats seen), its run reads Running.
    beats: set[float | None] = set()
    deadline = time.monotonic() + 60  # only to stop waiting
    while len(beats) < 5:
        assert run.get_status() == RunStatus.RUNNING, f"after {len(beats)} beats"
        beats.add(store.get_run(run.id).heartbeat_time)
        assert time.monotonic() < deadline, f"{len(beats)} heartbeats in 60 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGSTOP)  # alive, but no more heartbeats
    deadline = time.monotonic() + 60
    while (status := run.get_status()) == RunStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    assert status == RunStatus.NOT_RESPONDING
    process.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + 60
    while (status := run.get_status()) == RunStatus.NOT_RESPONDING and time.monotonic() < deadline:
        time.sleep(0.05)
    assert status == RunStatus.RUNNING  # its next beat revives it
    process.kill()
    process.wait(timeout=10)
    assert run.get_status() == RunStatus.FAILED


def test_liveness_check_of_stale_and_remote_runs(exp: Experiment) -> None:
    store = exp.workspace.store
    # Owned by a live process on this machine that is not this one (this one would
    # know it is alive): the test's parent process.
    here = store.create_runs(
        "unit",
        run_type="interactive",
        status=RunStatus.RUNNING,
        owner=(os.getppid(), socket.gethostname()),
    )[0]
    remote = store.create_runs(
        "unit", run_type="interactive", status=RunStatus.RUNNING, owner=(1, "another-host")
    )[0]
    interval = 10.0  # the default heartbeat interval
    soon = here.created_time + 2 * interval
    assert _liveness.check(store, here, now=soon).status == RunStatus.RUNNING
    stale = here.created_time + 4 * interval
    assert _liveness.check(store, here, now=stale).status == RunStatus.NOT_RESPONDING
    # A remote owner cannot be asked whether it lives: silence for long means Failed.
    assert _liveness.check(store, remote, now=stale).status == RunStatus.NOT_RESPONDING
    gone = remote.created_time + 61 * interval
    failed = _liveness.check(store, store.get_run(remote.id), now=gone)
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None and "no heartbeat from another-host" in failed.error["message"]
    store.heartbeat([here.id])
    assert store.get_run(here.id).status == RunStatus.RUNNING
    store.set_status(here.id, RunStatus.COMPLETED)


def test_killing_the_agent_fails_its_runs(exp: Experiment, src: Path) -> None:
    run = exp.submit(_config(src, "import time\nprint('up', flush=True)\ntime.sleep(2)\n"))
    _wait_status(run, RunStatus.RUNNING)
    pid = _agent_pid(exp.workspace)
    os.kill(pid, signal.SIGKILL)  # the agent this test started
    deadline = time.monotonic() + 30
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process_gone(pid)
    # This process started the agent, so the dead agent stays a zombie until reaped
    # here; a zombie is no owner that can end a run.
    status_while_unreaped = run.get_status()
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)  # reap our child
    assert run.get_status() == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert f"the runwatch agent (process {pid}) that ran this run died" in error["message"]
    assert status_while_unreaped == RunStatus.FAILED
