"""The metric buffer: kind checks, and nothing lost when the store is locked."""

from __future__ import annotations

import sqlite3

import pytest

import runwatch
from runwatch import Run
from runwatch.store._sqlite import SqliteStore
from runwatch.tracking._buffer import MetricBuffer


def test_a_name_keeps_its_kind(run: Run) -> None:
    run.log_row("r", a=1)
    with pytest.raises(
        runwatch.ValidationError, match=r"logged with run\.log_row; run\.log cannot"
    ):
        run.log("r", 1)


def test_kind_is_known_across_processes(run: Run) -> None:
    run.log_list("l", [1])
    run.flush()
    other = Run(run.experiment, run.id)
    with pytest.raises(runwatch.ValidationError, match=r"run\.log_list; run\.log_row"):
        other.log_row("l", a=1)
    with pytest.raises(runwatch.ValidationError, match="series of number"):
        other.log_list("l", ["text"])


def test_flush_keeps_points_when_the_store_is_locked(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real second connection holds the write lock; the flush fails, keeps the
    points, and writes them once the lock is gone."""
    store = run.workspace.store
    assert isinstance(store, SqliteStore)
    run.log("x", 1.0)
    run.flush()
    run.log("x", 2.0)
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(store, "_busy_timeout", 0.1)
    store.close()  # reconnect with the short timeout
    try:
        with pytest.raises(runwatch.StoreError, match="locked"):
            run.flush()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    run.log("x", 3.0)
    run.flush()
    assert Run(run.experiment, run.id).get_metrics("x")["x"] == [1.0, 2.0, 3.0]


def test_take_empties_the_buffer(run: Run) -> None:
    buffer = MetricBuffer(run.workspace.store, run.id, fresh=True)
    series = buffer.series("m", "scalar", "")
    series.values.append(1.0)
    series.steps.append(0)
    series.times.append(0.0)
    batches = buffer.take()
    assert [(b.name, b.values) for b in batches] == [("m", [1.0])]
    assert buffer.take() == []


def _slip_past_validation(run: Run, name: str, step: int) -> None:
    """Append a point the store cannot hold, as a bug in validation would."""
    buffer = run._buffer
    assert buffer is not None
    series = buffer.series(name, "scalar", "")
    with buffer.lock:
        series.steps.append(step)
        series.values.append(1.0)
        series.times.append(0.0)
        series.count += 1
        buffer.pending = True


def test_a_bad_batch_does_not_poison_the_buffer(run: Run) -> None:
    """The store refuses one metric's points at flush: the others are written, the
    refused ones are named and dropped, and later flushes and complete() work."""
    run.log("before", 1.0)
    _slip_past_validation(run, "bad", 2**63)
    run.log("also", 2.0)
    with pytest.raises(runwatch.ValidationError, match=r"'bad'.*other metrics were written"):
        run.flush()
    run.log("after", 3.0)
    run.complete()
    assert Run(run.experiment, run.id).get_metrics() == {"before": 1.0, "also": 2.0, "after": 3.0}
    assert run.get_status() == "Completed"


def test_complete_ends_the_run_after_dropping_a_bad_batch(run: Run) -> None:
    run.log("before", 1.0)
    _slip_past_validation(run, "bad", -(2**63) - 1)
    with pytest.raises(runwatch.ValidationError, match="'bad'"):
        run.complete()
    assert run.get_status() == "Completed"
    assert Run(run.experiment, run.id).get_metrics() == {"before": 1.0}


def test_the_background_writer_warns_and_drops_a_bad_batch(run: Run) -> None:
    run.log("before", 1.0)
    _slip_past_validation(run, "bad", 2**63)
    buffer = run._buffer
    assert buffer is not None
    with pytest.warns(RuntimeWarning, match="dropped 1 point"):
        buffer.flush_quietly()
    assert not buffer.pending and not buffer._unwritten
    assert Run(run.experiment, run.id).get_metrics() == {"before": 1.0}
