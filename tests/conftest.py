"""Fixtures shared by every test folder."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import runwatch
from _parts import require, unavailable

PGSERVER_DIR = Path(__file__).resolve().parent / "unit" / "store"


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A throwaway PostgreSQL server of this test process (`unit/store/pgserver.py`).

    Without PostgreSQL or psycopg the test is skipped, saying why, or failed with
    RUNWATCH_REQUIRE_POSTGRES=1 or RUNWATCH_REQUIRE_ALL=1 (as in CI): see `_parts.py`.
    Stopped by its PID at the end of the session.
    """
    require("psycopg")
    require("postgresql")
    sys.path.insert(0, str(PGSERVER_DIR))
    try:
        from pgserver import PgServer, PgUnavailable
    finally:
        sys.path.remove(str(PGSERVER_DIR))
    try:
        server = PgServer().start()
    except PgUnavailable as why:
        unavailable("postgresql", f"no server for these tests: {why}")
    try:
        yield server
    finally:
        server.stop()
