"""The per-process background writer: flushes buffers, beats hearts, ends runs at exit.

One daemon thread serves every run of the process. It wakes every
`flush_interval()` seconds (0.5 s by default), flushes each buffer with
pending points, and every `heartbeat_interval()` seconds records that the
runs this process is running are alive (see `_liveness`). At interpreter exit it flushes
everything and ends the runs this process started and left open: Completed,
or Failed with the traceback if the process is exiting on an uncaught
exception.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType

from runwatch.core import _settings
from runwatch.store import RunStore
from runwatch.tracking._buffer import MetricBuffer

Finisher = Callable[[BaseException | None], None]


class BackgroundWriter:
    def __init__(self) -> None:
        self._buffers: set[MetricBuffer] = set()
        self._owned: dict[str, tuple[RunStore, Finisher]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._last_heartbeat = 0.0
        self.uncaught: BaseException | None = None

    # registration ------------------------------------------------------------
    def add(self, buffer: MetricBuffer) -> None:
        with self._lock:
            self._buffers.add(buffer)
            self._start()

    def start(self) -> None:
        """Start the writer thread now rather than with the first run (a thread starts
        with the CPU priority of the thread that starts it)."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(target=self._loop, name="runwatch-writer", daemon=True)
            self._thread.start()

    def remove(self, buffer: MetricBuffer) -> None:
        with self._lock:
            self._buffers.discard(buffer)

    def own(self, run_id: str, store: RunStore, finish: Finisher) -> None:
        """Remember a run this process runs, to keep it alive and end it at exit."""
        _watch_uncaught_exceptions()
        with self._lock:
            self._owned[run_id] = (store, finish)
            self._start()

    def disown(self, run_id: str) -> None:
        with self._lock:
            self._owned.pop(run_id, None)

    # the thread ---------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            self._wake.wait(_settings.flush_interval())
            self._wake.clear()
            if self._stopped:
                return
            self.flush_all()
            self._heartbeat()

    def flush_all(self) -> None:
        with self._lock:
            buffers = list(self._buffers)
        for buffer in buffers:
            if buffer.pending or buffer._unwritten:
                buffer.flush_quietly()

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if now - self._last_heartbeat < _settings.heartbeat_interval():
            return
        self._last_heartbeat = now
        with self._lock:
            owned = [(run_id, store) for run_id, (store, _) in self._owned.items()]
        by_store: dict[int, tuple[RunStore, list[str]]] = {}
        for run_id, store in owned:
            by_store.setdefault(id(store), (store, []))[1].append(run_id)
        for store, run_ids in by_store.values():
            # A missed beat is harmless; the next one retries.
            with contextlib.suppress(Exception):
                store.heartbeat(run_ids)

    # exit ---------------------------------------------------------------------
    def shutdown(self) -> None:
        self._stopped = True
        self._wake.set()
        with self._lock:
            owned = list(self._owned.values())
            self._owned.clear()
        for _, finish in owned:
            try:
                finish(self.uncaught)
            except Exception as error:  # exit must go on for the other runs
                print(f"runwatch: could not end a run at exit: {error}", file=sys.stderr)
        self.flush_all()

    def after_fork_in_child(self) -> None:
        """The child keeps the buffers (its runs may log) but not the parent's data."""
        for buffer in self._buffers:
            buffer.forget_pending()
        self._owned.clear()
        self._thread = None
        self._lock = threading.Lock()
        self._wake = threading.Event()


_writer: BackgroundWriter | None = None
_writer_lock = threading.Lock()


def writer() -> BackgroundWriter:
    """The process's writer, started on first use."""
    global _writer
    if _writer is None:
        with _writer_lock:
            if _writer is None:
                _writer = BackgroundWriter()
                atexit.register(_writer.shutdown)
    return _writer


def _after_fork_in_child() -> None:
    if _writer is not None:
        _writer.after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)

_hook_installed = False


def _watch_uncaught_exceptions() -> None:
    """Chain `sys.excepthook` so runs ended at exit know the process failed."""
    global _hook_installed
    if _hook_installed:
        return
    _hook_installed = True
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if _writer is not None:
            value.__traceback__ = tb
            _writer.uncaught = value
        previous(kind, value, tb)

    sys.excepthook = hook


def format_error(error: BaseException) -> dict[str, str]:
    import traceback

    return {
        "code": "UserError",
        "type": type(error).__name__,
        "message": str(error) or type(error).__name__,
        "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    }
