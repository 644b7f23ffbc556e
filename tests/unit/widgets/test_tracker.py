"""RunTracker: incremental polls read only what is new."""

from __future__ import annotations

import io

from runwatch import Experiment, Run
from runwatch.artifacts._logs import LogWriter
from runwatch.views._tracker import RunTracker


def test_second_poll_with_nothing_new_changes_nothing(run: Run) -> None:
    run.log("loss", 1.0)
    run.flush()
    tracker = RunTracker(run.workspace, run.id)
    first = tracker.poll()
    assert first.header and first.metrics == {"loss"}
    second = tracker.poll()
    assert not second.any
    assert tracker.metrics["loss"].values == [1.0]


def test_new_points_only(run: Run) -> None:
    tracker = RunTracker(run.workspace, run.id)
    tracker.poll()
    for i in range(3):
        run.log("loss", float(i))
    run.log("acc", 0.5)
    run.flush()
    changes = tracker.poll()
    assert changes.metrics == {"loss", "acc"}
    run.log("loss", 9.0)
    run.flush()
    changes = tracker.poll()
    assert changes.metrics == {"loss"}
    assert tracker.metrics["loss"].values == [0.0, 1.0, 2.0, 9.0]
    assert tracker.metrics["loss"].steps == [0, 1, 2, 3]


def test_merged_chunks_are_not_counted_twice(run: Run) -> None:
    """The store merges small chunks; a chunk re-sent with an earlier first index
    adds only its unseen tail."""
    tracker = RunTracker(run.workspace, run.id)
    for i in range(5):
        run.log("x", float(i))
        run.flush()
        tracker.poll()
    assert tracker.metrics["x"].values == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_children_and_status(run: Run) -> None:
    tracker = RunTracker(run.workspace, run.id)
    tracker.poll()
    child = run.child_run()
    child.log("m", 1.0)
    child.flush()
    changes = tracker.poll()
    assert changes.children and list(tracker.children) == [child.id]
    assert tracker.children[child.id].metrics == {"m": 1.0}
    assert not tracker.finished
    child.complete()
    run.complete()
    changes = tracker.poll()
    assert changes.header and changes.children
    assert tracker.finished


def test_log_tail_reads_only_new_bytes(exp: Experiment) -> None:
    run = exp.start_logging()
    log = LogWriter(run.workspace.store, run.workspace.artifacts, run.id)
    log.line("first")
    log.line("boom", stderr=True)
    log.record_size()
    tracker = RunTracker(run.workspace, run.id)
    assert tracker.poll().log
    assert list(tracker.log_lines) == ["first", "[stderr] boom"]
    offset = tracker.log_offset
    log.line("third")
    log.close()
    assert tracker.poll().log
    assert list(tracker.log_lines)[-1] == "third" and tracker.log_offset > offset
    run.complete()


def test_upload_bumps_cursor_without_metric_changes(run: Run) -> None:
    tracker = RunTracker(run.workspace, run.id)
    tracker.poll()
    run.upload_file("a.txt", io.BytesIO(b"a"))
    changes = tracker.poll()
    assert changes.header and not changes.metrics
