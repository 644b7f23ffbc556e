"""`get_details()['runDefinition']`: what a submitted run executes, as Azure shows it."""

from __future__ import annotations

from pathlib import Path

import runwatch
from runwatch import Experiment, ScriptRunConfig
from runwatch.artifacts._logs import DRIVER_LOG


def test_a_logged_run_has_an_empty_definition(ws: runwatch.Workspace) -> None:
    with Experiment(ws, "defs").start_logging() as run:
        assert run.get_details()["runDefinition"] == {}


def test_a_submitted_run_shows_its_script_arguments_and_target(
    agent_ws: runwatch.Workspace, src: Path
) -> None:
    (src / "train.py").write_text("import sys\nprint(sys.argv[1:])\n")
    config = ScriptRunConfig(src, "train.py", arguments=["--kernel", "rbf", "--penalty", 1.5])
    run = Experiment(agent_ws, "defs").submit(config)
    run.wait_for_completion()
    definition = run.get_details()["runDefinition"]
    assert definition["script"] == "train.py"
    assert definition["arguments"] == ["--kernel", "rbf", "--penalty", "1.5"]
    assert definition["target"] == "local"
    assert definition["nodeCount"] == 1
    assert definition["snapshotId"] == run.get_properties()["snapshotId"]
    assert definition["environment"]["name"]
    log = run.get_details_with_logs()["logFiles"][DRIVER_LOG]
    assert "['--kernel', 'rbf', '--penalty', '1.5']" in log
