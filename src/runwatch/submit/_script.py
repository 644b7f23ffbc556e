"""Submitting scripts: `ScriptRunConfig`, the local compute target, `submit_script`.

`experiment.submit(config)` checks the config, snapshots the source folder,
records the run as Queued with a definition of what to execute, makes sure
the workspace's local agent is running (`_launcher`), and returns at once. The
agent, a separate process, starts the script when a slot is free, so runs go
on after the submitting kernel exits.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwatch.artifacts import _snapshots as _snapshot
from runwatch.core import _settings
from runwatch.core._records import RunStatus, RunType
from runwatch.core._values import short_repr
from runwatch.errors import ValidationError
from runwatch.submit import _launcher
from runwatch.submit._runconfig import RunConfiguration
from runwatch.tracking._environments import Environment, default_definition
from runwatch.tracking._run import Run

if TYPE_CHECKING:
    from runwatch.submit._dask_compute import DaskCompute
    from runwatch.tracking._experiment import Experiment

LOCAL = "local"


class LocalCompute:
    """The local compute target: `slots` runs at once (default: the CPU count)."""

    def __init__(self, name: str = LOCAL, slots: int | None = None) -> None:
        if slots is not None and (type(slots) is not int or slots < 1):
            raise ValidationError(f"LocalCompute slots {short_repr(slots)} must be an int >= 1")
        self.name = name
        self.slots = slots

    def to_definition(self) -> dict[str, Any]:
        return {"kind": "local", "name": self.name, "slots": self.slots or _settings.local_slots()}


class ScriptRunConfig:
    """What to run: a script (or a command) in a source folder, with arguments.

    Arguments may be str, int or float; the script receives them as strings.
    `run_config` (a `RunConfiguration`) holds the environment, compute target,
    arguments and time limit: `environment`, `compute_target`, `arguments` and
    `max_run_duration_seconds` here are its `environment`, `target`, `arguments`
    and `max_run_duration_seconds`, so `src.run_config.environment = env`
    changes what is submitted. Given a `run_config`, the environment, compute
    target and time limit passed here are ignored (with a warning), as in Azure.
    """

    def __init__(
        self,
        source_directory: str | os.PathLike[str] = ".",
        script: str | None = None,
        arguments: Sequence[Any] | None = None,
        run_config: RunConfiguration | None = None,
        compute_target: str | LocalCompute | DaskCompute | Any = LOCAL,
        environment: Environment | None = None,
        max_run_duration_seconds: float | None = None,
        command: Sequence[Any] | str | None = None,
        distributed_job_config: Any = None,
    ) -> None:
        if distributed_job_config is not None:
            raise ValidationError(
                "ScriptRunConfig: distributed_job_config (MPI, PyTorch, TensorFlow jobs on "
                "several nodes) is not supported; runwatch runs a script as one process tree on "
                "one machine"
            )
        if run_config is None:
            run_config = RunConfiguration()
            run_config.target = compute_target
            if environment is not None:
                run_config.environment = environment
            run_config.max_run_duration_seconds = max_run_duration_seconds
        elif not isinstance(run_config, RunConfiguration):
            raise ValidationError(
                f"run_config {short_repr(run_config)} must be a runwatch.RunConfiguration"
            )
        elif (
            environment is not None
            or max_run_duration_seconds is not None
            or compute_target not in (None, LOCAL)
        ):
            warnings.warn(
                "ScriptRunConfig: with run_config given, compute_target, environment and "
                "max_run_duration_seconds are ignored; set them on run_config",
                stacklevel=2,
            )
        self.run_config = run_config
        # Given here, script, command and arguments win over run_config's, as in Azure.
        self.script = script if script is not None else (run_config.script or None)
        if command is None:
            command = run_config.command or None
        self.command = command.split() if isinstance(command, str) else command
        if arguments:
            self.arguments = list(arguments)
        if (self.script is None) == (self.command is None):
            raise ValidationError(
                "ScriptRunConfig needs exactly one of script='train.py' or "
                f"command=[...]; got script={short_repr(self.script)}, "
                f"command={short_repr(self.command)}"
            )
        self.source_directory = Path(source_directory)

    @property
    def environment(self) -> Environment | None:
        """`run_config.environment` (by default, the submitting interpreter)."""
        return self.run_config.environment

    @environment.setter
    def environment(self, value: Environment | None) -> None:
        self.run_config.environment = value

    @property
    def compute_target(self) -> Any:
        """`run_config.target`."""
        return self.run_config.target

    @compute_target.setter
    def compute_target(self, value: Any) -> None:
        self.run_config.target = value

    @property
    def arguments(self) -> list[Any]:
        """`run_config.arguments`."""
        return self.run_config.arguments

    @arguments.setter
    def arguments(self, value: Sequence[Any] | None) -> None:
        self.run_config.arguments = list(value or [])

    @property
    def max_run_duration_seconds(self) -> float | None:
        """`run_config.max_run_duration_seconds`."""
        return self.run_config.max_run_duration_seconds

    @max_run_duration_seconds.setter
    def max_run_duration_seconds(self, value: float | None) -> None:
        self.run_config.max_run_duration_seconds = value

    def _submit(
        self, experiment: Experiment, tags: Mapping[str, Any] | None = None, **options: Any
    ) -> Run:
        """`experiment.submit(config)`: queue the run for the workspace's local agent."""
        reject_options(options)
        return submit_script(experiment, self, tags)

    def to_definition(self) -> dict[str, Any]:
        """Check the config and describe it as JSON (the source is snapshotted separately)."""
        source = self.source_directory.expanduser().resolve()
        if not source.is_dir():
            raise ValidationError(
                f"source_directory {str(self.source_directory)!r} is not an existing folder"
            )
        if self.script is not None and not (source / self.script).is_file():
            raise ValidationError(
                f"script {self.script!r} does not exist in source_directory {str(source)!r}"
            )
        arguments = [_argument(value, i) for i, value in enumerate(self.arguments)]
        command = None
        if self.command is not None:
            command = [_argument(value, i) for i, value in enumerate(self.command)]
            if not command:
                raise ValidationError("ScriptRunConfig: command=[] is empty")
        limit = self.max_run_duration_seconds
        if limit is not None and (
            isinstance(limit, bool)
            or not isinstance(limit, (int, float))
            or not math.isfinite(limit)
            or limit <= 0
        ):
            raise ValidationError(
                f"max_run_duration_seconds {short_repr(limit)} must be a number > 0"
            )
        self.run_config.check()
        environment = (
            self.environment.to_definition()
            if self.environment is not None
            else default_definition()
        )
        variables = self.run_config.environment_variables
        if variables:
            # The run configuration's variables win over the environment's.
            environment["variables"] = {
                **environment["variables"],
                **{str(k): str(v) for k, v in variables.items()},
            }
        return {
            "kind": RunType.SCRIPT,
            "script": self.script,
            "command": command,
            "arguments": arguments,
            "environment": environment,
            "compute": compute_definition(self.compute_target),
            "max_run_duration_seconds": limit,
            "source_directory": str(source),
        }


