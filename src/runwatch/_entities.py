"""Plain, frozen records that the store hands to the API layer.

They are independent of database rows and wire formats: a store builds them,
the `Run`/`Experiment` objects and the views read them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar


class RunStatus:
    """The statuses a run moves through (Azure ML's names)."""

    NOT_STARTED = "NotStarted"
    QUEUED = "Queued"
    PREPARING = "Preparing"
    RUNNING = "Running"
    FINALIZING = "Finalizing"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"
    NOT_RESPONDING = "NotResponding"

    ALL = frozenset(
        {
            NOT_STARTED,
            QUEUED,
            PREPARING,
            RUNNING,
            FINALIZING,
            COMPLETED,
            FAILED,
            CANCELED,
            NOT_RESPONDING,
        }
    )
    FINAL = frozenset({COMPLETED, FAILED, CANCELED})

    @classmethod
    def is_final(cls, status: str) -> bool:
        return status in cls.FINAL


class MetricKind:
    """How a metric was logged; decides how `get_metrics` returns it."""

    SCALAR = "scalar"  # run.log: one value, or a series when repeated
    LIST = "list"  # run.log_list
    ROW = "row"  # run.log_row: one row per call
    TABLE = "table"  # run.log_table: a dict of columns per call
    IMAGE = "image"  # run.log_image

    API: ClassVar[dict[str, str]] = {
        SCALAR: "log",
        LIST: "log_list",
        ROW: "log_row",
        TABLE: "log_table",
        IMAGE: "log_image",
    }


@dataclass(frozen=True)
class ExperimentInfo:
    id: int
    name: str
    created_time: float


@dataclass(frozen=True)
class RunInfo:
    id: str
    experiment: str
    number: int
    parent_id: str | None
    root_id: str
    run_type: str
    display_name: str | None
    status: str
    created_time: float
    start_time: float | None
    end_time: float | None
    heartbeat_time: float | None
    seq: int
    cancel_requested: bool = False
    owner_pid: int | None = None
    owner_host: str | None = None
    # The JSON columns are decoded on first access: listings of thousands of runs
    # mostly read ids, statuses and times.
    error_json: str | None = field(default=None, repr=False)
    tags_json: str = field(default="{}", repr=False)
    properties_json: str = field(default="{}", repr=False)

    @cached_property
    def error(self) -> Mapping[str, Any] | None:
        error: Mapping[str, Any] | None = (
            json.loads(self.error_json) if self.error_json is not None else None
        )
        return error

    @cached_property
    def tags(self) -> Mapping[str, str]:
        tags: Mapping[str, str] = json.loads(self.tags_json)
        return tags

    @cached_property
    def properties(self) -> Mapping[str, Any]:
        properties: Mapping[str, Any] = json.loads(self.properties_json)
        return properties

    @property
    def is_final(self) -> bool:
        return RunStatus.is_final(self.status)

    def duration(self, now: float) -> float | None:
        """Seconds from start to end, or to `now` while the run is not final."""
        if self.start_time is None:
            return None
        end = self.end_time if self.end_time is not None else now
        return max(0.0, end - self.start_time)


@dataclass(frozen=True)
class MetricInfo:
    run_id: str
    name: str
    kind: str
    value_class: str | None
    description: str
    count: int
    last_value: Any
    last_step: int | None
    seq: int


@dataclass(frozen=True)
class MetricPoints:
    """Points of one metric in order: `values[i]` was logged at `steps[i]`, `times[i]`."""

    first_index: int
    steps: list[int]
    values: list[Any]
    times: list[float]

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class MetricBatch:
    """Points buffered by a `Run` for one metric, written to the store in one go."""

    name: str
    kind: str
    value_class: str | None
    description: str
    steps: list[int]
    values: list[Any]
    times: list[float]


@dataclass(frozen=True)
class FileInfo:
    run_id: str
    name: str
    size: int
    created_time: float
    seq: int


@dataclass(frozen=True)
class MetricChunk:
    """One stored chunk of a metric's points, still packed (see `_codec`).

    Chunks move between stores as they are, so a copy never unpacks a point.
    """

    name: str
    first_index: int
    n: int
    encoding: str
    steps: bytes
    times: bytes
    vals: bytes


@dataclass(frozen=True)
class RunExport:
    """Everything a store holds about one run, read in one snapshot (for copying).

    `chunks` is empty when the export was read without them.
    """

    info: RunInfo
    definition: Mapping[str, Any] | None
    metrics: list[MetricInfo]
    files: list[FileInfo]
    chunks: list[MetricChunk] = field(default_factory=list)


@dataclass(frozen=True)
class RunSummary:
    """A run with the latest value of some of its metrics (for listings)."""

    info: RunInfo
    metrics: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def status(self) -> str:
        return self.info.status

    @property
    def number(self) -> int:
        return self.info.number


@dataclass(frozen=True)
class RunChanges:
    """What changed in a run (and its direct children) after a cursor.

    `cursor` is the value to pass next time. Metric points come with the index
    of their first point, so a reader that already has some of them (after the
    store compacted small chunks) can drop what it has.
    """

    cursor: int
    run: RunInfo | None
    metrics: Mapping[str, MetricInfo] = field(default_factory=dict)
    points: Mapping[str, list[MetricPoints]] = field(default_factory=dict)
    files: list[FileInfo] = field(default_factory=list)
    children: list[RunInfo] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.run is None and not self.children


@dataclass(frozen=True)
class ExperimentStats:
    """An experiment with counts over its top-level runs (for listings)."""

    name: str
    created_time: float
    run_count: int
    active_count: int  # Queued, Preparing, Running, Finalizing or NotResponding
    last_created_time: float | None


@dataclass(frozen=True)
class RunQuery:
    """One page of an experiment's top-level runs, or of a run's direct children.

    Exactly one of `experiment` and `parent_id` is set. `tags` holds
    (key, None) for "has the tag" and (key, value) for "has it with this
    value". `text` matches case-insensitively against the id, display name,
    number and tag values. `sort` is one of `SORTS`; `descending` reverses
    the ascending order (for "active": active and queued runs first, then
    newest). `metric` names the metric whose latest value each listed run
    carries (and that sort="metric" orders by, runs without it last).
    """

    SORTS: ClassVar[tuple[str, ...]] = (
        "active",
        "number",
        "created",
        "status",
        "duration",
        "metric",
    )
    MAX_LIMIT: ClassVar[int] = 500

    experiment: str | None = None
    parent_id: str | None = None
    statuses: tuple[str, ...] = ()
    tags: tuple[tuple[str, str | None], ...] = ()
    text: str = ""
    sort: str = "active"
    descending: bool = True
    offset: int = 0
    limit: int = 50
    metric: str | None = None

    def __post_init__(self) -> None:
        from .errors import ValidationError

        if (self.experiment is None) == (self.parent_id is None):
            raise ValidationError(
                f"a run query names an experiment ({self.experiment!r}) or a parent run "
                f"({self.parent_id!r}); expected exactly one of them"
            )
        for status in self.statuses:
            if status not in RunStatus.ALL:
                raise ValidationError(
                    f"status {status!r} is not a run status; expected one of "
                    f"{sorted(RunStatus.ALL)}"
                )
        if self.sort not in self.SORTS:
            raise ValidationError(f"sort {self.sort!r} is not one of {list(self.SORTS)}")
        if self.sort == "metric" and not self.metric:
            raise ValidationError("sort 'metric' needs a metric name; none was given")
        if type(self.offset) is not int or self.offset < 0:
            raise ValidationError(f"offset {self.offset!r} must be an int >= 0")
        if type(self.limit) is not int or not 1 <= self.limit <= self.MAX_LIMIT:
            raise ValidationError(f"limit {self.limit!r} must be an int from 1 to {self.MAX_LIMIT}")


@dataclass(frozen=True)
class ListedRun:
    """A run in a page of runs: its record, its direct child count, and the
    latest value of the queried metric (None if it has not logged it)."""

    info: RunInfo
    child_count: int
    metric: Any


@dataclass(frozen=True)
class RunPageResult:
    """The answer to a `RunQuery`, all read in one snapshot at change counter `cursor`.

    `total` counts every run that passes the filters; `status_counts` counts
    the runs that pass every filter except the status filter; `metric_names`
    lists the metrics logged by any run of the listing (filters ignored).
    """

    cursor: int
    total: int
    status_counts: Mapping[str, int]
    metric_names: list[str]
    runs: list[ListedRun]


@dataclass(frozen=True)
class TableQuery:
    """The runs table of the experiment dashboard: an experiment's top-level runs
    (`experiment`; every run at any depth with `include_children`), or a run's
    direct children (`parent_id`; with `experiment` too, none if the parent is
    in another experiment), with every value of every run.

    Filters as in `RunQuery` (`statuses`, `tags`, `text`). `sort` is a column
    key: one of `RUN_COLUMNS`, or `tag:<key>`, `property:<key>`,
    `metric:<name>` (a scalar metric's latest value). Runs without a value in
    the sort column come last either way; ties go by number. `limit=None`
    gives every row (exports, charts).
    """

    RUN_COLUMNS: ClassVar[tuple[str, ...]] = (
        "number",
        "status",
        "display_name",
        "created_time",
        "duration",
    )
    GROUPS: ClassVar[tuple[str, ...]] = ("tag", "property", "metric")
    MAX_LIMIT: ClassVar[int] = 500

    experiment: str | None = None
    parent_id: str | None = None
    statuses: tuple[str, ...] = ()
    tags: tuple[tuple[str, str | None], ...] = ()
    text: str = ""
    sort: str = "number"
    descending: bool = True
    offset: int = 0
    limit: int | None = 100
    include_children: bool = False

    def __post_init__(self) -> None:
        from .errors import ValidationError

        # The scope and filter checks are RunQuery's, with the same messages.
        RunQuery(
            experiment=self.experiment if self.parent_id is None else None,
            parent_id=self.parent_id,
            statuses=self.statuses,
            tags=self.tags,
            text=self.text,
            offset=self.offset,
        )
        check_column_key(self.sort, "sort")
        if self.limit is not None and (
            type(self.limit) is not int or not 1 <= self.limit <= self.MAX_LIMIT
        ):
            raise ValidationError(
                f"limit {self.limit!r} must be an int from 1 to {self.MAX_LIMIT}, or None for all"
            )
        if self.include_children and self.parent_id is not None:
            raise ValidationError(
                "include_children lists every run of an experiment; a parent's listing "
                "holds its direct children only"
            )


def check_column_key(key: object, what: str = "column") -> str:
    """`key` if it is a well-formed column key of the runs table, else `ValidationError`."""
    from .errors import ValidationError

    if isinstance(key, str):
        group, sep, name = key.partition(":")
        if key in TableQuery.RUN_COLUMNS or (sep and group in TableQuery.GROUPS and name):
            return key
    raise ValidationError(
        f"{what} {key!r} is not a column key; expected one of "
        f"{list(TableQuery.RUN_COLUMNS)} or tag:<key>, property:<key>, metric:<name>"
    )


@dataclass(frozen=True)
class TableColumn:
    """A column of the runs table: `group` is run, tag, property or metric; `numeric`
    says every present value is a number."""

    key: str
    group: str
    name: str
    numeric: bool


@dataclass(frozen=True)
class TableRun:
    """A row of the runs table: the run, and its tag, property and metric values by
    column key (keys it has no value for are left out)."""

    info: RunInfo
    values: Mapping[str, Any]


@dataclass(frozen=True)
class RunsTable:
    """The answer to a `TableQuery`, read in one snapshot at change counter `cursor`.

    `total` counts the filtered runs; `status_counts` the runs passing every
    filter but the status filter; `columns` are the filtered runs' columns
    (run columns, then tags, properties and metrics, each by name); `rows`
    is the page.
    """

    cursor: int
    total: int
    status_counts: Mapping[str, int]
    columns: list[TableColumn]
    rows: list[TableRun]
