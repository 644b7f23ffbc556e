"""run.log_confusion_matrix / log_accuracy_table / log_residuals / log_predictions:
round trips through the store, and bad documents rejected with nothing lost."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runwatch import Run, ValidationError

CONFUSION = {
    "schema_type": "confusion_matrix",
    "schema_version": "1.0.0",
    "data": {
        "class_labels": ["0", "1", "2", "3"],
        "matrix": [[3, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1]],
    },
}
ACCURACY = {
    "schema_type": "accuracy_table",
    "schema_version": "1.0.1",
    "data": {
        "probability_tables": [
            [[5, 5, 0, 0], [4, 1, 4, 1], [0, 0, 5, 5]],
            [[5, 5, 0, 0], [3, 2, 3, 2], [0, 0, 5, 5]],
        ],
        "percentile_tables": [
            [[5, 5, 0, 0], [5, 2, 3, 0], [1, 0, 5, 4]],
            [[5, 5, 0, 0], [4, 3, 2, 1], [1, 0, 5, 4]],
        ],
        "probability_thresholds": [0.0, 0.5, 1.0],
        "percentile_thresholds": [0.0, 0.4, 0.9],
        "class_labels": ["cat", "dog"],
    },
}
RESIDUALS = {
    "schema_type": "residuals",
    "schema_version": "1.0.0",
    "data": {"bin_edges": [50, 100, 200, 300, 350], "bin_counts": [0.88, 20, 30, 50.99]},
}
PREDICTIONS = {
    "schema_type": "predictions",
    "schema_version": "1.0.0",
    "data": {
        "bin_averages": [0.25, 0.75],
        "bin_errors": [0.013, 0.042],
        "bin_counts": [56, 34],
        "bin_edges": [0.0, 0.5, 1.0],
    },
}
DOCS = {
    "log_confusion_matrix": CONFUSION,
    "log_accuracy_table": ACCURACY,
    "log_residuals": RESIDUALS,
    "log_predictions": PREDICTIONS,
}


@pytest.mark.parametrize("call", sorted(DOCS))
def test_round_trip_dict_and_json(run: Run, call: str) -> None:
    doc = DOCS[call]
    getattr(run, call)("as_dict", doc, description="a document")
    getattr(run, call)("as_json", json.dumps(doc))
    run.flush()
    fresh = Run(run.experiment, run.id)
    metrics = fresh.get_metrics(populate=True)
    assert metrics["as_dict"] == doc
    assert metrics["as_json"] == doc
    assert fresh.get_metrics("as_dict", populate=True) == {"as_dict": doc}


def test_as_azure_the_document_is_a_run_file_and_get_metrics_gives_its_location(
    run: Run, tmp_path: Path
) -> None:
    run.log_confusion_matrix("cm", CONFUSION)
    run.log_confusion_matrix("cm", CONFUSION)
    run.log_residuals("res", RESIDUALS)
    run.flush()
    fresh = Run(run.experiment, run.id)
    assert fresh.get_metrics() == {
        "cm": [f"runwatch://{run.id}/cm", f"runwatch://{run.id}/cm_2"],
        "res": f"runwatch://{run.id}/res",
    }
    assert fresh.get_file_names() == ["cm", "cm_2", "res"]
    written = fresh.download_file("cm_2", tmp_path / "cm.json")
    assert json.loads(written.read_text()) == CONFUSION
    assert fresh.get_metrics("res", populate=True) == {"res": RESIDUALS}


def test_a_file_in_the_way_of_a_document_is_named_and_nothing_is_logged(
    run: Run, tmp_path: Path
) -> None:
    (tmp_path / "cm").write_text("mine")
    run.upload_file("cm", str(tmp_path / "cm"))
    with pytest.raises(ValidationError, match="already has a file named 'cm'"):
        run.log_confusion_matrix("cm", CONFUSION)
    run.flush()
    assert Run(run.experiment, run.id).get_metrics() == {}


def test_numpy_values_are_stored_as_plain_json(run: Run) -> None:
    doc = copy.deepcopy(CONFUSION)
    doc["data"]["matrix"] = np.array(CONFUSION["data"]["matrix"], dtype=np.int64)
    run.log_confusion_matrix("cm", doc)
    run.flush()
    got = Run(run.experiment, run.id).get_metrics("cm", populate=True)["cm"]
    assert got == CONFUSION
    assert type(got["data"]["matrix"][0][0]) is int


def test_logged_again_is_a_list_in_order(run: Run) -> None:
    second = copy.deepcopy(RESIDUALS)
    second["data"]["bin_counts"] = [1, 2, 3, 4]
    run.log_residuals("res", RESIDUALS)
    run.log_residuals("res", second)
    run.complete()
    assert Run(run.experiment, run.id).get_metrics("res", populate=True)["res"] == [
        RESIDUALS,
        second,
    ]


def test_empty_prediction_bin_may_have_no_average(run: Run) -> None:
    doc = copy.deepcopy(PREDICTIONS)
    doc["data"]["bin_counts"] = [56, 0]
    doc["data"]["bin_averages"] = [0.25, float("nan")]
    doc["data"]["bin_errors"] = [0.013, None]
    run.log_predictions("pred", doc)
    got = run.get_metrics("pred", populate=True)["pred"]
    assert got["data"]["bin_averages"] == [0.25, None]
    assert got["data"]["bin_errors"] == [0.013, None]


# --- bad input ---------------------------------------------------------------------------
@pytest.fixture
def logged(run: Run) -> Run:
    run.log("loss", 0.5)
    run.log_confusion_matrix("cm", CONFUSION)
    run.flush()
    return run


def _intact(run: Run) -> None:
    fresh = Run(run.experiment, run.id)
    assert fresh.get_metrics(populate=True) == {"loss": 0.5, "cm": CONFUSION}


def _changed(doc: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


_DELETE = object()

BAD = [
    ("log_confusion_matrix", "{not json", ["not valid JSON"]),
    ("log_confusion_matrix", [1, 2], ["must be a dict", "list"]),
    ("log_confusion_matrix", _changed(CONFUSION, ["data"], _DELETE), ["no data"]),
    (
        "log_confusion_matrix",
        _changed(CONFUSION, ["schema_type"], "heatmap"),
        ["unknown", "heatmap"],
    ),
    ("log_confusion_matrix", RESIDUALS, ["'residuals'", "log_residuals"]),
    (
        "log_confusion_matrix",
        _changed(CONFUSION, ["schema_version"], "2.0.0"),
        ["'2.0.0'", "1.0.0"],
    ),
    (
        "log_confusion_matrix",
        _changed(CONFUSION, ["data", "matrix", 1], [0, 1, 0]),
        ["['matrix'][1]", "3 cells", "square"],
    ),
    (
        "log_confusion_matrix",
        _changed(CONFUSION, ["data", "class_labels"], ["a", "b"]),
        ["4 rows", "class label (2)"],
    ),
    (
        "log_confusion_matrix",
        _changed(CONFUSION, ["data", "matrix", 0, 0], -1),
        ["['matrix'][0][0]", "at least 0", "-1"],
    ),
    (
        "log_confusion_matrix",
        _changed(CONFUSION, ["data", "class_labels"], ["a", "b", "a", "c"]),
        ["repeats", "'a'"],
    ),
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "probability_thresholds"], [0.0, 0.5, 1.5]),
        ["probability_thresholds'][2]", "1.5", "[0, 1]"],
    ),
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "percentile_thresholds"], [0.0, 0.4]),
        ["percentile_tables'][0]", "3 rows", "(2)"],
    ),
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "class_labels"], ["cat"]),
        ["2 tables", "(1)"],
    ),
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "probability_tables", 0, 1], [4, 1, 4]),
        ["[TP, FP, TN, FN]"],
    ),
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "probability_tables", 1, 1], [3, 2, 3, 3]),
        ["11 samples", "count 10"],
    ),
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "probability_tables", 1, 1], [4, 2, 2, 2]),
        ["TP + FN = 6", "earlier rows have 5"],
    ),
    # The tables are checked as whole arrays first; anything off is then named item by item.
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "probability_tables", 0, 1, 2], True),
        ["probability_tables'][0][1]", "finite number", "True"],
    ),
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "percentile_tables", 1, 0, 0], float("nan")),
        ["percentile_tables'][1][0]", "finite number", "nan"],
    ),
    (
        "log_accuracy_table",
        _changed(ACCURACY, ["data", "percentile_tables", 1, 2], [1, 2, 3, 4, 5]),
        ["percentile_tables'][1][2]", "[TP, FP, TN, FN]"],
    ),
    (
        "log_residuals",
        _changed(RESIDUALS, ["data", "bin_counts"], [1, 2, 3]),
        ["3 items", "5 bin_edges", "expected 4"],
    ),
    (
        "log_residuals",
        _changed(RESIDUALS, ["data", "bin_edges"], [50, 100, 90, 300, 350]),
        ["must increase", "item 2"],
    ),
    (
        "log_predictions",
        _changed(PREDICTIONS, ["data", "bin_errors"], [0.1]),
        ["bin_errors", "1 items", "(2"],
    ),
    (
        "log_predictions",
        _changed(PREDICTIONS, ["data", "bin_averages"], [0.25, None]),
        ["bin_averages'][1]", "holds 34"],
    ),
    (
        "log_predictions",
        _changed(PREDICTIONS, ["data", "bin_counts"], ["56", 34]),
        ["bin_counts'][0]", "finite number", "'56'"],
    ),
]


@pytest.mark.parametrize(("call", "value", "fragments"), BAD)
def test_bad_document(logged: Run, call: str, value: Any, fragments: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        getattr(logged, call)("new", value)
    message = str(caught.value)
    assert f"run.{call}('new', ...)" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    _intact(logged)


def test_bad_document_to_an_existing_name_keeps_its_points(logged: Run) -> None:
    with pytest.raises(ValidationError):
        logged.log_confusion_matrix("cm", _changed(CONFUSION, ["data", "matrix"], [[1]]))
    _intact(logged)


def test_other_kind_under_the_same_name(logged: Run) -> None:
    with pytest.raises(ValidationError, match="log_confusion_matrix"):
        logged.log_residuals("cm", RESIDUALS)
    with pytest.raises(ValidationError, match="log_confusion_matrix"):
        logged.log("cm", 1.0)
    _intact(logged)


def test_bad_name(logged: Run) -> None:
    with pytest.raises(ValidationError, match="metric name"):
        logged.log_residuals("", RESIDUALS)
    _intact(logged)
