"""`runwatch demo`: a workspace with finished runs and a live sweep, opened in JupyterLab.

It creates (or refreshes) a demo folder holding a workspace, seeds a few
finished runs, submits a 20-trial sweep that keeps running for a couple of
minutes, writes `demo.ipynb`, and starts JupyterLab on that notebook.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
from importlib import resources
from pathlib import Path

from ._experiment import Experiment
from ._jupyter import SERVER_EXTENSION_ARG, lab_environment
from ._script import LocalCompute, ScriptRunConfig
from ._workspace import Workspace

NOTEBOOK = "demo.ipynb"


def _cells() -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# runwatch demo\n\nEverything here is stored in `.runwatch/` next to this "
            "notebook (one SQLite file and a folder of files). Run the cells from the top.",
        ),
        (
            "code",
            "from runwatch import Experiment, Run, RunDetails, Workspace\n\n"
            "ws = Workspace.from_config()\nws.experiments",
        ),
        (
            "markdown",
            "## A sweep that is still running\n\n`runwatch demo` submitted 20 trials "
            "of a Ridge regression over alpha; the local agent runs two at a time. The view "
            "refreshes every 10 s by itself; click a trial to open it.",
        ),
        ("code", "sweep = next(Experiment(ws, 'demo-sweep').get_runs())\nRunDetails(sweep)"),
        (
            "markdown",
            "## Training in this kernel\n\nThe next cell shows a new run; the one after "
            "it trains for a minute. The view keeps updating while that cell is busy.",
        ),
        (
            "code",
            "run = Experiment(ws, 'demo-live').start_logging(display_name='in this kernel')\n"
            "RunDetails(run, refresh_interval=2)",
        ),
        (
            "code",
            "import math, time\n\nfor step in range(60):\n"
            "    run.log('loss', math.exp(-step / 15) + 0.05 * math.sin(step))\n"
            "    run.log_row('lr schedule', step=step, lr=0.1 * 0.95 ** step)\n"
            "    time.sleep(1)\nrun.complete()",
        ),
        ("markdown", "## A finished run with every kind of metric"),
        ("code", "tour = next(Experiment(ws, 'demo-logging-api').get_runs())\nRunDetails(tour)"),
    ]


def _notebook() -> dict[str, object]:
    cells = []
    for kind, source in _cells():
        cell: dict[str, object] = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _seed(ws: Workspace) -> None:
    """Finished runs: the logging API tour and a failed run."""
    with Experiment(ws, "demo-logging-api").start_logging(display_name="logging API tour") as run:
        run.log("message", "Hello from runwatch")
        run.log_list("Fibonacci", [0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
        for i in range(-10, 10):
            run.log("Sigmoid", 1 / (1 + math.exp(-i)))
        angles = [i / 20 * 2 * math.pi for i in range(21)]
        for angle in angles:
            run.log_row("Cosine Wave", angle=angle, cos=math.cos(angle))
        run.log_table("Sine Wave", {"angle": angles, "sine": [math.sin(a) for a in angles]})
        run.tag("demo")
    failed = Experiment(ws, "demo-logging-api").start_logging(display_name="a failed run")
    failed.log("loss", float("nan"))
    failed.fail(ValueError("the loss became NaN at step 0"))


def _submit_sweep(ws: Workspace, folder: Path) -> None:
    from .hyperdrive import (
        BanditPolicy,
        GridParameterSampling,
        HyperDriveConfig,
        PrimaryMetricGoal,
        choice,
    )

    scripts = folder / "scripts"
    scripts.mkdir(exist_ok=True)
    source = resources.files("runwatch._demo").joinpath("train_trial.py").read_text("utf-8")
    (scripts / "train_trial.py").write_text(source, encoding="utf-8")
    config = HyperDriveConfig(
        ScriptRunConfig(scripts, "train_trial.py", compute_target=LocalCompute(slots=2)),
        GridParameterSampling({"--alpha": choice([round(0.05 * i, 2) for i in range(20)])}),
        "mse",
        PrimaryMetricGoal.MINIMIZE,
        max_concurrent_runs=4,
        policy=BanditPolicy(slack_factor=0.05, evaluation_interval=1, delay_evaluation=2),
    )
    Experiment(ws, "demo-sweep").submit(config)


def prepare(folder: Path) -> Path:
    """Create the demo workspace in `folder`; return the notebook's path."""
    if (folder / ".runwatch").exists():
        shutil.rmtree(folder / ".runwatch")
    folder.mkdir(parents=True, exist_ok=True)
    ws = Workspace("demo", store=f"sqlite:///{folder / '.runwatch' / 'runwatch.db'}")
    ws.write_config(folder)
    print(f"runwatch demo: workspace in {folder / '.runwatch'}", flush=True)
    _seed(ws)
    _submit_sweep(ws, folder)
    print("runwatch demo: a 20-trial sweep is running (two trials at a time)", flush=True)
    notebook = folder / NOTEBOOK
    notebook.write_text(json.dumps(_notebook(), indent=1), encoding="utf-8")
    return notebook


def main(folder: Path, open_lab: bool, port: int | None, lab_args: list[str]) -> int:
    notebook = prepare(folder.resolve())
    if not open_lab:
        print(f"runwatch demo: ready; open {notebook} in JupyterLab", flush=True)
        return 0
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        str(notebook.name),
        f"--ServerApp.root_dir={notebook.parent}",
        SERVER_EXTENSION_ARG,  # the REST API of the sidebar, also without installed config
    ]
    if port is not None:
        command.append(f"--port={port}")
    if os.geteuid() == 0:
        command.append("--allow-root")  # CI and these machines run as root
    command += lab_args
    print("runwatch demo: starting JupyterLab (Ctrl-C stops it)", flush=True)
    os.chdir(notebook.parent)
    # The sidebar as this package built it (an editable install's copy may be stale).
    env = lab_environment(notebook.parent / ".jupyter-data", os.environ)
    os.execve(sys.executable, command, env)  # JupyterLab takes over this process
