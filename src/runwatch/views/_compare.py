"""ExperimentDetails' data, from the service's answers to widget state and chart data.

Pure functions: no widgets here. The service (`runwatch.views._service`)
answers each view with one store query: `table` for a page of runs,
`scatter` for one point per run, `overlay` for one metric's series of the
chosen runs. This module turns those answers into the table part's state,
checks what the browser asks for, and picks the chart axes and best point.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from runwatch.core._queries import TableQuery, check_column_key
from runwatch.core._ranking import Goal
from runwatch.core._records import RunStatus
from runwatch.core._values import short_repr
from runwatch.errors import ValidationError
from runwatch.views import _sweeps
from runwatch.views._rest_shapes import ColumnInfo, OverlayBody, RunsTable, ScatterBody
from runwatch.views._widget_shapes import ColumnState, RunsTableState

PAGE_SIZE = 100
MAX_OVERLAY_RUNS = 50  # the service's limit for one overlay query
MAX_TEXT = 200


def table_state(body: RunsTable, query: TableQuery) -> RunsTableState:
    """The table part's state: the service's page plus the query that asked for it."""
    return {
        "total": body["total"],
        "offset": body["offset"],
        "limit": body["limit"],
        "status_counts": dict(body["status_counts"]),
        "columns": [_column(c) for c in body["columns"]],
        "rows": [
            {
                "id": row["id"],
                "number": row["number"],
                "status": row["status"],
                "display_name": row["display_name"],
                "created_time": row["created_time"],
                "start_time": row["start_time"],
                "end_time": row["end_time"],
                "values": dict(row["values"]),
                "trial_label": row.get("trial_label"),
            }
            for row in body["rows"]
        ],
        "sort": query.sort,
        "descending": query.descending,
        "text": query.text,
        "statuses": list(query.statuses),
    }


def _column(info: ColumnInfo) -> ColumnState:
    return {
        "key": info["key"],
        "label": info["label"],
        "group": info["group"],
        "numeric": info["numeric"],
    }


def query_from_message(content: Mapping[str, Any], current: TableQuery) -> TableQuery:
    """The table query a `table_query` message from the browser asks for.

    Fields left out keep their current value; a changed sort or filter goes
    back to the first page. Raises ValidationError naming the bad field.
    """
    sort = check_column_key(content.get("sort", current.sort), "sort")
    descending = content.get("descending", current.descending)
    if not isinstance(descending, bool):
        raise ValidationError(f"descending {short_repr(descending)} must be true or false")
    text = content.get("text", current.text)
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValidationError(f"text {short_repr(text)} must be a string of <= {MAX_TEXT} chars")
    statuses = content.get("statuses", list(current.statuses))
    if not isinstance(statuses, list) or not all(s in RunStatus.ALL for s in statuses):
        raise ValidationError(
            f"statuses {short_repr(statuses)} must be a list of run statuses "
            f"({', '.join(sorted(RunStatus.ALL))})"
        )
    offset = content.get("offset", current.offset)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValidationError(f"offset {short_repr(offset)} must be an integer >= 0")
    statuses_tuple = tuple(sorted(set(statuses)))
    refiltered = (sort, descending, text.strip(), statuses_tuple) != (
        current.sort,
        current.descending,
        current.text,
        current.statuses,
    )
    return dataclasses.replace(
        current,
        sort=sort,
        descending=descending,
        text=text.strip(),
        statuses=statuses_tuple,
        offset=0 if refiltered and "offset" not in content else offset,
    )


def selection_from_message(content: Mapping[str, Any]) -> list[str]:
    """The run ids a `select` message ticks, in order, without repeats."""
    ids = content.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise ValidationError(f"ids {short_repr(ids)} must be a list of run ids")
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_OVERLAY_RUNS:
        raise ValidationError(
            f"{len(unique)} runs ticked; the overlay compares at most {MAX_OVERLAY_RUNS}"
        )
    return unique


# --- the chart builder -----------------------------------------------------------------------
def axis_options(columns: Sequence[ColumnState]) -> list[tuple[str, str]]:
    """(label, key) of each numeric column, for the X and Y dropdowns."""
    return [(_axis_label(c), c["key"]) for c in columns if c["numeric"]]


def metric_options(columns: Sequence[ColumnState]) -> list[tuple[str, str]]:
    """(label, metric name) of each metric column, for the overlay dropdown (which draws
    whole series, so a sweep's "(best logged value)" is left off)."""
    suffix = f" ({_sweeps.BEST_LOGGED})"
    return [
        (c["label"].removesuffix(suffix), c["key"].partition(":")[2])
        for c in columns
        if c["group"] == "metric"
    ]


def _axis_label(column: ColumnState) -> str:
    group = column["group"]
    return column["label"] if group in ("run", "metric") else f"{column['label']} ({group})"


def default_axes(
    columns: Sequence[ColumnState], primary_metric: str | None
) -> tuple[str | None, str | None]:
    """X: the first numeric property (a sweep's parameter), else the run number.
    Y: the primary metric if it is a column, else the first numeric metric."""
    numeric = [c for c in columns if c["numeric"]]
    keys = [c["key"] for c in numeric]
    params = [k for k in keys if k.startswith("property:param.")]
    properties = [k for k in keys if k.startswith("property:")]
    candidates = params or properties or [k for k in keys if k == "number"]
    x = candidates[0] if candidates else None
    metrics = [k for k in keys if k.startswith("metric:")]
    primary = f"metric:{primary_metric}" if primary_metric else None
    y = primary if primary in metrics else (metrics[0] if metrics else None)
    return x, y


@dataclass
class ScatterData:
    """One point per run that has numbers in both columns, and the best of them."""

    x_label: str
    y_label: str
    x: np.ndarray
    y: np.ndarray
    names: list[str]  # "#<number> · <id>" ("Trial 7 · <id>" in a sweep) per point: the tooltip
    ids: list[str]
    best: int | None  # index of the best point: the answer's `best` run, if plotted
    goal: Goal | None  # what made it best (None: no goal, no best)
    missing: int  # runs left out: no number in x or y


def scatter_data(body: ScatterBody) -> ScatterData:
    """The points to draw, and the best one as the answer decided it (`_ranking`)."""
    xs: list[float] = []
    ys: list[float] = []
    names: list[str] = []
    ids: list[str] = []
    for point in body["points"]:
        x, y = point["x"], point["y"]
        if not (_finite(x) and _finite(y)):
            continue
        xs.append(float(x))  # type: ignore[arg-type]
        ys.append(float(y))  # type: ignore[arg-type]
        label = point.get("trial_label") or f"#{point['number']}"
        names.append(f"{label} · {point['id']}")
        ids.append(point["id"])
    y_array = np.asarray(ys, dtype=float)
    best = ids.index(body["best"]) if body["best"] in ids else None
    return ScatterData(
        x_label=_axis_label(_column(body["x"])),
        y_label=_axis_label(_column(body["y"])),
        x=np.asarray(xs, dtype=float),
        y=y_array,
        names=names,
        ids=ids,
        best=best,
        goal=body["goal"],
        missing=len(body["points"]) - len(xs),
    )


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class OverlayLine:
    label: str  # "#<number>" ("Trial 7" in a sweep), the legend entry
    run_id: str
    x: np.ndarray
    y: np.ndarray  # NaN where the series logged a non-finite value


def overlay_lines(body: OverlayBody) -> list[OverlayLine]:
    """One line per run with points, ordered by run number."""
    lines = [
        OverlayLine(
            label=series.get("trial_label") or f"#{series['number']}",
            run_id=series["id"],
            x=np.asarray(series["x"], dtype=float),
            y=np.asarray([math.nan if v is None else v for v in series["y"]], dtype=float),
        )
        for series in sorted(body["series"], key=lambda s: s["number"])
    ]
    return [line for line in lines if len(line.x)]
