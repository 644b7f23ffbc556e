"""From a RunTracker's caches to the widget's wire shapes and chart data.

Pure functions: no widgets here. How each metric is shown:
- logged once (scalar)                          -> a row of the metrics table
- a numeric series (log repeated, log_list)     -> a line chart over step
- rows/tables with >= 2 numeric columns         -> lines of columns 2.. against column 1
- string series, other rows/tables              -> a table
- images                                        -> a gallery (a step slider per name)
- confusion matrices, accuracy tables, residuals,
  predictions                                   -> their charts (views/_evaluation.py)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runwatch.artifacts._logs import DRIVER_LOG
from runwatch.artifacts._store import image_location
from runwatch.core._records import (
    EARLY_TERMINATION_PROPERTY,
    MetricKind,
    RunInfo,
    RunSummary,
    RunType,
)
from runwatch.tracking._metrics import columns_of
from runwatch.views import _evaluation, _sweeps
from runwatch.views._cells import cell
from runwatch.views._rest_shapes import EvaluationMetric
from runwatch.views._tracker import MetricCache, RunTracker
from runwatch.views._widget_shapes import (
    Cell,
    ChildrenState,
    ChildRow,
    ImageGroup,
    ImageItem,
    LogState,
    RunState,
    ScalarRow,
    TableState,
)

TABLE_ROWS = 200
IMAGES_PER_NAME = 20
PAGE_SIZE = 20  # rows of a child table page: shown whole, no inner scroll
SCALAR, CHART, TABLE, IMAGE, EVALUATION = "scalar", "chart", "table", "image", "evaluation"
SWEEP_METRICS = ("best_metric", "trials", "early_terminations")


@dataclass
class ChartData:
    """One chart: lines sharing an x axis."""

    name: str
    x_label: str
    y_label: str
    lines: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    styles: dict[str, str] = field(default_factory=dict)  # label -> "line", "points", "steps"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_columns(columns: dict[str, list[Any]]) -> list[str]:
    return [
        name
        for name, cells in columns.items()
        if cells and any(_number(c) for c in cells) and all(c is None or _number(c) for c in cells)
    ]


def _rows_as_columns(cache: MetricCache) -> dict[str, list[Any]]:
    return row_columns(cache.info.kind, cache.values)


def row_columns(kind: str, values: Sequence[Any]) -> dict[str, list[Any]]:
    """The cells of a row or table metric's logged values, by column (rows in order)."""
    if kind == MetricKind.ROW:
        return columns_of(list(values))
    rows: list[dict[str, Any]] = []
    for table in values:
        names = list(table)
        rows += [
            dict(zip(names, cells, strict=True)) for cells in zip(*table.values(), strict=True)
        ]
    return columns_of(rows)


def _row_chartable(columns: dict[str, list[Any]]) -> bool:
    rows = len(next(iter(columns.values()), []))
    return rows > 1 and len(_numeric_columns(columns)) >= 2


def row_chart(name: str, columns: dict[str, list[Any]]) -> ChartData | None:
    """A row or table metric's chart, the same in every view: a line per numeric column
    against the first column (the first numeric column if the first is not); None for
    fewer than two rows or two numeric columns (shown as a table)."""
    if not _row_chartable(columns):
        return None
    numeric = _numeric_columns(columns)
    x_name = next(iter(columns))
    if x_name not in numeric:
        x_name = numeric[0]
    xs = [float(v) if _number(v) else math.nan for v in columns[x_name]]
    chart = ChartData(name, x_name, ", ".join(c for c in numeric if c != x_name))
    for column in numeric:
        if column != x_name:
            chart.lines[column] = (
                xs,
                [float(v) if _number(v) else math.nan for v in columns[column]],
            )
    return chart


def classify(cache: MetricCache) -> str:
    """How a metric is shown; decided once per number of points."""
    if cache.shown_as is not None and cache.shown_as[0] == len(cache.values):
        return cache.shown_as[1]
    kind, values = cache.info.kind, cache.values
    if kind == MetricKind.IMAGE:
        shown = IMAGE
    elif kind in MetricKind.EVALUATION:
        shown = EVALUATION
    elif kind == MetricKind.SCALAR and len(values) == 1:
        shown = SCALAR
    elif kind in (MetricKind.SCALAR, MetricKind.LIST):
        shown = CHART if cache.numbers and not cache.others else TABLE
    else:
        shown = CHART if _row_chartable(_rows_as_columns(cache)) else TABLE
    cache.shown_as = (len(values), shown)
    return shown


