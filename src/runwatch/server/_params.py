"""Query parameters of the REST API: each declared once, with its type, bounds and
meaning, then parsed into the service's typed arguments.

The declarations below are what requests are checked against and what
`openapi.json` documents (`_openapi` writes each one's `schema()`). Every
problem raises `ValidationError` naming the parameter, the value and what was
expected; the handlers turn it into a 400 answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from runwatch.core._queries import RunQuery, TableQuery, check_column_key
from runwatch.core._records import RunStatus
from runwatch.core._values import (
    INT64_MAX,
    INT64_MIN,
    MAX_NAME_LENGTH,
    MAX_VALUE_LENGTH,
    short_repr,
)
from runwatch.errors import ValidationError
from runwatch.views._service import DEFAULT_LOG

#: Parameters any route accepts: the server's own token parameter.
ALWAYS_ALLOWED = frozenset({"token"})
# Bounds of every parameter, so that no request reaches the store with what it cannot
# answer (an int64 overflow, a LIKE pattern or an SQL expression too large) and none
# costs the server more than a page of work.
MAX_REPEATS = 100  # times any parameter may be given
MAX_LENGTH = 16_384  # characters of any value (a deep child's run id grows with its depth)
MAX_OFFSET = 1_000_000_000  # rows into a listing
MAX_TEXT = 500  # characters of `q`
MAX_TAG_FILTERS = 20
MAX_NAMES = 100  # `name` of the metrics route
MAX_METRIC_NAME = MAX_NAME_LENGTH
MAX_COLUMN_KEY = len("property:") + MAX_NAME_LENGTH
MAX_OVERLAY_RUNS = 50
MIN_BUDGET, MAX_BUDGET = 16, 10_000
MAX_LOG_BYTES = 4 << 20
_ORDERS = {"asc": False, "desc": True}
D = TypeVar("D", str, None)


@dataclass(frozen=True)
class Param:
    """A query parameter: its name and what it means to the reader of the API docs."""

    name: str
    description: str
    required: bool = field(default=False, kw_only=True)

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the parameter's value, bounds included."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Integer(Param):
    low: int
    high: int
    default: int | None = None

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer", "minimum": self.low, "maximum": self.high}
        return schema if self.default is None else {**schema, "default": self.default}


@dataclass(frozen=True, kw_only=True)
class Text(Param, Generic[D]):
    """A value given once, of at most `most` characters; empty is the same as absent."""

    most: int
    default: D

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": self.most}
        return {**schema, "default": self.default} if self.default else schema


@dataclass(frozen=True, kw_only=True)
class Choice(Param, Generic[D]):
    """One of `choices`, given once; empty is the same as absent."""

    choices: tuple[str, ...]
    default: D

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "enum": list(self.choices)}
        return schema if self.default is None else {**schema, "default": self.default}


@dataclass(frozen=True, kw_only=True)
class Repeated(Param):
    """A parameter given up to `most` times, each value of at most `item_length`
    characters (or one of `item_choices`, checked by the query that takes them)."""

    most: int
    fewest: int = 0
    item_length: int = MAX_LENGTH
    item_choices: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        items: dict[str, Any] = {"type": "string"}
        if self.item_choices:
            items["enum"] = list(self.item_choices)
        else:
            items["maxLength"] = self.item_length
        schema: dict[str, Any] = {"type": "array", "items": items}
        if self.fewest:
            schema["minItems"] = self.fewest
        return {**schema, "maxItems": self.most}


# --- the declarations --------------------------------------------------------------------
SINCE = Integer(
    "since",
    "the cursor of an earlier answer; if nothing changed since, the answer is "
    "{unchanged: true} with empty lists",
    low=0,
    high=INT64_MAX,
)
STATUS = Repeated(
    "status",
    "keep runs with these statuses (repeatable or comma-separated)",
    most=MAX_REPEATS,
    item_choices=tuple(sorted(RunStatus.ALL)),  # checked by RunQuery
)
TAG = Repeated(
    "tag",
    "`key` (has the tag) or `key=value`; repeatable, all must hold",
    most=MAX_TAG_FILTERS,
    item_length=MAX_NAME_LENGTH + 1 + MAX_VALUE_LENGTH,
)
TEXT = Text(
    "q",
    "text matched case-insensitively against id, display name, number and tag values",
    most=MAX_TEXT,
    default="",
)
RUN_SORT = Choice(
    "sort",
    "active: active and queued runs first, then newest; metric: by the latest value of "
    "`metric` (runs without it last)",
    choices=RunQuery.SORTS,  # checked by RunQuery
    default="active",
)
RUN_ORDER = Choice(
    "order",
    "desc is the order described for `sort`; asc reverses it",
    choices=tuple(_ORDERS),
    default="desc",
)
OFFSET = Integer("offset", "runs to skip", low=0, high=MAX_OFFSET, default=0)
RUN_LIMIT = Integer("limit", "runs per page", low=1, high=RunQuery.MAX_LIMIT, default=50)
LISTED_METRIC = Text(
    "metric",
    "a metric name: each run's latest value is its `metric` field (needed by sort=metric)",
    most=MAX_METRIC_NAME,
    default=None,
)
PARENT = Text(
    "parent",
    "a run id: compare that run's direct children (a sweep's trials) instead of the "
    "experiment's top-level runs; 404 if it is not a run of this experiment",
    most=MAX_LENGTH,
    default=None,
)
_COLUMN_KEY = (
    "a column key: number, status, display_name, created_time, duration, tag:<key>, "
    "property:<key> or metric:<name>; a key no run here has is refused (400)"
)
TABLE_SORT = Text(
    "sort",
    f"{_COLUMN_KEY}; runs without a value come last either way, ties by number",
    most=MAX_COLUMN_KEY,
    default="number",
)
TABLE_ORDER = Choice(
    "order", "desc (default) or asc", choices=tuple(_ORDERS), default=RUN_ORDER.default
)
TABLE_LIMIT = Integer("limit", "rows per page", low=1, high=TableQuery.MAX_LIMIT, default=100)
X = Text(
    "x",
    f"the column key of the x axis ({_COLUMN_KEY})",
    most=MAX_COLUMN_KEY,
    default=None,
    required=True,
)
Y = Text("y", "the column key of the y axis", most=MAX_COLUMN_KEY, default=None, required=True)
GOAL = Choice(
    "goal",
    "which y is best, min (the lowest) or max (the highest), for the answer's `best`; "
    "the parent sweep's primary_metric_goal wins when y is its primary metric",
    choices=("min", "max"),
    default=None,
)
OVERLAY_METRIC = Text(
    "metric", "the metric name", most=MAX_METRIC_NAME, default=None, required=True
)
RUNS = Repeated(
    "run",
    f"run ids of this experiment, 1 to {MAX_OVERLAY_RUNS} (repeatable or comma-separated)",
    most=MAX_OVERLAY_RUNS,
    fewest=1,
    required=True,
)
OVERLAY_BUDGET = Integer(
    "budget",
    "at most this many points per run, min/max downsampled",
    low=MIN_BUDGET,
    high=MAX_BUDGET,
    default=500,
)
BUDGET = Integer("budget", "most points per series", low=MIN_BUDGET, high=MAX_BUDGET, default=2000)
NAMES = Repeated(
    "name", "only these metrics (repeatable)", most=MAX_NAMES, item_length=MAX_METRIC_NAME
)
EVALUATION_STEP = Integer(
    "step",
    "draw each metric as logged at this step (the last logged at or before it); default: its last",
    low=INT64_MIN,
    high=INT64_MAX,
)
AUTOML_METRIC = Text(
    "metric",
    "the metric the table, the best iteration and the chart follow (default: the primary "
    "metric); one of the search's task",
    most=MAX_METRIC_NAME,
    default=None,
)
AUTOML_PAGE = Integer(
    "page", "the page of the iteration table, from 0", low=0, high=MAX_OFFSET, default=0
)
AUTOML_SORT = Choice(
    "sort",
    "the column the iteration table is sorted by (iterations without a value last)",
    choices=("iteration", "pipeline", "metric", "best", "status", "duration", "started"),
    default="iteration",
)
AUTOML_ORDER = Choice("order", "asc (default) or desc", choices=tuple(_ORDERS), default="asc")
LOG_NAME = Text("name", "the log's file name in the run", most=MAX_LENGTH, default=DEFAULT_LOG)
LOG_OFFSET = Integer("offset", "bytes already read", low=0, high=INT64_MAX, default=0)
MAX_BYTES = Integer("max_bytes", "most bytes to return", low=1, high=MAX_LOG_BYTES, default=65536)

RUN_LISTING = (SINCE, STATUS, TAG, TEXT, RUN_SORT, RUN_ORDER, OFFSET, RUN_LIMIT, LISTED_METRIC)
TABLE_FILTERS = (PARENT, STATUS, TAG, TEXT)
TABLE = (SINCE, *TABLE_FILTERS, TABLE_SORT, TABLE_ORDER, OFFSET, TABLE_LIMIT)
TABLE_CSV = (*TABLE_FILTERS, TABLE_SORT, TABLE_ORDER)
SCATTER = (SINCE, *TABLE_FILTERS, X, Y, GOAL)
OVERLAY = (SINCE, OVERLAY_METRIC, RUNS, OVERLAY_BUDGET)
METRICS = (SINCE, BUDGET, NAMES)
EVALUATION = (SINCE, NAMES, EVALUATION_STEP)
AUTOML = (SINCE, AUTOML_METRIC, AUTOML_PAGE, AUTOML_SORT, AUTOML_ORDER)
LOG = (LOG_NAME, LOG_OFFSET, MAX_BYTES)


class QueryArgs:
    """The query parameters of one request, checked against the ones a route takes."""

    def __init__(self, raw: Mapping[str, Sequence[str]], allowed: Sequence[Param]) -> None:
        # JupyterLab's request helper appends a bare timestamp (`?1764290000000`) to defeat
        # caches; such a key with no value is not a parameter.
        raw = {k: v for k, v in raw.items() if not (k.isdigit() and all(x == "" for x in v))}
        names = {param.name for param in allowed}
        unknown = sorted(set(raw) - names - ALWAYS_ALLOWED)
        if unknown:
            expected = f"one of {sorted(names)}" if names else "none"
            raise ValidationError(
                f"unknown query parameter {unknown[0]!r}; this route takes {expected}"
            )
        for name, values in raw.items():
            _count(name, values, MAX_REPEATS)
            for value in values:
                _length(name, value, MAX_LENGTH)
        self.raw = raw

    def many(self, param: Repeated) -> list[str]:
        values = list(self.raw.get(param.name, ()))
        _count(param.name, values, param.most)
        return [_length(param.name, value, param.item_length) for value in values]

    def one(self, name: str) -> str | None:
        values = list(self.raw.get(name, ()))
        if len(values) > 1:
            raise ValidationError(
                f"query parameter {name!r} is given {len(values)} times ({values!r}); "
                "expected it once"
            )
        return values[0] if values else None

    def text(self, param: Text[D]) -> str | D:
        value = self.one(param.name)
        return _length(param.name, value, param.most) if value else param.default

    def choice(self, param: Choice[D]) -> str | D:
        value = self.one(param.name)
        if not value:
            return param.default
        if value not in param.choices:
            raise ValidationError(f"{param.name}={value!r} is not one of {list(param.choices)}")
        return value

    def integer(self, param: Integer) -> int:
        text = self.one(param.name)
        if text is None:
            if param.default is None:
                raise ValidationError(f"query parameter {param.name!r} is missing")
            return param.default
        try:
            value = int(text)
        except ValueError:  # not digits, or more than Python converts
            value = None
        if value is None or not param.low <= value <= param.high:
            raise ValidationError(
                f"{param.name}={short_repr(text)} is not an integer from {param.low} to "
                f"{param.high}"
            )
        return value

    def since(self) -> int | None:
        return None if self.one(SINCE.name) is None else self.integer(SINCE)

    def optional(self, param: Integer) -> int | None:
        """An integer parameter without a default: None when absent."""
        return None if self.one(param.name) is None else self.integer(param)


def _count(name: str, values: Sequence[str], most: int) -> None:
    if len(values) > most:
        raise ValidationError(
            f"query parameter {name!r} is given {len(values)} times; expected at most {most}"
        )


def _length(name: str, value: str, most: int) -> str:
    if len(value) > most:
        raise ValidationError(
            f"{name}={short_repr(value)} is {len(value)} characters long; expected at most {most}"
        )
    return value


def _filters(args: QueryArgs) -> tuple[tuple[str, ...], tuple[tuple[str, str | None], ...]]:
    """(statuses, tags) of the listing parameters `status` and `tag`."""
    statuses = tuple(
        dict.fromkeys(s.strip() for value in args.many(STATUS) for s in value.split(",") if s)
    )
    tags: list[tuple[str, str | None]] = []
    for tag in args.many(TAG):
        key, sep, value = tag.partition("=")
        if not key:
            raise ValidationError(f"tag={tag!r} names no tag; expected 'key' or 'key=value'")
        if len(key) > MAX_NAME_LENGTH or len(value) > MAX_VALUE_LENGTH:
            raise ValidationError(
                f"tag={short_repr(tag)} is too long; a tag name has at most {MAX_NAME_LENGTH} "
                f"characters and a value at most {MAX_VALUE_LENGTH}"
            )
        tags.append((key, value if sep else None))
    return statuses, tuple(tags)


def run_query(
    args: QueryArgs, *, experiment: str | None = None, parent_id: str | None = None
) -> RunQuery:
    """The `RunQuery` of a run listing's parameters (see `_rest_shapes.RunPage`)."""
    statuses, tags = _filters(args)
    return RunQuery(
        experiment=experiment,
        parent_id=parent_id,
        statuses=statuses,
        tags=tags,
        text=args.text(TEXT),
        sort=args.one(RUN_SORT.name) or RUN_SORT.default,  # RunQuery names a bad one
        descending=_ORDERS[args.choice(RUN_ORDER)],
        offset=args.integer(OFFSET),
        limit=args.integer(RUN_LIMIT),
        metric=args.text(LISTED_METRIC),
    )


