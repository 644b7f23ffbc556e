"""GET runs/{run_id}/evaluation through a real Jupyter server: the charts of a run's
evaluation metrics, at a chosen step, with the change cursor."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import runwatch
from runwatch import Experiment

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]

CM = {
    "schema_type": "confusion_matrix",
    "schema_version": "1.0.0",
    "data": {"class_labels": ["a", "b"], "matrix": [[3, 1], [0, 4]]},
}


async def get(fetch: Fetch, *parts: str, params: Any = None, expect: int = 200) -> Any:
    response = await fetch("runwatch", "api", *parts, params=params, raise_error=False)
    assert response.code == expect, response.body
    return json.loads(response.body)


async def test_evaluation_route(jp_fetch: Fetch, server_ws: runwatch.Workspace) -> None:
    run = Experiment(server_ws, "eval").start_logging()
    run.log("loss", 0.5)
    run.log_confusion_matrix("cm", CM)
    second = json.loads(json.dumps(CM))
    second["data"]["matrix"] = [[4, 0], [1, 3]]
    run.log_confusion_matrix("cm", second)
    run.complete()

    body = await get(jp_fetch, "runs", run.id, "evaluation")
    assert [m["name"] for m in body["metrics"]] == ["cm"]
    metric = body["metrics"][0]
    assert metric["kind"] == "confusion_matrix"
    assert metric["steps"] == [0, 1] and metric["step"] == 1
    heatmap = metric["charts"][0]["heatmap"]
    assert heatmap["counts"] == [[4, 0], [1, 3]]
    assert heatmap["normalized"] == [[1.0, 0.0], [0.25, 0.75]]

    first = await get(jp_fetch, "runs", run.id, "evaluation", params={"name": "cm", "step": 0})
    assert first["metrics"][0]["step"] == 0
    assert first["metrics"][0]["charts"][0]["heatmap"]["counts"] == [[3, 1], [0, 4]]

    same = await get(jp_fetch, "runs", run.id, "evaluation", params={"since": body["cursor"]})
    assert same == {"cursor": body["cursor"], "unchanged": True, "metrics": []}

    details = await get(jp_fetch, "runs", run.id)
    summary = {m["name"]: m for m in details["metrics"]}["cm"]
    assert summary["kind"] == "confusion_matrix" and summary["last_value"] == "confusion matrix"

    bad = await get(jp_fetch, "runs", run.id, "evaluation", params={"step": "x"}, expect=400)
    assert "step='x'" in bad["error"]["message"]
    await get(jp_fetch, "runs", "nope", "evaluation", expect=404)
