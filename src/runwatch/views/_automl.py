"""The AutoML view, as data: a search's iterations, the best one, and its chart.

`AutoMLTracker` keeps the parent's children (iterations) with the latest value of
each metric, reading only the children changed since its last poll, so a refresh
of a search with hundreds of iterations reads a few rows. `AutoMLTracker.state`
gives what RunDetails, the Lab run panel and the dashboard draw: a sorted page of
the iteration table (Iteration, Pipeline, Iteration metric, Best metric, Status,
Duration, Started) with the best iteration marked, the metrics a picker offers,
and each iteration's value with the best-so-far line. The best iteration is
chosen by `core._automl.best_iteration`, the rule `AutoMLRun.get_output` uses.
"""

from __future__ import annotations

import math
import time
from typing import Any

from runwatch.core import _automl
from runwatch.core._records import RunInfo, RunStatus, RunSummary, RunType
from runwatch.errors import ValidationError
from runwatch.views._rest_shapes import AutoMLChart, AutoMLRow, AutoMLState

PAGE_SIZE = 25
SORT_KEYS = ("iteration", "pipeline", "metric", "best", "status", "duration", "started")


def is_automl(info: RunInfo) -> bool:
    return info.run_type == RunType.AUTOML


class AutoMLTracker:
    """The iterations of one AutoML search, kept current by `poll()`."""

    def __init__(self, store: Any, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self.info: RunInfo = store.get_run(run_id)
        if not is_automl(self.info):
            raise ValidationError(f"run {run_id!r} is not an AutoML search")
        self.task = str(self.info.properties.get(_automl.TASK_PROPERTY, _automl.CLASSIFICATION))
        self.primary = str(
            self.info.properties.get(_automl.PRIMARY_PROPERTY, _automl.DEFAULT_PRIMARY[self.task])
        )
        self.iterations: dict[str, tuple[int, RunSummary]] = {}
        self.cursor = 0

    def poll(self) -> bool:
        """Read what changed since the last poll; True if anything did."""
        cursor = self.store.current_seq()
        if cursor == self.cursor:
            return False
        self.info = self.store.get_run(self.run_id)
        for summary in self.store.list_child_summaries(self.run_id, self.cursor):
            iteration = _automl.iteration_of(summary.info.properties)
            if iteration is not None:
                self.iterations[summary.id] = (iteration, summary)
        self.cursor = cursor
        return True

    @property
    def finished(self) -> bool:
        return self.info.is_final and all(s.info.is_final for _, s in self.iterations.values())

    def metrics(self) -> list[str]:
        """The task's metrics, those the iterations logged first (primary metric first)."""
        known = _automl.METRICS.get(self.task, ())
        logged = {n for _, s in self.iterations.values() for n in s.metrics}
        ordered = [self.primary] + [n for n in known if n != self.primary]
        return [n for n in ordered if n in logged] + [n for n in ordered if n not in logged]

    def _ordered(self) -> list[tuple[int, RunSummary]]:
        return sorted(self.iterations.values(), key=lambda pair: pair[0])

    def best(self, metric: str | None = None) -> tuple[int, str, float] | None:
        """(iteration, run id, value) of the best completed iteration by `metric`."""
        metric = metric or self.primary
        done = [(i, s) for i, s in self._ordered() if s.info.status == RunStatus.COMPLETED]
        chosen = _automl.best_iteration([(i, s.metrics.get(metric)) for i, s in done], metric)
        if chosen is None:
            return None
        summary = dict(done)[chosen]
        return chosen, summary.id, float(summary.metrics[metric])

    def state(
        self,
        metric: str | None = None,
        page: int = 0,
        sort: str = "iteration",
        descending: bool = False,
        page_size: int = PAGE_SIZE,
        now: float | None = None,
    ) -> AutoMLState:
        metric = metric or self.primary
        known = self.metrics()
        if metric not in known:
            raise ValidationError(
                f"metric {metric!r} is not a {self.task} metric; expected one of {known}"
            )
        if sort not in SORT_KEYS:
            raise ValidationError(f"sort {sort!r} is not one of {list(SORT_KEYS)}")
        now = time.time() if now is None else now
        best = self.best(metric)
        ordered = self._ordered()
        running = _automl.best_so_far(
            [
                s.metrics.get(metric) if s.info.status == RunStatus.COMPLETED else None
                for _, s in ordered
            ],
            metric,
        )
        rows: list[AutoMLRow] = []
        chart: AutoMLChart = {"iterations": [], "values": [], "best": [], "run_ids": []}
        for (iteration, summary), so_far in zip(ordered, running, strict=True):
            info = summary.info
            value = _finite(summary.metrics.get(metric))
            rows.append(
                {
                    "iteration": iteration,
                    "run_id": info.id,
                    "pipeline": str(info.properties.get(_automl.PIPELINE_PROPERTY, "")),
                    "metric": value,
                    "best": so_far,
                    "status": info.status,
                    "duration": _duration(info, now),
                    "started": info.start_time,
                    "is_best": best is not None and info.id == best[1],
                }
            )
            if value is not None and info.status == RunStatus.COMPLETED and so_far is not None:
                chart["iterations"].append(iteration)
                chart["values"].append(value)
                chart["best"].append(so_far)
                chart["run_ids"].append(info.id)
        # Rows are in iteration order: a stable sort keeps ties so, either way; rows
        # without a value come last either way.
        valued = [r for r in rows if r[sort] is not None]  # type: ignore[literal-required]
        valued.sort(key=lambda row: row[sort], reverse=descending)  # type: ignore[literal-required]
        rows = valued + [r for r in rows if r[sort] is None]  # type: ignore[literal-required]
        pages = max(1, math.ceil(len(rows) / page_size))
        page = min(max(0, page), pages - 1)
        return {
            "run_id": self.run_id,
            "status": self.info.status,
            "task": self.task,
            "primary_metric": self.primary,
            "metric": metric,
            "maximize": _automl.maximize(metric),
            "metrics": known,
            "best_iteration": best[0] if best else None,
            "best_run_id": best[1] if best else None,
            "best_value": best[2] if best else None,
            "rows": rows[page * page_size : (page + 1) * page_size],
            "total": len(rows),
            "page": page,
            "page_size": page_size,
            "sort": sort,
            "descending": descending,
            "chart": chart,
        }


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _duration(info: RunInfo, now: float) -> float | None:
    recorded = info.properties.get(_automl.DURATION_PROPERTY)
    if isinstance(recorded, (int, float)) and info.is_final:
        return float(recorded)
    return info.duration(now)
