"""The run store written once in portable SQL; backends add connections.

A backend subclass provides `_write()` (a transaction that holds the write
lock: `BEGIN IMMEDIATE` in SQLite), `_read()` (a consistent snapshot) and the
type names for the migrations. Every change takes the next value of the
store-wide change counter and stamps it on the rows it touches, so "what is
new since cursor X" is an indexed range scan: `seq > X`.
"""

from __future__ import annotations

import secrets
import time
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar, Protocol

from runwatch.core import _codec
from runwatch.core._queries import RunPageResult, RunQuery, RunsTable, TableQuery
from runwatch.core._records import (
    ExperimentInfo,
    ExperimentStats,
    FileInfo,
    MetricBatch,
    MetricInfo,
    MetricKind,
    MetricPoints,
    RunChanges,
    RunExport,
    RunInfo,
    RunStatus,
    RunSummary,
)
from runwatch.core._values import MAX_PROPERTIES, MAX_TAGS, check_count, short_repr
from runwatch.errors import RunNotFoundError, RunStateError, StoreError, ValidationError
from runwatch.store._base import RunStore
from runwatch.store._schema import LATEST_VERSION, MIGRATIONS, statements

# Chunks smaller than this are merged with the next points of the same metric
# (up to CHUNK_TARGET points), so a run that logs one point per flush still
# reads back in a few large chunks.
SMALL_CHUNK = 1024
CHUNK_TARGET = 8192

_RUN_COLUMNS = (
    "r.id, e.name, r.number, r.parent_id, r.root_id, r.run_type, r.display_name, r.status, "
    "r.created_time, r.start_time, r.end_time, r.heartbeat_time, r.error, r.tags, "
    "r.properties, r.seq, r.cancel_requested, r.owner_pid, r.owner_host"
)
_N_RUN_COLUMNS = 19
_ACTIVE = ", ".join(f"'{status}'" for status in sorted(RunStatus.ACTIVE))  # SQL IN list
_RUN_FROM = "runs r JOIN experiments e ON e.id = r.experiment_id"
_METRIC_COLUMNS = "run_id, name, kind, value_class, description, count, last_value, last_step, seq"


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ...) -> Cursor: ...


# RunInfo fields in the order of _RUN_COLUMNS.
_RUN_FIELDS = (
    "id", "experiment", "number", "parent_id", "root_id", "run_type", "display_name", "status",
    "created_time", "start_time", "end_time", "heartbeat_time", "error_json", "tags_json",
    "properties_json", "seq", "cancel_requested", "owner_pid", "owner_host",
)  # fmt: skip


def _run_info(row: Sequence[Any]) -> RunInfo:
    # Filled directly: a frozen dataclass's __init__ sets each of its 19 fields through
    # object.__setattr__, which dominated listing thousands of runs.
    info = object.__new__(RunInfo)
    values = dict(zip(_RUN_FIELDS, row[: len(_RUN_FIELDS)], strict=True))
    values["cancel_requested"] = bool(row[16])
    object.__setattr__(info, "__dict__", values)
    return info


def _metric_info(row: Sequence[Any]) -> MetricInfo:
    return MetricInfo(
        run_id=row[0],
        name=row[1],
        kind=row[2],
        value_class=row[3],
        description=row[4],
        count=row[5],
        last_value=_codec.load_json(row[6]),
        last_step=row[7],
        seq=row[8],
    )


def _points(
    first_index: int, encoding: str, vals: bytes, steps: bytes | None, times: bytes | None
) -> MetricPoints:
    return MetricPoints(
        first_index=first_index,
        steps=_codec.unpack_steps(bytes(steps)) if steps is not None else [],
        values=_codec.unpack_values(encoding, bytes(vals)),
        times=_codec.unpack_times(bytes(times)) if times is not None else [],
    )


def _same(a: Any, b: Any) -> bool:
    """Equal, counting NaN as equal to NaN (a property set to NaN twice is unchanged)."""
    return bool(a == b or (a != a and b != b))


def _within(run_id: str, added: list[str], count: int, limit: int, what: str) -> None:
    """The tags or properties of a run after a change are within the limit."""
    if added and count > limit:
        check_count(count, limit, what, f"run {run_id!r}: adding {short_repr(added)} would give it")


