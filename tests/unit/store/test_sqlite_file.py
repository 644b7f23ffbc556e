"""The SQLite store's file under a live process: deleted, replaced, full, read-only."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

import runwatch
from runwatch.errors import StoreError
from runwatch.store._sqlite import SqliteStore


def workspace(folder: Path) -> runwatch.Workspace:
    return runwatch.Workspace(
        "t", store=f"sqlite:///{folder}/runwatch.db", artifacts=f"{folder}/artifacts"
    )


def run_ids(db: Path) -> list[str]:
    """The runs in the file, read through a new connection (as another process would)."""
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM runs ORDER BY number")]
    finally:
        conn.close()


def test_a_deleted_store_folder_is_noticed(tmp_path: Path) -> None:
    """After `rmtree` of the workspace, the old objects raise a clear error instead of
    writing into the unlinked file, and the same URL opens a new store."""
    folder = tmp_path / "ws"
    ws = workspace(folder)
    with runwatch.Experiment(ws, "e").start_logging() as first:
        first.log("a", 1.0)
    shutil.rmtree(folder)
    with pytest.raises(StoreError, match=rf"{folder}/runwatch.db.*(deleted|replaced)"):
        runwatch.Experiment(ws, "e").start_logging()
    again = workspace(folder)
    with runwatch.Experiment(again, "e").start_logging() as second:
        second.log("b", 2.0)
    assert run_ids(folder / "runwatch.db") == [second.id]
    assert runwatch.Run.get(again, second.id).get_metrics() == {"b": 2.0}


def test_a_replaced_store_file_is_noticed(tmp_path: Path) -> None:
    db = tmp_path / "runwatch.db"
    store = SqliteStore(f"sqlite:///{db}")
    store.create_runs("e", run_type="t", status="Running")
    other = SqliteStore(f"sqlite:///{tmp_path}/other.db")
    other.create_runs("e", run_type="t", status="Running")
    other.close()
    os.replace(tmp_path / "other.db", db)
    with pytest.raises(StoreError, match="deleted or replaced"):
        store.create_runs("e", run_type="t", status="Running")
    with pytest.raises(StoreError, match="deleted or replaced"):
        store.list_runs("e")
