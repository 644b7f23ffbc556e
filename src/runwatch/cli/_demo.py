"""`runwatch demo`: a workspace with finished runs and a live sweep, opened in JupyterLab.

It checks that JupyterLab and a kernel are installed, stops what an earlier
demo in the same folder left running, creates the demo workspace, seeds a few
finished runs, submits a 20-trial sweep that keeps running for about six
minutes, writes `demo.ipynb`, and starts JupyterLab on that notebook.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import signal
import sys
import time
from importlib import resources
from pathlib import Path

from runwatch.cli._jupyter import SERVER_EXTENSION_ARG, lab_environment
from runwatch.core import _settings
from runwatch.submit import _launcher
from runwatch.submit._script import LocalCompute, ScriptRunConfig
from runwatch.tracking._experiment import Experiment
from runwatch.tracking._workspace import Workspace

NOTEBOOK = "demo.ipynb"
DEMO_FILES = "runwatch.cli._demo_files"  # the package holding the trial script
TRIALS = 20
AT_ONCE = 2
# What opening the notebook needs, by import name -> the package to install.
_LAB_PARTS = {"jupyterlab": "jupyterlab", "ipykernel": "ipykernel"}


def missing_lab_parts() -> list[str]:
    """The packages JupyterLab needs to open the demo that this interpreter lacks."""
    return [
        package for module, package in _LAB_PARTS.items() if not importlib.util.find_spec(module)
    ]


def _cells(ids: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# runwatch demo\n\nEverything here is stored in `.runwatch/` next to this "
            "notebook (one SQLite file and a folder of files). Run the cells from the top; "
            "the **runwatch** sidebar (pulse icon, left) lists the same runs.",
        ),
        (
            "code",
            "from runwatch import Experiment, Run, RunDetails, Workspace\n\n"
            "ws = Workspace.from_config()\nws.experiments",
        ),
        (
            "markdown",
            f"## A sweep that is still running\n\n`runwatch demo` submitted {TRIALS} trials "
            "of a ridge regression over alpha (numpy, on a seeded synthetic data set); the "
            f"local agent runs {AT_ONCE} at a time, each for about 45 s, so the sweep runs for "
            "about six minutes. A Bandit policy stops a trial whose test MSE is more than 1% "
            "behind the best at the same epoch. The view refreshes every 10 s by itself; "
            "click a trial to open it. `sweep.cancel()` stops the sweep.",
        ),
        ("code", f"sweep = Run(Experiment(ws, 'demo-sweep'), {ids['sweep']!r})\nRunDetails(sweep)"),
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
        (
            "code",
            f"tour = Run(Experiment(ws, 'demo-logging-api'), {ids['tour']!r})\nRunDetails(tour)",
        ),
        ("markdown", "## A failed run, with its error"),
        (
            "code",
            f"failed = Run(Experiment(ws, 'demo-logging-api'), {ids['failed']!r})\n"
            "RunDetails(failed)",
        ),
    ]


def _notebook(ids: dict[str, str]) -> dict[str, object]:
    cells = []
    for number, (kind, source) in enumerate(_cells(ids)):
        cell: dict[str, object] = {
            "cell_type": kind,
            "id": f"demo-{number:02d}",  # nbformat 4.5 wants an id on every cell
            "metadata": {},
            "source": source,
        }
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


def _seed(ws: Workspace) -> dict[str, str]:
    """Finished runs: the logging API tour and a failed run; returns their ids."""
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
    return {"tour": run.id, "failed": failed.id}


def _submit_sweep(ws: Workspace, folder: Path) -> str:
    from runwatch.hyperdrive import (
        BanditPolicy,
        GridParameterSampling,
        HyperDriveConfig,
        PrimaryMetricGoal,
        choice,
    )

    scripts = folder / "scripts"
    scripts.mkdir(exist_ok=True)
    source = resources.files(DEMO_FILES).joinpath("train_trial.py").read_text("utf-8")
    (scripts / "train_trial.py").write_text(source, encoding="utf-8")
    config = HyperDriveConfig(
        ScriptRunConfig(scripts, "train_trial.py", compute_target=LocalCompute(slots=AT_ONCE)),
        GridParameterSampling({"--alpha": choice([round(0.05 * i, 2) for i in range(TRIALS)])}),
        "mse",
        PrimaryMetricGoal.MINIMIZE,
        max_concurrent_runs=AT_ONCE,
        policy=BanditPolicy(slack_factor=0.01, evaluation_interval=1, delay_evaluation=5),
    )
    return Experiment(ws, "demo-sweep").submit(config).id


def stop_previous(folder: Path) -> None:
    """Cancel what an earlier demo in `folder` still runs and stop its agent.

    The store is about to be removed: an agent left serving it would lose its
    database under its feet.
    """
    config = folder / ".runwatch" / "config.json"
    if not config.is_file():
        return
    # The store's file is removed next; `open_store` notices and opens the new one.
    ws = Workspace.from_config(config)
    for info in ws.store.list_active():
        ws.store.request_cancel(info.id)
    _stop_agent(_launcher.lock_path(ws))


def _stop_agent(lock: Path) -> None:
    """Stop the agent that holds `lock`, if one does."""
    if not lock.exists():
        return
    fd = _launcher.try_lock(lock)
    if fd is not None:  # no agent holds it
        os.close(fd)
        return
    try:
        pid = int(lock.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    print(f"runwatch demo: stopping the earlier demo's agent (pid {pid})", flush=True)
    _end(pid, lock, patience=_settings.cancel_grace() + 10)


def _end(pid: int, lock: Path, patience: float) -> None:
    """SIGTERM the agent `pid`, then SIGKILL if it still holds `lock` after `patience` s."""
    for sig, wait in ((signal.SIGTERM, patience), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            fd = _launcher.try_lock(lock)
            if fd is not None:
                os.close(fd)
                return
            time.sleep(0.1)


def prepare(folder: Path) -> Path:
    """Create the demo workspace in `folder`; return the notebook's path."""
    stop_previous(folder)
    if (folder / ".runwatch").exists():
        shutil.rmtree(folder / ".runwatch")
    folder.mkdir(parents=True, exist_ok=True)
    ws = Workspace("demo", store=f"sqlite:///{folder / '.runwatch' / 'runwatch.db'}")
    ws.write_config(folder)
    print(f"runwatch demo: workspace in {folder / '.runwatch'}", flush=True)
    ids = _seed(ws)
    ids["sweep"] = _submit_sweep(ws, folder)
    print(
        f"runwatch demo: a {TRIALS}-trial sweep is running, {AT_ONCE} trials at a time "
        "(about six minutes)",
        flush=True,
    )
    notebook = folder / NOTEBOOK
    notebook.write_text(json.dumps(_notebook(ids), indent=1), encoding="utf-8")
    return notebook


def main(folder: Path, open_lab: bool, port: int | None, lab_args: list[str]) -> int:
    missing = missing_lab_parts() if open_lab else []
    if missing:  # say so before anything is wiped or submitted
        print(
            f"runwatch demo: {', '.join(missing)} missing in {sys.executable}; install with: "
            f"{sys.executable} -m pip install {' '.join(missing)}  (or run with --no-lab)",
            file=sys.stderr,
        )
        return 1
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
