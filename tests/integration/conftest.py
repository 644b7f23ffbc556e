"""Shared fixtures for the runwatch integration tests.

Everything here is real: a SQLite file in a temporary directory (or a
throwaway PostgreSQL server), a real artifacts directory, real OS
subprocesses. Nothing is mocked.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pytest

import runwatch

from ._helpers import make_workspace


@pytest.fixture(scope="session", autouse=True)
def _run_in_scratch_cwd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Run the tests from a scratch cwd so nothing lands in the repository.

    Session scoped (not ``monkeypatch``) so that hypothesis tests do not trip the
    function-scoped-fixture health check.
    """
    old = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    try:
        yield
    finally:
        os.chdir(old)


@pytest.fixture
def ws_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def workspace(ws_dir: Path) -> runwatch.Workspace:
    return make_workspace(ws_dir)


@pytest.fixture
def experiment(workspace: runwatch.Workspace) -> runwatch.Experiment:
    return runwatch.Experiment(workspace, "tour")


STORE_TESTS = Path(__file__).resolve().parent.parent / "unit" / "store"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A throwaway PostgreSQL server of this test process (the store tests' `pgserver.py`).

    Skipped when PostgreSQL (or psycopg) is missing, failed instead with
    RUNWATCH_REQUIRE_POSTGRES=1, as the store suite does.
    """
    sys.path.insert(0, str(STORE_TESTS))
    try:
        from pgserver import REQUIRE_ENV, PgServer, PgUnavailable
    finally:
        sys.path.remove(str(STORE_TESTS))
    try:
        import psycopg  # noqa: F401  (the optional extra)

        server = PgServer().start()
    except (ImportError, PgUnavailable) as why:
        reason = f"no PostgreSQL server for the integration tests: {why}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
        pytest.skip(reason)
    try:
        yield server
    finally:
        server.stop()
