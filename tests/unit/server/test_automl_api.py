"""GET runs/{run_id}/automl through a real Jupyter server: an AutoML search's iterations."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import runwatch
from runwatch import Experiment, Run, RunStatus
from runwatch.core._records import RunType

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]


async def get(fetch: Fetch, *parts: str, params: Any = None, expect: int = 200) -> Any:
    response = await fetch("runwatch", "api", *parts, params=params, raise_error=False)
    assert response.code == expect, response.body
    return json.loads(response.body)


async def test_automl_route(jp_fetch: Fetch, server_ws: runwatch.Workspace) -> None:
    info = server_ws.store.create_runs(
        "automl",
        run_type=RunType.AUTOML,
        status=RunStatus.RUNNING,
        properties={"task": "regression", "primary_metric": "normalized_root_mean_squared_error"},
    )[0]
    parent = Run.get(server_ws, info.id)
    for iteration, value in enumerate([0.3, 0.2, 0.25]):
        child = parent.child_run()
        child.add_properties({"iteration": iteration, "run_algorithm": "LightGBM"})
        child.log("normalized_root_mean_squared_error", value)
        child.log("r2_score", 1 - value)
        child.complete()
        child.flush()

    body = await get(jp_fetch, "runs", parent.id, "automl")
    state = body["automl"]
    assert state["metric"] == "normalized_root_mean_squared_error" and not state["maximize"]
    assert state["best_iteration"] == 1
    assert [r["best"] for r in state["rows"]] == [0.3, 0.2, 0.2]
    assert state["chart"]["iterations"] == [0, 1, 2]

    by_r2 = await get(
        jp_fetch,
        "runs",
        parent.id,
        "automl",
        params={"metric": "r2_score", "sort": "metric", "order": "desc"},
    )
    assert [r["iteration"] for r in by_r2["automl"]["rows"]] == [1, 2, 0]
    same = await get(jp_fetch, "runs", parent.id, "automl", params={"since": body["cursor"]})
    assert same == {"cursor": body["cursor"], "unchanged": True, "automl": None}
    await get(jp_fetch, "runs", parent.id, "automl", params={"metric": "accuracy"}, expect=400)
    plain = Experiment(server_ws, "plain").start_logging()
    plain.complete()
    assert (await get(jp_fetch, "runs", plain.id, "automl"))["automl"] is None
    await get(jp_fetch, "runs", "nope", "automl", expect=404)
