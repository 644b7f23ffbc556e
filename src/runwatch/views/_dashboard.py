"""The experiment dashboard's answers (`RunwatchService.table`, `scatter`, `overlay`,
`table_csv`): one store query each, shaped into the `_wire` bodies.

Called by the REST handlers and, in the kernel, by the `ExperimentDetails`
widget, so nothing here needs tornado.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator, Sequence
from typing import Any

from runwatch.core import _automl, _ranking
from runwatch.core._queries import TableColumn, TableQuery
from runwatch.core._records import MetricKind, RunInfo, RunStatus, RunType
from runwatch.core._values import BOOL, NUMBER
from runwatch.errors import ValidationError
from runwatch.tracking import _csv_export as _export
from runwatch.tracking import _liveness
from runwatch.tracking._workspace import Workspace
from runwatch.views import _evaluation, _sweeps
from runwatch.views._cells import NotFoundError, cell
from runwatch.views._downsample import minmax
from runwatch.views._rest_shapes import (
    ColumnInfo,
    Goal,
    GoalSource,
    OverlayBody,
    RunSeries,
    RunsTable,
    ScatterBody,
    ScatterPoint,
    TableRow,
)

MAX_OVERLAY_RUNS = 50
MAX_SCATTER_POINTS = 100_000
_LABELS = {
    "number": "Run",
    "status": "Status",
    "display_name": "Name",
    "created_time": "Created",
    "duration": "Duration (s)",
}
_LIVE = {RunStatus.PREPARING, RunStatus.RUNNING, RunStatus.FINALIZING, RunStatus.NOT_RESPONDING}


def check_scope(ws: Workspace, experiment: str | None, parent_id: str | None) -> RunInfo | None:
    """The parent run (None without one); `NotFoundError` (a 404) for an unknown
    experiment, or a parent run that is not in it."""
    if experiment is not None and ws.store.get_experiment(experiment) is None:
        raise NotFoundError(
            f"experiment {experiment!r} not found in workspace {ws.name!r}; "
            "GET experiments lists the ones it has"
        )
    if parent_id is not None:
        parent = ws.store.get_run(parent_id)  # RunNotFoundError for an unknown run
        if experiment is not None and parent.experiment != experiment:
            raise NotFoundError(
                f"run {parent_id!r} is in experiment {parent.experiment!r}, not in {experiment!r}"
            )
        return parent
    return None


def column_info(column: TableColumn) -> ColumnInfo:
    label = _LABELS.get(column.key, column.name)
    return {"key": column.key, "label": label, "group": column.group, "numeric": column.numeric}


def table(ws: Workspace, query: TableQuery, since: int | None) -> RunsTable:
    cursor = ws.store.current_seq()
    if since == cursor:
        return {
            "cursor": cursor,
            "unchanged": True,
            "total": 0,
            "offset": query.offset,
            "limit": query.limit or 0,
            "status_counts": {},
            "columns": [],
            "rows": [],
        }
    parent = check_scope(ws, query.experiment, query.parent_id)
    auc_sort = auc_column(query.sort)
    sweep, automl = _trials_of(parent)
    trial_key = f"metric:{sweep.name}" if sweep is not None else None
    trials: dict[str, float | None] = {}
    if auc_sort is None and query.sort != trial_key:
        result = ws.store.runs_table(query)
        page = result.rows
    else:  # derived here, not stored: sort every row by it, then page
        result = ws.store.runs_table(dataclasses.replace(query, sort="number", limit=None))
        if sweep is not None and query.sort == trial_key:
            trials = _sweeps.trial_values(ws, [run.info.id for run in result.rows], sweep)
            page = _by_value(result.rows, trials, query.descending)
        else:
            page = _by_auc(ws, result.rows, query.sort, query.descending)
        page = page[query.offset : query.offset + query.limit if query.limit else None]
    if sweep is not None and not trials:
        trials = _sweeps.trial_values(ws, [run.info.id for run in page], sweep)
    areas = auc_values(ws, [run.info.id for run in page])
    rows: list[TableRow] = []
    for run in page:
        info = run.info
        if info.status in _LIVE:  # judged as the sidebar judges it: a dead owner shows
            info = _liveness.check(ws.store, info)
        rows.append(
            {
                "id": info.id,
                "number": info.number,
                "status": info.status,
                "display_name": info.display_name,
                "created_time": info.created_time,
                "start_time": info.start_time,
                "end_time": info.end_time,
                "values": {
                    **{key: cell(value) for key, value in run.values.items()},
                    **areas.get(info.id, {}),
                    **({trial_key: cell(trials.get(info.id))} if trial_key else {}),
                },
                "trial_label": _trial_label(info, sweep is not None, automl),
            }
        )
    columns = [column_info(column) for column in result.columns]
    if sweep is not None:
        named = any(run.info.display_name for run in result.rows)
        columns = _trial_columns(columns, sweep, named)
    known = {column["key"] for column in columns}
    derived = sorted({key for values in areas.values() for key in values} - known)
    columns += [_auc_column_info(key) for key in derived]
    return {
        "cursor": result.cursor,
        "unchanged": False,
        "total": result.total,
        "offset": query.offset,
        "limit": query.limit or result.total,
        "status_counts": dict(result.status_counts),
        "columns": columns,
        "rows": rows,
    }


# --- AUC columns: derived from accuracy tables (run.log_accuracy_table) -----------------------
#: (run id, metric name, points) -> the areas under the ROC curves of its last table.
_AUC_CACHE: dict[tuple[str, str, int], dict[str, float]] = {}
_AUC_CACHE_SIZE = 10_000


def auc_column(key: str) -> tuple[str, str] | None:
    """(metric name, AUC name) of a column key `metric:<accuracy table>/AUC_macro` (also
    `AUC_micro`, `AUC_weighted`), else None."""
    group, _, name = key.partition(":")
    metric, sep, which = name.rpartition("/")
    if group == "metric" and sep and metric and which in _evaluation.AUC_NAMES:
        return metric, which
    return None


def _auc_column_info(key: str) -> ColumnInfo:
    metric, which = auc_column(key) or ("", "")
    return {"key": key, "label": f"{which} ({metric})", "group": "metric", "numeric": True}


def _keyed(columns: Sequence[TableColumn]) -> dict[str, TableColumn]:
    return {column.key: column for column in columns}


def auc_values(ws: Workspace, run_ids: Sequence[str]) -> dict[str, dict[str, float]]:
    """Each run's AUC columns (`metric:<name>/AUC_macro`, ...) from the last accuracy
    table of every accuracy-table metric it logged."""
    out: dict[str, dict[str, float]] = {}
    for run_id in run_ids:
        for info in ws.store.list_metrics(run_id):
            if info.kind != MetricKind.ACCURACY_TABLE or not isinstance(info.last_value, dict):
                continue
            key = (run_id, info.name, info.count)
            areas = _AUC_CACHE.get(key)
            if areas is None:
                areas = _evaluation.auc(info.last_value)
                if len(_AUC_CACHE) >= _AUC_CACHE_SIZE:
                    _AUC_CACHE.clear()
                _AUC_CACHE[key] = areas
            for which, area in areas.items():
                out.setdefault(run_id, {})[f"metric:{info.name}/{which}"] = area
    return out


def _by_auc(ws: Workspace, runs: Sequence[Any], key: str, descending: bool) -> list[Any]:
    """`runs` sorted by the AUC column `key`, runs without it last, ties by number."""
    areas = auc_values(ws, [run.info.id for run in runs])
    if not any(key in values for values in areas.values()):
        raise ValidationError(
            f"sort {key!r} is not a column of these runs: none logged that accuracy table"
        )
    having = [run for run in runs if key in areas.get(run.info.id, {})]
    having.sort(key=lambda run: (areas[run.info.id][key], run.info.number), reverse=descending)
    return having + [run for run in runs if key not in areas.get(run.info.id, {})]


def _by_value(runs: Sequence[Any], values: dict[str, float | None], descending: bool) -> list[Any]:
    """`runs` sorted by `values` (a sweep's trial values), runs without one last, ties by
    number."""
    having = [run for run in runs if values.get(run.info.id) is not None]
    having.sort(key=lambda run: (values[run.info.id], run.info.number), reverse=descending)
    return having + [run for run in runs if values.get(run.info.id) is None]


def _trial_columns(
    columns: list[ColumnInfo], sweep: _sweeps.SweepMetric, named: bool
) -> list[ColumnInfo]:
    """A sweep's trials table: the trial, status, then the parameters, then the primary
    metric (labelled as its best logged value, once a trial logged it), then the rest;
    the name column only if a trial has a display name (else it would repeat the id)."""
    key = f"metric:{sweep.name}"
    logged = any(c["key"] == key for c in columns)
    primary: list[ColumnInfo] = (
        [{"key": key, "label": sweep.label, "group": "metric", "numeric": True}] if logged else []
    )
    # A trial goes by its index in its sweep ("Trial 7", `_sweeps.trial_label`).
    first: list[ColumnInfo] = [
        {**c, "label": "Trial"} if c["key"] == "number" else c
        for c in columns
        if c["key"] in ("number", "status")
    ]
    params = [c for c in columns if c["key"].startswith("property:param.")]
    dropped = {key} if named else {key, "display_name"}
    rest = [
        c
        for c in columns
        if c["key"] not in ("number", "status") and c not in params and c["key"] not in dropped
    ]
    return [*first, *params, *primary, *rest]


def _trials_of(parent: RunInfo | None) -> tuple[_sweeps.SweepMetric | None, bool]:
    """What the rows under `parent` are: a sweep's trials (its primary metric), an
    AutoML search's iterations (True), or neither."""
    if parent is None:
        return None, False
    return _sweeps.sweep_metric(parent.properties), parent.run_type == RunType.AUTOML


def _trial_number(info: RunInfo, automl: bool) -> int:
    """A trial's place on a "Trial" (or "Iteration") axis: its index in its sweep or
    AutoML search (its run number if it has none)."""
    index = _automl.iteration_of(info.properties) if automl else _sweeps.trial_index(info)
    return info.number if index is None else index


def _trial_label(info: RunInfo, sweep: bool, automl: bool) -> str | None:
    """A trial's name ("Trial 7", "Iteration 7"), as its sweep's or search's views
    give it; None for a run outside both."""
    if automl:
        iteration = _automl.iteration_of(info.properties)
        return None if iteration is None else f"Iteration {iteration}"
    return _sweeps.trial_label(info) if sweep else None


def _number(value: Any) -> float | None:
    """A chart coordinate: a finite number as a float, anything else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def scatter(
    ws: Workspace,
    query: TableQuery,
    x: str,
    y: str,
    since: int | None,
    goal: str | None = None,
) -> ScatterBody:
    """Column `x` against column `y`, and which run is best: see `scatter_goal`."""
    asked = None if goal is None else _ranking.goal_of(goal)
    if goal is not None and goal not in ("min", "max"):
        raise ValidationError(f"goal {goal!r} is not a goal; expected 'min' or 'max'")
    cursor = ws.store.current_seq()
    if since == cursor:
        blank: ColumnInfo = {"key": "", "label": "", "group": "", "numeric": False}
        return {
            "cursor": cursor,
            "unchanged": True,
            "x": blank,
            "y": blank,
            "points": [],
            "goal": None,
            "goal_source": None,
            "best": None,
        }
    parent = check_scope(ws, query.experiment, query.parent_id)
    decided, source = scatter_goal(parent, y, asked)
    derived = [key for key in (x, y) if auc_column(key) is not None]
    stored = [key for key in (x, y) if key not in derived]
    result = ws.store.runs_table(_every_row(query, sort="number", descending=False), stored)
    columns = {key: column_info(column) for key, column in _keyed(result.columns).items()}
    rows = result.rows[:MAX_SCATTER_POINTS]
    areas = auc_values(ws, [run.info.id for run in rows]) if derived else {}
    for key in derived:
        if not any(key in values for values in areas.values()):
            raise ValidationError(
                f"column {key!r} is not a column of these runs: none logged that accuracy table"
            )
        columns[key] = _auc_column_info(key)
    sweep, automl = _trials_of(parent)
    trial_key = f"metric:{sweep.name}" if sweep is not None else None
    trials: dict[str, float | None] = {}
    if sweep is not None and trial_key in (x, y):
        trials = _sweeps.trial_values(ws, [run.info.id for run in rows], sweep)
        for key in (x, y):
            if key == trial_key and key in columns:
                columns[key] = {**columns[key], "label": sweep.label}
    if (sweep is not None or automl) and "number" in columns:  # its index, as its table shows
        columns["number"] = {**columns["number"], "label": "Iteration" if automl else "Trial"}
    now = time.time()
    points: list[ScatterPoint] = []
    for run in rows:
        info = run.info
        xy = [
            _trial_number(info, automl)
            if key == "number" and (sweep is not None or automl)
            else info.duration(now)
            if key == "duration"
            else getattr(info, key)
            if key in TableQuery.RUN_COLUMNS
            else areas.get(info.id, {}).get(key)
            if key in derived
            else trials.get(info.id)
            if key == trial_key
            else run.values.get(key)
            for key in (x, y)
        ]
        points.append(
            {
                "id": info.id,
                "number": info.number,
                "status": info.status,
                "display_name": info.display_name,
                "x": _number(xy[0]),
                "y": _number(xy[1]),
                "trial_label": _trial_label(info, sweep is not None, automl),
            }
        )
    return {
        "cursor": result.cursor,
        "unchanged": False,
        "x": columns[x],
        "y": columns[y],
        "points": points,
        "goal": decided,
        "goal_source": source,
        "best": best_point(points, decided)
        if source != "sweep"
        else best_trial(ws, [p["id"] for p in points], y[len("metric:") :], decided),
    }


def scatter_goal(
    parent: RunInfo | None, y: str, asked: Goal | None
) -> tuple[Goal | None, GoalSource | None]:
    """Whether the lowest or the highest `y` is best, and who said so.

    The sweep's `primary_metric_goal` when `y` is its primary metric; else the
    goal the request asked for; else none (`_ranking` decides, for every view).
    """
    if parent is not None and y.startswith("metric:"):
        decided = _ranking.sweep_goal(parent.properties, y[len("metric:") :])
        if decided is not None:
            return decided, "sweep"
    if asked is not None:
        return asked, "request"
    return None, None


def best_point(points: Sequence[ScatterPoint], goal: Goal | None) -> str | None:
    """The id of the run whose `y` is best by `goal` (see `_ranking.best_run`). Its `x`
    may be missing: which run is best does not depend on the other axis."""
    return _ranking.best_run(((p["id"], p["number"], p["y"]) for p in points), goal)


def best_trial(ws: Workspace, run_ids: list[str], metric: str, goal: Goal | None) -> str | None:
    """The best trial of a sweep by its primary metric, ranked as the sweep ranks them:
    each trial by the best value it logged (`_ranking.trial_value`), not its latest."""
    if goal is None or not run_ids:
        return None
    ranked = (
        (info.id, info.number, _ranking.trial_value(points.values, goal))
        for info, _metric, points in ws.store.read_metric_of_runs(run_ids, metric)
    )
    return _ranking.best_run(ranked, goal)


def overlay(
    ws: Workspace,
    experiment: str,
    metric: str,
    run_ids: Sequence[str],
    budget: int,
    since: int | None,
) -> OverlayBody:
    cursor = ws.store.current_seq()
    if since == cursor:
        return {"cursor": cursor, "unchanged": True, "metric": metric, "series": []}
    if not 1 <= len(run_ids) <= MAX_OVERLAY_RUNS:
        raise ValidationError(
            f"an overlay shows 1 to {MAX_OVERLAY_RUNS} runs; {len(run_ids)} were given"
        )
    check_scope(ws, experiment, None)
    derived = auc_column(f"metric:{metric}")  # an AUC column: the AUC of each logged table
    stored = derived[0] if derived else metric
    series: list[RunSeries] = []
    sweeps: dict[str, bool] = {}  # parent id -> is a sweep: one read per parent
    for info, metric_info, points in ws.store.read_metric_of_runs(run_ids, stored):
        parent = info.parent_id
        if parent is not None and parent not in sweeps:
            sweeps[parent] = _sweeps.of_parent(ws, parent) is not None
        if info.experiment != experiment:
            raise NotFoundError(
                f"run {info.id!r} is in experiment {info.experiment!r}, not in {experiment!r}"
            )
        xs: list[float] = []
        ys: list[float | None] = []
        count = 0
        if (
            metric_info is not None
            and metric_info.kind in (MetricKind.SCALAR, MetricKind.LIST)
            and metric_info.value_class in (NUMBER, BOOL)
        ):
            count = metric_info.count
            y = [math.nan if value is None else float(value) for value in points.values]
            x_kept, y_kept = minmax(points.steps, y, budget)
            xs = x_kept.tolist()
            ys = [value if math.isfinite(value) else None for value in y_kept.tolist()]
        elif derived and metric_info is not None and metric_info.kind == MetricKind.ACCURACY_TABLE:
            count = metric_info.count
            xs = [float(step) for step in points.steps]
            ys = [_evaluation.auc(doc).get(derived[1]) for doc in points.values]
        series.append(
            {
                "id": info.id,
                "number": info.number,
                "display_name": info.display_name,
                "count": count,
                "x": xs,
                "y": ys,
                "trial_label": _sweeps.trial_label(info)
                if parent is not None and sweeps[parent]
                else None,
            }
        )
    return {"cursor": cursor, "unchanged": False, "metric": metric, "series": series}


def table_csv(ws: Workspace, query: TableQuery) -> Iterator[str]:
    """The whole filtered table (no paging) as CSV text chunks; see `_export`."""
    check_scope(ws, query.experiment, query.parent_id)
    every = _every_row(query, sort=query.sort, descending=query.descending)
    yield from _export.csv_chunks(ws.store.runs_table(every), time.time())


def _every_row(query: TableQuery, *, sort: str, descending: bool) -> TableQuery:
    """`query`'s scope and filters, unpaged, in the given order."""
    return dataclasses.replace(
        query, sort=sort, descending=descending, offset=0, limit=None, include_children=False
    )
