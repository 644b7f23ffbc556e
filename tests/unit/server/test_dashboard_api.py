"""The experiment dashboard's routes (table, scatter, overlay, table.csv) through a real
Jupyter server, on a sweep-like parent with 20 children logged through the public API."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import runwatch
from runwatch import Experiment, RunStatus
from runwatch.core import _automl
from runwatch.core._queries import TableQuery
from runwatch.core._records import RunType
from runwatch.errors import ValidationError
from runwatch.hyperdrive import HyperDriveRun
from runwatch.views._service import RunwatchService

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]  # pytest-jupyter's jp_fetch
ALPHAS = [round(0.05 * i, 2) for i in range(20)]


def mse_of(alpha: float) -> float:
    return round((alpha - 0.35) ** 2 + 0.01, 6)


async def get(fetch: Fetch, *parts: str, params: Any = None, expect: int = 200) -> Any:
    response = await fetch("runwatch", "api", *parts, params=params, raise_error=False)
    assert response.code == expect, response.body
    return json.loads(response.body)


@pytest.fixture
def sweep(server_ws: runwatch.Workspace) -> dict[str, Any]:
    """Experiment 'tune': two plain runs and a parent whose 20 children try alphas."""
    exp = Experiment(server_ws, "tune")
    with exp.start_logging(display_name="baseline") as baseline:
        baseline.log("mse", 0.5)
        baseline.tag("kind", "baseline")
    with pytest.raises(ValueError), exp.start_logging() as broken:
        broken.tag("kind", "broken")
        raise ValueError("boom")
    parent = exp.start_logging()
    parent.tag("kind", "sweep")
    children = []
    for i, alpha in enumerate(ALPHAS):
        child = parent.child_run()
        child.add_properties({"param.alpha": alpha})
        for step in range(30):
            child.log("mse", mse_of(alpha) + (30 - step) / 100)
        child.log("mse", mse_of(alpha))
        child.tag("fold", str(i % 2))
        child.complete()
        children.append(child)
    parent.complete()
    return {
        "exp": exp,
        "baseline": baseline,
        "broken": broken,
        "parent": parent,
        "children": children,
    }


async def test_table_page_columns_and_counts(jp_fetch: Fetch, sweep: Any) -> None:
    body = await get(jp_fetch, "experiments", "tune", "table")
    assert [row["id"] for row in body["rows"]] == [
        sweep["parent"].id,
        sweep["broken"].id,
        sweep["baseline"].id,
    ]
    assert (body["total"], body["offset"], body["limit"]) == (3, 0, 100)
    assert body["status_counts"] == {"Completed": 2, "Failed": 1}
    keys = [column["key"] for column in body["columns"]]
    assert keys == [*TableQuery.RUN_COLUMNS, "tag:kind", "metric:mse"]
    assert body["rows"][2]["values"] == {"tag:kind": "baseline", "metric:mse": 0.5}
    assert body["rows"][2]["display_name"] == "baseline"
    same = await get(jp_fetch, "experiments", "tune", "table", params={"since": body["cursor"]})
    assert same["unchanged"] and same["rows"] == []


async def test_table_filters_paging_and_sorts(jp_fetch: Fetch, sweep: Any) -> None:
    async def ids(**params: Any) -> list[str]:
        body = await get(jp_fetch, "experiments", "tune", "table", params=params)
        return [row["id"] for row in body["rows"]]

    parent, children = sweep["parent"], sweep["children"]
    assert await ids(status="Failed") == [sweep["broken"].id]
    assert await ids(tag="kind=sweep") == [parent.id]
    assert await ids(q="BASELINE") == [sweep["baseline"].id]
    # Runs without the metric come last, by number in the same direction.
    assert await ids(sort="metric:mse", order="asc") == [
        sweep["baseline"].id,
        sweep["broken"].id,
        parent.id,
    ]
    scope = {"parent": parent.id}
    page = await get(
        jp_fetch, "experiments", "tune", "table", params={**scope, "limit": 5, "offset": 5}
    )
    assert page["total"] == 20 and [r["number"] for r in page["rows"]] == [
        children[i].number for i in range(14, 9, -1)
    ]
    by_mse = await ids(**scope, sort="metric:mse", order="asc")
    best = min(children, key=lambda child: child.get_metrics()["mse"][-1])
    assert by_mse[0] == best.id
    by_alpha = await ids(**scope, sort="property:param.alpha", order="desc", limit=3)
    assert by_alpha == [child.id for child in children[::-1][:3]]
    by_tag = await ids(**scope, sort="tag:fold", order="asc", limit=10)
    assert by_tag == [child.id for child in children if child.get_tags()["fold"] == "0"]


async def test_scatter_alpha_against_mse_finds_the_best_run(jp_fetch: Fetch, sweep: Any) -> None:
    params = {"parent": sweep["parent"].id, "x": "property:param.alpha", "y": "metric:mse"}
    body = await get(jp_fetch, "experiments", "tune", "scatter", params=params)
    assert body["x"] == {
        "key": "property:param.alpha",
        "label": "param.alpha",
        "group": "property",
        "numeric": True,
    }
    assert body["y"]["numeric"] is True
    points = body["points"]
    assert len(points) == 20
    lowest = min(points, key=lambda point: point["y"])
    metrics = {child.id: child.get_metrics()["mse"][-1] for child in sweep["children"]}
    best_id = min(metrics, key=metrics.__getitem__)
    assert lowest["id"] == best_id and lowest["y"] == metrics[best_id]
    assert lowest["x"] == 0.35
    failed_only = await get(
        jp_fetch, "experiments", "tune", "scatter", params={**params, "status": "Failed"}
    )
    assert failed_only["points"] == []
    top = await get(
        jp_fetch, "experiments", "tune", "scatter", params={"x": "number", "y": "metric:mse"}
    )
    assert {p["id"]: p["y"] for p in top["points"]}[sweep["broken"].id] is None


MAPES = [0.31, 0.12, 0.45, 0.08, 0.27, 0.08]


@pytest.fixture
def mape_sweep(server_ws: runwatch.Workspace) -> tuple[Experiment, runwatch.Run]:
    """A sweep minimizing `mape` (a name with "map" in it), one value per trial; the
    lowest value is tied between the 4th and the 6th trial."""
    exp = Experiment(server_ws, "forecast")
    parent = exp.start_logging()
    parent.add_properties({"primary_metric_name": "mape", "primary_metric_goal": "MINIMIZE"})
    for window, mape in enumerate(MAPES, start=1):
        child = parent.child_run()
        child.add_properties({"param.window": window})
        child.log("mape", mape)
        child.log("coverage", 1 - mape)
        child.complete()
    parent.complete()
    return exp, parent


async def test_scatter_best_is_the_sweeps_goal_not_a_guess_from_the_name(
    jp_fetch: Fetch, mape_sweep: tuple[Experiment, runwatch.Run]
) -> None:
    exp, parent = mape_sweep
    params = {"parent": parent.id, "x": "property:param.window", "y": "metric:mape"}
    body = await get(jp_fetch, "experiments", "forecast", "scatter", params=params)
    assert (body["goal"], body["goal_source"]) == ("min", "sweep")
    lowest = min(body["points"], key=lambda point: (point["y"], point["number"]))
    assert lowest["y"] == min(MAPES)
    assert body["best"] == lowest["id"]
    best = HyperDriveRun(exp, parent.id).get_best_run_by_primary_metric()
    assert best is not None and body["best"] == best.id
    # Another Y says nothing about its direction: no best point until the caller picks one.
    other = await get(
        jp_fetch, "experiments", "forecast", "scatter", params={**params, "y": "metric:coverage"}
    )
    assert (other["goal"], other["goal_source"], other["best"]) == (None, None, None)


def test_scatter_goal_from_the_request_and_the_sweep_first(
    mape_sweep: tuple[Experiment, runwatch.Run],
) -> None:
    exp, parent = mape_sweep
    service = RunwatchService.for_workspace(exp.workspace)
    query = TableQuery(experiment="forecast", parent_id=parent.id)
    coverage = service.scatter(query, "number", "metric:coverage", goal="max")
    assert (coverage["goal"], coverage["goal_source"]) == ("max", "request")
    # Two trials share the highest coverage: the earlier one is best.
    tied = [p for p in coverage["points"] if p["y"] == 1 - min(MAPES)]
    assert len(tied) == 2
    assert coverage["best"] == min(tied, key=lambda p: p["number"])["id"]
    # The sweep's goal for its primary metric wins over the request's.
    mape = service.scatter(query, "number", "metric:mape", goal="max")
    assert (mape["goal"], mape["goal_source"]) == ("min", "sweep")
    with pytest.raises(ValidationError, match="'best'"):
        service.scatter(query, "number", "metric:mape", goal="best")


def test_an_automl_searchs_iterations_go_by_their_iteration(
    server_ws: runwatch.Workspace,
) -> None:
    """Table rows and scatter points name an AutoML iteration as its AutoML view does,
    and the primary metric's goal (lower log_loss) picks the best."""
    parent_info = server_ws.store.create_runs(
        "automl",
        run_type=RunType.AUTOML,
        status=RunStatus.RUNNING,
        properties={_automl.TASK_PROPERTY: "classification", _automl.PRIMARY_PROPERTY: "log_loss"},
    )[0]
    parent = runwatch.Run.get(server_ws, parent_info.id)
    for iteration, loss in enumerate((0.5, 0.2, 0.4)):
        child = parent.child_run()
        child.add_properties({_automl.ITERATION_PROPERTY: iteration})
        child.log("log_loss", loss)
        child.complete()
    service = RunwatchService.for_workspace(server_ws)
    query = TableQuery(experiment="automl", parent_id=parent.id)
    rows = service.table(query)["rows"]
    assert sorted(row["trial_label"] for row in rows) == [
        "Iteration 0",
        "Iteration 1",
        "Iteration 2",
    ]
    body = service.scatter(query, "number", "metric:log_loss")
    assert body["x"]["label"] == "Iteration"
    assert sorted((p["x"], p["trial_label"]) for p in body["points"]) == [
        (0, "Iteration 0"),
        (1, "Iteration 1"),
        (2, "Iteration 2"),
    ]
    assert (body["goal"], body["goal_source"]) == ("min", "sweep")
    best = next(p for p in body["points"] if p["id"] == body["best"])
    assert best["trial_label"] == "Iteration 1"


