"""One best trial: the sweep, its REST answer and the notebook widget agree (core._ranking).

The trials log their primary metric `mape` (lower is better, which nothing could
guess from the name) several times, so the latest value and the best value of a
trial point to different trials: every view must rank by the same rule.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import runwatch
from runwatch import Experiment, RunStatus, ScriptRunConfig
from runwatch.core._queries import RunQuery, TableQuery
from runwatch.hyperdrive import (
    GridParameterSampling,
    HyperDriveConfig,
    HyperDriveRun,
    PrimaryMetricGoal,
    choice,
)
from runwatch.views import _run_details
from runwatch.views._service import RunwatchService
from runwatch.views._tracker import RunTracker
from runwatch.widgets import ExperimentDetails

# Trial x=1 has the best value ever logged (0.10) but a poor latest one (0.50);
# trial x=3 has the best latest value (0.15).
SERIES = {1: [0.30, 0.10, 0.50], 2: [0.20, 0.20], 3: [0.15]}


def _finished_sweep(ws: runwatch.Workspace, src: Path, experiment: str) -> HyperDriveRun:
    """A finished grid sweep over x = 1, 2, 3 whose trials log SERIES[x] as mape."""
    (src / "train.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            from runwatch import Run
            run = Run.get_context()
            for value in {SERIES!r}[int(sys.argv[2])]:
                run.log("mape", value)
            """
        )
    )
    config = HyperDriveConfig(
        run_config=ScriptRunConfig(src, "train.py"),
        hyperparameter_sampling=GridParameterSampling({"--x": choice(1, 2, 3)}),
        primary_metric_name="mape",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
    )
    sweep = Experiment(ws, experiment).submit(config)
    assert isinstance(sweep, HyperDriveRun)
    assert sweep.wait_for_completion(raise_on_error=False)["status"] == RunStatus.COMPLETED
    return sweep


def test_every_view_names_the_same_best_trial(agent_ws: runwatch.Workspace, src: Path) -> None:
    sweep = _finished_sweep(agent_ws, src, "best")
    by_x = {int(t.get_properties()["param.x"]): t.id for t in sweep.get_children()}
    expected = by_x[1]

    best = sweep.get_best_run_by_primary_metric()
    assert best is not None and best.id == expected
    assert sweep.get_metrics(own=True)["best_metric"][-1] == 0.10

    # The REST answer the JupyterLab dashboard draws.
    service = RunwatchService.for_workspace(agent_ws)
    query = TableQuery(experiment="best", parent_id=sweep.id, limit=None)
    body = service.scatter(query, "property:param.x", "metric:mape")
    assert (body["goal"], body["goal_source"], body["best"]) == ("min", "sweep", expected)

    # The notebook's ExperimentDetails, through the same read model.
    widget = ExperimentDetails(sweep)
    try:
        widget.x_axis.value = "property:param.x"
        widget.y_axis.value = "metric:mape"
        assert widget.best_goal.value == "min" and widget.best_goal.disabled
        assert widget.scatter.best.names[0].endswith(expected)
    finally:
        widget.close()


def test_every_table_shows_each_trial_by_its_best_logged_value(
    agent_ws: runwatch.Workspace, src: Path
) -> None:
    sweep = _finished_sweep(agent_ws, src, "values")
    x_of = {t.id: int(t.get_properties()["param.x"]) for t in sweep.get_children()}
    best = sweep.get_best_run_by_primary_metric()
    assert best is not None and x_of[best.id] == 1
    best_of = {1: 0.10, 2: 0.20, 3: 0.15}  # not the latest values (0.50, 0.20, 0.15)

    # RunDetails' child table: the best logged values, the best trial named.
    tracker = RunTracker(agent_ws, sweep.id)
    tracker.poll()
    state = _run_details.children(tracker, 0, "metric", False, 0.0)
    assert state is not None
    assert {x_of[r["id"]]: r["metric"] for r in state["rows"]} == best_of
    assert state["best"] == {
        "id": best.id,
        "number": best.number,
        "value": 0.10,
        "trial_label": f"Trial {best.id.rsplit('_', 1)[1]}",  # its index, not its number
    }
    assert state["metric_label"] == "mape (best logged value)"
    assert [x_of[r["id"]] for r in state["rows"]] == [1, 3, 2]

    service = RunwatchService.for_workspace(agent_ws)
    # The run panel's and the sidebar's children listing with the primary metric.
    page = service.runs(RunQuery(parent_id=sweep.id, metric="mape", limit=10))
    assert {x_of[r["id"]]: r["metric"] for r in page["runs"]} == best_of
    # The dashboard's and ExperimentDetails' trials table: parameters, then the metric.
    table = service.table(TableQuery(experiment="values", parent_id=sweep.id, sort="metric:mape"))
    keys = [c["key"] for c in table["columns"]]
    assert keys[:4] == ["number", "status", "property:param.x", "metric:mape"]
    assert "display_name" not in keys
    assert table["columns"][3]["label"] == "mape (best logged value)"
    assert [x_of[r["id"]] for r in table["rows"]] == [2, 3, 1]  # sort desc by default
    assert {x_of[r["id"]]: r["values"]["metric:mape"] for r in table["rows"]} == best_of
    # The scatter's point for the best trial is at its best logged value.
    scatter = service.scatter(
        TableQuery(experiment="values", parent_id=sweep.id), "property:param.x", "metric:mape"
    )
    assert scatter["best"] == best.id
    assert {x_of[p["id"]]: p["y"] for p in scatter["points"]} == best_of
    assert scatter["y"]["label"] == "mape (best logged value)"
