"""Paged, filtered and sorted run listings, and experiment counts, in portable SQL.

Used by `SqlStore.query_runs` and `SqlStore.list_experiment_stats`. Filters
on tags match the JSON text of the `tags` column exactly (see `_tag_clause`),
so a page of 10,000 runs is sorted, counted and cut in the database. Only a
text filter needs Python: SQL narrows the candidates with LIKE, Python keeps
those whose id, display name, number or a tag *value* contains the text.
"""

from __future__ import annotations

import json
from typing import Any

from runwatch.core import _codec
from runwatch.core._queries import ListedRun, RunPageResult, RunQuery
from runwatch.core._records import ExperimentStats, MetricKind, RunStatus
from runwatch.store._sql_common import RUN_COLUMNS, RUN_FROM, Connection, run_info

_LIVE = ", ".join(f"'{status}'" for status in sorted(RunStatus.LIVE))  # SQL IN list
_ESCAPE = "\\"


def _like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (with ESCAPE '\\')."""
    for special in (_ESCAPE, "%", "_"):
        text = text.replace(special, _ESCAPE + special)
    return text


def _tag_clause(key: str, value: str | None) -> tuple[str, list[str]]:
    """SQL that holds exactly for runs with tag `key` (equal to `value` if given).

    The tags column is `_codec.dump_json` of a flat str -> str object. Inside a
    JSON string every quote is escaped, so `,"key":` or `{"key":` can only be
    a key, and a value is always followed by `,` or `}`.
    """
    token = _like(_codec.dump_json(key)) + ":"
    if value is not None:
        token += _like(_codec.dump_json(value))
        patterns = [f"{{{token},%", f"{{{token}}}", f"%,{token},%", f"%,{token}}}"]
    else:
        patterns = [f"{{{token}%", f"%,{token}%"]
    sql = " OR ".join(f"r.tags LIKE ? ESCAPE '{_ESCAPE}'" for _ in patterns)
    return f"({sql})", patterns


def _text_prefilter(text: str) -> tuple[str, list[str]] | None:
    """A LIKE condition that every run matching `text` passes (a superset), or None
    when the text holds characters that JSON escapes or that SQL LOWER leaves."""
    if not text.isascii() or not text.isprintable() or '"' in text or _ESCAPE in text:
        return None
    pattern = f"%{_like(text)}%"
    columns = ("LOWER(r.id)", "LOWER(COALESCE(r.display_name, ''))", "LOWER(r.tags)")
    parts = [f"{column} LIKE ? ESCAPE '{_ESCAPE}'" for column in columns]
    parts.append("CAST(r.number AS TEXT) LIKE ?")
    return "(" + " OR ".join(parts) + ")", [pattern] * 3 + [f"%{text}%"]


def _text_matches(text: str, run_id: str, name: str | None, number: int, tags: str) -> bool:
    if text in run_id.lower() or text in str(number) or (name and text in name.lower()):
        return True
    return any(
        isinstance(value, str) and text in value.lower() for value in json.loads(tags).values()
    )


def _order_by(query: RunQuery, float_type: str, now: float) -> tuple[str, list[Any]]:
    """ORDER BY for the query, and its parameters."""
    direction = "DESC" if query.descending else "ASC"
    keys: list[str] = []
    fixed: list[str] = []  # keys that keep their direction: missing values always last
    params: list[Any] = []
    if query.sort == "active":
        keys = [f"CASE WHEN r.status IN ({_LIVE}) THEN 1 ELSE 0 END"]
    elif query.sort == "created":
        keys = ["r.created_time"]
    elif query.sort == "status":
        keys = ["r.status"]
    elif query.sort == "duration":
        fixed = ["CASE WHEN r.start_time IS NULL THEN 1 ELSE 0 END"]
        keys = ["COALESCE(r.end_time, ?) - r.start_time"]
        params = [now]
    elif query.sort == "metric":
        number = "m.value_class = 'number' AND m.last_value NOT IN ('NaN', 'Infinity', '-Infinity')"
        fixed = [
            "CASE WHEN m.last_value IN ('Infinity', '-Infinity') THEN 0 "
            f"WHEN {number} THEN 0 ELSE 1 END"
        ]
        keys = [
            "CASE m.last_value WHEN '-Infinity' THEN -1 WHEN 'Infinity' THEN 1 ELSE 0 END",
            f"CASE WHEN {number} THEN CAST(m.last_value AS {float_type}) END",
        ]
    keys.append("r.number")
    order = [f"{key} ASC" for key in fixed] + [f"{key} {direction}" for key in keys]
    return ", ".join(order), params


def query_runs(db: Connection, query: RunQuery, float_type: str, now: float) -> RunPageResult:
    """Answer `query` inside the read transaction `db`."""
    cursor = int(db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0])
    if query.experiment is not None:
        row = db.execute("SELECT id FROM experiments WHERE name = ?", (query.experiment,))
        found = row.fetchone()
        if found is None:
            return RunPageResult(cursor, 0, {}, [], [])
        scope, scope_params = "r.experiment_id = ? AND r.parent_id IS NULL", [found[0]]
    else:
        scope, scope_params = "r.parent_id = ?", [query.parent_id]
    where, params = [scope], list(scope_params)
    for key, value in query.tags:
        clause, patterns = _tag_clause(key, value)
        where.append(clause)
        params += patterns
    order, order_params = _order_by(query, float_type, now)
    metric_join = "LEFT JOIN metrics m ON m.run_id = r.id AND m.name = ?"
    # The metrics a listing can show a latest value of: scalars (not rows, tables, images).
    metric_names = [
        row[0]
        for row in db.execute(
            f"SELECT DISTINCT m.name FROM metrics m JOIN runs r ON r.id = m.run_id "
            f"WHERE {scope} AND m.kind = ? ORDER BY m.name",
            [*scope_params, MetricKind.SCALAR],
        ).fetchall()
    ]
    if query.text:
        page_ids, total, counts = _filter_by_text(db, query, where, params, order, order_params)
        if not page_ids:
            return RunPageResult(cursor, total, counts, metric_names, [])
        id_list = ", ".join("?" * len(page_ids))
        page_sql = f"WHERE r.id IN ({id_list})"
        page_params: list[Any] = [query.metric, *page_ids]
    else:
        counts = {
            status: count
            for status, count in db.execute(
                f"SELECT r.status, COUNT(*) FROM runs r WHERE {' AND '.join(where)} "
                "GROUP BY r.status",
                params,
            ).fetchall()
        }
        statuses = query.statuses or tuple(counts)
        total = sum(counts.get(status, 0) for status in set(statuses))
        if query.statuses:
            where.append(f"r.status IN ({', '.join('?' * len(query.statuses))})")
            params += query.statuses
        page_sql = f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?"
        page_params = [query.metric, *params, *order_params, query.limit, query.offset]
    rows = db.execute(
        f"SELECT {RUN_COLUMNS}, r.child_count, m.last_value FROM {RUN_FROM} "
        f"{metric_join} {page_sql}",
        page_params,
    ).fetchall()
    runs = [ListedRun(run_info(row), int(row[-2]), _metric_value(row[-1])) for row in rows]
    if query.text:
        position = {run_id: i for i, run_id in enumerate(page_ids)}
        runs.sort(key=lambda run: position[run.info.id])
    return RunPageResult(cursor, total, counts, metric_names, runs)


def _filter_by_text(
    db: Connection,
    query: RunQuery,
    where: list[str],
    params: list[Any],
    order: str,
    order_params: list[Any],
) -> tuple[list[str], int, dict[str, int]]:
    """(ids of the page, total, status counts) for a query with a text filter."""
    text = query.text.lower()
    where, params = list(where), list(params)
    prefilter = _text_prefilter(text)
    if prefilter is not None:
        where.append(prefilter[0])
        params += prefilter[1]
    join = ""
    if query.sort == "metric":
        join = "LEFT JOIN metrics m ON m.run_id = r.id AND m.name = ? "
        params = [query.metric, *params]
    rows = db.execute(
        f"SELECT r.id, r.status, r.display_name, r.number, r.tags FROM runs r {join}"
        f"WHERE {' AND '.join(where)} ORDER BY {order}",
        [*params, *order_params],
    ).fetchall()
    counts: dict[str, int] = {}
    kept: list[str] = []
    wanted = set(query.statuses)
    for run_id, status, name, number, tags in rows:
        if _text_matches(text, run_id, name, number, tags):
            counts[status] = counts.get(status, 0) + 1
            if not wanted or status in wanted:
                kept.append(run_id)
    return kept[query.offset : query.offset + query.limit], len(kept), counts


def _metric_value(text: str | None) -> Any:
    return None if text is None else _codec.load_value(text)


def experiment_stats(db: Connection) -> list[ExperimentStats]:
    """Every experiment with its top-level run counts, by name, in one query."""
    rows = db.execute(
        "SELECT e.name, e.created_time, COUNT(r.id), "
        f"SUM(CASE WHEN r.status IN ({_LIVE}) THEN 1 ELSE 0 END), MAX(r.created_time) "
        "FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.parent_id IS NULL "
        "GROUP BY e.id, e.name, e.created_time ORDER BY e.name"
    ).fetchall()
    return [
        ExperimentStats(name, created, int(count), int(active or 0), last)
        for name, created, count, active, last in rows
    ]
