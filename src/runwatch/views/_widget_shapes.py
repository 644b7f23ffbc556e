"""The widgets' wire shapes: the JSON each synced trait holds.

Declared once here and mirrored field for field by the TypeScript interfaces
in js/wire.ts; tests/unit/widgets/test_wire.py checks that the two agree.
"""

from __future__ import annotations

from typing import Literal, TypedDict

Cell = str | float | int | bool | None


class ErrorState(TypedDict, total=False):
    message: str
    type: str
    traceback: str
    stderr: str
    code: str


class RunState(TypedDict):
    id: str
    number: int
    experiment: str
    display_name: str | None
    type: str
    status: str
    created_time: float
    start_time: float | None
    end_time: float | None
    error: ErrorState | None
    parent_id: str | None
    is_sweep: bool
    trial_label: str | None
    """a sweep's trial: "Trial 7", the number it goes by in its sweep; else None"""


class ScalarRow(TypedDict):
    name: str
    value: Cell
    description: str


class Crumb(TypedDict):
    id: str
    label: str


class TableState(TypedDict):
    name: str
    columns: list[str]
    rows: list[list[Cell]]
    total_rows: int


class ImageItem(TypedDict):
    """One logged image: its bytes arrive apart, in an `ImageMessage` for `key`."""

    step: int
    key: str
    type: str  # "image/png" or "image/jpeg"


class ImageGroup(TypedDict):
    name: str
    items: list[ImageItem]


class LogState(TypedDict):
    name: str
    lines: list[str]
    truncated: bool


class ChildRow(TypedDict):
    id: str
    number: int
    status: str
    metric: float | str | None
    start_time: float | None
    duration: float | None
    params: dict[str, Cell]
    early_termination: str | None
    trial_label: str | None
    """a sweep's trial: "Trial 7", its index (`views._sweeps.trial_label`); else None"""


class BestChild(TypedDict):
    """A sweep's best trial: the one `get_best_run_by_primary_metric` returns."""

    id: str
    number: int
    value: float | str | None
    """its best logged value of the primary metric"""
    trial_label: str | None
    """"Trial 7" (`views._sweeps.trial_label`); None for a trial without an index"""


class ChildrenState(TypedDict):
    total: int
    counts: dict[str, int]
    columns: list[str]
    """parameter names (`param.<name>` properties), one column each"""
    metric: str | None
    metric_label: str | None
    """the metric column's heading: for a sweep, `<name> (best logged value)`"""
    goal: Literal["MINIMIZE", "MAXIMIZE"] | None
    best: BestChild | None
    page: int
    page_size: int
    sort_key: str
    descending: bool
    rows: list[ChildRow]


# --- ExperimentDetails: the runs table of an experiment or of a sweep's trials ---------------


class ColumnState(TypedDict):
    """A column of the runs table (the service's ColumnInfo): `key` is `number`, `status`,
    `display_name`, `created_time`, `duration`, `tag:<name>`, `property:<name>` or
    `metric:<name>`; `group` is "run", "tag", "property" or "metric"."""

    key: str
    label: str
    group: str
    numeric: bool


class RunsRow(TypedDict):
    id: str
    number: int
    status: str
    display_name: str | None
    created_time: float
    start_time: float | None
    end_time: float | None
    values: dict[str, Cell]  # tag/property/metric column key -> value
    trial_label: str | None  # a sweep's trial in its sweep's table: "Trial 7"


class RunsTableState(TypedDict):
    """One page of the filtered, sorted runs, and the query that produced it."""

    total: int
    offset: int
    limit: int
    status_counts: dict[str, int]  # before the status filter
    columns: list[ColumnState]
    rows: list[RunsRow]
    sort: str
    descending: bool
    text: str
    statuses: list[str]


class ScopeState(TypedDict):
    """What the table compares: an experiment's top-level runs, or a run's children."""

    experiment: str
    parent_id: str | None
    title: str
    status: str | None  # the parent run's status; None for an experiment


#: Traits of each anywidget part, by part name (the TS side reads the same names).
class PointsMessage(TypedDict):
    """A custom message of the body part, with two float64 buffers (x, y): keep the
    first `keep` points of the bqplot mark `mark` (its model id), then append the `n`
    points of the buffers."""

    type: Literal["points"]
    mark: str
    keep: int
    n: int


class ImageMessage(TypedDict):
    """A custom message of the body part with one buffer: the bytes of image `key`.
    Sent when an image first appears, and for the keys a `WantImagesMessage` asks for."""

    type: Literal["image"]
    key: str
    mime: str


class WantImagesMessage(TypedDict):
    """What a view sends for images it has no bytes of (e.g. after a page reload)."""

    type: Literal["want_images"]
    keys: list[str]


HEADER_TRAITS = ("run", "now", "properties", "tags", "scalars", "breadcrumb", "polling", "interval")
BODY_TRAITS = ("tables", "images", "log", "children")
RUNS_TRAITS = ("scope", "table", "selected", "max_selected", "notice", "polling", "interval")
