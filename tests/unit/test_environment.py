"""Environments: user-managed interpreters, conda dependencies (pip packages into a
virtualenv; conda packages need a conda tool), docker settings, pip requirements, the
registry, run.get_environment(), failed builds, and (slow) a real managed virtualenv
built and reused by submitted scripts."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest
from _waiting import driver_log, wait_final

import runwatch
import runwatch.environment
from runwatch import (
    CondaDependencies,
    ConfigError,
    Environment,
    Run,
    RunStatus,
    ScriptRunConfig,
    ValidationError,
)
from runwatch.submit import _environment


@pytest.fixture
def ws(agent_ws: runwatch.Workspace) -> runwatch.Workspace:
    return agent_ws


def _source(folder: Path, body: str, name: str = "train.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(body))
    return folder


def _wait(run: Run, timeout: float = 60.0) -> list[str]:
    return wait_final(run, timeout)


# --- user-managed ------------------------------------------------------------------------


def test_a_new_environment_is_managed_with_azure_default_dependencies() -> None:
    env = Environment("fresh")
    assert env.version is None
    assert env.python.user_managed_dependencies is False
    assert env.python.pip_packages == []
    conda = env.python.conda_dependencies
    assert conda is not None
    assert conda.pip_packages == ["azureml-defaults"]  # as Azure's; never installed here
    assert conda.get_python_version() == ".".join(map(str, sys.version_info[:3]))
    definition = env.to_definition()
    document = definition.pop("document")
    assert definition == {
        "name": "fresh",
        "user_managed": False,
        "interpreter": sys.executable,
        "pip_packages": [],
        "variables": {},
        "skipped": ["azureml-defaults"],
    }
    assert document["python"]["condaDependencies"] == conda.as_dict()
    # repr is the environment as JSON, as Azure prints it.
    shown = json.loads(repr(env))
    assert shown["name"] == "fresh"
    assert shown["python"]["userManagedDependencies"] is False
    assert str(env) == "Environment(Name: fresh,\nVersion: None)"


@pytest.mark.parametrize("name", ["", None, 3])
def test_environment_name_must_be_a_non_empty_str(name: object) -> None:
    with pytest.raises(ValidationError, match="environment name"):
        Environment(name)  # type: ignore[arg-type]


def test_user_managed_uses_the_current_interpreter() -> None:
    env = Environment("mine")
    env.python.user_managed_dependencies = True
    definition = env.to_definition()
    assert definition["user_managed"] is True
    assert definition["interpreter"] == sys.executable
    assert _environment.prepare(definition, pytest.fail) == sys.executable  # builds nothing
    assert _environment.default_definition()["interpreter"] == sys.executable


def test_interpreter_path_must_exist(tmp_path: Path) -> None:
    env = Environment("elsewhere")
    env.python.user_managed_dependencies = True
    env.python.interpreter_path = str(tmp_path / "bin" / "python9")
    with pytest.raises(ValidationError) as caught:
        env.to_definition()
    assert "'elsewhere'" in str(caught.value)
    assert "python9' does not exist" in str(caught.value)


def test_pip_packages_must_be_a_list_of_str() -> None:
    env = Environment("bad")
    env.python.pip_packages = "six"  # type: ignore[assignment]
    with pytest.raises(ValidationError, match="pip_packages 'six' must be a list"):
        env.to_definition()
    env.python.pip_packages = ["six", 1]  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="pip_packages"):
        env.to_definition()


def test_user_managed_interpreter_path_and_variables_reach_the_script(
    exp: runwatch.Experiment, tmp_path: Path
) -> None:
    # A link to this interpreter is another interpreter path that works.
    link = tmp_path / "bin" / "mypython"
    link.parent.mkdir()
    link.symlink_to(sys.executable)
    env = Environment("linked")
    env.python.user_managed_dependencies = True
    env.python.interpreter_path = str(link)
    env.environment_variables = {"GREETING": "hello", "COUNT": 3}  # type: ignore[dict-item]
    src = _source(
        tmp_path / "src",
        """
        import os, sys
        print("exe", sys.executable)
        print("env", os.environ["GREETING"], os.environ["COUNT"])
        """,
    )
    run = exp.submit(ScriptRunConfig(src, "train.py", environment=env))
    assert _wait(run)[-1] == RunStatus.COMPLETED
    log = driver_log(run)
    assert f"exe {link}" in log
    assert "env hello 3" in log
    assert f"$ {link} train.py" in log


# --- conda dependencies and docker ------------------------------------------------------


def test_conda_dependencies_pip_packages_go_into_the_virtualenv() -> None:
    env = Environment("pip-only")
    conda = CondaDependencies.create(pip_packages=["six==1.17.0", "azureml-core"])
    conda.set_pip_option("--extra-index-url https://example.invalid/simple")
    env.python.conda_dependencies = conda
    env.python.pip_packages = ["fsspec"]
    definition = env.to_definition()
    assert definition["pip_packages"] == ["six==1.17.0", "fsspec"]
    assert definition["skipped"] == ["azureml-core"]
    assert definition["pip_options"] == ["--extra-index-url https://example.invalid/simple"]
    assert "conda" not in definition  # python and pip alone need no conda


def test_conda_packages_without_a_conda_tool_are_refused_with_advice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no micromamba, mamba or conda
    monkeypatch.delenv("MAMBA_EXE", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    env = Environment("c")
    conda = CondaDependencies()
    conda.add_conda_package("scikit-learn==0.22.1")
    conda.add_conda_package("pip")
    env.python.conda_dependencies = conda
    with pytest.raises(ConfigError) as caught:
        env.to_definition()
    message = str(caught.value)
    assert "the conda packages ['scikit-learn==0.22.1']" in message  # not python, not pip
    assert "micromamba" in message
    assert "add_pip_package" in message
    assert "user_managed_dependencies = True" in message
    # Another Python than this one needs conda too.
    other = Environment("py38")
    assert other.python.conda_dependencies is not None
    other.python.conda_dependencies.set_python_version("3.8.13")
    with pytest.raises(ConfigError, match=r"python=3\.8\.13 \(this interpreter is Python"):
        other.to_definition()
    # A user-managed environment installs nothing, so it needs no conda.
    env.python.user_managed_dependencies = True
    with pytest.warns(UserWarning, match="user-managed"):
        assert env.to_definition()["user_managed"] is True


def test_submitting_conda_packages_without_conda_queues_nothing(
    exp: runwatch.Experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("MAMBA_EXE", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    env = Environment("sk")
    env.python.conda_dependencies = CondaDependencies.create(conda_packages=["scikit-learn"])
    src = _source(tmp_path / "src", "print(1)\n")
    with pytest.raises(ConfigError, match=r"conda packages \['scikit-learn'\]"):
        exp.submit(ScriptRunConfig(src, "train.py", environment=env))
    assert list(exp.get_runs()) == []


def test_conda_packages_with_a_conda_tool_make_a_conda_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = tmp_path / "bin" / "micromamba"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tool.parent))
    monkeypatch.delenv("MAMBA_EXE", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    env = Environment("sk")
    conda = CondaDependencies.create(pip_packages=["six"], conda_packages=["scikit-learn"])
    conda.add_pip_package("azureml-defaults")
    env.python.conda_dependencies = conda
    spec = env.to_definition()["conda"]
    assert spec["channels"] == ["anaconda", "conda-forge"]
    python, *packages, pip = spec["dependencies"]
    assert python.startswith("python=")
    assert packages == ["scikit-learn", "pip"]
    assert pip == {"pip": ["six"]}  # Azure's own package left out


def test_a_conda_environment_is_built_with_the_tool_on_path_and_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in micromamba (no real one here): it records its arguments and makes the
    # prefix a virtualenv of this interpreter, which is what the build needs after it.
    calls = tmp_path / "calls.txt"
    tool = tmp_path / "bin" / "micromamba"
    tool.parent.mkdir()
    tool.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        'while [ "$1" != "--prefix" ]; do shift; done\n'
        f'exec {sys.executable} -m venv --without-pip "$2"\n'
    )
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("RUNWATCH_ENV_CACHE", str(tmp_path / "envs"))
    env = Environment("sk")
    env.python.conda_dependencies = CondaDependencies.create(conda_packages=["scikit-learn"])
    definition = env.to_definition()
    lines: list[str] = []
    # The stand-in made no pip, so the build stops at installing runwatch's needs.
    with pytest.raises(ConfigError, match="building the environment failed"):
        _environment.prepare(definition, lines.append)
    assert lines[0].startswith(f"building conda environment 'sk' in {tmp_path / 'envs'}")
    assert "not installing azureml-defaults" in lines[1]
    created = calls.read_text().split()
    assert created[:3] == ["create", "--yes", "--prefix"]
    spec_file = Path(created[created.index("--file") + 1])
    assert "scikit-learn" in spec_file.read_text()
    root = Path(created[created.index("--prefix") + 1])
    assert root.name.startswith("conda-")
    (root / ".complete").write_text("{}")
    lines.clear()
    assert _environment.prepare(definition, lines.append) == str(root / "bin" / "python")
    assert lines == [f"using the cached environment {root}"]


def test_docker_settings_have_azure_defaults_and_enabling_is_refused() -> None:
    env = Environment("d")
    docker = env.docker
    assert docker.enabled is False
    assert docker.base_image == "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20251130.v1"
    assert docker.base_image == runwatch.environment.DEFAULT_CPU_IMAGE
    assert docker.base_image_registry.address is None
    assert docker.shared_volumes is True
    assert docker.shm_size == "2g"
    assert docker.arguments == []
    docker.base_dockerfile = "FROM ubuntu:22.04\n"
    assert docker.base_image is None  # one or the other, as in Azure
    docker.base_image = "ubuntu:22.04"
    assert docker.base_dockerfile is None
    env.to_definition()  # an image alone changes nothing here
    docker.enabled = True
    with pytest.raises(ConfigError) as caught:
        env.to_definition()
    message = str(caught.value)
    assert "'d' asks for Docker" in message
    assert "docker.enabled = False" in message
    assert "user-managed interpreter" in message


def test_submitting_a_docker_environment_queues_nothing(
    exp: runwatch.Experiment, tmp_path: Path
) -> None:
    env = Environment("d")
    env.docker.enabled = True
    src = _source(tmp_path / "src", "print(1)\n")
    with pytest.raises(ConfigError, match="Docker"):
        exp.submit(ScriptRunConfig(src, "train.py", environment=env))
    assert list(exp.get_runs()) == []


# --- pip requirements ----------------------------------------------------------------------


def test_from_pip_requirements_reads_packages(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(
        "# the model\n\nscikit-learn>=1.3\n   six==1.17.0   \n\t\n#numpy\n"
        "requests[socks] ; python_version >= '3.8'\n"
    )
    env = Environment.from_pip_requirements("req", path)
    assert env.name == "req"
    assert env.python.user_managed_dependencies is False
    conda = env.python.conda_dependencies
    assert conda is not None
    # As Azure: the file is the pip section, and conda's pip package is listed.
    assert conda.pip_packages == [
        "scikit-learn>=1.3",
        "six==1.17.0",
        "requests[socks] ; python_version >= '3.8'",
    ]
    assert "pip" in conda.conda_packages
    assert env.to_definition()["pip_packages"] == conda.pip_packages  # no conda needed
    pinned = Environment.from_pip_requirements("s", str(path), pip_version="24.0")
    assert pinned.python.conda_dependencies is not None
    assert "pip=24.0" in pinned.python.conda_dependencies.conda_packages


def test_from_pip_requirements_drops_inline_comments(tmp_path: Path) -> None:
    # pip's own format: " #" starts a comment anywhere on a line; pip would
    # refuse "six==1.17.0  # compat" as a requirement.
    path = tmp_path / "requirements.txt"
    path.write_text("six==1.17.0  # compat\n")
    env = Environment.from_pip_requirements("req", path)
    assert env.python.conda_dependencies is not None
    assert env.python.conda_dependencies.pip_packages == ["six==1.17.0"]


def test_from_pip_requirements_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("# nothing\n")
    conda = Environment.from_pip_requirements("e", path).python.conda_dependencies
    assert conda is not None
    assert conda.pip_packages == []


def test_from_pip_requirements_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"requirements file .*nope\.txt' does not exist"):
        Environment.from_pip_requirements("e", tmp_path / "nope.txt")


# --- managed environments: the cache ------------------------------------------------------


def test_prepare_keys_the_cache_and_uses_a_complete_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWATCH_ENV_CACHE", str(tmp_path / "envs"))
    env = Environment("cached")
    env.python.conda_dependencies = None
    env.python.pip_packages = ["six", "fsspec"]
    # An interpreter that does not exist makes prepare() stop right after saying where it builds.
    definition = dict(env.to_definition(), interpreter=str(tmp_path / "no-python"))

    def root_of(definition: dict[str, object]) -> Path:
        lines: list[str] = []
        with pytest.raises(FileNotFoundError):
            _environment.prepare(definition, lines.append)
        prefix = f"building environment {definition['name']!r} in "
        assert lines[0].startswith(prefix)
        return Path(lines[0][len(prefix) :])

    root = root_of(definition)
    assert root.parent == tmp_path / "envs"
    assert not (root / ".complete").exists()  # an unfinished build is not reused
    assert root_of(dict(definition, pip_packages=["fsspec", "six"])) == root  # order is no matter
    assert root_of(dict(definition, name="renamed")) == root  # the name is no part of the key
    assert root_of(dict(definition, pip_packages=["six"])) != root
    assert root_of(dict(definition, interpreter=str(tmp_path / "other"))) != root

    root.mkdir(parents=True)
    (root / ".complete").write_text("{}")
    lines: list[str] = []
    assert _environment.prepare(definition, lines.append) == str(root / "bin" / "python")
    assert lines == [f"using the cached environment {root}"]


def test_environment_cache_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWATCH_ENV_CACHE", str(tmp_path / "x"))
    from runwatch.core import _settings

    assert _settings.environment_cache() == str(tmp_path / "x")
    monkeypatch.delenv("RUNWATCH_ENV_CACHE")
    assert _settings.environment_cache() == os.path.join(
        os.path.expanduser("~"), ".cache", "runwatch", "envs"
    )


# --- a real managed environment (slow) ------------------------------------------------------

_USES_SIX = """
import sys
import six
from runwatch import Run

