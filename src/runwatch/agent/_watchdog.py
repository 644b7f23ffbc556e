"""The agent's watchdog: a process forked when the agent starts, which outlives it.

`PR_SET_PDEATHSIG` ends a script when its agent dies, but not what the script
started, and it exists only on Linux. The watchdog holds the read end of a
pipe whose write end only the agent has. When the agent dies, even by SIGKILL,
the pipe reads end-of-file, and the watchdog SIGKILLs every process tagged by
the agent (`_processes`), then exits. It ignores SIGTERM, SIGINT and SIGHUP:
a signal to the agent's process group stops the agent, which stops its
scripts itself, and the watchdog exits after it.

It is forked before the agent takes its lock or starts a thread, so it holds
neither the lock nor a copy of another thread's state.
"""

from __future__ import annotations

import contextlib
import os
import signal
from typing import NoReturn

from runwatch.agent import _processes


class Watchdog:
    def __init__(self, token: str) -> None:
        read, self._write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self._write)
            _watch(read, token)
        os.close(read)

    def close(self) -> None:
        """Let the watchdog go (it ends what is left of this agent's scripts) and reap it."""
        os.close(self._write)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _watch(read: int, token: str) -> NoReturn:
    code = 1
    try:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        while os.read(read, 1):
            pass  # nobody writes: read returns b"" once the agent is gone
        _processes.kill_tagged(f"{token}/")
        code = 0
    finally:
        os._exit(code)
