"""The processes of a submitted script: started so that they cannot outlive the
agent, found wherever they went, and ended together.

A script may start processes that leave its process group and session (a
daemon forks twice and calls `setsid`): `killpg` misses them, and the pipes
they inherit keep the driver's log readers waiting. So:
- a script runs with `RUNWATCH_PROCESS_TAG=<token of this process>/<run id>`
  in its environment, which everything it starts inherits;
- on Linux it gets `PR_SET_PDEATHSIG=SIGKILL`: it dies with the thread that
  started it. That is the driver's thread, which lives as long as the script
  is driven, so a SIGKILL of the agent ends the script; the agent's watchdog
  (`_watchdog`) ends what the script started;
- on Linux the agent is a child subreaper: a script's orphans become the
  agent's children instead of init's, so it finds and reaps them;
- `ScriptProcesses.find()` joins the script's process tree now, the processes
  seen in it before (remembered by pid and start time about once a second),
  and every process of the machine that carries the run's tag.
Ending them means SIGTERM to all, then SIGKILL after the grace period to those
left. psutil checks a pid's start time before it signals it, so a reused pid is
never hit. What a script leaves running when it exits is ended the same way:
a run's processes end with the run, as Azure ML's local runs end with their
script. Without prctl (not Linux) the tags and the watchdog still find them; a
process that clears its environment and leaves the script's tree within a
second of being started is not found there.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import psutil

from runwatch.core._settings import PROCESS_TAG_ENV

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_LOOK_EVERY = 1.0
_KILL_WAIT = 5.0
_ROUNDS = 3  # a process may start another while it is being stopped


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4  # option, then unsigned longs
    prctl.restype = ctypes.c_int
    return prctl


def become_subreaper() -> bool:
    """Adopt the orphans of this process's descendants (Linux); False where impossible."""
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child die by SIGKILL with the thread that forks it."""
    prctl = _prctl()
    if prctl is None:
        return None

    def arm() -> None:  # in the child, between fork and exec: nothing that takes a lock
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


_tokens: dict[int, str] = {}  # by pid: a forked child is someone else


def token() -> str:
    """This process's prefix of the tags of the scripts it starts."""
    pid = os.getpid()
    if pid not in _tokens:
        _tokens.clear()
        _tokens[pid] = f"{pid}.{secrets.token_hex(4)}"
    return _tokens[pid]


def _tag(process: psutil.Process) -> str | None:
    try:
        tag: str | None = process.environ().get(PROCESS_TAG_ENV)
    except psutil.Error:  # gone, a zombie, or not ours to read
        return None
    return tag


def _running(process: psutil.Process) -> bool:
    try:
        return bool(process.is_running()) and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def tagged(prefix: str) -> set[psutil.Process]:
    """The live processes of this machine whose tag starts with `prefix`."""
    return {
        process
        for process in psutil.process_iter()
        if (_tag(process) or "").startswith(prefix) and _running(process)
    }


def _signal(processes: Iterable[psutil.Process], signum: int) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):  # gone meanwhile, or not ours
            process.send_signal(signum)


def kill_tagged(prefix: str) -> None:
    """SIGKILL every process whose tag starts with `prefix`, and wait until they are gone."""
    for _ in range(_ROUNDS):
        found = tagged(prefix)
        if not found:
            return
        _signal(found, signal.SIGKILL)
        psutil.wait_procs(found, timeout=_KILL_WAIT)


class ScriptProcesses:
    """One run's script and every process it started."""

    def __init__(self, run_id: str) -> None:
        self.tag = f"{token()}/{run_id}"
        self.script: subprocess.Popen[bytes] | None = None
        self._seen: set[psutil.Process] = set()
        self._names: dict[psutil.Process, str] = {}
        self._next_look = 0.0

    def start(
        self, argv: list[str], cwd: Path, env: Mapping[str, str], **popen: Any
    ) -> subprocess.Popen[bytes]:
        """Start the script in a session of its own, tagged, dying with this thread."""
        self.script = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**env, PROCESS_TAG_ENV: self.tag},
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
            **popen,
        )
        return self.script

    def look(self) -> None:
        """Remember the processes of the run there are now (at most once a second)."""
        now = time.monotonic()
        if now >= self._next_look:
            self._next_look = now + _LOOK_EVERY
            self._seen.update(self._tree())

    def find(self) -> set[psutil.Process]:
        """Every live process of the run but the script itself."""
        found = {p for p in self._seen if _running(p)} | self._tree() | tagged(self.tag)
        mine = {os.getpid(), self.script.pid if self.script is not None else None}
        found = {p for p in found if p.pid not in mine and _running(p)}
        for process in found - self._names.keys():
            with contextlib.suppress(psutil.Error):
                self._names[process] = process.name()
        return found

    def describe(self, processes: Iterable[psutil.Process]) -> str:
        """'pid (name), ...' of processes `find()` returned, even once they are gone."""
        return ", ".join(
            f"{p.pid} ({self._names[p]})" if p in self._names else str(p.pid)
            for p in sorted(processes, key=lambda p: p.pid)
        )

    def stop(self, grace: float) -> set[psutil.Process]:
        """SIGTERM the script and every process it started, SIGKILL those left after
        `grace` seconds. Returns the processes other than the script it stopped."""
        stopped: set[psutil.Process] = set()
        for _ in range(_ROUNDS):
            others = self.find() - stopped
            script = self.script if self.script is not None and self.script.poll() is None else None
            if not others and script is None:
                break
            self._send(script, others, signal.SIGTERM)
            self._wait(script, others, grace)
            self._send(script, {p for p in others if _running(p)}, signal.SIGKILL)
            self._wait(script, others, _KILL_WAIT)
            stopped |= others
        self._reap(stopped | self._seen)
        return stopped

    def _tree(self) -> set[psutil.Process]:
        """The script's descendants, and the orphans this process adopted from it."""
        roots: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            if self.script is not None and self.script.poll() is None:  # not reaped: its pid
                roots.append(psutil.Process(self.script.pid))
            roots.extend(c for c in psutil.Process().children() if _tag(c) == self.tag)
        found = {r for r in roots if self.script is None or r.pid != self.script.pid}
        for root in roots:
            with contextlib.suppress(psutil.Error):
                # A process tagged for another run (or for none: an agent) is not this run's.
                found.update(
                    p for p in root.children(recursive=True) if _tag(p) in (None, self.tag)
                )
        return found

    @staticmethod
    def _send(
        script: subprocess.Popen[bytes] | None, others: set[psutil.Process], signum: int
    ) -> None:
        if script is not None:
            with contextlib.suppress(ProcessLookupError):
                script.send_signal(signum)
        _signal(others, signum)

    @staticmethod
    def _wait(
        script: subprocess.Popen[bytes] | None, others: set[psutil.Process], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        if script is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                script.wait(timeout=timeout)  # the script by its Popen, which must reap it
        psutil.wait_procs(
            [p for p in others if _running(p)], timeout=max(0.0, deadline - time.monotonic())
        )

    def _reap(self, processes: Iterable[psutil.Process]) -> None:
        """Reap the adopted ones that ended (never the script: its Popen does that)."""
        for process in processes:
            if self.script is not None and process.pid == self.script.pid:
                continue
            with contextlib.suppress(psutil.Error, ChildProcessError):
                if process.ppid() == os.getpid():
                    os.waitpid(process.pid, os.WNOHANG)
