"""Fixtures for the unit tests that submit scripts through the local agent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import runwatch
from runwatch import _liveness


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
