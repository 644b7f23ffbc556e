"""The columns of a runs table: which tags, properties and metrics become columns.

Each group keeps at most `MAX_TABLE_COLUMNS` keys, those most of the table's
runs have (ties by name), so one run with thousands of keys (written by an
older runwatch, before the per-run limits, or thousands of metric names)
cannot make its experiment's table, dashboard and exports unusable. A key
beyond the cap can still be asked for by name (a sort or a chart axis).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from typing import Any

from runwatch.core._queries import TableColumn
from runwatch.core._values import MAX_TAGS

#: Columns per group (tags, properties, metrics) of a table, at most.
MAX_TABLE_COLUMNS = MAX_TAGS
_NUMERIC_RUN_COLUMNS = {"number", "created_time", "duration"}


def run_column(key: str) -> TableColumn:
    return TableColumn(key, "run", key, key in _NUMERIC_RUN_COLUMNS)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_columns(
    tag_texts: Counter[str],
    property_texts: Counter[str],
    load: Callable[[str], dict[str, Any]],
    keys: set[str] | None,
) -> list[TableColumn]:
    """The tag and property columns, given each distinct tags/properties JSON text with
    the number of runs that have it; `keys` (a chart's few columns) are never capped."""
    tags: Counter[str] = Counter()  # name -> how many runs have it
    properties: Counter[str] = Counter()
    numeric: dict[str, bool] = {}
    for text, runs in tag_texts.items():
        for name in load(text):
            tags[name] += runs
    for text, runs in property_texts.items():
        for name, value in load(text).items():
            properties[name] += runs
            numeric[name] = numeric.get(name, True) and is_number(value)
    capped = keys is None
    tag_names = widest(tags) if capped else list(tags)
    property_names = widest(properties) if capped else list(properties)
    columns = [TableColumn(f"tag:{name}", "tag", name, False) for name in tag_names]
    columns += [TableColumn(f"property:{n}", "property", n, numeric[n]) for n in property_names]
    return [c for c in columns if keys is None or c.key in keys]


def widest(runs_by_name: Counter[str]) -> list[str]:
    """At most MAX_TABLE_COLUMNS names: those most runs have, ties by name."""
    if len(runs_by_name) <= MAX_TABLE_COLUMNS:
        return list(runs_by_name)
    return [
        name
        for name, _ in heapq.nsmallest(
            MAX_TABLE_COLUMNS, runs_by_name.items(), key=lambda item: (-item[1], item[0])
        )
    ]


def metric_names(keys: set[str] | None) -> list[str] | None:
    """The metric names among `keys` (None: every metric)."""
    if keys is None:
        return None
    return sorted(k[len("metric:") :] for k in keys if k.startswith("metric:"))


def metric_column(name: str, classes: set[str | None]) -> TableColumn:
    return TableColumn(f"metric:{name}", "metric", name, (classes - {None}) == {"number"})


def widest_metrics(
    classes: dict[str, set[str | None]], runs_by_name: Counter[str]
) -> list[TableColumn]:
    return [metric_column(name, classes[name]) for name in widest(runs_by_name)]
