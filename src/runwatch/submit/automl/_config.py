"""AutoMLConfig, as in azureml.train.automl: what to search, on which data, for how long.

Every check that can fail on the user's input runs here, before any run exists:
the task, the primary metric for the task, the label column, the classes, the rows
the folds need, a numeric target for regression, the models and the budgets.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runwatch.core import _automl
from runwatch.core._values import short_repr
from runwatch.errors import ConfigError, ValidationError
from runwatch.submit._script import compute_definition
from runwatch.submit.automl import _models
from runwatch.submit.automl._dataset import TabularDataset, pandas_module

if TYPE_CHECKING:
    from runwatch.submit.automl._run import AutoMLRun
    from runwatch.tracking._experiment import Experiment

#: Azure's options that mean nothing for a search on one machine: accepted, reported once.
IGNORED_OPTIONS = (
    "path",
    "spark_context",
    "enable_onnx_compatible_models",
    "model_explainability",
    "enable_dnn",
    "max_cores_per_iteration",
    "enable_tf",
    "enable_subsampling",
    "vm_type",
    "enable_code_generation",
    "enable_batch_run",
    "enable_cache",
    "enable_distributed_featurization",
    "enable_distributed_dnn_training",
    "test_data",
    "test_size",
    "weight_column_name",
    "cv_split_column_names",
    "exclude_nan_labels",
    "experiment_exit_score",
    "ensemble_iterations",
)


def engine() -> Any:
    """The AutoML engine (FLAML), or a ConfigError naming the extra to install."""
    try:
        import flaml
        import sklearn  # noqa: F401
    except ImportError:
        raise ConfigError(
            "AutoML needs its engine: pip install 'runwatch[automl]' "
            "(FLAML, LightGBM, scikit-learn, pandas)"
        ) from None
    return flaml


def _positive(name: str, value: Any, kind: type = float) -> None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int and type(value) is not int:
        number = False
    if value is not None and (not number or not value > 0 or not math.isfinite(value)):
        expected = "an int >= 1" if kind is int else "a number > 0"
        raise ValidationError(f"{name} {short_repr(value)} must be {expected}")


class AutoMLConfig:
    """A search for the best model of `task` on the training data, by `primary_metric`."""

    def __init__(
        self,
        task: str,
        primary_metric: str | None = None,
        training_data: Any = None,
        label_column_name: str | None = None,
        X: Any = None,
        y: Any = None,
        validation_data: Any = None,
        validation_size: float | None = None,
        n_cross_validations: int | str | None = None,
        iterations: int | None = None,
        experiment_timeout_hours: float | None = None,
        experiment_timeout_minutes: float | None = None,
        iteration_timeout_minutes: float | None = None,
        max_concurrent_iterations: int = 1,
        allowed_models: Sequence[str] | None = None,
        blocked_models: Sequence[str] | None = None,
        enable_early_stopping: bool = True,
        featurization: str = "auto",
        enable_voting_ensemble: bool = True,
        enable_stack_ensemble: bool | None = None,
        debug_log: str | None = "automl.log",
        verbosity: int = logging.INFO,
        compute_target: Any = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        engine()
        if task not in _automl.TASKS:
            raise ValidationError(
                f"task {short_repr(task)} is not supported; expected one of {list(_automl.TASKS)}"
            )
        self.task = task
        if primary_metric is None:
            primary_metric = _automl.DEFAULT_PRIMARY[task]
        if primary_metric not in _automl.PRIMARY_METRICS[task]:
            other = next(t for t in _automl.TASKS if t != task)
            hint = (
                f" (it is a {other} metric)"
                if primary_metric in _automl.PRIMARY_METRICS[other]
                else ""
            )
            raise ValidationError(
                f"primary_metric {short_repr(primary_metric)} does not fit task {task!r}{hint}; "
                f"expected one of {list(_automl.PRIMARY_METRICS[task])}"
            )
        self.primary_metric = primary_metric
        self.label_column_name, self.features, self.target = _training(
            training_data, label_column_name, X, y
        )
        self.classes = self._check_target(self.target, "training data")
        self.validation_features = self.validation_target = None
        if validation_data is not None:
            if self.label_column_name is None:
                raise ValidationError(
                    "validation_data needs label_column_name (the training data's label column)"
                )
            frame = _frame(validation_data, "validation_data")
            if self.label_column_name not in frame.columns:
                raise ValidationError(
                    f"validation_data has no label column {self.label_column_name!r}; "
                    f"its columns are {list(frame.columns)}"
                )
            missing = [c for c in self.features.columns if c not in frame.columns]
            if missing:
                raise ValidationError(f"validation_data lacks the training columns {missing}")
            self.validation_features = frame[list(self.features.columns)]
            self.validation_target = frame[self.label_column_name]
            self._check_target(self.validation_target, "validation data", classes=False)
        self.validation_size, self.n_cross_validations = self._validation(
            validation_data, validation_size, n_cross_validations
        )
        self._check_rows()
        _positive("iterations", iterations, int)
        _positive("experiment_timeout_hours", experiment_timeout_hours)
        _positive("experiment_timeout_minutes", experiment_timeout_minutes)
        _positive("iteration_timeout_minutes", iteration_timeout_minutes)
        _positive("max_concurrent_iterations", max_concurrent_iterations, int)
        if experiment_timeout_hours is not None and experiment_timeout_minutes is not None:
            raise ValidationError(
                "give experiment_timeout_hours or experiment_timeout_minutes, not both"
            )
        self.iterations = iterations if iterations is not None else 1000
        minutes = (
            experiment_timeout_minutes
            if experiment_timeout_minutes is not None
            else (experiment_timeout_hours or 6 * 24) * 60
        )
        self.experiment_timeout_minutes = float(minutes)
        self.iteration_timeout_minutes = iteration_timeout_minutes
        self.max_concurrent_iterations = max_concurrent_iterations
        self.models = self._models(allowed_models, blocked_models)
        if featurization not in ("auto", "off"):
            raise ValidationError(
                f"featurization {short_repr(featurization)} is not supported; expected 'auto' "
                "or 'off'"
            )
        if featurization == "off":
            text = [c for c in self.features.columns if not _numeric_column(self.features[c])]
            if text:
                raise ValidationError(
                    f"featurization='off' needs numeric columns; {text} are not numbers "
                    "(use featurization='auto' to encode them)"
                )
        self.featurization = featurization
        self.enable_early_stopping = bool(enable_early_stopping)
        self.enable_voting_ensemble = bool(enable_voting_ensemble)
        # As Azure: on unless switched off.
        self.enable_stack_ensemble = enable_stack_ensemble is None or bool(enable_stack_ensemble)
        self.debug_log = os.path.abspath(debug_log) if debug_log else None
        if not isinstance(verbosity, int) or isinstance(verbosity, bool):
            raise ValidationError(f"verbosity {short_repr(verbosity)} must be a logging level")
        self.verbosity = verbosity
        self.compute = compute_definition(compute_target)
        if seed is not None and type(seed) is not int:
            raise ValidationError(f"seed {short_repr(seed)} must be an int")
        self.seed = seed if seed is not None else 0
        meta = kwargs.pop("stack_meta_learner_type", None)
        if meta is not None and meta not in _models.META_LEARNERS[self.task]:
            raise ValidationError(
                f"stack_meta_learner_type {short_repr(meta)} is not a {self.task} meta-learner; "
                f"expected one of {sorted(_models.META_LEARNERS[self.task])}"
            )
        #: The stack ensemble's meta-learner (Azure's default for the task and validation).
        self.stack_meta_learner_type = meta or _models.default_meta_learner(
            self.task, bool(self.n_cross_validations)
        )
        self.ignored = self._ignored(kwargs)

    # --- checks ----------------------------------------------------------------------
    def _check_target(self, target: Any, what: str, classes: bool = True) -> list[Any] | None:
        pandas = pandas_module()
        if target.isna().any():
            raise ValidationError(
                f"the label column of the {what} has {int(target.isna().sum())} missing values; "
                "expected a label on every row"
            )
        if self.task == _automl.REGRESSION:
            if not pandas.api.types.is_numeric_dtype(target) or target.dtype == bool:
                raise ValidationError(
                    f"task 'regression' needs a numeric target; the label column of the {what} "
                    f"holds {target.dtype} values such as {short_repr(target.iloc[0])}"
                )
            return None
        found = sorted(target.unique().tolist(), key=lambda v: (str(type(v)), v))
        if classes and len(found) < 2:
            raise ValidationError(
                f"the label column of the {what} has one class ({short_repr(found[0])}); "
                "classification needs at least two"
            )
        return found

    def _validation(
        self, validation_data: Any, validation_size: Any, folds: Any
    ) -> tuple[float | None, int | None]:
        given = [
            name
            for name, value in (
                ("validation_data", validation_data),
                ("validation_size", validation_size),
                ("n_cross_validations", folds),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ValidationError(
                f"give one of validation_data, validation_size, n_cross_validations; got {given}"
            )
        if validation_size is not None:
            if (
                isinstance(validation_size, bool)
                or not isinstance(validation_size, (int, float))
                or not 0 < validation_size < 1
            ):
                raise ValidationError(
                    f"validation_size {short_repr(validation_size)} must be between 0 and 1"
                )
            return float(validation_size), None
        if folds == "auto" or (folds is None and validation_data is None):
            rows = len(self.features)
            if rows < 1000:
                return None, 10
            if rows <= 20000:
                return None, 3
            return 0.1, None
        if folds is not None and (type(folds) is not int or folds < 2):
            raise ValidationError(
                f"n_cross_validations {short_repr(folds)} must be an int >= 2 or 'auto'"
            )
        return None, folds

    def _check_rows(self) -> None:
        rows = len(self.features)
        folds = self.n_cross_validations
        if folds is not None:
            if rows < folds:
                raise ValidationError(
                    f"n_cross_validations={folds} needs at least {folds} rows; the training data "
                    f"has {rows}"
                )
            if self.task == _automl.CLASSIFICATION:
                counts = self.target.value_counts()
                if int(counts.min()) < folds:
                    raise ValidationError(
                        f"n_cross_validations={folds} needs at least {folds} rows of each class; "
                        f"class {short_repr(counts.idxmin())} has {int(counts.min())}"
                    )
        elif self.validation_size is not None:
            held = int(rows * self.validation_size)
            if held < 1 or rows - held < 2:
                raise ValidationError(
                    f"validation_size={self.validation_size} leaves {held} validation rows of "
                    f"{rows}; expected at least one to validate and two to train"
                )
        if rows < 2:
            raise ValidationError(f"the training data has {rows} rows; expected at least two")

    def _models(self, allowed: Any, blocked: Any) -> list[str]:
        known = _models.MODELS[self.task]
        for name, names in (("allowed_models", allowed), ("blocked_models", blocked)):
            if names is None:
                continue
            if isinstance(names, str) or not all(isinstance(n, str) for n in names):
                raise ValidationError(f"{name} {short_repr(names)} must be a list of model names")
            unknown = [n for n in names if n not in known and n not in _models.UNAVAILABLE]
            if unknown:
                raise ValidationError(
                    f"{name}: {unknown} are not {self.task} models; expected names from "
                    f"{sorted(known)}"
                )
        chosen = list(allowed) if allowed is not None else list(_models.DEFAULT_MODELS[self.task])
        chosen = [n for n in chosen if n not in (blocked or ())]
        unavailable = [n for n in chosen if n not in known or not _models.installed(known[n])]
        usable = [n for n in chosen if n not in unavailable]
        if unavailable and allowed is not None:
            warnings.warn(
                f"the models {unavailable} cannot be searched on this machine; searching {usable}",
                stacklevel=4,
            )
        if not usable:
            raise ValidationError(
                f"no model left to search: allowed {short_repr(allowed)}, blocked "
                f"{short_repr(blocked)}; this machine can search {sorted(known)}"
            )
        return usable

    def _ignored(self, options: Mapping[str, Any]) -> list[str]:
        unknown = [name for name in options if name not in IGNORED_OPTIONS]
        if unknown:
            raise TypeError(f"AutoMLConfig got unexpected arguments {sorted(unknown)}")
        ignored = sorted(options)
        if self.max_concurrent_iterations > 1:
            ignored.append("max_concurrent_iterations")
        if ignored:
            warnings.warn(
                f"AutoMLConfig: {', '.join(ignored)} mean nothing for a search on one machine "
                "and are ignored",
                stacklevel=3,
            )
        return ignored

    # --- what the search receives ----------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The search's settings, stored with the parent run (JSON)."""
        return {
            "task": self.task,
            "primary_metric": self.primary_metric,
            "label_column_name": self.label_column_name,
            "validation_size": self.validation_size,
            "n_cross_validations": self.n_cross_validations,
            "has_validation_data": self.validation_features is not None,
            "iterations": self.iterations,
            "experiment_timeout_minutes": self.experiment_timeout_minutes,
            "iteration_timeout_minutes": self.iteration_timeout_minutes,
            "models": self.models,
            "estimators": [_models.MODELS[self.task][n] for n in self.models],
            "featurization": self.featurization,
            "enable_early_stopping": self.enable_early_stopping,
            "enable_voting_ensemble": self.enable_voting_ensemble,
            "enable_stack_ensemble": self.enable_stack_ensemble,
            "stack_meta_learner_type": self.stack_meta_learner_type,
            "debug_log": self.debug_log,
            "verbosity": self.verbosity,
            "seed": self.seed,
            "classes": [_plain(c) for c in self.classes] if self.classes is not None else None,
            "ignored": self.ignored,
        }

    def guardrails(self) -> list[dict[str, str]]:
        """Azure's data guardrails for this data: each a type, a status and a description."""
        return guardrails(self)

    def _submit(
        self,
        experiment: Experiment,
        tags: Mapping[str, Any] | None = None,
        show_output: bool = False,
        **options: Any,
    ) -> AutoMLRun:
        """`experiment.submit(config, show_output=...)`: queue the search's parent run."""
        from runwatch.submit._script import reject_options
        from runwatch.submit.automl._run import submit_automl

        reject_options(options)
        return submit_automl(experiment, self, tags, show_output=bool(show_output))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _numeric_column(column: Any) -> bool:
    pandas = pandas_module()
    return bool(pandas.api.types.is_numeric_dtype(column))


