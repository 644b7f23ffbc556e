"""The work the local agent does for one run, each on a thread of its own."""

from __future__ import annotations

import threading

from runwatch.tracking._workspace import Workspace


class RunJob:
    """A script driver or a sweep controller, as the agent sees it."""

    kind = "job"
    #: The agent beats the run's heartbeat while the job lives (not when it runs elsewhere).
    agent_beats = True

    def __init__(self, workspace: Workspace, run_id: str) -> None:
        self.ws = workspace
        self.store = workspace.store
        self.run_id = run_id
        self.thread = threading.Thread(target=self._main, name=f"{self.kind}-{run_id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def abort(self, reason: str) -> None:
        """Stop soon because the agent is stopping (a job may ignore it)."""

    def _main(self) -> None:
        raise NotImplementedError
