"""AutoML's tasks and metric names (Azure ML's), their goals, and which iteration is best.

Declared here so the search (agent), `AutoMLRun` (submit) and the AutoML view (views)
rank iterations by one rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)

#: Scalar metrics each iteration logs, in the order the views list them.
CLASSIFICATION_METRICS = (
    "AUC_weighted",
    "AUC_macro",
    "AUC_micro",
    "accuracy",
    "average_precision_score_weighted",
    "average_precision_score_macro",
    "average_precision_score_micro",
    "balanced_accuracy",
    "f1_score_weighted",
    "f1_score_macro",
    "f1_score_micro",
    "log_loss",
    "matthews_correlation",
    "norm_macro_recall",
    "precision_score_weighted",
    "precision_score_macro",
    "precision_score_micro",
    "recall_score_weighted",
    "recall_score_macro",
    "recall_score_micro",
    "weighted_accuracy",
)
REGRESSION_METRICS = (
    "normalized_root_mean_squared_error",
    "r2_score",
    "spearman_correlation",
    "explained_variance",
    "mean_absolute_error",
    "normalized_mean_absolute_error",
    "median_absolute_error",
    "normalized_median_absolute_error",
    "root_mean_squared_error",
    "root_mean_squared_log_error",
    "normalized_root_mean_squared_log_error",
)
METRICS = {CLASSIFICATION: CLASSIFICATION_METRICS, REGRESSION: REGRESSION_METRICS}

#: The metrics a search may optimise (`primary_metric`), as in Azure ML.
PRIMARY_METRICS = {
    CLASSIFICATION: (
        "accuracy",
        "AUC_weighted",
        "average_precision_score_weighted",
        "norm_macro_recall",
        "precision_score_weighted",
    ),
    REGRESSION: (
        "spearman_correlation",
        "normalized_root_mean_squared_error",
        "r2_score",
        "normalized_mean_absolute_error",
    ),
}
DEFAULT_PRIMARY = {CLASSIFICATION: "accuracy", REGRESSION: "spearman_correlation"}

_MINIMIZED = frozenset(
    {
        "log_loss",
        "mean_absolute_error",
        "normalized_mean_absolute_error",
        "median_absolute_error",
        "normalized_median_absolute_error",
        "root_mean_squared_error",
        "normalized_root_mean_squared_error",
        "root_mean_squared_log_error",
        "normalized_root_mean_squared_log_error",
    }
)

#: Child run properties of an iteration.
ITERATION_PROPERTY = "iteration"
PIPELINE_PROPERTY = "run_algorithm"
PREPROCESSOR_PROPERTY = "run_preprocessor"
DURATION_PROPERTY = "iteration_duration_seconds"
#: Parent run properties of a search.
TASK_PROPERTY = "task"
PRIMARY_PROPERTY = "primary_metric"


def maximize(metric: str) -> bool:
    """True if a larger value of `metric` is better."""
    return metric not in _MINIMIZED


def _value(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def best_iteration(values: Iterable[tuple[int, Any]], metric: str) -> int | None:
    """The iteration with the best value of `metric` in `(iteration, value)` pairs of
    completed iterations; the earliest on a tie; None if none has a finite value."""
    best: tuple[int, float] | None = None
    up = maximize(metric)
    for iteration, raw in sorted(values, key=lambda pair: pair[0]):
        value = _value(raw)
        if value is None:
            continue
        if best is None or (value > best[1] if up else value < best[1]):
            best = (iteration, value)
    return None if best is None else best[0]


def best_so_far(values: Iterable[Any], metric: str) -> list[float | None]:
    """The running best of a sequence of values (None until the first finite one)."""
    out: list[float | None] = []
    best: float | None = None
    up = maximize(metric)
    for raw in values:
        value = _value(raw)
        if value is not None and (best is None or (value > best if up else value < best)):
            best = value
        out.append(best)
    return out


def iteration_of(properties: Mapping[str, Any]) -> int | None:
    """The iteration number recorded on a child run, if it is an AutoML iteration."""
    raw = properties.get(ITERATION_PROPERTY)
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
