"""The `store` fixture: one `RunStore` per backend, each in a fresh temporary place.

To run the whole store suite against another backend, add a factory to
`BACKENDS` (and a raw chunk reader to `CHUNK_READERS`): every test in
`test_store.py` then runs once per backend name.

The PostgreSQL backend runs against a throwaway server (`pgserver.py`) that each
test process starts once; every test starts from an empty store (the tables of
one database are emptied, which is faster than a new database per test). Without
PostgreSQL (or psycopg) on the machine those tests are skipped, saying why;
with RUNWATCH_REQUIRE_POSTGRES=1 or RUNWATCH_REQUIRE_ALL=1 (as in CI) they fail
instead (`tests/_parts.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pgserver import PgServer

from runwatch.store import RunStore
from runwatch.store._sqlite import SqliteStore


def _sqlite_store(tmp_path: Path) -> RunStore:
    return SqliteStore(f"sqlite:///{tmp_path}/runwatch.db", busy_timeout=10.0)


def _sqlite_chunks(store: RunStore, run_id: str, name: str) -> list[tuple[int, int, str]]:
    """(first_index, n, encoding) of every stored chunk of a metric, read past the store."""
    assert isinstance(store, SqliteStore)
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute(
            "SELECT c.first_index, c.n, c.encoding FROM metric_chunks c "
            "JOIN metrics m ON m.id = c.metric_id WHERE m.run_id = ? AND m.name = ? "
            "ORDER BY c.first_index",
            (run_id, name),
        ).fetchall()
    finally:
        conn.close()


_SERVER: list[PgServer] = []  # this test process's server, once started


def _postgres_store(tmp_path: Path) -> RunStore:
    from runwatch.store._postgres import PostgresStore

    return PostgresStore(_SERVER[0].emptied_database(), busy_timeout=10.0)


def _postgres_chunks(store: RunStore, run_id: str, name: str) -> list[tuple[int, int, str]]:
    import psycopg

    from runwatch.store._postgres import PostgresStore

    assert isinstance(store, PostgresStore)
    with psycopg.connect(store._conninfo) as conn:
        return conn.execute(
            "SELECT c.first_index, c.n, c.encoding FROM metric_chunks c "
            "JOIN metrics m ON m.id = c.metric_id WHERE m.run_id = %s AND m.name = %s "
            "ORDER BY c.first_index",
            (run_id, name),
        ).fetchall()


#: backend name -> a function that opens an empty store under a temporary folder
BACKENDS: dict[str, Callable[[Path], RunStore]] = {
    "sqlite": _sqlite_store,
    "postgresql": _postgres_store,
}

#: backend name -> a function that lists the raw chunk rows of one metric
CHUNK_READERS: dict[str, Callable[[RunStore, str, str], list[tuple[int, int, str]]]] = {
    "sqlite": _sqlite_chunks,
    "postgresql": _postgres_chunks,
}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql":
        _SERVER[:] = [request.getfixturevalue("postgres_server")]  # tests/conftest.py
    return name


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[RunStore]:
    opened = BACKENDS[backend](tmp_path)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def raw_chunks(backend: str, store: RunStore) -> Callable[[str, str], list[tuple[int, int, str]]]:
    """`raw_chunks(run_id, name)`: the metric's chunk rows as the database holds them."""
    reader = CHUNK_READERS[backend]
    return lambda run_id, name: [tuple(row) for row in reader(store, run_id, name)]
