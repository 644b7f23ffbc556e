"""The AutoML view: the read model (views/_automl.py) and its RunDetails panel."""

from __future__ import annotations

import time

import pytest
from sklearn.datasets import load_breast_cancer

import runwatch
from runwatch import Experiment, Run, RunStatus, ValidationError
from runwatch.automl import AutoMLConfig
from runwatch.core._records import MetricBatch, MetricKind, RunType
from runwatch.views._automl import AutoMLTracker
from runwatch.widgets import RunDetails
from runwatch.widgets._automl import AutoMLPanel

VALUES = [0.90, 0.95, None, 0.93, 0.95, 0.97]  # None: a failed iteration


def _search(
    ws: runwatch.Workspace, values: list[float | None], metric: str = "AUC_weighted"
) -> Run:
    """An AutoML parent with one child per value, as the search records them."""
    info = ws.store.create_runs(
        "views",
        run_type=RunType.AUTOML,
        status=RunStatus.RUNNING,
        properties={"task": "classification", "primary_metric": metric},
    )[0]
    parent = Run.get(ws, info.id)
    for iteration, value in enumerate(values):
        child = parent.child_run()
        child.add_properties(
            {
                "iteration": iteration,
                "run_algorithm": f"MaxAbsScaler LightGBM {iteration}",
                "iteration_duration_seconds": 1.5,
            }
        )
        if value is None:
            child.fail(error_details="boom")
            continue
        child.log(metric, value)
        child.log("accuracy", 1 - value / 10)
        child.complete()
        child.flush()
    return parent


def test_rows_best_marked_and_best_so_far(ws: runwatch.Workspace) -> None:
    parent = _search(ws, VALUES)
    tracker = AutoMLTracker(ws.store, parent.id)
    assert tracker.poll()
    state = tracker.state()
    assert state["metric"] == "AUC_weighted" and state["maximize"]
    assert state["metrics"][:2] == ["AUC_weighted", "accuracy"]
    assert [r["iteration"] for r in state["rows"]] == [0, 1, 2, 3, 4, 5]
    assert [r["best"] for r in state["rows"]] == [0.90, 0.95, 0.95, 0.95, 0.95, 0.97]
    assert [r["is_best"] for r in state["rows"]] == [False] * 5 + [True]
    assert state["rows"][2]["status"] == RunStatus.FAILED and state["rows"][2]["metric"] is None
    assert state["best_iteration"] == 5 and state["best_value"] == 0.97
    assert state["chart"]["iterations"] == [0, 1, 3, 4, 5]
    assert state["chart"]["best"] == [0.90, 0.95, 0.95, 0.95, 0.97]
    by_accuracy = tracker.state("accuracy")  # 1 - AUC / 10: iteration 0 has the most
    assert by_accuracy["best_iteration"] == 0
    assert not tracker.poll()  # nothing changed: nothing read


def test_sorting_and_paging(ws: runwatch.Workspace) -> None:
    parent = _search(ws, VALUES)
    tracker = AutoMLTracker(ws.store, parent.id)
    tracker.poll()
    by_metric = tracker.state(sort="metric", descending=True)
    assert [r["iteration"] for r in by_metric["rows"]] == [5, 1, 4, 3, 0, 2]  # no value: last
    page = tracker.state(page=1, page_size=4)
    assert [r["iteration"] for r in page["rows"]] == [4, 5]
    assert (page["total"], page["page"]) == (6, 1)
    assert tracker.state(page=99, page_size=4)["page"] == 1
    with pytest.raises(ValidationError, match="not a classification metric"):
        tracker.state("r2_score")
    with pytest.raises(ValidationError, match="sort 'nope'"):
        tracker.state(sort="nope")


def test_a_refresh_reads_only_new_iterations(ws: runwatch.Workspace) -> None:
    parent = _search(ws, [0.5, 0.6])
    tracker = AutoMLTracker(ws.store, parent.id)
    tracker.poll()
    child = parent.child_run()
    child.add_properties({"iteration": 2, "run_algorithm": "VotingEnsemble"})
    assert tracker.poll()
    assert tracker.state()["rows"][-1]["status"] == RunStatus.RUNNING
    child.log("AUC_weighted", 0.7)
    child.complete()
    child.flush()
    assert tracker.poll()
    state = tracker.state()
    assert state["best_iteration"] == 2 and state["rows"][-1]["pipeline"] == "VotingEnsemble"


