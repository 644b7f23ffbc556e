"""Reading a whole run out of a store and writing it into another, in portable SQL.

Used by `SqlStore.export_run`, `SqlStore.import_run` and `SqlStore.import_asset` (and so
by `runwatch copy`).
Metric points travel as the packed chunks the stores keep, byte for byte: the
chunk format (`_codec`) is the same in every backend, so nothing is unpacked.
"""

from __future__ import annotations

from typing import Any

from runwatch.core import _codec
from runwatch.core._records import AssetInfo, FileInfo, MetricChunk, RunExport, RunInfo
from runwatch.errors import RunNotFoundError, ValidationError
from runwatch.store._sql import SqlStore
from runwatch.store._sql_assets import ASSET_COLUMNS, next_version, taken_version
from runwatch.store._sql_common import METRIC_COLUMNS, Connection, metric_info, run_info


def export_run(db: Connection, run_id: str, with_chunks: bool) -> RunExport:
    info = run_info(SqlStore._run_row(db, run_id))
    definition = _codec.load_json(
        db.execute("SELECT definition FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
    )
    metrics = [
        metric_info(row)
        for row in db.execute(
            f"SELECT {METRIC_COLUMNS} FROM metrics WHERE run_id = ? ORDER BY id", (run_id,)
        ).fetchall()
    ]
    files = [
        FileInfo(*row)
        for row in db.execute(
            "SELECT run_id, name, size, created_time, seq FROM files WHERE run_id = ? "
            "ORDER BY name",
            (run_id,),
        ).fetchall()
    ]
    chunks = []
    if with_chunks:
        chunks = [
            MetricChunk(row[0], row[1], row[2], row[3], bytes(row[4]), bytes(row[5]), bytes(row[6]))
            for row in db.execute(
                "SELECT m.name, c.first_index, c.n, c.encoding, c.steps, c.times, c.vals "
                "FROM metric_chunks c JOIN metrics m ON m.id = c.metric_id "
                "WHERE c.run_id = ? ORDER BY c.metric_id, c.first_index",
                (run_id,),
            ).fetchall()
        ]
    return RunExport(info, definition, metrics, files, chunks)


def import_run(db: Connection, run: RunExport, experiment_id: int) -> str:
    """Insert or replace the run's rows; return its id. The experiment exists already."""
    info = run.info
    seq = SqlStore._next_seq(db)
    here = db.execute(
        "SELECT experiment_id, parent_id FROM runs WHERE id = ?", (info.id,)
    ).fetchone()
    if here is None:
        _insert_run(db, run, experiment_id, seq)
    else:
        if (here[0], here[1]) != (experiment_id, info.parent_id):
            raise ValidationError(
                f"run {info.id!r} is here already in another experiment or under another "
                f"parent ({here[1]!r}); a run cannot move"
            )
        db.execute(
            "UPDATE runs SET root_id = ?, run_type = ?, display_name = ?, status = ?, "
            "created_time = ?, start_time = ?, end_time = ?, heartbeat_time = ?, error = ?, "
            "tags = ?, properties = ?, definition = ?, cancel_requested = ?, owner_pid = ?, "
            "owner_host = ?, seq = ? WHERE id = ?",
            (*_run_values(run), seq, info.id),
        )
        for table in ("metric_chunks", "metrics", "files"):
            db.execute(f"DELETE FROM {table} WHERE run_id = ?", (info.id,))
    metric_ids = {}
    for metric in run.metrics:
        metric_ids[metric.name] = db.execute(
            "INSERT INTO metrics (run_id, name, kind, value_class, description, count, "
            "last_value, last_step, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                info.id,
                metric.name,
                metric.kind,
                metric.value_class,
                metric.description,
                metric.count,
                _codec.dump_json(metric.last_value),
                metric.last_step,
                seq,
            ),
        ).fetchone()[0]
    for chunk in run.chunks:
        db.execute(
            "INSERT INTO metric_chunks (metric_id, run_id, first_index, n, encoding, steps, "
            "times, vals, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                metric_ids[chunk.name],
                info.id,
                chunk.first_index,
                chunk.n,
                chunk.encoding,
                chunk.steps,
                chunk.times,
                chunk.vals,
                seq,
            ),
        )
    for file in run.files:
        db.execute(
            "INSERT INTO files (run_id, name, size, created_time, seq) VALUES (?, ?, ?, ?, ?)",
            (info.id, file.name, file.size, file.created_time, seq),
        )
    return info.id


