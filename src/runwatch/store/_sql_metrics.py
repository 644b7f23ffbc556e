"""The metrics and files part of the SQL run store (see `_sql_common`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from runwatch.core import _codec
from runwatch.core._records import (
    FileInfo,
    MetricBatch,
    MetricInfo,
    MetricKind,
    MetricPoints,
    RunInfo,
    RunSummary,
)
from runwatch.errors import ValidationError
from runwatch.store._sql_common import (
    CHUNK_TARGET,
    METRIC_COLUMNS,
    N_RUN_COLUMNS,
    RUN_COLUMNS,
    RUN_FROM,
    SMALL_CHUNK,
    Connection,
    SqlAccess,
    concat_points,
    metric_info,
    run_info,
    unpack_points,
)


class MetricsSql(SqlAccess):
    """Metrics (packed chunks, summaries) and run files, in SQL."""

    # --- metrics -------------------------------------------------------------------
    def get_metric(self, run_id: str, name: str) -> MetricInfo | None:
        with self._read() as db:
            row = db.execute(
                f"SELECT {METRIC_COLUMNS} FROM metrics WHERE run_id = ? AND name = ?",
                (run_id, name),
            ).fetchone()
        return metric_info(row) if row else None

    def list_metrics(self, run_id: str) -> list[MetricInfo]:
        with self._read() as db:
            rows = db.execute(
                f"SELECT {METRIC_COLUMNS} FROM metrics WHERE run_id = ? ORDER BY id", (run_id,)
            ).fetchall()
        return [metric_info(row) for row in rows]

    def append_metrics(self, run_id: str, batches: Sequence[MetricBatch]) -> str:
        """Append each batch to its metric in one transaction.

        The statements whose answers are needed come first and cover every batch at
        once (the run, the metrics, their last chunks); the writes after them need no
        answers, so a backend that pipelines statements (PostgreSQL) sends a flush in
        a few round trips whatever the number of metrics.
        """
        if not batches:
            return self.get_run(run_id).status
        with self._write() as db:
            return self._append_in(db, run_id, batches)

    def _append_in(self, db: Connection, run_id: str, batches: Sequence[MetricBatch]) -> str:
        """`append_metrics` in the write transaction `db`."""
        status = str(self._run_row(db, run_id)[7])  # RunNotFoundError for an unknown run
        seq = self._next_seq(db)
        known = _known_metrics(db, run_id, [batch.name for batch in batches])
        small = _small_last_chunks(db, list(known.values()))
        for batch in batches:
            metric = known.get(batch.name)
            if metric is None:
                db.execute(
                    "INSERT INTO metrics (run_id, name, kind, value_class, description, seq) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (run_id, batch.name, batch.kind, batch.value_class, batch.description, seq),
                )
            elif metric[1] != batch.kind:
                raise ValidationError(
                    f"metric {batch.name!r} of run {run_id!r} was logged with "
                    f"run.{MetricKind.API.get(metric[1], metric[1])}; "
                    f"run.{MetricKind.API[batch.kind]} cannot add to it"
                )
            self._append_batch(db, run_id, batch, seq, metric, small)
            # a later batch of the same name (rare) goes after this one, unmerged
            count = (metric[2] if metric is not None else 0) + len(batch.values)
            known[batch.name] = (metric[0] if metric is not None else -1, batch.kind, count)
            if metric is not None:
                small.pop(metric[0], None)
        db.execute("UPDATE runs SET seq = ? WHERE id = ?", (seq, run_id))
        return status

    def _append_batch(
        self,
        db: Connection,
        run_id: str,
        batch: MetricBatch,
        seq: int,
        metric: tuple[int, str, int] | None,
        small: dict[int, tuple[int, int, MetricPoints]],
    ) -> None:
        """Write one batch: a new chunk (merged with the metric's last one if that is
        small) and the metric's count and latest value. Nothing here waits for an answer."""
        steps, values, times = batch.steps, batch.values, batch.times
        first_index = metric[2] if metric is not None else 0
        last = small.get(metric[0]) if metric is not None else None
        if last is not None and len(last[2].values) + len(values) <= CHUNK_TARGET:
            chunk_id, first_index, old = last
            steps = old.steps + steps
            values = old.values + values
            times = old.times + times
            db.execute("DELETE FROM metric_chunks WHERE id = ?", (chunk_id,))
        encoding, vals_blob = _codec.pack_values(values)
        db.execute(
            "INSERT INTO metric_chunks (metric_id, run_id, first_index, n, encoding, steps, "
            "times, vals, seq) SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM metrics "
            "WHERE run_id = ? AND name = ?",
            (
                run_id,
                first_index,
                len(values),
                encoding,
                _codec.pack_steps(steps),
                _codec.pack_times(times),
                vals_blob,
                seq,
                run_id,
                batch.name,
            ),
        )
        db.execute(
            "UPDATE metrics SET count = count + ?, last_value = ?, last_step = ?, seq = ?, "
            "value_class = COALESCE(value_class, ?), "
            "description = CASE WHEN description = '' THEN ? ELSE description END "
            "WHERE run_id = ? AND name = ?",
            (
                len(batch.values),
                _codec.dump_json(batch.values[-1]),
                batch.steps[-1],
                seq,
                batch.value_class,
                batch.description,
                run_id,
                batch.name,
            ),
        )

    def read_metrics(
        self, run_id: str, names: Sequence[str] | None = None, *, with_steps: bool = True
    ) -> dict[str, tuple[MetricInfo, MetricPoints]]:
        if isinstance(names, str):
            raise ValidationError(f"names {names!r} must be a list of metric names, not a str")
        cols = "m.name, c.first_index, c.encoding, c.vals" + (
            ", c.steps, c.times" if with_steps else ""
        )
        with self._read() as db:
            infos = {
                info.name: info
                for info in (
                    metric_info(row)
                    for row in db.execute(
                        f"SELECT {METRIC_COLUMNS} FROM metrics WHERE run_id = ? ORDER BY id",
                        (run_id,),
                    ).fetchall()
                )
                if names is None or info.name in names
            }
            if names is not None and len(names) == 1:
                rows = db.execute(
                    f"SELECT {cols} FROM metric_chunks c JOIN metrics m ON m.id = c.metric_id "
                    "WHERE m.run_id = ? AND m.name = ? ORDER BY c.first_index",
                    (run_id, names[0]),
                ).fetchall()
            else:
                rows = db.execute(
                    f"SELECT {cols} FROM metric_chunks c JOIN metrics m ON m.id = c.metric_id "
                    "WHERE m.run_id = ? ORDER BY c.metric_id, c.first_index",
                    (run_id,),
                ).fetchall()
        parts: dict[str, list[MetricPoints]] = {name: [] for name in infos}
        for row in rows:
            if row[0] in parts:
                steps, times = (row[4], row[5]) if with_steps else (None, None)
                parts[row[0]].append(unpack_points(row[1], row[2], row[3], steps, times))
        return {
            name: (info, concat_points(parts[name]) if parts[name] else MetricPoints(0, [], [], []))
            for name, info in infos.items()
        }

    def list_run_summaries(
        self,
        experiment: str,
        metrics: Sequence[str] | None = None,
        *,
        include_children: bool = False,
    ) -> list[RunSummary]:
        where = "e.name = ?" + ("" if include_children else " AND r.parent_id IS NULL")
        return self._summaries(where, [experiment], metrics, "r.number DESC")

    def list_child_summaries(self, parent_id: str, since: int = 0) -> list[RunSummary]:
        return self._summaries(
            "r.parent_id = ? AND r.seq > ?", [parent_id, since], None, "r.number"
        )

    def _summaries(
        self, where: str, where_params: list[Any], metrics: Sequence[str] | None, order: str
    ) -> list[RunSummary]:
        params: list[Any] = list(where_params)
        metric_filter = ""
        if metrics is not None:
            if not metrics:
                metric_filter = " AND 1 = 0"
            else:
                metric_filter = f" AND m.name IN ({', '.join('?' * len(metrics))})"
                params = [*metrics, *where_params]
        with self._read() as db:
            rows = db.execute(
                f"SELECT {RUN_COLUMNS}, m.name, m.last_value FROM {RUN_FROM} "
                f"LEFT JOIN metrics m ON m.run_id = r.id{metric_filter} "
                f"WHERE {where} ORDER BY {order}",
                params,
            ).fetchall()
        summaries: list[RunSummary] = []
        current: RunInfo | None = None
        values: dict[str, Any] = {}
        for row in rows:
            if current is None or current.id != row[0]:
                if current is not None:
                    summaries.append(RunSummary(current, values))
                current, values = run_info(row), {}
            if row[N_RUN_COLUMNS] is not None:
                values[row[N_RUN_COLUMNS]] = _codec.load_value(row[N_RUN_COLUMNS + 1])
        if current is not None:
            summaries.append(RunSummary(current, values))
        return summaries

    # --- files -----------------------------------------------------------------------
    def add_file(self, run_id: str, name: str, size: int, *, overwrite: bool = False) -> FileInfo:
        now = time.time()
        with self._write() as db:
            self._run_row(db, run_id)  # RunNotFoundError for an unknown run
            existing = db.execute(
                "SELECT id FROM files WHERE run_id = ? AND name = ?", (run_id, name)
            ).fetchone()
            if existing is not None and not overwrite:
                raise ValidationError(
                    f"run {run_id!r} already has a file named {name!r}; "
                    "choose another name (files are not overwritten)"
                )
            seq = self._next_seq(db)
            if existing is not None:
                db.execute(
                    "UPDATE files SET size = ?, created_time = ?, seq = ? WHERE id = ?",
                    (size, now, seq, existing[0]),
                )
            else:
                db.execute(
                    "INSERT INTO files (run_id, name, size, created_time, seq) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (run_id, name, size, now, seq),
                )
            db.execute("UPDATE runs SET seq = ? WHERE id = ?", (seq, run_id))
        return FileInfo(run_id, name, size, now, seq)

    def get_file(self, run_id: str, name: str) -> FileInfo | None:
        with self._read() as db:
            row = db.execute(
                "SELECT run_id, name, size, created_time, seq FROM files "
                "WHERE run_id = ? AND name = ?",
                (run_id, name),
            ).fetchone()
        return FileInfo(*row) if row else None

    def list_files(self, run_id: str) -> list[FileInfo]:
        with self._read() as db:
            rows = db.execute(
                "SELECT run_id, name, size, created_time, seq FROM files WHERE run_id = ? "
                "ORDER BY name",
                (run_id,),
            ).fetchall()
        return [FileInfo(*row) for row in rows]


