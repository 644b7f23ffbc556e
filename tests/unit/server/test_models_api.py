"""The model registry in the REST API, through a real Jupyter server."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import runwatch
from runwatch import Experiment, Model

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]  # pytest-jupyter's jp_fetch


async def get(fetch: Fetch, *parts: str, params: Any = None, expect: int = 200) -> Any:
    response = await fetch("runwatch", "api", *parts, params=params, raise_error=False)
    assert response.code == expect, response.body
    return json.loads(response.body)


async def test_models_list_newest_first_with_cursor(
    jp_fetch: Fetch, server_ws: runwatch.Workspace, tmp_path: Path
) -> None:
    empty = await get(jp_fetch, "models")
    assert empty["models"] == [] and not empty["unchanged"]
    with Experiment(server_ws, "train").start_logging() as run:
        run.upload_file("outputs/model.pkl", io.BytesIO(b"weights"))
    run.register_model("ridge", "outputs/model.pkl", tags={"stage": "dev"}, description="d")
    local = tmp_path / "local.onnx"
    local.write_bytes(b"onnx")
    Model.register(server_ws, str(local), "onnx-b", model_framework="Onnx")

    body = await get(jp_fetch, "models")
    assert [row["id"] for row in body["models"]] == ["onnx-b:1", "ridge:1"]
    ridge = body["models"][1]
    assert ridge == {
        "id": "ridge:1",
        "name": "ridge",
        "version": 1,
        "run_id": run.id,
        "experiment": "train",
        "created_time": ridge["created_time"],
        "tags": {"stage": "dev"},
        "description": "d",
        "framework": None,
    }
    assert body["models"][0]["run_id"] is None and body["models"][0]["framework"] == "Onnx"
    assert ridge["created_time"] <= body["models"][0]["created_time"]

    same = await get(jp_fetch, "models", params={"since": str(body["cursor"])})
    assert same == {"cursor": body["cursor"], "unchanged": True, "models": []}
    Model(server_ws, "ridge").add_tags({"stage": "prod"})
    changed = await get(jp_fetch, "models", params={"since": str(body["cursor"])})
    assert not changed["unchanged"] and changed["models"][1]["tags"] == {"stage": "prod"}


async def test_model_details_and_errors(jp_fetch: Fetch, server_ws: runwatch.Workspace) -> None:
    with Experiment(server_ws, "train").start_logging() as run:
        run.upload_file("outputs/model/a.bin", io.BytesIO(b"aa"))
        run.upload_file("outputs/model/b/c.bin", io.BytesIO(b"ccc"))
    run.register_model(
        "folder",
        "outputs/model",
        properties={"score": 0.5},
        model_framework="PyTorch",
        model_framework_version="2.5",
    )
    body = await get(jp_fetch, "models", "folder", "versions", "1")
    assert body["model"]["id"] == "folder:1" and body["model"]["run_id"] == run.id
    assert body["properties"] == {"score": 0.5}
    assert (body["framework_version"], body["source"]) == ("2.5", "outputs/model")
    assert body["files"] == [
        {"name": "model/a.bin", "size": 2},
        {"name": "model/b/c.bin", "size": 3},
    ]
    assert "Model(ws, 'folder', version=1)" in body["snippet"]

    missing = await get(jp_fetch, "models", "folder", "versions", "2", expect=404)
    assert "version 2" in missing["error"]["message"]
    unknown = await get(jp_fetch, "models", "nope", "versions", "1", expect=404)
    assert "'nope'" in unknown["error"]["message"]
    bad = await get(jp_fetch, "models", "folder", "versions", "x", expect=400)
    assert "'x' is not a version number" in bad["error"]["message"]
    bad_name = await get(jp_fetch, "models", "-x", "versions", "1", expect=400)
    assert "model name '-x'" in bad_name["error"]["message"]
    extra = await get(jp_fetch, "models", params={"limit": "1"}, expect=400)
    assert "'limit'" in extra["error"]["message"]
