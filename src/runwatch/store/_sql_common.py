"""What every part of the SQL run store shares: the DB-API shapes, the run and
metric columns and how rows become records, and the access a backend provides.

A backend subclass of `SqlStore` provides `_write()` (a transaction that holds
the write lock: `BEGIN IMMEDIATE` in SQLite) and `_read()` (a consistent
snapshot). Every change takes the next value of the store-wide change counter
(`_next_seq`) and stamps it on the rows it touches, so "what is new since
cursor X" is an indexed range scan: `seq > X`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar, Protocol

from runwatch.core import _codec
from runwatch.core._records import (
    MetricInfo,
    MetricPoints,
    RunInfo,
    RunStatus,
)
from runwatch.core._values import check_count, short_repr
from runwatch.errors import RunNotFoundError
from runwatch.store._base import RunStore

# Chunks smaller than this are merged with the next points of the same metric
# (up to CHUNK_TARGET points), so a run that logs one point per flush still
# reads back in a few large chunks.
SMALL_CHUNK = 1024
CHUNK_TARGET = 8192

RUN_COLUMNS = (
    "r.id, e.name, r.number, r.parent_id, r.root_id, r.run_type, r.display_name, r.status, "
    "r.created_time, r.start_time, r.end_time, r.heartbeat_time, r.error, r.tags, "
    "r.properties, r.seq, r.cancel_requested, r.owner_pid, r.owner_host"
)
N_RUN_COLUMNS = 19
ACTIVE_SQL = ", ".join(f"'{status}'" for status in sorted(RunStatus.ACTIVE))  # SQL IN list
RUN_FROM = "runs r JOIN experiments e ON e.id = r.experiment_id"
METRIC_COLUMNS = "run_id, name, kind, value_class, description, count, last_value, last_step, seq"


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ...) -> Cursor: ...


# RunInfo fields in the order of RUN_COLUMNS.
_RUN_FIELDS = (
    "id", "experiment", "number", "parent_id", "root_id", "run_type", "display_name", "status",
    "created_time", "start_time", "end_time", "heartbeat_time", "error_json", "tags_json",
    "properties_json", "seq", "cancel_requested", "owner_pid", "owner_host",
)  # fmt: skip


def run_info(row: Sequence[Any]) -> RunInfo:
    # Filled directly: a frozen dataclass's __init__ sets each of its 19 fields through
    # object.__setattr__, which dominated listing thousands of runs.
    info = object.__new__(RunInfo)
    values = dict(zip(_RUN_FIELDS, row[: len(_RUN_FIELDS)], strict=True))
    values["cancel_requested"] = bool(row[16])
    object.__setattr__(info, "__dict__", values)
    return info


def metric_info(row: Sequence[Any]) -> MetricInfo:
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


def unpack_points(
    first_index: int, encoding: str, vals: bytes, steps: bytes | None, times: bytes | None
) -> MetricPoints:
    return MetricPoints(
        first_index=first_index,
        steps=_codec.unpack_steps(bytes(steps)) if steps is not None else [],
        values=_codec.unpack_values(encoding, bytes(vals)),
        times=_codec.unpack_times(bytes(times)) if times is not None else [],
    )


def same_value(a: Any, b: Any) -> bool:
    """Equal, counting NaN as equal to NaN (a property set to NaN twice is unchanged)."""
    return bool(a == b or (a != a and b != b))


def check_within(run_id: str, added: list[str], count: int, limit: int, what: str) -> None:
    """The tags or properties of a run after a change are within the limit."""
    if added and count > limit:
        check_count(count, limit, what, f"run {run_id!r}: adding {short_repr(added)} would give it")


def concat_points(parts: list[MetricPoints]) -> MetricPoints:
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


class SqlAccess(RunStore):
    """A `RunStore` over a DB-API connection with `?` placeholders: the access the
    parts of the SQL store share."""

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

    @staticmethod
    def _next_seq(db: Connection) -> int:
        row = db.execute("UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
        return int(row.fetchone()[0])

    @staticmethod
    def _run_row(db: Connection, run_id: str) -> Any:
        row = db.execute(f"SELECT {RUN_COLUMNS} FROM {RUN_FROM} WHERE r.id = ?", (run_id,))
        found = row.fetchone()
        if found is None:
            raise RunNotFoundError(f"no run with id {run_id!r} in this workspace")
        return found
