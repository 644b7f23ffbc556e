"""AutoML tests run in a folder of their own: `AutoMLConfig`'s `debug_log` (Azure's
default `automl.log`) is a file in the current folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
