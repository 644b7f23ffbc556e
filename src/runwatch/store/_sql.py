"""The run store written once in portable SQL; backends add connections.

A backend subclass provides `_write()` (a transaction that holds the write
lock: `BEGIN IMMEDIATE` in SQLite), `_read()` (a consistent snapshot) and the
type names for the migrations. Every change takes the next value of the
store-wide change counter and stamps it on the rows it touches, so "what is
new since cursor X" is an indexed range scan: `seq > X`.
"""

from __future__ import annotations

import time

from runwatch.core._records import (
    AssetInfo,
    ExperimentInfo,
    ExperimentStats,
    FileInfo,
    MetricPoints,
    RunChanges,
    RunExport,
    RunInfo,
)
from runwatch.errors import StoreError
from runwatch.store._schema import LATEST_VERSION, MIGRATIONS, statements
from runwatch.store._sql_assets import AssetsSql
from runwatch.store._sql_common import (
    METRIC_COLUMNS,
    RUN_COLUMNS,
    RUN_FROM,
    metric_info,
    run_info,
    unpack_points,
)
from runwatch.store._sql_runs import RunsSql


class SqlStore(RunsSql, AssetsSql):
    """`RunStore` over a DB-API connection with `?` placeholders."""

    # --- schema -------------------------------------------------------------------
    def _migrate(self) -> None:
        if self._schema_is_current():
            return  # the common case: no write lock, so many processes open at once
        with self._write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > LATEST_VERSION:
                raise StoreError(
                    f"the store {self.url} has schema version {current}, newer than this "
                    f"runwatch understands ({LATEST_VERSION}); upgrade runwatch"
                )
            for version, sql in MIGRATIONS:
                if version > current:
                    for statement in statements(sql, self.TYPES):
                        db.execute(statement)
                    db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def _schema_is_current(self) -> bool:
        return self._stored_version() == LATEST_VERSION

    def _stored_version(self) -> int | None:
        """The store's schema version, None for a store without a schema yet. A backend
        that can tell a missing table from its error does this in one query."""
        with self._read() as db:
            exists = db.execute(self.TABLE_EXISTS_SQL, ("schema_version",)).fetchone()[0]
            if not exists:
                return None
            version = db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
            return None if version is None else int(version)

    def schema_version(self) -> int:
        with self._read() as db:
            return int(db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    # --- experiments --------------------------------------------------------------
    def get_experiment(self, name: str) -> ExperimentInfo | None:
        with self._read() as db:
            row = db.execute(
                "SELECT id, name, created_time FROM experiments WHERE name = ?", (name,)
            ).fetchone()
        return ExperimentInfo(*row) if row else None

    def get_or_create_experiment(self, name: str) -> ExperimentInfo:
        found = self.get_experiment(name)
        if found is not None:
            return found
        with self._write() as db:
            row = db.execute(
                "SELECT id, name, created_time FROM experiments WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                seq = self._next_seq(db)
                row = db.execute(
                    "INSERT INTO experiments (name, created_time, seq) VALUES (?, ?, ?) "
                    "RETURNING id, name, created_time",
                    (name, time.time(), seq),
                ).fetchone()
        return ExperimentInfo(*row)

    def list_experiments(self) -> list[ExperimentInfo]:
        with self._read() as db:
            rows = db.execute(
                "SELECT id, name, created_time FROM experiments ORDER BY name"
            ).fetchall()
        return [ExperimentInfo(*row) for row in rows]

    def list_experiment_stats(self) -> list[ExperimentStats]:
        from runwatch.store._query import experiment_stats  # _query builds on this module

        with self._read() as db:
            return experiment_stats(db)

    # --- copying between stores ----------------------------------------------------------
    def export_run(self, run_id: str, *, with_chunks: bool = True) -> RunExport:
        from runwatch.store._transfer import export_run  # _transfer builds on this module

        with self._read() as db:
            return export_run(db, run_id, with_chunks)

    def import_run(self, run: RunExport) -> RunInfo:
        from runwatch.store._transfer import import_run

        exp = self.get_or_create_experiment(run.info.experiment)
        with self._write() as db:
            return run_info(self._run_row(db, import_run(db, run, exp.id)))

    def import_asset(self, asset: AssetInfo) -> AssetInfo:
        from runwatch.store._transfer import import_asset

        with self._write() as db:
            return self._asset_row(db, asset.kind, asset.name, import_asset(db, asset))

    # --- polling -----------------------------------------------------------------------
    def current_seq(self) -> int:
        with self._read() as db:
            return int(db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0])

    def changes_since(self, run_id: str, cursor: int = 0) -> RunChanges:
        with self._read() as db:
            now_seq = int(db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0])
            run_row = self._run_row(db, run_id)
            children = [
                run_info(row)
                for row in db.execute(
                    f"SELECT {RUN_COLUMNS} FROM {RUN_FROM} WHERE r.parent_id = ? AND r.seq > ? "
                    "ORDER BY r.number",
                    (run_id, cursor),
                ).fetchall()
            ]
            if run_row[15] <= cursor:
                return RunChanges(cursor=now_seq, run=None, children=children)
            metrics = {
                info.name: info
                for info in (
                    metric_info(row)
                    for row in db.execute(
                        f"SELECT {METRIC_COLUMNS} FROM metrics WHERE run_id = ? AND seq > ?",
                        (run_id, cursor),
                    ).fetchall()
                )
            }
            chunk_rows = db.execute(
                "SELECT m.name, c.first_index, c.encoding, c.vals, c.steps, c.times "
                "FROM metric_chunks c JOIN metrics m ON m.id = c.metric_id "
                "WHERE c.run_id = ? AND c.seq > ? ORDER BY c.metric_id, c.first_index",
                (run_id, cursor),
            ).fetchall()
            files = [
                FileInfo(*row)
                for row in db.execute(
                    "SELECT run_id, name, size, created_time, seq FROM files "
                    "WHERE run_id = ? AND seq > ? ORDER BY name",
                    (run_id, cursor),
                ).fetchall()
            ]
        points: dict[str, list[MetricPoints]] = {}
        for row in chunk_rows:
            points.setdefault(row[0], []).append(
                unpack_points(row[1], row[2], row[3], row[4], row[5])
            )
        return RunChanges(
            cursor=now_seq,
            run=run_info(run_row),
            metrics=metrics,
            points=points,
            files=files,
            children=children,
        )
