"""Microsoft's Azure ML SDK v1 sample flows, ported with `runwatch port` and run cell by cell.

Each folder in tests/samples/ holds one public sample's flow (Azure/MachineLearningNotebooks),
written against `azureml.*`, with its scripts. The test copies it into a fresh folder, runs
`runwatch port --in-place` on it (the only change), and executes the notebook in a real
kernel with nbclient, going on after a failing cell as a person running it would. Cells that
need the cloud by nature carry `{"runwatch": {"cloud": why, "stand_in": code}}` in their
metadata: they are replaced by the local stand-in. Then the outputs are checked against what
each sample says it shows, and the cells that fail must be exactly the ones listed here, each
with the reason it cannot run on one machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from _parts import require
from runwatch import Run, Workspace
from runwatch.cli import main

SAMPLES = Path(__file__).parent / "samples"
_AZUREML = re.compile(r"\b(import|from)\s+azureml\b|\bazureml\.\w")

#: Cells (1-based code-cell numbers) expected to fail, and why no machine like this runs them.
NEEDS_CONDA = "conda packages need conda, mamba or micromamba and a conda channel"
EXPECTED_FAILURES: dict[str, dict[int, str]] = {
    "logging-api": {},
    "manage-runs": {},
    "train-on-local": {12: NEEDS_CONDA},
    "train-hyperparameter-tune-deploy-with-sklearn": {},
    "using-environments": {8: NEEDS_CONDA, 9: "the run of cell 8 was never submitted"},
    "export-run-history-to-tensorboard": {},
}


@dataclass
class Ran:
    """An executed sample: its folder, code cells, and per cell the text it showed."""

    folder: Path
    cells: list[Any]
    port_report: str
    errors: dict[int, str] = field(default_factory=dict)

    def text(self, number: int) -> str:
        """Everything code cell `number` printed or displayed as text."""
        parts = []
        for output in self.cells[number - 1].get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output["text"])
            elif "data" in output:
                parts.append(output["data"].get("text/plain", ""))
            elif output.get("output_type") == "error":
                parts.append(f"{output['ename']}: {output['evalue']}")
        return "".join(parts)


def _run_sample(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Ran:
    folder = tmp_path / name
    shutil.copytree(SAMPLES / name, folder)
    notebook = folder / f"{name}.ipynb"
    code = main(["port", "--in-place", str(folder)])
    report = capsys.readouterr().out
    book = nbformat.read(notebook, as_version=4)
    cloud = [
        i
        for i, cell in enumerate(c for c in book.cells if c.cell_type == "code")
        if cell.metadata.get("runwatch", {}).get("cloud")
    ]
    assert code == (1 if cloud else 0), report  # only the cloud cells' imports stay unmapped
    for cell in book.cells:
        meta = cell.metadata.get("runwatch", {})
        if meta.get("cloud"):
            cell.source = f"# needs the cloud ({meta['cloud']}); its local stand-in:\n"
            cell.source += meta["stand_in"]
    for source in [c.source for c in book.cells if c.cell_type == "code"] + [
        script.read_text() for script in folder.rglob("*.py")
    ]:
        assert not _AZUREML.search(source), source
    NotebookClient(
        book,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    cells = [c for c in book.cells if c.cell_type == "code"]
    ran = Ran(folder, cells, report)
    for number, cell in enumerate(cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                ran.errors[number] = f"{output['ename']}: {output['evalue']}"
    nbformat.write(book, tmp_path / f"{name}.executed.ipynb")
    return ran


@pytest.fixture
def sample_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The kernel inherits these: an agent that exits soon after the last run, Jupyter's
    runtime files (which say whether a JupyterLab runs) in a folder of the test's own."""
    monkeypatch.setenv("RUNWATCH_AGENT_IDLE", "2")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("MPLBACKEND", "Agg")


def _docker_without_daemon() -> bool:
    """The sample's own Docker check fails where the docker command exists but no daemon
    answers: a fact of the machine, not of the port."""
    if shutil.which("docker") is None:
        return False
    info = subprocess.run(["docker", "system", "info"], capture_output=True, timeout=60)
    return info.returncode != 0


def _check_failures(name: str, ran: Ran) -> None:
    expected = dict(EXPECTED_FAILURES[name])
    if name == "train-on-local" and _docker_without_daemon():
        expected[16] = "the docker command is here but no Docker daemon runs"
    assert set(ran.errors) == set(expected), ran.errors
    total = len(ran.cells)
    print(f"{name}: {total - len(ran.errors)}/{total} cells ran; failing as expected: {expected}")


def _workspace(ran: Ran) -> Workspace:
    return Workspace.from_config(ran.folder)


pytestmark = [pytest.mark.usefixtures("sample_env"), pytest.mark.timeout(900)]


