"""One background thread polls for every live RunDetails in the kernel.

Each widget says when it is next due; the thread wakes at most once a second,
refreshes the widgets that are due, and forgets those that finished (after
their final refresh) or were closed. It exits when it has none left, so no
thread outlives its widgets. Because it is a thread, updates reach the browser
while another cell is busy in Python code.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Protocol


class Pollable(Protocol):
    next_due: float

    def refresh(self) -> None: ...

    @property
    def done(self) -> bool: ...


class Poller:
    def __init__(self) -> None:
        self._widgets: list[Pollable] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, widget: Pollable) -> None:
        with self._lock:
            if widget not in self._widgets:
                self._widgets.append(widget)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="runwatch-poller", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def remove(self, widget: Pollable) -> None:
        with self._lock:
            if widget in self._widgets:
                self._widgets.remove(widget)

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def count(self) -> int:
        with self._lock:
            return len(self._widgets)

    def _loop(self) -> None:
        while True:
            with self._lock:
                widgets = [w for w in self._widgets if not w.done]
                self._widgets = widgets
                if not widgets:
                    self._thread = None
                    return
            now = time.monotonic()
            for widget in widgets:
                if widget.next_due <= now:
                    try:
                        widget.refresh()
                    except Exception as error:  # one broken view must not stop the others
                        print(f"runwatch: a RunDetails refresh failed: {error}", file=sys.stderr)
            next_due = min((w.next_due for w in widgets), default=now + 1.0)
            self._wake.wait(max(0.05, min(1.0, next_due - time.monotonic())))
            self._wake.clear()


POLLER = Poller()
