"""The `runwatch` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runwatch import Experiment, Workspace
from runwatch.cli import main


def test_runs_and_show(ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws.write_config(tmp_path)
    exp = Experiment(ws, "cli")
    with exp.start_logging() as done:
        done.log("loss", 0.5)
    live = exp.start_logging()
    assert main(["--workspace", str(tmp_path), "runs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "status" in lines[0]
    assert live.id in lines[1] and "Running" in lines[1]  # active runs first
    assert done.id in lines[2] and "Completed" in lines[2]
    assert main(["--workspace", str(tmp_path), "show", done.id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["runId"] == done.id and shown["metrics"] == {"loss": 0.5}
    live.complete()


def test_unknown_run(ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws.write_config(tmp_path)
    assert main(["--workspace", str(tmp_path), "show", "nope"]) == 1
    assert "no run with id 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["runs"], ["show", "some-run"]])
def test_outside_a_workspace_it_says_so_and_creates_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(command) == 1
    assert "no workspace in this folder or its parents" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
