"""The local agent: one background process per workspace that executes queued runs.

`ensure_running(workspace)` starts it (detached, in its own session) unless
one already holds the workspace's agent lock. The agent claims Queued runs in
submission order while its compute target has free slots, drives each one
(`_driver.ScriptDriver`, or a sweep controller, or hands it to a Dask cluster
with `_dask_job.DaskJob`), beats the heartbeat of every run it drives here,
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
import os
import signal
import time
from typing import Any

from runwatch.agent import _processes
from runwatch.agent._automl_job import AutoMLJob
from runwatch.agent._dask_job import DaskJob
from runwatch.agent._driver import ScriptDriver
from runwatch.agent._jobs import RunJob
from runwatch.agent._sweep_controller import SweepController
from runwatch.agent._watchdog import Watchdog
from runwatch.artifacts import _s3_options as _remote
from runwatch.core import _settings
from runwatch.core._records import RunStatus, RunType
from runwatch.submit._launcher import lock_path, try_lock
from runwatch.tracking import _liveness
from runwatch.tracking._workspace import Workspace

_LOOP = 0.1
# Sweep definitions are of the sweep run type's kind; older stores wrote "sweep".
_SWEEP_KINDS = (RunType.SWEEP, "sweep")


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
                fd = try_lock(path)
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
        if definition.get("kind") in _SWEEP_KINDS:
            driven = SweepController(self.ws, run_id)
        elif definition.get("kind") == RunType.AUTOML:
            driven = AutoMLJob(self.ws, run_id)
        elif definition.get("compute", {}).get("kind") == "dask":
            driven = DaskJob(self.ws, run_id)
        else:
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
    parser = argparse.ArgumentParser(prog="python -m runwatch.agent._agent")
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
    fd = try_lock(lock_path(workspace))
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
