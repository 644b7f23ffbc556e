"""The metric buffer: kind checks, and nothing lost when the store is locked."""

from __future__ import annotations

import sqlite3
import sys
import threading

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
    series.pending.extend((0, 1.0, 0.0))  # step, value, time
    batches = buffer.take()
    assert [(b.name, b.values) for b in batches] == [("m", [1.0])]
    assert buffer.take() == []


def _slip_past_validation(run: Run, name: str, step: int) -> None:
    """Append a point the store cannot hold, as a bug in validation would."""
    buffer = run._buffer
    assert buffer is not None
    series = buffer.series(name, "scalar", "")
    with buffer.lock:
        series.pending.extend((step, 1.0, 0.0))
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


def test_complete_writes_the_last_points_and_the_status_in_one_transaction(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = run.experiment.workspace.store
    calls: list[str] = []
    for name in ("append_metrics", "set_status", "finish_run"):
        method = getattr(store, name)
        monkeypatch.setattr(
            store, name, lambda *a, _m=method, _n=name, **k: (calls.append(_n), _m(*a, **k))[1]
        )
    run.log("loss", 0.5)
    run.log("acc", 0.9)
    run.complete()
    # (the background writer may have flushed some points before)
    assert calls[-1] == "finish_run" and "set_status" not in calls
    assert run.get_status() == "Completed"
    assert Run(run.experiment, run.id).get_metrics() == {"loss": 0.5, "acc": 0.9}


def test_the_background_writer_warns_and_drops_a_bad_batch(run: Run) -> None:
    run.log("before", 1.0)
    _slip_past_validation(run, "bad", 2**63)
    buffer = run._buffer
    assert buffer is not None
    with pytest.warns(RuntimeWarning, match="dropped 1 point"):
        buffer.flush_quietly()
    assert not buffer.pending and not buffer._unwritten
    assert Run(run.experiment, run.id).get_metrics() == {"before": 1.0}


def _stored_points(run: Run, name: str) -> list[tuple[int, float]]:
    _info, points = run.workspace.store.read_metrics(run.id, [name])[name]
    return list(zip(points.steps, points.values, strict=True))


def test_points_stay_whole_when_threads_log_while_the_writer_flushes(run: Run) -> None:
    """Four threads log numbers with explicit steps (run.log's lock-free path) into
    one metric while another thread flushes again and again: every point arrives
    once, with its own step, and the run's count is exact."""
    run.log("m", 0.0, step=-1)  # the name is known: later calls take the fast path
    per_thread = 5_000
    started = threading.Barrier(5)
    stop = threading.Event()

    def log(thread: int) -> None:
        started.wait()
        for i in range(per_thread):
            step = thread * per_thread + i
            run.log("m", step + 0.5 if i % 2 else step, step=step)  # floats and ints

    def flush() -> None:
        started.wait()
        while not stop.is_set():
            run.flush()

    flusher = threading.Thread(target=flush)
    loggers = [threading.Thread(target=log, args=(t,)) for t in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        for thread in [flusher, *loggers]:
            thread.start()
        for thread in loggers:
            thread.join()
    finally:
        stop.set()
        flusher.join()
        sys.setswitchinterval(interval)
    run.flush()
    points = _stored_points(run, "m")
    assert len(points) == 4 * per_thread + 1
    assert sorted(step for step, _ in points) == list(range(-1, 4 * per_thread))
    assert all(value == step or value == step + 0.5 for step, value in points[1:])
    assert run.workspace.store.get_metric(run.id, "m").count == len(points)  # type: ignore[union-attr]


def test_default_steps_count_points_logged_with_explicit_steps(run: Run) -> None:
    run.log("m", 1.0, step=10)
    run.log("m", 2.0, step=20)
    run.flush()
    run.log("m", 3.0, step=30)
    run.log("m", 4.0)  # the fourth point of the series: default step 3
    run.flush()
    assert _stored_points(run, "m") == [(10, 1.0), (20, 2.0), (30, 3.0), (3, 4.0)]


@pytest.mark.parametrize(
    ("value", "step", "message"),
    [
        ("text", 1, "is a str, but this metric is a series of number values"),
        (2**63, 1, "outside the 64-bit integer range"),
        (1.0, 2**63, "step 9223372036854775808 is outside the 64-bit integer range"),
        (1.0, 1.5, "step 1.5 of type float is not an int"),
        (True, 1, "is a bool, but this metric is a series of number values"),
    ],
)
def test_a_known_number_series_still_checks_every_value(
    run: Run, value: object, step: object, message: str
) -> None:
    run.log("m", 1.0, step=0)
    with pytest.raises(runwatch.ValidationError, match=message):
        run.log("m", value, step=step)  # type: ignore[arg-type]
    run.flush()
    assert _stored_points(run, "m") == [(0, 1.0)]


def test_a_known_series_refuses_points_once_the_run_has_ended(run: Run) -> None:
    run.log("m", 1.0, step=0)
    run.complete()
    with pytest.raises(runwatch.RunStateError, match="cannot be logged to a finished run"):
        run.log("m", 2.0, step=1)
    assert _stored_points(run, "m") == [(0, 1.0)]


def test_an_unhashable_name_is_a_validation_error(run: Run) -> None:
    run.log("m", 1.0, step=0)
    with pytest.raises(runwatch.ValidationError, match="metric name must be a str, got list"):
        run.log(["m"], 1.0, step=1)  # type: ignore[arg-type]


def test_log_list_after_points_continues_the_steps(run: Run) -> None:
    run.log_list("l", [1.0, 2.0])
    run.flush()
    run.log_list("l", (x / 2 for x in range(3)))
    run.flush()
    _info, points = run.workspace.store.read_metrics(run.id, ["l"])["l"]
    assert (points.steps, points.values) == ([0, 1, 2, 3, 4], [1.0, 2.0, 0.0, 0.5, 1.0])
