"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import runwatch


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWATCH_QUIET", "1")
    monkeypatch.delenv("RUNWATCH_RUN_ID", raising=False)
    monkeypatch.delenv("RUNWATCH_CONFIG", raising=False)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[runwatch.Workspace]:
    """A workspace in a fresh folder, which is also the current folder."""
    monkeypatch.chdir(tmp_path)
    yield runwatch.Workspace(
        "test", store=f"sqlite:///{tmp_path}/ws/runwatch.db", artifacts=f"{tmp_path}/ws/artifacts"
    )


@pytest.fixture
def exp(ws: runwatch.Workspace) -> runwatch.Experiment:
    return runwatch.Experiment(ws, "unit")


@pytest.fixture
def run(exp: runwatch.Experiment) -> Iterator[runwatch.Run]:
    run = exp.start_logging()
    yield run
    if run.get_status() == "Running":
        run.complete()
