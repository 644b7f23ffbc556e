"""The local agent: one background process per workspace that executes queued runs.

`ensure_running(workspace)` starts it (detached, in its own session) unless
one already holds the workspace's agent lock. The agent claims Queued runs in
submission order while its compute target has free slots, drives each one
(`_driver.ScriptDriver`, or a sweep controller, or hands it to a Dask cluster
with `_dask.DaskJob`), beats the heartbeat of every run it drives here,
marks runs whose owner died, and exits after `RUNWATCH_AGENT_IDLE` seconds
with nothing to do. Because it is its own process, closing the notebook that
submitted a run does not stop the run; `kill <pid in agent.lock>` stops the
agent (its local runs then end as Failed; runs a Dask worker took go on).
Scripts never outlive their agent: on Linux the agent adopts the orphans of
its scripts (a child subreaper) and each script dies with it
(`PR_SET_PDEATHSIG`); a watchdog process ends what the scripts started when
the agent dies, by SIGKILL too (`_processes`, `_watchdog`).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import _liveness, _processes, _remote, _settings
from ._entities import RunStatus
from ._jobs import RunJob
from ._watchdog import Watchdog
from ._workspace import Workspace

_LOOP = 0.1


def lock_path(workspace: Workspace) -> Path:
    """The agent's lock file: next to a SQLite database, else in the user's cache."""
    if workspace.store_url.startswith("sqlite:///"):
        from .store._sqlite import path_from_url

        db = path_from_url(workspace.store_url)
        return db.with_name(db.name + ".agent.lock")
    digest = hashlib.sha256(workspace.store_url.encode()).hexdigest()[:16]
    return Path.home() / ".cache" / "runwatch" / "agents" / f"{digest}.lock"


def _try_lock(path: Path) -> int | None:
    """An fd holding the exclusive lock on `path`, or None if another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


_started: list[subprocess.Popen[bytes]] = []


def ensure_running(workspace: Workspace) -> None:
    """Start the workspace's agent unless it is running."""
    _started[:] = [p for p in _started if p.poll() is None]  # reap agents that exited
    path = lock_path(workspace)
    fd = _try_lock(path)
    if fd is None:
        return  # an agent holds the lock and will pick up the queued run
    os.close(fd)  # closing releases the lock for the agent we start now
    log = open(path.with_suffix(".log"), "ab")  # noqa: SIM115 - handed to the child
    env = _remote.environment_entry(workspace.artifacts_options, dict(os.environ))
    env[_settings.PROCESS_TAG_ENV] = ""  # the agent belongs to no run, even if a script starts it
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runwatch._agent",
            "--name",
            workspace.name,
            "--store",
            workspace.store_url,
            "--artifacts",
            workspace.artifacts_url,
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=path.parent,
        start_new_session=True,
        close_fds=True,
    )
    _started.append(process)
    log.close()


class Agent:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.store = workspace.store
        self.owner = _liveness.this_process(_liveness.AGENT)
        self.driven: dict[str, RunJob] = {}
        self._last_beat = 0.0

    def serve(self, lock_fd: int) -> None:
        idle_since = time.monotonic()
        path = lock_path(self.ws)
        while True:
            busy = self.step()
            if busy:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > _settings.agent_idle_exit():
                os.close(lock_fd)  # release first, then look once more (see ensure_running)
                if not self._has_queued():
                    return
                fd = _try_lock(path)
                if fd is None:
                    return  # a newer agent took over
                lock_fd, idle_since = fd, time.monotonic()
            time.sleep(_LOOP)

    def step(self) -> bool:
        """One round: start what can start, beat hearts, reap the dead. True if busy."""
        self.driven = {run_id: d for run_id, d in self.driven.items() if d.alive}
        active = self.store.list_active()
        for info in active:
            if info.id not in self.driven and info.status != RunStatus.QUEUED:
                _liveness.check(self.store, info)
        targets: dict[str, int] = {}
        for info in active:
            if info.status == RunStatus.QUEUED and info.id not in self.driven:
                targets.setdefault(self._target(info.id), self._slots(info.id))
        for target, slots in targets.items():
            while (claimed := self.store.claim_queued(target, slots, self.owner)) is not None:
                self._start(claimed.id)
        self._heartbeat()
        return bool(self.driven) or bool(targets)

    def _has_queued(self) -> bool:
        return any(info.status == RunStatus.QUEUED for info in self.store.list_active())

    def _definition(self, run_id: str) -> dict[str, Any]:
        definition = self.store.get_definition(run_id) or {}
        return definition

    def _target(self, run_id: str) -> str:
        return str(self._definition(run_id).get("compute", {}).get("name", "local"))

    def _slots(self, run_id: str) -> int:
        slots = self._definition(run_id).get("compute", {}).get("slots")
        return int(slots) if slots else _settings.local_slots()

    def _start(self, run_id: str) -> None:
        definition = self._definition(run_id)
        driven: RunJob
        if definition.get("kind") == "sweep":
            from .hyperdrive._controller import SweepController

            driven = SweepController(self.ws, run_id)
        elif definition.get("compute", {}).get("kind") == "dask":
            from ._dask import DaskJob

            driven = DaskJob(self.ws, run_id)
        else:
            from ._driver import ScriptDriver

            driven = ScriptDriver(self.ws, run_id)
        self.driven[run_id] = driven
        driven.start()

    def stop_all(self, reason: str) -> None:
        """Stop every script this agent runs (their runs end Failed with `reason`)."""
        for driven in self.driven.values():
            driven.abort(reason)
        deadline = time.monotonic() + _settings.cancel_grace() + 5
        while any(d.alive for d in self.driven.values()) and time.monotonic() < deadline:
            time.sleep(0.1)

    def _heartbeat(self) -> None:
        now = time.monotonic()
        beating = [run_id for run_id, job in self.driven.items() if job.agent_beats]
        if beating and now - self._last_beat >= _settings.heartbeat_interval():
            self._last_beat = now
            self.store.heartbeat(beating)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m runwatch._agent")
    parser.add_argument("--name", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args(argv)
    os.environ[_settings.PROCESS_TAG_ENV] = ""  # what the agent itself starts belongs to no run
    watchdog = Watchdog(_processes.token())  # first: it must not hold the lock nor see a thread
    try:
        _processes.become_subreaper()
        workspace = Workspace(
            args.name,
            args.store,
            args.artifacts,
            artifacts_options=_remote.options_from_environment(),
        )
        serve(workspace)
    finally:
        watchdog.close()


def serve(workspace: Workspace) -> None:
    """Serve `workspace` until idle, unless another agent holds its lock."""
    fd = _try_lock(lock_path(workspace))
    if fd is None:
        return  # another agent serves this workspace
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    print(f"runwatch agent {os.getpid()} serving {workspace.store_url}", flush=True)
    agent = Agent(workspace)

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        agent.serve(fd)
    finally:
        agent.stop_all(f"the runwatch agent {os.getpid()} was stopped")


if __name__ == "__main__":
    main()
