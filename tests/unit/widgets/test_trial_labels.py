"""A sweep's trial goes by one number in its sweep's views, its index ("Trial 7"), and a
row or table metric is charted the same way in RunDetails and the REST answer the Lab
run panel draws (`views._run_details.row_chart`)."""

from __future__ import annotations

import dataclasses

from runwatch import Experiment, Run
from runwatch.core._queries import TableQuery
from runwatch.views import _compare, _sweeps
from runwatch.views import _run_details as _view
from runwatch.views._service import RunwatchService
from runwatch.views._tracker import RunTracker


def _sweep(exp: Experiment, trials: int = 3) -> tuple[Run, list[Run]]:
    # Another run first: the experiment-wide run numbers differ from the trial indexes.
    exp.start_logging().complete()
    sweep = Run._start(exp, run_type="hyperdrive")
    sweep.add_properties({"primary_metric_name": "mse", "primary_metric_goal": "MINIMIZE"})
    kids = []
    for i in range(trials):
        kid = sweep.child_run()
        kid.add_properties({"param.alpha": i / 10})
        kid.log("mse", 3.0 - i)
        kid.complete()
        kids.append(kid)
        # As the sweep controller records a finished trial.
        sweep.log_row("trials", run_id=kid.id, number=kid.number, primary_metric=3.0 - i)
    sweep.complete()
    return sweep, kids


def test_a_trial_index_is_its_id_suffix_else_its_trial_property(exp: Experiment) -> None:
    sweep, kids = _sweep(exp)
    info = kids[2].workspace.store.get_run(kids[2].id)
    assert info.id == f"{sweep.id}_2" and info.number != 2
    assert _sweeps.trial_index(info) == 2
    assert _sweeps.trial_label(info) == "Trial 2"
    # Not numbered under its parent (a copied run): the sweep controller's `trial` property.
    moved = dataclasses.replace(info, id="elsewhere", properties_json='{"trial": 7}')
    assert _sweeps.trial_label(moved) == "Trial 7"
    assert _sweeps.trial_label(dataclasses.replace(info, id="x", properties_json="{}")) is None
    assert _sweeps.trial_index(dataclasses.replace(info, properties_json='{"trial": true}')) == 2


def test_only_a_sweeps_children_go_by_their_trial_label(exp: Experiment) -> None:
    sweep, kids = _sweep(exp)
    ws = sweep.workspace
    assert _sweeps.label_in_sweep(ws, ws.store.get_run(kids[1].id)) == "Trial 1"
    plain = exp.start_logging()
    child = plain.child_run()
    assert _sweeps.label_in_sweep(ws, ws.store.get_run(child.id)) is None  # not a sweep
    assert _sweeps.label_in_sweep(ws, ws.store.get_run(sweep.id)) is None  # no parent
    child.complete()
    plain.complete()


def test_every_sweep_view_names_trials_by_their_index(exp: Experiment) -> None:
    sweep, kids = _sweep(exp)
    ws = sweep.workspace
    # RunDetails' child table and best line.
    tracker = RunTracker(ws, sweep.id)
    tracker.poll()
    page = _view.children(tracker, 0, "number", False, now=0.0)
    assert page is not None
    assert [r["trial_label"] for r in page["rows"]] == ["Trial 0", "Trial 1", "Trial 2"]
    assert page["best"] is not None and page["best"]["trial_label"] == "Trial 2"
    # A trial's own RunDetails header and the Lab run panel's title.
    trial = RunTracker(ws, kids[1].id)
    assert _view.run_state(trial.info, trial.trial_label)["trial_label"] == "Trial 1"
    service = RunwatchService.for_workspace(ws)
    assert service.run(kids[1].id)["trial_label"] == "Trial 1"
    assert service.run(sweep.id)["trial_label"] is None
    # The dashboard's and ExperimentDetails' trials table: the column is "Trial".
    table = service.table(TableQuery(experiment=exp.name, parent_id=sweep.id, limit=None))
    assert {r["id"]: r["trial_label"] for r in table["rows"]} == {
        kid.id: f"Trial {i}" for i, kid in enumerate(kids)
    }
    assert table["columns"][0] == {
        "key": "number",
        "label": "Trial",
        "group": "run",
        "numeric": True,
    }
    # Outside a sweep runs keep their numbers.
    top = service.table(TableQuery(experiment=exp.name, limit=None))
    assert {r["trial_label"] for r in top["rows"]} == {None}
    assert top["columns"][0]["label"] == "Run"


