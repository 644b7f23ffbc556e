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
    #: Started and not ended: a process (script, driver, kernel) is behind the run.
    ACTIVE = frozenset({PREPARING, RUNNING, FINALIZING, NOT_RESPONDING})
    #: Active, or waiting in the queue to become active.
    LIVE = ACTIVE | {QUEUED}

    @classmethod
    def is_final(cls, status: str) -> bool:
        return status in cls.FINAL


class RunType:
    """What created a run; stored with it (Azure ML's run type names where it has one)."""

    INTERACTIVE = "interactive"  # `experiment.start_logging()`, `Run.get_context()` offline
    SCRIPT = "script"  # a submitted `ScriptRunConfig`
    SWEEP = "hyperdrive"  # the parent run of a `HyperDriveConfig`
    CHILD = "child"  # `run.child_run()`, `run.create_children()`
    AUTOML = "automl"  # the parent run of an `AutoMLConfig` search


#: The property that records why a sweep's policy stopped a trial.
EARLY_TERMINATION_PROPERTY = "earlyTerminationReason"


class MetricKind:
    """How a metric was logged; decides how `get_metrics` returns it."""

    SCALAR = "scalar"  # run.log: one value, or a series when repeated
    LIST = "list"  # run.log_list
    ROW = "row"  # run.log_row: one row per call
    TABLE = "table"  # run.log_table: a dict of columns per call
    IMAGE = "image"  # run.log_image
    # model-evaluation documents (core/_evaluation.py), one per call
    CONFUSION_MATRIX = "confusion_matrix"  # run.log_confusion_matrix
    ACCURACY_TABLE = "accuracy_table"  # run.log_accuracy_table
    RESIDUALS = "residuals"  # run.log_residuals
    PREDICTIONS = "predictions"  # run.log_predictions

    API: ClassVar[dict[str, str]] = {
        SCALAR: "log",
        LIST: "log_list",
        ROW: "log_row",
        TABLE: "log_table",
        IMAGE: "log_image",
        CONFUSION_MATRIX: "log_confusion_matrix",
        ACCURACY_TABLE: "log_accuracy_table",
        RESIDUALS: "log_residuals",
        PREDICTIONS: "log_predictions",
    }
    EVALUATION: ClassVar[tuple[str, ...]] = (
        CONFUSION_MATRIX,
        ACCURACY_TABLE,
        RESIDUALS,
        PREDICTIONS,
    )


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
        """Tags as text: a tag set without a value reads "" (see `tag_values`)."""
        return {key: "" if value is None else value for key, value in self.tag_values.items()}

    @cached_property
    def tag_values(self) -> Mapping[str, str | None]:
        """Tags as stored: None for a tag set without a value, as Azure returns it."""
        tags: Mapping[str, str | None] = json.loads(self.tags_json)
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
class AssetInfo:
    """One version of a registered asset of the workspace (a model, an environment).

    `document` is the asset's own JSON description; `run_id` the run it came from, if any.
    """

    kind: str
    name: str
    version: int
    created_time: float
    run_id: str | None
    experiment: str | None
    description: str
    tags: dict[str, str]
    properties: dict[str, Any]
    document: dict[str, Any]


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
