"""Environments: which Python runs a submitted script.

`python.user_managed_dependencies = True` uses an existing interpreter: the
submitting process's, or `python.interpreter_path`. Otherwise runwatch
manages a virtualenv built from pip requirements, created once per distinct
content (keyed by a hash of the packages and the base interpreter) under
`RUNWATCH_ENV_CACHE` and reused. Conda and Docker are not supported here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runwatch.core import _settings
from runwatch.core._values import short_repr
from runwatch.errors import ConfigError, ValidationError

# The folder holding the `runwatch` package (this file is runwatch/submit/_environment.py).
_RUNWATCH_SRC = str(Path(__file__).resolve().parents[2])

# What `from runwatch import Run` needs in a managed environment: runwatch itself is made
# importable through a .pth file, its dependencies for logging are installed.
_LOGGING_REQUIREMENTS = ("fsspec", "psutil")


class PythonSection:
    """`environment.python`: interpreter and packages."""

    def __init__(self) -> None:
        self.user_managed_dependencies = False
        self.interpreter_path: str | None = None
        self.pip_packages: list[str] = []
        self.conda_dependencies: Any = None


class DockerSection:
    """`environment.docker`: accepted so Azure code loads; enabling it is refused."""

    def __init__(self) -> None:
        self.enabled = False
        self.base_image: str | None = None


class Environment:
    """A named Python environment for submitted scripts.

    >>> env = Environment("sklearn")
    >>> env.python.user_managed_dependencies = True
    >>> env.python.interpreter_path = None      # the submitting interpreter
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValidationError(f"environment name {short_repr(name)} must be a non-empty str")
        self.name = name
        self.python = PythonSection()
        self.docker = DockerSection()
        self.environment_variables: dict[str, str] = {}

    @classmethod
    def from_pip_requirements(cls, name: str, file_path: str | os.PathLike[str]) -> Environment:
        """A managed environment with the packages of a pip requirements file."""
        path = Path(file_path)
        if not path.is_file():
            raise ValidationError(f"requirements file {str(file_path)!r} does not exist")
        env = cls(name)
        # pip's own rules: a comment starts at '#' after whitespace (or at line start).
        lines = (
            re.sub(r"(^|\s)#.*$", "", line).strip() for line in path.read_text("utf-8").splitlines()
        )
        env.python.pip_packages = [line for line in lines if line]
        return env

    @classmethod
    def from_conda_specification(cls, name: str, file_path: str) -> Environment:
        raise ConfigError(_NO_CONDA)

    def to_definition(self) -> dict[str, Any]:
        """A JSON-ready description, checked for what this machine can run."""
        if self.python.conda_dependencies is not None:
            raise ConfigError(_NO_CONDA)
        if self.docker.enabled or self.docker.base_image:
            raise ConfigError(
                f"environment {self.name!r} asks for Docker, which runwatch does not run; "
                "use a managed environment (python.pip_packages or "
                "Environment.from_pip_requirements) or a user-managed interpreter"
            )
        packages = self.python.pip_packages
        if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
            raise ValidationError(
                f"environment {self.name!r}: python.pip_packages {short_repr(packages)} must "
                "be a list of requirement strings"
            )
        interpreter = self.python.interpreter_path
        if interpreter is not None and not Path(interpreter).is_file():
            raise ValidationError(
                f"environment {self.name!r}: python.interpreter_path {interpreter!r} does not exist"
            )
        return {
            "name": self.name,
            "user_managed": bool(self.python.user_managed_dependencies),
            "interpreter": interpreter or sys.executable,
            "pip_packages": list(packages),
            "variables": {str(k): str(v) for k, v in self.environment_variables.items()},
        }

    def __repr__(self) -> str:
        return f"Environment(name={self.name!r})"


_NO_CONDA = (
    "conda environments are not supported by runwatch; list the packages in "
    "python.pip_packages (or Environment.from_pip_requirements) for a managed virtualenv, "
    "or set python.user_managed_dependencies = True to use an existing interpreter"
)


def default_definition() -> dict[str, Any]:
    """No environment given: the submitting interpreter, as Azure's local runs do."""
    env = Environment("default")
    env.python.user_managed_dependencies = True
    return env.to_definition()


def prepare(definition: dict[str, Any], log: Callable[[str], None]) -> str:
    """The interpreter for `definition`, building its virtualenv first if needed."""
    if definition["user_managed"]:
        return str(definition["interpreter"])
    key = hashlib.sha256(
        json.dumps([definition["interpreter"], sorted(definition["pip_packages"])]).encode()
    ).hexdigest()[:16]
    root = Path(_settings.environment_cache()) / key
    python = root / "bin" / "python"
    if (root / ".complete").exists():
        log(f"using the cached environment {root}")
        return str(python)
    log(f"building environment {definition['name']!r} in {root}")
    root.parent.mkdir(parents=True, exist_ok=True)
    _run([definition["interpreter"], "-m", "venv", "--clear", str(root)], log)
    requirements = [*_LOGGING_REQUIREMENTS, *definition["pip_packages"]]
    _run([str(python), "-m", "pip", "install", "--progress-bar", "off", *requirements], log)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # runwatch itself comes from the installation that submitted the run.
    Path(site, "runwatch-source.pth").write_text(_RUNWATCH_SRC + "\n", encoding="utf-8")
    (root / ".complete").write_text(json.dumps(definition, indent=1), encoding="utf-8")
    log("environment ready")
    return str(python)


def _run(command: list[str], log: Callable[[str], None]) -> None:
    log("$ " + " ".join(command))
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    for line in process.stdout:
        log(line.rstrip("\n"))
    if process.wait() != 0:
        raise ConfigError(
            f"building the environment failed: {' '.join(command)} exited with {process.returncode}"
        )
