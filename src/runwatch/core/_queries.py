"""Queries over runs and their answers: pages of runs and the runs table.

Plain frozen records like `_entities`: the server's parameters and the
Python API build the queries, a store answers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from runwatch.core._records import RunInfo, RunStatus
from runwatch.errors import ValidationError


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
