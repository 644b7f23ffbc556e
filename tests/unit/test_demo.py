"""`runwatch demo` without JupyterLab (`--no-lab`): the workspace, the notebook, the sweep."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import psutil
import pytest

import runwatch
from runwatch import Experiment, Run, RunStatus, ScriptRunConfig, Workspace
from runwatch.cli import _demo as _demo_cli
from runwatch.cli import main
from runwatch.submit import _launcher


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo folder whose agent and sweep are stopped at the end of the test."""
    monkeypatch.setenv("RUNWATCH_CANCEL_GRACE", "1")
    folder = tmp_path / "demo"
    yield folder
    _demo_cli.stop_previous(folder)


def _agent_pid(folder: Path) -> int:
    ws = Workspace.from_config(folder)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the agent writes its pid once it holds the lock
        text = _launcher.lock_path(ws).read_text() if _launcher.lock_path(ws).exists() else ""
        if text.strip():
            return int(text.split()[0])
        time.sleep(0.05)
    raise AssertionError("the demo's agent never took its lock")


def _alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its parent to reap it does not)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_the_notebook_names_the_right_runs_and_has_cell_ids(demo: Path) -> None:
    assert main(["demo", "--dir", str(demo), "--no-lab"]) == 0
    notebook = json.loads((demo / "demo.ipynb").read_text())
    ids = [cell["id"] for cell in notebook["cells"]]
    assert all(ids) and len(set(ids)) == len(ids)
    assert notebook["nbformat"] == 4 and notebook["nbformat_minor"] >= 5
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    ws = Workspace.from_config(demo)
    by_name = {r.display_name: r for r in Experiment(ws, "demo-logging-api").get_runs()}
    tour, failed = by_name["logging API tour"], by_name["a failed run"]
    assert f"Run(Experiment(ws, 'demo-logging-api'), {tour.id!r})" in code
    assert f"Run(Experiment(ws, 'demo-logging-api'), {failed.id!r})" in code
    assert set(tour.get_metrics()) >= {"Fibonacci", "Sigmoid", "Cosine Wave", "Sine Wave"}
    sweep = next(iter(Experiment(ws, "demo-sweep").get_runs()))
    assert f"Run(Experiment(ws, 'demo-sweep'), {sweep.id!r})" in code
    # What the notes say is what the sweep was given.
    assert sweep.get_properties()["max_concurrent_runs"] == _demo_cli.AT_ONCE
    assert f"runs {_demo_cli.AT_ONCE} at a time" in json.dumps(notebook)


def _demo_command(folder: Path) -> None:
    """`runwatch demo --no-lab` in its own process, as a user runs it from a shell."""
    subprocess.run(
        [sys.executable, "-m", "runwatch", "demo", "--dir", str(folder), "--no-lab"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_running_it_again_stops_the_earlier_demo_first(demo: Path) -> None:
    _demo_command(demo)
    first = _agent_pid(demo)
    old_sweep = next(iter(Experiment(Workspace.from_config(demo), "demo-sweep").get_runs())).id
    _demo_command(demo)
    assert not _alive(first)  # stopped before its store was removed
    listed = subprocess.run(
        [sys.executable, "-m", "runwatch", "--workspace", str(demo), "runs", "demo-sweep"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()[1:]
    assert len(listed) == 1 and old_sweep not in listed[0]  # a new store, one new sweep
    assert "Canceled" not in listed[0] and "Failed" not in listed[0]
    assert _agent_pid(demo) != first


def test_without_jupyterlab_it_says_what_to_install_and_touches_nothing(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = _demo_cli.importlib.util.find_spec
    monkeypatch.setattr(
        _demo_cli.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "jupyterlab" else real(name, *a),
    )
    assert main(["demo", "--dir", str(demo)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install jupyterlab" in err[0]
    assert not demo.exists()


def test_a_demo_trial_trains_with_what_a_plain_install_has(
    agent_ws: runwatch.Workspace, src: Path
) -> None:
    script = (resources.files("runwatch.cli._demo_files") / "train_trial.py").read_text("utf-8")
    assert "sklearn" not in script  # numpy and runwatch are dependencies; scikit-learn is not
    (src / "train_trial.py").write_text(script)
    config = ScriptRunConfig(
        src, "train_trial.py", arguments=["--alpha", "0.1", "--epochs", "4", "--pause", "0"]
    )
    run = Experiment(agent_ws, "demo-trial").submit(config)
    assert run.wait_for_completion(raise_on_error=False)["status"] == RunStatus.COMPLETED
    mse = Run.get(agent_ws, run.id).get_metrics("mse")["mse"]
    assert len(mse) == 4 and mse[-1] < mse[0]  # more rows, a better fit
