"""Run.get_context(): a real stored run outside a submitted script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import runwatch
from runwatch import Experiment, Run, Workspace
from runwatch.tracking._context import experiment_name_for_process


def test_plain_script_gets_a_stored_run(tmp_path: Path) -> None:
    script = tmp_path / "train model.py"
    script.write_text(
        "from runwatch import Run\n"
        "run = Run.get_context()\n"
        "assert Run.get_context() is run\n"
        "run.log('acc', 0.75)\n"
        "print(run.id)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "RUNWATCH_QUIET"}
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "not inside a submitted run" in result.stderr
    ws = Workspace.from_config(tmp_path)
    run = Run(Experiment(ws, "train_model"), result.stdout.strip())
    assert run.get_status() == "Completed"
    assert run.get_metrics() == {"acc": 0.75}


def test_submitted_script_attaches_to_its_run(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ws.write_config(tmp_path)
    submitted = Experiment(ws, "sub").start_logging()
    monkeypatch.setenv("RUNWATCH_RUN_ID", submitted.id)
    monkeypatch.setenv("RUNWATCH_CONFIG", str(config))
    run = Run.get_context()
    assert run == submitted
    run.log("x", 1)
    run.flush()
    assert submitted.get_metrics("x")["x"] == 1
    submitted.complete()


def test_run_id_without_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWATCH_RUN_ID", "abc")
    with pytest.raises(runwatch.ConfigError, match="RUNWATCH_CONFIG"):
        Run.get_context()


def test_offline_refused_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import runwatch.tracking._context as context

    monkeypatch.setattr(context, "_context", None)
    with pytest.raises(runwatch.RunwatchError, match="outside a submitted run"):
        Run.get_context(allow_offline=False)


def test_experiment_name_from_notebook_or_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/My Notebook (1).ipynb")
    assert experiment_name_for_process() == "My_Notebook_1"
    monkeypatch.delenv("JPY_SESSION_NAME")
    monkeypatch.setattr(sys, "argv", ["-c"])
    assert experiment_name_for_process() == "interactive"
