"""The runs part of the SQL run store: creating, reading, statuses, the queue,
heartbeats, owners, tags and properties (see `_sql_common`)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runwatch.core import _codec
from runwatch.core._queries import RunPageResult, RunQuery, RunsTable, TableQuery
from runwatch.core._records import (
    MetricBatch,
    MetricInfo,
    MetricPoints,
    RunInfo,
    RunStatus,
)
from runwatch.core._values import MAX_PROPERTIES, MAX_TAGS, check_count
from runwatch.errors import RunNotFoundError, RunStateError, ValidationError
from runwatch.store._sql_common import (
    ACTIVE_SQL,
    RUN_COLUMNS,
    RUN_FROM,
    Connection,
    check_within,
    run_info,
    same_value,
)
from runwatch.store._sql_metrics import MetricsSql


class RunsSql(MetricsSql):
    """Runs and their lifecycle, in SQL."""

    # --- runs ---------------------------------------------------------------------
    def create_runs(
        self,
        experiment: str,
        *,
        count: int = 1,
        parent_id: str | None = None,
        run_type: str,
        status: str,
        display_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        properties: Mapping[str, Any] | None = None,
        definition: Mapping[str, Any] | None = None,
        compute_target: str | None = None,
        owner: tuple[int, str] | None = None,
    ) -> list[RunInfo]:
        if status not in RunStatus.ALL:
            raise ValidationError(
                f"status {status!r} is not a run status; expected one of {sorted(RunStatus.ALL)}"
            )
        if type(count) is not int or count < 1:
            raise ValidationError(f"count {count!r} must be an int >= 1")
        check_count(len(tags or {}), MAX_TAGS, "tags", "a new run with")
        check_count(len(properties or {}), MAX_PROPERTIES, "properties", "a new run with")
        exp = self.get_or_create_experiment(experiment)
        definition_json = _codec.dump_json(dict(definition)) if definition is not None else None
        owner_pid, owner_host = owner if owner is not None else (None, None)
        now = time.time()
        started = now if status == RunStatus.RUNNING else None
        tags_json = _codec.dump_json(dict(tags or {}))
        props_json = _codec.dump_json(dict(properties or {}))
        with self._write() as db:
            seq = self._next_seq(db)
            last = db.execute(
                "UPDATE experiments SET next_number = next_number + ? WHERE id = ? "
                "RETURNING next_number",
                (count, exp.id),
            ).fetchone()[0]
            first_number = last - count
            if parent_id is not None:
                parent = db.execute(
                    "UPDATE runs SET child_count = child_count + ? WHERE id = ? "
                    "RETURNING child_count, root_id, experiment_id",
                    (count, parent_id),
                ).fetchone()
                if parent is None:
                    raise RunNotFoundError(f"no run with id {parent_id!r} (the parent)")
                if parent[2] != exp.id:
                    raise ValidationError(
                        f"run {parent_id!r} is not in experiment {experiment!r}; a child run "
                        "belongs to its parent's experiment"
                    )
                first_child, root_id = parent[0] - count, parent[1]
                ids = [f"{parent_id}_{first_child + i}" for i in range(count)]
            else:
                stamp = int(now)
                ids = [f"{experiment}_{stamp}_{secrets.token_hex(4)}" for _ in range(count)]
                root_id = ""
            for i, run_id in enumerate(ids):
                db.execute(
                    "INSERT INTO runs (id, experiment_id, number, parent_id, root_id, run_type, "
                    "display_name, status, created_time, start_time, tags, properties, seq, "
                    "definition, compute_target, owner_pid, owner_host) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        exp.id,
                        first_number + i,
                        parent_id,
                        root_id or run_id,
                        run_type,
                        display_name,
                        status,
                        now,
                        started,
                        tags_json,
                        props_json,
                        seq,
                        definition_json,
                        compute_target,
                        owner_pid,
                        owner_host,
                    ),
                )
            rows = [self._run_row(db, run_id) for run_id in ids]
        return [run_info(row) for row in rows]

    def get_run(self, run_id: str) -> RunInfo:
        with self._read() as db:
            return run_info(self._run_row(db, run_id))

    def list_runs(self, experiment: str, *, include_children: bool = False) -> list[RunInfo]:
        where = "e.name = ?" + ("" if include_children else " AND r.parent_id IS NULL")
        with self._read() as db:
            rows = db.execute(
                f"SELECT {RUN_COLUMNS} FROM {RUN_FROM} WHERE {where} ORDER BY r.number DESC",
                (experiment,),
            ).fetchall()
        return [run_info(row) for row in rows]

    def get_children(self, run_id: str) -> list[RunInfo]:
        with self._read() as db:
            rows = db.execute(
                f"SELECT {RUN_COLUMNS} FROM {RUN_FROM} WHERE r.parent_id = ? ORDER BY r.number",
                (run_id,),
            ).fetchall()
        return [run_info(row) for row in rows]

    def get_descendants(self, run_id: str) -> list[RunInfo]:
        from runwatch.store._tree import descendants  # _tree builds on this module

        with self._read() as db:
            return descendants(db, run_id)

    def query_runs(self, query: RunQuery) -> RunPageResult:
        from runwatch.store._query import query_runs  # _query builds on this module

        with self._read() as db:
            return query_runs(db, query, self.TYPES["float"], time.time())

    def runs_table(self, query: TableQuery, columns: Sequence[str] | None = None) -> RunsTable:
        from runwatch.store._table import runs_table  # _table builds on this module

        with self._read() as db:
            return runs_table(db, query, columns, time.time())

    def read_metric_of_runs(
        self, run_ids: Sequence[str], name: str
    ) -> list[tuple[RunInfo, MetricInfo | None, MetricPoints]]:
        from runwatch.store._overlay import metric_of_runs  # _overlay builds on this module

        if isinstance(run_ids, str):
            raise ValidationError(f"run_ids {run_ids!r} must be a list of run ids, not a str")
        if not run_ids:
            return []
        with self._read() as db:
            return metric_of_runs(db, run_ids, name)

    def set_status(
        self, run_id: str, status: str, *, error: Mapping[str, Any] | None = None
    ) -> RunInfo:
        _check_status(status)
        with self._write() as db:
            current = run_info(self._run_row(db, run_id))
            if current.is_final and current.status != status:
                raise _ended(run_id, current, status)
            return self._set_status_in(db, current, status, error)

    def finish_run(
        self,
        run_id: str,
        batches: Sequence[MetricBatch],
        status: str,
        *,
        error: Mapping[str, Any] | None = None,
    ) -> RunInfo:
        """One transaction. A run another process ended otherwise keeps the points, and
        RunStateError says so."""
        _check_status(status)
        with self._write() as db:
            if batches:
                self._append_in(db, run_id, batches)
            current = run_info(self._run_row(db, run_id))
            if not (current.is_final and current.status != status):
                return self._set_status_in(db, current, status, error)
        raise _ended(run_id, current, status)

    def _set_status_in(
        self, db: Connection, current: RunInfo, status: str, error: Mapping[str, Any] | None
    ) -> RunInfo:
        """Set a run's status in the write transaction `db` (a final status stays)."""
        if current.is_final:
            return current
        run_id = current.id
        now = time.time()
        seq = self._next_seq(db)
        start = current.start_time
        if start is None and status not in (RunStatus.NOT_STARTED, RunStatus.QUEUED):
            start = now
        end = now if RunStatus.is_final(status) else None
        db.execute(
            "UPDATE runs SET status = ?, start_time = ?, end_time = ?, error = ?, seq = ? "
            "WHERE id = ?",
            (
                status,
                start,
                end,
                _codec.dump_json(dict(error)) if error is not None else None,
                seq,
                run_id,
            ),
        )
        return run_info(self._run_row(db, run_id))

    def heartbeat(self, run_ids: Sequence[str]) -> None:
        if not run_ids:
            return
        now = time.time()
        with self._write() as db:
            for run_id in run_ids:
                db.execute("UPDATE runs SET heartbeat_time = ? WHERE id = ?", (now, run_id))
                revived = db.execute(
                    "SELECT 1 FROM runs WHERE id = ? AND status = ?",
                    (run_id, RunStatus.NOT_RESPONDING),
                ).fetchone()
                if revived:  # the owner is alive after all: it is running again
                    db.execute(
                        "UPDATE runs SET status = ?, seq = ? WHERE id = ?",
                        (RunStatus.RUNNING, self._next_seq(db), run_id),
                    )

    def mark_not_responding(self, run_id: str, silent_since: float) -> RunInfo:
        with self._write() as db:
            current = run_info(self._run_row(db, run_id))
            last = current.heartbeat_time or current.start_time or current.created_time
            if current.status in (
                RunStatus.PREPARING,
                RunStatus.RUNNING,
                RunStatus.FINALIZING,
            ) and (last < silent_since):
                db.execute(
                    "UPDATE runs SET status = ?, seq = ? WHERE id = ?",
                    (RunStatus.NOT_RESPONDING, self._next_seq(db), run_id),
                )
                current = run_info(self._run_row(db, run_id))
            return current

    def get_definition(self, run_id: str) -> dict[str, Any] | None:
        with self._read() as db:
            row = db.execute("SELECT definition FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFoundError(f"no run with id {run_id!r} in this workspace")
        found: dict[str, Any] | None = _codec.load_json(row[0])
        return found

    def claim_queued(
        self, compute_target: str, slots: int, owner: tuple[int, str]
    ) -> RunInfo | None:
        with self._write() as db:
            active = db.execute(
                f"SELECT COUNT(*) FROM runs WHERE compute_target = ? AND status IN ({ACTIVE_SQL})",
                (compute_target,),
            ).fetchone()[0]
            if active >= slots:
                return None
            row = db.execute(
                "SELECT id FROM runs WHERE status = ? AND compute_target = ? "
                "ORDER BY created_time, number LIMIT 1",
                (RunStatus.QUEUED, compute_target),
            ).fetchone()
            if row is None:
                return None
            seq = self._next_seq(db)
            db.execute(
                "UPDATE runs SET status = ?, owner_pid = ?, owner_host = ?, heartbeat_time = ?, "
                "seq = ? WHERE id = ?",
                (RunStatus.PREPARING, owner[0], owner[1], time.time(), seq, row[0]),
            )
            return run_info(self._run_row(db, row[0]))

    def list_active(self, compute_target: str | None = None) -> list[RunInfo]:
        where = f"r.status IN ({ACTIVE_SQL}, '{RunStatus.QUEUED}')"
        params: tuple[Any, ...] = ()
        if compute_target is not None:
            where += " AND r.compute_target = ?"
            params = (compute_target,)
        with self._read() as db:
            rows = db.execute(
                f"SELECT {RUN_COLUMNS} FROM {RUN_FROM} WHERE {where} ORDER BY r.number", params
            ).fetchall()
        return [run_info(row) for row in rows]

    def request_cancel(self, run_id: str) -> RunInfo:
        now = time.time()
        with self._write() as db:
            current = run_info(self._run_row(db, run_id))
            if current.is_final:
                return current
            seq = self._next_seq(db)
            if current.status in (RunStatus.NOT_STARTED, RunStatus.QUEUED):
                db.execute(
                    "UPDATE runs SET status = ?, end_time = ?, cancel_requested = 1, seq = ? "
                    "WHERE id = ?",
                    (RunStatus.CANCELED, now, seq, run_id),
                )
            else:
                db.execute(
                    "UPDATE runs SET cancel_requested = 1, seq = ? WHERE id = ?", (seq, run_id)
                )
            return run_info(self._run_row(db, run_id))

    def set_owner(self, run_id: str, owner: tuple[int, str] | None) -> RunInfo:
        pid, host = owner if owner is not None else (None, None)
        with self._write() as db:
            seq = self._next_seq(db)
            db.execute(
                "UPDATE runs SET owner_pid = ?, owner_host = ?, heartbeat_time = ?, seq = ? "
                "WHERE id = ?",
                (pid, host, time.time(), seq, run_id),
            )
            return run_info(self._run_row(db, run_id))

    def _update_json(self, run_id: str, column: str, change: Any) -> RunInfo:
        """Read-modify-write of the tags or properties of a run, under the write lock."""
        with self._write() as db:
            row = db.execute(f"SELECT {column} FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise RunNotFoundError(f"no run with id {run_id!r} in this workspace")
            value = change(_codec.load_json(row[0]))
            seq = self._next_seq(db)
            db.execute(
                f"UPDATE runs SET {column} = ?, seq = ? WHERE id = ?",
                (_codec.dump_json(value), seq, run_id),
            )
            return run_info(self._run_row(db, run_id))

    def update_tags(
        self, run_id: str, set_tags: Mapping[str, str | None], remove: Iterable[str] = ()
    ) -> RunInfo:
        removed = list(remove)

        def change(tags: dict[str, str | None]) -> dict[str, str | None]:
            added = [key for key in set_tags if key not in tags and key not in removed]
            tags.update(set_tags)
            for key in removed:
                tags.pop(key, None)
            check_within(run_id, added, len(tags), MAX_TAGS, "tags")
            return tags

        return self._update_json(run_id, "tags", change)

    def add_properties(self, run_id: str, properties: Mapping[str, Any]) -> RunInfo:
        def change(current: dict[str, Any]) -> dict[str, Any]:
            for key, value in properties.items():
                if key in current and not same_value(current[key], value):
                    raise ValidationError(
                        f"property {key!r} of run {run_id!r} is already {current[key]!r}; "
                        f"properties are immutable, so it cannot become {value!r} "
                        "(use tags for values that change)"
                    )
            added = [key for key in properties if key not in current]
            current.update(properties)
            check_within(run_id, added, len(current), MAX_PROPERTIES, "properties")
            return current

        return self._update_json(run_id, "properties", change)

    def set_display_name(self, run_id: str, name: str | None) -> RunInfo:
        with self._write() as db:
            seq = self._next_seq(db)
            db.execute(
                "UPDATE runs SET display_name = ?, seq = ? WHERE id = ?", (name, seq, run_id)
            )
            return run_info(self._run_row(db, run_id))


def _check_status(status: str) -> None:
    if status not in RunStatus.ALL:
        raise ValidationError(
            f"status {status!r} is not a run status; expected one of {sorted(RunStatus.ALL)}"
        )


def _ended(run_id: str, current: RunInfo, status: str) -> RunStateError:
    return RunStateError(f"run {run_id!r} is already {current.status}; it cannot become {status}")
