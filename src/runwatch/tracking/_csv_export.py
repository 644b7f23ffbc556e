"""The runs table as plain columns: CSV text and a pandas DataFrame.

`Experiment.get_runs_frame`, `Experiment.export_runs_csv` and the REST API's
`table.csv` all read one `RunStore.runs_table` answer and name its columns
the same way (`column_names`): the run columns `id`, `number`, `status`,
`display_name`, `created_time`, `start_time`, `end_time`, `duration`
(seconds), then each tag, property and metric by its plain name. A name
that two groups share (a tag and a metric both called `alpha`), or that
clashes with a run column, is prefixed with its group in every group that
uses it: `tag:alpha`, `metric:alpha`.

Every CSV cell, header too, goes through `csv_cell`: text a spreadsheet would
run as a formula is escaped as OWASP recommends for CSV injection.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from runwatch.core._queries import RunsTable, TableRun

BASE_COLUMNS = (
    "id",
    "number",
    "status",
    "display_name",
    "created_time",
    "start_time",
    "end_time",
    "duration",
)
_TIMES = ("created_time", "start_time", "end_time")
_ROWS_PER_CHUNK = 500


#: First characters that make a spreadsheet read a cell as a formula (OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """`value` safe to open in a spreadsheet: text starting with = + - @ tab or CR gets a
    single quote in front, so it is read as text, not run as a formula; numbers, and
    text that is a plain number such as -1.5, are unchanged."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def column_names(table: RunsTable) -> dict[str, str]:
    """Column key -> export name, for the tag, property and metric columns."""
    keys = [column for column in table.columns if column.group != "run"]
    groups: dict[str, set[str]] = {}
    for column in keys:
        groups.setdefault(column.name, set()).add(column.group)
    return {
        column.key: column.key
        if len(groups[column.name]) > 1 or column.name in BASE_COLUMNS
        else column.name
        for column in keys
    }


def _base(row: TableRun, now: float) -> list[Any]:
    info = row.info
    return [
        info.id,
        info.number,
        info.status,
        info.display_name,
        info.created_time,
        info.start_time,
        info.end_time,
        info.duration(now),
    ]


def _iso(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat()


def csv_chunks(table: RunsTable, now: float) -> Iterator[str]:
    """The table as CSV text (times as ISO 8601 UTC), a few hundred rows per chunk."""
    names = column_names(table)
    keys = list(names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(name) for name in (*BASE_COLUMNS, *names.values())])
    for i, row in enumerate(table.rows, 1):
        base = _base(row, now)
        for position in (4, 5, 6):
            base[position] = _iso(base[position])
        writer.writerow([csv_cell(cell) for cell in base + [row.values.get(k) for k in keys]])
        if i % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def data_frame(table: RunsTable, now: float, *, with_parent: bool = False) -> Any:
    """The table as a pandas DataFrame: one row per run, times as UTC Timestamps."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "get_runs_frame() needs pandas, which is not installed; install it with: "
            "pip install pandas (or use export_runs_csv(), which does not need it)"
        ) from None
    names = column_names(table)
    base = list(BASE_COLUMNS) + (["parent_id"] if with_parent else [])
    records = []
    for row in table.rows:
        record = dict(zip(BASE_COLUMNS, _base(row, now), strict=True))
        if with_parent:
            record["parent_id"] = row.info.parent_id
        record.update((name, row.values.get(key)) for key, name in names.items())
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[*base, *names.values()])
    for column in _TIMES:
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    frame["duration"] = frame["duration"].astype(float)
    return frame
