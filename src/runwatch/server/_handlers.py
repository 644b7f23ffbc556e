"""The REST API's tornado handlers: parse the request, call the service, write JSON.

`ROUTES` is the one route table (paths as in `openapi.json`); each handler's
`operation` declares its parameters and answer (`_operations`); `_Handler`
holds the one place where errors become HTTP answers. Service calls run in
a worker thread, so a slow store (or one waiting for another writer's lock)
never stalls the server's event loop.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import posixpath
import re
from collections.abc import Callable
from functools import cache, partial
from importlib import resources
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from runwatch.errors import ConfigError, RunwatchError, StoreError, ValidationError
from runwatch.server import _operations, _params
from runwatch.server._operations import Operation
from runwatch.server._params import QueryArgs
from runwatch.views._service import RunwatchService

API_PREFIX = "runwatch/api"
SERVICE_KEY = "runwatch_service"
_CHUNK = 1 << 16
T = TypeVar("T")


def status_of(error: BaseException) -> int:
    """The HTTP status for an error raised while answering a request."""
    if isinstance(error, tornado.web.HTTPError):
        return error.status_code
    if isinstance(error, LookupError):  # RunNotFoundError, NotFoundError
        return 404
    if isinstance(error, ValidationError):
        return 400
    if isinstance(error, (StoreError, ConfigError)):
        return 503  # the workspace cannot be read now; the request itself was fine
    return 500


class _Handler(APIHandler):
    #: The route's parameters (besides the server's `token`) and answer.
    operation: ClassVar[Operation]

    @property
    def service(self) -> RunwatchService:
        service: RunwatchService = self.settings[SERVICE_KEY]
        return service

    def args(self) -> QueryArgs:
        raw = {
            name: [self.decode_argument(value, name=name) for value in values]
            for name, values in self.request.query_arguments.items()
        }
        return QueryArgs(raw, self.operation.params)

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`function(*args, **kwargs)` in a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, partial(function, *args, **kwargs))

    async def answer(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.finish(json.dumps(await self.call(function, *args, **kwargs), allow_nan=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error answer: `{"error": {"status", "message"}}`, never a traceback."""
        error = kwargs["exc_info"][1] if "exc_info" in kwargs else None
        if isinstance(error, RunwatchError):
            status, message = status_of(error), str(error)
        elif isinstance(error, tornado.web.HTTPError):
            status = error.status_code
            message = error.log_message or self._reason
            if error.args and error.log_message:
                message = error.log_message % error.args
        else:
            status = status_code
            message = self._reason
            if status >= 500:
                message = "internal error in the runwatch server extension; see the server log"
        self.set_status(status)
        self.finish(json.dumps({"error": {"status": status, "message": message}}))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Domain errors are answers (404, 400), not server faults worth a traceback.
        if isinstance(value, RunwatchError) and status_of(value) < 500:
            self.log.info("runwatch API %s: %s", status_of(value), value)
            return
        super().log_exception(typ, value, tb)

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        if "exc_info" in kwargs and isinstance(kwargs["exc_info"][1], RunwatchError):
            status_code = status_of(kwargs["exc_info"][1])
        super().send_error(status_code, **kwargs)


class ExperimentsHandler(_Handler):
    operation = _operations.LIST_EXPERIMENTS

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.service.experiments, self.args().since())


class ExperimentRunsHandler(_Handler):
    operation = _operations.LIST_RUNS

    @tornado.web.authenticated
    async def get(self, experiment: str) -> None:
        args = self.args()
        query = _params.run_query(args, experiment=experiment)
        await self.answer(self.service.runs, query, args.since())


class ChildrenHandler(_Handler):
    operation = _operations.CHILDREN

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        args = self.args()
        query = _params.run_query(args, parent_id=run_id)
        await self.answer(self.service.runs, query, args.since())


class RunHandler(_Handler):
    operation = _operations.RUN

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.args()
        await self.answer(self.service.run, run_id)


class MetricsHandler(_Handler):
    operation = _operations.METRICS

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        args = self.args()
        budget, names = args.integer(_params.BUDGET), args.many(_params.NAMES)
        await self.answer(self.service.metrics, run_id, args.since(), budget, names)


class EvaluationHandler(_Handler):
    operation = _operations.EVALUATION

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        args = self.args()
        names, step = args.many(_params.NAMES), args.optional(_params.EVALUATION_STEP)
        await self.answer(self.service.evaluation, run_id, args.since(), names, step)


class AutoMLHandler(_Handler):
    operation = _operations.AUTOML

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        args = self.args()
        await self.answer(
            self.service.automl,
            run_id,
            args.since(),
            args.text(_params.AUTOML_METRIC),
            args.integer(_params.AUTOML_PAGE),
            str(args.choice(_params.AUTOML_SORT)),
            args.choice(_params.AUTOML_ORDER) == "desc",
        )


class LogHandler(_Handler):
    operation = _operations.LOG

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        args = self.args()
        await self.answer(
            self.service.log,
            run_id,
            args.text(_params.LOG_NAME),
            args.integer(_params.LOG_OFFSET),
            args.integer(_params.MAX_BYTES),
        )


class FilesHandler(_Handler):
    operation = _operations.FILES

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.args()
        await self.answer(self.service.files, run_id)