def reject_options(options: Mapping[str, Any]) -> None:
    """`submit()` passes its extra keyword arguments to the config: none are known here."""
    if options:
        raise ValidationError(f"submit() got unexpected arguments {sorted(options)}")


def compute_definition(target: Any) -> dict[str, Any]:
    if target is None or target == LOCAL:
        return LocalCompute().to_definition()
    if hasattr(target, "to_definition"):
        definition: dict[str, Any] = target.to_definition()
        return definition
    raise ValidationError(
        f"compute_target {short_repr(target)} is not supported; expected 'local', a "
        "runwatch.LocalCompute(slots=N) or a runwatch.DaskCompute(scheduler_address)"
    )


def _argument(value: Any, position: int) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValidationError(
            f"argument {position} ({short_repr(value)}, a {type(value).__name__}) is not a "
            "str, int or float"
        )
    return str(value)


def submit_script(
    experiment: Experiment,
    config: ScriptRunConfig,
    tags: Mapping[str, Any] | None = None,
) -> Run:
    """Queue `config` as a new run and return it; the local agent starts it."""
    definition = config.to_definition()
    definition["snapshot"] = _snapshot.take(
        Path(definition["source_directory"]), experiment.workspace.artifacts
    )
    run = queue_run(experiment, definition, tags=tags)
    _launcher.ensure_running(experiment.workspace)
    return run


def queue_run(
    experiment: Experiment,
    definition: dict[str, Any],
    *,
    run_type: str = RunType.SCRIPT,
    parent_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    properties: Mapping[str, Any] | None = None,
) -> Run:
    """Record a run to execute, from its definition, as Queued."""
    if definition["kind"] == RunType.SCRIPT:
        properties = {
            "snapshotId": definition["snapshot"],
            "script": definition["script"] or " ".join(definition["command"]),
            "arguments": " ".join(definition["arguments"]),
            **(properties or {}),
        }
    info = experiment.workspace.store.create_runs(
        experiment.name,
        parent_id=parent_id,
        run_type=run_type,
        status=RunStatus.NOT_STARTED,
        properties=properties,
        definition=definition,
        compute_target=definition["compute"]["name"],
    )[0]
    run = Run._from_info(experiment, info)
    if tags:
        run.set_tags(dict(tags))
    run._set_status(RunStatus.QUEUED)
    return run
