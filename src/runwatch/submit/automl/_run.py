"""The parent run of an AutoML search (`AutoMLRun`), submitting a search, and its console
output (`show_output=True`), as in azureml.train.automl.run.

The iterations are child runs made by the search, which the local agent runs
(`runwatch.agent._automl_job`). Each records its iteration number, pipeline name,
Azure's metrics for the task and its fitted model as `outputs/model.pkl`.
"""

from __future__ import annotations

import datetime
import io
import pickle
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from runwatch.core import _automl
from runwatch.core._records import RunInfo, RunStatus, RunType
from runwatch.core._values import short_repr
from runwatch.errors import AssetNotFoundError, ValidationError
from runwatch.submit import _launcher
from runwatch.tracking._run import Run, register_run_class

if TYPE_CHECKING:
    from runwatch.submit.automl._config import AutoMLConfig
    from runwatch.tracking._experiment import Experiment

#: The parent run's file holding the training (and validation) data for the search.
DATA_FILE = "automl/data.pkl"
MODEL_FILE = "outputs/model.pkl"
_WIDTHS = (5, 48, 16, 10, 10)
_POLL = 0.5


def submit_automl(
    experiment: Experiment,
    config: AutoMLConfig,
    tags: Mapping[str, Any] | None = None,
    *,
    show_output: bool = False,
) -> AutoMLRun:
    settings = config.settings()
    definition = {"kind": RunType.AUTOML, "settings": settings, "compute": config.compute}
    store = experiment.workspace.store
    info = store.create_runs(
        experiment.name,
        run_type=RunType.AUTOML,
        status=RunStatus.NOT_STARTED,
        properties={
            _automl.TASK_PROPERTY: config.task,
            _automl.PRIMARY_PROPERTY: config.primary_metric,
            "models": ", ".join(config.models),
            "featurization": config.featurization,
            "validation": _validation_text(config),
        },
        definition=definition,
        compute_target=config.compute["name"],
    )[0]
    run = AutoMLRun(experiment, info.id, _info=info)
    data = {
        "X": config.features,
        "y": config.target,
        "X_valid": config.validation_features,
        "y_valid": config.validation_target,
        "guardrails": config.guardrails(),
    }
    run.upload_file(DATA_FILE, io.BytesIO(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)))
    if tags:
        run.set_tags(dict(tags))
    run._set_status(RunStatus.QUEUED)
    _launcher.ensure_running(experiment.workspace)
    if show_output:
        run._show_output(data["guardrails"], sys.stdout)
    return run


def _validation_text(config: AutoMLConfig) -> str:
    if config.n_cross_validations is not None:
        return f"{config.n_cross_validations}-fold cross validation"
    if config.validation_size is not None:
        return f"{config.validation_size:g} of the training data held out"
    return "validation_data"