def _shown(tracker: RunTracker) -> Iterable[tuple[str, MetricCache]]:
    for name, cache in tracker.metrics.items():
        if tracker.is_sweep and name in SWEEP_METRICS:
            continue  # drawn by the sweep chart instead
        yield name, cache


# --- header ------------------------------------------------------------------------
def run_state(info: RunInfo, trial_label: str | None = None) -> RunState:
    error = dict(info.error) if info.error else None
    return {
        "id": info.id,
        "number": info.number,
        "experiment": info.experiment,
        "display_name": info.display_name,
        "type": info.run_type,
        "status": info.status,
        "created_time": info.created_time,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "error": {
            k: str(v)
            for k, v in error.items()
            if k in ("message", "type", "traceback", "stderr", "code")
        }  # type: ignore[typeddict-item]
        if error
        else None,
        "parent_id": info.parent_id,
        "is_sweep": info.run_type == RunType.SWEEP,
        "trial_label": trial_label,
    }


def scalars(tracker: RunTracker) -> list[ScalarRow]:
    return [
        {"name": name, "value": cell(cache.values[0]), "description": cache.info.description}
        for name, cache in _shown(tracker)
        if classify(cache) == SCALAR
    ]


# --- body ----------------------------------------------------------------------------
def tables(tracker: RunTracker) -> list[TableState]:
    out: list[TableState] = []
    for name, cache in _shown(tracker):
        if classify(cache) != TABLE:
            continue
        if cache.info.kind in (MetricKind.SCALAR, MetricKind.LIST):
            columns = ["step", "value"]
            rows = [[cell(s), cell(v)] for s, v in zip(cache.steps, cache.values, strict=True)]
        else:
            by_column = _rows_as_columns(cache)
            columns = list(by_column)
            rows = [[cell(c) for c in cells] for cells in zip(*by_column.values(), strict=True)]
        out.append(
            {"name": name, "columns": columns, "rows": rows[-TABLE_ROWS:], "total_rows": len(rows)}
        )
    return out


def chartable(tracker: RunTracker) -> list[str]:
    """Names of the metrics drawn as charts, in logging order."""
    return [name for name, cache in _shown(tracker) if classify(cache) == CHART]


def charts(tracker: RunTracker, names: Iterable[str] | None = None) -> list[ChartData]:
    wanted = set(names) if names is not None else None
    out = []
    for name, cache in _shown(tracker):
        if (wanted is not None and name not in wanted) or classify(cache) != CHART:
            continue
        if cache.info.kind in (MetricKind.SCALAR, MetricKind.LIST):
            ys = [float(v) if v is not None else math.nan for v in cache.values]
            chart = ChartData(name, "step", name, {name: ([float(s) for s in cache.steps], ys)})
        else:
            row = row_chart(name, _rows_as_columns(cache))
            if row is None:
                continue
            chart = row
        out.append(chart)
    return out


def sweep_chart(tracker: RunTracker) -> ChartData | None:
    """Each finished trial's primary metric, in finishing order, and the best so far."""
    if not tracker.is_sweep:
        return None
    metric, _ = tracker.primary_metric()
    trials = tracker.metrics.get("trials")
    if trials is None:
        return ChartData(f"{metric} per trial", "trials finished", metric or "metric")
    rows = [r for r in trials.values if _number(r.get("primary_metric"))]
    order = [float(i + 1) for i in range(len(rows))]
    chart = ChartData(f"{metric} per trial", "trials finished", metric or "metric")
    chart.lines["trial"] = (order, [float(r["primary_metric"]) for r in rows])
    chart.styles["trial"] = "points"
    best = tracker.metrics.get("best_metric")
    if best is not None:
        chart.lines["best so far"] = (
            [float(i + 1) for i in range(len(best.values))],
            [float(v) for v in best.values],
        )
        chart.styles["best so far"] = "steps"
    return chart


def images(tracker: RunTracker) -> list[ImageGroup]:
    """The last IMAGES_PER_NAME images of each image metric, by key (the image's path
    among the run's files); the bytes travel apart, see `image_bytes`."""
    groups: list[ImageGroup] = []
    for name, metric in _shown(tracker):
        if classify(metric) != IMAGE:
            continue
        items: list[ImageItem] = [
            {"step": step, "key": path, "type": image_type(path)}
            for step, path in list(zip(metric.steps, metric.values, strict=True))[-IMAGES_PER_NAME:]
        ]
        groups.append({"name": name, "items": items})
    return groups


def image_type(path: str) -> str:
    """The media type of a logged image (PNG or JPEG, checked when it was logged)."""
    return "image/png" if path.endswith(".png") else "image/jpeg"


def image_bytes(tracker: RunTracker, path: str) -> bytes:
    """The bytes of the run's logged image `path`."""
    area, key = image_location(path)
    return tracker.ws.artifacts.read_range(tracker.run_id, area, key, 0, None)


