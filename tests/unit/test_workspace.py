"""Workspaces: construction from URLs and config discovery."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import runwatch
from runwatch import Experiment, Workspace


def test_from_urls(tmp_path: Path) -> None:
    ws = Workspace(
        "team", store=f"sqlite:///{tmp_path}/s/runwatch.db", artifacts=str(tmp_path / "a")
    )
    assert ws.name == "team"
    assert ws.store_url == f"sqlite:///{tmp_path}/s/runwatch.db"
    assert ws.artifacts_url == str(tmp_path / "a")
    assert (tmp_path / "s" / "runwatch.db").exists()


def test_artifacts_default_beside_the_database(tmp_path: Path) -> None:
    ws = Workspace("w", store=f"sqlite:///{tmp_path}/runwatch.db")
    assert ws.artifacts_url == str(tmp_path / "artifacts")


def test_relative_store_url_is_resolved_against_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ws = Workspace("w", store="sqlite:///rel/runwatch.db")
    assert ws.store_url == f"sqlite:///{tmp_path}/rel/runwatch.db"


def test_write_config_then_from_config_in_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace("team", store=f"sqlite:///{tmp_path}/db/runwatch.db")
    written = ws.write_config(tmp_path)
    assert written == tmp_path / ".runwatch" / "config.json"
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    found = Workspace.from_config()
    assert found == ws and found.name == "team" and found.config_path == written
    assert Workspace.from_config(written) == ws
    assert Workspace.from_config(nested) == ws


def test_relative_paths_in_a_config_are_relative_to_it(tmp_path: Path) -> None:
    config = tmp_path / ".runwatch" / "config.json"
    config.parent.mkdir()
    config.write_text(
        json.dumps({"name": "r", "store": "sqlite:///data/r.db", "artifacts": "files"})
    )
    ws = Workspace.from_config(tmp_path)
    assert ws.store_url == f"sqlite:///{tmp_path}/.runwatch/data/r.db"
    assert ws.artifacts_url == str(tmp_path / ".runwatch" / "files")


def test_bare_config_json_counts_only_if_it_names_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"unrelated": True}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RUNWATCH_QUIET")
    ws = Workspace.from_config()
    assert ws.name == "local"
    assert ws.store_url == f"sqlite:///{tmp_path}/.runwatch/runwatch.db"
    assert f"using the local workspace {tmp_path}/.runwatch" in capsys.readouterr().err
    # The default workspace wrote its config, so the next lookup is silent and finds it.
    assert Workspace.from_config() == ws
    assert capsys.readouterr().err == ""


def test_azure_config_maps_to_a_local_workspace(tmp_path: Path) -> None:
    azure = tmp_path / ".azureml" / "config.json"
    azure.parent.mkdir()
    azure.write_text(
        json.dumps({"subscription_id": "s", "resource_group": "g", "workspace_name": "aml-ws"})
    )
    ws = Workspace.from_config(tmp_path)
    assert ws.name == "aml-ws"
    assert ws.store_url == f"sqlite:///{tmp_path}/.runwatch/runwatch.db"


def test_config_without_store(tmp_path: Path) -> None:
    (tmp_path / ".runwatch").mkdir()
    (tmp_path / ".runwatch" / "config.json").write_text(json.dumps({"name": "x"}))
    with pytest.raises(runwatch.ConfigError, match='no "store" URL'):
        Workspace.from_config(tmp_path)


def test_config_that_is_a_list(tmp_path: Path) -> None:
    (tmp_path / ".runwatch").mkdir()
    (tmp_path / ".runwatch" / "config.json").write_text("[1]")
    with pytest.raises(runwatch.ConfigError, match="holds a list"):
        Workspace.from_config(tmp_path)


def test_missing_config_path(tmp_path: Path) -> None:
    with pytest.raises(runwatch.ConfigError, match="does not exist"):
        Workspace.from_config(tmp_path / "nope")


@pytest.mark.parametrize("url", ["runs.db", "mysql://x/y", "sqlite://", "sqlite:///:memory:"])
def test_bad_store_urls(tmp_path: Path, url: str) -> None:
    with pytest.raises(runwatch.ConfigError) as caught:
        Workspace("w", store=url)
    assert repr(url) in str(caught.value)


def test_experiments_listing(ws: Workspace) -> None:
    Experiment(ws, "b")
    Experiment(ws, "a")
    assert list(ws.experiments) == ["a", "b"]
    assert ws.get_details()["store"] == ws.store_url


def test_import_runwatch_loads_no_heavy_library() -> None:
    """A script that only logs, and a cold listing, pay for none of these: each is
    imported where it is used."""
    heavy = ("numpy", "pandas", "sklearn", "psycopg", "flaml", "ipywidgets", "bqplot", "fsspec")
    code = f"import sys, runwatch; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
