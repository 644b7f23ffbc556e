"""The REST API through a real Jupyter server, on runs logged through the public API."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import runwatch
from runwatch import Experiment

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]  # pytest-jupyter's jp_fetch


async def get(fetch: Fetch, *parts: str, params: Any = None, expect: int = 200) -> Any:
    response = await fetch("runwatch", "api", *parts, params=params, raise_error=False)
    assert response.code == expect, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


@pytest.fixture
def logged(server_ws: runwatch.Workspace, tmp_path: Path) -> dict[str, runwatch.Run]:
    """Finished, failed, running and parent runs in experiment 'train'."""
    exp = Experiment(server_ws, "train")
    model = tmp_path / "model.txt"
    model.write_text("weights\n")
    log = tmp_path / "driver.log"
    log.write_bytes(b"line one\nline two\npartial")
    with exp.start_logging(display_name="Bright Falcon") as done:
        for i in range(300):
            done.log("loss", 1 / (i + 1))
        done.log("acc", math.nan)
        done.log("note", "text")
        done.tag("team", "vision")
        done.add_properties({"lr": 0.1})
        done.upload_file("outputs/model.txt", str(model))
        done.upload_file("logs/driver.log", str(log))
    done.register_model("weights", "outputs/model.txt")
    with pytest.raises(ValueError), exp.start_logging() as failed:
        failed.log("loss", 5.0)
        raise ValueError("boom")
    parent = exp.start_logging()
    children = [parent.child_run() for _ in range(3)]
    for i, child in enumerate(children):
        child.log("score", float(i))
        child.complete() if i else child.fail()
    parent.log("loss", 0.01)
    parent.flush()
    Experiment(server_ws, "empty")
    yield {"done": done, "failed": failed, "parent": parent, "child": children[1]}
    parent.complete()


async def test_experiments_list_counts_and_cursor(jp_fetch: Fetch, logged: Any) -> None:
    body = await get(jp_fetch, "experiments")
    rows = {row["name"]: row for row in body["experiments"]}
    assert list(rows) == ["empty", "train"]
    assert rows["train"]["run_count"] == 3 and rows["train"]["active_count"] == 1
    parent = runwatch.Run.get(logged["parent"].experiment.workspace, logged["parent"].id)
    assert rows["train"]["last_created_time"] == parent._info.created_time
    assert rows["empty"]["last_created_time"] is None and rows["empty"]["run_count"] == 0
    same = await get(jp_fetch, "experiments", params={"since": body["cursor"]})
    assert same == {"cursor": body["cursor"], "unchanged": True, "experiments": []}
    logged["parent"].tag("x", "y")
    logged["parent"].flush()
    changed = await get(jp_fetch, "experiments", params={"since": body["cursor"]})
    assert not changed["unchanged"] and changed["cursor"] > body["cursor"]


async def test_runs_page_default_order_paging_and_counts(jp_fetch: Fetch, logged: Any) -> None:
    body = await get(jp_fetch, "experiments", "train", "runs")
    assert [r["id"] for r in body["runs"]] == [
        logged["parent"].id,
        logged["failed"].id,
        logged["done"].id,
    ]
    assert body["total"] == 3 and (body["offset"], body["limit"]) == (0, 50)
    assert body["status_counts"] == {"Running": 1, "Failed": 1, "Completed": 1}
    assert body["metric_names"] == ["acc", "loss", "note"]
    parent = body["runs"][0]
    assert parent["child_count"] == 3 and parent["type"] == "interactive"
    assert body["runs"][2]["display_name"] == "Bright Falcon"
    assert body["runs"][2]["tags"] == {"team": "vision"}
    second = await get(jp_fetch, "experiments", "train", "runs", params={"limit": 1, "offset": 1})
    assert [r["id"] for r in second["runs"]] == [logged["failed"].id]
    assert second["total"] == 3 and (second["offset"], second["limit"]) == (1, 1)


async def test_runs_filters_and_sorts(jp_fetch: Fetch, logged: Any) -> None:
    async def ids(**params: Any) -> list[str]:
        body = await get(jp_fetch, "experiments", "train", "runs", params=params)
        return [r["id"] for r in body["runs"]]

    done, failed, parent = logged["done"].id, logged["failed"].id, logged["parent"].id
    assert await ids(status="Completed,Failed") == [failed, done]
    assert await get_ids_repeated(jp_fetch, [("status", "Running"), ("status", "Failed")]) == [
        parent,
        failed,
    ]
    assert await ids(tag="team") == [done]
    assert await ids(tag="team=vision") == [done]
    assert await ids(tag="team=other") == []
    assert await ids(q="bright falcon") == [done]
    assert await ids(sort="number", order="asc") == [done, failed, parent]
    assert await ids(sort="metric", metric="loss") == [failed, parent, done]
    body = await get(
        jp_fetch, "experiments", "train", "runs", params={"metric": "loss", "sort": "number"}
    )
    assert [r["metric"] for r in body["runs"]] == [0.01, 5.0, 1 / 300]
    acc = await get(jp_fetch, "experiments", "train", "runs", params={"metric": "acc"})
    assert [r["metric"] for r in acc["runs"]] == [None, None, "NaN"]  # NaN shown by name


async def get_ids_repeated(fetch: Fetch, params: list[tuple[str, str]]) -> list[str]:
    body = await get(fetch, "experiments", "train", "runs", params=params)
    return [r["id"] for r in body["runs"]]


async def test_runs_unchanged_answer_and_change(jp_fetch: Fetch, logged: Any) -> None:
    first = await get(jp_fetch, "experiments", "train", "runs")
    same = await get(
        jp_fetch, "experiments", "train", "runs", params={"since": first["cursor"], "limit": 5}
    )
    assert same["unchanged"] and same["runs"] == [] and same["cursor"] == first["cursor"]
    assert same["limit"] == 5
    logged["parent"].log("loss", 0.001)
    logged["parent"].flush()
    after = await get(jp_fetch, "experiments", "train", "runs", params={"since": first["cursor"]})
    assert not after["unchanged"] and after["cursor"] > first["cursor"]
    assert len(after["runs"]) == 3


async def test_children_listing(jp_fetch: Fetch, logged: Any) -> None:
    parent = logged["parent"]
    body = await get(
        jp_fetch, "runs", parent.id, "children", params={"sort": "number", "order": "asc"}
    )
    numbers = [r["number"] for r in body["runs"]]
    assert len(numbers) == 3 and numbers == sorted(numbers)
    assert all(r["parent_id"] == parent.id for r in body["runs"])
    assert body["status_counts"] == {"Failed": 1, "Completed": 2}
    assert body["metric_names"] == ["score"]
    failed = await get(jp_fetch, "runs", parent.id, "children", params={"status": "Failed"})
    assert failed["total"] == 1 and failed["runs"][0]["status"] == "Failed"


async def test_run_details(jp_fetch: Fetch, logged: Any, server_ws: runwatch.Workspace) -> None:
    done = logged["done"]
    body = await get(jp_fetch, "runs", done.id)
    assert body["run"]["id"] == done.id and body["run"]["status"] == "Completed"
    assert body["error"] is None and body["properties"] == {"lr": 0.1}
    metrics = {m["name"]: m for m in body["metrics"]}
    assert metrics["loss"]["count"] == 300 and metrics["loss"]["last_step"] == 299
    assert metrics["acc"]["last_value"] == "NaN" and metrics["note"]["last_value"] == "text"
    assert [f["name"] for f in body["files"]] == ["logs/driver.log", "outputs/model.txt"]
    assert body["log_files"] == ["logs/driver.log"]
    assert str(server_ws.config_path) in body["snippet"] and done.id in body["snippet"]
    failed = await get(jp_fetch, "runs", logged["failed"].id)
    assert "boom" in failed["error"]["message"]
    parent = await get(jp_fetch, "runs", logged["parent"].id)
    assert parent["children_status_counts"] == {"Failed": 1, "Completed": 2}
    assert parent["run"]["child_count"] == 3


async def test_metrics_series_budget_since_and_names(jp_fetch: Fetch, logged: Any) -> None:
    done = logged["done"]
    body = await get(jp_fetch, "runs", done.id, "metrics", params={"budget": 16})
    series = {s["name"]: s for s in body["series"]}
    assert set(series) == {"loss", "acc"}  # the str series is not numeric
    loss = series["loss"]
    assert loss["count"] == 300 and len(loss["x"]) <= 16 == len(loss["y"])
    assert loss["x"][0] == 0 and max(loss["y"]) == 1.0 and min(loss["y"]) == 1 / 300
    assert series["acc"]["y"] == [None]
    named = await get(jp_fetch, "runs", done.id, "metrics", params={"name": "acc"})
    assert [s["name"] for s in named["series"]] == ["acc"]
    same = await get(jp_fetch, "runs", done.id, "metrics", params={"since": body["cursor"]})
    assert same["unchanged"] and same["series"] == []
    parent = logged["parent"]
    before = await get(jp_fetch, "runs", parent.id, "metrics")
    parent.log("loss", 0.5)
    parent.log("other", 1)
    parent.flush()
    newer = await get(jp_fetch, "runs", parent.id, "metrics", params={"since": before["cursor"]})
    assert {s["name"]: s["y"] for s in newer["series"]} == {"loss": [0.01, 0.5], "other": [1.0]}


async def test_log_tail_by_offset(jp_fetch: Fetch, logged: Any) -> None:
    run_id = logged["done"].id
    body = await get(jp_fetch, "runs", run_id, "log")
    assert body["text"] == "line one\nline two\n"  # cut back to a whole line
    assert (body["offset"], body["next_offset"], body["size"]) == (0, 18, 25)
    small = await get(jp_fetch, "runs", run_id, "log", params={"max_bytes": 12})
    assert small["text"] == "line one\n" and small["next_offset"] == 9
    rest = await get(jp_fetch, "runs", run_id, "log", params={"offset": 18})
    assert rest["text"] == "partial"  # no newline at all: sent as it is
    missing = await get(jp_fetch, "runs", logged["failed"].id, "log")
    assert (missing["size"], missing["text"], missing["next_offset"]) == (0, "", 0)


async def test_files_list_and_download(jp_fetch: Fetch, logged: Any) -> None:
    run_id = logged["done"].id
    body = await get(jp_fetch, "runs", run_id, "files")
    assert [(f["name"], f["size"]) for f in body["files"]] == [
        ("logs/driver.log", 25),
        ("outputs/model.txt", 8),
    ]
    response = await jp_fetch("runwatch", "api", "runs", run_id, "files", "outputs/model.txt")
    assert response.body == b"weights\n"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="model.txt"')
    assert response.headers["Content-Length"] == "8"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("plot.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
        ("notes.txt", b"plain words\n", "text/plain"),
        # Active content would run in the server's origin if shown: always a download.
        ("page.html", b"<script>alert(document.cookie)</script>", "application/octet-stream"),
        ("icon.svg", b"<svg onload='alert(1)'/>", "application/octet-stream"),
        ("data.bin", b"\x00\x01", "application/octet-stream"),
    ],
)
async def test_download_content_types(
    jp_fetch: Fetch, logged: Any, name: str, content: bytes, expected: str
) -> None:
    """The type is set before the first chunk is sent (it used to be text/html)."""
    run = logged["parent"]
    run.upload_file(f"types/{name}", io.BytesIO(content))
    response = await jp_fetch("runwatch", "api", "runs", run.id, "files", f"types/{name}")
    assert response.body == content
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2F..%2Fconfig.json",
        "%2e%2e/%2e%2e/config.json",
        "outputs/..%2F..%2F..%2Fconfig.json",
        "%2F..%2F..%2Fconfig.json",
        "%2Fetc%2Fpasswd",
        "outputs%5C..%5Cmodel.txt",
        "outputs/model.txt%00",
        "outputs/./model.txt",
    ],
)
async def test_download_never_leaves_the_run_folder(
    http_server_client: Any,
    jp_auth_header: dict[str, str],
    jp_base_url: str,
    logged: Any,
    name: str,
) -> None:
    # Built by hand: jp_fetch would escape the '%' of these names once more.
    url = f"{jp_base_url}runwatch/api/runs/{logged['done'].id}/files/{name}"
    response = await http_server_client.fetch(url, headers=jp_auth_header, raise_error=False)
    assert response.code == 400, response.body
    error = json.loads(response.body)["error"]
    assert error["status"] == 400 and "file name" in error["message"]


async def test_download_with_raw_dot_segments_is_refused(
    http_server_client: Any, jp_auth_header: dict[str, str], jp_base_url: str, logged: Any
) -> None:
    url = f"{jp_base_url}runwatch/api/runs/{logged['done'].id}/files/../../x"
    response = await http_server_client.fetch(url, headers=jp_auth_header, raise_error=False)
    assert response.code in (400, 404) and b"weights" not in response.body


@pytest.mark.parametrize(
    ("parts", "params", "expect", "named"),
    [
        (("experiments", "nope", "runs"), {}, 404, "'nope'"),
        (("runs", "nope"), {}, 404, "'nope'"),
        (("runs", "nope", "children"), {}, 404, "'nope'"),
        (("runs", "nope", "metrics"), {}, 404, "'nope'"),
        (("runs", "nope", "log"), {}, 404, "'nope'"),
        (("runs", "nope", "files"), {}, 404, "'nope'"),
        (("runs", "nope", "files", "a.txt"), {}, 404, "'nope'"),
        (("experiments", "train", "runs"), {"limit": "0"}, 400, "limit='0'"),
        (("experiments", "train", "runs"), {"limit": "ten"}, 400, "limit='ten'"),
        (("experiments", "train", "runs"), {"offset": "-1"}, 400, "offset='-1'"),
        (("experiments", "train", "runs"), {"sort": "size"}, 400, "sort 'size'"),
        (("experiments", "train", "runs"), {"sort": "metric"}, 400, "metric name"),
        (("experiments", "train", "runs"), {"order": "up"}, 400, "order='up'"),
        (("experiments", "train", "runs"), {"status": "Done"}, 400, "status 'Done'"),
        (("experiments", "train", "runs"), {"tag": "=x"}, 400, "tag='=x'"),
        (("experiments", "train", "runs"), {"limt": "5"}, 400, "'limt'"),
        (("experiments",), {"since": "x"}, 400, "since='x'"),
        (("runs", "RUN", "metrics"), {"budget": "5"}, 400, "budget='5'"),
        (("runs", "RUN", "log"), {"max_bytes": "0"}, 400, "max_bytes='0'"),
        (("runs", "RUN", "log"), {"name": "../x"}, 400, "'../x'"),
        (("runs", "RUN"), {"x": "1"}, 400, "'x'"),
        (("runs", "RUN", "files", "nope.txt"), {}, 404, "'nope.txt'"),
    ],
)
async def test_errors_name_the_bad_value(
    jp_fetch: Fetch,
    logged: Any,
    parts: tuple[str, ...],
    params: dict[str, str],
    expect: int,
    named: str,
) -> None:
    parts = tuple(logged["done"].id if part == "RUN" else part for part in parts)
    body = await get(jp_fetch, *parts, params=params, expect=expect)
    assert body["error"]["status"] == expect
    assert named in body["error"]["message"]
    assert "Traceback" not in json.dumps(body)


async def test_a_parameter_given_twice_is_refused(jp_fetch: Fetch, logged: Any) -> None:
    body = await get(
        jp_fetch,
        "experiments",
        "train",
        "runs",
        params=[("limit", "1"), ("limit", "2")],
        expect=400,
    )
    assert "'limit' is given 2 times" in body["error"]["message"]


ROUTE_URLS = [
    "experiments",
    "experiments/train/runs",
    "experiments/train/table",
    "experiments/train/table.csv",
    "experiments/train/scatter?x=number&y=duration",
    "experiments/train/overlay?metric=loss&run=RUN",
    "runs/RUN",
    "runs/RUN/children",
    "runs/RUN/metrics",
    "runs/RUN/evaluation",
    "runs/RUN/automl",
    "runs/RUN/log",
    "runs/RUN/files",
    "runs/RUN/files/outputs/model.txt",
    "models",
    "models/weights/versions/1",
    "openapi.json",
]


@pytest.mark.parametrize("route", ROUTE_URLS)
async def test_every_route_refuses_unauthenticated_requests(
    http_server_client: Any, jp_serverapp: Any, jp_base_url: str, logged: Any, route: str
) -> None:
    # The raw client sends no token (jp_fetch would add one).
    url = f"{jp_base_url}runwatch/api/{route.replace('RUN', logged['done'].id)}"
    client = http_server_client
    refused = await client.fetch(url, raise_error=False)
    assert refused.code == 403
    assert json.loads(refused.body)["error"]["status"] == 403
    assert b"weights" not in refused.body and b"runs" not in refused.body
    token = jp_serverapp.identity_provider.token
    allowed = await client.fetch(url, headers={"Authorization": f"token {token}"})
    assert allowed.code == 200


def test_routes_cover_the_url_list() -> None:
    from runwatch.server._handlers import ROUTES

    assert len(ROUTES) == len(ROUTE_URLS)


async def test_jupyterlab_cache_busting_timestamp_is_not_a_parameter(
    jp_fetch: Fetch, logged: Any
) -> None:
    # JupyterLab's ServerConnection appends `?<milliseconds>` with no value to GETs.
    body = await get(jp_fetch, "experiments", params={"1764290000000": ""})
    assert [row["name"] for row in body["experiments"]]
    refused = await get(jp_fetch, "experiments", params={"1764290000000": "1"}, expect=400)
    assert "'1764290000000'" in refused["error"]["message"]
