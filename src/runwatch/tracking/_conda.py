"""`CondaDependencies`: a conda environment file (name, channels, dependencies with a
pip section), as `azureml.core.conda_dependencies` has it.

The document is kept as plain dicts and lists in the order of a conda YAML file.
A new object starts as Azure's does: this interpreter's Python, the pip package
`azureml-defaults` (which runwatch never installs), the anaconda and
conda-forge channels. `find_conda()` says which conda-compatible tool is on PATH.
"""

from __future__ import annotations

import copy
import os
import platform
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from runwatch.core._values import short_repr
from runwatch.errors import ValidationError

CHANNELS = "channels"
PACKAGES = "dependencies"
PIP = "pip"
_KEYS = ("name", "channels", "dependencies", "prefix", "variables")
_VERSION = re.compile(r"(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$")
# The operators that end a package's name in a pip or conda requirement.
_NAME_END = re.compile(r"[\[=<>~!]")
# Conda tools runwatch can build an environment with, in the order it looks for them.
CONDA_TOOLS = ("micromamba", "mamba", "conda")
# Packages of Azure ML's own SDK: an Azure environment lists them, runwatch skips them.
SDK_PREFIX = "azureml"


def current_python_version() -> str:
    """This interpreter's version, as a conda pin writes it ("3.11.9")."""
    return platform.python_version()


def package_name(requirement: str) -> str:
    """The name a requirement is about: 'scikit-learn' of 'scikit-learn==0.22.1'."""
    if requirement.endswith(".whl"):
        return requirement.rsplit("/", 1)[-1].split("-", 1)[0]
    return _NAME_END.split(requirement, maxsplit=1)[0].strip()


def is_sdk_package(requirement: str) -> bool:
    """An Azure ML SDK package (`azureml-defaults`, `azureml-core`, ...)."""
    name = package_name(requirement).lower().replace("_", "-")
    return name == SDK_PREFIX or name.startswith(SDK_PREFIX + "-")


def find_conda() -> str | None:
    """The conda-compatible tool on PATH (micromamba, mamba or conda), or None."""
    for variable in ("MAMBA_EXE", "CONDA_EXE"):
        path = os.environ.get(variable)
        if path and os.access(path, os.X_OK):
            return path
    for tool in CONDA_TOOLS:
        path = shutil.which(tool)
        if path:
            return path
    return None


def _check_str(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} {short_repr(value)} must be a non-empty str")
    return value.strip()