def test_logging_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ran = _run_sample("logging-api", tmp_path, capsys)
    _check_failures("logging-api", ran)
    assert "Azure region: westeurope" in ran.text(2)  # from the Azure config.json
    assert "Subscription id: 00000000-1111-2222-3333-444444444444" in ran.text(2)
    metrics = ran.text(16)
    assert "'scale factor': 2" in metrics and "'Magic Number': 84" in metrics
    assert "'Fibonacci': [0, 2, 2, 4, 6, 10, 16, 26, 42, 68, 110, 178]" in metrics
    assert ran.text(17).strip() == "{'scale factor': 2}"
    files = json.loads(ran.text(18).replace("'", '"'))
    assert "logging-api/myfile.txt" in files
    assert any(re.fullmatch(r"Hyperbolic Tangent_\d+\.png", f) for f in files), files
    assert (ran.folder / "files" / "myfile.txt").read_text() == "An output file to upload.\n"
    assert ran.text(20).strip() == "{'My Favorite Run': None, 'Competition Rank': '1'}"
    run = Run.get(_workspace(ran), _run_id(ran.text(5)))
    assert run.get_status() == "Completed"
    rows = run.get_metrics("Accuracy")["Accuracy"]
    assert len(rows["expected"]) == 1000 and len(rows) == 15


def _run_id(html_or_text: str) -> str:
    found = re.search(r"logging-api-test_[0-9a-zA-Z_]+", html_or_text)
    assert found, html_or_text
    return found.group(0)


def test_manage_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ran = _run_sample("manage-runs", tmp_path, capsys)
    _check_failures("manage-runs", ran)
    assert ran.text(4).strip() == "Running"
    assert ran.text(8).strip() == "Completed"
    assert "Has it completed? Completed" in ran.text(9)
    assert ran.text(15).strip().endswith("Completed")
    assert "'author': 'azureml-user'" in ran.text(16)
    assert "immutable" in ran.text(17) or "already" in ran.text(17)
    assert "'quality': 'fantastic run'" in ran.text(19)
    assert "worth another look" in ran.text(20)
    assert ran.text(21).count("Run(") == 1 and ran.text(22).count("Run(") == 1
    assert ran.text(24).strip().endswith("Completed")
    assert ran.text(26).count("Run(") == 5
    assert "Did the run cancel? Canceled" in ran.text(28)
    assert ran.text(29).strip() == "Failed"
    zipped = ran.text(30).strip().strip("'")
    assert zipped.endswith(".zip") and (ran.folder / zipped).is_file()


def test_train_on_local(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ran = _run_sample("train-on-local", tmp_path, capsys)
    _check_failures("train-on-local", ran)
    assert ran.text(2).split("\n")[:4] == [
        "samples-ws",
        "ml-samples",
        "westeurope",
        "00000000-1111-2222-3333-444444444444",
    ]
    assert "scikit-learn" in ran.errors[12] and "conda" in ran.errors[12]
    assert "azureml/" in ran.text(15)  # Azure's default CPU image
    assert f"When alpha is 0.40, we have min MSE {_ridge_mse(0.40):0.2f}." in ran.text(20)
    assert "outputs/ridge_0.40.pkl" in ran.text(22)
    assert " --> Name: best_ridge_model" in ran.text(24)
    assert " --> Version: 1" in ran.text(24)


def _ridge_mse(alpha: float) -> float:
    """The sample's model, computed here: ridge regression on diabetes, its test split."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.metrics import mean_squared_error
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    model = Ridge(alpha=alpha).fit(X_train, y_train)
    return float(mean_squared_error(model.predict(X_test), y_test))


def test_sklearn_hyperdrive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "train-hyperparameter-tune-deploy-with-sklearn"
    ran = _run_sample(name, tmp_path, capsys)
    _check_failures(name, ran)
    assert "Subscription id: local" in ran.text(3)  # no Azure config: local values
    arguments = ran.text(18).strip()
    assert re.fullmatch(r"\['--kernel', '\w+', '--penalty', '[\d.]+'\]", arguments), arguments
    assert "outputs/model.joblib" in ran.text(19)
    ws = _workspace(ran)
    sweep = next(r for r in ws.experiments["train_iris"].get_runs() if r.type == "hyperdrive")
    trials = list(sweep.get_children())
    assert len(trials) == 12 and all(t.get_status() == "Completed" for t in trials)
    # The printed arguments are those of a trial with the best accuracy (ties are common).
    top = max(t.get_metrics()["Accuracy"] for t in trials)
    best_arguments = [
        str(t.get_details()["runDefinition"]["arguments"])
        for t in trials
        if t.get_metrics()["Accuracy"] == top
    ]
    assert arguments in best_arguments, (arguments, best_arguments)
    # Each trial ran with its sampled values only: the script's own were replaced.
    for trial in trials:
        assert trial.get_details()["runDefinition"]["arguments"].count("--kernel") == 1


def test_using_environments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ran = _run_sample("using-environments", tmp_path, capsys)
    _check_failures("using-environments", ran)
    assert "scikit-learn==0.22.1" in ran.errors[8]
    assert "Name AzureML-Minimal" in ran.text(4)
    assert re.search(r"Name myenv \t version 1", ran.text(11))
    assert ran.text(13).strip() == "ContainerRegistry(address=None, username=None)"


def test_export_run_history_to_tensorboard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require("tensorboard")
    name = "export-run-history-to-tensorboard"
    ran = _run_sample(name, tmp_path, capsys)
    _check_failures(name, ran)
    assert ran.text(8).strip().strip("'").startswith("http://")
    events = list((ran.folder / "exportedTBlogs").rglob("*tfevents*"))
    assert events
    assert os.path.getsize(events[0]) > 0
