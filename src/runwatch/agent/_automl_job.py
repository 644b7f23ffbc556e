"""Running an AutoML search: the job inside the local agent.

The job starts the search (`python -m runwatch.agent._automl_search`) as a process
of its own, copies its output into the parent run's log, and supervises it as a
script driver does a script: canceling the parent stops the process and every
iteration still running (they end Canceled, as does the parent); the process's
exit decides the parent's final status.

With a `DaskCompute` target the search process runs on a Dask worker instead
(`search_on_worker`, one task); the agent keeps the parent run and watches the
task. The search stops itself when the parent is canceled, wherever it runs.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from runwatch.agent._driver import Outcome, ScriptDriver
from runwatch.artifacts import _s3_options as _remote
from runwatch.artifacts._logs import LogWriter
from runwatch.core import _settings
from runwatch.core._records import RunStatus, RunType
from runwatch.errors import RunStateError


class AutoMLJob(ScriptDriver):
    kind = RunType.AUTOML

    def _execute(self, log: LogWriter, workdir: Path) -> Outcome:
        if self.store.get_run(self.run_id).cancel_requested:
            return RunStatus.CANCELED, None
        self._set(RunStatus.RUNNING)
        definition = self.store.get_definition(self.run_id) or {}
        if definition.get("compute", {}).get("kind") == "dask":
            return self._on_dask(log, definition["compute"])
        argv = [sys.executable, "-m", "runwatch.agent._automl_search", "--run-id", self.run_id]
        log.system(f"starting the AutoML search of run {self.run_id} ({self.place})")
        processes, process, readers = self._start_logged(
            argv, workdir, self._search_environment(), log
        )
        try:
            stop_reason = self._supervise(processes, None, log)
        finally:
            processes.stop(_settings.cancel_grace())
        self._drain(readers, log)
        code = process.returncode
        log.system(f"the search exited with code {code}")
        if stop_reason is None and self.store.get_run(self.run_id).cancel_requested:
            stop_reason = "canceled on request"  # the search saw it first and stopped itself
        if self._abort is not None:
            self._end_iterations(RunStatus.FAILED)
            return RunStatus.FAILED, {"code": "AgentStopped", "message": self._abort}
        if stop_reason is not None:
            self._end_iterations(RunStatus.CANCELED)
            return RunStatus.CANCELED, {"code": "Canceled", "message": stop_reason}
        if code == 0:
            return RunStatus.COMPLETED, None
        self._end_iterations(RunStatus.FAILED)
        return RunStatus.FAILED, self._error(code)

    def _search_environment(self) -> dict[str, str]:
        env = search_environment(self.ws.name, self.ws.store_url, self.ws.artifacts_url)
        return _remote.environment_entry(self.ws.artifacts_options, env)

    def _on_dask(self, log: LogWriter, compute: dict[str, Any]) -> Outcome:
        from runwatch.agent._dask_job import _client

        address = compute["address"]
        log.system(
            f"handing the AutoML search of run {self.run_id} to the Dask scheduler at {address}"
        )
        client = _client(address)
        future = client.submit(
            search_on_worker,
            self.ws.name,
            compute.get("store") or self.ws.store_url,
            compute.get("artifacts") or self.ws.artifacts_url,
            self.run_id,
            key=f"runwatch-automl-{self.run_id}",
            pure=False,
        )
        canceled_at: float | None = None
        try:
            while not future.done():
                if self._abort is not None:
                    future.cancel()
                    self._end_iterations(RunStatus.FAILED)
                    return RunStatus.FAILED, {"code": "AgentStopped", "message": self._abort}
                if canceled_at is None and self.store.get_run(self.run_id).cancel_requested:
                    canceled_at = time.monotonic()  # the search stops itself; wait for it
                if canceled_at is not None and (
                    time.monotonic() - canceled_at > _settings.cancel_grace() + 10
                ):
                    future.cancel()
                    break
                time.sleep(0.2)
            if canceled_at is not None or self.store.get_run(self.run_id).cancel_requested:
                self._end_iterations(RunStatus.CANCELED)
                return RunStatus.CANCELED, {"code": "Canceled", "message": "canceled on request"}
            if future.status == "error":
                error = future.exception()
                self._end_iterations(RunStatus.FAILED)
                return RunStatus.FAILED, {
                    "code": "DaskWorkerError",
                    "type": type(error).__name__,
                    "message": f"the AutoML search failed on a Dask worker: {error}",
                }
            code, output, where = future.result()
        finally:
            future.release()
        for line in output.splitlines():
            log.line(line, stderr=False)
        log.system(f"the search exited with code {code} on the Dask worker {where}")
        if code == 0:
            return RunStatus.COMPLETED, None
        self._end_iterations(RunStatus.FAILED)
        lines = output.strip().splitlines()
        return RunStatus.FAILED, {
            "code": "ScriptError",
            "exitCode": code,
            "message": lines[-1] if lines else f"the search exited with code {code}",
        }

    def _end_iterations(self, status: str) -> None:
        """End the iterations the stopped search left open."""
        for child in self.store.get_children(self.run_id):
            if not child.is_final:
                with contextlib.suppress(RunStateError):
                    self.store.set_status(child.id, status)
                self.store.set_owner(child.id, None)


def search_environment(name: str, store: str, artifacts: str) -> dict[str, str]:
    """The environment of a search process: this one's, with the workspace to use."""
    env = dict(os.environ)
    env.update(
        {
            _settings.STORE_ENV: store,
            _settings.ARTIFACTS_ENV: artifacts,
            _settings.WORKSPACE_NAME_ENV: name,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop(_settings.RUN_ID_ENV, None)
    env.pop(_settings.CONFIG_ENV, None)
    return env


def search_on_worker(name: str, store: str, artifacts: str, run_id: str) -> tuple[int, str, str]:
    """The Dask task: run the search process on this worker; (exit code, output, worker)."""
    from runwatch.agent._dask_worker import _worker_address

    env = search_environment(name, store, artifacts)
    done = subprocess.run(
        [sys.executable, "-m", "runwatch.agent._automl_search", "--run-id", run_id],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    output = done.stdout.decode("utf-8", errors="replace")
    return done.returncode, output[-20000:], _worker_address()
