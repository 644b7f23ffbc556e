"""The examples and notebooks run as a user runs them: in a fresh folder, in
a real interpreter or Jupyter kernel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from runwatch import Run, Workspace

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_quickstart(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RUNWATCH_QUIET": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "best alpha 0.4" in result.stdout
    ws = Workspace.from_config(tmp_path)
    run = next(iter(ws.experiments["diabetes-ridge"].get_runs()))
    assert run.get_status() == "Completed"
    metrics = Run.get(ws, run.id).get_metrics()
    assert len(metrics["mse"]) == 20 and min(metrics["mse"]) == metrics["mse"][8]
    assert run.get_file_names() == ["outputs/model.pkl"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.name for n in NOTEBOOKS])
def test_notebook_runs_without_error(notebook: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    shutil.copytree(notebook.parent, folder)  # with scripts/ beside the notebooks
    nb = nbformat.read(folder / notebook.name, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    errors = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
