"""A Jupyter server with the runwatch extension, on a real workspace in tmp_path.

pytest-jupyter's fixtures are imported here rather than named in `pytest_plugins`,
which pytest accepts only in the top-level conftest; so only these tests get them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 - the plugin's fixtures and hooks
from traitlets.config import Config

import runwatch

pytestmark = pytest.mark.xdist_group("jupyter_server")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder holding a workspace config (`.runwatch/config.json`)."""
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


@pytest.fixture
def server_ws(project: Path) -> runwatch.Workspace:
    root = project / ".runwatch"
    ws = runwatch.Workspace("served", f"sqlite:///{root}/runwatch.db", str(root / "artifacts"))
    ws.write_config(project)
    return ws


@pytest.fixture
def jp_server_config(server_ws: runwatch.Workspace, project: Path) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"runwatch": True}},
            "RunWatch": {"workspace": str(project)},
        }
    )
