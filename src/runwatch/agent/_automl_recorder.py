"""The AutoML search's recorder: a process of its own that writes what the search finds.

The search process (`_automl_search`) trains; the recorder, a process it starts,
writes each iteration: its child run (started when the iteration starts), Azure's
metric set averaged over the folds' predictions, the confusion matrix and accuracy
table (or residuals and predicted vs. true), the fitted pipeline as
`outputs/model.pkl`, and the parent's best metric so far and table of iterations.

Recording in another process at a lower CPU priority keeps it off the search's
interpreter lock and out of the cores the engine trains on: it runs in the time
the engine leaves a core idle, so a search through runwatch takes about as long
as the engine alone (`benchmarks/automl.py`).

The search sends messages in order over one pipe (`Recorder`); the recorder
answers on another, only to `drain` (everything sent before it is written) or
with the first error, after which it writes nothing more. When the search
process dies, its pipe closes and the recorder ends at once, leaving the
iterations it had open to the agent, which ends them with the search.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import queue
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from runwatch.agent import _automl_metrics
from runwatch.core import _automl, _evaluation_build
from runwatch.core._records import RunType
from runwatch.submit.automl._run import MODEL_FILE
from runwatch.tracking._run import Run
from runwatch.tracking._workspace import Workspace
from runwatch.tracking._writer import writer

Fold = tuple[np.ndarray, np.ndarray]  # encoded true labels (or values), scores


class RecordingError(RuntimeError):
    """The recorder failed; the message holds its traceback."""


@dataclass(frozen=True)
class Setup:
    """What the recorder needs to know: the workspace, the parent run, the task."""

    workspace: str
    store: str
    artifacts: str
    artifacts_options: dict[str, Any]
    parent_id: str
    task: str
    classes: list[Any] | None  # classification: the labels, in their encoded order
    y_range: float  # regression: the training target's range


@dataclass(frozen=True)
class Ended:
    """A finished iteration: its validation folds, its pickled pipeline, its primary
    metric (`value`), the best so far, and its duration in seconds."""

    iteration: int
    folds: list[Fold]
    model: bytes
    value: float | None
    best: float | None
    duration: float


class Recorder:
    """The search's side: starts the recorder process and sends it messages.

    A thread of this process does the sending, so a large model never holds up
    training while the recorder is busy."""

    def __init__(self, setup: Setup) -> None:
        inbox, to_recorder = os.pipe()
        from_recorder, answers = os.pipe()
        # A new interpreter (not a fork of this one, with the engine's threads) that
        # imports only what recording needs; its output joins the search's.
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, "--inbox", str(inbox), "--answers", str(answers)],
            pass_fds=(inbox, answers),
            stdin=subprocess.DEVNULL,
        )
        os.close(inbox)
        os.close(answers)
        self._to_recorder = Connection(to_recorder, readable=False)
        self._from_recorder = Connection(from_recorder, writable=False)
        self._outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._sender = threading.Thread(
            target=self._send_all, name="automl-recorder-sender", daemon=True
        )
        self._sender.start()
        self._put("setup", setup)

    def start(self, iteration: int, display_name: str, properties: dict[str, Any]) -> None:
        """Iteration `iteration` started: its child run, with these properties."""
        self._put("start", iteration, display_name, properties)

    def end(self, ended: Ended) -> None:
        self._put("end", ended)

    def fail(self, iteration: int, message: str, duration: float) -> None:
        self._put("fail", iteration, message, duration)

    def replace_model(self, iteration: int, model: bytes, properties: dict[str, Any]) -> None:
        """Iteration `iteration`'s model is now `model`."""
        self._put("replace_model", iteration, model, properties)

    def drain(self) -> None:
        """Wait until everything sent so far is written; `RecordingError` if the
        recorder failed."""
        self._put("drain")
        answer = self._answer()
        if answer[0] == "error":
            raise RecordingError(answer[1])

    def close(self, timeout: float = 5.0) -> None:
        """End the recorder once it has written everything sent before."""
        self._outbox.put(("stop",))
        self._outbox.put(None)
        self._sender.join(timeout)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)

    def kill(self) -> None:
        """End the recorder at once: what it has not written is dropped."""
        with contextlib.suppress(OSError):
            self.process.kill()

    def _put(self, *message: Any) -> None:
        if self._from_recorder.poll():  # an error, sent as soon as it happened
            answer = self._answer()
            raise RecordingError(answer[1] if answer[0] == "error" else repr(answer))
        self._outbox.put(message)

    def _answer(self) -> tuple[Any, ...]:
        try:
            answer: tuple[Any, ...] = self._from_recorder.recv()
        except EOFError:
            code = self.process.poll()
            raise RecordingError(f"the recorder process ended (exit code {code})") from None
        return answer

    def _send_all(self) -> None:
        while True:
            message = self._outbox.get()
            try:
                if message is None:
                    self._to_recorder.close()
                    return
                self._to_recorder.send(message)
            except OSError:  # the recorder is gone; `_answer` says so
                return


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}")
    parser.add_argument("--inbox", type=int, required=True, help="the messages' pipe")
    parser.add_argument("--answers", type=int, required=True, help="the answers' pipe")
    args = parser.parse_args(argv)
    serve(Connection(args.inbox, writable=False), Connection(args.answers, readable=False))


