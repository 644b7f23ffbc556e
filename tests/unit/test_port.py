"""`runwatch port`: Azure ML SDK v1 imports rewritten to runwatch in scripts and notebooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from runwatch.cli import main
from runwatch.cli._port import map_module, port_source

IMPORTS = """\
import os, azureml.core  # the SDK
import azureml.core.run as r
from azureml.core import (Workspace,  # where runs live
    Experiment as Exp)
from azureml.core.run import Run
from azureml.core.experiment import Experiment
from azureml.core.script_run_config import ScriptRunConfig
from azureml.core.conda_dependencies import CondaDependencies
from azureml.train.hyperdrive import HyperDriveConfig
from azureml.train.hyperdrive.runconfig import HyperDriveConfig as HDC
from azureml.train.hyperdrive.parameter_expressions import choice
from azureml.widgets import RunDetails
import azureml.tensorboard.export
from azureml.telemetry import set_diagnostics_collection
from . import helpers

ws = azureml.core.Workspace.from_config()
run_id = azureml.core.run.Run.get_context().id
"""

PORTED = """\
import os, runwatch  # the SDK
import runwatch.run as r
from runwatch import (Workspace,  # where runs live
    Experiment as Exp)
from runwatch.run import Run
from runwatch.experiment import Experiment
from runwatch.script_run_config import ScriptRunConfig
from runwatch.conda_dependencies import CondaDependencies
from runwatch.hyperdrive import HyperDriveConfig
from runwatch.hyperdrive.runconfig import HyperDriveConfig as HDC
from runwatch.hyperdrive.parameter_expressions import choice
from runwatch.widgets import RunDetails
import runwatch.tensorboard.export
from runwatch.telemetry import set_diagnostics_collection
from . import helpers

ws = runwatch.Workspace.from_config()
run_id = runwatch.run.Run.get_context().id
"""

UNMAPPED = """\
from azureml.core import Workspace
from azureml.core.compute import AmlCompute  # a cluster
cluster = azureml.core.compute.AmlCompute(ws)
"""

SCRIPT = """\
from azureml.core import Workspace, Experiment
from azureml.core.run import Run  # unused here: rewritten, never imported