class CondaDependencies:
    """The packages of an environment: conda packages, pip packages and options, channels.

    >>> cd = CondaDependencies.create(pip_packages=["six"], conda_packages=["numpy"])
    >>> cd.pip_packages, cd.conda_packages[1:]
    (['six'], ['numpy'])

    `conda_packages` includes the `python=X.Y` pin, as Azure's does. The lists
    returned are copies; change the object through its methods.
    """

    def __init__(
        self,
        conda_dependencies_file_path: str | os.PathLike[str] | None = None,
        _underlying_structure: dict[str, Any] | None = None,
    ) -> None:
        if conda_dependencies_file_path is not None:
            path = Path(conda_dependencies_file_path)
            if not path.is_file():
                raise ValidationError(f"conda file {str(path)!r} does not exist")
            import yaml  # read when used: `import runwatch` stays light

            try:
                document = yaml.safe_load(path.read_text("utf-8"))
            except yaml.YAMLError as error:
                raise ValidationError(
                    f"conda file {str(path)!r} is not valid YAML: {error}"
                ) from None
            where = f"conda file {str(path)!r}"
        elif _underlying_structure is not None:
            document = copy.deepcopy(_underlying_structure)
            where = "conda dependencies"
        else:
            document = {
                "name": "project_environment",
                PACKAGES: [f"python={current_python_version()}", {PIP: ["azureml-defaults"]}],
                CHANNELS: ["anaconda", "conda-forge"],
            }
            where = ""
        self._doc: dict[str, Any] = _checked(document, where)

    # --- construction -------------------------------------------------------------
    @staticmethod
    def create(
        pip_indexurl: str | None = None,
        pip_packages: Iterable[str] | None = None,
        conda_packages: Iterable[str] | None = None,
        python_version: str | None = None,
        pin_sdk_version: bool = True,
        channels: Iterable[str] | None = None,
    ) -> CondaDependencies:
        """Dependencies with these packages.

        Without `pip_packages` the pip section is Azure's `azureml-defaults` (which
        runwatch skips when it builds); `python_version` defaults to this
        interpreter's. `pin_sdk_version` is accepted for Azure code: runwatch
        installs no Azure SDK packages, so there is nothing to pin.
        `pip_indexurl` adds `--extra-index-url <url>` to the pip options.
        """
        cd = CondaDependencies()
        if pip_indexurl:
            cd.set_pip_option(f"--extra-index-url {_check_str(pip_indexurl, 'pip_indexurl')}")
        cd.set_python_version(python_version or current_python_version())
        if pip_packages is not None:
            for package in cd.pip_packages:
                cd.remove_pip_package(package)
            for package in _strings(pip_packages, "pip_packages"):
                cd.add_pip_package(package)
        for package in _strings(conda_packages or [], "conda_packages"):
            cd.add_conda_package(package)
        for channel in _strings(channels or [], "channels"):
            cd.add_channel(channel)
        return cd

    @staticmethod
    def merge_requirements(requirements: Iterable[str]) -> list[str]:
        """One requirement per package, its version constraints joined by commas."""
        merged: dict[str, list[str]] = {}
        for requirement in _strings(requirements, "requirements"):
            name = package_name(requirement)
            merged.setdefault(name, []).append(requirement[len(name) :].strip())
        return [
            name + ",".join(c for c in constraints if c) for name, constraints in merged.items()
        ]

    # --- reading ------------------------------------------------------------------
    @property
    def conda_channels(self) -> list[str]:
        return list(self._doc.get(CHANNELS) or [])

    @property
    def conda_packages(self) -> list[str]:
        return [item for item in self._doc.get(PACKAGES) or [] if isinstance(item, str)]

    @property
    def pip_packages(self) -> list[str]:
        return [item for item in self._pip_section() if not item.startswith("-")]

    @property
    def pip_options(self) -> list[str]:
        return [item for item in self._pip_section() if item.startswith("-")]

    def get_python_version(self) -> str | None:
        """The version of the `python` conda package ("3.11.9"), or None."""
        index = self._python_index()
        if index is None:
            return None
        match = _VERSION.search(self._doc[PACKAGES][index])
        return match.group() if match else None

    # --- changing -----------------------------------------------------------------
    def set_python_version(self, version: str) -> None:
        pin = f"python={_check_str(version, 'python version')}"
        index = self._python_index()
        packages = self._doc.setdefault(PACKAGES, [])
        if index is None:
            packages.insert(0, pin)
        else:
            packages[index] = pin

    def add_channel(self, channel: str) -> None:
        channel = _check_str(channel, "conda channel")
        channels = self._doc.setdefault(CHANNELS, [])
        if channel not in channels:
            channels.append(channel)

    def remove_channel(self, channel: str) -> None:
        channels = self._doc.get(CHANNELS) or []
        if channel in channels:
            channels.remove(channel)

    def add_conda_package(self, conda_package: str) -> None:
        """Add a conda package; a `python...` package sets the Python version instead."""
        package = _check_str(conda_package, "conda package")
        if package_name(package) == "python":
            match = _VERSION.search(package)
            if match is None:
                raise ValidationError(f"conda package {package!r}: expected python=X.Y[.Z]")
            self.set_python_version(match.group())
            return
        packages = self._doc.setdefault(PACKAGES, [])
        if package not in packages:
            # Before the pip section, as conda files are usually written.
            where = next((i for i, item in enumerate(packages) if isinstance(item, dict)), None)
            packages.insert(len(packages) if where is None else where, package)

    def remove_conda_package(self, conda_package: str) -> None:
        packages = self._doc.get(PACKAGES) or []
        if conda_package in packages:
            if package_name(conda_package) == "python":
                raise ValidationError("python must not be removed from conda dependencies")
            packages.remove(conda_package)

    def add_pip_package(self, pip_package: str) -> None:
        """Add a pip requirement; one already there for the same package is replaced."""
        package = _check_str(pip_package, "pip package")
        if package.startswith("-"):
            raise ValidationError(
                f"pip package {package!r} is an option; add it with set_pip_option"
            )
        self.remove_pip_package(package)
        self._pip_list().append(package)

    def remove_pip_package(self, pip_package: str) -> None:
        package = _check_str(pip_package, "pip package")
        if package.startswith("-"):
            raise ValidationError(f"pip package {package!r} is an option, not a package")
        name = package_name(package)
        section = self._pip_section()
        for item in [i for i in section if not i.startswith("-") and package_name(i) == name]:
            section.remove(item)

    def set_pip_option(self, pip_option: str) -> None:
        """Add a pip option (`--extra-index-url URL`); one with the same flag is replaced."""
        option = _check_str(pip_option, "pip option")
        if not option.startswith("-"):
            raise ValidationError(f"pip option {option!r} must start with '-'")
        section = self._pip_list()
        flag = option.split()[0]
        for i, item in enumerate(section):
            if item.startswith("-") and item.split()[0] == flag:
                section[i] = option
                return
        section.append(option)

    def remove_pip_option(self, pip_option: str) -> None:
        option = _check_str(pip_option, "pip option")
        if not option.startswith("-"):
            raise ValidationError(f"pip option {option!r} must start with '-'")
        section = self._pip_section()
        for item in [i for i in section if i.startswith("-") and i.split()[0] == option.split()[0]]:
            section.remove(item)

    def set_pip_index_url(self, index_url: str) -> None:
        self.set_pip_option(index_url)

    def set_pip_requirements(self, pip_requirements: Iterable[str]) -> None:
        """Replace the whole pip section (packages and options)."""
        requirements = _strings(pip_requirements, "pip_requirements")
        section = self._pip_list()
        section[:] = requirements

    # --- writing ------------------------------------------------------------------
    def serialize_to_string(self) -> str:
        """The conda environment file, as YAML."""
        import yaml

        text: str = yaml.safe_dump(self._doc, sort_keys=False, default_flow_style=False)
        return text

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the conda file to `path` (a file in an existing folder); returns the path."""
        target = Path(path)
        if target.is_dir():
            raise ValidationError(f"conda file path {str(path)!r} is a folder; name a file")
        if not target.parent.is_dir():
            raise ValidationError(f"conda file path {str(path)!r}: its folder does not exist")
        self._validate()
        target.write_text(self.serialize_to_string(), encoding="utf-8")
        return str(target)

    def save_to_file(
        self, base_directory: str | os.PathLike[str], conda_file_path: str | None = None
    ) -> str:
        """Write the conda file under `base_directory`; returns its relative path."""
        relative = conda_file_path or "conda_dependencies.yml"
        self.save(Path(base_directory) / relative)
        return relative

    def as_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._doc)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CondaDependencies) and other._doc == self._doc

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CondaDependencies({self._doc!r})"

    # --- helpers ------------------------------------------------------------------
    def _python_index(self) -> int | None:
        for i, item in enumerate(self._doc.get(PACKAGES) or []):
            if isinstance(item, str) and package_name(item) == "python":
                return i
        return None

    def _pip_section(self) -> list[str]:
        for item in self._doc.get(PACKAGES) or []:
            if isinstance(item, dict) and PIP in item:
                section: list[str] = item[PIP]
                return section
        return []

    def _pip_list(self) -> list[str]:
        """The pip section, made if there is none."""
        packages = self._doc.setdefault(PACKAGES, [])
        for item in packages:
            if isinstance(item, dict) and PIP in item:
                section: list[str] = item[PIP]
                return section
        section = []
        packages.append({PIP: section})
        return section

    def _validate(self) -> None:
        if self._python_index() is None:
            raise ValidationError(
                "conda dependencies have no python package; call set_python_version('3.11')"
            )


def _strings(values: Iterable[str], what: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError(f"{what} {short_repr(values)} must be a list of str")
    return [_check_str(value, f"{what} item") for value in values]


def _checked(document: object, where: str) -> dict[str, Any]:
    """A conda document's shape: a mapping of known keys; the pip section a list of str."""
    if not isinstance(document, dict):
        raise ValidationError(f"{where}: expected a YAML mapping, got {short_repr(document)}")
    unknown = [key for key in document if key not in _KEYS]
    if unknown:
        raise ValidationError(f"{where}: unknown keys {unknown}; a conda file has {list(_KEYS)}")
    packages = document.get(PACKAGES) or []
    if not isinstance(packages, list):
        raise ValidationError(f"{where}: 'dependencies' must be a list, got {short_repr(packages)}")
    for item in packages:
        if isinstance(item, dict):
            section = item.get(PIP)
            if list(item) != [PIP] or not isinstance(section, list):
                raise ValidationError(f"{where}: dependency {short_repr(item)} is not a pip list")
            item[PIP] = [str(entry) for entry in section]
        elif not isinstance(item, str):
            raise ValidationError(f"{where}: dependency {short_repr(item)} is not a str")
    channels = document.get(CHANNELS)
    if channels is not None and not isinstance(channels, list):
        raise ValidationError(f"{where}: 'channels' must be a list, got {short_repr(channels)}")
    return document
