"""The processes of submitted scripts (runwatch.agent._processes, _watchdog): a script and
everything it starts, daemons that double-fork and call setsid included, end on
cancel, when the script exits, and when the agent is killed.

Each script writes the pids of what it started into a file; every process a test
sees is ended by the test at its end (by pid and start time) if runwatch did not.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from _waiting import driver_log, wait_final, wait_until

import runwatch
from runwatch import Experiment, Run, RunStatus, ScriptRunConfig
from runwatch.agent import _agent
from runwatch.agent._processes import ScriptProcesses

# argv: the pid file, then "stay" (sleep, silent) or "exit" (exit at once).
_SCRIPT = textwrap.dedent(
    """\
    import json, os, signal, subprocess, sys, time
    out, then = sys.argv[1], sys.argv[2]
    child = subprocess.Popen(["sleep", "120"])
    read, write = os.pipe()
    middle = os.fork()
    if middle == 0:  # a daemon: fork, setsid, fork again; it keeps stdout and stderr
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.write(write, str(os.getpid()).encode())
            time.sleep(120)
        os._exit(0)
    os.close(write)
    daemon = int(os.read(read, 32))
    os.waitpid(middle, 0)
    with open(out + ".tmp", "w") as f:
        json.dump({"script": os.getpid(), "child": child.pid, "daemon": daemon}, f)
    os.replace(out + ".tmp", out)
    if then == "stay":
        time.sleep(120)
    """
)


@pytest.fixture
def ws(agent_ws: runwatch.Workspace) -> runwatch.Workspace:
    return agent_ws


@pytest.fixture
def seen() -> Iterator[dict[str, psutil.Process]]:
    """The processes a test's script started; those still running at the end are killed."""
    processes: dict[str, psutil.Process] = {}
    yield processes
    for process in processes.values():
        with contextlib.suppress(psutil.Error):
            process.kill()  # psutil checks the start time: never a reused pid


def _read_pids(path: Path, seen: dict[str, psutil.Process]) -> dict[str, psutil.Process]:
    assert wait_until(path.exists, timeout=30), "the script never wrote its pids"
    for name, pid in json.loads(path.read_text()).items():
        seen[name] = psutil.Process(pid)
    return seen


def _gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _submit(exp: Experiment, src: Path, pids: Path, then: str) -> Run:
    (src / "train.py").write_text(_SCRIPT)
    return exp.submit(ScriptRunConfig(src, "train.py", arguments=[str(pids), then]))


def test_cancel_ends_a_daemon_the_script_started(
    exp: Experiment, src: Path, tmp_path: Path, seen: dict[str, psutil.Process]
) -> None:
    run = _submit(exp, src, tmp_path / "pids.json", "stay")
    found = _read_pids(tmp_path / "pids.json", seen)
    run.cancel()
    assert wait_final(run)[-1] == RunStatus.CANCELED
    assert [name for name, process in found.items() if not _gone(process)] == []
    log = driver_log(run)
    assert "stopped the processes the script started: " in log
    assert f"{found['daemon'].pid} (python" in log
    assert run.get_details()["error"]["error"]["message"] == "canceled on request"


def test_a_daemon_left_by_a_script_that_exits_is_ended(
    exp: Experiment, src: Path, tmp_path: Path, seen: dict[str, psutil.Process]
) -> None:
    run = _submit(exp, src, tmp_path / "pids.json", "exit")
    found = _read_pids(tmp_path / "pids.json", seen)
    assert wait_final(run)[-1] == RunStatus.COMPLETED, driver_log(run)
    assert [name for name, process in found.items() if not _gone(process)] == []
    log = driver_log(run)
    assert "ended the processes the script left running: " in log
    assert f"{found['daemon'].pid} (python" in log and f"{found['child'].pid} (sleep)" in log
    assert "the script exited with code 0" in log


def test_killing_the_agent_ends_its_silent_script_and_all_it_started(
    exp: Experiment, src: Path, tmp_path: Path, seen: dict[str, psutil.Process]
) -> None:
    run = _submit(exp, src, tmp_path / "pids.json", "stay")
    found = _read_pids(tmp_path / "pids.json", seen)
    agent = int(_agent.lock_path(exp.workspace).read_text())
    os.kill(agent, signal.SIGKILL)  # the agent this test started
    with contextlib.suppress(ChildProcessError):
        os.waitpid(agent, 0)  # reap our child
    assert wait_until(lambda: all(_gone(p) for p in found.values()), timeout=20), {
        name: p.pid for name, p in found.items() if not _gone(p)
    }
    assert run.get_status() == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert f"the runwatch agent (process {agent}) that ran this run died" in error["message"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_without_a_subreaper_the_run_tag_finds_an_escaped_daemon(
    tmp_path: Path, seen: dict[str, psutil.Process]
) -> None:
    # This test process adopts no orphans: the daemon goes to init, out of every tree here.
    processes = ScriptProcesses("run-without-subreaper")
    script = processes.start(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "pids.json"), "exit"],
        tmp_path,
        dict(os.environ),
    )
    found = _read_pids(tmp_path / "pids.json", seen)
    assert script.wait(timeout=30) == 0
    assert found["daemon"] in processes.find()
    stopped = processes.stop(grace=0.5)
    assert {found["daemon"], found["child"]} <= stopped
    assert [name for name, process in found.items() if not _gone(process)] == []
