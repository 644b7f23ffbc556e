"""The fitted model of an AutoML iteration: a scikit-learn Pipeline.

`featurizer(...)` builds the first step from the training columns; the last step
wraps the engine's fitted estimator so that it predicts the original labels. Pickled
models refer to this module: keep its class names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator


def featurizer(frame: Any, mode: str) -> Any:
    """A ColumnTransformer over the training columns of `frame`.

    'auto': numbers imputed with the median and scaled by their largest absolute
    value; other columns imputed with the most frequent value and one-hot encoded.
    'off': the columns as they are, as floats.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MaxAbsScaler, OneHotEncoder

    numeric = [c for c in frame.columns if _is_numeric(frame[c])]
    other = [c for c in frame.columns if c not in numeric]
    if mode == "off":
        return ColumnTransformer([("columns", "passthrough", list(frame.columns))])
    parts: list[tuple[str, Any, list[Any]]] = []
    if numeric:
        parts.append(
            (
                "numeric",
                make_pipeline(SimpleImputer(strategy="median"), MaxAbsScaler()),
                numeric,
            )
        )
    if other:
        parts.append(
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False, max_categories=50),
                ),
                other,
            )
        )
    return ColumnTransformer(parts, sparse_threshold=0.0)


def _is_numeric(column: Any) -> bool:
    return bool(np.issubdtype(column.dtype, np.number)) or column.dtype == bool


class _Fitted(BaseEstimator):  # type: ignore[misc]
    """A model the search has fitted: `fit` keeps it as it is, so a Pipeline of it is a
    valid (already fitted) estimator."""

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, X: Any, y: Any = None) -> Any:
        return self


class LabeledModel(_Fitted):
    """The engine's fitted estimator, predicting the training labels (`classes_`)."""

    def __init__(self, model: Any, classes: Sequence[Any] | None = None) -> None:
        self.model = model
        self.classes = classes
        self.classes_ = None if classes is None else np.asarray(classes)

    def predict(self, X: Any) -> Any:
        predicted = np.asarray(self.model.predict(X))
        if self.classes_ is None:
            return predicted
        return self.classes_[predicted.astype(int)]

    def predict_proba(self, X: Any) -> Any:
        return np.asarray(self.model.predict_proba(X))


class VotingModel(_Fitted):
    """A soft-voting ensemble of fitted models with weights."""

    def __init__(self, models: Sequence[Any], weights: Sequence[float], task: str) -> None:
        self.models = list(models)
        self.weights = np.asarray(weights, dtype=float)
        self.task = task

    def predict_proba(self, X: Any) -> Any:
        stacked = np.stack([np.asarray(m.predict_proba(X)) for m in self.models])
        return np.tensordot(self.weights / self.weights.sum(), stacked, axes=1)

    def predict(self, X: Any) -> Any:
        if self.task == "classification":
            return self.predict_proba(X).argmax(axis=1)
        stacked = np.stack([np.asarray(m.predict(X), dtype=float) for m in self.models])
        return np.tensordot(self.weights / self.weights.sum(), stacked, axes=1)


def stack_features(outputs: Sequence[Any], task: str) -> Any:
    """The meta-learner's input: each base model's output side by side (class
    probabilities, less the first class's when there are two, or the prediction)."""
    columns = []
    for output in outputs:
        array = np.asarray(output, dtype=float)
        if task != "classification":
            columns.append(array.reshape(-1, 1))
        else:
            columns.append(array[:, 1:] if array.shape[1] == 2 else array)
    return np.hstack(columns)


def full_proba(meta: Any, features: Any, n_classes: int) -> Any:
    """A fitted classifier's probabilities with a column for each of `n_classes`
    (a class its training rows lacked gets zeros)."""
    proba = np.asarray(meta.predict_proba(features), dtype=float)
    full = np.zeros((proba.shape[0], n_classes))
    full[:, np.asarray(meta.classes_, dtype=int)] = proba
    return full


class StackModel(_Fitted):
    """A stack ensemble: a meta-learner fitted on the base models' outputs."""

    def __init__(self, models: Sequence[Any], meta: Any, task: str, n_classes: int = 0) -> None:
        self.models = list(models)
        self.meta = meta
        self.task = task
        self.n_classes = n_classes

    def _features(self, X: Any) -> Any:
        if self.task == "classification":
            return stack_features([m.predict_proba(X) for m in self.models], self.task)
        return stack_features([m.predict(X) for m in self.models], self.task)

    def predict_proba(self, X: Any) -> Any:
        return full_proba(self.meta, self._features(X), self.n_classes)

    def predict(self, X: Any) -> Any:
        if self.task == "classification":
            return self.predict_proba(X).argmax(axis=1)
        return np.asarray(self.meta.predict(self._features(X)), dtype=float)


def pipeline(featurizer_step: Any, model: Any, classes: Sequence[Any] | None) -> Any:
    """Pipeline([('featurizer', ...), ('model', LabeledModel(...))])."""
    from sklearn.pipeline import Pipeline

    return Pipeline([("featurizer", featurizer_step), ("model", LabeledModel(model, classes))])