async def test_scatter_goal_parameter_on_an_experiment_without_a_sweep(
    jp_fetch: Fetch, server_ws: runwatch.Workspace
) -> None:
    exp = Experiment(server_ws, "plain")
    ids = {}
    for accuracy in (0.7, 0.9, 0.8):
        with exp.start_logging() as run:
            run.log("accuracy", accuracy)
        ids[accuracy] = run.id
    route = ("experiments", "plain", "scatter")
    params = {"x": "number", "y": "metric:accuracy"}
    body = await get(jp_fetch, *route, params={**params, "goal": "max"})
    assert (body["goal"], body["goal_source"], body["best"]) == ("max", "request", ids[0.9])
    lowest = await get(jp_fetch, *route, params={**params, "goal": "min"})
    assert lowest["best"] == ids[0.7]
    unasked = await get(jp_fetch, *route, params=params)
    assert (unasked["goal"], unasked["best"]) == (None, None)
    bad = await get(jp_fetch, *route, params={**params, "goal": "bad"}, expect=400)
    assert "goal='bad'" in bad["error"]["message"]


async def test_overlay_reads_each_runs_series(jp_fetch: Fetch, sweep: Any) -> None:
    children = sweep["children"]
    chosen = [children[3].id, children[0].id, sweep["broken"].id]
    body = await get(
        jp_fetch,
        "experiments",
        "tune",
        "overlay",
        params=[("metric", "mse"), ("budget", "16"), *(("run", run_id) for run_id in chosen)],
    )
    assert [s["id"] for s in body["series"]] == chosen
    first = body["series"][0]
    assert first["count"] == 31 and len(first["x"]) <= 16
    assert min(first["y"]) == mse_of(ALPHAS[3])
    assert body["series"][2]["count"] == 0 and body["series"][2]["x"] == []


