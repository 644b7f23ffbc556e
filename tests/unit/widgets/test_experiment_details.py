"""ExperimentDetails, kernel side, without a browser (ipywidgets' comms are dummies
outside a kernel; tests/browser/test_experiment_details.py covers the frontend)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from _hostile import ALL, assert_escaped, assert_no_markup, hostile_run
from _waiting import wait_until

import runwatch
from runwatch import Experiment, Run, ValidationError
from runwatch.widgets import ExperimentDetails, RunDetails
from runwatch.widgets._poller import POLLER

ALPHAS = [0.1, 0.3, 0.5, 0.7, 0.9]


def sweep_like(exp: Experiment, finish: bool = True) -> Run:
    """A parent with one child per alpha, each logging an mse series (best at 0.5)."""
    parent = exp.start_logging()
    parent.add_properties({"primary_metric_name": "mse", "primary_metric_goal": "MINIMIZE"})
    for alpha in ALPHAS:
        child = parent.child_run()
        child.add_properties({"param.alpha": alpha})
        child.tag("team", "blue" if alpha < 0.5 else "red")
        for epoch in range(3):
            child.log("mse", (alpha - 0.5) ** 2 + 1 / (epoch + 1))
        child.complete()
    if finish:
        parent.complete()
    return parent


def message(widget: ExperimentDetails, **content: object) -> None:
    widget._on_message(widget.runs, content, [])


def numbers(widget: ExperimentDetails) -> list[int]:
    return [row["number"] for row in widget.runs.table["rows"]]


def test_sweep_table_scatter_and_no_polling_once_final(exp: Experiment) -> None:
    parent = sweep_like(exp)
    widget = ExperimentDetails(parent)
    state = widget.runs.table
    assert state["total"] == 5 and len(state["rows"]) == 5
    assert state["status_counts"] == {"Completed": 5}
    keys = [c["key"] for c in state["columns"]]
    assert {"property:param.alpha", "metric:mse", "tag:team"} <= set(keys)
    assert numbers(widget) == sorted(numbers(widget), reverse=True)  # newest first
    assert widget.runs.scope["parent_id"] == parent.id
    assert widget.runs.scope["title"].startswith("Sweep ")
    # default axes: the parameter against the primary metric; best = lowest mse, at 0.5
    assert (widget.x_axis.value, widget.y_axis.value) == ("property:param.alpha", "metric:mse")
    points = widget.scatter.points
    assert len(points.x) == 5 and sorted(points.x.tolist()) == ALPHAS
    assert widget.scatter.best.x.tolist() == [0.5]
    assert widget.scatter.best.names[0].endswith(widget.scatter.points.names[2].split(" · ")[1])
    assert widget.done and not widget.runs.polling  # everything final: no polling
    html = widget._repr_mimebundle_()["text/html"]
    assert "param.alpha" in html and "5 runs" in html
    widget.close()


def test_sorting_filtering_and_paging_messages(exp: Experiment) -> None:
    widget = ExperimentDetails(sweep_like(exp))
    message(widget, type="table_query", sort="metric:mse", descending=False)
    values = [row["values"]["metric:mse"] for row in widget.runs.table["rows"]]
    assert values == sorted(values) and widget.runs.table["sort"] == "metric:mse"
    message(widget, type="table_query", text="nothing matches this")
    assert widget.runs.table["total"] == 0 and widget.runs.table["rows"] == []
    message(widget, type="table_query", text="", statuses=["Failed"])
    assert widget.runs.table["total"] == 0
    assert widget.runs.table["status_counts"] == {"Completed": 5}  # counts ignore the chip
    message(widget, type="table_query", statuses=[])
    assert widget.runs.table["total"] == 5
    message(widget, type="table_query", sort="bogus")
    assert "sort 'bogus' is not a column key" in widget.runs.notice
    assert widget.runs.table["total"] == 5  # the bad message changed nothing
    message(widget, type="table_query", sort="number")
    assert widget.runs.notice == ""
    widget.close()


def test_paging_ten_pages(exp: Experiment) -> None:
    for i in range(230):
        exp.start_logging().complete() if i % 2 else exp.start_logging().fail()
    widget = ExperimentDetails(exp)
    assert widget.runs.table["total"] == 230 and len(widget.runs.table["rows"]) == 100
    message(widget, type="table_query", offset=200)
    assert numbers(widget) == list(range(30, 0, -1))
    message(widget, type="table_query", statuses=["Failed"])
    assert widget.runs.table["offset"] == 0 and widget.runs.table["total"] == 115
    widget.close()


def test_ticked_runs_are_overlaid_by_run_number(exp: Experiment) -> None:
    widget = ExperimentDetails(sweep_like(exp))
    assert widget.overlay_metric.value == "mse"
    assert widget.overlay.lines.labels == []
    rows = widget.runs.table["rows"]
    message(widget, type="select", ids=[rows[0]["id"], rows[3]["id"]])
    assert widget.runs.selected == [rows[0]["id"], rows[3]["id"]]
    # A sweep's trials go by their index ("Trial 7"), in run-number order.
    expected = sorted([rows[0], rows[3]], key=lambda row: row["number"])
    assert widget.overlay.lines.labels == [row["trial_label"] for row in expected]
    assert all(str(label).startswith("Trial ") for label in widget.overlay.lines.labels)
    assert widget.overlay.lines.y.shape == (2, 3)  # three epochs each
    message(widget, type="select", ids=[f"r{i}" for i in range(51)])
    assert "at most 50" in widget.runs.notice
    assert len(widget.overlay.lines.labels) == 2
    widget.close()


def test_axes_chosen_by_the_user_redraw_the_scatter(exp: Experiment) -> None:
    widget = ExperimentDetails(sweep_like(exp))
    widget.x_axis.value = "number"
    assert widget.scatter.x_axis.label == "Trial"  # a sweep's trials go by their index
    # Y is the sweep's primary metric: the sweep's goal holds, the picker is locked.
    assert widget.y_axis.value == "metric:mse"
    assert widget.best_goal.value == "min" and widget.best_goal.disabled
    assert widget.scatter.best.y.tolist() == [min(widget.scatter.points.y)]
    # Another Y has no goal until the user picks one.
    widget.y_axis.value = "property:param.alpha"
    assert not widget.best_goal.disabled
    widget.best_goal.value = ""
    assert widget.scatter.best.y.tolist() == [] and "no goal" in widget.scatter.figure.title
    widget.best_goal.value = "max"
    assert widget.scatter.best.y.tolist() == [max(widget.scatter.points.y)]
    assert widget.scatter.best.labels == ["best (highest)"]
    widget.close()


def test_opening_a_run_in_place_and_back(exp: Experiment) -> None:
    parent = sweep_like(exp)
    widget = ExperimentDetails(parent)
    child_id = widget.runs.table["rows"][1]["id"]
    message(widget, type="open_run", id=child_id)
    assert isinstance(widget.detail, RunDetails) and widget.detail.run.id == child_id
    assert widget.children == (widget.back, widget.detail)
    detail = widget.detail
    widget.close_run()
    assert widget.children == widget.dashboard and detail.done
    message(widget, type="open_run", id=parent.id)  # not one of the compared runs
    assert "is not one of the runs of run" in widget.runs.notice
    assert widget.detail is None
    widget.close()


def test_live_experiment_polls_until_no_run_is_active(exp: Experiment) -> None:
    done = exp.start_logging()
    done.complete()
    live = exp.start_logging()
    live.log("loss", 1.0)
    live.flush()
    widget = ExperimentDetails(exp, refresh_interval=0.2)
    assert widget.runs.polling and not widget.done and POLLER.thread is not None
    assert widget.runs.table["status_counts"] == {"Completed": 1, "Running": 1}
    live.log("loss", 0.5)
    live.complete()
    assert wait_until(lambda: widget.done)
    assert widget.runs.table["status_counts"] == {"Completed": 2}
    assert not widget.runs.polling
    assert wait_until(lambda: widget not in POLLER._widgets)
    widget.close()


def test_a_filter_does_not_hide_active_runs_from_the_stop_rule(exp: Experiment) -> None:
    live = exp.start_logging()
    exp.start_logging().complete()
    widget = ExperimentDetails(exp, refresh_interval=0.2)
    message(widget, type="table_query", statuses=["Completed"])
    widget.refresh()
    assert not widget.done  # the Running run is filtered out of the page, not finished
    widget.close()
    assert widget.done
    live.complete()


def test_export_csv_writes_every_filtered_row(exp: Experiment) -> None:
    widget = ExperimentDetails(sweep_like(exp))
    message(widget, type="export_csv")
    written = Path.cwd() / "unit-runs.csv"  # the current folder: the notebook's in Jupyter
    assert written.exists() and "unit-runs.csv" in widget.runs.notice
    rows = list(csv.reader(written.open(encoding="utf-8")))
    assert len(rows) == 6 and any("alpha" in cell for cell in rows[0])
    widget.close()


def test_bad_input_has_clear_errors(exp: Experiment, run: Run) -> None:
    with pytest.raises(
        ValidationError, match=r"expects a runwatch\.Experiment .* got 42 of type int"
    ):
        ExperimentDetails(42)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="refresh_interval 0 must be a number of seconds"):
        ExperimentDetails(exp, refresh_interval=0)
    with pytest.raises(ValidationError, match=r"use ExperimentDetails\(experiment\)"):
        RunDetails(exp)  # type: ignore[arg-type]
    widget = ExperimentDetails(run)  # a run without children: an empty table
    assert widget.runs.table["total"] == 0
    assert widget.scatter.figure.title.startswith("Nothing to plot yet")
    message(widget, type="nonsense")
    assert "unknown message" in widget.runs.notice
    widget.close()


def test_exported_lazily_from_runwatch() -> None:
    assert runwatch.ExperimentDetails is ExperimentDetails
    assert "ExperimentDetails" in runwatch.__all__


def test_summary_html_escapes_every_user_string(exp: Experiment) -> None:
    hostile_run(exp)
    widget = ExperimentDetails(exp)
    try:
        page = widget.summary_html()
    finally:
        widget.close()
    assert_no_markup(page)
    for text in ("display", "tag", "property", "metric"):
        assert_escaped(page, f"{text} {ALL}")
    assert_escaped(page, f"value {ALL}")  # the tag's and the property's
