"""Azure ML's AutoML metrics of one validation fold, computed with scikit-learn.

Classification folds are given as encoded labels (0..k-1) and class probabilities;
regression folds as true and predicted values and the range of the training target
(the normalised metrics divide by it). A metric undefined on a fold (an AUC where a
class is missing, a log error of negative values) is left out.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np


def classification(y_true: Any, proba: Any, n_classes: int) -> dict[str, float]:
    from sklearn import metrics

    true = np.asarray(y_true, dtype=int)
    scores = np.asarray(proba, dtype=float)
    pred = scores.argmax(axis=1)
    labels = list(range(n_classes))
    out: dict[str, float] = {"accuracy": float(metrics.accuracy_score(true, pred))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for average in ("macro", "micro", "weighted"):
            for name, score in (
                ("f1_score", metrics.f1_score),
                ("precision_score", metrics.precision_score),
                ("recall_score", metrics.recall_score),
            ):
                out[f"{name}_{average}"] = float(
                    score(true, pred, labels=labels, average=average, zero_division=0)
                )
        recall = out["recall_score_macro"]
        out["balanced_accuracy"] = recall
        chance = 1.0 / n_classes
        out["norm_macro_recall"] = max(0.0, (recall - chance) / (1 - chance))
        out["matthews_correlation"] = float(metrics.matthews_corrcoef(true, pred))
        counts = np.bincount(true, minlength=n_classes).astype(float)
        weights = (counts / counts.sum())[true]
        out["weighted_accuracy"] = float(np.sum(weights * (pred == true)) / np.sum(weights))
        clipped = np.clip(scores, 1e-15, 1 - 1e-15)
        clipped = clipped / clipped.sum(axis=1, keepdims=True)
        out["log_loss"] = float(metrics.log_loss(true, clipped, labels=labels))
        onehot = np.eye(n_classes)[true]
        present = onehot.sum(axis=0) > 0
        if present.all():
            for average in ("macro", "micro", "weighted"):
                out[f"AUC_{average}"] = float(
                    metrics.roc_auc_score(onehot, scores, average=average)
                )
                out[f"average_precision_score_{average}"] = float(
                    metrics.average_precision_score(onehot, scores, average=average)
                )
    return {k: v for k, v in out.items() if math.isfinite(v)}


def regression(y_true: Any, y_pred: Any, y_range: float) -> dict[str, float]:
    from scipy import stats  # type: ignore[import-untyped]
    from sklearn import metrics

    true = np.asarray(y_true, dtype=float)
    pred = np.asarray(y_pred, dtype=float)
    span = y_range if y_range > 0 else 1.0
    out: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["r2_score"] = float(metrics.r2_score(true, pred))
        out["explained_variance"] = float(metrics.explained_variance_score(true, pred))
        out["spearman_correlation"] = float(stats.spearmanr(true, pred)[0])
        out["mean_absolute_error"] = float(metrics.mean_absolute_error(true, pred))
        out["median_absolute_error"] = float(metrics.median_absolute_error(true, pred))
        out["root_mean_squared_error"] = float(np.sqrt(metrics.mean_squared_error(true, pred)))
        if (true >= 0).all() and (pred > -1).all():
            rmsle = float(np.sqrt(metrics.mean_squared_log_error(true, np.maximum(pred, 0))))
            out["root_mean_squared_log_error"] = rmsle
            log_span = math.log1p(true.max()) - math.log1p(max(true.min(), 0))
            out["normalized_root_mean_squared_log_error"] = rmsle / (log_span or 1.0)
    out["normalized_mean_absolute_error"] = out["mean_absolute_error"] / span
    out["normalized_median_absolute_error"] = out["median_absolute_error"] / span
    out["normalized_root_mean_squared_error"] = out["root_mean_squared_error"] / span
    return {k: v for k, v in out.items() if math.isfinite(v)}


def average(folds: Sequence[dict[str, float]]) -> dict[str, float]:
    """The mean of each metric over the folds that define it."""
    names = {name for fold in folds for name in fold}
    return {name: float(np.mean([fold[name] for fold in folds if name in fold])) for name in names}
