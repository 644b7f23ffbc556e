"""The in-memory buffer behind `run.log*`: calls append here, flushes write.

A logging call validates its value, then appends to the pending lists of its
metric under a lock (no I/O). `flush()` takes everything pending and writes
it to the store in one transaction; the background writer (`_writer`) calls
it at least once a second, and `Run.flush/complete/fail/cancel` and
interpreter exit call it too. A flush also learns the run's stored status:
a run another process ended takes the points logged until then, and the
next logging call raises `RunStateError` (docs/limits.md).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from runwatch.core._records import MetricBatch, MetricKind, RunInfo, RunStatus
from runwatch.core._values import VALUE_CLASSES, check_description, check_name
from runwatch.errors import RunStateError, ValidationError
from runwatch.store import RunStore


class Series:
    """One metric of a run as this process knows it, with its pending points.

    `pending` holds the points not yet taken by a flush, flat: step, value, time,
    step, value, time, ... A logging call adds its three items with one
    `list.extend`, which is atomic, so the lock-free path of `run.log` and a flush
    running in the writer thread never see half a point. The list object is never
    replaced (a flush deletes what it took from its front), so `MetricBuffer.numbers`
    can hand it out.
    """

    __slots__ = ("description", "kind", "name", "pending", "stored", "value_class")

    def __init__(
        self, name: str, kind: str, value_class: str | None, description: str, count: int
    ) -> None:
        self.name = name
        self.kind = kind
        self.value_class = value_class
        self.description = description
        self.stored = count  # points stored, or taken by a flush
        self.pending: list[Any] = []

    @property
    def count(self) -> int:
        """Points stored + pending: the next default step."""
        return self.stored + len(self.pending) // 3


class MetricBuffer:
    """Pending metric points of one run."""

    def __init__(
        self,
        store: RunStore,
        run_id: str,
        *,
        fresh: bool,
        on_ended: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        # Called with the stored status when a flush finds the run ended by another
        # process (e.g. marked Failed by a liveness check), so the next log call raises.
        self._on_ended = on_ended
        self.run_id = run_id
        self.metrics: dict[str, Series] = {}
        # Scalar series holding numbers, by name: `run.log`'s fast path appends to these.
        self.numbers: dict[str, Series] = {}
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
            description = check_description(description, name)
            stored = None if self._fresh else self.store.get_metric(self.run_id, name)
            if stored is None:
                known = Series(name, kind, None, description, 0)
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
        batches = []
        with self.lock:
            self.pending = False  # before taking: a point added after the take sets it again
            for s in self.metrics.values():
                points = s.pending
                n = len(points)  # a multiple of 3: points arrive whole (see `Series`)
                if n:
                    steps, values, times = points[0:n:3], points[1:n:3], points[2:n:3]
                    del points[:n]  # what lock-free calls add meanwhile stays
                    s.stored += n // 3
                    batches.append(
                        MetricBatch(
                            s.name, s.kind, s.value_class, s.description, steps, values, times
                        )
                    )
        return batches

    def flush(self) -> None:
        """Write everything pending in one transaction.

        If the store refuses the data (a value it cannot hold slipped past
        validation, or another process logged a name with another call), each
        metric is written on its own: the others are stored, the refused ones
        dropped and named in a `ValidationError`, so one bad point never blocks
        the buffer. On any other failure (a locked or lost store) everything is
        kept for the next try, and the error raised.
        """
        with self._flush_lock:
            batches = self._unwritten + self.take()
            self._unwritten = []
            if not batches:
                return
            try:
                self._stored(self.store.append_metrics(self.run_id, batches))
                return
            except _REFUSED:
                refused = self._write_each(batches)
            except BaseException:
                self._unwritten = batches
                raise
            if refused:
                raise ValidationError(_refused_message(self.run_id, refused))

    def finish(
        self, status: str, error: Mapping[str, Any] | None
    ) -> tuple[RunInfo, ValidationError | None]:
        """Write everything pending and end the run, in one transaction when the store
        takes every point. Points it refuses are dropped and named in the error returned
        (the others are written and the run still ends); on any other failure everything
        is kept for the next try, and the error raised."""
        with self._flush_lock:
            batches = self._unwritten + self.take()
            self._unwritten = []
            try:
                return self.store.finish_run(self.run_id, batches, status, error=error), None
            except RunStateError:  # another process ended the run; the points are written
                raise
            except _REFUSED:
                refused = self._write_each(batches)
            except BaseException:
                self._unwritten = batches
                raise
        info = self.store.set_status(self.run_id, status, error=error)
        return info, ValidationError(_refused_message(self.run_id, refused)) if refused else None

    def _write_each(self, batches: list[MetricBatch]) -> list[tuple[MetricBatch, Exception]]:
        """Write batches one transaction each; return those the store refused."""
        refused: list[tuple[MetricBatch, Exception]] = []
        for position, batch in enumerate(batches):
            try:
                self._stored(self.store.append_metrics(self.run_id, [batch]))
            except _REFUSED as error:
                refused.append((batch, error))
            except BaseException:
                self._unwritten = batches[position:]
                if refused:
                    _warn(_refused_message(self.run_id, refused))
                raise
        return refused

    def _stored(self, status: str) -> None:
        if self._on_ended is not None and RunStatus.is_final(status):
            self._on_ended(status)

    def flush_quietly(self) -> None:
        """`flush()` for the background writer: report failures as warnings."""
        try:
            self.flush()
        except ValidationError as error:
            _warn(str(error))
        except Exception as error:  # the writer thread must survive a locked or lost store
            _warn(
                f"runwatch could not write metrics of run {self.run_id!r} yet (will retry): {error}"
            )

    def forget_pending(self) -> None:
        """Drop pending points (in a forked child: the parent writes them)."""
        self.take()
        self._unwritten = []


# What a store raises for data it cannot hold (ValidationError is a ValueError); anything
# else (StoreError, OSError) means the store itself failed, and the points are kept.
_REFUSED = (ValueError, TypeError, OverflowError)


def _refused_message(run_id: str, refused: list[tuple[MetricBatch, Exception]]) -> str:
    reasons = "; ".join(f"{batch.name!r}: {error}" for batch, error in refused)
    return (
        f"runwatch dropped {sum(len(b.values) for b, _ in refused)} point(s) of run "
        f"{run_id!r} that the store refused ({reasons}); its other metrics were written"
    )


def _warn(message: str) -> None:
    warnings.warn(message, RuntimeWarning, stacklevel=3)