def table_query(args: QueryArgs, experiment: str, *, paged: bool = True) -> TableQuery:
    """The `TableQuery` of a dashboard route's parameters (see `_rest_shapes.RunsTable`);
    without `paged`, every row (the CSV export)."""
    statuses, tags = _filters(args)
    return TableQuery(
        experiment=experiment,
        parent_id=args.text(PARENT),
        statuses=statuses,
        tags=tags,
        text=args.text(TEXT),
        sort=check_column_key(args.text(TABLE_SORT), "sort"),
        descending=_ORDERS[args.choice(TABLE_ORDER)],
        offset=args.integer(OFFSET) if paged else 0,
        limit=args.integer(TABLE_LIMIT) if paged else None,
    )


def axis(args: QueryArgs, param: Text[None]) -> str:
    """The column key of the scatter parameter `x` or `y` (required)."""
    key = args.text(param)
    if not key:
        raise ValidationError(f"query parameter {param.name!r} is missing; expected a column key")
    return check_column_key(key, param.name)


def overlay_metric(args: QueryArgs) -> str:
    metric = args.text(OVERLAY_METRIC)
    if not metric:
        raise ValidationError("query parameter 'metric' is missing; expected a metric name")
    return metric


def overlay_runs(args: QueryArgs) -> list[str]:
    runs = [run for value in args.many(RUNS) for run in value.split(",") if run]
    if not RUNS.fewest <= len(runs) <= RUNS.most:
        raise ValidationError(
            f"run is given {len(runs)} times; an overlay shows {RUNS.fewest} to {RUNS.most} "
            "runs (repeat run=<id>, or separate ids with commas)"
        )
    return runs
