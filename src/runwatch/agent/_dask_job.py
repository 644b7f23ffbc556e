"""The local agent's side of a Dask run: `DaskJob`.

The agent claims a run whose compute target is a `DaskCompute` and hands it
to the Dask scheduler as one task (`_dask_worker.run_on_worker`), then
watches the task. On a worker, the task takes the run over (it becomes the
run's owner and beats its heartbeat) and drives the script as the local agent
would (`_driver.ScriptDriver`): snapshot, environment, log lines, cancel,
outputs/ and the final status all go through the workspace's store and
artifacts, which the workers must reach too.

When a worker is lost, the run's recorded owner is dead: readers on that
machine see the run Failed at once, readers elsewhere see it NotResponding
after three silent heartbeat intervals (`_liveness`), and the agent, finding
the worker gone from the scheduler, ends it Failed. Dask retries a task whose
worker died; the retry finds the run already taken and ends it Failed rather
than start the script a second time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from runwatch.agent._jobs import RunJob
from runwatch.artifacts._logs import LogWriter
from runwatch.core import _settings
from runwatch.core._records import RunStatus
from runwatch.errors import ConfigError, RunStateError, RunwatchError
from runwatch.submit._dask_compute import distributed_module
from runwatch.tracking._workspace import Workspace

#: The run property naming the worker that took the run.
WORKER_PROPERTY = "daskWorker"
_LOOP = 0.2
_CHECK_WORKER_EVERY = 1.0
_RESULT_GRACE = 5.0

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def _client(address: str) -> Any:
    """One `distributed.Client` per scheduler for the whole agent."""
    distributed = distributed_module()
    with _clients_lock:
        client = _clients.get(address)
        if client is None or client.status in ("closing", "closed"):
            try:
                client = distributed.Client(
                    address, timeout=_settings.dask_timeout(), set_as_default=False
                )
            except (OSError, TimeoutError) as error:
                raise ConfigError(
                    f"cannot reach the Dask scheduler at {address}: {error}"
                ) from None
            _clients[address] = client
        return client


class DaskJob(RunJob):
    """Hands one claimed run to the Dask scheduler, then watches the task and the worker."""

    kind = "dask"
    agent_beats = False  # this job beats until a worker takes the run; then the worker does

    def __init__(self, workspace: Workspace, run_id: str) -> None:
        super().__init__(workspace, run_id)
        self._abort: str | None = None

    def abort(self, reason: str) -> None:
        """The agent stops: a run a worker took goes on there; one still waiting fails."""
        self._abort = reason

    def _main(self) -> None:
        try:
            self._hand_over()
        except Exception as error:  # the run ends visibly rather than waiting forever
            self._end(
                RunStatus.FAILED,
                {"code": "DaskError", "type": type(error).__name__, "message": str(error)},
            )

    def _hand_over(self) -> None:
        definition = self.store.get_definition(self.run_id)
        assert definition is not None
        compute = definition["compute"]
        address = compute["address"]
        log = LogWriter(self.store, self.ws.artifacts, self.run_id)
        try:
            log.system(f"handing run {self.run_id} to the Dask scheduler at {address}")
        finally:
            log.close()
        from runwatch.agent._dask_worker import run_on_worker

        client = _client(address)
        future = client.submit(
            run_on_worker,
            self.ws.name,
            compute.get("store") or self.ws.store_url,
            compute.get("artifacts") or self.ws.artifacts_url,
            self.run_id,
            self._claimed_by(),
            key=f"runwatch-{self.run_id}",
            pure=False,
        )
        try:
            self._watch(client, future, address)
        finally:
            future.release()

    def _claimed_by(self) -> list[Any]:
        """The owner record the agent wrote when it claimed the run (the worker checks it)."""
        info = self.store.get_run(self.run_id)
        return [info.owner_pid, info.owner_host]

    def _watch(self, client: Any, future: Any, address: str) -> None:
        next_beat = next_worker_check = released_at = 0.0
        while not future.done():
            info = self.store.get_run(self.run_id)
            worker = info.properties.get(WORKER_PROPERTY)
            now = time.monotonic()
            if worker is None:  # still waiting in the scheduler for a free worker thread
                if self._abort is not None or info.cancel_requested:
                    future.cancel()
                    if self._abort is not None:
                        self._end(
                            RunStatus.FAILED, {"code": "AgentStopped", "message": self._abort}
                        )
                    else:
                        self._end(RunStatus.CANCELED, None)
                    return
                if now >= next_beat:
                    next_beat = now + _settings.heartbeat_interval()
                    self.store.heartbeat([self.run_id])
            elif self._abort is not None:
                return  # the worker owns the run and goes on without this agent
            elif info.is_final and info.owner_pid is None:
                # The worker is done with it; its result only confirms that, and never
                # comes if the scheduler went away meanwhile.
                released_at = released_at or now
                if now - released_at > _RESULT_GRACE:
                    return
            elif now >= next_worker_check:
                next_worker_check = now + _CHECK_WORKER_EVERY
                try:
                    workers = client.nthreads()
                except OSError:  # the scheduler is unreachable: the worker's heartbeats tell
                    workers = None
                if workers is not None and worker not in workers:
                    self._end(RunStatus.FAILED, lost_error(worker, None))
                    future.cancel()
                    return
            time.sleep(_LOOP)
        if future.status == "error":
            error = future.exception()
            message = (
                str(error)
                if isinstance(error, RunwatchError)
                else f"the Dask task failed on a worker: {type(error).__name__}: {error}"
            )
            self._end(
                RunStatus.FAILED,
                {"code": "DaskWorkerError", "type": type(error).__name__, "message": message},
            )
        elif future.status == "cancelled":
            self._end(
                RunStatus.FAILED,
                {"code": "DaskError", "message": f"the Dask scheduler at {address} dropped it"},
            )

    def _end(self, status: str, error: dict[str, Any] | None) -> None:
        """End a run no worker drives (any more); let go of it, as drivers do."""
        with contextlib.suppress(RunStateError):  # it may have ended meanwhile
            self.store.set_status(self.run_id, status, error=error)
        self.store.set_owner(self.run_id, None)  # wait_for_completion may return


def lost_error(worker: str, retried_on: str | None) -> dict[str, Any]:
    message = (
        f"the Dask worker {worker} running this run was lost (killed, out of memory, or its "
        "machine went away)"
    )
    if retried_on is not None:
        message += f"; Dask retried it on {retried_on}, where runwatch does not start it again"
    return {"code": "DaskWorkerLost", "message": message}
