"""Run log files that grow while the run is alive, and reading their new bytes.

The agent appends each line a script prints to `logs/driver.log` in the
run's files (stderr lines marked with `[stderr] `) and records the file's
size in the store about twice a second (also after the script goes quiet),
so readers (the widget, `wait_for_completion(show_output=True)`) read only
the bytes after the offset they already have.

On a local folder each line is appended to the file at once. Object storage
(S3) cannot append, so there the log is kept as numbered segments of
`SEGMENT` (1 MiB) bytes (see `_artifacts`): lines wait in memory and are
written at most once per `_SEGMENT_EVERY` seconds (or as soon as a segment's
worth is waiting), by rewriting the one segment still filling. The trade-off:
a reader sees a line up to `_SEGMENT_EVERY` seconds later than on a local
folder, and a killed agent loses at most that much of the log; each write
sends at most one segment plus the new bytes, so a long log costs neither
quadratic uploads nor a whole-file download per read (a reader fetches only the
segments its byte range touches). The recorded size never runs ahead of what
was written. `close()` joins the segments into one object `logs/driver.log`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO

from runwatch.artifacts._store import FILES, SEGMENT, ArtifactStore
from runwatch.errors import RunwatchError
from runwatch.store import RunStore

#: Run files under this folder are logs (`get_details()["logFiles"]`).
LOG_PREFIX = "logs/"
DRIVER_LOG = LOG_PREFIX + "driver.log"
STDERR_MARK = "[stderr] "
_SIZE_EVERY = 0.5
_SEGMENT_EVERY = 1.0


class LogWriter:
    """Appends lines to one log file of a run (segments on object storage)."""

    def __init__(self, store: RunStore, artifacts: object, run_id: str, name: str = DRIVER_LOG):
        assert isinstance(artifacts, ArtifactStore)
        self._store = store
        self._artifacts = artifacts
        self._run_id = run_id
        self._name = name
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        self._segments: _Segments | None = None
        path = artifacts.local_path(run_id, FILES, name)
        if path is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self._file = open(path, "ab")  # noqa: SIM115 - closed by close()
            self._size = self._file.tell()
        else:
            self._segments = _Segments(artifacts, run_id, name, self.record_size)
            self._size = 0
        self._recorded = -1
        self._recorded_at = 0.0
        store.add_file(run_id, name, self._size, overwrite=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="runwatch-log", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        """Now and then, so the last lines of a script that went quiet reach readers too."""
        every = _SIZE_EVERY if self._segments is None else _SEGMENT_EVERY
        while not self._stop.wait(every):
            if self._segments is None:
                self.record_size()
            else:
                self._segments.write()

    def line(self, text: str, *, stderr: bool = False) -> None:
        data = ((STDERR_MARK if stderr else "") + text.rstrip("\n") + "\n").encode(
            "utf-8", errors="replace"
        )
        if self._segments is not None:
            self._segments.append(data)
            return
        assert self._file is not None
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
            size = self._size if self._segments is None else self._segments.written
            if size == self._recorded:
                return
            self._recorded, self._recorded_at = size, time.monotonic()
        self._store.add_file(self._run_id, self._name, size, overwrite=True)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        if self._segments is not None:
            if self._segments.close():  # else keep the segments: readers still find them
                try:
                    self._artifacts.join_segments(self._run_id, FILES, self._name)
                except RunwatchError as error:
                    print(f"runwatch: {self._name} stays in segments: {error}", file=sys.stderr)
            return
        self.record_size()
        with self._lock:
            assert self._file is not None
            self._file.close()


class _Segments:
    """The bytes of a log on object storage: written as segments, at a bounded rate.

    The writer's thread calls `write` every `_SEGMENT_EVERY` seconds, so a
    quiet script's last lines still arrive; `append` writes at once when a
    whole segment is waiting, which bounds the memory a chatty script takes. A
    failed write keeps its bytes for the next one and is reported on stderr (the
    agent's log): a storage hiccup must not stop the script's output being read.
    """

    def __init__(
        self, artifacts: ArtifactStore, run_id: str, name: str, on_write: Callable[[], None]
    ) -> None:
        self._artifacts, self._run_id, self._name = artifacts, run_id, name
        self._on_write = on_write
        self._lock = threading.Lock()  # guards `_waiting`
        self._write_lock = threading.Lock()  # one writer of segments at a time
        self._waiting = bytearray()
        self._index = 0  # the segment still filling ...
        self._filling = bytearray()  # ... and its bytes in storage so far
        self.written = 0  # bytes in storage: all that readers may be told of
        self._failure: str | None = None
        self._put(0, b"")  # the log exists (empty) from the start, as a local file does

    def _put(self, index: int, data: bytes) -> None:
        self._artifacts.put_segment(self._run_id, FILES, self._name, index, data)

    def append(self, data: bytes) -> None:
        with self._lock:
            self._waiting += data
            full = len(self._waiting) + len(self._filling) >= SEGMENT
        if full:
            self.write()

    def write(self) -> bool:
        """Write what is waiting: each segment it completes once, then the one filling."""
        with self._write_lock:
            with self._lock:
                data, self._waiting = bytes(self._waiting), bytearray()
            if not data:
                return True
            pending = self._filling + data
            try:
                index = self._index
                while len(pending) >= SEGMENT:
                    self._put(index, bytes(pending[:SEGMENT]))
                    del pending[:SEGMENT]
                    index += 1
                if pending:
                    self._put(index, bytes(pending))
            except RunwatchError as error:
                self._report(error)
                with self._lock:  # keep the bytes: the next write sends them again
                    self._waiting[:0] = data
                return False
            self._index, self._filling = index, pending
            self.written += len(data)
            self._failure = None
        self._on_write()
        return True

    def _report(self, error: RunwatchError) -> None:
        if str(error) != self._failure:
            self._failure = str(error)
            where = f"{self._name} of run {self._run_id}"
            print(f"runwatch: cannot write {where} yet: {error}", file=sys.stderr)

    def close(self) -> bool:
        """Write what is left; False if it could not be written."""
        return self.write()
