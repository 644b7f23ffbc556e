"""What a RunDetails view knows about one run, kept current one poll at a time.

`RunTracker.poll()` asks the store for what changed after its cursor, folds
the new points, files, log bytes and child runs into its caches, and says
which parts of the view changed. It imports no widget library, so it is
tested on its own. A poll with nothing new costs two indexed look-ups.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runwatch.artifacts._logs import DRIVER_LOG
from runwatch.core._records import MetricInfo, MetricPoints, RunInfo, RunStatus, RunSummary, RunType
from runwatch.tracking._liveness import check
from runwatch.tracking._workspace import Workspace
from runwatch.views import _sweeps

LOG_LINES = 1000


@dataclass
class MetricCache:
    """All points of one metric seen so far (steps, values) and its description."""

    info: MetricInfo
    steps: list[int] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    # Counted as points arrive, so classifying a metric never rescans its values.
    numbers: int = 0  # ints and floats (not bools)
    others: int = 0  # values that are neither numbers, bools nor None
    shown_as: tuple[int, str] | None = None  # (points when decided, how it is shown)

    def add(self, chunk: MetricPoints) -> bool:
        """Append the part of `chunk` not seen yet (chunks can be re-sent merged)."""
        skip = len(self.values) - chunk.first_index
        if skip >= len(chunk.values):
            return False
        start = max(skip, 0)
        new = chunk.values[start:]
        self.steps += chunk.steps[start:]
        self.values += new
        for value in new:
            if type(value) is float or type(value) is int:
                self.numbers += 1
            elif value is not None and type(value) is not bool:
                self.others += 1
        return True


@dataclass
class Changes:
    """Which parts of the view a poll changed."""

    header: bool = False
    metrics: set[str] = field(default_factory=set)
    log: bool = False
    children: bool = False

    @property
    def any(self) -> bool:
        return self.header or bool(self.metrics) or self.log or self.children


class RunTracker:
    def __init__(self, workspace: Workspace, run_id: str) -> None:
        self.ws = workspace
        self.store = workspace.store
        self.run_id = run_id
        self.cursor = 0
        self.info: RunInfo = self.store.get_run(run_id)
        self.metrics: dict[str, MetricCache] = {}
        self.log_lines: deque[str] = deque(maxlen=LOG_LINES)
        self.log_offset = 0
        self.log_truncated = False
        self._partial = b""
        self.children: dict[str, RunSummary] = {}
        # A sweep's trials: each one's best logged primary metric (`_sweeps.trial_values`).
        self.trial_values: dict[str, float | None] = {}
        self.polls = 0
        # A sweep's trial goes by "Trial 7" in its sweep's views (`_sweeps.trial_label`).
        self.trial_label = _sweeps.label_in_sweep(workspace, self.info)

    @property
    def is_sweep(self) -> bool:
        return self.info.run_type == RunType.SWEEP

    @property
    def finished(self) -> bool:
        """The run and every child are final: nothing more will change."""
        return self.info.is_final and all(c.info.is_final for c in self.children.values())

    def poll(self) -> Changes:
        changes = Changes()
        since = self.cursor
        delta = self.store.changes_since(self.run_id, since)
        self.cursor = delta.cursor
        self.polls += 1
        if delta.run is not None:
            self.info = delta.run
            changes.header = True
            for name, chunks in delta.points.items():
                cache = self.metrics.get(name)
                if cache is None:
                    cache = self.metrics[name] = MetricCache(delta.metrics[name])
                elif name in delta.metrics:
                    cache.info = delta.metrics[name]
                if any([cache.add(chunk) for chunk in chunks]):
                    changes.metrics.add(name)
            if any(f.name == DRIVER_LOG for f in delta.files):
                changes.log = self._read_log()
        revived = check(self.store, self.info)  # NotResponding / Failed for a dead owner
        if revived.status != self.info.status:
            self.info, changes.header = revived, True
        if delta.children:
            changed = self.store.list_child_summaries(self.run_id, since)
            for summary in changed:
                self.children[summary.id] = summary
            metric = _sweeps.sweep_metric(self.info.properties)
            if metric is not None:
                ids = [summary.id for summary in changed]
                self.trial_values.update(_sweeps.trial_values(self.ws, ids, metric))
            changes.children = True
        return changes

    def _read_log(self) -> bool:
        info = self.store.get_file(self.run_id, DRIVER_LOG)
        if info is None or info.size <= self.log_offset:
            return False
        if info.size - self.log_offset > 1_000_000:  # a huge jump: show only the tail
            self.log_offset, self.log_truncated, self._partial = info.size - 1_000_000, True, b""
        data = self.ws.artifacts.read_range(
            self.run_id, "files", DRIVER_LOG, self.log_offset, info.size
        )
        self.log_offset += len(data)
        text = (self._partial + data).split(b"\n")
        self._partial = text.pop()  # an unfinished last line waits for its end
        self.log_truncated = self.log_truncated or len(self.log_lines) + len(text) > LOG_LINES
        self.log_lines.extend(line.decode("utf-8", errors="replace") for line in text)
        return True

    # --- derived views ------------------------------------------------------------
    def primary_metric(self) -> tuple[str | None, str | None]:
        """(metric name, goal) shown for children: a sweep's primary metric, else the first."""
        props: Mapping[str, Any] = self.info.properties
        if "primary_metric_name" in props:
            return str(props["primary_metric_name"]), str(props.get("primary_metric_goal"))
        for summary in self.children.values():
            for name in summary.metrics:
                return name, None
        return None, None

    def duration(self, info: RunInfo) -> float | None:
        return info.duration(time.time())

    def child_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for summary in self.children.values():
            counts[summary.status] = counts.get(summary.status, 0) + 1
        return counts

    def is_final_status(self) -> bool:
        return RunStatus.is_final(self.info.status)
