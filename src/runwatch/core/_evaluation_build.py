"""Building model-evaluation documents from predictions (the public `runwatch.metrics`).

scikit-learn and numpy do the computing; scikit-learn is imported when a builder
is called, so `import runwatch` does not need it. Each builder returns a document
that `core._evaluation.document` accepts, ready for the matching `run.log_*` call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from runwatch.core import _evaluation
from runwatch.errors import ConfigError, ValidationError

#: Thresholds in an accuracy table unless `num_points` says otherwise.
NUM_POINTS = 101


def _sklearn_metrics() -> Any:
    try:
        import sklearn.metrics
    except ImportError:
        raise ConfigError(
            "runwatch.metrics builds documents with scikit-learn, which is not installed; "
            "install it with: pip install scikit-learn"
        ) from None
    return sklearn.metrics


def _array(values: Any, what: str, *, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim not in ndim or array.shape[0] == 0:
        raise ValidationError(
            f"{what} must be a non-empty array of {' or '.join(f'{n}-D' for n in ndim)}, "
            f"got shape {array.shape}"
        )
    return array


def _same_length(a: np.ndarray, b: np.ndarray, names: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValidationError(f"{names} differ in length: {a.shape[0]} and {b.shape[0]}")


def _numeric(values: Any, what: str) -> np.ndarray:
    array = _array(values, what)
    try:
        numbers = array.astype(float)
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must hold numbers, got dtype {array.dtype}") from None
    if not np.isfinite(numbers).all():
        raise ValidationError(f"{what} holds NaN or infinite values")
    return numbers


def _label(value: Any) -> str:
    return str(value.item() if hasattr(value, "item") else value)


def confusion_matrix(
    y_true: Any, y_pred: Any, labels: Sequence[Any] | None = None
) -> dict[str, Any]:
    """A `confusion_matrix` document: counts of each true class (row) predicted as each
    class (column). `labels` gives the classes and their order (default: every class in
    `y_true` or `y_pred`, sorted)."""
    metrics = _sklearn_metrics()
    true = _array(y_true, "y_true")
    pred = _array(y_pred, "y_pred")
    _same_length(true, pred, "y_true and y_pred")
    if labels is None:
        from sklearn.utils.multiclass import unique_labels

        labels = list(unique_labels(true, pred))
    return confusion_document(labels, metrics.confusion_matrix(true, pred, labels=list(labels)))


def confusion_document(labels: Sequence[Any], matrix: Any) -> dict[str, Any]:
    """A `confusion_matrix` document of a matrix already counted (rows: true class)."""
    return _checked(
        _evaluation.CONFUSION_MATRIX,
        {"class_labels": [_label(x) for x in labels], "matrix": np.asarray(matrix).tolist()},
    )


def accuracy_table(
    y_true: Any, y_score: Any, labels: Sequence[Any], num_points: int = NUM_POINTS
) -> dict[str, Any]:
    """An `accuracy_table` document from class probabilities.

    `y_score` has one column per label in `labels` (as `model.predict_proba(X)` with
    `labels=model.classes_`); for two labels a 1-D score of the second label is taken
    too. At each threshold t a sample counts as predicted positive for a class when
    its score is >= t (one vs. rest). Probability thresholds are `num_points` evenly
    spaced in [0, 1]; percentile thresholds the scores' percentiles at evenly spaced
    ranks.
    """
    labels = list(labels)
    if len(labels) < 2:
        raise ValidationError(f"labels must name at least 2 classes, got {labels!r}")
    if isinstance(num_points, bool) or not isinstance(num_points, int) or num_points < 2:
        raise ValidationError(f"num_points must be an int of at least 2, got {num_points!r}")
    true = _array(y_true, "y_true")
    score = _numeric(y_score, "y_score") if np.ndim(y_score) == 1 else None
    if score is not None:
        if len(labels) != 2:
            raise ValidationError(
                f"a 1-D y_score is the score of the second of 2 labels; got {len(labels)} labels"
            )
        scores = np.column_stack([1 - score, score])
    else:
        scores = _array(y_score, "y_score", ndim=(2,)).astype(float)
        if scores.shape[1] != len(labels):
            raise ValidationError(
                f"y_score has {scores.shape[1]} columns; expected one per label ({len(labels)})"
            )
    _same_length(true, scores, "y_true and y_score")
    if not ((scores >= 0) & (scores <= 1)).all():
        raise ValidationError("y_score must hold probabilities in [0, 1]")
    names = [_label(x) for x in labels]
    classes, codes = np.unique(true, return_inverse=True)
    where = {name: i for i, name in enumerate(names)}
    unknown = sorted({_label(v) for v in classes} - set(where))
    if unknown:
        raise ValidationError(f"y_true holds classes not in labels: {unknown}")
    # One column per label: 1 where the sample is of that class (one vs. rest).
    column = np.array([where[_label(v)] for v in classes], dtype=int)[codes.reshape(-1)]
    onehot = np.zeros((len(true), len(labels)), dtype=int)
    onehot[np.arange(len(true)), column] = 1
    probability = np.linspace(0.0, 1.0, num_points)
    percentile = np.percentile(scores, np.linspace(0.0, 100.0, num_points))
    return _checked(
        _evaluation.ACCURACY_TABLE,
        {
            "probability_tables": _counts(onehot, scores, probability),
            "percentile_tables": _counts(onehot, scores, percentile),
            "probability_thresholds": probability.tolist(),
            "percentile_thresholds": np.clip(percentile, 0.0, 1.0).tolist(),
            "class_labels": names,
        },
    )


def _counts(onehot: np.ndarray, scores: np.ndarray, thresholds: np.ndarray) -> list[Any]:
    """[class][threshold] -> [TP, FP, TN, FN], a sample positive when its score >= t."""
    tables = []
    for c in range(scores.shape[1]):
        positive = onehot[:, c] == 1
        pos = np.sort(scores[positive, c])
        neg = np.sort(scores[~positive, c])
        tp = len(pos) - np.searchsorted(pos, thresholds, side="left")
        fp = len(neg) - np.searchsorted(neg, thresholds, side="left")
        table = np.column_stack([tp, fp, len(neg) - fp, len(pos) - tp])
        tables.append(table.astype(int).tolist())
    return tables


def residuals(y_true: Any, y_pred: Any, bins: Any = 10) -> dict[str, Any]:
    """A `residuals` document: a histogram of y_pred - y_true (`bins` as numpy.histogram's)."""
    true = _numeric(y_true, "y_true")
    pred = _numeric(y_pred, "y_pred")
    _same_length(true, pred, "y_true and y_pred")
    counts, edges = np.histogram(pred - true, bins=bins)
    return _checked(
        _evaluation.RESIDUALS, {"bin_edges": edges.tolist(), "bin_counts": counts.tolist()}
    )


def predictions(y_true: Any, y_pred: Any, bins: Any = 10) -> dict[str, Any]:
    """A `predictions` document: y_true binned (`bins` as numpy.histogram's), and per bin
    the mean and standard deviation of y_pred and the count (mean and deviation None in an
    empty bin)."""
    true = _numeric(y_true, "y_true")
    pred = _numeric(y_pred, "y_pred")
    _same_length(true, pred, "y_true and y_pred")
    edges = np.histogram_bin_edges(true, bins=bins)
    which = np.clip(np.searchsorted(edges, true, side="right") - 1, 0, len(edges) - 2)
    averages: list[float | None] = []
    errors: list[float | None] = []
    counts: list[int] = []
    for b in range(len(edges) - 1):
        inside = pred[which == b]
        counts.append(len(inside))
        averages.append(float(inside.mean()) if len(inside) else None)
        errors.append(float(inside.std()) if len(inside) else None)
    return _checked(
        _evaluation.PREDICTIONS,
        {
            "bin_averages": averages,
            "bin_errors": errors,
            "bin_counts": counts,
            "bin_edges": edges.tolist(),
        },
    )


def _checked(schema_type: str, data: dict[str, Any]) -> dict[str, Any]:
    doc = {
        "schema_type": schema_type,
        "schema_version": _evaluation.CURRENT_VERSION[schema_type],
        "data": data,
    }
    return _evaluation.document(doc, schema_type, f"runwatch.metrics.{schema_type}()")
