"""The `store` fixture: one `RunStore` per backend, each in a fresh temporary place.

To run the whole store suite against another backend, add a factory to
`BACKENDS` (and a raw chunk reader to `CHUNK_READERS`): every test in
`test_store.py` then runs once per backend name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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


#: backend name -> a function that opens an empty store under a temporary folder
BACKENDS: dict[str, Callable[[Path], RunStore]] = {"sqlite": _sqlite_store}

#: backend name -> a function that lists the raw chunk rows of one metric
CHUNK_READERS: dict[str, Callable[[RunStore, str, str], list[tuple[int, int, str]]]] = {
    "sqlite": _sqlite_chunks,
}


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
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
