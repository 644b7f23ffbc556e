"""Azure ML's AutoML metrics of one validation fold, as scikit-learn defines them.

Classification folds are given as encoded labels (0..k-1) and class probabilities;
regression folds as true and predicted values and the range of the training target
(the normalised metrics divide by it). A metric undefined on a fold (an AUC where a
class is missing, a log error of negative values) is left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def classification(
    y_true: Any, proba: Any, n_classes: int, *, ranked: bool = True
) -> dict[str, float]:
    """Computed with numpy from the confusion matrix and rank statistics (each as
    scikit-learn defines it, over all `n_classes` labels): the search runs this on
    every fold of every iteration, where scikit-learn's checks would cost more than
    the metrics. `ranked=False` leaves out the metrics of the ranked scores (AUC and
    average precision), which cost most."""
    true = np.asarray(y_true, dtype=int)
    scores = np.asarray(proba, dtype=float)
    pred = scores.argmax(axis=1)
    k = n_classes
    n = len(true)
    matrix = np.bincount(true * k + pred, minlength=k * k).reshape(k, k).astype(float)
    support = matrix.sum(axis=1)
    predicted = matrix.sum(axis=0)
    hits = np.diag(matrix)
    precision = np.divide(hits, predicted, out=np.zeros(k), where=predicted > 0)
    recall = np.divide(hits, support, out=np.zeros(k), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros(k), where=both > 0)
    weights = support / n
    accuracy = float(hits.sum() / n)
    out: dict[str, float] = {"accuracy": accuracy}
    for name, per_class in (
        ("precision_score", precision),
        ("recall_score", recall),
        ("f1_score", f1),
    ):
        out[f"{name}_macro"] = float(per_class.mean())
        out[f"{name}_weighted"] = float(per_class @ weights)
        out[f"{name}_micro"] = accuracy  # one label per row: micro averages are accuracy
    out["balanced_accuracy"] = float(recall[support > 0].mean())
    chance = 1.0 / k
    out["norm_macro_recall"] = max(0.0, (out["recall_score_macro"] - chance) / (1 - chance))
    covariance = hits.sum() * n - support @ predicted
    spread = (n * n - predicted @ predicted) * (n * n - support @ support)
    out["matthews_correlation"] = float(covariance / np.sqrt(spread)) if spread > 0 else 0.0
    out["weighted_accuracy"] = float((weights[true] * (pred == true)).sum() / weights[true].sum())
    clipped = np.clip(scores, 1e-15, 1 - 1e-15)
    clipped = clipped / clipped.sum(axis=1, keepdims=True)
    out["log_loss"] = float(-np.log(clipped[np.arange(n), true]).mean())
    onehot = np.eye(k)[true]
    if ranked and (support > 0).all():
        aucs = np.array([_auc(onehot[:, c], scores[:, c]) for c in range(k)])
        precisions = np.array([_average_precision(onehot[:, c], scores[:, c]) for c in range(k)])
        for name, per_class, micro in (
            ("AUC", aucs, _auc(onehot.ravel(), scores.ravel())),
            (
                "average_precision_score",
                precisions,
                _average_precision(onehot.ravel(), scores.ravel()),
            ),
        ):
            out[f"{name}_macro"] = float(per_class.mean())
            out[f"{name}_weighted"] = float(per_class @ weights)
            out[f"{name}_micro"] = float(micro)
    return {k_: v for k_, v in out.items() if math.isfinite(v)}


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their average rank (scipy's `rankdata`, whose import
    would cost the recorder process a second)."""
    order = np.argsort(values, kind="mergesort")
    ranked = values[order]
    first = np.r_[True, ranked[1:] != ranked[:-1]]  # where each group of ties starts
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(values)]
    group = np.cumsum(first) - 1
    ranks = np.empty(len(values))
    ranks[order] = ((starts + 1 + ends) / 2)[group]
    return ranks


def _auc(positive: np.ndarray, score: np.ndarray) -> float:
    """The area under the ROC curve: the Mann-Whitney statistic with ties averaged."""
    count = positive.sum()
    others = len(positive) - count
    if count == 0 or others == 0:
        return math.nan
    ranks = _ranks(score)
    return float((ranks[positive > 0].sum() - count * (count + 1) / 2) / (count * others))


def _average_precision(positive: np.ndarray, score: np.ndarray) -> float:
    """Average precision: the precision at each distinct threshold, weighted by the
    recall it adds (scikit-learn's definition)."""
    order = np.argsort(-score, kind="mergesort")
    ranked, hits = score[order], positive[order]
    last = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]  # end of each tie group
    true_positives = np.cumsum(hits)[last]
    seen = last + 1
    total = hits.sum()
    if total == 0:
        return math.nan
    precision = true_positives / seen
    recall = true_positives / total
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def regression(y_true: Any, y_pred: Any, y_range: float) -> dict[str, float]:
    """Computed with numpy (as scikit-learn and scipy define each)."""
    true = np.asarray(y_true, dtype=float)
    pred = np.asarray(y_pred, dtype=float)
    span = y_range if y_range > 0 else 1.0
    error = pred - true
    out: dict[str, float] = {}
    with np.errstate(all="ignore"):
        total = float(((true - true.mean()) ** 2).sum())
        squared = float((error**2).sum())
        out["r2_score"] = 1 - squared / total if total > 0 else math.nan
        variance = float(true.var())
        out["explained_variance"] = 1 - float(error.var()) / variance if variance > 0 else math.nan
        out["spearman_correlation"] = float(np.corrcoef(_ranks(true), _ranks(pred))[0, 1])
        out["mean_absolute_error"] = float(np.abs(error).mean())
        out["median_absolute_error"] = float(np.median(np.abs(error)))
        out["root_mean_squared_error"] = math.sqrt(squared / len(true))
        if (true >= 0).all() and (pred > -1).all():
            logs = np.log1p(np.maximum(pred, 0)) - np.log1p(true)
            rmsle = float(np.sqrt((logs**2).mean()))
            out["root_mean_squared_log_error"] = rmsle
            log_span = math.log1p(true.max()) - math.log1p(max(true.min(), 0))
            out["normalized_root_mean_squared_log_error"] = rmsle / (log_span or 1.0)
    out["normalized_mean_absolute_error"] = out["mean_absolute_error"] / span
    out["normalized_median_absolute_error"] = out["median_absolute_error"] / span
    out["normalized_root_mean_squared_error"] = out["root_mean_squared_error"] / span
    return {k: v for k, v in out.items() if math.isfinite(v)}


def is_ranked(metric: str) -> bool:
    """Whether `classification` computes `metric` only with `ranked=True`."""
    return metric.startswith(("AUC_", "average_precision_score_"))


def average(folds: Sequence[dict[str, float]]) -> dict[str, float]:
    """The mean of each metric over the folds that define it."""
    names = {name for fold in folds for name in fold}
    return {name: float(np.mean([fold[name] for fold in folds if name in fold])) for name in names}