run = Run.get_context()
run.log("six_version", six.__version__)
print("python", sys.executable)
print("six from", six.__file__)
"""


@pytest.mark.slow
def test_managed_environment_is_built_once_and_reused(
    exp: runwatch.Experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "envs"
    monkeypatch.setenv("RUNWATCH_ENV_CACHE", str(cache))
    src = _source(tmp_path / "src", _USES_SIX)
    env = Environment("with-six")
    conda = CondaDependencies()
    conda.add_pip_package("six")
    env.python.conda_dependencies = conda
    config = ScriptRunConfig(src, "train.py", environment=env)

    first = exp.submit(config)
    seen = _wait(first, timeout=180)
    assert seen[-1] == RunStatus.COMPLETED, driver_log(first)
    assert [s for s in seen if s != RunStatus.FINALIZING][-3:] == [
        RunStatus.PREPARING,
        RunStatus.RUNNING,
        RunStatus.COMPLETED,
    ], seen
    log = driver_log(first)
    assert "building environment 'with-six'" in log
    assert "not installing azureml-defaults" in log  # Azure's default pip package
    assert "environment ready" in log
    assert f"python {cache}" in log  # the script ran in the managed virtualenv...
    assert f"six from {cache}" in log  # ...and imported six installed there
    assert first.get_metrics("six_version") == {"six_version": "1.17.0"}
    assert len(list(cache.glob("*/.complete"))) == 1

    second = exp.submit(config)
    assert _wait(second, timeout=60)[-1] == RunStatus.COMPLETED, driver_log(second)
    log2 = driver_log(second)
    assert "using the cached environment" in log2
    assert "building environment" not in log2
    assert f"six from {cache}" in log2

    def preparing(run: Run) -> float:
        info = run.info
        assert info.start_time is not None
        return info.start_time - info.created_time

    assert preparing(second) < preparing(first) / 2, (preparing(first), preparing(second))
    assert len(list(cache.iterdir())) == 1  # reused, not rebuilt


def test_a_failed_build_fails_the_run_and_is_not_cached(
    exp: runwatch.Experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "envs"
    monkeypatch.setenv("RUNWATCH_ENV_CACHE", str(cache))
    # A base interpreter that cannot make a virtualenv: the build's first step fails.
    broken = tmp_path / "bin" / "python-broken"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'no venv here' >&2\nexit 3\n")
    broken.chmod(0o755)
    src = _source(tmp_path / "src", "print('never')\n")
    env = Environment("broken")
    env.python.interpreter_path = str(broken)
    env.python.pip_packages = ["six"]
    run = exp.submit(ScriptRunConfig(src, "train.py", environment=env))
    assert _wait(run)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error["code"] == "SystemError"
    assert error["type"] == "ConfigError"
    assert "building the environment failed" in error["message"]
    assert "exited with 3" in error["message"]
    log = driver_log(run)
    assert "no venv here" in log  # the build's output is in the run's log
    assert "runwatch could not run the script" in log
    assert "never" not in log
    assert not list(cache.glob("*/.complete"))


# --- the registry ---------------------------------------------------------------------------


def test_register_versions_get_and_list(ws: runwatch.Workspace) -> None:
    env = Environment("myenv")
    conda = CondaDependencies()
    conda.add_conda_package("scikit-learn==0.22.1")
    conda.add_pip_package("pillow==6.2.1")
    env.python.conda_dependencies = conda
    env.environment_variables = {"SEED": "7"}
    first = env.register(workspace=ws)
    assert first.version == "1"  # a str, as Azure's
    assert env.version is None  # the registered copy is returned
    assert first.python.conda_dependencies == conda
    assert first.environment_variables == {"SEED": "7"}
    env.python.user_managed_dependencies = True
    second = env.register(ws)
    assert second.version == "2"

    latest = Environment.get(workspace=ws, name="myenv")
    assert (latest.version, latest.python.user_managed_dependencies) == ("2", True)
    restored = Environment.get(workspace=ws, name="myenv", version="1")
    assert restored.version == "1"
    assert restored.python.user_managed_dependencies is False
    assert restored.python.conda_dependencies == conda
    assert Environment.get(ws, "myenv", version=1).version == "1"
    assert json.loads(repr(restored))["version"] == "1"

    listed = Environment.list(workspace=ws)
    assert listed["myenv"].version == "2"
    assert "AzureML-Minimal" in listed  # a few curated names, so loops print something
    assert {name: e.version for name, e in ws.environments.items()} == {
        name: e.version for name, e in listed.items()
    }


def test_get_of_unknown_names_and_versions(ws: runwatch.Workspace) -> None:
    from runwatch.errors import AssetNotFoundError

    Environment("known").register(ws)
    with pytest.raises(AssetNotFoundError) as caught:
        Environment.get(ws, "unknown")
    assert "'unknown'" in str(caught.value)
    assert "['known']" in str(caught.value)
    with pytest.raises(AssetNotFoundError, match="'known' has no version '5'; its versions are 1"):
        Environment.get(ws, "known", version="5")
    with pytest.raises(ValidationError, match="version 'latest' must be a version number"):
        Environment.get(ws, "known", version="latest")
    with pytest.raises(ValidationError, match="labels are not supported"):
        Environment.get(ws, "known", label="prod")


def test_curated_names_stand_for_the_submitting_interpreter(
    ws: runwatch.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runwatch.tracking import _environments

    monkeypatch.setattr(_environments, "_curated_warned", False)
    with pytest.warns(UserWarning, match="curated environments, which have no images here"):
        curated = Environment.get(workspace=ws, name="AzureML-Minimal")
    assert curated.name == "AzureML-Minimal"
    assert curated.python.user_managed_dependencies is True
    assert curated.python.conda_dependencies is None  # runwatch installs nothing for it
    assert curated.to_definition()["interpreter"] == sys.executable
    sklearn = Environment.get(ws, name="azureml-sklearn-1.5")  # warned once only
    assert sklearn.python.user_managed_dependencies is True
    with pytest.raises(ValidationError, match="curated"):
        Environment("AzureML-Mine").register(ws)


def test_clone_and_save_to_directory(tmp_path: Path) -> None:
    env = Environment("saved")
    assert env.python.conda_dependencies is not None
    env.python.conda_dependencies.add_pip_package("six")
    env.docker.shm_size = "4g"
    env.save_to_directory(tmp_path / "env")
    assert sorted(p.name for p in (tmp_path / "env").iterdir()) == [
        "azureml_environment.json",
        "conda_dependencies.yml",
    ]
    loaded = Environment.load_from_directory(tmp_path / "env")
    assert repr(loaded) == repr(env)
    with pytest.raises(ValidationError, match="overwrite=True"):
        env.save_to_directory(tmp_path / "env")
    env.save_to_directory(tmp_path / "env", overwrite=True)
    copy = env.clone("copy")
    assert copy.name == "copy"
    assert copy.python.conda_dependencies == env.python.conda_dependencies
    assert copy.python.conda_dependencies is not env.python.conda_dependencies


def test_from_conda_specification(tmp_path: Path) -> None:
    path = tmp_path / "env.yml"
    path.write_text("name: x\ndependencies:\n  - pip:\n    - six\n")
    env = Environment.from_conda_specification("spec", str(path))
    assert env.python.conda_dependencies is not None
    assert env.python.conda_dependencies.pip_packages == ["six"]
    # No Python in the file: this interpreter's, so no conda is needed.
    assert env.python.conda_dependencies.get_python_version() == ".".join(
        map(str, sys.version_info[:3])
    )
    assert env.to_definition()["pip_packages"] == ["six"]


def test_from_existing_conda_environment_needs_a_conda_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("MAMBA_EXE", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    with pytest.raises(ConfigError, match="needs micromamba, mamba or conda on PATH"):
        Environment.from_existing_conda_environment("e", "base")


# --- run.get_environment() ------------------------------------------------------------------


def test_get_environment_of_a_submitted_run(exp: runwatch.Experiment, tmp_path: Path) -> None:
    env = Environment("mine")
    env.python.user_managed_dependencies = True
    env.environment_variables = {"GREETING": "hi"}
    src = _source(tmp_path / "src", "print('ok')\n")
    run = exp.submit(ScriptRunConfig(src, "train.py", environment=env))
    used = run.get_environment()
    assert used.name == "mine"
    assert used.python.user_managed_dependencies is True
    assert used.environment_variables == {"GREETING": "hi"}
    assert repr(used) == repr(env)
    # Fetched again from the store, as another process would.
    assert repr(Run.get(exp.workspace, run.id).get_environment()) == repr(env)
    default = exp.submit(ScriptRunConfig(src, "train.py")).get_environment()
    assert default.name == "default"
    assert default.python.user_managed_dependencies is True
    assert _wait(run)[-1] == RunStatus.COMPLETED


def test_get_environment_of_a_logged_run_is_a_clear_error(exp: runwatch.Experiment) -> None:
    from runwatch import RunStateError

    with exp.start_logging() as run:
        pass
    with pytest.raises(RunStateError, match="was not submitted with a ScriptRunConfig"):
        run.get_environment()


_USES_SIX_AND_VARIABLES = """
import os
import six
print("six", six.__version__, "from", six.__file__)
print("seed", os.environ["SEED"])
"""


@pytest.mark.slow
def test_conda_dependencies_pip_packages_really_run_a_script(
    exp: runwatch.Experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "envs"
    monkeypatch.setenv("RUNWATCH_ENV_CACHE", str(cache))
    env = Environment("myenv")
    conda = CondaDependencies.create(pip_packages=["six", "azureml-defaults"])
    env.python.conda_dependencies = conda
    src = _source(tmp_path / "src", _USES_SIX_AND_VARIABLES)
    config = ScriptRunConfig(src, "train.py")
    config.run_config.environment = env  # what is submitted follows run_config
    config.run_config.environment_variables = {"SEED": "11"}
    run = exp.submit(config)
    assert _wait(run, timeout=180)[-1] == RunStatus.COMPLETED, driver_log(run)
    log = driver_log(run)
    assert "building environment 'myenv'" in log
    assert "not installing azureml-defaults" in log
    assert f"from {cache}" in log  # six came from the managed environment
    assert "seed 11" in log
    assert run.get_environment().python.conda_dependencies == conda


def test_conda_dependencies_of_a_user_managed_environment_are_not_installed() -> None:
    env = Environment("mine")
    env.python.user_managed_dependencies = True
    env.to_definition()  # Azure's default dependencies: nothing to say
    assert env.python.conda_dependencies is not None
    env.python.conda_dependencies.add_pip_package("six")
    with pytest.warns(UserWarning, match="user-managed, so its conda_dependencies are not"):
        definition = env.to_definition()
    assert definition["pip_packages"] == []
