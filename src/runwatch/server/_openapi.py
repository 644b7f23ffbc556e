"""Writes `openapi.json`, the REST API's description, from its declarations.

`components.schemas` are the answer shapes of `views/_rest_shapes.py` (through
pydantic's JSON schema of the TypedDicts); `paths` are the route table
(`_handlers.ROUTES`) and each route's `operation` (`_operations`, `_params`).
A development tool: the server only serves the file written here.

    python -m runwatch.server._openapi          # rewrite openapi.json
    python -m runwatch.server._openapi --check  # exit 1 if it is not current
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from typing_extensions import is_typeddict

from runwatch.server import _params
from runwatch.server._handlers import ROUTES
from runwatch.server._operations import PATH_PARAMS, Answer, Operation
from runwatch.server._params import Param, Repeated
from runwatch.views import _rest_shapes

PATH = Path(__file__).with_name("openapi.json")
_REF = "#/components/schemas/{model}"
_ERROR = {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}}
INFO = {
    "title": "runwatch REST API",
    "version": "1",
    "description": (
        "Read-only access to a runwatch workspace's experiments, runs, metrics, logs and "
        "files, served by the runwatch jupyter_server extension. Every route needs the "
        "Jupyter server's authentication (a token header or the browser session) and "
        "answers GET only. Times are seconds since the epoch. A `cursor` is the store's "
        "change counter: pass it back as `since`, and an unchanged answer costs one indexed "
        'read. Errors answer `{"error": {"status", "message"}}`. Every query parameter is '
        "bounded as its schema says (`maximum`, `maxLength`, `maxItems`; any parameter at "
        f"most {_params.MAX_REPEATS} times and {_params.MAX_LENGTH:,} characters); a value "
        "out of bounds answers 400 naming it."
    ),
}
RESPONSES = {
    "BadRequest": "a bad path or query parameter, named in the message",
    "Forbidden": "the request is not authenticated",
    "NotFound": "the experiment, run or file does not exist (or no workspace was found)",
}


class _Schemas(GenerateJsonSchema):
    """pydantic's JSON schema with keys in declaration order and no generated titles."""

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        return value

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def shapes() -> list[type]:
    """The answer shapes `_rest_shapes` declares, in their order there."""
    return [
        value
        for value in vars(_rest_shapes).values()
        if is_typeddict(value) and value.__module__ == _rest_shapes.__name__
    ]


def schemas() -> dict[str, Any]:
    """`components.schemas`: each shape, closed (no other keys), described by its
    docstring and its attributes' docstrings."""
    declared = shapes()
    every: Any = tuple.__class_getitem__(tuple(declared))  # tuple[each shape, ...]
    # The config reaches every TypedDict inside the tuple (none has its own).
    adapter: TypeAdapter[Any] = TypeAdapter(
        every, config=ConfigDict(extra="forbid", use_attribute_docstrings=True)
    )
    found = adapter.json_schema(ref_template=_REF, schema_generator=_Schemas, mode="serialization")
    result = {}
    for shape in declared:
        schema = found["$defs"][shape.__name__]
        del schema["title"]
        result[shape.__name__] = _one_line(schema)
    return result


def _one_line(schema: Any) -> Any:
    """The schema with every description's lines joined (docstrings wrap)."""
    if isinstance(schema, dict):
        return {
            key: " ".join(value.split())
            if key == "description" and isinstance(value, str)
            else _one_line(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_one_line(item) for item in schema]
    return schema


def parameter(param: Param) -> dict[str, Any]:
    found = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.description,
        "schema": param.schema(),
    }
    if isinstance(param, Repeated):
        found |= {"style": "form", "explode": True}
    return found


def content(answer: Answer) -> dict[str, Any]:
    schema = answer.schema
    if answer.shape is not None:
        schema = {"$ref": _REF.format(model=answer.shape.__name__)}
    return {answer.media_type: {"schema": schema}}


def operation(path: str, declared: Operation) -> dict[str, Any]:
    in_path = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMS[name],
            "schema": {"type": "string"},
        }
        for name in re.findall(r"\{(\w+)\}", path)
    ]
    answer: dict[str, Any] = {"description": declared.answer.description}
    if declared.answer.headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in declared.answer.headers.items()
        }
    answer["content"] = content(declared.answer)
    responses = {"200": answer, "400": _response("BadRequest"), "403": _response("Forbidden")}
    if declared.not_found:
        responses["404"] = _response("NotFound")
    found: dict[str, Any] = {"operationId": declared.operation_id, "summary": declared.summary}
    if declared.description is not None:
        found["description"] = declared.description
    found["parameters"] = [*in_path, *(parameter(param) for param in declared.params)]
    found["responses"] = responses
    return found


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the REST API."""
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": "/runwatch/api", "description": "under the Jupyter server's base URL"}],
        "security": [{"token": []}],
        "paths": {path: {"get": operation(path, handler.operation)} for path, handler in ROUTES},
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`token <the server's token>`",
                }
            },
            "responses": {
                name: {"description": text, "content": _ERROR} for name, text in RESPONSES.items()
            },
            "schemas": schemas(),
        },
    }


def text() -> str:
    """`document()` as written to openapi.json."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    current = text()
    if "--check" in argv:
        if PATH.read_text(encoding="utf-8") != current:
            print(f"{PATH} is not current: run python -m runwatch.server._openapi")
            return 1
        return 0
    PATH.write_text(current, encoding="utf-8")
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
