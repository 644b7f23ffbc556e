"""RunConfiguration and ScriptRunConfig.run_config: one set of settings, Azure's defaults."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from _waiting import driver_log, wait_final

import runwatch
import runwatch.runconfig
from runwatch import (
    CondaDependencies,
    ConfigError,
    Environment,
    LocalCompute,
    RunConfiguration,
    RunStatus,
    ScriptRunConfig,
    ValidationError,
)
from runwatch.hyperdrive import (
    BanditPolicy,
    GridParameterSampling,
    HyperDriveConfig,
    PrimaryMetricGoal,
    choice,
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "train.py").write_text(
        textwrap.dedent(
            """
            import os, sys
            print("exe", sys.executable)
            print("args", sys.argv[1:])
            print("flavour", os.environ.get("FLAVOUR"))
            """
        )
    )
    return folder


def test_the_facade_exports_the_class() -> None:
    assert runwatch.runconfig.RunConfiguration is RunConfiguration
    assert runwatch.runconfig.DEFAULT_CPU_IMAGE.startswith("mcr.microsoft.com/azureml/")


def test_defaults_are_azure_s() -> None:
    rc = RunConfiguration()
    assert rc.script is None
    assert rc.command == ""
    assert rc.arguments == []
    assert rc.target == "local"
    assert (rc.framework, rc.communicator) == ("Python", "None")
    assert rc.max_run_duration_seconds is None
    assert rc.node_count == 1
    assert rc.environment_variables == {}
    assert rc.environment is not None
    assert rc.environment.python.user_managed_dependencies is True  # the submitting interpreter
    shown = json.loads(repr(rc))
    assert shown["target"] == "local"
    assert shown["nodeCount"] == 1


def test_conda_dependencies_make_a_managed_environment() -> None:
    cd = CondaDependencies.create(pip_packages=["six"])
    rc = RunConfiguration(conda_dependencies=cd)
    assert rc.environment is not None
    assert rc.environment.python.user_managed_dependencies is False
    assert rc.environment.python.conda_dependencies is cd


def test_script_run_config_settings_are_its_run_config_s(source: Path) -> None:
    env = Environment("e")
    src = ScriptRunConfig(
        source,
        "train.py",
        arguments=["--alpha", 0.5],
        compute_target=LocalCompute(slots=2),
        environment=env,
        max_run_duration_seconds=30,
    )
    rc = src.run_config
    assert isinstance(rc, RunConfiguration)
    assert rc.environment is env
    assert rc.target is src.compute_target
    assert rc.arguments == ["--alpha", 0.5]
    assert rc.max_run_duration_seconds == 30
    # Both ways round.
    other = Environment("other")
    other.python.user_managed_dependencies = True
    src.run_config.environment = other
    assert src.environment is other
    src.arguments = ["--beta", 1]
    assert rc.arguments == ["--beta", 1]
    src.max_run_duration_seconds = 60
    src.compute_target = "local"
    definition = src.to_definition()
    assert definition["environment"]["name"] == "other"
    assert definition["arguments"] == ["--beta", "1"]
    assert definition["max_run_duration_seconds"] == 60
    assert definition["compute"]["name"] == "local"


def test_a_run_config_given_supplies_script_arguments_and_environment(source: Path) -> None:
    env = Environment("from-rc")
    env.python.user_managed_dependencies = True
    rc = RunConfiguration(script="train.py", arguments=["--x", 1])
    rc.environment = env
    rc.environment_variables = {"FLAVOUR": "plain"}
    src = ScriptRunConfig(source, run_config=rc)
    assert src.script == "train.py"
    assert src.run_config is rc
    definition = src.to_definition()
    assert definition["script"] == "train.py"
    assert definition["arguments"] == ["--x", "1"]
    assert definition["environment"]["name"] == "from-rc"
    assert definition["environment"]["variables"] == {"FLAVOUR": "plain"}
    # Given here, script and arguments win over the run configuration's, as in Azure.
    (source / "other.py").write_text("print(2)\n")
    mine = ScriptRunConfig(source, "other.py", arguments=["--y"], run_config=RunConfiguration())
    assert mine.to_definition()["script"] == "other.py"
    assert mine.to_definition()["arguments"] == ["--y"]


def test_settings_ignored_beside_a_run_config_are_warned_about(source: Path) -> None:
    rc = RunConfiguration()
    with pytest.warns(UserWarning, match="compute_target, environment and max_run_duration"):
        src = ScriptRunConfig(
            source, "train.py", run_config=rc, environment=Environment("x"), compute_target="gpu"
        )
    assert src.compute_target == "local"
    assert src.environment is rc.environment


def test_refused_settings(source: Path) -> None:
    rc = RunConfiguration()
    rc.node_count = 4
    with pytest.raises(ValidationError, match="node_count must be 1"):
        ScriptRunConfig(source, "train.py", run_config=rc).to_definition()
    with pytest.raises(ValidationError, match="distributed_job_config"):
        ScriptRunConfig(source, "train.py", distributed_job_config=object())
    with pytest.raises(ValidationError, match=r"must be a runwatch\.RunConfiguration"):
        ScriptRunConfig(source, "train.py", run_config={"script": "train.py"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="exactly one of script"):
        ScriptRunConfig(source, run_config=RunConfiguration())
    docker = Environment("docker-env")
    docker.docker.enabled = True
    src = ScriptRunConfig(source, "train.py")
    src.run_config.environment = docker
    with pytest.raises(ConfigError, match="Docker"):
        src.to_definition()


def test_hyperdrive_takes_a_script_run_config_with_its_run_config(source: Path) -> None:
    rc = RunConfiguration(script="train.py")
    rc.environment_variables = {"FLAVOUR": "swept"}
    src = ScriptRunConfig(source, run_config=rc)
    config = HyperDriveConfig(
        run_config=src,
        hyperparameter_sampling=GridParameterSampling({"--alpha": choice(1, 2)}),
        policy=BanditPolicy(evaluation_interval=1, slack_factor=0.1),
        primary_metric_name="loss",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
        max_total_runs=2,
    )
    assert config.run_config.to_definition()["environment"]["variables"] == {"FLAVOUR": "swept"}


def test_changing_run_config_environment_changes_what_runs(
    agent_ws: runwatch.Workspace, source: Path, tmp_path: Path
) -> None:
    link = tmp_path / "bin" / "python-linked"
    link.parent.mkdir()
    link.symlink_to(sys.executable)
    env = Environment("linked")
    env.python.user_managed_dependencies = True
    env.python.interpreter_path = str(link)
    src = ScriptRunConfig(source, "train.py", arguments=["--a", 1])
    src.run_config.environment = env  # as Azure's sample does
    src.run_config.environment_variables = {"FLAVOUR": "rc"}
    run = runwatch.Experiment(agent_ws, "rc").submit(src)
    assert wait_final(run, 60)[-1] == RunStatus.COMPLETED, driver_log(run)
    log = driver_log(run)
    assert f"exe {link}" in log
    assert "args ['--a', '1']" in log
    assert "flavour rc" in log
    assert run.get_environment().name == "linked"