class AutoMLRun(Run):
    """The parent run of an AutoML search; its children are the iterations."""

    def __init__(self, experiment: Experiment, run_id: str, **kwargs: Any) -> None:
        super().__init__(experiment, run_id, **kwargs)
        if self._info.run_type != RunType.AUTOML:
            raise ValidationError(
                f"run {run_id!r} is a {self._info.run_type!r} run, not an AutoML search"
            )

    @property
    def task(self) -> str:
        return str(self._info.properties.get(_automl.TASK_PROPERTY))

    @property
    def primary_metric(self) -> str:
        return str(self._info.properties.get(_automl.PRIMARY_PROPERTY))

    # --- iterations ------------------------------------------------------------------
    def _iterations(self) -> list[tuple[int, RunInfo]]:
        out = []
        for info in self._ws.store.get_children(self.id):
            iteration = _automl.iteration_of(info.properties)
            if iteration is not None:
                out.append((iteration, info))
        return sorted(out, key=lambda pair: pair[0])

    def _check_metric(self, metric: str | None) -> str:
        if metric is None:
            return self.primary_metric
        known = _automl.METRICS.get(self.task, ())
        if metric not in known:
            raise ValidationError(
                f"metric {short_repr(metric)} is not a {self.task} metric; expected one of "
                f"{list(known)}"
            )
        return metric

    def get_best_child(self, metric: str | None = None, **kwargs: Any) -> Run:
        """The completed iteration with the best value of `metric` (default: the primary
        metric); the earliest on a tie."""
        metric = self._check_metric(metric)
        done = [(i, info) for i, info in self._iterations() if info.status == RunStatus.COMPLETED]
        values = []
        for iteration, info in done:
            stored = self._ws.store.read_metrics(info.id, [metric], with_steps=False)
            series = stored[metric][1].values if metric in stored else []
            values.append((iteration, series[-1] if len(series) else None))
        best = _automl.best_iteration(values, metric)
        if best is None:
            raise AssetNotFoundError(
                f"AutoML run {self.id!r} has no completed iteration with {metric!r} yet"
            )
        info = dict(done)[best]
        return Run._from_info(self.experiment, info)

    def get_output(
        self,
        iteration: int | None = None,
        metric: str | None = None,
        return_onnx_model: bool = False,
        **kwargs: Any,
    ) -> tuple[Run, Any]:
        """`(run, fitted model)` of the best iteration by `metric`, or of `iteration`.

        The model is a scikit-learn Pipeline that predicts from a DataFrame with the
        training data's columns (the label column left out).
        """
        if return_onnx_model:
            raise ValidationError("ONNX models are not produced by runwatch's AutoML")
        if iteration is not None and metric is not None:
            raise ValidationError("give iteration or metric, not both")
        if iteration is not None:
            found = dict(self._iterations()).get(iteration) if type(iteration) is int else None
            if found is None:
                raise AssetNotFoundError(
                    f"AutoML run {self.id!r} has no iteration {short_repr(iteration)}; it has "
                    f"{[i for i, _ in self._iterations()]}"
                )
            child = Run._from_info(self.experiment, found)
        else:
            child = self.get_best_child(metric)
        return child, load_model(child)

    def get_guardrails(self, to_console: bool = True) -> list[dict[str, str]]:
        """The data guardrails the search checked (printed too with `to_console`)."""
        data = _data(self)
        found: list[dict[str, str]] = data["guardrails"]
        if to_console:
            _print_guardrails(found, sys.stdout)
        return found

    # --- show_output -----------------------------------------------------------------
    def _show_output(self, guardrails: list[dict[str, str]], out: IO[str]) -> None:
        """Print the guardrails, then one line per iteration as it ends, until the
        search ends (as Azure's `submit(..., show_output=True)`)."""
        _print_guardrails(guardrails, out)
        _print_line(out, ("ITER", "PIPELINE", "DURATION", "METRIC", "BEST"))
        printed: set[int] = set()
        best: float | None = None
        metric = self.primary_metric
        while True:
            info = self._ws.store.get_run(self.id)
            for iteration, child in self._iterations():
                if iteration in printed or not child.is_final:
                    continue
                printed.add(iteration)
                value = None
                if child.status == RunStatus.COMPLETED:
                    stored = self._ws.store.read_metrics(child.id, [metric], with_steps=False)
                    series = stored[metric][1].values if metric in stored else []
                    value = float(series[-1]) if len(series) else None
                if value is not None:
                    best = _automl.best_so_far([best, value], metric)[-1]
                seconds = float(child.properties.get(_automl.DURATION_PROPERTY) or 0.0)
                _print_line(
                    out,
                    (
                        str(iteration),
                        str(child.properties.get(_automl.PIPELINE_PROPERTY, "")),
                        str(datetime.timedelta(seconds=round(seconds))),
                        "nan" if value is None else f"{value:.4f}",
                        "nan" if best is None else f"{best:.4f}",
                    ),
                    failed=child.status != RunStatus.COMPLETED,
                )
            if info.is_final:
                break
            time.sleep(_POLL)
        self._refresh()
        if self.status != RunStatus.COMPLETED:
            out.write(f"The search ended {self.status}.\n")
            out.flush()


def _print_guardrails(guardrails: list[dict[str, str]], out: IO[str]) -> None:
    width = sum(_WIDTHS) + 3 * (len(_WIDTHS) - 1)
    out.write("\n" + "*" * width + "\nDATA GUARDRAILS:\n")
    for check in guardrails:
        out.write(
            f"\nTYPE:         {check['type']}\nSTATUS:       {check['status']}\n"
            f"DESCRIPTION:  {check['description']}\n\n" + "*" * width + "\n"
        )
    out.write(
        "\nITER: the iteration; PIPELINE: its preprocessing and model; DURATION: how long it "
        "took;\nMETRIC: its primary metric; BEST: the best primary metric so far.\n\n"
    )
    out.flush()


def _print_line(out: IO[str], cells: tuple[str, ...], failed: bool = False) -> None:
    iteration, pipeline, duration, metric, best = cells
    if failed:
        metric, best = "failed", best
    line = (
        iteration.rjust(_WIDTHS[0])
        + "   "
        + pipeline[: _WIDTHS[1] - 1].ljust(_WIDTHS[1])
        + duration.ljust(_WIDTHS[2])
        + metric.rjust(_WIDTHS[3])
        + best.rjust(_WIDTHS[4])
    )
    out.write(line + "\n")
    out.flush()


def _data(run: Run) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = run.download_file(DATA_FILE, Path(folder) / "data.pkl")
        with open(path, "rb") as stream:
            data: dict[str, Any] = pickle.load(stream)
    return data


def load_model(run: Run) -> Any:
    """The fitted pipeline an iteration stored as outputs/model.pkl."""
    from runwatch.submit.automl._config import engine

    engine()  # unpickling needs the engine's estimators
    if MODEL_FILE not in run.get_file_names():
        raise AssetNotFoundError(
            f"iteration run {run.id!r} has no {MODEL_FILE} (status {run.status})"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = run.download_file(MODEL_FILE, Path(folder) / "model.pkl")
        with open(path, "rb") as stream:
            return pickle.load(stream)


register_run_class(RunType.AUTOML, AutoMLRun, constructor=True)
