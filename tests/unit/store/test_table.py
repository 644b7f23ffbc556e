"""The dashboard's runs table and metric-across-runs reads, against every backend."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from runwatch.core._queries import TableQuery
from runwatch.core._records import MetricBatch, MetricKind, RunStatus
from runwatch.errors import RunNotFoundError, ValidationError
from runwatch.store import RunStore
from runwatch.store._columns import MAX_TABLE_COLUMNS
from runwatch.store._sql import SqlStore


def runs(store: RunStore, count: int = 1, **extra: Any) -> list[str]:
    extra.setdefault("status", RunStatus.COMPLETED)
    infos = store.create_runs(extra.pop("experiment", "exp"), count=count, run_type="t", **extra)
    return [info.id for info in infos]


def log(
    store: RunStore,
    run_id: str,
    name: str,
    *values: Any,
    kind: str = MetricKind.SCALAR,
    value_class: str | None = "number",
) -> None:
    steps = list(range(len(values)))
    batch = MetricBatch(name, kind, value_class, "", steps, list(values), [1.0] * len(values))
    store.append_metrics(run_id, [batch])


def table(store: RunStore, **query: Any) -> Any:
    columns = query.pop("columns", None)
    if "parent_id" not in query:
        query.setdefault("experiment", "exp")
    return store.runs_table(TableQuery(**query), columns)


def ids(store: RunStore, **query: Any) -> list[str]:
    return [row.info.id for row in table(store, **query).rows]


@contextmanager
def counted(store: RunStore) -> Iterator[list[str]]:
    """The SQL statements the store runs inside the block."""
    assert isinstance(store, SqlStore)
    statements: list[str] = []
    original = store._read

    @contextmanager
    def read() -> Iterator[Any]:
        with original() as db:
            yield _Counting(db, statements)

    store._read = read  # type: ignore[method-assign]
    try:
        yield statements
    finally:
        del store._read


class _Counting:
    def __init__(self, db: Any, statements: list[str]) -> None:
        self.db, self.statements = db, statements

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        self.statements.append(sql)
        return self.db.execute(sql, parameters)


def test_columns_values_and_numeric_flags(store: RunStore) -> None:
    a, b = runs(store, 2, tags={"team": "x"})
    store.add_properties(a, {"alpha": 0.1, "opt": "adam", "layers": [64, 32]})
    store.add_properties(b, {"alpha": 1, "opt": 3})
    log(store, a, "mse", 0.5, 0.25)
    log(store, b, "mse", 2)
    log(store, a, "note", "ok", value_class="str")
    log(store, a, "curve", [1, 2], kind=MetricKind.LIST)  # not a scalar: no column
    log(store, b, "table", {"x": [1]}, kind=MetricKind.TABLE, value_class=None)
    result = table(store, sort="number", descending=False)
    columns = {c.key: (c.group, c.name, c.numeric) for c in result.columns}
    assert list(columns)[:5] == list(TableQuery.RUN_COLUMNS)
    assert list(columns)[5:] == [
        "tag:team",
        "property:alpha",
        "property:layers",
        "property:opt",
        "metric:mse",
        "metric:note",
    ]
    assert columns["property:alpha"] == ("property", "alpha", True)
    assert columns["property:opt"][2] is False  # a string and a number
    assert columns["metric:mse"] == ("metric", "mse", True)
    assert columns["metric:note"][2] is False
    assert columns["tag:team"][2] is False
    first, second = result.rows
    assert first.values == {
        "tag:team": "x",
        "property:alpha": 0.1,
        "property:opt": "adam",
        "property:layers": "[64,32]",  # non-scalar properties as JSON text
        "metric:mse": 0.25,  # the latest value
        "metric:note": "ok",
    }
    assert second.values == {
        "tag:team": "x",
        "property:alpha": 1,
        "property:opt": 3,
        "metric:mse": 2,
    }
    assert (result.total, dict(result.status_counts)) == (2, {"Completed": 2})


def test_filters_total_counts_and_paging(store: RunStore) -> None:
    done = runs(store, 6, tags={"team": "a"})
    failed = runs(store, 3, status=RunStatus.FAILED, tags={"team": "b"})
    named = runs(store, display_name="Bright Falcon", tags={"team": "a"})
    result = table(store, statuses=("Completed",), sort="number", offset=1, limit=3)
    assert [r.info.id for r in result.rows] == [done[5], done[4], done[3]]  # after `named`
    assert result.total == 7
    assert dict(result.status_counts) == {"Completed": 7, "Failed": 3}
    assert ids(store, tags=(("team", "b"),), descending=False) == failed
    assert ids(store, text="FALCON") == named
    assert ids(store, text="falcon", statuses=("Failed",)) == []
    assert table(store, offset=50).rows == [] and table(store, offset=50).total == 10
    # Columns come from the filtered runs only.
    store.update_tags(failed[0], {"only_failed": "1"})
    keys = [c.key for c in table(store, statuses=("Completed",)).columns]
    assert "tag:only_failed" not in keys
    assert "tag:only_failed" in [c.key for c in table(store).columns]


def test_sort_by_any_column_with_missing_values_last(store: RunStore) -> None:
    a, b, c, d = runs(store, 4)
    for run_id, mse in ((a, 0.3), (b, -math.inf), (c, math.nan)):
        log(store, run_id, "mse", mse)
    store.add_properties(a, {"alpha": 0.5})
    store.add_properties(b, {"alpha": 0.1})
    store.update_tags(c, {"k": "b"})
    store.update_tags(d, {"k": "a"})
    # NaN counts as missing; missing values come last, by number in the same direction.
    assert ids(store, sort="metric:mse", descending=False) == [b, a, c, d]
    assert ids(store, sort="metric:mse") == [a, b, d, c]
    assert ids(store, sort="property:alpha", descending=False) == [b, a, c, d]
    assert ids(store, sort="property:alpha") == [a, b, d, c]
    assert ids(store, sort="tag:k", descending=False) == [d, c, a, b]
    assert ids(store, sort="tag:k") == [c, d, b, a]
    assert ids(store, sort="number", descending=False) == [a, b, c, d]
    assert ids(store, sort="status") == [d, c, b, a]  # ties by number


def test_sort_by_duration_and_display_name(store: RunStore) -> None:
    (queued,) = runs(store, status=RunStatus.QUEUED)
    (running,) = runs(store, status=RunStatus.RUNNING, display_name="b")
    (short,) = runs(store, status=RunStatus.RUNNING, display_name="a")
    store.set_status(short, RunStatus.COMPLETED)
    assert ids(store, sort="duration")[-1] == queued
    assert ids(store, sort="duration", descending=False)[-1] == queued
    assert ids(store, sort="display_name", descending=False) == [short, running, queued]


def test_unknown_column_keys_are_refused(store: RunStore) -> None:
    (a,) = runs(store, tags={"t": "1"})
    (b,) = runs(store, status=RunStatus.FAILED)
    log(store, b, "only_failed", 1.0)
    with pytest.raises(ValidationError, match="sort 'metric:nope' is not a column"):
        table(store, sort="metric:nope")
    with pytest.raises(ValidationError, match="'property:t'"):
        table(store, columns=["property:t"])
    with pytest.raises(ValidationError, match="sort 'size' is not a column key"):
        TableQuery(experiment="exp", sort="size")
    with pytest.raises(ValidationError, match="'tag:' is not a column key"):
        TableQuery(experiment="exp", sort="tag:")
    # A column that the filtered runs lack but the scope has is fine (all missing).
    assert ids(store, sort="metric:only_failed", statuses=("Completed",)) == [a]
    chart = table(store, columns=["metric:only_failed", "tag:t"], statuses=("Completed",))
    assert {c.key: c.numeric for c in chart.columns} == {"metric:only_failed": True, "tag:t": False}


def test_parent_scope_lists_direct_children(store: RunStore) -> None:
    (parent,) = runs(store, status=RunStatus.RUNNING)
    children = runs(store, 3, parent_id=parent)
    runs(store, 2, parent_id=children[0])  # grandchildren are not listed
    for i, child in enumerate(children):
        store.add_properties(child, {"param.alpha": i / 10})
        log(store, child, "mse", (i - 1) ** 2)
    result = table(store, parent_id=parent, sort="metric:mse", descending=False)
    assert [r.info.id for r in result.rows] == [children[1], children[0], children[2]]
    assert "property:param.alpha" in [c.key for c in result.columns]
    assert ids(store, parent_id=parent, experiment="exp", sort="number") == children[::-1]
    assert ids(store, parent_id=parent, experiment="other") == []
    assert ids(store) == [parent]
    assert len(ids(store, include_children=True)) == 6


def test_columns_limit_the_values(store: RunStore) -> None:
    (a,) = runs(store, tags={"t": "1"})
    store.add_properties(a, {"alpha": 2})
    log(store, a, "mse", 0.5)
    log(store, a, "acc", 0.9)
    chart = table(store, columns=["property:alpha", "metric:mse"], limit=None)
    assert [c.key for c in chart.columns] == ["property:alpha", "metric:mse"]
    assert chart.rows[0].values == {"property:alpha": 2, "metric:mse": 0.5}


def _compact(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))  # as the store writes JSON


def test_columns_per_group_are_capped(store: RunStore) -> None:
    """A run written past the tag and property limits (by an older runwatch) or with
    thousands of metric names cannot flood the table: each group keeps the
    MAX_TABLE_COLUMNS keys most runs have (ties by name), rows carry only those
    values, and a column beyond the cap can still be sorted by."""
    a, b = runs(store, 2, tags={"shared": "1"}, properties={"alpha": 0.5})
    tags = {"shared": "2", **{f"t{i:05d}": "x" for i in range(10_000)}}
    properties = {"alpha": 0.1, **{f"p{i:05d}": i for i in range(10_000)}}
    assert isinstance(store, SqlStore)
    with store._write() as db:  # past the API's limits, as an older store may be
        db.execute(
            "UPDATE runs SET tags = ?, properties = ? WHERE id = ?",
            (_compact(tags), _compact(properties), a),
        )
    batches = [
        MetricBatch(f"m{i:04d}", "scalar", "number", "", [0], [1.0], [1.0]) for i in range(300)
    ]
    store.append_metrics(a, batches)
    log(store, b, "m0299", 2.0)
    result = table(store, limit=None)
    keys = {c.key for c in result.columns}
    for group in ("tag", "property", "metric"):
        assert sum(c.group == group for c in result.columns) == MAX_TABLE_COLUMNS
    assert {"tag:shared", "tag:t00000", "property:alpha", "metric:m0299"} <= keys
    assert "tag:t09999" not in keys and "metric:m0298" not in keys
    for row in result.rows:
        assert set(row.values) <= keys
    assert ids(store, sort="tag:t09999") == [a, b]


def test_unknown_scope_is_empty(store: RunStore) -> None:
    runs(store)
    result = table(store, experiment="nope", sort="metric:x")
    assert (result.total, result.rows, dict(result.status_counts)) == (0, [], {})
    assert table(store, parent_id="nope").rows == []


def test_statements_do_not_grow_with_the_run_count(store: RunStore) -> None:
    def statements(count: int, **query: Any) -> int:
        with counted(store) as seen:
            result = table(store, **query)
        assert result.total == count
        return len(seen)

    first = runs(store, 5, tags={"team": "a"})
    for run_id in first:
        log(store, run_id, "mse", 1.0)
    small = [
        statements(5, sort="metric:mse"),
        statements(5, limit=None),
        statements(5, text="exp", sort="number"),
    ]
    more = runs(store, 1000, tags={"team": "a"})
    store.append_metrics(more[0], [MetricBatch("mse", "scalar", "number", "", [0], [2.0], [1.0])])
    large = [
        statements(1005, sort="metric:mse"),
        statements(1005, limit=None),
        statements(1005, text="exp", sort="number"),
    ]
    assert large == small
    assert max(large) <= 6
    with counted(store) as seen:
        store.read_metric_of_runs(more[:50], "mse")
    assert len(seen) <= 3


def test_metric_of_runs_reads_each_runs_series_in_order(store: RunStore) -> None:
    a, b, c = runs(store, 3)
    log(store, a, "loss", *[1.0 / (i + 1) for i in range(2000)])
    log(store, a, "loss", 0.0)  # a second chunk
    log(store, b, "loss", 3, 2)
    got = store.read_metric_of_runs([b, a, c], "loss")
    assert [info.id for info, _, _ in got] == [b, a, c]
    (_, b_info, b_points), (_, a_info, a_points), (_, c_info, c_points) = got
    assert b_points.values == [3, 2] and b_points.steps == [0, 1]
    assert b_info is not None and b_info.count == 2
    assert len(a_points) == 2001 and a_points.values[-1] == 0.0 and a_points.steps[-1] == 0
    assert a_info is not None and a_info.count == 2001
    assert c_info is None and len(c_points) == 0
    with pytest.raises(RunNotFoundError, match="'nope'"):
        store.read_metric_of_runs([a, "nope"], "loss")


def test_ten_thousand_runs_first_page_and_chart_data(store: RunStore) -> None:
    ids_all: list[str] = []
    for team in ("a", "b"):
        for _ in range(5):
            ids_all += runs(store, 1000, tags={"team": team}, properties={"param.alpha": 0.5})
    batches = [
        MetricBatch(f"metric_{m}", "scalar", "number", "", [0], [float(m)], [1.0]) for m in range(5)
    ]
    for run_id in ids_all[::50]:  # 200 runs log 5 metrics (10,000 appends take too long on CI)
        store.append_metrics(run_id, batches)
    store.append_metrics(
        ids_all[123], [MetricBatch("metric_0", "scalar", "number", "", [1], [-1.0], [2.0])]
    )

    # How fast: benchmarks/dashboard.py (the same 10,000 runs, first page and scatter).
    page = table(store)
    assert page.total == 10_000 and len(page.rows) == 100
    assert page.rows[0].info.number == 10_000
    assert [c.key for c in page.columns][5:] == [
        "tag:team",
        "property:param.alpha",
        *[f"metric:metric_{m}" for m in range(5)],
    ]
    by_metric = table(store, sort="metric:metric_0", descending=False, tags=(("team", "a"),))
    assert by_metric.total == 5000
    assert by_metric.rows[0].info.id == ids_all[123]
    assert by_metric.rows[0].values["metric:metric_0"] == -1.0
    chart = table(store, limit=None, columns=["property:param.alpha", "metric:metric_1"])
    assert len(chart.rows) == 10_000
    assert sum("metric:metric_1" in row.values for row in chart.rows) == 200
