"""The OpenAPI document agrees with the route table, the parameters, the answer shapes
(`_rest_shapes.py`) and the real answers, and is the one its generator writes now."""

from __future__ import annotations

import json
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate
from typing_extensions import is_typeddict

from runwatch import Experiment, Workspace
from runwatch.server import _openapi
from runwatch.server._handlers import ROUTES, openapi_document
from runwatch.views import _rest_shapes as _wire

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]  # pytest-jupyter's jp_fetch


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_is_documented_with_its_parameters_and_nothing_else() -> None:
    paths = openapi_document()["paths"]
    assert sorted(paths) == sorted(path for path, _ in ROUTES)
    for path, handler in ROUTES:
        operation = paths[path]["get"]
        documented = {p["name"]: p["in"] for p in operation["parameters"]}
        in_path = {name for name, where in documented.items() if where == "path"}
        in_query = {name for name, where in documented.items() if where == "query"}
        assert in_path == set(typing.get_type_hints(handler.get)) - {"return"}, path
        assert in_query == {param.name for param in handler.operation.params}, path
        assert {"200", "403"} <= set(operation["responses"]), path


def test_schemas_have_exactly_the_typed_dict_fields() -> None:
    schemas = openapi_document()["components"]["schemas"]
    wire = {name: value for name, value in vars(_wire).items() if is_typeddict(value)}
    assert len(wire) >= 10
    for name, typed in wire.items():
        fields = set(typing.get_type_hints(typed))
        assert set(schemas[name]["properties"]) == fields, name
        assert set(schemas[name]["required"]) == fields, name
        assert schemas[name]["additionalProperties"] is False, name


def test_the_committed_document_is_the_generated_one() -> None:
    # If this fails: python -m runwatch.server._openapi (then npm run generate:api).
    assert openapi_document() == json.loads(_openapi.text())
    assert _openapi.PATH.read_text(encoding="utf-8") == _openapi.text()


def _check(body: Any, schema: str) -> None:
    document = openapi_document()
    jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    ).validate(body)


async def test_real_answers_match_the_documented_schemas(
    jp_fetch: Fetch, server_ws: Workspace
) -> None:
    with Experiment(server_ws, "exp").start_logging() as run:
        run.log("loss", 0.5)
        run.log("loss", float("nan"))
        run.tag("t")
        child = run.child_run()
        child.complete()
    with pytest.raises(RuntimeError), Experiment(server_ws, "exp").start_logging():
        raise RuntimeError("boom")

    async def body(*parts: str, **params: Any) -> Any:
        response = await jp_fetch("runwatch", "api", *parts, params=params)
        return json.loads(response.body)

    _check(await body("experiments"), "ExperimentList")
    page = await body("experiments", "exp", "runs", metric="loss")
    _check(page, "RunPage")
    _check(await body("experiments", "exp", "runs", since=page["cursor"]), "RunPage")
    for row in page["runs"]:
        _check(await body("runs", row["id"]), "RunDetailsBody")
    _check(await body("runs", run.id, "children"), "RunPage")
    _check(await body("runs", run.id, "metrics"), "MetricsBody")
    _check(await body("runs", run.id, "log"), "LogBody")
    _check(await body("runs", run.id, "files"), "FileList")
    table = await body("experiments", "exp", "table")
    _check(table, "RunsTable")
    assert {"metric:loss": "NaN", "tag:t": ""} in [row["values"] for row in table["rows"]]
    _check(await body("experiments", "exp", "table", since=table["cursor"]), "RunsTable")
    _check(await body("experiments", "exp", "table", parent=run.id), "RunsTable")
    scatter = await body("experiments", "exp", "scatter", x="duration", y="metric:loss")
    _check(scatter, "ScatterBody")
    unchanged = await body(
        "experiments", "exp", "scatter", x="number", y="number", since=table["cursor"]
    )
    _check(unchanged, "ScatterBody")
    _check(await body("experiments", "exp", "overlay", metric="loss", run=run.id), "OverlayBody")
    response = await jp_fetch("runwatch", "api", "nope", raise_error=False)
    assert response.code == 404
    missing = await jp_fetch("runwatch", "api", "runs", "nope", raise_error=False)
    _check(json.loads(missing.body), "Error")


async def test_the_document_is_served_under_the_base_url(jp_fetch: Fetch, jp_base_url: str) -> None:
    served = json.loads((await jp_fetch("runwatch", "api", "openapi.json")).body)
    assert served["servers"] == [{"url": f"{jp_base_url}runwatch/api"}]
    assert served["paths"] == openapi_document()["paths"]
