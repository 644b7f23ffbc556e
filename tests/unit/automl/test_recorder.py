"""The AutoML recorder: a real process writing iterations into a real workspace."""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import runwatch
from runwatch import Run, RunStatus
from runwatch.agent._automl_recorder import Ended, Recorder, RecordingError, Setup
from runwatch.core import _automl
from runwatch.core._records import RunType


def _parent(ws: runwatch.Workspace) -> Run:
    info = ws.store.create_runs(
        "recorder",
        run_type=RunType.AUTOML,
        status=RunStatus.RUNNING,
        properties={_automl.TASK_PROPERTY: "classification", _automl.PRIMARY_PROPERTY: "accuracy"},
    )[0]
    return Run.get(ws, info.id)


def _recorder(ws: runwatch.Workspace, parent: Run) -> Recorder:
    return Recorder(
        Setup(
            workspace=ws.name,
            store=ws.store_url,
            artifacts=ws.artifacts_url,
            artifacts_options=dict(ws.artifacts_options),
            parent_id=parent.id,
            task="classification",
            classes=["no", "yes"],
            y_range=0.0,
        )
    )


def _fold(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true = rng.integers(0, 2, 40)
    scores = rng.random((40, 2))
    scores[np.arange(40), true] += 0.5
    return true, scores / scores.sum(axis=1, keepdims=True)


def test_an_iteration_is_written_with_its_metrics_documents_and_model(
    ws: runwatch.Workspace,
) -> None:
    parent = _parent(ws)
    recorder = _recorder(ws, parent)
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    recorder.start(0, "LogisticRegression (0)", {_automl.ITERATION_PROPERTY: 0})
    folds = [_fold(1), _fold(2)]
    recorder.end(Ended(0, folds, pickle.dumps(model), 0.8, 0.8, 1.25))
    recorder.drain()
    (child,) = parent.get_children()
    assert child.get_status() == RunStatus.COMPLETED
    metrics = child.get_metrics()
    accuracy = np.mean([(s.argmax(axis=1) == t).mean() for t, s in folds])
    assert metrics["accuracy"] == pytest.approx(accuracy)
    assert "AUC_weighted" in metrics and "log_loss" in metrics  # the whole set
    confusion = child.get_metrics("confusion_matrix", populate=True)["confusion_matrix"]
    assert confusion["data"]["class_labels"] == ["no", "yes"]
    assert "accuracy_table" in metrics
    assert child.get_properties()[_automl.DURATION_PROPERTY] == 1.25
    path = child.download_file("outputs/model.pkl", Path(ws.artifacts_url) / "model.pkl")
    with open(path, "rb") as stream:
        assert pickle.load(stream).predict([[1.0]]).tolist() == [1]
    parent_metrics = parent.get_metrics()
    assert parent_metrics["best_metric"] == 0.8
    recorder.close()
    assert recorder.process.returncode == 0


def test_a_failure_in_the_recorder_reaches_the_search(ws: runwatch.Workspace) -> None:
    recorder = _recorder(ws, _parent(ws))
    recorder.end(Ended(7, [_fold(1)], b"", 0.5, 0.5, 1.0))  # no iteration 7 was started
    with pytest.raises(RecordingError, match="KeyError: 7"):
        recorder.drain()
    recorder.close()


def test_the_recorder_ends_when_the_search_is_gone(ws: runwatch.Workspace) -> None:
    parent = _parent(ws)
    recorder = _recorder(ws, parent)
    recorder.start(0, "LogisticRegression (0)", {})
    recorder.drain()
    recorder._to_recorder.close()  # as when the search process dies
    assert recorder.process.wait(10) == 1
    (child,) = parent.get_children()
    assert child.get_status() == RunStatus.FAILED  # its owner is gone; never Completed
    with pytest.raises(RecordingError, match="ended"):
        recorder._answer()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE is Linux's")
def test_the_recording_thread_runs_only_on_idle_cores(ws: runwatch.Workspace) -> None:
    """The thread that records is SCHED_IDLE; the tracking writer's thread (heartbeats)
    keeps the normal policy."""
    recorder = _recorder(ws, _parent(ws))
    recorder.drain()
    pid = recorder.process.pid
    deadline = time.monotonic() + 10
    while True:
        policies = {}
        for task in Path(f"/proc/{pid}/task").iterdir():
            sched = (task / "sched").read_text()
            line = next(line for line in sched.splitlines() if line.startswith("policy"))
            policies[int(task.name)] = int(line.split(":")[1])
        if len(policies) > 1 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert policies[pid] == 5  # SCHED_IDLE: the main thread, which records
    assert 0 in {p for tid, p in policies.items() if tid != pid}  # SCHED_OTHER: the writer
    recorder.close()