def serve(inbox: Connection, answers: Connection) -> None:
    """The recorder process: write each message until the search says stop."""
    _yield_the_cpu()
    failure: str | None = None
    book: _Book | None = None
    while True:
        try:
            message = inbox.recv()
        except EOFError:  # the search is gone: the agent ends its open iterations
            os._exit(1)
        kind, arguments = message[0], message[1:]
        if kind == "stop":
            break
        if kind == "drain":
            answers.send(("error", failure) if failure else ("drained",))
        elif failure is None:
            try:
                if kind == "setup":
                    book = _Book(*arguments)
                else:
                    getattr(book, kind)(*arguments)
            except Exception:
                failure = traceback.format_exc()
                answers.send(("error", failure))
    writer().shutdown()
    # Everything is written. Tearing down the interpreter would only make the search,
    # which waits for this process, wait longer.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _yield_the_cpu() -> None:
    """Record only in the time the engine leaves a core idle: Linux's SCHED_IDLE
    policy for this thread, which does the recording (nice 19 for the process
    elsewhere). The tracking writer's thread, started first, keeps the normal
    priority, so the iterations' heartbeats go on while the engine fills every core.
    What the recorder falls behind by it catches up while the engine works
    single-threaded, or when the search drains it at the end."""
    writer().start()
    try:  # pid 0: on Linux, the calling thread alone
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(AttributeError, OSError):
            os.nice(19 - os.nice(0))


class _Book:
    """The recorder's writing: the iterations' child runs and the parent's record."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        ws = Workspace(
            setup.workspace,
            setup.store,
            setup.artifacts,
            artifacts_options=setup.artifacts_options,
        )
        self.parent = Run.get(ws, setup.parent_id)
        self.runs: dict[int, Run] = {}
        self.pipelines: dict[int, str] = {}

    def start(self, iteration: int, display_name: str, properties: dict[str, Any]) -> None:
        self.runs[iteration] = Run._start(
            self.parent.experiment,
            run_type=RunType.CHILD,
            parent=self.parent,
            display_name=display_name,
            properties=properties,
        )
        self.pipelines[iteration] = str(properties.get(_automl.PIPELINE_PROPERTY, ""))

    def fail(self, iteration: int, message: str, duration: float) -> None:
        run = self.runs[iteration]
        run.add_properties({_automl.DURATION_PROPERTY: round(duration, 3)})
        run.fail(error_details=message)

    def replace_model(self, iteration: int, model: bytes, properties: dict[str, Any]) -> None:
        run = self.runs[iteration]
        run.upload_file(MODEL_FILE, io.BytesIO(model), overwrite=True)
        run.add_properties(properties)

    def end(self, ended: Ended) -> None:
        iteration, folds = ended.iteration, ended.folds
        run = self.runs[iteration]
        run.add_properties({_automl.DURATION_PROPERTY: round(ended.duration, 3)})
        setup = self.setup
        metrics = _automl_metrics.average([self._metrics(true, scores) for true, scores in folds])
        for name in _automl.METRICS[setup.task]:
            if name in metrics:
                run.log(name, metrics[name])
        true = np.concatenate([t for t, _ in folds])
        scores = np.concatenate([s for _, s in folds])
        if setup.classes is not None:
            k = len(setup.classes)
            counts = np.bincount(true * k + scores.argmax(axis=1), minlength=k * k)
            run.log_confusion_matrix(
                "confusion_matrix",
                _evaluation_build.confusion_document(setup.classes, counts.reshape(k, k)),
            )
            labels = [str(c) for c in setup.classes]
            named_true = np.asarray(labels, dtype=object)[true]
            run.log_accuracy_table(
                "accuracy_table", _evaluation_build.accuracy_table(named_true, scores, labels)
            )
        else:
            run.log_residuals("residuals", _evaluation_build.residuals(true, scores))
            run.log_predictions("predicted_true", _evaluation_build.predictions(true, scores))
        run.upload_file(MODEL_FILE, io.BytesIO(ended.model), overwrite=True)
        if ended.best is not None:
            self.parent.log("best_metric", ended.best)
        self.parent.log_row(
            "iterations",
            iteration=iteration,
            pipeline=self.pipelines.get(iteration, ""),
            metric=ended.value,
            best=ended.best,
        )
        run.complete()
        self.parent.flush()

    def _metrics(self, true: np.ndarray, scores: np.ndarray) -> dict[str, float]:
        if self.setup.classes is not None:
            return _automl_metrics.classification(true, scores, len(self.setup.classes))
        return _automl_metrics.regression(true, scores, self.setup.y_range)


if __name__ == "__main__":
    main()
