"""Azure ML v1 module paths: `azureml.core.<module>` -> `runwatch.<module>`, and the
workspace identity fields that samples print."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

import runwatch
from runwatch import hyperdrive

# azureml path -> (runwatch path, the names code imports from it, where runwatch keeps them)
PATHS = {
    "azureml.core.run": ("runwatch.run", {"Run": runwatch.Run}),
    "azureml.core.experiment": ("runwatch.experiment", {"Experiment": runwatch.Experiment}),
    "azureml.core.workspace": ("runwatch.workspace", {"Workspace": runwatch.Workspace}),
    "azureml.core.environment": ("runwatch.environment", {"Environment": runwatch.Environment}),
    "azureml.core.script_run_config": (
        "runwatch.script_run_config",
        {"ScriptRunConfig": runwatch.ScriptRunConfig},
    ),
    "azureml.train.hyperdrive.runconfig": (
        "runwatch.hyperdrive.runconfig",
        {"HyperDriveConfig": hyperdrive.HyperDriveConfig},
    ),
    "azureml.train.hyperdrive.run": (
        "runwatch.hyperdrive.run",
        {
            "HyperDriveRun": hyperdrive.HyperDriveRun,
            "PrimaryMetricGoal": hyperdrive.PrimaryMetricGoal,
        },
    ),
    "azureml.train.hyperdrive.sampling": (
        "runwatch.hyperdrive.sampling",
        {
            "GridParameterSampling": hyperdrive.GridParameterSampling,
            "RandomParameterSampling": hyperdrive.RandomParameterSampling,
        },
    ),
    "azureml.train.hyperdrive.parameter_expressions": (
        "runwatch.hyperdrive.parameter_expressions",
        {name: getattr(hyperdrive, name) for name in ("choice", "uniform", "loguniform")},
    ),
    "azureml.train.hyperdrive.policy": (
        "runwatch.hyperdrive.policy",
        {
            "BanditPolicy": hyperdrive.BanditPolicy,
            "MedianStoppingPolicy": hyperdrive.MedianStoppingPolicy,
        },
    ),
    "azureml.telemetry": ("runwatch.telemetry", {}),
    "azureml.core.model": ("runwatch.model", {"Model": runwatch.Model}),
    "azureml.core.conda_dependencies": (
        "runwatch.conda_dependencies",
        {"CondaDependencies": runwatch.CondaDependencies},
    ),
    "azureml.core.runconfig": (
        "runwatch.runconfig",
        {"RunConfiguration": runwatch.RunConfiguration},
    ),
}
# Loaded on first use: the same objects as the flat names, which import them lazily.
LAZY_PATHS = {
    "azureml.tensorboard": ("runwatch.tensorboard", ["Tensorboard"]),
    "azureml.tensorboard.export": ("runwatch.tensorboard.export", ["export_to_tensorboard"]),
}


@pytest.mark.parametrize("azure", sorted(PATHS))
def test_each_azure_module_path_has_its_runwatch_module(azure: str) -> None:
    path, names = PATHS[azure]
    module = importlib.import_module(path)
    for name, public in names.items():
        assert getattr(module, name) is public  # the same object as the flat import
        assert name in module.__all__


@pytest.mark.parametrize("azure", sorted(LAZY_PATHS))
def test_lazy_azure_module_paths_have_their_runwatch_module(azure: str) -> None:
    path, names = LAZY_PATHS[azure]
    module = importlib.import_module(path)
    for name in names:
        assert getattr(module, name) is getattr(runwatch, name)
        assert name in module.__all__


def test_telemetry_switch_is_accepted_and_sends_nothing() -> None:
    from runwatch.telemetry import set_diagnostics_collection

    assert set_diagnostics_collection(send_diagnostics=True) is None


def test_identity_fields_come_from_the_azure_config_it_was_found_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {
        "subscription_id": "0000-1111",
        "resource_group": "ml-rg",
        "workspace_name": "ml-ws",
        "location": "westeurope",
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    monkeypatch.chdir(tmp_path)
    ws = runwatch.Workspace.from_config()
    assert (ws.name, ws.subscription_id, ws.resource_group, ws.location) == (
        "ml-ws",
        "0000-1111",
        "ml-rg",
        "westeurope",
    )


def test_a_local_workspace_says_local(ws: runwatch.Workspace) -> None:
    assert (ws.subscription_id, ws.resource_group, ws.location) == ("local", "local", "local")
