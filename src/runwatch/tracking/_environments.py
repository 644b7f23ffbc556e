"""Environments as `azureml.core.environment` describes them, and their registry.

An `Environment` says which Python runs a submitted script: an existing
interpreter (`python.user_managed_dependencies = True`) or one runwatch builds
from `python.conda_dependencies` (pip packages into a virtualenv; conda packages
need micromamba, mamba or conda on PATH). `to_definition()` checks what this
machine can build and describes it as JSON; `runwatch.submit._environment`
builds it. Environments are registered, versioned "1", "2", ..., in the
workspace's asset registry. Azure's curated environments ("AzureML-Minimal",
...) have no images here: they stand for the submitting interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwatch.core._values import short_repr
from runwatch.errors import AssetNotFoundError, ConfigError, ValidationError
from runwatch.tracking._conda import (
    CondaDependencies,
    current_python_version,
    find_conda,
    is_sdk_package,
    package_name,
)

if TYPE_CHECKING:
    from runwatch.core._records import AssetInfo
    from runwatch.tracking._workspace import Workspace

# Azure's default images (a run here never uses them; they are what Azure code reads).
DEFAULT_CPU_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20251130.v1"
DEFAULT_GPU_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.8-cudnn8-ubuntu22.04"
DEFAULT_SHM_SIZE = "2g"

ASSET_KIND = "environment"
# Azure's reserved prefix of curated environments, and a few of their well-known names.
CURATED_PREFIX = "azureml-"
CURATED = ("AzureML-Minimal", "AzureML-Tutorial", "azureml-sklearn-1.5")
# The files of `save_to_directory`, named as Azure names them.
DEFINITION_FILE = "azureml_environment.json"
CONDA_FILE = "conda_dependencies.yml"
# Conda packages a virtualenv has without conda.
_NOT_CONDA_ONLY = ("python", "pip")

_curated_warned = False


class ContainerRegistry:
    """`docker.base_image_registry`: where a base image comes from (unused locally)."""

    def __init__(self) -> None:
        self.address: str | None = None
        self.username: str | None = None
        self.password: str | None = None

    def __repr__(self) -> str:
        return f"ContainerRegistry(address={self.address!r}, username={self.username!r})"


class DockerImagePlatform:
    def __init__(self) -> None:
        self.os = "Linux"
        self.architecture = "amd64"


class DockerSection:
    """`environment.docker`: Azure's settings and defaults, kept so Azure code reads and
    sets them. runwatch runs no containers: submitting with `enabled = True` is refused."""

    def __init__(self) -> None:
        self.enabled = False
        self._base_image: str | None = DEFAULT_CPU_IMAGE
        self._base_dockerfile: str | None = None
        self.build_context: Any = None
        self.base_image_registry = ContainerRegistry()
        self.platform = DockerImagePlatform()
        self.shared_volumes = True
        self.shm_size: str | None = DEFAULT_SHM_SIZE
        self.arguments: list[str] = []

    @property
    def base_image(self) -> str | None:
        return self._base_image

    @base_image.setter
    def base_image(self, value: str | None) -> None:
        self._base_image = value or None
        if value:
            self._base_dockerfile = None  # one or the other, as in Azure

    @property
    def base_dockerfile(self) -> str | None:
        return self._base_dockerfile

    @base_dockerfile.setter
    def base_dockerfile(self, value: str | None) -> None:
        self._base_dockerfile = value or None
        if value:
            self._base_image = None

    @property
    def gpu_support(self) -> bool:
        return True


class PythonSection:
    """`environment.python`: the interpreter and the packages.

    `interpreter_path` None is the submitting interpreter (a managed environment
    is built from it). `pip_packages` is runwatch's shorthand for pip packages
    besides those of `conda_dependencies`.
    """

    def __init__(self) -> None:
        self.user_managed_dependencies = False
        self.interpreter_path: str | None = None
        self.conda_dependencies: CondaDependencies | None = CondaDependencies()
        self.pip_packages: list[str] = []


class Environment:
    """A named Python environment for submitted scripts.

    >>> env = Environment("sklearn")
    >>> env.python.conda_dependencies.add_pip_package("scikit-learn")
    >>> env.python.user_managed_dependencies = True   # or: use an existing interpreter
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValidationError(f"environment name {short_repr(name)} must be a non-empty str")
        self.name = name
        self.version: str | None = None
        self.python = PythonSection()
        self.docker = DockerSection()
        self.environment_variables: dict[str, str] = {}
        self.inferencing_stack_version: str | None = None

    # --- construction -------------------------------------------------------------
    @classmethod
    def from_pip_requirements(
        cls, name: str, file_path: str | os.PathLike[str], pip_version: str | None = None
    ) -> Environment:
        """A managed environment whose pip section is a pip requirements file's lines."""
        path = Path(file_path)
        if not path.is_file():
            raise ValidationError(f"requirements file {str(file_path)!r} does not exist")
        env = cls(name)
        # pip's own rules: a comment starts at '#' after whitespace (or at line start).
        lines = (
            re.sub(r"(^|\s)#.*$", "", line).strip() for line in path.read_text("utf-8").splitlines()
        )
        conda = env.python.conda_dependencies
        assert conda is not None
        conda.set_pip_requirements([line for line in lines if line])
        conda.add_conda_package(f"pip={pip_version}" if pip_version else "pip")
        return env

    @classmethod
    def from_conda_specification(cls, name: str, file_path: str | os.PathLike[str]) -> Environment:
        """A managed environment from a conda environment YAML file.

        Its pip packages go into a virtualenv; real conda packages need micromamba,
        mamba or conda on PATH when the environment is submitted.
        """
        conda = CondaDependencies(file_path)
        if conda.get_python_version() is None:
            conda.set_python_version(current_python_version())
        env = cls(name)
        env.python.conda_dependencies = conda
        return env

    @classmethod
    def from_existing_conda_environment(cls, name: str, conda_environment_name: str) -> Environment:
        """A managed environment with the packages of an existing conda environment."""
        tool = find_conda()
        if tool is None:
            raise ConfigError(
                f"Environment.from_existing_conda_environment({conda_environment_name!r}) "
                "needs micromamba, mamba or conda on PATH and none is; export the environment "
                "elsewhere (conda env export) and use Environment.from_conda_specification, or "
                "run on its interpreter: python.user_managed_dependencies = True with "
                "python.interpreter_path = '<env>/bin/python'"
            )
        command = [tool, "env", "export", "-n", conda_environment_name]
        if Path(tool).name != "micromamba":
            command.append("--no-builds")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ConfigError(
                f"exporting the conda environment {conda_environment_name!r} failed "
                f"({' '.join(command)} exited with {done.returncode}): {done.stderr.strip()}"
            )
        import yaml

        document = yaml.safe_load(done.stdout)
        conda = CondaDependencies(_underlying_structure=document)
        env = cls(name)
        env.python.conda_dependencies = conda
        return env

    def clone(self, new_name: str) -> Environment:
        """A copy under another name, not registered."""
        env = Environment._from_document(self._document())
        env.name = Environment(new_name).name
        env.version = None
        return env

    # --- the registry ---------------------------------------------------------------
    def register(self, workspace: Workspace) -> Environment:
        """Register this environment in `workspace` as the next version of its name;
        returns the registered environment (`version` "1", "2", ...)."""
        if self.name.lower().startswith(CURATED_PREFIX):
            raise ValidationError(
                f"environment name {self.name!r}: names starting with 'AzureML-' are Azure's "
                "curated environments; choose another name"
            )
        document = self._document()
        document.pop("version", None)
        return Environment._from_asset(
            workspace.store.register_asset(ASSET_KIND, self.name, document)
        )

    @staticmethod
    def get(
        workspace: Workspace,
        name: str,
        version: str | int | None = None,
        label: str | None = None,
    ) -> Environment:
        """The registered environment `name` (its latest version, or `version`).

        A curated name ("AzureML-Minimal", any name starting with "AzureML-") has no
        image here: it gives a user-managed environment on the submitting
        interpreter, whatever packages that has (said once in a warning).
        """
        if label is not None:
            raise ValidationError("Environment.get: labels are not supported; pass version=")
        if not isinstance(name, str) or not name:
            raise ValidationError(f"environment name {short_repr(name)} must be a non-empty str")
        if name.lower().startswith(CURATED_PREFIX):
            _warn_curated(name)
            return _curated(name)
        number = _version_number(version)
        store = workspace.store
        try:
            return Environment._from_asset(store.get_asset(ASSET_KIND, name, number))
        except AssetNotFoundError:
            versions = [str(a.version) for a in store.list_assets(ASSET_KIND, name)]
            if versions:
                raise AssetNotFoundError(
                    f"environment {name!r} has no version {str(version)!r}; its versions are "
                    f"{', '.join(versions)}"
                ) from None
            names = sorted({a.name for a in store.list_assets(ASSET_KIND)})
            raise AssetNotFoundError(
                f"no environment named {name!r} is registered in this workspace; registered: "
                f"{names or 'none'} (and Azure's curated names such as {CURATED[0]!r})"
            ) from None

    @staticmethod
    def list(workspace: Workspace) -> dict[str, Environment]:
        """Name -> latest version of each registered environment, and a few of Azure's
        curated names (which stand for the submitting interpreter here)."""
        found = {name: _curated(name) for name in CURATED}
        for info in workspace.store.list_assets(ASSET_KIND):  # by name, then version
            found[info.name] = Environment._from_asset(info)
        return found

    # --- files ----------------------------------------------------------------------
    def save_to_directory(self, path: str | os.PathLike[str], overwrite: bool = False) -> None:
        """Write the environment as Azure does: a JSON definition and a conda file."""
        folder = Path(path)
        if folder.exists() and not overwrite:
            raise ValidationError(f"folder {str(folder)!r} exists; pass overwrite=True to replace")
        folder.mkdir(parents=True, exist_ok=True)
        document = self._document()
        if self.python.conda_dependencies is not None:
            self.python.conda_dependencies.save(folder / CONDA_FILE)
            del document["python"]["condaDependencies"]
        (folder / DEFINITION_FILE).write_text(json.dumps(document, indent=4), encoding="utf-8")

    @staticmethod
    def load_from_directory(path: str | os.PathLike[str]) -> Environment:
        """The environment `save_to_directory` wrote (or Azure's, in the same format)."""
        folder = Path(path)
        definition = folder / DEFINITION_FILE
        if not definition.is_file():
            raise ValidationError(f"{str(definition)!r} does not exist")
        try:
            document = json.loads(definition.read_text("utf-8"))
        except json.JSONDecodeError as error:
            raise ValidationError(f"{str(definition)!r} is not valid JSON: {error}") from None
        env = Environment._from_document(document)
        if (folder / CONDA_FILE).is_file():
            env.python.conda_dependencies = CondaDependencies(folder / CONDA_FILE)
        return env

    # --- what to build --------------------------------------------------------------
    def to_definition(self) -> dict[str, Any]:
        """A JSON-ready description of what to build, checked for what this machine can run."""
        if self.docker.enabled:
            raise ConfigError(
                f"environment {self.name!r} asks for Docker (docker.enabled = True), which "
                "runwatch does not run; set docker.enabled = False to build it as a local "
                "managed environment, or use a user-managed interpreter"
            )
        extra = self.python.pip_packages
        if not isinstance(extra, list) or not all(isinstance(p, str) for p in extra):
            raise ValidationError(
                f"environment {self.name!r}: python.pip_packages {short_repr(extra)} must "
                "be a list of requirement strings"
            )
        conda = self.python.conda_dependencies
        if conda is not None and not isinstance(conda, CondaDependencies):
            raise ValidationError(
                f"environment {self.name!r}: python.conda_dependencies {short_repr(conda)} "
                "must be a runwatch CondaDependencies"
            )
        definition: dict[str, Any] = {
            "name": self.name,
            "user_managed": bool(self.python.user_managed_dependencies),
            "interpreter": self._interpreter(),
            "pip_packages": list(extra),
            "variables": {str(k): str(v) for k, v in self.environment_variables.items()},
        }
        if not definition["user_managed"] and conda is not None:
            definition.update(self._managed(conda, definition))
        elif conda is not None and conda != CondaDependencies():
            warnings.warn(
                f"environment {self.name!r} is user-managed, so its conda_dependencies are not "
                "installed; set python.user_managed_dependencies = False to build them",
                stacklevel=3,
            )
        document = self._document()
        if document != _DEFAULT_DOCUMENT:
            definition["document"] = document
        return definition

    def _interpreter(self) -> str:
        path = self.python.interpreter_path
        if path is None:
            return sys.executable
        found = shutil.which(path) if os.sep not in path else path
        if found is None or not Path(found).is_file():
            raise ValidationError(
                f"environment {self.name!r}: python.interpreter_path {path!r} does not exist"
            )
        return found

    def _managed(self, conda: CondaDependencies, definition: dict[str, Any]) -> dict[str, Any]:
        """The pip packages (less Azure's SDK), pip options, and a conda spec if needed."""
        found: dict[str, Any] = {}
        skipped = [p for p in conda.pip_packages + conda.conda_packages if is_sdk_package(p)]
        pip = [p for p in conda.pip_packages if not is_sdk_package(p)]
        definition["pip_packages"] = pip + definition["pip_packages"]
        if conda.pip_options:
            found["pip_options"] = conda.pip_options
        if skipped:
            found["skipped"] = skipped
        conda_only = [
            p
            for p in conda.conda_packages
            if package_name(p) not in _NOT_CONDA_ONLY and not is_sdk_package(p)
        ]
        reasons = [f"the conda packages {conda_only}"] if conda_only else []
        wanted = conda.get_python_version()
        if (
            wanted is not None
            and self.python.interpreter_path is None
            and _minor(wanted) != _minor(current_python_version())
        ):
            reasons.append(
                f"python={wanted} (this interpreter is Python {current_python_version()})"
            )
        if not reasons:
            return found
        if find_conda() is None:
            raise ConfigError(
                f"environment {self.name!r} needs conda for {' and '.join(reasons)}, and none of "
                "micromamba, mamba or conda is on PATH. Install micromamba and submit again; "
                "or list the packages as pip packages (conda_dependencies.add_pip_package(...) "
                "or python.pip_packages) and remove them from the conda packages, for a "
                "virtualenv runwatch builds from this interpreter; or set "
                "python.user_managed_dependencies = True to run on an existing interpreter"
            )
        spec = conda.as_dict()
        packages = [p for p in spec.get("dependencies") or [] if isinstance(p, str)]
        packages = [p for p in packages if not is_sdk_package(p)]
        if not any(package_name(p) == "pip" for p in packages):
            packages.append("pip")
        pip_section = conda.pip_options + definition["pip_packages"]
        spec["dependencies"] = packages + ([{"pip": pip_section}] if pip_section else [])
        spec.pop("prefix", None)
        found["conda"] = spec
        return found

    # --- serialization ----------------------------------------------------------------
    def _document(self) -> dict[str, Any]:
        """The environment as JSON, in the camelCase keys of Azure's definition."""
        docker, registry = self.docker, self.docker.base_image_registry
        conda = self.python.conda_dependencies
        return {
            "name": self.name,
            "version": self.version,
            "environmentVariables": {str(k): str(v) for k, v in self.environment_variables.items()},
            "python": {
                "userManagedDependencies": bool(self.python.user_managed_dependencies),
                "interpreterPath": self.python.interpreter_path,
                "condaDependencies": conda.as_dict() if conda is not None else None,
                "pipPackages": list(self.python.pip_packages),
            },
            "docker": {
                "enabled": bool(docker.enabled),
                "baseImage": docker.base_image,
                "baseDockerfile": docker.base_dockerfile,
                "sharedVolumes": docker.shared_volumes,
                "shmSize": docker.shm_size,
                "arguments": list(docker.arguments),
                "baseImageRegistry": {
                    "address": registry.address,
                    "username": registry.username,
                    "password": registry.password,
                },
                "platform": {
                    "os": docker.platform.os,
                    "architecture": docker.platform.architecture,
                },
            },
            "inferencingStackVersion": self.inferencing_stack_version,
        }

    @staticmethod
    def _from_document(document: dict[str, Any]) -> Environment:
        """An environment from `_document()`'s JSON (missing keys keep their defaults)."""
        env = Environment(str(document.get("name") or "environment"))
        version = document.get("version")
        env.version = None if version is None else str(version)
        env.environment_variables = dict(document.get("environmentVariables") or {})
        env.inferencing_stack_version = document.get("inferencingStackVersion")
        python = document.get("python") or {}
        env.python.user_managed_dependencies = bool(python.get("userManagedDependencies", False))
        env.python.interpreter_path = python.get("interpreterPath")
        if "condaDependencies" in python:
            inline = python["condaDependencies"]
            env.python.conda_dependencies = (
                None if inline is None else CondaDependencies(_underlying_structure=inline)
            )
        env.python.pip_packages = list(python.get("pipPackages") or [])
        docker = document.get("docker") or {}
        section = env.docker
        section.enabled = bool(docker.get("enabled", False))
        if "baseImage" in docker:
            section.base_image = docker["baseImage"]
        section.base_dockerfile = docker.get("baseDockerfile")
        section.shared_volumes = bool(docker.get("sharedVolumes", True))
        section.shm_size = docker.get("shmSize", DEFAULT_SHM_SIZE)
        section.arguments = list(docker.get("arguments") or [])
        registry = docker.get("baseImageRegistry") or {}
        for key in ("address", "username", "password"):
            setattr(section.base_image_registry, key, registry.get(key))
        platform = docker.get("platform") or {}
        section.platform.os = platform.get("os", "Linux")
        section.platform.architecture = platform.get("architecture", "amd64")
        return env

    @staticmethod
    def _from_asset(info: AssetInfo) -> Environment:
        env = Environment._from_document({**info.document, "name": info.name})
        env.version = str(info.version)
        return env

    def __repr__(self) -> str:
        return json.dumps(self._document(), indent=4, sort_keys=True)

    def __str__(self) -> str:
        return f"Environment(Name: {self.name},\nVersion: {self.version})"


