"""Shared fixtures for the runwatch integration tests.

Everything here is real: a SQLite file in a temporary directory (or a
throwaway PostgreSQL server), a real artifacts directory, real OS
subprocesses. Nothing is mocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
