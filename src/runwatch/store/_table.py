"""The experiment dashboard's runs table (one metric across runs is in `_overlay`).

`runs_table` answers a `TableQuery` in at most five statements plus one per
column key that needs checking, whatever the number of runs: the runs of the
scope that pass the tag filter (and the text pre-filter of `_query`), the
metric columns of the filtered runs, the latest metric values of the rows,
and, to sort by a metric, that metric's values. Python reads each distinct
tags/properties JSON text once, applies the exact text and status filters,
counts, sorts and pages those light rows. Tag and property values are never
taken apart in SQL: SQLite and PostgreSQL spell JSON access differently, and
listing the keys needs every run's JSON anyway.
"""

from __future__ import annotations

import json
import operator
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from runwatch.core import _codec
from runwatch.core._queries import RunsTable, TableColumn, TableQuery, TableRun
from runwatch.core._records import MetricKind, RunInfo
from runwatch.errors import ValidationError
from runwatch.store._columns import (
    MAX_TABLE_COLUMNS,
    json_columns,
    metric_names,
    run_column,
    widest_metrics,
)
from runwatch.store._query import _like, _tag_clause, _text_matches, _text_prefilter
from runwatch.store._sql_common import RUN_COLUMNS, RUN_FROM, Connection, run_info

_RUN_COLUMN_KEYS = frozenset(TableQuery.RUN_COLUMNS)
Row = Sequence[Any]  # a row of RUN_COLUMNS: a RunInfo is built for the page only
_ID, _NUMBER, _NAME, _STATUS, _CREATED, _START, _END, _TAGS, _PROPERTIES = (
    0, 2, 6, 7, 8, 9, 10, 13, 14
)  # fmt: skip
_RUN_COLUMN_INDEX = {"number": _NUMBER, "status": _STATUS, "display_name": _NAME,
                     "created_time": _CREATED}  # fmt: skip
_SCALAR = f"m.kind = '{MetricKind.SCALAR}'"
_METRICS_OF_SCOPE = f"metrics m JOIN runs r ON r.id = m.run_id WHERE {_SCALAR} AND "


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _json_memo() -> Callable[[str], dict[str, Any]]:
    """`json.loads` remembering each text: runs of one sweep share their tags' JSON."""
    seen: dict[str, dict[str, Any]] = {}

    def load(text: str) -> dict[str, Any]:
        found = seen.get(text)
        if found is None:
            found = seen[text] = json.loads(text)
        return found

    return load


def _property_value(value: Any) -> Any:
    """A property as a table cell: scalars as they are, anything else as its JSON text."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    return _codec.dump_json(value)


class _Scope:
    """The SQL condition for a query's runs before filters, and with tag/text filters."""

    def __init__(self, db: Connection, query: TableQuery) -> None:
        self.known = True
        self.params: list[Any]
        if query.parent_id is not None:
            self.sql, self.params = "r.parent_id = ?", [query.parent_id]
            if query.experiment is not None:
                self.sql += " AND r.experiment_id = (SELECT id FROM experiments WHERE name = ?)"
                self.params.append(query.experiment)
        else:
            found = db.execute("SELECT id FROM experiments WHERE name = ?", (query.experiment,))
            row = found.fetchone()
            self.known = row is not None
            self.sql = "r.experiment_id = ?"
            if not query.include_children:
                self.sql += " AND r.parent_id IS NULL"
            self.params = [row[0] if row else -1]
        where, params = [self.sql], list(self.params)
        for key, value in query.tags:
            clause, patterns = _tag_clause(key, value)
            where.append(clause)
            params += patterns
        self.exact_text = not query.text
        if query.text:
            prefilter = _text_prefilter(query.text.lower())
            if prefilter is not None:
                where.append(prefilter[0])
                params += prefilter[1]
        self.filtered = " AND ".join(where)
        self.filtered_params = params
        if query.statuses:
            self.filtered += f" AND r.status IN ({_placeholders(query.statuses)})"
            self.filtered_params = [*params, *query.statuses]
        self.unfiltered_status = " AND ".join(where)
        self.unfiltered_status_params = params