ws = Workspace.from_config()
exp = Experiment(ws, "x")
run = exp.start_logging()
run.log("a", 1)
run.complete()
print("logged", run.id)
"""


def test_every_mapped_form_is_rewritten_keeping_comments_and_aliases() -> None:
    ported = port_source(IMPORTS)
    assert ported.code == PORTED
    assert (ported.imports, ported.references, ported.unmapped) == (13, 2, [])


def test_the_rule() -> None:
    assert map_module("azureml.core") == "runwatch"
    assert map_module("azureml.core.runconfig") == "runwatch.runconfig"
    assert map_module("azureml.train.hyperdrive.policy") == "runwatch.hyperdrive.policy"
    assert map_module("azureml.tensorboard.export") == "runwatch.tensorboard.export"
    for name in ["azureml.core.compute", "azureml.data", "azureml.pipeline.core", "azureml"]:
        assert map_module(name) is None


def test_modules_imported_from_their_package_are_rewritten() -> None:
    ported = port_source(
        "from azureml.train import hyperdrive as hd, automl\n"
        "from azureml import core\n"
        "from azureml.train import estimator  # cloud-era, no counterpart\n"
    )
    assert ported.code.splitlines()[:2] == [
        "from runwatch import hyperdrive as hd, automl",
        "from azureml import core",
    ]
    assert ported.imports == 1
    assert [u.module for u in ported.unmapped] == ["azureml", "azureml.train"]


def test_names_runwatch_lacks_leave_the_line_as_written_and_are_named() -> None:
    code = (
        "from azureml.core import Workspace, ComputeTarget\n"
        "from azureml.core.run import Run\n"
        "from azureml.train.automl import AutoMLConfig\n"
        "import azureml.train.automl\n"
    )
    ported = port_source(code)
    assert ported.code.splitlines() == [
        "from azureml.core import Workspace, ComputeTarget",
        "from runwatch.run import Run",
        "from runwatch.automl import AutoMLConfig",
        "import runwatch.automl",
    ]
    assert [(u.line, str(u)) for u in ported.unmapped] == [
        (
            1,
            "azureml.core.ComputeTarget: runwatch has no ComputeTarget (an Azure ML API "
            "runwatch lacks)",
        ),
    ]


def test_unmappable_lines_stay_as_written_and_are_reported() -> None:
    ported = port_source(UNMAPPED)
    assert ported.code == UNMAPPED.replace("azureml.core import Work", "runwatch import Work")
    assert [(u.line, str(u)) for u in ported.unmapped] == [
        (2, "azureml.core.compute: compute clusters are cloud-only"),
        (3, "azureml.core.compute: compute clusters are cloud-only"),
    ]


def test_a_ported_script_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.replace("from azureml.core.run import Run", "import os"))
    assert main(["port", str(script)]) == 0
    assert "2 imports" not in capsys.readouterr().out  # one import to rewrite here
    env = {**os.environ, "RUNWATCH_QUIET": "1"}
    done = subprocess.run(
        [sys.executable, "train_runwatch.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("logged ")


def test_the_command_writes_copies_and_exits_1_when_a_line_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    (tmp_path / "cluster.py").write_text(UNMAPPED)
    (tmp_path / "plain.py").write_text("print('no azureml here')\n")
    assert main(["port", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "train.py: 2 imports, 0 references rewritten ->" in out
    assert f"{tmp_path / 'cluster.py'}:2: azureml.core.compute: compute clusters" in out
    assert "plain.py: 0 imports, 0 references rewritten, not written" in out
    assert (tmp_path / "train_runwatch.py").read_text().startswith("from runwatch import Work")
    assert (tmp_path / "cluster.py").read_text() == UNMAPPED
    assert not (tmp_path / "plain_runwatch.py").exists()
    assert main(["port", str(tmp_path)]) == 1  # earlier copies are not ported again
    assert "train_runwatch_runwatch" not in capsys.readouterr().out


def test_in_place_suffix_and_dry_run(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    assert main(["port", "--dry-run", str(script)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]
    assert main(["port", "--suffix", "_v2", str(script)]) == 0
    assert (tmp_path / "train_v2.py").exists()
    assert main(["port", "--in-place", str(script)]) == 0
    assert script.read_text().startswith("from runwatch import Workspace, Experiment\n")


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("azureml")
    assert main(["port", str(tmp_path / "missing.py")]) == 2
    assert main(["port", str(tmp_path / "notes.txt")]) == 2
    with pytest.raises(SystemExit) as exited:
        main(["port", "--in-place", "--suffix", "_x", str(tmp_path)])
    assert exited.value.code == 2


def test_a_notebook_cell_by_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notebook = nbformat.v4.new_notebook()
    magic = "%pip install azureml-core\nfrom azureml.core import Run  # logs\n!ls\nfiles = !ls\n"
    output = nbformat.v4.new_output("stream", text="hello\n")
    notebook.cells = [
        nbformat.v4.new_markdown_cell("from azureml.core import Run"),
        nbformat.v4.new_code_cell(magic, outputs=[output], execution_count=3),
        nbformat.v4.new_code_cell("%%bash\npip install azureml-core"),
        nbformat.v4.new_code_cell("%%time\nimport azureml.core.run as r"),
        nbformat.v4.new_code_cell("from azureml.core.compute import AmlCompute"),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook, path)
    assert main(["port", str(path)]) == 1
    out = capsys.readouterr().out
    assert "nb.ipynb: 2 imports, 0 references rewritten ->" in out
    assert f"{path} cell 5 line 1: azureml.core.compute: compute clusters" in out
    ported = nbformat.read(tmp_path / "nb_runwatch.ipynb", as_version=4)
    sources = [cell.source for cell in ported.cells]
    assert sources == [
        "from azureml.core import Run",  # markdown: as written
        magic.replace("azureml.core import", "runwatch import"),
        "%%bash\npip install azureml-core",
        "%%time\nimport runwatch.run as r",
        "from azureml.core.compute import AmlCompute",
    ]
    assert ported.cells[1].outputs == [output] and ported.cells[1].execution_count == 3
    assert ported.metadata == notebook.metadata


def test_a_cell_that_is_not_python_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("from azureml.core import Run\nthis is not (")]
    nbformat.write(notebook, tmp_path / "nb.ipynb")
    assert main(["port", str(tmp_path / "nb.ipynb")]) == 1
    assert "nb.ipynb cell 1 line 2: not rewritten: not Python" in capsys.readouterr().out


def test_a_notebook_keeps_its_layout_and_an_untouched_one_its_bytes(tmp_path: Path) -> None:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell("from azureml.core import Run\n%time 1")]
    text = json.dumps(book, indent=4)  # no final newline, four spaces
    (tmp_path / "wide.ipynb").write_text(text)
    plain = nbformat.v4.new_notebook()
    plain.cells = [nbformat.v4.new_code_cell("print(1)")]
    (tmp_path / "plain.ipynb").write_text(json.dumps(plain, indent=2) + "\n")
    assert main(["port", "--in-place", str(tmp_path)]) == 0
    ported = (tmp_path / "wide.ipynb").read_text()
    assert ported == text.replace("from azureml.core import", "from runwatch import")
    assert (tmp_path / "plain.ipynb").read_text() == json.dumps(plain, indent=2) + "\n"
