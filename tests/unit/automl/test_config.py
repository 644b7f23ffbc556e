"""AutoMLConfig: every bad input is a clear error before any run exists."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import runwatch
from runwatch import ConfigError, ValidationError
from runwatch.automl import AutoMLConfig
from runwatch.dataset import Dataset


def _frame(rows: int = 60, classes: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "x1": rng.normal(size=rows),
            "x2": rng.normal(size=rows),
            "color": rng.choice(["red", "blue"], size=rows),
            "label": [f"c{i % classes}" for i in range(rows)],
        }
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task": "forecasting"}, "task 'forecasting' is not supported"),
        ({"primary_metric": "r2_score"}, "does not fit task 'classification' .it is a regression"),
        ({"primary_metric": "nonsense"}, "primary_metric 'nonsense' does not fit"),
        ({"label_column_name": "target"}, "no label column 'target'"),
        ({"n_cross_validations": 40}, "needs at least 40 rows of each class"),
        ({"n_cross_validations": 1}, "n_cross_validations 1 must be an int >= 2"),
        ({"validation_size": 0.2, "n_cross_validations": 3}, "give one of validation_data"),
        ({"iterations": 0}, "iterations 0 must be an int >= 1"),
        ({"experiment_timeout_minutes": -1}, "experiment_timeout_minutes -1 must be a number"),
        ({"allowed_models": ["ElasticNet"]}, "are not classification models"),
        (
            {
                "blocked_models": [
                    "LightGBM",
                    "RandomForest",
                    "ExtremeRandomTrees",
                    "XGBoostClassifier",
                    "LogisticRegression",
                ]
            },
            "no model left to search",
        ),
        ({"featurization": "off"}, "featurization='off' needs numeric columns; \\['color'\\]"),
        ({"featurization": {"blocked": 1}}, "featurization .* is not supported"),
    ],
)
def test_bad_classification_input(
    ws: runwatch.Workspace, changes: dict[str, object], message: str
) -> None:
    settings: dict[str, object] = {
        "task": "classification",
        "training_data": _frame(),
        "label_column_name": "label",
        "n_cross_validations": 3,
        **changes,
    }
    with pytest.raises(ValidationError, match=message):
        AutoMLConfig(**settings)  # type: ignore[arg-type]
    assert ws.store.list_active() == []


def test_a_label_with_one_class() -> None:
    with pytest.raises(ValidationError, match="has one class \\('c0'\\)"):
        AutoMLConfig(
            task="classification", training_data=_frame(classes=1), label_column_name="label"
        )


def test_too_few_rows_for_the_folds() -> None:
    with pytest.raises(ValidationError, match="n_cross_validations=5 needs at least 5 rows"):
        AutoMLConfig(
            task="regression",
            training_data=_frame(rows=4).assign(label=[1.0, 2.0, 3.0, 4.0]),
            label_column_name="label",
            n_cross_validations=5,
        )


def test_regression_needs_a_numeric_target() -> None:
    with pytest.raises(ValidationError, match="task 'regression' needs a numeric target"):
        AutoMLConfig(task="regression", training_data=_frame(), label_column_name="label")


def test_a_dataset_or_x_and_y_are_accepted_and_defaults_follow_azure() -> None:
    frame = _frame()
    config = AutoMLConfig(
        task="classification",
        training_data=Dataset.Tabular.from_pandas_dataframe(frame),
        label_column_name="label",
    )
    assert config.primary_metric == "accuracy"
    assert config.n_cross_validations == 10  # fewer than 1000 rows: 10 folds, as in Azure
    assert config.classes == ["c0", "c1"]
    xy = AutoMLConfig(
        task="regression", X=frame[["x1", "x2"]], y=frame["x1"] * 2, validation_size=0.25
    )
    assert xy.primary_metric == "spearman_correlation"
    assert (xy.validation_size, xy.n_cross_validations) == (0.25, None)
    # Both ensembles are on unless switched off; the meta-learner is Azure's for the task,
    # cross-validated when the search is.
    assert config.enable_voting_ensemble and config.enable_stack_ensemble
    assert config.stack_meta_learner_type == "LogisticRegressionCV"
    assert xy.stack_meta_learner_type == "ElasticNet"
    chosen = AutoMLConfig(
        task="classification",
        training_data=frame,
        label_column_name="label",
        stack_meta_learner_type="LightGBMClassifier",
    )
    assert chosen.stack_meta_learner_type == "LightGBMClassifier" and not chosen.ignored
    with pytest.raises(ValidationError, match="'ElasticNet' is not a classification meta-learner"):
        AutoMLConfig(
            task="classification",
            training_data=frame,
            label_column_name="label",
            stack_meta_learner_type="ElasticNet",
        )
    with pytest.raises(ValidationError, match="X has 60 rows but y has 3"):
        AutoMLConfig(task="regression", X=frame[["x1"]], y=[1.0, 2.0, 3.0])
    with pytest.raises(ValidationError, match="needs training_data and label_column_name"):
        AutoMLConfig(task="regression")


def test_options_that_mean_nothing_here_are_reported_once() -> None:
    with pytest.warns(UserWarning, match="enable_onnx_compatible_models, model_explainability"):
        config = AutoMLConfig(
            task="classification",
            training_data=_frame(),
            label_column_name="label",
            enable_onnx_compatible_models=True,
            model_explainability=True,
        )
    assert config.ignored == ["enable_onnx_compatible_models", "model_explainability"]
    with pytest.raises(TypeError, match="unexpected arguments \\['bogus'\\]"):
        AutoMLConfig(
            task="classification", training_data=_frame(), label_column_name="label", bogus=1
        )


def test_without_the_engine_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "flaml", None)  # as if it were not installed
    with pytest.raises(ConfigError, match="runwatch\\[automl\\]"):
        AutoMLConfig(task="classification", training_data=_frame(), label_column_name="label")