def _frame(data: Any, what: str) -> Any:
    pandas = pandas_module()
    if isinstance(data, TabularDataset):
        return data.to_pandas_dataframe()
    if isinstance(data, pandas.DataFrame):
        return data.reset_index(drop=True)
    raise ValidationError(
        f"{what} {short_repr(data)} must be a runwatch TabularDataset or a pandas DataFrame"
    )


def _training(data: Any, label: Any, X: Any, y: Any) -> tuple[str | None, Any, Any]:
    pandas = pandas_module()
    if data is not None:
        if X is not None or y is not None:
            raise ValidationError("give training_data or X and y, not both")
        frame = _frame(data, "training_data")
        if not isinstance(label, str):
            raise ValidationError(
                f"label_column_name {short_repr(label)} must name the training data's label column"
            )
        if label not in frame.columns:
            raise ValidationError(
                f"the training data has no label column {label!r}; its columns are "
                f"{list(frame.columns)}"
            )
        features = frame.drop(columns=[label])
        target = frame[label]
    elif X is not None and y is not None:
        features = X if isinstance(X, pandas.DataFrame) else pandas.DataFrame(X)
        features = features.reset_index(drop=True)
        features.columns = [str(c) for c in features.columns]
        target = pandas.Series(y).reset_index(drop=True) if not isinstance(y, pandas.Series) else y
        target = target.reset_index(drop=True)
        if len(target) != len(features):
            raise ValidationError(f"X has {len(features)} rows but y has {len(target)}")
        label = label if isinstance(label, str) else str(target.name or "y")
        target = target.rename(label)
    else:
        raise ValidationError("AutoMLConfig needs training_data and label_column_name, or X and y")
    if features.shape[1] == 0:
        raise ValidationError("the training data has no feature column besides the label")
    return label, features, target