def runs_table(
    db: Connection, query: TableQuery, wanted: Sequence[str] | None, now: float
) -> RunsTable:
    """Answer `query` inside the read transaction `db`; `wanted` limits the columns
    (and row values) to those keys, None gives every column."""
    cursor = int(db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0])
    keys = set(wanted) if wanted is not None else None
    scope = _Scope(db, query)
    if not scope.known:
        return RunsTable(cursor, 0, {}, [run_column(k) for k in TableQuery.RUN_COLUMNS], [])
    rows = db.execute(
        f"SELECT {RUN_COLUMNS} FROM {RUN_FROM} WHERE {scope.unfiltered_status}",
        scope.unfiltered_status_params,
    ).fetchall()
    kept, counts = _filter(rows, query)
    load = _json_memo()
    columns = json_columns(
        Counter(row[_TAGS] for row in kept), Counter(row[_PROPERTIES] for row in kept), load, keys
    )
    every_row = query.limit is None
    if every_row:
        metric_columns, metric_values = _scope_metrics(db, scope, kept, keys)
    else:
        metric_columns, metric_values = _metric_columns(db, scope, kept, keys), {}
    columns += metric_columns
    by_key = {column.key: column for column in columns}
    for key in [query.sort, *(wanted or ())]:
        if key not in by_key and key not in TableQuery.RUN_COLUMNS:
            found = _column_in_scope(db, scope, key, "sort" if key == query.sort else "column")
            if keys is not None and key in keys:
                by_key[key] = found
                columns.append(found)
    known = metric_values if every_row and (keys is None or query.sort in keys) else None
    kept = _sorted(db, scope, query, kept, load, now, known)
    total = len(kept)
    if query.limit is not None:
        kept = kept[query.offset : query.offset + query.limit]
        metric_values = _page_metrics(db, kept, keys)
    specs = _value_specs(keys, columns)
    table_rows = []
    for row in kept:
        info = run_info(row)
        table_rows.append(
            TableRun(info, _values(info, load, metric_values.get(info.id, {}), specs))
        )
    run_columns = [run_column(k) for k in TableQuery.RUN_COLUMNS if keys is None or k in keys]
    ordered = sorted(columns, key=lambda c: (TableQuery.GROUPS.index(c.group), c.name))
    return RunsTable(cursor, total, counts, run_columns + ordered, table_rows)


def _value_specs(
    keys: set[str] | None, columns: list[TableColumn]
) -> list[tuple[str, str, str]] | None:
    """(key, group, name) of the values each row carries: those of `keys`; the table's
    columns when a group may have been capped (the per-key path is slower, so only
    then); None: every value of the run."""
    if keys is not None:
        return [(key, *key.partition(":")[::2]) for key in keys if key not in _RUN_COLUMN_KEYS]
    if any(sum(c.group == g for c in columns) >= MAX_TABLE_COLUMNS for g in TableQuery.GROUPS):
        return [(column.key, column.group, column.name) for column in columns]
    return None


def _filter(rows: list[Row], query: TableQuery) -> tuple[list[Row], dict[str, int]]:
    """The rows passing the exact text and the status filters, and the status counts."""
    text = query.text.lower()
    if text:
        rows = [
            row
            for row in rows
            if _text_matches(text, row[_ID], row[_NAME], row[_NUMBER], row[_TAGS])
        ]
    counts = Counter(map(operator.itemgetter(_STATUS), rows))
    wanted = set(query.statuses)
    kept = [row for row in rows if row[_STATUS] in wanted] if wanted else rows
    return kept, dict(counts)


