"""The in-memory buffer behind `run.log*`: calls append here, flushes write.

A logging call validates its value, then appends to the pending lists of its
metric under a lock (no I/O). `flush()` takes everything pending and writes
it to the store in one transaction; the background writer (`_writer`) calls
it at least once a second, and `Run.flush/complete/fail/cancel` and
interpreter exit call it too.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

from ._entities import MetricBatch, MetricKind
from ._values import VALUE_CLASSES, check_name
from .errors import ValidationError
from .store import RunStore


class Series:
    """One metric of a run as this process knows it, with its pending points."""

    __slots__ = ("count", "description", "kind", "name", "steps", "times", "value_class", "values")

    def __init__(
        self, name: str, kind: str, value_class: str | None, description: str, count: int
    ) -> None:
        self.name = name
        self.kind = kind
        self.value_class = value_class
        self.description = description
        self.count = count  # points stored + pending: the next default step
        self.steps: list[int] = []
        self.values: list[Any] = []
        self.times: list[float] = []


class MetricBuffer:
    """Pending metric points of one run."""

    def __init__(self, store: RunStore, run_id: str, *, fresh: bool) -> None:
        self.store = store
        self.run_id = run_id
        self.metrics: dict[str, Series] = {}
        self.lock = threading.Lock()
        self.pending = False
        self._flush_lock = threading.Lock()
        self._fresh = fresh  # True when the run was created here: the store has no metrics yet
        self._unwritten: list[MetricBatch] = []

    def series(self, name: Any, kind: str, description: Any) -> Series:
        """The metric `name`, checking that it was (or will be) logged as `kind`."""
        known = self.metrics.get(name) if isinstance(name, str) else None
        if known is None:
            check_name(name)
            if description is not None and not isinstance(description, str):
                raise ValidationError(
                    f"description of metric {name!r} must be a str, got "
                    f"{type(description).__name__}"
                )
            stored = None if self._fresh else self.store.get_metric(self.run_id, name)
            if stored is None:
                known = Series(name, kind, None, description or "", 0)
            else:
                value_class = VALUE_CLASSES.get(stored.value_class or "")  # the shared constant
                known = Series(name, stored.kind, value_class, stored.description, stored.count)
            with self.lock:
                known = self.metrics.setdefault(name, known)
        if known.kind != kind:
            raise ValidationError(
                f"metric {name!r} was logged with run.{MetricKind.API[known.kind]}; "
                f"run.{MetricKind.API[kind]} cannot add to it (use another name)"
            )
        return known

    def take(self) -> list[MetricBatch]:
        """Everything pending, as batches, leaving the buffer empty."""
        with self.lock:
            batches = [
                MetricBatch(
                    s.name, s.kind, s.value_class, s.description, s.steps, s.values, s.times
                )
                for s in self.metrics.values()
                if s.values
            ]
            for s in self.metrics.values():
                if s.values:
                    s.steps, s.values, s.times = [], [], []
            self.pending = False
        return batches

    def flush(self) -> None:
        """Write everything pending; on failure keep it for the next try and raise."""
        with self._flush_lock:
            batches = self._unwritten + self.take()
            self._unwritten = []
            if not batches:
                return
            try:
                self.store.append_metrics(self.run_id, batches)
            except ValidationError:
                raise  # another process logged these names with another call: never writable
            except BaseException:
                self._unwritten = batches
                raise

    def flush_quietly(self) -> None:
        """`flush()` for the background writer: report failures as warnings."""
        try:
            self.flush()
        except Exception as error:  # the writer thread must survive a locked or lost store
            warnings.warn(
                f"runwatch could not write metrics of run {self.run_id!r} yet "
                f"(will retry): {error}",
                RuntimeWarning,
                stacklevel=1,
            )

    def forget_pending(self) -> None:
        """Drop pending points (in a forked child: the parent writes them)."""
        self.take()
        self._unwritten = []
