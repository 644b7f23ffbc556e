"""ScriptRunConfig, LocalCompute, their definitions, and queueing a run (no agent needed)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import runwatch
from runwatch import Experiment, LocalCompute, RunStatus, ScriptRunConfig, ValidationError
from runwatch.submit._script import queue_run

pytestmark = pytest.mark.filterwarnings("ignore:GitWildMatchPattern:DeprecationWarning")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "train.py").write_text("print('hi')\n")
    return folder


# --- ScriptRunConfig ---------------------------------------------------------------------


def test_missing_source_folder_is_named(tmp_path: Path) -> None:
    config = ScriptRunConfig(tmp_path / "nowhere", "train.py")
    with pytest.raises(ValidationError, match=r"source_directory .*nowhere.* not an existing"):
        config.to_definition()


def test_a_file_is_not_a_source_folder(source: Path) -> None:
    with pytest.raises(ValidationError, match=r"train.py.* not an existing folder"):
        ScriptRunConfig(source / "train.py", "train.py").to_definition()


def test_missing_script_is_named(source: Path) -> None:
    with pytest.raises(ValidationError, match=r"script 'tran\.py' does not exist"):
        ScriptRunConfig(source, "tran.py").to_definition()


def test_a_folder_is_not_a_script(source: Path) -> None:
    (source / "pkg").mkdir()
    with pytest.raises(ValidationError, match="script 'pkg' does not exist"):
        ScriptRunConfig(source, "pkg").to_definition()


@pytest.mark.parametrize(
    ("value", "shown", "kind"),
    [
        (True, "True", "bool"),
        (False, "False", "bool"),
        (None, "None", "NoneType"),
        ([1, 2], "[1, 2]", "list"),
        ({"a": 1}, "{'a': 1}", "dict"),
        (b"x", "b'x'", "bytes"),
        (Path("data.csv"), "data.csv", "PosixPath"),
    ],
)
def test_arguments_must_be_str_int_or_float(
    source: Path, value: object, shown: str, kind: str
) -> None:
    config = ScriptRunConfig(source, "train.py", arguments=["--lr", 0.1, value])
    with pytest.raises(ValidationError) as caught:
        config.to_definition()
    message = str(caught.value)
    assert "argument 2" in message
    assert shown in message
    assert f"a {kind}" in message
    assert "str, int or float" in message


def test_arguments_become_strings(source: Path) -> None:
    definition = ScriptRunConfig(
        source, "train.py", arguments=["--lr", 0.5, "--epochs", 3, "--tag", ""]
    ).to_definition()
    assert definition["arguments"] == ["--lr", "0.5", "--epochs", "3", "--tag", ""]


def test_arguments_may_be_a_tuple_and_are_copied(source: Path) -> None:
    arguments = ["--a", 1]
    config = ScriptRunConfig(source, "train.py", arguments=arguments)
    arguments.append(True)  # changing the caller's list later does not change the config
    assert config.to_definition()["arguments"] == ["--a", "1"]
    assert ScriptRunConfig(source, "train.py", arguments=("x",)).to_definition()["arguments"] == [
        "x"
    ]


def test_script_or_command_exactly_one() -> None:
    with pytest.raises(ValidationError, match=r"exactly one of script=.* or command="):
        ScriptRunConfig(".")
    with pytest.raises(ValidationError, match="exactly one of") as caught:
        ScriptRunConfig(".", script="train.py", command=["python", "train.py"])
    assert "'train.py'" in str(caught.value)


def test_command_as_a_string_is_split(source: Path) -> None:
    config = ScriptRunConfig(source, command="python train.py --fast")
    definition = config.to_definition()
    assert definition["script"] is None
    assert definition["command"] == ["python", "train.py", "--fast"]


def test_command_items_are_checked_like_arguments(source: Path) -> None:
    with pytest.raises(ValidationError, match=r"argument 1 \(None, a NoneType\)"):
        ScriptRunConfig(source, command=["python", None]).to_definition()
    with pytest.raises(ValidationError, match=r"command=\[\] is empty"):
        ScriptRunConfig(source, command=[]).to_definition()


def test_run_config_and_distributed_config_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"must be a runwatch\.RunConfiguration"):
        ScriptRunConfig(".", "train.py", run_config=object())  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not supported"):
        ScriptRunConfig(".", "train.py", distributed_job_config=object())


@pytest.mark.parametrize("limit", [0, -1, -0.5, "60", [60]])
def test_max_run_duration_must_be_a_positive_number(source: Path, limit: object) -> None:
    config = ScriptRunConfig(source, "train.py", max_run_duration_seconds=limit)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"max_run_duration_seconds .* must be a number > 0"):
        config.to_definition()


@pytest.mark.parametrize("limit", [True, float("nan")], ids=["bool", "nan"])
def test_max_run_duration_refuses_bool_and_nan(source: Path, limit: object) -> None:
    # True would mean "1 second" and NaN "no limit at all"; neither is a duration > 0.
    config = ScriptRunConfig(source, "train.py", max_run_duration_seconds=limit)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="max_run_duration_seconds"):
        config.to_definition()


@pytest.mark.parametrize("limit", [1, 0.25, 3600.0])
def test_max_run_duration_accepts_positive_numbers(source: Path, limit: float) -> None:
    config = ScriptRunConfig(source, "train.py", max_run_duration_seconds=limit)
    assert config.to_definition()["max_run_duration_seconds"] == limit


def test_unsupported_compute_target_is_named(source: Path) -> None:
    config = ScriptRunConfig(source, "train.py", compute_target="gpu-cluster")
    with pytest.raises(ValidationError, match="compute_target 'gpu-cluster' is not supported"):
        config.to_definition()


# --- LocalCompute ------------------------------------------------------------------------


@pytest.mark.parametrize("slots", [0, -1, 1.5, 2.0, True, "2"])
def test_local_compute_slots_must_be_a_positive_int(slots: object) -> None:
    with pytest.raises(ValidationError, match=r"LocalCompute slots .* must be an int >= 1"):
        LocalCompute(slots=slots)  # type: ignore[arg-type]


def test_local_compute_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LocalCompute(slots=3).to_definition() == {"kind": "local", "name": "local", "slots": 3}
    assert LocalCompute("cpu", slots=1).to_definition()["name"] == "cpu"
    monkeypatch.setenv("RUNWATCH_LOCAL_SLOTS", "5")
    assert LocalCompute().to_definition()["slots"] == 5
    monkeypatch.delenv("RUNWATCH_LOCAL_SLOTS")
    assert LocalCompute().to_definition()["slots"] == (os.cpu_count() or 1)


# --- to_definition -----------------------------------------------------------------------


def test_to_definition_contents(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(source.parent)
    definition = ScriptRunConfig(
        "src",
        "train.py",
        arguments=["--alpha", 0.1],
        compute_target=LocalCompute(slots=2),
        max_run_duration_seconds=30,
    ).to_definition()
    assert definition == {
        "kind": "script",
        "script": "train.py",
        "command": None,
        "arguments": ["--alpha", "0.1"],
        "environment": {
            "name": "default",
            "user_managed": True,
            "interpreter": sys.executable,
            "pip_packages": [],
            "variables": {},
        },
        "compute": {"kind": "local", "name": "local", "slots": 2},
        "max_run_duration_seconds": 30,
        "source_directory": str(source.resolve()),
    }


def test_to_definition_default_compute_and_environment(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWATCH_LOCAL_SLOTS", "4")
    env = runwatch.Environment("mine")
    env.python.user_managed_dependencies = True
    env.environment_variables = {"SEED": 7}  # type: ignore[dict-item]
    for target in ("local", None):
        definition = ScriptRunConfig(
            source, "train.py", compute_target=target, environment=env
        ).to_definition()
        assert definition["compute"] == {"kind": "local", "name": "local", "slots": 4}
        assert definition["environment"]["name"] == "mine"
        assert definition["environment"]["variables"] == {"SEED": "7"}
        assert definition["max_run_duration_seconds"] is None


def test_to_definition_is_json(source: Path) -> None:
    import json

    definition = ScriptRunConfig(source, "train.py", arguments=[1, 2.5, "x"]).to_definition()
    assert json.loads(json.dumps(definition)) == definition


# --- submit and queue_run without an agent ------------------------------------------------


def test_bad_submissions_leave_nothing_behind(
    exp: Experiment, source: Path, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="argument 0"):
        exp.submit(ScriptRunConfig(source, "train.py", arguments=[None]))
    with pytest.raises(ValidationError, match="does not exist"):
        exp.submit(ScriptRunConfig(source, "missing.py"))
    with pytest.raises(ValidationError, match=r"expected a runwatch.ScriptRunConfig"):
        exp.submit("train.py")
    with pytest.raises(ValidationError, match="unexpected arguments"):
        exp.submit(ScriptRunConfig(source, "train.py"), wait=True)
    assert list(exp.get_runs()) == []
    assert not list((tmp_path / "ws").rglob("*.zip"))  # no snapshot was stored
    assert not list((tmp_path / "ws").glob("*.agent.lock"))  # no agent was started


def test_queue_run_records_a_queued_run_with_its_definition(exp: Experiment, source: Path) -> None:
    definition = ScriptRunConfig(source, "train.py", arguments=["--a", 1]).to_definition()
    definition["snapshot"] = "abc123"
    run = queue_run(exp, definition, tags={"who": "me"}, properties={"extra": 1})
    assert run.get_status() == RunStatus.QUEUED
    assert run.type == "script"
    assert run.get_properties() == {
        "snapshotId": "abc123",
        "script": "train.py",
        "arguments": "--a 1",
        "extra": 1,
    }
    assert run.get_tags() == {"who": "me"}
    assert exp.workspace.store.get_definition(run.id) == definition
    info = exp.workspace.store.get_run(run.id)
    assert info.start_time is None and info.owner_pid is None
    run.cancel()
    assert run.get_status() == RunStatus.CANCELED


def test_queue_run_of_a_command_records_it_as_the_script(exp: Experiment, source: Path) -> None:
    definition = ScriptRunConfig(source, command=["python", "train.py"]).to_definition()
    definition["snapshot"] = "s"
    run = queue_run(exp, definition)
    assert run.get_properties()["script"] == "python train.py"
    run.cancel()
