"""The REST API's wire shapes: the JSON body of every successful response.

Declared once here, described route by route in `openapi.json` next to the
routes, and mirrored field for field by the TypeScript interfaces in
js/lab/api.ts; tests check that all three agree.

All routes live under `<base_url>/runwatch/api/` and answer GET only.
Times are seconds since the epoch (floats); `cursor` values are the store's
change counter: pass the last one back as `since` and an unchanged answer
is `{"unchanged": true, "cursor": ...}` at the cost of one indexed read.
"""

from __future__ import annotations

from typing import Literal, TypedDict

Cell = str | float | int | bool | None
#: Which value of a column is best: the lowest or the highest.
Goal = Literal["min", "max"]
#: Who set the goal: the sweep (its primary metric) or the request (`goal=`).
GoalSource = Literal["sweep", "request"]


class ErrorBody(TypedDict):
    """Every 4xx answer: `{"error": {"status": 404, "message": "run 'x' not found"}}`."""

    status: int
    message: str


class ExperimentRow(TypedDict):
    name: str
    created_time: float
    run_count: int  # top-level runs only
    active_count: int  # top-level runs that are Queued, Preparing, Running or Finalizing
    last_created_time: float | None  # newest top-level run, None for an empty experiment


class ExperimentList(TypedDict):
    """GET experiments[?since=cursor]"""

    cursor: int
    unchanged: bool
    experiments: list[ExperimentRow]


class RunRow(TypedDict):
    id: str
    number: int
    experiment: str
    display_name: str | None
    type: str  # "interactive", "script", "sweep", "child", ...
    status: str
    created_time: float
    start_time: float | None
    end_time: float | None
    parent_id: str | None
    child_count: int
    tags: dict[str, str]
    metric: Cell  # latest value of the `metric` query parameter, None if not logged


class RunPage(TypedDict):
    """GET experiments/{experiment}/runs and GET runs/{run_id}/children.

    Query: status (repeatable or comma-separated), tag (`key` or `key=value`,
    repeatable), q (text matched case-insensitively against id, display name,
    number and tag values), sort (`active` (default: active and queued first,
    then newest), `number`, `created`, `status`, `duration`, `metric`), order
    (`asc`/`desc`), offset (>= 0), limit (1..500, default 50), metric (a
    metric name for the `metric` column and the `metric` sort), since.
    `total` counts the filtered runs; `status_counts` counts every run of
    the listing before the status filter (the sidebar's per-status counts).
    """

    cursor: int
    unchanged: bool
    total: int
    offset: int
    limit: int
    status_counts: dict[str, int]
    metric_names: list[str]  # metrics logged by runs of this listing, sorted
    runs: list[RunRow]


class MetricSummary(TypedDict):
    name: str
    kind: str  # MetricKind value: scalar, list, row, table, image, ...
    count: int
    last_value: Cell
    last_step: int | None


class FileRow(TypedDict):
    name: str
    size: int
    created_time: float


class RunDetailsBody(TypedDict):
    """GET runs/{run_id}"""

    cursor: int
    run: RunRow
    error: dict[str, str] | None  # the run's error (message, type, traceback, ...)
    properties: dict[str, Cell]
    metrics: list[MetricSummary]
    files: list[FileRow]
    log_files: list[str]  # names under logs/, the driver log first
    children_status_counts: dict[str, int]
    snippet: str  # Python that shows this run's RunDetails in a notebook of this server


class SeriesBody(TypedDict):
    name: str
    kind: str
    count: int  # points logged
    x: list[float]  # step (or index) of each shown point, downsampled to `budget`
    y: list[float | None]  # value at x; NaN and inf as None


class MetricsBody(TypedDict):
    """GET runs/{run_id}/metrics?since=cursor&budget=2000&name=...

    Numeric series changed after `since` (all when since=0), each downsampled
    with the widget's min/max rule to at most `budget` points (16..10000).
    """

    cursor: int
    unchanged: bool
    series: list[SeriesBody]