def test_the_metrics_answer_charts_a_row_metric_as_run_details_does(run: Run) -> None:
    for epoch in range(5):
        run.log_row("lr schedule", epoch=epoch, lr=0.1 * 0.5**epoch, momentum=0.9)
    run.log_row("labels", label="a", score=1.0)
    run.log_row("labels", label="b", score=2.0)  # one numeric column: a table, no chart
    run.log("loss", 1.0)
    run.log("loss", 0.5)
    run.flush()
    tracker = RunTracker(run.workspace, run.id)
    tracker.poll()
    chart = {c.name: c for c in _view.charts(tracker)}["lr schedule"]
    body = RunwatchService.for_workspace(run.workspace).metrics(run.id)
    assert [s["name"] for s in body["series"]] == ["loss"]
    assert [r["name"] for r in body["rows"]] == ["lr schedule"]
    rows = body["rows"][0]
    assert rows["kind"] == "row" and rows["count"] == 5
    assert rows["x_label"] == chart.x_label == "epoch"
    assert rows["x"] == chart.lines["lr"][0] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert [line["label"] for line in rows["lines"]] == list(chart.lines) == ["lr", "momentum"]
    assert rows["lines"][0]["y"] == [0.1, 0.05, 0.025, 0.0125, 0.00625]
    # A budget spreads the rows evenly and keeps the last.
    small = RunwatchService.for_workspace(run.workspace).metrics(run.id, budget=3)["rows"][0]
    assert small["x"] == [0.0, 2.0, 4.0] and small["count"] == 5


def test_a_row_metric_without_a_numeric_first_column_is_drawn_against_the_first_numeric(
    run: Run,
) -> None:
    for i in range(3):
        run.log_row("per class", cls=f"c{i}", precision=0.5 + i / 10, recall=0.9 - i / 10)
    chart = _view.row_chart("per class", _view.row_columns("row", _rows(run, "per class")))
    assert chart is not None and chart.x_label == "precision"
    assert list(chart.lines) == ["recall"]
    assert _view.row_chart("one", {"a": [1.0], "b": [2.0]}) is None


def _rows(run: Run, name: str) -> list[dict[str, object]]:
    run.flush()
    _info, points = run.workspace.store.read_metrics(run.id, [name])[name]
    return list(points.values)


def test_experiment_details_of_a_sweep_names_points_and_lines_by_trial(exp: Experiment) -> None:
    sweep, kids = _sweep(exp)
    service = RunwatchService.for_workspace(sweep.workspace)
    query = TableQuery(experiment=exp.name, parent_id=sweep.id, limit=None)
    body = service.scatter(query, "property:param.alpha", "metric:mse")
    assert {p["id"]: p["trial_label"] for p in body["points"]} == {
        kid.id: f"Trial {i}" for i, kid in enumerate(kids)
    }
    data = _compare.scatter_data(body)
    assert data.best is not None and data.names[data.best] == f"Trial 2 · {kids[2].id}"
    overlay = service.overlay(exp.name, "mse", [k.id for k in kids])
    assert [line.label for line in _compare.overlay_lines(overlay)] == [
        "Trial 0",
        "Trial 1",
        "Trial 2",
    ]
    # A sweep's bookkeeping rows are not charted (RunDetails draws its sweep chart).
    assert service.metrics(sweep.id)["rows"] == []
    # Top-level runs keep their numbers.
    top = service.scatter(TableQuery(experiment=exp.name, limit=None), "number", "number")
    assert {p["trial_label"] for p in top["points"]} == {None}


def test_a_sweeps_scatter_puts_trials_at_their_index_on_a_trial_axis(exp: Experiment) -> None:
    sweep, kids = _sweep(exp)
    service = RunwatchService.for_workspace(sweep.workspace)
    query = TableQuery(experiment=exp.name, parent_id=sweep.id, limit=None)
    body = service.scatter(query, "number", "metric:mse")
    assert body["x"]["label"] == "Trial"
    assert {p["id"]: p["x"] for p in body["points"]} == {k.id: i for i, k in enumerate(kids)}
    top = service.scatter(TableQuery(experiment=exp.name, limit=None), "number", "number")
    assert top["x"]["label"] == "Run" and all(p["x"] == p["number"] for p in top["points"])


def test_a_trials_saved_summary_names_it_by_its_index(exp: Experiment) -> None:
    from runwatch.widgets import RunDetails

    _sweep_run, kids = _sweep(exp)
    widget = RunDetails(kids[1], refresh_interval=60)
    try:
        page = widget.summary_html()
        assert f"Trial 1 ({kids[1].id})" in page and f">{kids[1].number} (" not in page
    finally:
        widget.close()
