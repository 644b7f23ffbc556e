"""Model-evaluation documents: confusion matrices, accuracy tables, residuals, predictions.

Each is a JSON document `{"schema_type", "schema_version", "data"}` in the shapes the
Azure ML v1 `Run.log_confusion_matrix` (and friends) take. `document()` checks one
completely and returns it as plain JSON values (numpy arrays and scalars become lists
and Python numbers, NaN becomes None), so the logging calls, the builders and the
views all agree on what a valid document is.

    confusion_matrix  data: class_labels [C], matrix [C][C] of counts (row: true class)
    accuracy_table    data: class_labels [C], probability_thresholds [M],
                            probability_tables [C][M][4], percentile_thresholds [P],
                            percentile_tables [C][P][4]; the 4 are TP, FP, TN, FN
    residuals         data: bin_edges [K+1] increasing, bin_counts [K]
    predictions       data: bin_edges [K+1] increasing, bin_averages [K], bin_errors [K],
                            bin_counts [K] (average and error None in an empty bin)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from runwatch.errors import ValidationError

if TYPE_CHECKING:
    import numpy as np

CONFUSION_MATRIX = "confusion_matrix"
ACCURACY_TABLE = "accuracy_table"
RESIDUALS = "residuals"
PREDICTIONS = "predictions"

#: The schema versions of each document type that Azure ML's tools write and read.
SCHEMA_VERSIONS: dict[str, tuple[str, ...]] = {
    CONFUSION_MATRIX: ("1.0.0",),
    ACCURACY_TABLE: ("1.0.0", "1.0.1"),
    RESIDUALS: ("1.0.0",),
    PREDICTIONS: ("1.0.0",),
}
#: The version the builders write.
CURRENT_VERSION = {
    CONFUSION_MATRIX: "1.0.0",
    ACCURACY_TABLE: "1.0.1",
    RESIDUALS: "1.0.0",
    PREDICTIONS: "1.0.0",
}
#: The logging call of each document type.
CALLS = {
    CONFUSION_MATRIX: "log_confusion_matrix",
    ACCURACY_TABLE: "log_accuracy_table",
    RESIDUALS: "log_residuals",
    PREDICTIONS: "log_predictions",
}


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain(value: Any) -> Any:
    """`value` with numpy arrays and scalars (and tuples) turned into lists and Python values."""
    try:  # the common case, through the C encoder: tables of a few thousand numbers
        return json.loads(json.dumps(value, default=_json_value))
    except (TypeError, ValueError):  # not JSON as it stands (say, non-text keys): walk it
        return _walk(value)


def _json_value(value: Any) -> Any:
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _walk(value: Any) -> Any:
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return _walk(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_walk(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _walk(v) for k, v in value.items()}
    return value


def document(value: Any, schema_type: str, where: str) -> dict[str, Any]:
    """`value` (a dict or its JSON text) checked as a `schema_type` document, as plain JSON.

    Raises ValidationError naming the first thing wrong.
    """
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise ValidationError(f"{where}: value is not valid JSON ({error})") from None
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{where}: value must be a dict or its JSON text with schema_type, schema_version "
            f"and data; got {type(value).__name__} {_short(value)}"
        )
    doc: dict[str, Any] = plain(value)
    missing = [key for key in ("schema_type", "schema_version", "data") if key not in doc]
    if missing:
        raise ValidationError(f"{where}: the document has no {', '.join(missing)}")
    given = doc["schema_type"]
    if given != schema_type:
        if given in CALLS:
            raise ValidationError(
                f"{where}: schema_type is {given!r}; log it with run.{CALLS[given]}(), "
                f"this call takes {schema_type!r} documents"
            )
        raise ValidationError(
            f"{where}: unknown schema_type {_short(given)}; expected {schema_type!r}"
        )
    version = doc["schema_version"]
    if version not in SCHEMA_VERSIONS[schema_type]:
        raise ValidationError(
            f"{where}: schema_version {_short(version)} is not one runwatch reads for "
            f"{schema_type}; expected one of {list(SCHEMA_VERSIONS[schema_type])}"
        )
    data = doc["data"]
    if not isinstance(data, dict):
        raise ValidationError(f"{where}: data must be a dict, got {_short(data)}")
    _CHECKS[schema_type](data, f"{where}: data")
    try:
        json.dumps(doc, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"{where}: the document cannot be stored as JSON ({error})") from None
    return doc


# --- pieces ---------------------------------------------------------------------------------
def _field(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise ValidationError(f"{where} has no {key!r}")
    return data[key]


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(f"{what} must be a list, got {_short(value)}")
    return value


def _number(value: Any, what: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(f"{what} must be a finite number, got {_short(value)}")
    if minimum is not None and value < minimum:
        raise ValidationError(f"{what} must be at least {minimum:g}, got {value!r}")
    return value


def _numbers(
    data: dict[str, Any], key: str, where: str, *, minimum: float | None = None
) -> list[Any]:
    values = _list(_field(data, key, where), f"{where}[{key!r}]")
    for i, v in enumerate(values):
        _number(v, f"{where}[{key!r}][{i}]", minimum=minimum)
    return values


def _labels(data: dict[str, Any], where: str) -> list[Any]:
    labels = _list(_field(data, "class_labels", where), f"{where}['class_labels']")
    if not labels:
        raise ValidationError(f"{where}['class_labels'] is empty; expected at least one label")
    for i, label in enumerate(labels):
        if not isinstance(label, (str, int, float)) or isinstance(label, bool):
            raise ValidationError(
                f"{where}['class_labels'][{i}] must be a str or number, got {_short(label)}"
            )
    seen = [str(label) for label in labels]
    if len(set(seen)) != len(seen):
        repeated = sorted({s for s in seen if seen.count(s) > 1})
        raise ValidationError(f"{where}['class_labels'] repeats {repeated}")
    return labels


def _increasing(values: list[Any], what: str) -> None:
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            raise ValidationError(
                f"{what} must increase; item {i} ({values[i]!r}) is not above item {i - 1} "
                f"({values[i - 1]!r})"
            )


def _thresholds(data: dict[str, Any], key: str, where: str) -> list[Any]:
    values = _numbers(data, key, where)
    if not values:
        raise ValidationError(f"{where}[{key!r}] is empty")
    for i, v in enumerate(values):
        if not 0 <= v <= 1:
            raise ValidationError(f"{where}[{key!r}][{i}] is {v!r}; thresholds lie in [0, 1]")
        if i and v < values[i - 1]:
            raise ValidationError(
                f"{where}[{key!r}] must not decrease; item {i} ({v!r}) is below item {i - 1}"
            )
    return values


def _counts_array(value: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """`value` as an array when it is plainly a `shape` of finite counts >= 0, else None
    (then the checks walk it item by item to name what is wrong)."""
    import numpy as np  # here: `import runwatch` does without it

    try:
        array = np.asarray(value)
    except ValueError:  # ragged
        return None
    if array.shape != shape or array.dtype.kind not in "iuf":
        return None
    if not (np.isfinite(array).all() and (array >= 0).all()):
        return None
    text = json.dumps(value)  # a bool among numbers becomes a number in the array
    return None if "true" in text or "false" in text else array


def _tables(data: dict[str, Any], key: str, where: str, classes: int, thresholds: int) -> None:
    what = f"{where}[{key!r}]"
    tables = _list(_field(data, key, where), what)
    array = _counts_array(tables, (classes, thresholds, 4))
    if array is not None and array.size:
        totals = array.sum(axis=2)
        per_class = array[:, :, 0] + array[:, :, 3]  # TP + FN: the class's positives
        if (totals == totals.flat[0]).all() and (per_class == per_class[:, :1]).all():
            return
    if len(tables) != classes:
        raise ValidationError(
            f"{what} has {len(tables)} tables; expected one per class label ({classes})"
        )
    total: float | None = None
    for c, table in enumerate(tables):
        _list(table, f"{what}[{c}]")
        if len(table) != thresholds:
            raise ValidationError(
                f"{what}[{c}] has {len(table)} rows; expected one per threshold ({thresholds})"
            )
        positives: float | None = None
        for m, row in enumerate(table):
            cell = f"{what}[{c}][{m}]"
            if not isinstance(row, list) or len(row) != 4:
                raise ValidationError(f"{cell} must be [TP, FP, TN, FN], got {_short(row)}")
            for v in row:
                _number(v, cell, minimum=0)
            tp, fp, tn, fn = row
            if total is None:
                total = tp + fp + tn + fn
            elif tp + fp + tn + fn != total:
                raise ValidationError(
                    f"{cell} = {row} counts {tp + fp + tn + fn} samples; the earlier rows "
                    f"count {total} (TP + FP + TN + FN is the same in every row)"
                )
            if positives is None:
                positives = tp + fn
            elif tp + fn != positives:
                raise ValidationError(
                    f"{cell} = {row} has TP + FN = {tp + fn}; the class's earlier rows have "
                    f"{positives} (the positives of a class do not change with the threshold)"
                )


# --- the four documents ---------------------------------------------------------------------
def _confusion_matrix(data: dict[str, Any], where: str) -> None:
    labels = _labels(data, where)
    matrix = _list(_field(data, "matrix", where), f"{where}['matrix']")
    if len(matrix) != len(labels):
        raise ValidationError(
            f"{where}['matrix'] has {len(matrix)} rows; expected one per class label "
            f"({len(labels)})"
        )
    for i, row in enumerate(matrix):
        _list(row, f"{where}['matrix'][{i}]")
        if len(row) != len(labels):
            raise ValidationError(
                f"{where}['matrix'][{i}] has {len(row)} cells; the matrix must be square, "
                f"one row and one column per class label ({len(labels)})"
            )
        for j, v in enumerate(row):
            _number(v, f"{where}['matrix'][{i}][{j}]", minimum=0)


def _accuracy_table(data: dict[str, Any], where: str) -> None:
    labels = _labels(data, where)
    for kind in ("probability", "percentile"):
        thresholds = _thresholds(data, f"{kind}_thresholds", where)
        _tables(data, f"{kind}_tables", where, len(labels), len(thresholds))


def _edges_and_counts(data: dict[str, Any], where: str) -> int:
    edges = _numbers(data, "bin_edges", where)
    if len(edges) < 2:
        raise ValidationError(f"{where}['bin_edges'] needs at least 2 edges, got {len(edges)}")
    _increasing(edges, f"{where}['bin_edges']")
    counts = _numbers(data, "bin_counts", where, minimum=0)
    if len(counts) != len(edges) - 1:
        raise ValidationError(
            f"{where}['bin_counts'] has {len(counts)} items; with {len(edges)} bin_edges "
            f"expected {len(edges) - 1} (one edge more than counts)"
        )
    return len(counts)


def _residuals(data: dict[str, Any], where: str) -> None:
    _edges_and_counts(data, where)


def _predictions(data: dict[str, Any], where: str) -> None:
    bins = _edges_and_counts(data, where)
    counts = data["bin_counts"]
    for key in ("bin_averages", "bin_errors"):
        values = _list(_field(data, key, where), f"{where}[{key!r}]")
        if len(values) != bins:
            raise ValidationError(
                f"{where}[{key!r}] has {len(values)} items; expected one per bin ({bins}, "
                "as bin_counts)"
            )
        for i, v in enumerate(values):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                if counts[i]:
                    raise ValidationError(
                        f"{where}[{key!r}][{i}] is {v!r} but the bin holds {counts[i]} values"
                    )
                values[i] = None
            else:
                _number(v, f"{where}[{key!r}][{i}]", minimum=0 if key == "bin_errors" else None)


_CHECKS = {
    CONFUSION_MATRIX: _confusion_matrix,
    ACCURACY_TABLE: _accuracy_table,
    RESIDUALS: _residuals,
    PREDICTIONS: _predictions,
}