def _insert_run(db: Connection, run: RunExport, experiment_id: int, seq: int) -> None:
    info = run.info
    if info.parent_id is not None:
        # Counted like a child made here, so children made here later get fresh ids.
        parent = db.execute(
            "UPDATE runs SET child_count = child_count + 1 WHERE id = ? RETURNING experiment_id",
            (info.parent_id,),
        ).fetchone()
        if parent is None:
            raise RunNotFoundError(
                f"no run with id {info.parent_id!r} (the parent of {info.id!r}); "
                "import the parent first"
            )
        if parent[0] != experiment_id:
            raise ValidationError(
                f"run {info.parent_id!r} is not in experiment {info.experiment!r}; a child "
                "run belongs to its parent's experiment"
            )
    taken = db.execute(
        "SELECT 1 FROM runs WHERE experiment_id = ? AND number = ?",
        (experiment_id, info.number),
    ).fetchone()
    if taken:
        number = (
            db.execute(
                "UPDATE experiments SET next_number = next_number + 1 WHERE id = ? "
                "RETURNING next_number",
                (experiment_id,),
            ).fetchone()[0]
            - 1
        )
    else:
        number = info.number
        db.execute(
            "UPDATE experiments SET next_number = CASE WHEN next_number > ? THEN next_number "
            "ELSE ? END WHERE id = ?",
            (number, number + 1, experiment_id),
        )
    db.execute(
        "INSERT INTO runs (id, experiment_id, number, parent_id, root_id, run_type, "
        "display_name, status, created_time, start_time, end_time, heartbeat_time, error, "
        "tags, properties, definition, cancel_requested, owner_pid, owner_host, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (info.id, experiment_id, number, info.parent_id, *_run_values(run), seq),
    )


def _run_values(run: RunExport) -> tuple[Any, ...]:
    """root_id through owner_host, in the order of the INSERT and UPDATE above."""
    info: RunInfo = run.info
    return (
        info.root_id,
        info.run_type,
        info.display_name,
        info.status,
        info.created_time,
        info.start_time,
        info.end_time,
        info.heartbeat_time,
        info.error_json,
        info.tags_json,
        info.properties_json,
        _codec.dump_json(dict(run.definition)) if run.definition is not None else None,
        int(info.cancel_requested),
        info.owner_pid,
        info.owner_host,
    )


def import_asset(db: Connection, asset: AssetInfo) -> int:
    """Insert one asset version with its created time; return the version it got
    (its own if free here, else the next one)."""
    taken = db.execute(
        "SELECT 1 FROM assets WHERE kind = ? AND name = ? AND version = ?",
        (asset.kind, asset.name, asset.version),
    ).fetchone()
    if taken:
        version = next_version(db, asset.kind, asset.name)
    else:
        version = asset.version
        taken_version(db, asset.kind, asset.name, version)
    db.execute(
        f"INSERT INTO assets ({ASSET_COLUMNS}, seq) VALUES ({', '.join('?' * 11)})",
        (
            asset.kind,
            asset.name,
            version,
            asset.created_time,
            asset.run_id,
            asset.experiment,
            asset.description,
            _codec.dump_json(dict(asset.tags)),
            _codec.dump_json(dict(asset.properties)),
            _codec.dump_json(dict(asset.document)),
            SqlStore._next_seq(db),
        ),
    )
    return version
