"""One metric across runs: the dashboard's overlay of series from several runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runwatch.core import _codec
from runwatch.core._records import MetricInfo, MetricPoints, RunInfo
from runwatch.errors import RunNotFoundError
from runwatch.store._sql_common import (
    METRIC_COLUMNS,
    RUN_COLUMNS,
    RUN_FROM,
    Connection,
    metric_info,
    run_info,
)
from runwatch.store._table import _placeholders


def metric_of_runs(
    db: Connection, run_ids: Sequence[str], name: str
) -> list[tuple[RunInfo, MetricInfo | None, MetricPoints]]:
    """Each run of `run_ids` (in that order) with every point of its metric `name`
    (steps and values), in three statements; `RunNotFoundError` for an unknown id."""
    ids = list(dict.fromkeys(run_ids))
    marks = _placeholders(ids)
    infos = {
        row[0]: run_info(row)
        for row in db.execute(
            f"SELECT {RUN_COLUMNS} FROM {RUN_FROM} WHERE r.id IN ({marks})", ids
        ).fetchall()
    }
    for run_id in ids:
        if run_id not in infos:
            raise RunNotFoundError(f"no run with id {run_id!r} in this workspace")
    metrics: dict[str, MetricInfo] = {
        row[0]: metric_info(row)
        for row in db.execute(
            f"SELECT {METRIC_COLUMNS} FROM metrics WHERE name = ? AND run_id IN ({marks})",
            [name, *ids],
        ).fetchall()
    }
    steps: dict[str, list[int]] = {}
    values: dict[str, list[Any]] = {}
    for run_id, encoding, vals, packed_steps in db.execute(
        "SELECT m.run_id, c.encoding, c.vals, c.steps FROM metric_chunks c "
        f"JOIN metrics m ON m.id = c.metric_id WHERE m.name = ? AND m.run_id IN ({marks}) "
        "ORDER BY m.run_id, c.first_index",
        [name, *ids],
    ).fetchall():
        steps.setdefault(run_id, []).extend(_codec.unpack_steps(bytes(packed_steps)))
        values.setdefault(run_id, []).extend(_codec.unpack_values(encoding, bytes(vals)))
    return [
        (
            infos[run_id],
            metrics.get(run_id),
            MetricPoints(0, steps.get(run_id, []), values.get(run_id, []), []),
        )
        for run_id in ids
    ]
