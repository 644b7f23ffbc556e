"""Running an AutoML search: the job inside the local agent.

The job starts the search (`python -m runwatch.agent._automl_search`) as a process
of its own, copies its output into the parent run's log, and supervises it as a
script driver does a script: canceling the parent stops the process and every
iteration still running (they end Canceled, as does the parent); the process's
exit decides the parent's final status.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

from runwatch.agent._driver import ScriptDriver
from runwatch.agent._processes import ScriptProcesses
from runwatch.artifacts import _s3_options as _remote
from runwatch.artifacts._logs import LogWriter
from runwatch.core import _settings
from runwatch.core._records import RunStatus, RunType
from runwatch.errors import RunStateError


class AutoMLJob(ScriptDriver):
    kind = RunType.AUTOML

    def _execute(self, log: LogWriter, workdir: Path) -> None:
        if self.store.get_run(self.run_id).cancel_requested:
            self._end(RunStatus.CANCELED, None)
            return
        self._set(RunStatus.RUNNING)
        argv = [sys.executable, "-m", "runwatch.agent._automl_search", "--run-id", self.run_id]
        log.system(f"starting the AutoML search of run {self.run_id} ({self.place})")
        processes = ScriptProcesses(self.run_id)
        process = processes.start(
            argv,
            workdir,
            self._search_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        readers = [
            threading.Thread(target=self._copy, args=(process.stdout, log, False), daemon=True),
            threading.Thread(target=self._copy, args=(process.stderr, log, True), daemon=True),
        ]
        for reader in readers:
            reader.start()
        try:
            stop_reason = self._supervise(processes, None, log)
        finally:
            processes.stop(_settings.cancel_grace())
        self._drain(readers, log)
        code = process.returncode
        log.system(f"the search exited with code {code}")
        if self._abort is not None:
            self._end_iterations(RunStatus.FAILED)
            self._end(RunStatus.FAILED, {"code": "AgentStopped", "message": self._abort})
        elif stop_reason is not None:
            self._end_iterations(RunStatus.CANCELED)
            self._end(RunStatus.CANCELED, {"code": "Canceled", "message": stop_reason})
        elif code == 0:
            self._end(RunStatus.COMPLETED, None)
        else:
            self._end_iterations(RunStatus.FAILED)
            self._end(RunStatus.FAILED, self._error(code))

    def _search_environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                _settings.STORE_ENV: self.ws.store_url,
                _settings.ARTIFACTS_ENV: self.ws.artifacts_url,
                _settings.WORKSPACE_NAME_ENV: self.ws.name,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.pop(_settings.RUN_ID_ENV, None)
        env.pop(_settings.CONFIG_ENV, None)
        return _remote.environment_entry(self.ws.artifacts_options, env)

    def _end_iterations(self, status: str) -> None:
        """End the iterations the stopped search left open."""
        for child in self.store.get_children(self.run_id):
            if not child.is_final:
                with contextlib.suppress(RunStateError):
                    self.store.set_status(child.id, status)
                self.store.set_owner(child.id, None)
