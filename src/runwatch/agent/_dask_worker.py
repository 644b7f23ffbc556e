"""The Dask task that runs one submitted run on a worker (see `_dask_job`).

`run_on_worker` opens the workspace as the worker reaches it, takes the run
over (records the worker in the run's `daskWorker` property and becomes its
owner), then drives the script with `ScriptDriver` while beating the run's
heartbeat. A retry of the task after its first worker died ends the run
Failed instead of starting the script again.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from runwatch.agent._dask_job import WORKER_PROPERTY, lost_error
from runwatch.agent._driver import ScriptDriver
from runwatch.artifacts._logs import LogWriter
from runwatch.core import _settings
from runwatch.core._records import RunStatus
from runwatch.errors import ConfigError, RunStateError, ValidationError
from runwatch.tracking import _liveness
from runwatch.tracking._workspace import Workspace


def run_on_worker(
    workspace_name: str, store_url: str, artifacts_url: str, run_id: str, handed_by: list[Any]
) -> str:
    """The Dask task: take over `run_id`, drive its script here, return its final status."""
    where = _worker_address()
    ws = _open_workspace(workspace_name, store_url, artifacts_url, where)
    store = ws.store
    try:
        info = store.get_run(run_id)
    except LookupError:
        raise ConfigError(
            f"the Dask worker {where} finds no run {run_id} in the store "
            f"{without_password(store_url)}: it is not the store the run was submitted to"
        ) from None
    if info.is_final:  # canceled while it waited for a worker
        return info.status
    first = info.properties.get(WORKER_PROPERTY)
    taken = first is not None or [info.owner_pid, info.owner_host] != list(handed_by)
    if not taken:
        try:
            store.add_properties(run_id, {WORKER_PROPERTY: where})
        except ValidationError:  # another worker took it between the read and now
            taken = True
    if taken:
        # A retry after the first worker died: its script may have run, so not twice.
        first = store.get_run(run_id).properties.get(WORKER_PROPERTY, "?")
        with contextlib.suppress(RunStateError):
            store.set_status(run_id, RunStatus.FAILED, error=lost_error(str(first), where))
        store.set_owner(run_id, None)  # the lost worker cannot let go of it
        return store.get_run(run_id).status
    store.set_owner(run_id, _liveness.this_process())
    driver = _WorkerDriver(ws, run_id, where)
    driver.start()
    while driver.alive:
        driver.thread.join(_settings.heartbeat_interval())
        if driver.alive:
            with contextlib.suppress(Exception):  # a missed beat is harmless; the next retries
                store.heartbeat([run_id])
    return store.get_run(run_id).status


class _WorkerDriver(ScriptDriver):
    def __init__(self, workspace: Workspace, run_id: str, where: str) -> None:
        super().__init__(workspace, run_id)
        self.place = f"Dask worker {where}, pid {os.getpid()}"

    def _interpreter(self, environment: dict[str, Any], log: LogWriter) -> str:
        interpreter = str(environment["interpreter"])
        if not Path(interpreter).is_file():
            log.system(
                f"the interpreter {interpreter} of the submitting machine is not on this "
                f"worker; using the worker's {sys.executable}"
            )
            environment = {**environment, "interpreter": sys.executable}
        return super()._interpreter(environment, log)


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except ValueError:  # not inside a worker (called directly)
        return socket.gethostname()


def _open_workspace(name: str, store_url: str, artifacts_url: str, where: str) -> Workspace:
    shown = without_password(store_url)
    if store_url.lower().startswith("sqlite:///"):
        from runwatch.store._sqlite import path_from_url

        # Opening a missing SQLite file would create an empty store on the worker.
        if not path_from_url(store_url).is_file():
            raise ConfigError(
                f"the Dask worker {where} cannot reach the store {shown}: no such file on "
                "the worker; workers must reach the workspace's store (a SQLite file on a "
                "shared filesystem, or a PostgreSQL store)"
            )
    try:
        return Workspace(name, store_url, artifacts_url)
    except Exception as error:
        raise ConfigError(
            f"the Dask worker {where} cannot open the store {shown}: "
            f"{type(error).__name__}: {error}"
        ) from None


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