class FileHandler(_Handler):
    """A run file as a download, streamed from the artifact store in chunks."""

    operation = _operations.FILE

    @tornado.web.authenticated
    async def get(self, run_id: str, name: str) -> None:
        self.args()
        size, stream = await self.call(self.service.open_file, run_id, name)
        try:
            base = posixpath.basename(name)
            fallback = re.sub(r"[^A-Za-z0-9._-]", "_", base)
            self.set_header(
                "Content-Disposition",
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(base)}",
            )
            self.set_header("Content-Length", str(size))
            # Before the first chunk: flushing sends the headers as they are then.
            self.set_header("Content-Type", download_type(base))
            self.set_header("X-Content-Type-Options", "nosniff")
            left = size  # a growing log is sent as long as it was when asked for
            while left > 0:
                chunk = await self.call(stream.read, min(_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                self.write(chunk)
                await self.flush()
        finally:
            stream.close()
        self.finish()


#: Types a download keeps: ones a browser shows without running anything. Any other
#: (HTML, SVG, XML, scripts) would run in the server's origin if opened: a plain download.
_PASSIVE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "text/csv"}
)


def download_type(name: str) -> str:
    """The Content-Type of a run file sent as a download."""
    guessed = mimetypes.guess_type(name)[0]
    return guessed if guessed in _PASSIVE_TYPES else "application/octet-stream"


class TableHandler(_Handler):
    operation = _operations.RUNS_TABLE

    @tornado.web.authenticated
    async def get(self, experiment: str) -> None:
        args = self.args()
        await self.answer(self.service.table, _params.table_query(args, experiment), args.since())


class ScatterHandler(_Handler):
    operation = _operations.SCATTER

    @tornado.web.authenticated
    async def get(self, experiment: str) -> None:
        args = self.args()
        x, y = _params.axis(args, _params.X), _params.axis(args, _params.Y)
        query = _params.table_query(args, experiment)
        goal = args.choice(_params.GOAL)
        await self.answer(self.service.scatter, query, x, y, args.since(), goal)


class OverlayHandler(_Handler):
    operation = _operations.OVERLAY

    @tornado.web.authenticated
    async def get(self, experiment: str) -> None:
        args = self.args()
        metric = _params.overlay_metric(args)
        budget = args.integer(_params.OVERLAY_BUDGET)
        runs = _params.overlay_runs(args)
        await self.answer(self.service.overlay, experiment, metric, runs, budget, args.since())


class TableCsvHandler(_Handler):
    """The filtered runs table as a CSV download, streamed a few hundred rows at a time."""

    operation = _operations.RUNS_TABLE_CSV

    @tornado.web.authenticated
    async def get(self, experiment: str) -> None:
        query = _params.table_query(self.args(), experiment, paged=False)
        chunks = self.service.table_csv(query)
        first = await self.call(next, chunks, None)  # errors (404) before any header
        fallback = re.sub(r"[^A-Za-z0-9._-]", "_", experiment)
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header(
            "Content-Disposition",
            f'attachment; filename="{fallback}-runs.csv"; '
            f"filename*=UTF-8''{quote(experiment)}-runs.csv",
        )
        chunk = first
        while chunk is not None:
            self.write(chunk.encode("utf-8"))
            await self.flush()
            chunk = await self.call(next, chunks, None)
        self.finish()


class ModelsHandler(_Handler):
    operation = _operations.MODELS

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.service.models, self.args().since())


class ModelHandler(_Handler):
    operation = _operations.MODEL

    @tornado.web.authenticated
    async def get(self, model: str, version: str) -> None:
        self.args()
        await self.answer(self.service.model, model, version)


class OpenApiHandler(_Handler):
    """The OpenAPI document, with its server URL under this server's base URL."""

    operation = _operations.OPENAPI

    @tornado.web.authenticated
    async def get(self) -> None:
        self.args()
        document = dict(openapi_document())
        document["servers"] = [{"url": url_path_join(self.base_url, API_PREFIX)}]
        self.finish(json.dumps(document))


@cache
def openapi_document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


#: (path as written in openapi.json, handler). Path parameters match one segment,
#: except a file's `name`, which may hold '/' (percent-encoded or not).
ROUTES: list[tuple[str, type[_Handler]]] = [
    ("/experiments", ExperimentsHandler),
    ("/experiments/{experiment}/runs", ExperimentRunsHandler),
    ("/experiments/{experiment}/table", TableHandler),
    ("/experiments/{experiment}/table.csv", TableCsvHandler),
    ("/experiments/{experiment}/scatter", ScatterHandler),
    ("/experiments/{experiment}/overlay", OverlayHandler),
    ("/runs/{run_id}", RunHandler),
    ("/runs/{run_id}/children", ChildrenHandler),
    ("/runs/{run_id}/metrics", MetricsHandler),
    ("/runs/{run_id}/evaluation", EvaluationHandler),
    ("/runs/{run_id}/automl", AutoMLHandler),
    ("/runs/{run_id}/log", LogHandler),
    ("/runs/{run_id}/files", FilesHandler),
    ("/runs/{run_id}/files/{name}", FileHandler),
    ("/models", ModelsHandler),
    ("/models/{model}/versions/{version}", ModelHandler),
    ("/openapi.json", OpenApiHandler),
]
_MANY_SEGMENTS = {"name"}


def route_regex(path: str) -> str:
    """The tornado pattern of a route path such as `/runs/{run_id}`."""
    parts = re.split(r"\{(\w+)\}", path)
    pattern = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            pattern += re.escape(part)
        else:
            pattern += f"(?P<{part}>{'.+' if part in _MANY_SEGMENTS else '[^/]+'})"
    return pattern


def setup_route_handlers(web_app: Any, service: RunwatchService) -> str:
    """Register every route under `<base_url>/runwatch/api`; return that URL."""
    root = url_path_join(web_app.settings["base_url"], API_PREFIX)
    web_app.settings[SERVICE_KEY] = service
    web_app.add_handlers(
        ".*$", [(url_path_join(root, route_regex(path)), handler) for path, handler in ROUTES]
    )
    return str(root)
