"""Waiting for submitted runs in tests: statuses seen until final, log lines, and processes."""

from __future__ import annotations

import time
from collections.abc import Callable

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


def wait_for_line(run: Run, text: str, timeout: float = 20.0, poll: float = 0.02) -> None:
    """Poll the driver log until it holds `text`, while the run is not final."""
    deadline = time.monotonic() + timeout
    while text not in driver_log(run):
        assert time.monotonic() < deadline, f"{text!r} never reached the log:\n{driver_log(run)}"
        assert not RunStatus.is_final(run.get_status()), driver_log(run)
        time.sleep(poll)


def process_gone(pid: int) -> bool:
    """True if `pid` no longer runs (a zombie nobody reaped yet counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """Wait until every pid is gone or `timeout` passes; return those still alive."""
    deadline = time.monotonic() + timeout
    while (alive := [p for p in pids if not process_gone(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> bool:
    """Poll `condition()` until it is true (True) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