def _metric_columns(
    db: Connection, scope: _Scope, kept: list[Row], keys: set[str] | None
) -> list[TableColumn]:
    names = metric_names(keys)
    if names == []:
        return []
    where, params = scope.filtered, list(scope.filtered_params)
    if names is not None:
        where += f" AND m.name IN ({_placeholders(names)})"
        params += names
    classes: dict[str, set[str | None]] = {}
    runs: Counter[str] = Counter()
    if scope.exact_text:
        rows = db.execute(
            f"SELECT m.name, m.value_class, COUNT(*) FROM {_METRICS_OF_SCOPE}{where} "
            "GROUP BY m.name, m.value_class",
            params,
        ).fetchall()
    else:  # the SQL text filter is a superset: keep the metrics of runs that really match
        ids = {row[_ID] for row in kept}
        rows = [
            (name, value_class, 1)
            for run_id, name, value_class in db.execute(
                f"SELECT m.run_id, m.name, m.value_class FROM {_METRICS_OF_SCOPE}{where}", params
            ).fetchall()
            if run_id in ids
        ]
    for name, value_class, count in rows:
        classes.setdefault(name, set()).add(value_class)
        runs[name] += count
    return widest_metrics(classes, runs)


def _scope_metrics(
    db: Connection, scope: _Scope, kept: list[Row], keys: set[str] | None
) -> tuple[list[TableColumn], dict[str, dict[str, Any]]]:
    """The metric columns and every row's latest values (run id -> name -> value), in
    one statement over the scope (for every row: exports and charts)."""
    names = metric_names(keys)
    if names == [] or not kept:
        return [], {}
    where, params = scope.filtered, list(scope.filtered_params)
    if names is not None:
        where += f" AND m.name IN ({_placeholders(names)})"
        params += names
    ids = None if scope.exact_text else {row[_ID] for row in kept}
    classes: dict[str, set[str | None]] = {}
    runs: Counter[str] = Counter()
    values: dict[str, dict[str, Any]] = {}
    for run_id, name, value_class, text in db.execute(
        f"SELECT m.run_id, m.name, m.value_class, m.last_value FROM {_METRICS_OF_SCOPE}{where}",
        params,
    ).fetchall():
        if ids is None or run_id in ids:
            classes.setdefault(name, set()).add(value_class)
            runs[name] += 1
            values.setdefault(run_id, {})[name] = _codec.load_value(text)
    return widest_metrics(classes, runs), values


def _column_in_scope(db: Connection, scope: _Scope, key: str, what: str) -> TableColumn:
    """The column `key` that no filtered run has, if a run of the scope has it; else
    `ValidationError` (an unknown column)."""
    group, _, name = key.partition(":")
    if group == "metric":
        row = db.execute(
            f"SELECT m.value_class FROM {_METRICS_OF_SCOPE}{scope.sql} AND m.name = ? LIMIT 1",
            [*scope.params, name],
        ).fetchone()
        if row is not None:
            return TableColumn(key, group, name, row[0] == "number")
    else:
        column = "r.tags" if group == "tag" else "r.properties"
        token = _like(_codec.dump_json(name)) + ":"
        row = db.execute(
            f"SELECT 1 FROM runs r WHERE {scope.sql} AND ({column} LIKE ? ESCAPE '\\' OR "
            f"{column} LIKE ? ESCAPE '\\') LIMIT 1",
            [*scope.params, f"{{{token}%", f"%,{token}%"],
        ).fetchone()
        if row is not None:
            return TableColumn(key, group, name, False)
    raise ValidationError(
        f"{what} {key!r} is not a column of these runs: no run here has {group} {name!r}; "
        "the table's `columns` list the keys there are"
    )


