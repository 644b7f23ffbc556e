"""Fixtures for the unit tests that submit scripts through the local agent, and S3 servers."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _s3 import Server, moto_server, rclone_server

import runwatch
from _parts import require
from runwatch.tracking import _liveness


@pytest.fixture
def agent_ws(
    ws: runwatch.Workspace, monkeypatch: pytest.MonkeyPatch
) -> Iterator[runwatch.Workspace]:
    """The test's workspace, with an agent that exits soon after the test; runs still
    active at the end are canceled, so no script outlives its test."""
    monkeypatch.setenv("RUNWATCH_AGENT_IDLE", "2")
    monkeypatch.setenv("RUNWATCH_CANCEL_GRACE", "1")
    yield ws
    for info in ws.store.list_active():
        ws.store.request_cancel(info.id)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if all(_liveness.check(ws.store, i).is_final for i in ws.store.list_active()):
            return
        time.sleep(0.1)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """An empty source folder for the scripts a test submits."""
    folder = tmp_path / "src"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A moto S3 server for this test process (it accepts any credentials)."""
    require("s3fs")
    require("moto server")
    with moto_server(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="session")
def rclone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`rclone serve s3` for this test process; it checks request signatures."""
    require("s3fs")
    require("rclone")
    with rclone_server(tmp_path_factory.mktemp("rclone")) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_aws_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS variable or file of this machine reaches a test; no instance metadata lookups."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def _automl_in_a_fresh_folder(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AutoML tests run in a folder of their own: `AutoMLConfig`'s `debug_log` (Azure's
    default `automl.log`) is a file in the current folder, not one for the checkout."""
    if "automl" in request.node.path.parts:
        monkeypatch.chdir(request.getfixturevalue("tmp_path"))
