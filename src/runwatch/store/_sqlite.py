"""The embedded default store: one SQLite file in WAL mode.

Each thread gets its own connection. Writes run in `BEGIN IMMEDIATE`
transactions, so a read-modify-write never races another process, and
concurrent writers queue on SQLite's busy timeout instead of failing.
`synchronous=NORMAL` in WAL mode makes every commit survive a killed
process; after a power cut the last commits before it may be rolled back.

A store whose file or folder is not writable (a shared result folder, a
read-only snapshot) is opened read-only for browsing: with SQLite's
`mode=ro` when it can use the `-shm` file (it then reads the `-wal` too),
else `immutable=1`, read as it was when opened. Every write raises a
`StoreError` saying the store is read-only.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

from runwatch.errors import ConfigError, StoreError, ValidationError
from runwatch.store._sql import SqlStore
from runwatch.store._sql_common import Connection


def path_from_url(url: str, base: Path | None = None) -> Path:
    """`sqlite:///relative/path` or `sqlite:////absolute/path` -> a path."""
    prefix = "sqlite:///"
    rest = url[len(prefix) :] if url[: len(prefix)].lower() == prefix else ""
    if not rest or rest == ":memory:":
        raise ConfigError(
            f"store URL {url!r} names no database file; expected sqlite:///path/to/runwatch.db "
            "(three slashes, then the path; an absolute path starts with a fourth)"
        )
    path = Path(rest).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return path


# SQLite's primary result codes (sqlite3 names them only from Python 3.11 on).
_BUSY, _LOCKED, _READONLY, _IOERR, _FULL = 5, 6, 8, 10, 13


def _not_writable(path: Path) -> bool:
    """The file exists and this process may not write it or create files beside it
    (a read-only mount stops root too: `access` reports it)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _disk_full(path: Path) -> bool:
    """An I/O error with the disk (almost) full is the disk being full."""
    try:
        stats = os.statvfs(path.parent)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 64 * 1024


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's (device, inode), or None if there is no file."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


class SqliteStore(SqlStore):
    TYPES: ClassVar[dict[str, str]] = {
        "pk": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "float": "REAL",
        "blob": "BLOB",
    }
    TABLE_EXISTS_SQL: ClassVar[str] = (
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
    )

    def __init__(
        self, url: str, *, busy_timeout: float = 60.0, read_only: bool | None = None
    ) -> None:
        """`read_only=None` opens read-only when the file or its folder is not writable."""
        self.path = path_from_url(url)
        self.url = f"sqlite:///{self.path}"
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._pid = os.getpid()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._identity: tuple[int, int] | None = None  # the file's (st_dev, st_ino) once open
        self.read_only = _not_writable(self.path) if read_only is None else read_only
        self._why_read_only = (
            "opened read-only" if read_only else "its file or folder is not writable"
        )
        try:
            self._uri = self._read_only_uri() if self.read_only else None
            if self.read_only:
                self._check_readable_schema()
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._conn()
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot open the SQLite store {self.path}: {error}") from None
        except OSError as error:
            raise StoreError(f"cannot create the SQLite store {self.path}: {error}") from None

    def _conn(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked child must not share the parent's connections
            self._pid, self._local, self._all = os.getpid(), threading.local(), []
        self._check_file()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self._uri or self.path,
                timeout=self._busy_timeout,
                isolation_level=None,  # transactions are explicit, below
                check_same_thread=False,
                uri=self._uri is not None,
            )
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
                if self._identity is None:
                    self._identity = _identity(self.path)
        return conn

    def _stored_version(self) -> int | None:
        # One statement on its own (atomic without BEGIN): opening a store costs one query.
        try:
            row = self._conn().execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.OperationalError as error:
            if "no such table" not in str(error):
                raise
            return None
        return None if row[0] is None else int(row[0])

    def _read_only_uri(self) -> str:
        """How to open the file read-only: `mode=ro` if SQLite can use it here, else
        `immutable=1` (safe only without changes waiting in the -wal file)."""
        base = "file:" + quote(str(self.path))
        try:
            probe = sqlite3.connect(f"{base}?mode=ro", uri=True)
            try:
                probe.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            finally:
                probe.close()
            return f"{base}?mode=ro"
        except sqlite3.OperationalError:  # it cannot create or open the -shm file
            pass
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                f"the SQLite store {self.path} is read-only and has changes in {wal.name} "
                "that SQLite reads only with its -shm file or a writable folder; copy the "
                "folder somewhere writable to browse it"
            )
        return f"{base}?immutable=1"

    def _check_readable_schema(self) -> None:
        if not self._schema_is_current():
            raise StoreError(
                f"the SQLite store {self.path} is read-only ({self._why_read_only}) and "
                "its schema is not the one this runwatch reads; open it once where it is "
                "writable to upgrade it"
            )

    def is_current(self) -> bool:
        return self._identity is None or _identity(self.path) == self._identity

    def _check_file(self) -> None:
        """One `stat` per transaction: a store whose file was deleted (its folder removed)
        or replaced must not go on writing into a file no one else can see."""
        if self._identity is not None and _identity(self.path) != self._identity:
            raise StoreError(
                f"the SQLite store {self.path} was deleted or replaced while this process "
                "had it open, so nothing more is read from or written to the old file; open "
                "the workspace again (Workspace(...) or Workspace.from_config()) to use the "
                "file now at that path"
            )

    def _read_only_error(self) -> StoreError:
        return StoreError(
            f"the SQLite store {self.path} is read-only ({self._why_read_only}); it can be "
            "browsed but not written"
        )

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self.read_only:
            raise self._read_only_error()
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._failure(error) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as error:
            if conn.in_transaction:  # SQLite has rolled back by itself after e.g. SQLITE_FULL
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self._failure(error) from None
            raise

    def _failure(self, error: sqlite3.Error) -> Exception:
        """SQLite's error as what it means for the user, naming the store."""
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code
        if code in (_BUSY, _LOCKED):
            return StoreError(
                f"the SQLite store {self.path} stayed locked by another writer for "
                f"{self._busy_timeout:g} s: {error}"
            )
        if code == _FULL or (code == _IOERR and _disk_full(self.path)):
            return StoreError(
                f"cannot write to the SQLite store {self.path}: the disk is full ({error}); "
                "free some space and try again (metric points not yet written are kept)"
            )
        if code == _READONLY:
            return self._read_only_error()
        if isinstance(error, sqlite3.DataError):  # e.g. a string or blob too big
            return ValidationError(f"the SQLite store {self.path} refused a value: {error}")
        return StoreError(f"cannot write to the SQLite store {self.path}: {error}")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        conn = self._conn()
        if conn.in_transaction:  # a read nested in a write sees the write's state
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed in another thread
                conn.close()
        self._local = threading.local()