#: Names per query when looking metrics up (within every backend's parameter limit).
_NAMES_PER_QUERY = 500


def _known_metrics(
    db: Connection, run_id: str, names: list[str]
) -> dict[str, tuple[int, str, int]]:
    """The run's metrics among `names`: name -> (id, kind, count)."""
    known: dict[str, tuple[int, str, int]] = {}
    for start in range(0, len(names), _NAMES_PER_QUERY):
        part = names[start : start + _NAMES_PER_QUERY]
        rows = db.execute(
            f"SELECT name, id, kind, count FROM metrics WHERE run_id = ? "
            f"AND name IN ({', '.join('?' * len(part))})",
            (run_id, *part),
        ).fetchall()
        known.update((row[0], (row[1], row[2], row[3])) for row in rows)
    return known


def _small_last_chunks(
    db: Connection, metrics: list[tuple[int, str, int]]
) -> dict[int, tuple[int, int, MetricPoints]]:
    """The last chunk of each of `metrics` (id, kind, count) that is smaller than
    SMALL_CHUNK, unpacked: metric id -> (chunk id, first index, points)."""
    ids = [metric_id for metric_id, _, count in metrics if count > 0]
    small: dict[int, tuple[int, int, MetricPoints]] = {}
    for start in range(0, len(ids), _NAMES_PER_QUERY):
        part = ids[start : start + _NAMES_PER_QUERY]
        rows = db.execute(
            "SELECT c.metric_id, c.id, c.first_index, c.encoding, c.vals, c.steps, c.times "
            "FROM metric_chunks c WHERE c.n < ? AND c.id IN (SELECT (SELECT l.id FROM "
            "metric_chunks l WHERE l.metric_id = m.id ORDER BY l.first_index DESC LIMIT 1) "
            f"FROM metrics m WHERE m.id IN ({', '.join('?' * len(part))}))",
            (SMALL_CHUNK, *part),
        ).fetchall()
        for metric_id, chunk_id, first_index, encoding, vals, steps, times in rows:
            points = unpack_points(first_index, encoding, vals, steps, times)
            small[metric_id] = (chunk_id, first_index, points)
    return small