def default_environment() -> Environment:
    """No environment given: the submitting interpreter, as Azure's local runs do."""
    env = Environment("default")
    env.python.user_managed_dependencies = True
    env.python.conda_dependencies = None
    return env


_DEFAULT_DOCUMENT = default_environment()._document()


def default_definition() -> dict[str, Any]:
    return default_environment().to_definition()


def environment_of_definition(definition: dict[str, Any]) -> Environment:
    """The environment a run's stored definition was built from."""
    if "document" in definition:
        return Environment._from_document(definition["document"])
    env = default_environment()
    env.name = str(definition.get("name") or env.name)
    env.python.user_managed_dependencies = bool(definition.get("user_managed", True))
    env.python.pip_packages = list(definition.get("pip_packages") or [])
    env.environment_variables = dict(definition.get("variables") or {})
    return env


def _curated(name: str) -> Environment:
    env = Environment(name)
    env.python.user_managed_dependencies = True
    env.python.conda_dependencies = None
    return env


def _warn_curated(name: str) -> None:
    global _curated_warned
    if not _curated_warned:
        _curated_warned = True
        warnings.warn(
            f"{name!r} is one of Azure's curated environments, which have no images here: "
            f"runwatch runs it on the submitting interpreter ({sys.executable}) with the "
            "packages installed there",
            stacklevel=3,
        )


def _version_number(version: str | int | None) -> int | None:
    if version is None:
        return None
    text = str(version).strip()
    if isinstance(version, bool) or not text.isdigit() or int(text) < 1:
        raise ValidationError(
            f"environment version {short_repr(version)} must be a version number such as '1'"
        )
    return int(text)


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])