def test_run_details_shows_the_panel_and_opens_an_iteration(ws: runwatch.Workspace) -> None:
    parent = _search(ws, VALUES)
    details = RunDetails(parent)
    try:
        panel = details._automl
        assert isinstance(panel, AutoMLPanel)
        assert details.automl_box.children == (panel,)
        marked = [b.description for b, _ in panel._row_widgets if "★" in b.description]
        assert marked == ["5 ★"]
        panel.picker.value = "accuracy"
        assert panel.state is not None and panel.state["metric"] == "accuracy"
        assert list(panel.points.y) == pytest.approx([0.91, 0.905, 0.907, 0.905, 0.903])
        panel.headers[2].click()  # sort by the iteration metric, best first
        assert panel.state["sort"] == "metric" and panel.state["descending"]
        first_row = panel._row_widgets[0][0]
        assert first_row.description == "0 ★"  # by accuracy, iteration 0 is the best
        first_row.click()  # opens that iteration (with its evaluation charts, if any)
        assert details.tracker.run_id == panel.state["best_run_id"]
        assert details._automl is None and details.automl_box.children == ()
        details._on_message(None, {"type": "back"}, [])
        assert details.tracker.run_id == parent.id and details._automl is not None
        assert "AutoML iterations" in details.summary_html()
    finally:
        details.close()


def test_the_best_iteration_is_the_same_everywhere(agent_ws: runwatch.Workspace) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    config = AutoMLConfig(
        task="classification",
        training_data=frame,
        label_column_name="target",
        n_cross_validations=3,
        iterations=4,
        seed=5,
    )
    run = Experiment(agent_ws, "views-real").submit(config)
    deadline = time.monotonic() + 180
    while not RunStatus.is_final(run.get_status()):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    best_run, _ = run.get_output()
    tracker = AutoMLTracker(agent_ws.store, run.id)
    tracker.poll()
    assert tracker.state()["best_run_id"] == best_run.id
    by_loss = tracker.state("log_loss")
    assert by_loss["best_run_id"] == run.get_best_child(metric="log_loss").id
    details = RunDetails(run)
    try:
        assert details._automl is not None and details._automl.state is not None
        assert details._automl.state["best_run_id"] == best_run.id
    finally:
        details.close()


def test_run_of_an_automl_parent_is_an_automl_run(ws: runwatch.Workspace) -> None:
    from runwatch.automl import AutoMLRun

    parent = _search(ws, [0.5, 0.7])
    experiment = Experiment(ws, "views")
    opened = Run(experiment, parent.id)
    assert type(opened) is AutoMLRun
    assert opened.get_best_child().get_metrics()["AUC_weighted"] == 0.7
    child = next(iter(opened.get_children()))
    assert type(Run(experiment, child.id)) is Run
    with pytest.raises(runwatch.RunNotFoundError):
        Run(experiment, "no-such-run")


def test_the_dashboard_scatter_knows_each_metric_direction(ws: runwatch.Workspace) -> None:
    """On a search's iterations the scatter rings the best point for any metric of the
    task (Azure defines their direction), as it does for a sweep's primary metric."""
    from runwatch.core._queries import TableQuery
    from runwatch.views._service import RunwatchService

    parent = _search(ws, [0.90, 0.97, 0.93])
    for child, loss in zip(
        sorted(parent.get_children(), key=lambda c: c.number), [0.3, 0.2, 0.1], strict=True
    ):
        ws.store.append_metrics(child.id, [_batch("log_loss", loss)])
    service = RunwatchService.for_workspace(ws)
    query = TableQuery(experiment="views", parent_id=parent.id)
    auc = service.scatter(query, "number", "metric:AUC_weighted")
    assert (auc["goal"], auc["goal_source"]) == ("max", "sweep")
    assert auc["best"] == max(auc["points"], key=lambda p: p["y"])["id"]
    loss = service.scatter(query, "number", "metric:log_loss")
    assert (loss["goal"], loss["best"]) == ("min", min(loss["points"], key=lambda p: p["y"])["id"])
    # a name outside the task's metrics says nothing about its direction
    first = next(iter(parent.get_children()))
    ws.store.append_metrics(first.id, [_batch("my_score", 1.0)])
    assert service.scatter(query, "number", "metric:my_score")["goal"] is None


def _batch(name: str, value: float) -> MetricBatch:
    """A point written as another process would (the iterations have ended)."""
    return MetricBatch(name, MetricKind.SCALAR, "float", "", [0], [value], [time.time()])
