"""Query parameters are bounded: out-of-range or oversized ones are a 400 naming the
parameter, never a 500 from the store (an integer overflow, a LIKE pattern or an
SQL expression too large)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import runwatch
from runwatch import Experiment
from runwatch.server import _params

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]  # pytest-jupyter's jp_fetch
TOO_BIG = str(2**63)


@pytest.fixture
def run_id(server_ws: runwatch.Workspace) -> str:
    with Experiment(server_ws, "train").start_logging() as run:
        run.log("loss", 0.5)
        run.tag("team", "vision")
    return run.id


CASES = [
    ("experiments/train/runs", [("offset", TOO_BIG)], f"offset='{TOO_BIG}'"),
    ("experiments/train/table", [("offset", TOO_BIG)], f"offset='{TOO_BIG}'"),
    ("experiments/train/runs", [("offset", "9" * 5000)], "offset='999"),
    ("experiments", [("since", TOO_BIG)], f"since='{TOO_BIG}'"),
    ("runs/RUN/log", [("offset", TOO_BIG)], f"offset='{TOO_BIG}'"),
    ("experiments/train/runs", [("q", "x" * 49_999)], "q='xxx"),
    ("experiments/train/table", [("q", "%_" * 300)], "q='%_%_"),
    ("experiments/train/table.csv", [("q", "x" * 49_999)], "q='xxx"),
    ("experiments/train/runs", [("tag", f"k{i}") for i in range(1000)], "tag"),
    ("experiments/train/table", [("tag", f"k{i}=v") for i in range(1000)], "tag"),
    ("experiments/train/scatter?x=number&y=number", [("tag", "t")] * 30, "tag"),
    ("experiments/train/scatter", [("tag", "t")] * 1000, "tag"),
    ("experiments/train/runs", [("tag", "k=" + "v" * 30_000)], "tag='k=vvv"),
    ("experiments/train/runs", [("metric", "m" * 30_000)], "metric='mmm"),
    ("experiments/train/table", [("sort", "tag:" + "k" * 30_000)], "sort='tag:kkk"),
    ("runs/RUN/metrics", [("name", f"m{i}") for i in range(1000)], "name"),
    ("experiments/train/runs", [("status", "Running")] * 1000, "status"),
]


@pytest.mark.parametrize(("route", "params", "named"), CASES)
async def test_out_of_bounds_parameters_are_a_400(
    jp_fetch: Fetch, run_id: str, route: str, params: list[tuple[str, str]], named: str
) -> None:
    path, _, query = route.replace("RUN", run_id).partition("?")
    extra = [tuple(pair.split("=")) for pair in query.split("&")] if query else []
    response = await jp_fetch(
        "runwatch", "api", *path.split("/"), params=[*extra, *params], raise_error=False
    )
    assert response.code == 400, response.body[:300]
    assert response.headers["Content-Type"].startswith("application/json"), response.body[:300]
    message = json.loads(response.body)["error"]["message"]
    assert named in message and len(message) < 1000, message[:300]


async def test_parameters_at_their_bounds_are_answered(jp_fetch: Fetch, run_id: str) -> None:
    params = [
        ("offset", str(_params.MAX_OFFSET)),
        ("q", "x" * _params.MAX_TEXT),
        *[("tag", f"k{i}") for i in range(_params.MAX_TAG_FILTERS)],
    ]
    for route in ("runs", "table"):
        response = await jp_fetch("runwatch", "api", "experiments", "train", route, params=params)
        assert json.loads(response.body)["total"] == 0
    since = [("since", str(2**63 - 1))]
    response = await jp_fetch("runwatch", "api", "experiments", params=since)
    assert response.code == 200


def test_every_query_parameter_is_documented_with_its_bounds() -> None:
    from runwatch.server._handlers import openapi_document

    documented: dict[tuple[str, str], dict[str, Any]] = {}
    for path, item in openapi_document()["paths"].items():
        for parameter in item["get"]["parameters"]:
            if parameter["in"] != "query":
                continue
            schema = parameter["schema"]
            documented[(path, parameter["name"])] = schema
            kind = schema["type"]
            if kind == "integer":
                assert "maximum" in schema, (path, parameter["name"])
            elif kind == "string":
                assert "enum" in schema or "maxLength" in schema, (path, parameter["name"])
            else:
                assert "maxItems" in schema, (path, parameter["name"])
                assert "enum" in schema["items"] or "maxLength" in schema["items"]
    assert documented[("/experiments/{experiment}/runs", "offset")]["maximum"] == _params.MAX_OFFSET
    assert documented[("/experiments/{experiment}/table", "q")]["maxLength"] == _params.MAX_TEXT
    tag = documented[("/runs/{run_id}/children", "tag")]
    assert tag["maxItems"] == _params.MAX_TAG_FILTERS
    assert documented[("/runs/{run_id}/metrics", "name")]["maxItems"] == _params.MAX_NAMES
    assert documented[("/experiments", "since")]["maximum"] == 2**63 - 1
    sort = documented[("/experiments/{experiment}/table", "sort")]
    assert sort["maxLength"] == _params.MAX_COLUMN_KEY


def _beyond(schema: dict[str, Any]) -> list[str] | None:
    """Values of a parameter just past its documented bound (None: an enum bounds it)."""
    if "maximum" in schema:
        return [str(schema["maximum"] + 1)]
    if "maxLength" in schema:
        return ["k" * (schema["maxLength"] + 1)]
    if "maxItems" in schema:
        return ["k"] * (schema["maxItems"] + 1)
    return None


def _documented_bounds() -> list[tuple[str, str, list[str]]]:
    from runwatch.server._handlers import openapi_document

    cases = []
    for path, item in openapi_document()["paths"].items():
        for parameter in item["get"]["parameters"]:
            values = _beyond(parameter["schema"])
            if parameter["in"] == "query" and values is not None:
                cases.append((path, parameter["name"], values))
    return cases


#: Valid values of the required parameters, so that the one under test is what is refused.
REQUIRED = {"x": "number", "y": "number", "metric": "loss", "run": "RUN"}


@pytest.mark.parametrize(("path", "name", "values"), _documented_bounds())
async def test_a_value_past_its_documented_bound_is_a_400(
    jp_fetch: Fetch, run_id: str, path: str, name: str, values: list[str]
) -> None:
    from runwatch.server._handlers import openapi_document

    parameters = openapi_document()["paths"][path]["get"]["parameters"]
    required = [
        (p["name"], REQUIRED[p["name"]].replace("RUN", run_id))
        for p in parameters
        if p["required"] and p["in"] == "query" and p["name"] != name
    ]
    parts = path.replace("{experiment}", "train").replace("{run_id}", run_id).split("/")[1:]
    response = await jp_fetch(
        "runwatch",
        "api",
        *parts,
        params=[*required, *((name, value) for value in values)],
        raise_error=False,
    )
    assert response.code == 400, response.body[:300]
    assert name in json.loads(response.body)["error"]["message"]
