"""LogWriter: a run's growing log, appended on a local folder, in segments on S3."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _s3 import Server

import runwatch
from runwatch.artifacts import _logs
from runwatch.artifacts import _store as _artifacts
from runwatch.artifacts._logs import DRIVER_LOG, LogWriter
from runwatch.artifacts._store import FILES
from runwatch.errors import StoreError


@pytest.fixture(params=["local", "moto", "rclone"])
def log_ws(request: pytest.FixtureRequest, tmp_path: Path) -> runwatch.Workspace:
    store = f"sqlite:///{tmp_path}/runwatch.db"
    if request.param == "local":
        return runwatch.Workspace("t", store, f"{tmp_path}/artifacts")
    server: Server = request.getfixturevalue(request.param)
    url = f"s3://{server.new_bucket()}/team"
    return runwatch.Workspace("t", store, url, artifacts_options=server.options())


@pytest.fixture
def run(log_ws: runwatch.Workspace) -> Iterator[runwatch.Run]:
    run = runwatch.Experiment(log_ws, "logs").start_logging()
    yield run
    run.complete()


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_artifacts, "SEGMENT", 16)
    monkeypatch.setattr(_logs, "SEGMENT", 16)
    monkeypatch.setattr(_logs, "_SEGMENT_EVERY", 0.1)


def recorded(run: runwatch.Run) -> int:
    info = run.workspace.store.get_file(run.id, DRIVER_LOG)
    assert info is not None
    return info.size


def read_all(run: runwatch.Run) -> bytes:
    return run.workspace.artifacts.read_range(run.id, FILES, DRIVER_LOG, 0, recorded(run))


def wait_for_size(run: runwatch.Run, size: int) -> None:
    deadline = time.monotonic() + 10
    while recorded(run) < size:
        assert time.monotonic() < deadline, f"recorded {recorded(run)} of {size} bytes"
        time.sleep(0.02)


def test_lines_reach_the_log_and_its_recorded_size(run: runwatch.Run, small_segments: None) -> None:
    log = LogWriter(run.workspace.store, run.workspace.artifacts, run.id)
    assert recorded(run) == 0 and read_all(run) == b""
    expected = b""
    tail = b""
    offset = 0
    for i in range(12):
        log.line(f"line {i} of the log")
        log.line(f"warning {i}", stderr=True)
        expected += f"line {i} of the log\n[stderr] warning {i}\n".encode()
        size = recorded(run)
        assert size <= len(expected)  # never more than was written
        tail += run.workspace.artifacts.read_range(run.id, FILES, DRIVER_LOG, offset, size)
        offset = size
    wait_for_size(run, len(expected))  # a quiet script's last lines arrive by themselves
    tail += run.workspace.artifacts.read_range(run.id, FILES, DRIVER_LOG, offset, len(expected))
    assert tail == expected
    log.close()
    assert recorded(run) == len(expected)
    assert read_all(run) == expected
    assert run.get_details_with_logs()["logFiles"][DRIVER_LOG] == expected.decode()


def test_close_joins_the_segments_into_one_object(
    moto: Server, tmp_path: Path, small_segments: None
) -> None:
    bucket = moto.new_bucket()
    ws = runwatch.Workspace(
        "t", f"sqlite:///{tmp_path}/r.db", f"s3://{bucket}/team", artifacts_options=moto.options()
    )
    run = runwatch.Experiment(ws, "logs").start_logging()
    log = LogWriter(ws.store, ws.artifacts, run.id)
    for i in range(10):
        log.line(f"line {i}")
    log.record_size()
    wait_for_size(run, 70)
    segments = moto.raw.find(f"{bucket}/team/{run.id}/segments")
    assert len(segments) == 5  # 70 bytes in segments of 16
    run.download_file(DRIVER_LOG, tmp_path / "live.log")  # still growing: from its segments
    assert (tmp_path / "live.log").read_bytes() == b"".join(
        f"line {i}\n".encode() for i in range(10)
    )

    log.close()
    assert moto.raw.find(f"{bucket}/team/{run.id}") == [
        f"{bucket}/team/{run.id}/files/{DRIVER_LOG}"
    ]
    assert read_all(run) == (tmp_path / "live.log").read_bytes()
    run.complete()


def test_a_chatty_script_writes_whole_segments_at_once(
    moto: Server, tmp_path: Path, small_segments: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_logs, "_SEGMENT_EVERY", 60.0)  # no timed writes: only full segments
    bucket = moto.new_bucket()
    ws = runwatch.Workspace(
        "t", f"sqlite:///{tmp_path}/r.db", f"s3://{bucket}/team", artifacts_options=moto.options()
    )
    run = runwatch.Experiment(ws, "logs").start_logging()
    log = LogWriter(ws.store, ws.artifacts, run.id)
    log.line("x" * 40)  # 41 bytes: two full segments written, 9 bytes wait
    assert recorded(run) == 41
    assert len(moto.raw.find(f"{bucket}/team/{run.id}/segments")) == 3
    log.close()
    run.complete()


def test_a_storage_failure_does_not_stop_the_log(
    run: runwatch.Run, small_segments: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    artifacts = run.workspace.artifacts
    if artifacts.local:
        pytest.skip("a local log is appended to, not written in segments")
    log = LogWriter(run.workspace.store, artifacts, run.id)
    real = artifacts.put_segment
    failing = [True]

    def flaky(*args: object) -> None:
        if failing[0]:
            raise StoreError("the endpoint went away")
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(artifacts, "put_segment", flaky)
    log.line("a line written while S3 is down, long enough to fill a segment")  # no exception
    assert recorded(run) == 0
    failing[0] = False
    log.close()
    assert read_all(run) == b"a line written while S3 is down, long enough to fill a segment\n"
