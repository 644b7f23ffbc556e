"""runwatch.metrics builds the documents with scikit-learn: checked against scikit-learn's
own curves on the data sets it ships, and logged as built."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import confusion_matrix as sk_confusion_matrix  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from runwatch import ConfigError, Run, ValidationError, metrics  # noqa: E402


def _classifier(loader: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X_train, y_train)
    return y_test, model.predict(X_test), model.predict_proba(X_test), model.classes_


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return _classifier(load_breast_cancer)


@pytest.fixture(scope="module")
def wine() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return _classifier(load_wine)


def _rates_at(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tp, fp, tn, fn = np.array(table, dtype=float).T
    with np.errstate(invalid="ignore", divide="ignore"):
        return tp / (tp + fn), fp / (fp + tn), tp / (tp + fp)


def _check_curves(y_true: np.ndarray, scores: np.ndarray, classes: np.ndarray) -> None:
    doc = metrics.accuracy_table(y_true, scores, classes)
    data = doc["data"]
    assert data["class_labels"] == [str(c) for c in classes]
    for kind in ("probability", "percentile"):
        thresholds = np.array(data[f"{kind}_thresholds"])
        for c, label in enumerate(classes):
            positive = (y_true == label).astype(int)
            fpr, tpr, roc_t = roc_curve(positive, scores[:, c], drop_intermediate=False)
            precision, recall, pr_t = precision_recall_curve(positive, scores[:, c])
            table_tpr, table_fpr, table_precision = _rates_at(data[f"{kind}_tables"][c])
            for m, t in enumerate(thresholds):
                # scikit-learn's point for threshold t: the lowest of its thresholds >= t
                # (its thresholds decrease; the first is +inf, where nothing is positive).
                above = np.nonzero(roc_t >= t)[0]
                i = above[-1]
                assert table_tpr[m] == pytest.approx(tpr[i]), (kind, label, t)
                assert table_fpr[m] == pytest.approx(fpr[i]), (kind, label, t)
                reached = np.nonzero(pr_t >= t)[0]
                if len(reached) and table_tpr[m] > 0:
                    j = reached[0]
                    assert table_precision[m] == pytest.approx(precision[j]), (kind, label, t)
                    assert table_tpr[m] == pytest.approx(recall[j]), (kind, label, t)


def test_accuracy_table_binary_matches_sklearn_curves(
    cancer: tuple[np.ndarray, ...],
) -> None:
    y_test, _, proba, classes = cancer
    _check_curves(y_test, proba, classes)


def test_accuracy_table_three_classes_matches_sklearn_curves(
    wine: tuple[np.ndarray, ...],
) -> None:
    y_test, _, proba, classes = wine
    _check_curves(y_test, proba, classes)


def test_accuracy_table_binary_from_positive_score(cancer: tuple[np.ndarray, ...]) -> None:
    y_test, _, proba, classes = cancer
    assert metrics.accuracy_table(y_test, proba[:, 1], classes) == metrics.accuracy_table(
        y_test, proba, classes
    )


def test_confusion_matrix_is_sklearns(wine: tuple[np.ndarray, ...]) -> None:
    y_test, y_pred, _, _ = wine
    doc = metrics.confusion_matrix(y_test, y_pred)
    assert doc["schema_type"] == "confusion_matrix"
    assert doc["data"]["class_labels"] == ["0", "1", "2"]
    assert doc["data"]["matrix"] == sk_confusion_matrix(y_test, y_pred).tolist()
    reordered = metrics.confusion_matrix(y_test, y_pred, labels=[2, 1, 0])
    assert (
        reordered["data"]["matrix"]
        == sk_confusion_matrix(y_test, y_pred, labels=[2, 1, 0]).tolist()
    )


@pytest.fixture(scope="module")
def diabetes() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    return y_test, LinearRegression().fit(X_train, y_train).predict(X_test)


def test_residuals_histogram(diabetes: tuple[np.ndarray, np.ndarray]) -> None:
    y_test, y_pred = diabetes
    doc = metrics.residuals(y_test, y_pred, bins=12)
    counts, edges = np.histogram(y_pred - y_test, bins=12)
    assert doc["data"] == {"bin_edges": edges.tolist(), "bin_counts": counts.tolist()}
    assert sum(doc["data"]["bin_counts"]) == len(y_test)


def test_predictions_bins(diabetes: tuple[np.ndarray, np.ndarray]) -> None:
    y_test, y_pred = diabetes
    data = metrics.predictions(y_test, y_pred, bins=8)["data"]
    edges = np.array(data["bin_edges"])
    assert edges.tolist() == np.histogram_bin_edges(y_test, bins=8).tolist()
    assert data["bin_counts"] == np.histogram(y_test, bins=edges)[0].tolist()
    for b in range(8):
        inside = (y_test >= edges[b]) & (
            (y_test < edges[b + 1]) if b < 7 else (y_test <= edges[b + 1])
        )
        if inside.any():
            assert data["bin_averages"][b] == pytest.approx(y_pred[inside].mean())
            assert data["bin_errors"][b] == pytest.approx(y_pred[inside].std())
        else:
            assert data["bin_averages"][b] is None


def test_built_documents_log_and_read_back(
    run: Run, wine: tuple[np.ndarray, ...], diabetes: tuple[np.ndarray, np.ndarray]
) -> None:
    y_test, y_pred, proba, classes = wine
    built = {
        "cm": metrics.confusion_matrix(y_test, y_pred),
        "acc": metrics.accuracy_table(y_test, proba, classes, num_points=11),
        "res": metrics.residuals(*diabetes),
        "pred": metrics.predictions(*diabetes),
    }
    run.log_confusion_matrix("cm", built["cm"])
    run.log_accuracy_table("acc", built["acc"])
    run.log_residuals("res", built["res"])
    run.log_predictions("pred", built["pred"])
    run.complete()
    assert Run(run.experiment, run.id).get_metrics(populate=True) == built


def test_builder_bad_input(wine: tuple[np.ndarray, ...]) -> None:
    y_test, y_pred, proba, classes = wine
    with pytest.raises(ValidationError, match="differ in length: 54 and 53"):
        metrics.confusion_matrix(y_test, y_pred[:-1])
    with pytest.raises(ValidationError, match="3 columns; expected one per label \\(2\\)"):
        metrics.accuracy_table(y_test, proba, classes[:2])
    with pytest.raises(ValidationError, match="classes not in labels: \\['2'\\]"):
        metrics.accuracy_table(y_test, proba[:, :2], classes[:2])
    with pytest.raises(ValidationError, match="probabilities in \\[0, 1\\]"):
        metrics.accuracy_table(y_test, proba * 2, classes)
    with pytest.raises(ValidationError, match="y_pred holds NaN"):
        metrics.residuals([1.0, 2.0], [1.0, float("nan")])


def test_missing_sklearn_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)
    with pytest.raises(ConfigError, match="pip install scikit-learn"):
        metrics.confusion_matrix([0, 1], [0, 1])