def guardrails(config: AutoMLConfig) -> list[dict[str, str]]:
    features = config.features
    out = []
    if config.task == _automl.CLASSIFICATION:
        counts = config.target.value_counts()
        ratio = float(counts.min()) / float(counts.max())
        out.append(
            {
                "type": "Class balancing detection",
                "status": "ALERTED" if ratio < 0.2 else "PASSED",
                "description": (
                    f"The smallest class has {int(counts.min())} rows, "
                    f"{ratio:.0%} of the largest; consider a balanced metric."
                    if ratio < 0.2
                    else "Your inputs were analyzed, and all classes are balanced in your "
                    "training data."
                ),
            }
        )
    missing = [c for c in features.columns if features[c].isna().any()]
    out.append(
        {
            "type": "Missing feature values imputation",
            "status": "DONE" if missing and config.featurization == "auto" else "PASSED",
            "description": (
                f"Missing values were found in {missing} and are imputed."
                if missing
                else "No feature missing values were detected in the training data."
            ),
        }
    )
    wide = [
        c
        for c in features.columns
        if not _numeric_column(features[c]) and features[c].nunique() > 50
    ]
    out.append(
        {
            "type": "High cardinality feature detection",
            "status": "DONE" if wide else "PASSED",
            "description": (
                f"The columns {wide} have many distinct values; the 50 most frequent are encoded."
                if wide
                else "Your inputs were analyzed, and no high cardinality features were detected."
            ),
        }
    )
    return out
