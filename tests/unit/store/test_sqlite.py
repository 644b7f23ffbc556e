"""What only the SQLite store does: URLs, the file, migrations, threads, fork, open_store."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import traceback
from pathlib import Path

import pytest

from runwatch.core import _settings
from runwatch.core._records import MetricBatch, RunStatus
from runwatch.errors import ConfigError, StoreError
from runwatch.store import _FACTORIES, open_store, register_scheme, schemes
from runwatch.store._schema import LATEST_VERSION, MIGRATIONS, statements
from runwatch.store._sqlite import SqliteStore, path_from_url


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def raw(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(sql, params).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def point(name: str, step: int, value: float) -> MetricBatch:
    return MetricBatch(name, "scalar", None, "", [step], [value], [float(step)])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "runwatch.db"


# --------------------------------------------------------------------------- URLs


def test_relative_and_absolute_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert path_from_url("sqlite:///rel/x.db", base=tmp_path) == tmp_path / "rel" / "x.db"
    assert path_from_url("sqlite:////abs/dir/x.db") == Path("/abs/dir/x.db")
    assert path_from_url(f"sqlite:///{tmp_path}/x.db") == tmp_path / "x.db"
    monkeypatch.chdir(tmp_path)
    assert path_from_url("sqlite:///r.db") == tmp_path / "r.db"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert path_from_url("sqlite:///~/h.db") == tmp_path / "home" / "h.db"


def test_store_on_a_relative_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = SqliteStore("sqlite:///sub/dir/r.db")
    try:
        assert store.path == tmp_path / "sub" / "dir" / "r.db"
        assert store.url == f"sqlite:///{tmp_path}/sub/dir/r.db"  # absolute from now on
        assert store.path.is_file()  # the folders were created
    finally:
        store.close()


@pytest.mark.parametrize(
    "url", ["sqlite:///", "sqlite://", "sqlite:", "sqlite:///:memory:", "sqlite://x.db"]
)
def test_url_without_a_file(url: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(repr(url)) + " names no database file"):
        path_from_url(url)
    with pytest.raises(ConfigError, match=re.escape(repr(url))):
        SqliteStore(url)


# --------------------------------------------------------------------------- the file


def test_wal_mode_and_schema_version(db: Path) -> None:
    store = SqliteStore(url_of(db))
    try:
        assert store.url == url_of(db)
        assert store.path == db
        assert raw(db, "PRAGMA journal_mode") == [("wal",)]  # WAL is kept in the file
        assert store.schema_version() == LATEST_VERSION
        assert raw(db, "SELECT version FROM schema_version ORDER BY version") == [
            (v,) for v in range(1, LATEST_VERSION + 1)
        ]
    finally:
        store.close()


def test_reopening_migrates_once(db: Path) -> None:
    first = SqliteStore(url_of(db))
    run = first.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
    first.append_metrics(run.id, [point("m", 0, 1.5)])
    stored = first.get_run(run.id)
    first.close()

    for _ in range(2):
        again = SqliteStore(url_of(db))
        try:
            assert again.schema_version() == LATEST_VERSION
            assert again.get_run(run.id) == stored
            assert again.read_metrics(run.id)["m"][1].values == [1.5]
        finally:
            again.close()
    assert raw(db, "SELECT version FROM schema_version ORDER BY version") == [
        (v,) for v in range(1, LATEST_VERSION + 1)
    ]


def test_an_old_store_is_migrated_to_the_latest_version(db: Path) -> None:
    # a store written by the first release: only migration 1 applied
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for statement in statements(MIGRATIONS[0][1], SqliteStore.TYPES):
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    conn.commit()
    conn.close()

    store = SqliteStore(url_of(db))
    try:
        assert store.schema_version() == LATEST_VERSION
        run = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
        assert store.get_run(run.id) == run
    finally:
        store.close()
    assert raw(db, "SELECT version FROM schema_version ORDER BY version") == [
        (v,) for v in range(1, LATEST_VERSION + 1)
    ]


def test_newer_schema_is_refused(db: Path) -> None:
    SqliteStore(url_of(db)).close()
    raw(db, "INSERT INTO schema_version (version) VALUES (?)", (LATEST_VERSION + 1,))

    with pytest.raises(StoreError) as caught:
        SqliteStore(url_of(db))
    message = str(caught.value)
    assert f"schema version {LATEST_VERSION + 1}, newer than" in message
    assert f"understands ({LATEST_VERSION}); upgrade runwatch" in message
    assert str(db) in message
    # the refused open changed nothing
    assert raw(db, "SELECT MAX(version) FROM schema_version") == [(LATEST_VERSION + 1,)]


def test_a_file_that_is_not_a_database(db: Path) -> None:
    db.write_bytes(b"this is not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot open the SQLite store") as caught:
        SqliteStore(url_of(db))
    assert not isinstance(caught.value, sqlite3.Error)
    assert str(db) in str(caught.value)
    assert "file is not a database" in str(caught.value)
    assert caught.value.__cause__ is None
    assert db.read_bytes() == b"this is not a database\n" * 100  # left as it was


def test_a_folder_in_place_of_the_file(db: Path) -> None:
    db.mkdir()
    with pytest.raises(StoreError, match=re.escape(str(db))) as caught:
        SqliteStore(url_of(db))
    assert not isinstance(caught.value, sqlite3.Error)


def test_locked_store_times_out_with_a_store_error(db: Path) -> None:
    store = SqliteStore(url_of(db), busy_timeout=0.1)
    run = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        locked = re.escape("stayed locked by another writer for 0.1 s")
        with pytest.raises(StoreError, match=locked):
            store.append_metrics(run.id, [point("m", 0, 1.0)])
        assert store.get_run(run.id) == run  # readers are not blocked by the writer
        holder.execute("ROLLBACK")
        store.append_metrics(run.id, [point("m", 0, 1.0)])  # and the store still works
        assert store.read_metrics(run.id)["m"][1].values == [1.0]
    finally:
        holder.close()
        store.close()


def test_opening_a_current_store_checks_its_schema_in_one_statement(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SqliteStore(url_of(db)).close()
    statements_run: list[str] = []
    connect = sqlite3.connect

    def traced(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.set_trace_callback(statements_run.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced)
    store = SqliteStore(url_of(db))
    try:
        assert statements_run == [
            "PRAGMA synchronous=NORMAL",
            "PRAGMA journal_mode",
            "SELECT MAX(version) FROM schema_version",
        ]
    finally:
        store.close()


def test_opening_a_current_store_does_not_wait_for_writers(db: Path) -> None:
    SqliteStore(url_of(db)).close()
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing
        # An open that needed the write lock would give up after 0.1 s with a StoreError.
        store = SqliteStore(url_of(db), busy_timeout=0.1)
        assert holder.in_transaction  # it opened while the writer still held the lock
        assert store.schema_version() == LATEST_VERSION
        store.close()
    finally:
        holder.close()


def test_close_then_use_again(db: Path) -> None:
    store = SqliteStore(url_of(db))
    run = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
    store.close()
    store.close()  # twice is fine
    assert store.get_run(run.id) == run  # a new connection is opened on demand
    store.close()


# --------------------------------------------------------------------------- concurrency


def test_two_threads_share_one_store(db: Path) -> None:
    store = SqliteStore(url_of(db))
    shared = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
    barrier = threading.Barrier(2)
    errors: list[str] = []
    created: dict[int, list[str]] = {}
    connections: dict[int, int] = {}

    def work(k: int) -> None:
        try:
            barrier.wait(timeout=10)
            connections[k] = id(store._conn())
            mine = []
            for i in range(25):
                run = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
                mine.append(run.id)
                store.append_metrics(run.id, [point("m", i, float(k))])
                store.append_metrics(shared.id, [point(f"t{k}", i, float(i))])
                store.update_tags(shared.id, {f"t{k}": str(i)})
            created[k] = mine
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert errors == []
        assert connections[0] != connections[1]  # one connection per thread
        runs = store.list_runs("exp")
        assert len(runs) == 51
        assert sorted(r.number for r in runs) == list(range(1, 52))  # no number twice
        for k in (0, 1):
            for run_id in created[k]:
                assert store.read_metrics(run_id)["m"][1].values == [float(k)]
            _, points = store.read_metrics(shared.id)[f"t{k}"]
            assert points.values == [float(i) for i in range(25)]
            assert points.steps == list(range(25))
        assert store.get_run(shared.id).tags == {"t0": "24", "t1": "24"}
    finally:
        store.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_uses_the_store(db: Path) -> None:
    store = SqliteStore(url_of(db))
    run = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
    store.append_metrics(run.id, [point("m", 0, 1.0)])  # the parent's connection is open
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.close(read_end)
            store.append_metrics(run.id, [point("m", 1, 2.0)])
            child = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
            os.write(write_end, child.id.encode())
            code = 0
        except BaseException:
            os.write(write_end, traceback.format_exc().encode())
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    try:
        assert os.waitstatus_to_exitcode(status) == 0, said
        assert store.get_run(said).number == 2
        assert store.read_metrics(run.id)["m"][1].values == [1.0, 2.0]
        store.append_metrics(run.id, [point("m", 2, 3.0)])  # the parent still writes
        assert store.read_metrics(run.id)["m"][1].values == [1.0, 2.0, 3.0]
    finally:
        store.close()


# --------------------------------------------------------------------------- open_store


def test_open_store_returns_one_store_per_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = open_store(url_of(tmp_path / "a.db"))
    try:
        assert isinstance(first, SqliteStore)
        assert open_store(url_of(tmp_path / "a.db")) is first
        assert open_store(first.url) is first
        other = open_store(url_of(tmp_path / "b.db"))
        assert other is not first
        assert other.url == url_of(tmp_path / "b.db")
    finally:
        first.close()


def test_open_store_uses_the_busy_timeout_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_settings.BUSY_TIMEOUT_ENV, "2.5")
    store = open_store(url_of(tmp_path / "t.db"))
    try:
        assert isinstance(store, SqliteStore)
        assert store._busy_timeout == 2.5
    finally:
        store.close()


def test_unknown_scheme(tmp_path: Path) -> None:
    url = f"mongodb://{tmp_path}/x"
    with pytest.raises(ConfigError) as caught:
        open_store(url)
    assert str(caught.value) == (
        f"store URL {url!r} has the unknown scheme 'mongodb'; expected one of "
        + ", ".join(schemes())
    )
    assert "sqlite" in schemes()


def test_url_without_a_scheme(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"has no scheme; expected one of .*sqlite://\.\.\."):
        open_store(str(tmp_path / "runwatch.db"))


def test_register_scheme(tmp_path: Path) -> None:
    opened: list[str] = []

    def factory(url: str) -> SqliteStore:
        opened.append(url)
        return SqliteStore("sqlite:///" + url.split("://", 1)[1])

    register_scheme("unittest", factory)
    try:
        assert "unittest" in schemes()
        url = f"unittest+driver://{tmp_path}/u.db"
        store = open_store(url)
        assert opened == [url]
        assert open_store(url) is store
        assert opened == [url]
        assert store.path == tmp_path / "u.db"
        store.close()
    finally:
        _FACTORIES.pop("unittest", None)