def _concat(parts: list[MetricPoints]) -> MetricPoints:
    if len(parts) == 1:
        return parts[0]
    steps: list[int] = []
    values: list[Any] = []
    times: list[float] = []
    for part in parts:
        steps += part.steps
        values += part.values
        times += part.times
    return MetricPoints(parts[0].first_index if parts else 0, steps, values, times)


class SqlStore(RunStore):
    """`RunStore` over a DB-API connection with `?` placeholders."""

    #: Type names for the migrations in `_schema`.
    TYPES: ClassVar[dict[str, str]] = {}
    #: A query with one parameter, a table name, giving 1 if the table exists.
    TABLE_EXISTS_SQL: ClassVar[str] = (
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?"
    )

    # --- what a backend provides ------------------------------------------------
    @abstractmethod
    def _write(self) -> AbstractContextManager[Connection]:
        """A transaction holding the store's write lock."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Connection]:
        """A read-only transaction on one consistent snapshot."""

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
        with self._read() as db:
            exists = db.execute(self.TABLE_EXISTS_SQL, ("schema_version",)).fetchone()[0]
            if not exists:
                return False
            return bool(
                db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
                == LATEST_VERSION
            )

    def schema_version(self) -> int:
        with self._read() as db:
            return int(db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    @staticmethod
    def _next_seq(db: Connection) -> int:
        row = db.execute("UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
        return int(row.fetchone()[0])

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
        return [_run_info(row) for row in rows]

    @staticmethod
    def _run_row(db: Connection, run_id: str) -> Any:
        row = db.execute(f"SELECT {_RUN_COLUMNS} FROM {_RUN_FROM} WHERE r.id = ?", (run_id,))
        found = row.fetchone()
        if found is None:
            raise RunNotFoundError(f"no run with id {run_id!r} in this workspace")
        return found

    def get_run(self, run_id: str) -> RunInfo:
        with self._read() as db:
            return _run_info(self._run_row(db, run_id))

    def list_runs(self, experiment: str, *, include_children: bool = False) -> list[RunInfo]:
        where = "e.name = ?" + ("" if include_children else " AND r.parent_id IS NULL")
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_RUN_COLUMNS} FROM {_RUN_FROM} WHERE {where} ORDER BY r.number DESC",
                (experiment,),
            ).fetchall()
        return [_run_info(row) for row in rows]

    def get_children(self, run_id: str) -> list[RunInfo]:
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_RUN_COLUMNS} FROM {_RUN_FROM} WHERE r.parent_id = ? ORDER BY r.number",
                (run_id,),
            ).fetchall()
        return [_run_info(row) for row in rows]

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
        if status not in RunStatus.ALL:
            raise ValidationError(
                f"status {status!r} is not a run status; expected one of {sorted(RunStatus.ALL)}"
            )
        now = time.time()
        with self._write() as db:
            current = _run_info(self._run_row(db, run_id))
            if current.is_final:
                if current.status == status:
                    return current
                raise RunStateError(
                    f"run {run_id!r} is already {current.status}; it cannot become {status}"
                )
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
            return _run_info(self._run_row(db, run_id))

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
            current = _run_info(self._run_row(db, run_id))
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
                current = _run_info(self._run_row(db, run_id))
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
                f"SELECT COUNT(*) FROM runs WHERE compute_target = ? AND status IN ({_ACTIVE})",
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
            return _run_info(self._run_row(db, row[0]))

    def list_active(self, compute_target: str | None = None) -> list[RunInfo]:
        where = f"r.status IN ({_ACTIVE}, '{RunStatus.QUEUED}')"
        params: tuple[Any, ...] = ()
        if compute_target is not None:
            where += " AND r.compute_target = ?"
            params = (compute_target,)
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_RUN_COLUMNS} FROM {_RUN_FROM} WHERE {where} ORDER BY r.number", params
            ).fetchall()
        return [_run_info(row) for row in rows]

    def request_cancel(self, run_id: str) -> RunInfo:
        now = time.time()
        with self._write() as db:
            current = _run_info(self._run_row(db, run_id))
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
            return _run_info(self._run_row(db, run_id))

    def set_owner(self, run_id: str, owner: tuple[int, str] | None) -> RunInfo:
        pid, host = owner if owner is not None else (None, None)
        with self._write() as db:
            seq = self._next_seq(db)
            db.execute(
                "UPDATE runs SET owner_pid = ?, owner_host = ?, heartbeat_time = ?, seq = ? "
                "WHERE id = ?",
                (pid, host, time.time(), seq, run_id),
            )
            return _run_info(self._run_row(db, run_id))

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
            return _run_info(self._run_row(db, run_id))

    def update_tags(
        self, run_id: str, set_tags: Mapping[str, str], remove: Iterable[str] = ()
    ) -> RunInfo:
        removed = list(remove)

        def change(tags: dict[str, str]) -> dict[str, str]:
            added = [key for key in set_tags if key not in tags and key not in removed]
            tags.update(set_tags)
            for key in removed:
                tags.pop(key, None)
            _within(run_id, added, len(tags), MAX_TAGS, "tags")
            return tags

        return self._update_json(run_id, "tags", change)

    def add_properties(self, run_id: str, properties: Mapping[str, Any]) -> RunInfo:
        def change(current: dict[str, Any]) -> dict[str, Any]:
            for key, value in properties.items():
                if key in current and not _same(current[key], value):
                    raise ValidationError(
                        f"property {key!r} of run {run_id!r} is already {current[key]!r}; "
                        f"properties are immutable, so it cannot become {value!r} "
                        "(use tags for values that change)"
                    )
            added = [key for key in properties if key not in current]
            current.update(properties)
            _within(run_id, added, len(current), MAX_PROPERTIES, "properties")
            return current

        return self._update_json(run_id, "properties", change)

    def set_display_name(self, run_id: str, name: str | None) -> RunInfo:
        with self._write() as db:
            seq = self._next_seq(db)
            db.execute(
                "UPDATE runs SET display_name = ?, seq = ? WHERE id = ?", (name, seq, run_id)
            )
            return _run_info(self._run_row(db, run_id))

    # --- metrics -------------------------------------------------------------------
    def get_metric(self, run_id: str, name: str) -> MetricInfo | None:
        with self._read() as db:
            row = db.execute(
                f"SELECT {_METRIC_COLUMNS} FROM metrics WHERE run_id = ? AND name = ?",
                (run_id, name),
            ).fetchone()
        return _metric_info(row) if row else None

    def list_metrics(self, run_id: str) -> list[MetricInfo]:
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_METRIC_COLUMNS} FROM metrics WHERE run_id = ? ORDER BY id", (run_id,)
            ).fetchall()
        return [_metric_info(row) for row in rows]

    def append_metrics(self, run_id: str, batches: Sequence[MetricBatch]) -> str:
        if not batches:
            return self.get_run(run_id).status
        with self._write() as db:
            status = str(self._run_row(db, run_id)[7])  # RunNotFoundError for an unknown run
            seq = self._next_seq(db)
            for batch in batches:
                self._append_batch(db, run_id, batch, seq)
            db.execute("UPDATE runs SET seq = ? WHERE id = ?", (seq, run_id))
        return status

    def _append_batch(self, db: Connection, run_id: str, batch: MetricBatch, seq: int) -> None:
        row = db.execute(
            "SELECT id, kind, count FROM metrics WHERE run_id = ? AND name = ?",
            (run_id, batch.name),
        ).fetchone()
        if row is None:
            metric_id, count = db.execute(
                "INSERT INTO metrics (run_id, name, kind, value_class, description, seq) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id, count",
                (run_id, batch.name, batch.kind, batch.value_class, batch.description, seq),
            ).fetchone()
        else:
            metric_id, kind, count = row
            if kind != batch.kind:
                raise ValidationError(
                    f"metric {batch.name!r} of run {run_id!r} was logged with "
                    f"run.{MetricKind.API.get(kind, kind)}; run.{MetricKind.API[batch.kind]} "
                    "cannot add to it"
                )
        steps, values, times = batch.steps, batch.values, batch.times
        first_index = count
        last = db.execute(
            "SELECT id, first_index, n FROM metric_chunks WHERE metric_id = ? "
            "ORDER BY first_index DESC LIMIT 1",
            (metric_id,),
        ).fetchone()
        if last is not None and last[2] < SMALL_CHUNK and last[2] + len(values) <= CHUNK_TARGET:
            old = db.execute(
                "SELECT encoding, vals, steps, times FROM metric_chunks WHERE id = ?", (last[0],)
            ).fetchone()
            merged = _points(last[1], old[0], old[1], old[2], old[3])
            steps = merged.steps + steps
            values = merged.values + values
            times = merged.times + times
            first_index = last[1]
            db.execute("DELETE FROM metric_chunks WHERE id = ?", (last[0],))
        encoding, vals_blob = _codec.pack_values(values)
        db.execute(
            "INSERT INTO metric_chunks (metric_id, run_id, first_index, n, encoding, steps, "
            "times, vals, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                metric_id,
                run_id,
                first_index,
                len(values),
                encoding,
                _codec.pack_steps(steps),
                _codec.pack_times(times),
                vals_blob,
                seq,
            ),
        )
        db.execute(
            "UPDATE metrics SET count = count + ?, last_value = ?, last_step = ?, seq = ?, "
            "value_class = COALESCE(value_class, ?), "
            "description = CASE WHEN description = '' THEN ? ELSE description END "
            "WHERE id = ?",
            (
                len(batch.values),
                _codec.dump_json(batch.values[-1]),
                batch.steps[-1],
                seq,
                batch.value_class,
                batch.description,
                metric_id,
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
                    _metric_info(row)
                    for row in db.execute(
                        f"SELECT {_METRIC_COLUMNS} FROM metrics WHERE run_id = ? ORDER BY id",
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
                parts[row[0]].append(_points(row[1], row[2], row[3], steps, times))
        return {
            name: (info, _concat(parts[name]) if parts[name] else MetricPoints(0, [], [], []))
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
                f"SELECT {_RUN_COLUMNS}, m.name, m.last_value FROM {_RUN_FROM} "
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
                current, values = _run_info(row), {}
            if row[_N_RUN_COLUMNS] is not None:
                values[row[_N_RUN_COLUMNS]] = _codec.load_value(row[_N_RUN_COLUMNS + 1])
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

    # --- copying between stores ----------------------------------------------------------
    def export_run(self, run_id: str, *, with_chunks: bool = True) -> RunExport:
        from runwatch.store._transfer import export_run  # _transfer builds on this module

        with self._read() as db:
            return export_run(db, run_id, with_chunks)

    def import_run(self, run: RunExport) -> RunInfo:
        from runwatch.store._transfer import import_run

        exp = self.get_or_create_experiment(run.info.experiment)
        with self._write() as db:
            return _run_info(self._run_row(db, import_run(db, run, exp.id)))

    # --- polling -----------------------------------------------------------------------
    def current_seq(self) -> int:
        with self._read() as db:
            return int(db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0])

    def changes_since(self, run_id: str, cursor: int = 0) -> RunChanges:
        with self._read() as db:
            now_seq = int(db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0])
            run_row = self._run_row(db, run_id)
            children = [
                _run_info(row)
                for row in db.execute(
                    f"SELECT {_RUN_COLUMNS} FROM {_RUN_FROM} WHERE r.parent_id = ? AND r.seq > ? "
                    "ORDER BY r.number",
                    (run_id, cursor),
                ).fetchall()
            ]
            if run_row[15] <= cursor:
                return RunChanges(cursor=now_seq, run=None, children=children)
            metrics = {
                info.name: info
                for info in (
                    _metric_info(row)
                    for row in db.execute(
                        f"SELECT {_METRIC_COLUMNS} FROM metrics WHERE run_id = ? AND seq > ?",
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
            points.setdefault(row[0], []).append(_points(row[1], row[2], row[3], row[4], row[5]))
        return RunChanges(
            cursor=now_seq,
            run=_run_info(run_row),
            metrics=metrics,
            points=points,
            files=files,
            children=children,
        )
