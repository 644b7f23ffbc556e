"""Run log files that grow while the run is alive, and reading their new bytes.

The agent appends each line a script prints to `logs/driver.log` in the
run's files (stderr lines marked with `[stderr] `) and records the file's
size in the store at most twice a second, so readers (the widget,
`wait_for_completion(show_output=True)`) read only the bytes after the offset
they already have.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timezone
from typing import IO

from ._artifacts import FILES
from .store import RunStore

DRIVER_LOG = "logs/driver.log"
STDERR_MARK = "[stderr] "
_SIZE_EVERY = 0.5


class LogWriter:
    """Appends lines to one log file of a run (local artifact stores)."""

    def __init__(self, store: RunStore, artifacts: object, run_id: str, name: str = DRIVER_LOG):
        from ._artifacts import ArtifactStore

        assert isinstance(artifacts, ArtifactStore)
        path = artifacts.local_path(run_id, FILES, name)
        if path is None:
            raise NotImplementedError("log files need a local artifact store")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._file: IO[bytes] = open(path, "ab")  # noqa: SIM115 - closed by close()
        self._store = store
        self._run_id = run_id
        self._name = name
        self._lock = threading.Lock()
        self._size = self._file.tell()
        self._recorded = -1
        self._recorded_at = 0.0
        store.add_file(run_id, name, self._size, overwrite=True)

    def line(self, text: str, *, stderr: bool = False) -> None:
        data = ((STDERR_MARK if stderr else "") + text.rstrip("\n") + "\n").encode(
            "utf-8", errors="replace"
        )
        with self._lock:
            self._file.write(data)
            self._file.flush()
            self._size += len(data)
        if time.monotonic() - self._recorded_at >= _SIZE_EVERY:
            self.record_size()

    def system(self, text: str) -> None:
        """A line from runwatch itself, with a timestamp."""
        stamp = datetime.now(timezone.utc).strftime("%H:%M:%S")
        self.line(f"[runwatch {stamp}] {text}")

    def record_size(self) -> None:
        with self._lock:
            size = self._size
            if size == self._recorded:
                return
            self._recorded, self._recorded_at = size, time.monotonic()
        self._store.add_file(self._run_id, self._name, size, overwrite=True)

    def close(self) -> None:
        self.record_size()
        with self._lock:
            self._file.close()