def evaluations(
    tracker: RunTracker, steps: dict[str, int], names: Iterable[str] | None = None
) -> list[EvaluationMetric]:
    """The evaluation metrics' charts (those in `names`, default all), each at the step in
    `steps` (default: its last)."""
    wanted = set(names) if names is not None else None
    return [
        _evaluation.metric(
            name,
            cache.info.kind,
            cache.info.description,
            cache.steps,
            cache.values,
            steps.get(name, cache.steps[-1]),
        )
        for name, cache in _shown(tracker)
        if classify(cache) == EVALUATION and cache.values and (wanted is None or name in wanted)
    ]


def log(tracker: RunTracker) -> LogState | None:
    if not tracker.log_lines and tracker.log_offset == 0:
        return None
    return {
        "name": DRIVER_LOG,
        "lines": list(tracker.log_lines),
        "truncated": tracker.log_truncated,
    }


# --- children ---------------------------------------------------------------------------
def _params(summary: RunSummary) -> dict[str, Cell]:
    return {
        key[len("param.") :]: cell(value)
        for key, value in summary.info.properties.items()
        if key.startswith("param.")
    }


def _metric_cell(value: Any) -> float | str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _child_row(summary: RunSummary, value: Any, now: float, sweep: bool) -> ChildRow:
    info = summary.info
    early = info.properties.get(EARLY_TERMINATION_PROPERTY)
    return {
        "id": info.id,
        "number": info.number,
        "status": info.status,
        "metric": value
        if isinstance(value, (int, float, str)) and not isinstance(value, bool)
        else None,
        "start_time": info.start_time,
        "duration": info.duration(now),
        "params": _params(summary),
        "early_termination": str(early) if early is not None else None,
        "trial_label": _sweeps.trial_label(info) if sweep else None,
    }


def children(
    tracker: RunTracker, page: int, sort_key: str, descending: bool, now: float
) -> ChildrenState | None:
    if not tracker.children:
        return None
    return child_table(
        tracker.info, tracker.children, tracker.trial_values, page, sort_key, descending, now
    )


def child_table(
    parent: RunInfo,
    summaries: Mapping[str, RunSummary],
    trial_values: Mapping[str, float | None],
    page: int,
    sort_key: str,
    descending: bool,
    now: float,
) -> ChildrenState:
    """One page of a run's child table. For a sweep, each trial's primary metric is its
    best logged value (`_sweeps`) and the best trial is named; else the first metric's
    latest value."""
    sweep = _sweeps.sweep_metric(parent.properties)
    metric = sweep.name if sweep is not None else _first_metric(summaries)
    rows = [
        _child_row(
            s,
            trial_values.get(s.id)
            if sweep is not None
            else (s.metrics.get(metric) if metric else None),
            now,
            sweep is not None,
        )
        for s in summaries.values()
    ]
    columns = sorted({name for row in rows for name in row["params"]})
    best = (
        _sweeps.best_trial([s.info for s in summaries.values()], trial_values, sweep)
        if sweep is not None
        else None
    )

    def key(row: ChildRow) -> tuple[int, Any]:
        value: Any
        if sort_key.startswith("param:"):
            value = row["params"].get(sort_key[len("param:") :])
        else:
            value = row.get(sort_key)
        if value is None:
            return (1, 0)  # missing values last, whichever the direction
        return (0, value if _number(value) else str(value))

    present = sorted((r for r in rows if key(r)[0] == 0), key=key, reverse=descending)
    ordered = present + [r for r in rows if key(r)[0] == 1]
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    counts: dict[str, int] = {}
    for summary in summaries.values():
        counts[summary.status] = counts.get(summary.status, 0) + 1
    best_row = next((r for r in rows if r["id"] == best), None)
    state: ChildrenState = {
        "total": len(rows),
        "counts": counts,
        "columns": columns,
        "metric": metric,
        "metric_label": sweep.label if sweep is not None else metric,
        "goal": None if sweep is None else "MINIMIZE" if sweep.goal == "min" else "MAXIMIZE",
        "best": None
        if best_row is None
        else {
            "id": best_row["id"],
            "number": best_row["number"],
            "value": best_row["metric"],
            "trial_label": best_row["trial_label"],
        },
        "page": page,
        "page_size": PAGE_SIZE,
        "sort_key": sort_key,
        "descending": descending,
        "rows": ordered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE],
    }
    return state


def _first_metric(summaries: Mapping[str, RunSummary]) -> str | None:
    for summary in summaries.values():
        for name in summary.metrics:
            return name
    return None
