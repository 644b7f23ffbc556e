"""Which workspace the extension serves, and a server started where there is none."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

import runwatch
from runwatch.server._locate import WorkspaceLocator

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]  # pytest-jupyter's jp_fetch


@pytest.fixture
def jp_server_config() -> Config:
    return Config({"ServerApp": {"jpserver_extensions": {"runwatch": True}}})


async def test_no_workspace_answers_empty_and_creates_nothing(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    body = json.loads((await jp_fetch("runwatch", "api", "experiments")).body)
    assert body == {"cursor": 0, "unchanged": False, "experiments": []}
    missing = await jp_fetch("runwatch", "api", "experiments", "x", "runs", raise_error=False)
    assert missing.code == 404
    assert "no workspace config" in json.loads(missing.body)["error"]["message"]
    assert not (jp_root_dir / ".runwatch").exists()
    # A workspace made later in the root dir is found without a restart.
    root = jp_root_dir / ".runwatch"
    ws = runwatch.Workspace("later", f"sqlite:///{root}/runwatch.db", str(root / "artifacts"))
    ws.write_config(jp_root_dir)
    runwatch.Experiment(ws, "found").start_logging().complete()
    body = json.loads((await jp_fetch("runwatch", "api", "experiments")).body)
    assert [e["name"] for e in body["experiments"]] == ["found"]


def test_configured_file_folder_and_relative_paths(tmp_path: Path) -> None:
    project = tmp_path / "project"
    ws = runwatch.Workspace("p", f"sqlite:///{project}/.runwatch/runwatch.db")
    config = ws.write_config(project)
    (project / "sub").mkdir()
    for configured in (str(config), str(project / "sub"), "project", ""):
        root = tmp_path if configured != "" else project / "sub"
        found = WorkspaceLocator(configured, str(root)).find()
        assert found is not None and found.store_url == ws.store_url, configured
    assert "'p'" in WorkspaceLocator(str(config), str(tmp_path)).describe()
    nowhere = WorkspaceLocator(str(tmp_path / "missing"), str(tmp_path))
    assert nowhere.find() is None and "missing" in nowhere.describe()