async def test_csv_download_parses_back(jp_fetch: Fetch, sweep: Any) -> None:
    response = await jp_fetch(
        "runwatch",
        "api",
        "experiments",
        "tune",
        "table.csv",
        params={"parent": sweep["parent"].id, "sort": "number", "order": "asc"},
    )
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="tune-runs.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    assert [row["id"] for row in rows] == [child.id for child in sweep["children"]]
    assert [float(row["param.alpha"]) for row in rows] == ALPHAS
    assert [float(row["mse"]) for row in rows] == [mse_of(alpha) for alpha in ALPHAS]
    assert {row["status"] for row in rows} == {"Completed"}


@pytest.mark.parametrize(
    ("route", "params", "status", "message"),
    [
        ("table", {"sort": "size"}, 400, "sort 'size'"),
        ("table", {"sort": "metric:nope"}, 400, "'metric:nope'"),
        ("table", {"limit": "501"}, 400, "limit='501'"),
        ("table", {"order": "up"}, 400, "order='up'"),
        ("table", {"parent": "nope"}, 404, "'nope'"),
        ("table.csv", {"sort": "tag:"}, 400, "'tag:'"),
        ("scatter", {"x": "number"}, 400, "'y' is missing"),
        ("scatter", {"x": "number", "y": "property:nope"}, 400, "'property:nope'"),
        ("overlay", {"metric": "mse"}, 400, "1 to 50"),
        ("overlay", [("metric", "mse")] + [("run", f"r{i}") for i in range(51)], 400, "51"),
        ("overlay", {"metric": "mse", "run": "x", "budget": "3"}, 400, "budget='3'"),
        ("overlay", {"metric": "mse", "run": "nope"}, 404, "'nope'"),
    ],
)
async def test_bad_requests_name_the_value(
    jp_fetch: Fetch, sweep: Any, route: str, params: Any, status: int, message: str
) -> None:
    body = await get(jp_fetch, "experiments", "tune", route, params=params, expect=status)
    assert message in body["error"]["message"]


