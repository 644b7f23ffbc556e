"""Jupyter servers that runwatch starts itself serve this package's built sidebar."""

from __future__ import annotations

import json
from pathlib import Path

import runwatch
from runwatch.cli._jupyter import LABEXTENSION, lab_environment


def test_the_built_extension_is_the_one_beside_the_package() -> None:
    assert Path(runwatch.__file__).resolve().parent / "labextension" == LABEXTENSION
    # Built by `pip install` (npm): the package metadata JupyterLab reads is there.
    assert json.loads((LABEXTENSION / "package.json").read_text())["name"] == "runwatch"


def test_lab_environment_puts_a_link_to_it_first_on_the_jupyter_path(tmp_path: Path) -> None:
    env = lab_environment(tmp_path / "data", {"JUPYTER_PATH": "/elsewhere"})
    assert env["JUPYTER_PATH"].split(":") == [str(tmp_path / "data"), "/elsewhere"]
    assert (tmp_path / "data" / "labextensions" / "runwatch").resolve() == LABEXTENSION
