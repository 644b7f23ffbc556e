"""The AutoML metrics of a fold equal scikit-learn's (and scipy's) definitions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics

from runwatch.agent import _automl_metrics
from runwatch.core import _automl


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_classification_metrics_match_scikit_learn(classes: int) -> None:
    rng = np.random.default_rng(classes)
    for _ in range(4):
        n = 150
        y = rng.integers(0, classes, n)
        scores = rng.random((n, classes))
        scores[np.arange(n), y] += rng.random(n)
        scores = np.round(scores, 2)  # ties, as trees' probabilities have
        scores /= scores.sum(axis=1, keepdims=True)
        got = _automl_metrics.classification(y, scores, classes)
        pred, labels, onehot = scores.argmax(axis=1), list(range(classes)), np.eye(classes)[y]
        expected = {
            "accuracy": metrics.accuracy_score(y, pred),
            "balanced_accuracy": metrics.balanced_accuracy_score(y, pred),
            "matthews_correlation": metrics.matthews_corrcoef(y, pred),
            "log_loss": metrics.log_loss(y, scores, labels=labels),
        }
        for average in ("macro", "micro", "weighted"):
            for name, score in (
                ("f1_score", metrics.f1_score),
                ("precision_score", metrics.precision_score),
                ("recall_score", metrics.recall_score),
            ):
                expected[f"{name}_{average}"] = score(
                    y, pred, labels=labels, average=average, zero_division=0
                )
            expected[f"AUC_{average}"] = metrics.roc_auc_score(onehot, scores, average=average)
            expected[f"average_precision_score_{average}"] = metrics.average_precision_score(
                onehot, scores, average=average
            )
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, abs=1e-9), name
        assert set(got) == set(_automl.CLASSIFICATION_METRICS)


def test_without_ranked_metrics_the_others_are_the_same() -> None:
    """The search computes only what its primary metric needs; the recorder all."""
    rng = np.random.default_rng(7)
    y = rng.integers(0, 3, 90)
    scores = rng.random((90, 3))
    scores /= scores.sum(axis=1, keepdims=True)
    every = _automl_metrics.classification(y, scores, 3)
    light = _automl_metrics.classification(y, scores, 3, ranked=False)
    ranked = {name for name in every if _automl_metrics.is_ranked(name)}
    assert ranked == {
        f"{kind}_{average}"
        for kind in ("AUC", "average_precision_score")
        for average in ("macro", "micro", "weighted")
    }
    assert light == {name: value for name, value in every.items() if name not in ranked}


def test_spearman_ranks_ties_as_scipy_does() -> None:
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0])
    pred = np.array([2.0, 2.0, 2.0, 1.0, 7.0, 8.0, 1.0, 6.0, 6.0, 3.0, 4.0])
    got = _automl_metrics.regression(y, pred, 8.0)["spearman_correlation"]
    assert got == pytest.approx(stats.spearmanr(y, pred)[0], rel=1e-12)


def test_a_fold_without_a_class_leaves_the_aucs_out() -> None:
    y = np.array([0, 0, 1, 1])
    scores = np.array([[0.9, 0.1, 0.0], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1]])
    got = _automl_metrics.classification(y, scores, 3)
    assert "AUC_weighted" not in got and got["accuracy"] == 1.0


def test_regression_metrics_match_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(120) * 300 + 50
    pred = y + rng.normal(size=120) * 10
    got = _automl_metrics.regression(y, pred, 300.0)
    expected = {
        "r2_score": metrics.r2_score(y, pred),
        "explained_variance": metrics.explained_variance_score(y, pred),
        "spearman_correlation": stats.spearmanr(y, pred)[0],
        "mean_absolute_error": metrics.mean_absolute_error(y, pred),
        "median_absolute_error": metrics.median_absolute_error(y, pred),
        "root_mean_squared_error": np.sqrt(metrics.mean_squared_error(y, pred)),
        "root_mean_squared_log_error": np.sqrt(metrics.mean_squared_log_error(y, pred)),
    }
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-9), name
    assert got["normalized_root_mean_squared_error"] == pytest.approx(
        expected["root_mean_squared_error"] / 300
    )
    negative = _automl_metrics.regression(y - 400, pred - 400, 300.0)
    assert "root_mean_squared_log_error" not in negative  # undefined below zero
