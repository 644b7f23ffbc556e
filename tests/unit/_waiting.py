"""Waiting for submitted runs in tests: statuses seen until final, and the driver log."""

from __future__ import annotations

import time

from runwatch import Run, RunStatus


def driver_log(run: Run) -> str:
    logs = run.get_details_with_logs()["logFiles"]
    return str(logs.get("logs/driver.log", ""))


def wait_final(run: Run, timeout: float = 30.0, poll: float = 0.02) -> list[str]:
    """Poll the run's status until it is final; return the statuses seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        status = run.get_status()
        if not seen or seen[-1] != status:
            seen.append(status)
        if RunStatus.is_final(status):
            return seen
        assert time.monotonic() < deadline, (
            f"run {run.id} is still {status} after {timeout} s:\n{driver_log(run)}"
        )
        time.sleep(poll)
