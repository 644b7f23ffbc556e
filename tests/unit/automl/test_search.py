"""Real AutoML searches through the local agent, on small data with small seeded budgets."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.pipeline import Pipeline

import runwatch
from runwatch import Experiment, Run, RunStatus
from runwatch.automl import AutoMLConfig, AutoMLRun
from runwatch.core import _automl
from runwatch.dataset import Dataset


@pytest.fixture
def ws(agent_ws: runwatch.Workspace) -> runwatch.Workspace:
    return agent_ws


def _wait(run: Run, timeout: float = 180.0) -> str:
    deadline = time.monotonic() + timeout
    while not RunStatus.is_final(status := run.get_status()):
        assert time.monotonic() < deadline, f"run {run.id} is still {status}"
        time.sleep(0.1)
    return status


def _cancer() -> pd.DataFrame:
    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "malignant", 1: "benign"})
    return frame


def test_a_classification_search_with_show_output(
    ws: runwatch.Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = Dataset.Tabular.from_pandas_dataframe(_cancer())
    training, validation = dataset.random_split(percentage=0.8, seed=223)
    config = AutoMLConfig(
        task="classification",
        training_data=training,
        label_column_name="target",
        n_cross_validations=3,
        primary_metric="AUC_weighted",
        iterations=5,
        experiment_timeout_minutes=2,
        seed=7,
    )
    experiment = Experiment(ws, "automl")
    run = experiment.submit(config, show_output=True)
    assert isinstance(run, AutoMLRun)
    assert run.get_status() == RunStatus.COMPLETED
    assert run.type == "automl"
    out = capsys.readouterr().out
    assert "DATA GUARDRAILS:" in out and "Class balancing detection" in out
    header = next(line for line in out.splitlines() if line.split()[:1] == ["ITER"])
    assert header.split() == ["ITER", "PIPELINE", "DURATION", "METRIC", "BEST"]
    children = sorted(run.get_children(), key=lambda c: int(c.get_properties()["iteration"]))
    lines = [line for line in out.splitlines() if line[:5].strip().isdigit()]
    assert [int(line.split()[0]) for line in lines] == [
        int(c.get_properties()["iteration"]) for c in children
    ]
    assert len(children) == 5  # three engine trials, then Azure's two ensembles
    assert children[-2].get_properties()["run_algorithm"] == "VotingEnsemble"
    stack = children[-1].get_properties()
    assert stack["run_algorithm"] == "StackEnsemble"
    assert stack["stack_meta_learner_type"] == "LogisticRegressionCV"  # Azure's, with folds
    assert len(json.loads(stack["ensembled_iterations"])) >= 2
    # every iteration: Azure's metrics, the evaluation charts, its model, its pipeline name
    first = children[0]
    metrics = first.get_metrics()
    for name in (
        "accuracy",
        "AUC_weighted",
        "AUC_macro",
        "log_loss",
        "norm_macro_recall",
        "average_precision_score_weighted",
        "matthews_correlation",
        "f1_score_micro",
    ):
        assert isinstance(metrics[name], float), name
    confusion = first.get_metrics("confusion_matrix", populate=True)["confusion_matrix"]
    assert confusion["data"]["class_labels"] == ["benign", "malignant"]
    assert "accuracy_table" in metrics
    assert "outputs/model.pkl" in first.get_file_names()
    properties = first.get_properties()
    assert properties["run_algorithm"].startswith("MaxAbsScaler ")
    assert properties["hyperparameters"].startswith("{")
    # BEST: the running best of METRIC, which is the child's primary metric
    values = [float(line.split()[-2]) for line in lines]
    bests = [float(line.split()[-1]) for line in lines]
    assert bests == pytest.approx(_automl.best_so_far(values, "AUC_weighted"), abs=1e-4)
    assert values[0] == pytest.approx(metrics["AUC_weighted"], abs=1e-4)
    assert run.get_metrics(name="best_metric")["best_metric"][-1] == pytest.approx(
        max(values), abs=1e-4
    )

    best_run, model = run.get_output()
    assert isinstance(model, Pipeline)
    best_value = best_run.get_metrics()["AUC_weighted"]
    assert best_value == max(c.get_metrics()["AUC_weighted"] for c in children)
    assert best_run.id == run.get_best_child().id
    features = validation.drop_columns(columns=["target"]).to_pandas_dataframe()
    truth = validation.to_pandas_dataframe()["target"]
    predicted = model.predict(features)
    assert set(predicted) <= {"benign", "malignant"}
    assert (predicted == truth.to_numpy()).mean() > 0.85
    assert model.predict_proba(features).shape == (len(features), 2)

    by_accuracy, _ = run.get_output(metric="accuracy")
    assert by_accuracy.get_metrics()["accuracy"] == max(
        c.get_metrics()["accuracy"] for c in children
    )
    iteration_run, iteration_model = run.get_output(iteration=0)
    assert iteration_run.id == first.id
    assert len(iteration_model.predict(features)) == len(features)
    _, stack_model = run.get_output(iteration=4)
    assert (stack_model.predict(features) == truth.to_numpy()).mean() > 0.85
    assert stack_model.predict_proba(features).shape == (len(features), 2)
    # re-opened as an AutoMLRun, both ways
    assert isinstance(Run.get(ws, run.id), AutoMLRun)
    assert AutoMLRun(experiment, run.id).get_best_child().id == best_run.id
    with pytest.raises(runwatch.ValidationError, match="is not a classification metric"):
        run.get_output(metric="r2_score")
    with pytest.raises(runwatch.ValidationError, match="not an AutoML search"):
        AutoMLRun(experiment, first.id)


def test_a_regression_search_from_x_and_y_with_a_holdout(ws: runwatch.Workspace) -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    config = AutoMLConfig(
        task="regression",
        X=X,
        y=y,
        validation_size=0.2,
        primary_metric="normalized_root_mean_squared_error",
        allowed_models=["LightGBM", "ElasticNet"],
        iterations=4,
        enable_voting_ensemble=False,
        featurization="off",
        seed=3,
    )
    run = Experiment(ws, "automl-reg").submit(config)
    assert _wait(run) == RunStatus.COMPLETED
    children = sorted(run.get_children(), key=lambda c: int(c.get_properties()["iteration"]))
    assert len(children) == 4  # three engine trials and the stack ensemble
    names = {c.get_properties()["run_algorithm"] for c in children[:-1]}
    assert names <= {"LightGBM", "ElasticNet"}
    stack = children[-1].get_properties()
    assert stack["run_algorithm"] == "StackEnsemble"
    assert stack["stack_meta_learner_type"] == "ElasticNet"  # Azure's, with a holdout
    stack_predicted = run.get_output(iteration=3)[1].predict(X)
    assert np.corrcoef(stack_predicted, y)[0, 1] > 0.6
    # fitted on the iterations' holdout predictions, it does at least about as well as they do
    nrmse = "normalized_root_mean_squared_error"
    assert children[-1].get_metrics()[nrmse] <= 1.05 * min(
        c.get_metrics()[nrmse] for c in children[:-1]
    )
    metrics = children[0].get_metrics()
    for name in (
        "r2_score",
        "spearman_correlation",
        "explained_variance",
        "mean_absolute_error",
        "normalized_mean_absolute_error",
        "root_mean_squared_error",
        "normalized_root_mean_squared_error",
        "root_mean_squared_log_error",
    ):
        assert isinstance(metrics[name], float), name
    documents = children[0].get_metrics(populate=True)
    assert documents["residuals"]["schema_type"] == "residuals"
    assert documents["predicted_true"]["schema_type"] == "predictions"
    best, model = run.get_output()
    assert best.get_metrics()["normalized_root_mean_squared_error"] == min(
        c.get_metrics()["normalized_root_mean_squared_error"] for c in children
    )
    assert model.predict(X.head(20)).shape == (20,)
    assert np.corrcoef(model.predict(X), y)[0, 1] > 0.6  # over every row: 20 are too few


def test_cancel_stops_the_search_and_its_running_iteration(ws: runwatch.Workspace) -> None:
    config = AutoMLConfig(
        task="classification",
        training_data=_cancer(),
        label_column_name="target",
        n_cross_validations=3,
        experiment_timeout_minutes=10,
        seed=1,
    )
    run = Experiment(ws, "automl-cancel").submit(config)
    deadline = time.monotonic() + 120
    while not any(c.get_status() == RunStatus.COMPLETED for c in run.get_children()):
        assert time.monotonic() < deadline, "no iteration finished"
        time.sleep(0.1)
    run.cancel()
    assert _wait(run, 60) == RunStatus.CANCELED
    statuses = {c.get_status() for c in run.get_children()}
    assert statuses <= {RunStatus.COMPLETED, RunStatus.CANCELED, RunStatus.FAILED}
    count = len(list(run.get_children()))
    time.sleep(1.5)
    assert len(list(run.get_children())) == count  # nothing goes on after the cancel
