"""Building environments: which interpreter runs a submitted script.

The description (`Environment`, `CondaDependencies`) is in
`runwatch.tracking._environments`; this module builds what its definition asks
for. A user-managed environment uses an existing interpreter. A managed one is
a virtualenv with its pip packages or, when it has conda packages (or another
Python), a conda environment made with micromamba, mamba or conda. Each is
created once per distinct content (keyed by a hash) under `RUNWATCH_ENV_CACHE`
and reused. Azure ML's own packages (`azureml-*`) are never installed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runwatch.core import _settings
from runwatch.errors import ConfigError
from runwatch.tracking._conda import CondaDependencies, find_conda
from runwatch.tracking._environments import (
    DockerSection,
    Environment,
    PythonSection,
    default_definition,
)

__all__ = [
    "CondaDependencies",
    "DockerSection",
    "Environment",
    "PythonSection",
    "default_definition",
    "prepare",
]

# The folder holding the `runwatch` package (this file is runwatch/submit/_environment.py).
_RUNWATCH_SRC = str(Path(__file__).resolve().parents[2])

# What `from runwatch import Run` needs in a managed environment: runwatch itself is made
# importable through a .pth file, its dependencies for logging are installed.
_LOGGING_REQUIREMENTS = ("fsspec", "psutil")


def prepare(definition: dict[str, Any], log: Callable[[str], None]) -> str:
    """The interpreter for `definition`, building its environment first if needed."""
    if definition["user_managed"]:
        return str(definition["interpreter"])
    if definition.get("conda"):
        return _prepare_conda(definition, log)
    options = list(definition.get("pip_options") or [])
    key = _key([definition["interpreter"], sorted(definition["pip_packages"]), *options])
    root = Path(_settings.environment_cache()) / key
    python = root / "bin" / "python"
    if (root / ".complete").exists():
        log(f"using the cached environment {root}")
        return str(python)
    log(f"building environment {definition['name']!r} in {root}")
    _log_skipped(definition, log)
    root.parent.mkdir(parents=True, exist_ok=True)
    _run([definition["interpreter"], "-m", "venv", "--clear", str(root)], log)
    requirements = [*_LOGGING_REQUIREMENTS, *definition["pip_packages"]]
    _pip_install(python, requirements, options, log)
    _finish(root, python, definition, log)
    return str(python)


def _prepare_conda(definition: dict[str, Any], log: Callable[[str], None]) -> str:
    """A conda environment from the definition's conda spec, made by the tool on PATH."""
    spec = definition["conda"]
    root = Path(_settings.environment_cache()) / ("conda-" + _key(spec))
    python = root / "bin" / "python"
    if (root / ".complete").exists():
        log(f"using the cached environment {root}")
        return str(python)
    tool = find_conda()
    if tool is None:
        raise ConfigError(
            f"environment {definition['name']!r} needs micromamba, mamba or conda to build "
            "its conda packages, and none is on the agent's PATH"
        )
    log(f"building conda environment {definition['name']!r} in {root} with {tool}")
    _log_skipped(definition, log)
    root.parent.mkdir(parents=True, exist_ok=True)
    import yaml  # only here: a managed virtualenv need not have it

    spec_file = root.parent / f"{root.name}.yml"
    spec_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    if Path(tool).name.startswith("micromamba"):
        command = [tool, "create", "--yes", "--prefix", str(root), "--file", str(spec_file)]
    else:
        command = [tool, "env", "create", "--prefix", str(root), "--file", str(spec_file)]
    _run(command, log)
    _pip_install(python, list(_LOGGING_REQUIREMENTS), [], log)
    _finish(root, python, definition, log)
    return str(python)


def _key(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def _log_skipped(definition: dict[str, Any], log: Callable[[str], None]) -> None:
    for package in definition.get("skipped") or []:
        log(f"not installing {package}: Azure ML's own packages are not used by runwatch")


def _pip_install(
    python: Path, requirements: list[str], options: list[str], log: Callable[[str], None]
) -> None:
    flags = [part for option in options for part in option.split()]
    _run([str(python), "-m", "pip", "install", "--progress-bar", "off", *flags, *requirements], log)


def _finish(
    root: Path, python: Path, definition: dict[str, Any], log: Callable[[str], None]
) -> None:
    """Make runwatch importable in the new environment and mark it complete."""
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
