"""The SQLite store's file under a live process: deleted, replaced, full, read-only."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import runwatch
from runwatch.core._records import MetricBatch
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


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: a real full disk (needs root and a mount that is allowed)."""
    folder = tmp_path / "small"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_says_so_and_keeps_the_points(small_disk: Path) -> None:
    filler = small_disk / "filler"
    ws = workspace(small_disk / "ws")
    run = runwatch.Experiment(ws, "e").start_logging()
    filler.write_bytes(b"\0" * 400_000)
    logged = 0
    with pytest.raises(StoreError) as caught:
        for _ in range(100):
            run.log("text", "x" * 50_000)
            logged += 1
            run.flush()
    message = str(caught.value)
    assert "disk is full" in message and str(small_disk / "ws" / "runwatch.db") in message
    assert "rollback" not in message
    filler.unlink()  # room again: the kept points are written
    run.complete()
    assert len(runwatch.Run.get(ws, run.id).get_metrics()["text"]) == logged


def test_a_full_store_is_a_store_error(tmp_path: Path) -> None:
    """SQLITE_FULL (here from a page limit) is reported as such, not as a failed
    rollback of the transaction SQLite already rolled back."""
    store = SqliteStore(f"sqlite:///{tmp_path}/runwatch.db")
    (run,) = store.create_runs("e", run_type="t", status="Running")
    conn = store._conn()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = MetricBatch("m", "scalar", "str", "", [0], ["x" * 100_000], [0.0])
    with pytest.raises(StoreError, match=rf"{tmp_path}/runwatch.db.*disk is full"):
        store.append_metrics(run.id, [big])
    assert not conn.in_transaction
    conn.execute("PRAGMA max_page_count = 1073741823")
    store.append_metrics(run.id, [big])
    assert store.read_metrics(run.id)["m"][1].values == ["x" * 100_000]


def test_a_failed_upload_leaves_no_partial_file(small_disk: Path, tmp_path: Path) -> None:
    ws = workspace(small_disk / "ws")
    run = runwatch.Experiment(ws, "e").start_logging()
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(2_000_000))
    with pytest.raises(StoreError, match="disk is full"):
        run.upload_file("big.bin", source)
    with pytest.raises(StoreError, match="disk is full"):
        run.upload_file("stream.bin", io.BytesIO(source.read_bytes()))
    files = [p for p in (small_disk / "ws" / "artifacts").rglob("*") if p.is_file()]
    assert files == []
    assert run.get_file_names() == []
    run.upload_file("small.bin", io.BytesIO(b"fits"))
    assert run.get_file_names() == ["small.bin"]
    run.complete()


@pytest.fixture
def read_only_view(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(folder, the same folder mounted read-only): a real read-only file system, which
    stops root too (permission bits do not). Needs root and bind mounts."""
    source, view = tmp_path / "shared", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    for command in (
        ["mount", "--bind", str(source), str(view)],
        ["mount", "-o", "remount,ro,bind", str(view)],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            subprocess.run(["umount", str(view)], capture_output=True, check=False)
            pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.strip()}")
    try:
        yield source, view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def _logged_workspace(folder: Path) -> str:
    ws = workspace(folder)
    with runwatch.Experiment(ws, "e").start_logging() as run:
        run.log("loss", 0.5)
        run.tag("team", "vision")
        run.upload_file("notes.txt", io.BytesIO(b"hello"))
    return run.id


def _browse(folder: Path, run_id: str, tmp_path: Path) -> SqliteStore:
    ws = workspace(folder)
    assert isinstance(ws.store, SqliteStore) and ws.store.read_only
    run = runwatch.Run.get(ws, run_id)
    assert [r.id for r in runwatch.Experiment(ws, "e").get_runs()] == [run_id]
    assert run.get_metrics() == {"loss": 0.5} and run.get_tags() == {"team": "vision"}
    assert run.get_status() == "Completed" and run.get_file_names() == ["notes.txt"]
    assert run.download_file("notes.txt", tmp_path / "notes.txt").read_bytes() == b"hello"
    db = folder / "runwatch.db"
    with pytest.raises(StoreError, match=rf"{db} is read-only"):
        run.tag("more", "x")
    with pytest.raises(StoreError, match=rf"{db} is read-only"):
        runwatch.Experiment(ws, "e").start_logging()
    return ws.store


@pytest.mark.parametrize("writer_open", [False, True])
def test_a_read_only_store_can_be_browsed(
    read_only_view: tuple[Path, Path], tmp_path: Path, writer_open: bool
) -> None:
    """Closed cleanly (no -wal/-shm: opened immutable), or with its writer still open
    (the -wal and -shm exist: opened mode=ro, which reads the -wal too)."""
    source, view = read_only_view
    run_id = _logged_workspace(source / "ws")
    if not writer_open:
        workspace(source / "ws").store.close()
        assert not (source / "ws" / "runwatch.db-wal").exists()
    store = _browse(view / "ws", run_id, tmp_path)
    assert (store._uri or "").endswith("mode=ro" if writer_open else "immutable=1")


def test_read_only_on_request(tmp_path: Path) -> None:
    run_id = _logged_workspace(tmp_path / "ws")
    db = tmp_path / "ws" / "runwatch.db"
    store = SqliteStore(f"sqlite:///{db}", read_only=True)
    assert store.read_only and store.get_run(run_id).status == "Completed"
    with pytest.raises(StoreError, match=rf"{db} is read-only"):
        store.update_tags(run_id, {"more": "x"})
    assert store.get_run(run_id).tags == {"team": "vision"}