def _sorted(
    db: Connection,
    scope: _Scope,
    query: TableQuery,
    kept: list[Row],
    load: Callable[[str], dict[str, Any]],
    now: float,
    metric_values: dict[str, dict[str, Any]] | None,
) -> list[Row]:
    """`kept` in the query's order; `metric_values` holds the sort metric's values
    if they were read already."""
    key = query.sort
    group, _, name = key.partition(":")
    value: Callable[[Row], Any]
    if key == "duration":

        def value(row: Row) -> Any:
            start = row[_START]
            return None if start is None else max(0.0, (row[_END] or now) - start)

    elif key in _RUN_COLUMN_INDEX:
        index = _RUN_COLUMN_INDEX[key]
        value = operator.itemgetter(index)
    elif group == "tag":
        value = lambda row: _tag_or_missing(load(row[_TAGS]), name)  # noqa: E731 - as the defs
    elif group == "property":
        value = lambda row: _property_value(load(row[_PROPERTIES]).get(name))  # noqa: E731
    elif metric_values is not None:
        value = lambda row: metric_values.get(row[_ID], {}).get(name)  # noqa: E731
    else:
        rows = db.execute(
            f"SELECT m.run_id, m.last_value FROM {_METRICS_OF_SCOPE}{scope.filtered} "
            "AND m.name = ?",
            [*scope.filtered_params, name],
        ).fetchall()
        metric = {run_id: _codec.load_value(text) for run_id, text in rows}
        value = lambda row: metric.get(row[_ID])  # noqa: E731
    # Numbers (inf too), then text; None and NaN are missing. Numbers within a scope
    # are unique, so the tuples never compare rows.
    numbers: list[tuple[Any, int, Row]] = []
    texts: list[tuple[str, int, Row]] = []
    missing: list[Row] = []
    for row, found in zip(kept, map(value, kept), strict=True):
        if found is None or found != found:
            missing.append(row)
        elif isinstance(found, (int, float)):
            numbers.append((found, row[_NUMBER], row))
        else:
            texts.append((str(found), row[_NUMBER], row))
    numbers.sort(reverse=query.descending)
    texts.sort(reverse=query.descending)
    missing.sort(key=operator.itemgetter(_NUMBER), reverse=query.descending)
    first, second = (texts, numbers) if query.descending else (numbers, texts)
    return [item[2] for item in first] + [item[2] for item in second] + missing


def _page_metrics(
    db: Connection, rows: list[Row], keys: set[str] | None
) -> dict[str, dict[str, Any]]:
    """run id -> {metric name: latest value} of the scalar metrics of a page of rows."""
    names = metric_names(keys) or []
    if not rows or (keys is not None and not names):
        return {}
    ids = [row[_ID] for row in rows]
    sql = (
        f"SELECT m.run_id, m.name, m.last_value FROM metrics m WHERE {_SCALAR} "
        f"AND m.run_id IN ({_placeholders(ids)})"
    )
    if names:
        sql += f" AND m.name IN ({_placeholders(names)})"
    values: dict[str, dict[str, Any]] = {}
    for run_id, name, text in db.execute(sql, ids + names).fetchall():
        values.setdefault(run_id, {})[name] = _codec.load_value(text)
    return values


def _tag_or_missing(tags: dict[str, Any], name: str) -> str | None:
    return _tag(tags[name]) if name in tags else None


def _tag(value: str | None) -> str:
    """A tag's cell: a tag set without a value (stored as None) is an empty text."""
    return "" if value is None else value


def _values(
    info: RunInfo,
    load: Callable[[str], dict[str, Any]],
    metrics: dict[str, Any],
    keys: list[tuple[str, str, str]] | None,
) -> dict[str, Any]:
    """The row's values by column key: all of them, or those of `keys`
    ((key, group, name) of a chart's few columns)."""
    tags, properties = load(info.tags_json), load(info.properties_json)
    if keys is not None:
        values: dict[str, Any] = {}
        for key, group, name in keys:
            found = tags if group == "tag" else properties if group == "property" else metrics
            if name in found:
                value = found[name]
                values[key] = _property_value(value) if group == "property" else _tag(value)
        return values
    values = {f"tag:{k}": _tag(v) for k, v in tags.items()}
    values.update((f"property:{k}", _property_value(v)) for k, v in properties.items())
    values.update((f"metric:{k}", v) for k, v in metrics.items())
    return values
