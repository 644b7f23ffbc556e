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
from runwatch.core._queries import TableQuery
from runwatch.hyperdrive import (
    GridParameterSampling,
    HyperDriveConfig,
    PrimaryMetricGoal,
    choice,
)
from runwatch.views._service import RunwatchService
from runwatch.widgets import ExperimentDetails

# Trial x=1 has the best value ever logged (0.10) but a poor latest one (0.50);
# trial x=3 has the best latest value (0.15).
SERIES = {1: [0.30, 0.10, 0.50], 2: [0.20, 0.20], 3: [0.15]}


def test_every_view_names_the_same_best_trial(agent_ws: runwatch.Workspace, src: Path) -> None:
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
    sweep = Experiment(agent_ws, "best").submit(config)
    assert sweep.wait_for_completion(raise_on_error=False)["status"] == RunStatus.COMPLETED
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
