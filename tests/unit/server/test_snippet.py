"""The insert snippet of a run really shows its RunDetails from the server's root dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from runwatch import Experiment, Workspace

pytestmark = pytest.mark.xdist_group("jupyter_server")
Fetch = Callable[..., Awaitable[Any]]  # pytest-jupyter's jp_fetch


async def test_snippet_runs_in_a_fresh_process(
    jp_fetch: Fetch, server_ws: Workspace, jp_root_dir: Path
) -> None:
    with Experiment(server_ws, "exp").start_logging() as run:
        run.log("loss", 0.25)
    body = json.loads((await jp_fetch("runwatch", "api", "runs", run.id)).body)
    script = body["snippet"] + "\nprint('shown', Run.get(ws, " + repr(run.id) + ").id)\n"
    env = {**os.environ, "RUNWATCH_QUIET": "0"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=jp_root_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "RunDetails" in done.stdout and f"shown {run.id}" in done.stdout
    assert "no workspace config" not in done.stderr  # it used the served workspace
    assert not (jp_root_dir / ".runwatch").exists()
