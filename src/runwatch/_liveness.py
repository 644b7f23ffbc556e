"""Telling live runs from runs whose process died without saying so.

The process that owns a run (the kernel that called `start_logging`, or the
local agent driving a submitted script) records a heartbeat every
`heartbeat_interval()` seconds. Any reader that finds an active run:
- owned by a process on this machine that no longer exists: marks it Failed;
- silent for three intervals: marks it NotResponding (the owner's next beat
  makes it Running again);
- silent for `FAIL_AFTER_INTERVALS` intervals, owned on another machine: Failed.
So no run stays Running forever.
"""

from __future__ import annotations

import os
import socket
import time

from . import _settings
from ._entities import RunInfo, RunStatus
from .errors import RunStateError
from .store import RunStore

NOT_RESPONDING_AFTER_INTERVALS = 3
FAIL_AFTER_INTERVALS = 60
_ACTIVE = {
    RunStatus.PREPARING,
    RunStatus.RUNNING,
    RunStatus.FINALIZING,
    RunStatus.NOT_RESPONDING,
}


def this_process() -> tuple[int, str]:
    return os.getpid(), socket.gethostname()


def process_exists(pid: int) -> bool:
    """True if `pid` is a live process (an exited one not yet reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):  # no /proc here: trust kill()
        return True


def check(store: RunStore, info: RunInfo, now: float | None = None) -> RunInfo:
    """`info`, or the run after marking it NotResponding or Failed as it deserves."""
    if info.status not in _ACTIVE or info.owner_pid is None or info.owner_pid == os.getpid():
        return info  # nothing to judge, or owned by this very process (alive by definition)
    now = time.time() if now is None else now
    interval = _settings.heartbeat_interval()
    last = info.heartbeat_time or info.start_time or info.created_time
    local = info.owner_host == socket.gethostname()
    dead = local and not process_exists(info.owner_pid)
    if dead or (not local and now - last > FAIL_AFTER_INTERVALS * interval):
        reason = (
            f"the process {info.owner_pid} that ran this run exited without ending it"
            if dead
            else f"no heartbeat from {info.owner_host} for {now - last:.0f} s"
        )
        try:
            return store.set_status(
                info.id, RunStatus.FAILED, error={"code": "NotResponding", "message": reason}
            )
        except RunStateError:  # ended meanwhile
            return store.get_run(info.id)
    if info.status != RunStatus.NOT_RESPONDING and now - last > (
        NOT_RESPONDING_AFTER_INTERVALS * interval
    ):
        return store.mark_not_responding(info.id, now - NOT_RESPONDING_AFTER_INTERVALS * interval)
    return info
