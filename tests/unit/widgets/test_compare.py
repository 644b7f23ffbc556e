"""ExperimentDetails' pure data functions: service answers -> widget state and chart data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from runwatch import ValidationError
from runwatch.core import _ranking
from runwatch.core._queries import TableQuery
from runwatch.core._ranking import Goal
from runwatch.views import _compare
from runwatch.views._rest_shapes import OverlayBody, RunsTable, ScatterBody, ScatterPoint


def column(key: str, group: str, numeric: bool, label: str | None = None) -> dict[str, object]:
    return {"key": key, "label": label or key.partition(":")[2] or key, "group": group,
            "numeric": numeric}  # fmt: skip


COLUMNS = [
    column("number", "run", True, "number"),
    column("status", "run", False, "status"),
    column("duration", "run", True, "duration"),
    column("tag:team", "tag", False),
    column("property:hyperparameters", "property", False),
    column("property:param.alpha", "property", True),
    column("metric:accuracy", "metric", True),
    column("metric:mse", "metric", True),
]


def test_table_state_carries_the_page_and_the_query() -> None:
    body: RunsTable = {
        "cursor": 7,
        "unchanged": False,
        "total": 2,
        "offset": 0,
        "limit": 100,
        "status_counts": {"Completed": 1, "Running": 1},
        "columns": COLUMNS,  # type: ignore[typeddict-item]
        "rows": [
            {
                "id": "a",
                "number": 2,
                "status": "Running",
                "display_name": None,
                "created_time": 1.0,
                "start_time": 2.0,
                "end_time": None,
                "values": {"metric:mse": 0.5},
            },
        ],
    }
    query = TableQuery(experiment="e", sort="metric:mse", descending=False, text="x")
    state = _compare.table_state(body, query)
    assert state["sort"] == "metric:mse" and state["descending"] is False
    assert state["text"] == "x" and state["statuses"] == []
    assert state["rows"][0]["values"] == {"metric:mse": 0.5}
    assert [c["key"] for c in state["columns"]] == [c["key"] for c in COLUMNS]
    assert "cursor" not in state  # the kernel keeps it


def test_a_new_sort_or_filter_goes_back_to_the_first_page() -> None:
    current = TableQuery(experiment="e", offset=200)
    query = _compare.query_from_message({"type": "table_query", "sort": "metric:mse"}, current)
    assert (query.sort, query.offset, query.descending) == ("metric:mse", 0, True)
    query = _compare.query_from_message({"statuses": ["Failed", "Completed", "Failed"]}, current)
    assert query.statuses == ("Completed", "Failed") and query.offset == 0
    query = _compare.query_from_message({"text": "  ridge "}, current)
    assert query.text == "ridge"
    # paging keeps the filters
    query = _compare.query_from_message({"offset": 300}, query)
    assert (query.offset, query.text) == (300, "ridge")


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        ({"sort": "alpha"}, "sort 'alpha' is not a column key"),
        ({"sort": "metric:"}, "is not a column key"),
        ({"descending": "yes"}, "descending 'yes' must be true or false"),
        ({"statuses": ["Done"]}, "must be a list of run statuses"),
        ({"statuses": "Completed"}, "must be a list of run statuses"),
        ({"offset": -1}, "offset -1 must be an integer >= 0"),
        ({"offset": True}, "offset True"),
        ({"text": "x" * 201}, "<= 200 chars"),
    ],
)
def test_bad_queries_are_refused_by_name(message: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle.replace("(", r"\(").replace("]", r"\]")):
        _compare.query_from_message(message, TableQuery(experiment="e"))


def test_selection_keeps_order_drops_repeats_and_has_a_limit() -> None:
    assert _compare.selection_from_message({"ids": ["b", "a", "b"]}) == ["b", "a"]
    with pytest.raises(ValidationError, match="at most 50"):
        _compare.selection_from_message({"ids": [f"r{i}" for i in range(51)]})
    with pytest.raises(ValidationError, match="must be a list of run ids"):
        _compare.selection_from_message({"ids": "a"})


def test_axes_offer_numeric_columns_and_default_to_parameter_and_primary_metric() -> None:
    options = _compare.axis_options(COLUMNS)  # type: ignore[arg-type]
    assert [key for _label, key in options] == [
        "number", "duration", "property:param.alpha", "metric:accuracy", "metric:mse",
    ]  # fmt: skip
    assert ("param.alpha (property)", "property:param.alpha") in options
    assert _compare.default_axes(COLUMNS, "mse") == ("property:param.alpha", "metric:mse")  # type: ignore[arg-type]
    assert _compare.default_axes(COLUMNS, None) == ("property:param.alpha", "metric:accuracy")  # type: ignore[arg-type]
    bare = [column("number", "run", True), column("status", "run", False)]
    assert _compare.default_axes(bare, None) == ("number", None)  # type: ignore[arg-type]
    assert _compare.metric_options(COLUMNS) == [("accuracy", "accuracy"), ("mse", "mse")]  # type: ignore[arg-type]


def scatter_body(ys: list[float | None], goal: Goal | None = "min") -> ScatterBody:
    """A scatter answer as the service gives it: the best run decided by `_ranking`."""
    points: list[ScatterPoint] = [
        {
            "id": f"r{i}",
            "number": i + 1,
            "status": "Completed",
            "display_name": None,
            "x": i / 10,
            "y": y,
        }
        for i, y in enumerate(ys)
    ]
    return {
        "cursor": 1,
        "unchanged": False,
        "x": column("property:param.alpha", "property", True),  # type: ignore[typeddict-item]
        "y": column("metric:mse", "metric", True),  # type: ignore[typeddict-item]
        "points": points,
        "goal": goal,
        "goal_source": None if goal is None else "request",
        "best": _ranking.best_run(((p["id"], p["number"], p["y"]) for p in points), goal),
    }


def test_scatter_drops_runs_without_values_and_marks_the_answers_best() -> None:
    data = _compare.scatter_data(scatter_body([0.4, None, 0.1, math.inf, 0.3]))
    assert data.ids == ["r0", "r2", "r4"] and data.missing == 2
    assert data.x.tolist() == [0.0, 0.2, 0.4]
    assert data.best == 1 and data.names[1] == "#3 · r2" and data.goal == "min"
    assert data.x_label == "param.alpha (property)" and data.y_label == "mse"
    assert _compare.scatter_data(scatter_body([0.4, 0.1, 0.3], "max")).best == 0
    assert _compare.scatter_data(scatter_body([None])).best is None


def test_without_a_goal_no_run_is_best() -> None:
    data = _compare.scatter_data(scatter_body([0.4, 0.1, 0.3], None))
    assert data.best is None and data.goal is None


def test_overlay_lines_by_run_number_with_gaps_as_nan() -> None:
    body: OverlayBody = {
        "cursor": 3,
        "unchanged": False,
        "metric": "mse",
        "series": [
            {
                "id": "b",
                "number": 12,
                "display_name": None,
                "count": 2,
                "x": [0, 1],
                "y": [1.0, None],
            },
            {"id": "a", "number": 3, "display_name": None, "count": 1, "x": [0], "y": [2.0]},
            {"id": "c", "number": 4, "display_name": None, "count": 0, "x": [], "y": []},
        ],
    }
    lines = _compare.overlay_lines(body)
    assert [line.label for line in lines] == ["#3", "#12"]  # c logged nothing: no line
    assert np.isnan(lines[1].y[1]) and lines[1].x.tolist() == [0.0, 1.0]


def test_chart_axes_fit_the_values_with_whole_ticks_for_whole_numbers() -> None:
    import bqplot

    from runwatch.widgets._charts import fit

    scale, axis = bqplot.LinearScale(), bqplot.Axis(scale=bqplot.LinearScale())
    fit(scale, axis, [1.0])  # one run number: 0 to 2, ticks 0, 1, 2 (not 0.9 to 1.1)
    assert (scale.min, scale.max) == (0.0, 2.0)
    assert list(axis.tick_values) == [0.0, 1.0, 2.0]
    fit(scale, axis, [0, 1, 2, 3])  # steps: no tick at 0.5, no point on the frame
    assert scale.min < 0 and scale.max > 3
    assert list(axis.tick_values) == [0.0, 1.0, 2.0, 3.0]  # whole, and inside the frame
    fit(scale, axis, [0.25, 0.5, float("nan")])  # fractions: bqplot's own ticks
    assert axis.tick_values is None and scale.min < 0.25 < 0.5 < scale.max
    fit(scale, axis, [])
    assert scale.min is None and scale.max is None
