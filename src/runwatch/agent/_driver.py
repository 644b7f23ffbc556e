"""Executing one submitted script run (inside the local agent).

Preparing: extract the snapshot into a fresh working folder and prepare the
environment. Running: start the script in a session of its own with the
run's identity in its environment, copy its output line by line into
`logs/driver.log`, stop it on cancel or when it runs over its time limit
(SIGTERM, then SIGKILL after a grace period). When the script ends, every
process it started and left running ends too, daemons included (see
`_processes`). Finalizing: upload `outputs/`. Then Completed, Failed (with
the exception and the last stderr lines) or Canceled, unless the script
already ended the run itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import IO, Any

from runwatch.agent._jobs import RunJob
from runwatch.agent._processes import ScriptProcesses
from runwatch.artifacts import _s3_options as _remote
from runwatch.artifacts import _snapshots as _snapshot
from runwatch.artifacts._logs import LogWriter
from runwatch.core import _settings
from runwatch.core._records import RunStatus
from runwatch.errors import RunStateError, RunwatchError
from runwatch.submit import _environment
from runwatch.tracking._workspace import Workspace

# The last line of a Python traceback: "module.ExceptionName: message" (or just the name).
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s*(.*))?$")
_POLL = 0.1
_CHECK_CANCEL_EVERY = 0.3
#: How long the log readers get to drain the pipes once every process of the run is gone.
_READERS_GRACE = 2.0

#: How a run ends: its final status and its error (None when it completed).
Outcome = tuple[str, dict[str, Any] | None]


class ScriptDriver(RunJob):
    kind = "driver"

    def __init__(self, workspace: Workspace, run_id: str) -> None:
        super().__init__(workspace, run_id)
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._abort: str | None = None
        self._copying = True
        #: Where the script runs, for the first line of its log.
        self.place = f"runwatch agent {os.getpid()}"

    def abort(self, reason: str) -> None:
        """Stop the script soon; its run ends Failed with `reason`."""
        self._abort = reason

    # ------------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            log = LogWriter(self.store, self.ws.artifacts, self.run_id)
        except RunwatchError as error:  # e.g. the artifact store refuses the agent's credentials
            self._end(
                RunStatus.FAILED,
                {"code": "SystemError", "type": type(error).__name__, "message": str(error)},
            )
            self.store.set_owner(self.run_id, None)
            return
        workdir = Path(tempfile.mkdtemp(prefix=f"runwatch-{self.run_id}-"))
        try:
            outcome = self._execute(log, workdir)
        except Exception as failure:  # anything the agent itself got wrong ends the run clearly
            log.system(f"runwatch could not run the script: {type(failure).__name__}: {failure}")
            kind = type(failure).__name__
            outcome = (
                RunStatus.FAILED,
                {"code": "SystemError", "type": kind, "message": str(failure)},
            )
        finally:
            # The log is whole (and its size recorded) before the run ends: a reader that
            # sees the final status reads every line.
            log.close()
            shutil.rmtree(workdir, ignore_errors=True)
        try:
            self._end(*outcome)
        finally:
            self.store.set_owner(self.run_id, None)  # done: wait_for_completion may return

    def _execute(self, log: LogWriter, workdir: Path) -> Outcome:
        """Run the script; the status the run ends with, and its error."""
        definition = self.store.get_definition(self.run_id)
        assert definition is not None
        log.system(f"preparing run {self.run_id} in {workdir} ({self.place})")
        _snapshot.extract(definition["snapshot"], self.ws.artifacts, workdir)
        interpreter = self._interpreter(definition["environment"], log)
        if self.store.get_run(self.run_id).cancel_requested:
            return RunStatus.CANCELED, None
        argv = self._argv(definition, interpreter)
        self._set(RunStatus.RUNNING)
        log.system("$ " + " ".join(argv))
        processes, process, readers = self._start_logged(
            argv, workdir, self._environment(definition), log
        )
        try:
            limit = definition.get("max_run_duration_seconds")
            stop_reason = self._supervise(processes, limit, log)
        finally:
            left = processes.stop(_settings.cancel_grace())  # all of them, whatever happened
        if left:
            log.system(f"ended the processes the script left running: {processes.describe(left)}")
        self._drain(readers, log)
        code = process.returncode
        log.system(f"the script exited with code {code}")
        self._set(RunStatus.FINALIZING)
        self._collect_outputs(workdir, log)
        if self._abort is not None:
            return RunStatus.FAILED, {"code": "AgentStopped", "message": self._abort}
        if stop_reason is not None:
            return RunStatus.CANCELED, {"code": "Canceled", "message": stop_reason}
        if code == 0:
            return RunStatus.COMPLETED, None
        return RunStatus.FAILED, self._error(code)

    def _interpreter(self, environment: dict[str, Any], log: LogWriter) -> str:
        return _environment.prepare(environment, log.system)

    def _argv(self, definition: dict[str, Any], interpreter: str) -> list[str]:
        if definition["script"] is not None:
            return [interpreter, definition["script"], *definition["arguments"]]
        command = list(definition["command"])
        if command[0] in ("python", "python3"):
            command[0] = interpreter
        return [*command, *definition["arguments"]]

    def _environment(self, definition: dict[str, Any]) -> dict[str, str]:
        env = dict(os.environ)
        env.update(definition["environment"].get("variables", {}))
        env.update(
            {
                _settings.RUN_ID_ENV: self.run_id,
                _settings.STORE_ENV: self.ws.store_url,
                _settings.ARTIFACTS_ENV: self.ws.artifacts_url,
                _settings.WORKSPACE_NAME_ENV: self.ws.name,
                "PYTHONUNBUFFERED": "1",  # lines reach the log as they are printed
            }
        )
        env.pop(_settings.CONFIG_ENV, None)
        return _remote.environment_entry(self.ws.artifacts_options, env)

    def _drain(self, readers: list[threading.Thread], log: LogWriter) -> None:
        """Let the readers copy what is left; give up on a pipe something still holds."""
        deadline = time.monotonic() + _READERS_GRACE
        for reader in readers:
            reader.join(timeout=max(0.0, deadline - time.monotonic()))
        if any(reader.is_alive() for reader in readers):
            self._copying = False  # they stop at their next line, if one ever comes
            log.system("a process runwatch could not end holds the script's output; not logged")

    def _start_logged(
        self, argv: list[str], workdir: Path, environment: dict[str, str], log: LogWriter
    ) -> tuple[ScriptProcesses, subprocess.Popen[bytes], list[threading.Thread]]:
        """Start `argv` as the run's process tree, with its output copied into the log."""
        processes = ScriptProcesses(self.run_id)
        process = processes.start(
            argv,
            workdir,
            environment,
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
        return processes, process, readers

    def _copy(self, stream: IO[bytes] | None, log: LogWriter, stderr: bool) -> None:
        assert stream is not None
        for raw in stream:
            if not self._copying:
                return
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            if stderr:
                self._stderr_tail.append(text)
            log.line(text, stderr=stderr)

    def _supervise(
        self, processes: ScriptProcesses, limit: float | None, log: LogWriter
    ) -> str | None:
        """Wait for the script; stop it on cancel or overrun. Returns why it was stopped."""
        started = time.monotonic()
        next_check = started
        assert processes.script is not None
        while processes.script.poll() is None:
            time.sleep(_POLL)
            processes.look()
            now = time.monotonic()
            reason = None
            if self._abort is not None:
                reason = self._abort
            elif limit is not None and now - started > limit:
                reason = f"the run exceeded max_run_duration_seconds={limit:g}"
            elif now >= next_check:
                next_check = now + _CHECK_CANCEL_EVERY
                if self.store.get_run(self.run_id).cancel_requested:
                    reason = "canceled on request"
            if reason is not None:
                log.system(f"stopping the script: {reason}")
                stopped = processes.stop(_settings.cancel_grace())
                if stopped:
                    log.system(
                        f"stopped the processes the script started: {processes.describe(stopped)}"
                    )
                return reason
        return None

    def _collect_outputs(self, workdir: Path, log: LogWriter) -> None:
        from runwatch.tracking._run import Run

        outputs = workdir / "outputs"
        if outputs.is_dir():
            run = Run.get(self.ws, self.run_id)
            run._outputs = outputs
            run._collect_outputs()
            log.system(f"uploaded {sum(1 for p in outputs.rglob('*') if p.is_file())} output files")

    def _error(self, code: int) -> dict[str, Any]:
        error: dict[str, Any] = {"code": "ScriptError", "exitCode": code}
        if code < 0:
            error["message"] = f"the script was killed by signal {signal.Signals(-code).name}"
        else:
            error["message"] = f"the script exited with code {code}"
        final = _exception_line(list(self._stderr_tail))
        if final is not None:
            error["type"], error["message"] = final
        error["stderr"] = "\n".join(self._stderr_tail)
        return error

    def _set(self, status: str) -> None:
        # The script may have ended its run itself; then leave it as it is.
        with contextlib.suppress(RunStateError):
            self.store.set_status(self.run_id, status)

    def _end(self, status: str, error: dict[str, Any] | None) -> None:
        with contextlib.suppress(RunStateError):
            self.store.set_status(self.run_id, status, error=error)


def _exception_line(lines: list[str]) -> tuple[str, str] | None:
    """(type, line) of the exception that ended a Python traceback in `lines`, if any."""
    start = max(
        (i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")),
        default=None,
    )
    candidates = lines[start + 1 :] if start is not None else lines[-1:]
    for line in reversed(candidates):
        if line and not line.startswith(" "):
            match = _EXCEPTION_LINE.match(line.strip())
            if match and (start is not None or match.group(2) is not None):
                return match.group(1), line.strip()
            return None
    return None
