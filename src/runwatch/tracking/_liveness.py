"""Telling live runs from runs whose process died without saying so.

The process that owns a run (the kernel that called `start_logging`, the
local agent driving a submitted script, a Dask worker) records who it is
(`Owner`) and beats the run's heartbeat every `heartbeat_interval()` seconds.
Any reader that finds an active run:
- whose owner is provably gone: marks it Failed. Provably means the reader
  runs in the same boot of the same machine and in the same PID namespace as
  the owner, and the process with the owner's pid and start time is gone (so
  a pid reused by another process does not keep a dead run alive);
- silent for three intervals: marks it NotResponding (the owner's next beat
  makes it Running again);
- silent for `FAIL_AFTER_INTERVALS` intervals, owned where the reader cannot
  see (another machine, a container with its own PID namespace, an owner
  recorded by an older version): Failed.
A process in another PID namespace may share the host name (a container with
host networking) while its pid means nothing here: only its heartbeat counts.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from dataclasses import dataclass, replace

import psutil

from runwatch.core import _settings
from runwatch.core._records import RunInfo, RunStatus
from runwatch.errors import RunStateError
from runwatch.store import RunStore

NOT_RESPONDING_AFTER_INTERVALS = 3
FAIL_AFTER_INTERVALS = 60
AGENT = "agent"
_FIELDS = ("boot", "pidns", "start", "role")
_LINUX = sys.platform.startswith("linux")


@dataclass(frozen=True)
class Owner:
    """The process that keeps a run alive, as stored in the run's owner columns.

    `owner_pid` holds the pid; `owner_host` the host name followed by
    `;key=value` fields: `boot` (the kernel's boot id), `pidns` (the inode of
    the owner's PID namespace), `start` (the process's start time: clock ticks
    since boot on Linux), `role` (`agent` for the local agent). Records written
    before these fields existed hold the host name alone and still parse; a
    field this system cannot read is left out, and the owner then counts as
    one that cannot be seen.
    """

    pid: int
    host: str
    boot: str | None = None
    pidns: str | None = None
    start: str | None = None
    role: str | None = None

    @classmethod
    def parse(cls, pid: int, text: str | None) -> Owner:
        host, *fields = (text or "").split(";")
        values = dict(field.partition("=")[::2] for field in fields)
        return cls(pid, host, **{k: values.get(k) or None for k in _FIELDS})

    def record(self) -> tuple[int, str]:
        """(owner_pid, owner_host) for the store."""
        fields = [f"{k}={v}" for k in _FIELDS if (v := getattr(self, k)) is not None]
        return self.pid, ";".join([self.host, *fields])

    def describe(self) -> str:
        if self.role == AGENT:
            return f"the runwatch agent (process {self.pid}) that ran this run died"
        return f"the process {self.pid} that ran this run exited"


_myself: dict[int, Owner] = {}  # by pid: a forked child is someone else


def _me() -> Owner:
    pid = os.getpid()
    if pid not in _myself:
        _myself.clear()
        _myself[pid] = Owner(pid, socket.gethostname(), _boot_id(), _pid_namespace(), _start(pid))
    return _myself[pid]


def this_process(role: str | None = None) -> tuple[int, str]:
    """(owner_pid, owner_host) naming this process, for the store."""
    return replace(_me(), role=role).record()


def is_this_process(owner: Owner) -> bool:
    return owner.start is not None and replace(owner, role=None) == _me()


def owner_alive(owner: Owner) -> bool | None:
    """True or False if the process table of this machine can tell; None if it cannot."""
    me = _me()
    if owner.start is None or (owner.host, owner.boot, owner.pidns) != (me.host, me.boot, me.pidns):
        return None
    if None in (me.boot, me.pidns):
        return None
    return _start(owner.pid) == owner.start


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
    if info.status not in RunStatus.ACTIVE or info.owner_pid is None:
        return info
    if store.read_only:  # a snapshot being browsed: shown as stored, never rewritten
        return info
    owner = Owner.parse(info.owner_pid, info.owner_host)
    if is_this_process(owner):
        return info  # alive by definition
    now = time.time() if now is None else now
    interval = _settings.heartbeat_interval()
    silent = now - (info.heartbeat_time or info.start_time or info.created_time)
    alive = owner_alive(owner)
    if alive is False:
        return _fail(store, info, f"{owner.describe()} without ending it")
    if alive is None and silent > FAIL_AFTER_INTERVALS * interval:
        return _fail(store, info, f"no heartbeat from {owner.host} for {silent:.0f} s")
    if info.status != RunStatus.NOT_RESPONDING and silent > (
        NOT_RESPONDING_AFTER_INTERVALS * interval
    ):
        return store.mark_not_responding(info.id, now - NOT_RESPONDING_AFTER_INTERVALS * interval)
    return info


def released(info: RunInfo, now: float | None = None) -> bool:
    """True once nobody drives the run any more: no owner, a gone one, or a silent one."""
    if info.owner_pid is None:
        return True
    alive = owner_alive(Owner.parse(info.owner_pid, info.owner_host))
    if alive is not None:
        return not alive
    silent = (time.time() if now is None else now) - (info.heartbeat_time or info.created_time)
    return silent > NOT_RESPONDING_AFTER_INTERVALS * _settings.heartbeat_interval()


def _fail(store: RunStore, info: RunInfo, reason: str) -> RunInfo:
    try:
        return store.set_status(
            info.id, RunStatus.FAILED, error={"code": "NotResponding", "message": reason}
        )
    except RunStateError:  # ended meanwhile
        return store.get_run(info.id)


# --- what identifies a process -----------------------------------------------------------


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read().strip() or None
    except OSError:
        return None


def _boot_id() -> str | None:
    if _LINUX:
        return _read("/proc/sys/kernel/random/boot_id")
    try:
        return f"t{psutil.boot_time():.0f}"
    except (OSError, psutil.Error):
        return None


def _pid_namespace() -> str | None:
    if not _LINUX:
        return "none"  # no PID namespaces: one process table per boot
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:  # no /proc: nothing to compare
        return None


def _start(pid: int) -> str | None:
    """The start time of the live process `pid` (None if gone, a zombie, or unreadable)."""
    if _LINUX:
        stat = _read(f"/proc/{pid}/stat")
        if stat is None:
            return None
        fields = stat.rsplit(")", 1)[-1].split()
        return fields[19] if len(fields) > 19 and fields[0] not in ("Z", "X") else None
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return f"{process.create_time():.6f}"
    except psutil.Error:
        return None