class LogBody(TypedDict):
    """GET runs/{run_id}/log?name=logs/driver.log&offset=0&max_bytes=65536

    The bytes of the log after `offset` (at most `max_bytes`, cut back to a
    whole line), decoded as UTF-8 with replacement; `next_offset` is where
    to ask next. `size` is the file's size now; a missing log has size 0.
    """

    name: str
    offset: int
    next_offset: int
    size: int
    text: str


# GET runs/{run_id}/files -> {"files": [FileRow, ...]}
# GET runs/{run_id}/files/{name} -> the file's bytes (Content-Disposition: attachment)
# GET openapi.json -> the OpenAPI 3.1 document
class FileList(TypedDict):
    files: list[FileRow]


# --- the experiment dashboard: compare the runs of an experiment -------------------------
# Every dashboard route takes the run listing's filters (status, tag, q) and a scope:
# `parent=<run id>` compares that run's direct children (a sweep's trials) instead of
# the experiment's top-level runs. Each answer is one store query, never one per run.


class ColumnInfo(TypedDict):
    """One column of the runs table.

    `key` is `number`, `status`, `display_name`, `created_time`, `duration`,
    `tag:<name>`, `property:<name>` or `metric:<name>` (a metric's latest value).
    `numeric` says every present value is a number (the chart builder offers
    numeric columns for axes).
    """

    key: str
    label: str
    group: str  # "run", "tag", "property" or "metric"
    numeric: bool


class TableRow(TypedDict):
    id: str
    number: int
    status: str
    display_name: str | None
    created_time: float
    start_time: float | None
    end_time: float | None
    values: dict[str, Cell]  # column key -> value, for the tag/property/metric columns


class RunsTable(TypedDict):
    """GET experiments/{experiment}/table

    Query: parent, status, tag, q, sort (a column key; default `number`),
    order (default `desc`), offset, limit (1..500, default 100), since.
    `columns` lists every column of the filtered runs (run columns first,
    then tags, properties and metrics, each sorted by name); `rows` is one
    page. Runs without a value in the sort column come last.
    """

    cursor: int
    unchanged: bool
    total: int
    offset: int
    limit: int
    status_counts: dict[str, int]
    columns: list[ColumnInfo]
    rows: list[TableRow]


class ScatterPoint(TypedDict):
    id: str
    number: int
    status: str
    display_name: str | None
    x: float | None  # None: the run has no numeric value in that column
    y: float | None


class ScatterBody(TypedDict):
    """GET experiments/{experiment}/scatter?x=<column key>&y=<column key>

    One point per filtered run (all of them, no paging; up to 100,000), for
    plotting one metric or parameter against another across runs, and the best
    run: the lowest or highest `y` by the parent sweep's `primary_metric_goal`
    when `y` is its primary metric, else by the request's `goal`, else none.
    """

    cursor: int
    unchanged: bool
    x: ColumnInfo
    y: ColumnInfo
    points: list[ScatterPoint]
    goal: Goal | None  # None: neither the sweep nor the request says which y is best
    goal_source: GoalSource | None
    best: str | None  # the run id with the best y (the lowest number wins a tie)


class RunSeries(TypedDict):
    id: str
    number: int
    display_name: str | None
    count: int
    x: list[float]
    y: list[float | None]


class OverlayBody(TypedDict):
    """GET experiments/{experiment}/overlay?metric=<name>&run=<id>&run=<id>...&budget=500

    One metric's series from each of the chosen runs (1..50 runs; each
    downsampled to `budget` points, 16..10000), read in one query.
    """

    cursor: int
    unchanged: bool
    metric: str
    series: list[RunSeries]


# GET experiments/{experiment}/table.csv -> the filtered runs table (every row, every
# column, same query parameters as `table` without offset/limit) as text/csv, UTF-8,
# Content-Disposition: attachment; filename="<experiment>-runs.csv"