async def test_unknown_experiment_and_foreign_parent_are_404(
    jp_fetch: Fetch, sweep: Any, server_ws: runwatch.Workspace
) -> None:
    for route, params in [
        ("table", {}),
        ("table.csv", {}),
        ("scatter", {"x": "number", "y": "number"}),
    ]:
        body = await get(jp_fetch, "experiments", "nope", route, params=params, expect=404)
        assert "'nope'" in body["error"]["message"]
    with Experiment(server_ws, "other").start_logging() as elsewhere:
        pass
    body = await get(
        jp_fetch, "experiments", "tune", "table", params={"parent": elsewhere.id}, expect=404
    )
    assert "'other'" in body["error"]["message"]
    body = await get(
        jp_fetch,
        "experiments",
        "tune",
        "overlay",
        params={"metric": "mse", "run": elsewhere.id},
        expect=404,
    )
    assert "'other'" in body["error"]["message"]


def test_service_answers_in_the_kernel_without_a_server(sweep: Any) -> None:
    service = RunwatchService.for_workspace(sweep["exp"].workspace)
    query = TableQuery(experiment="tune", parent_id=sweep["parent"].id, limit=5)
    assert service.table(query)["total"] == 20
    assert len(service.scatter(query, "property:param.alpha", "metric:mse")["points"]) == 20
    text = "".join(service.table_csv(query))
    assert len(list(csv.DictReader(io.StringIO(text)))) == 20


async def test_csv_download_escapes_formulas(jp_fetch: Fetch, server_ws: Any) -> None:
    with Experiment(server_ws, "risky").start_logging() as run:
        run.tag("link", '=HYPERLINK("http://example.invalid","x")')
        run.tag("cmd", "+cmd|' /C calc'!A0")
        run.log("loss", -0.25)
    response = await jp_fetch("runwatch", "api", "experiments", "risky", "table.csv")
    (row,) = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    assert row["link"] == '\'=HYPERLINK("http://example.invalid","x")'
    assert row["cmd"] == "'+cmd|' /C calc'!A0"
    assert row["loss"] == "-0.25"
