"""`RunConfiguration`, as `azureml.core.runconfig` has it: what a run needs besides
its source folder. `ScriptRunConfig` keeps one in `run_config`; its environment,
compute target, arguments and time limit are this object's.

Of Azure's settings, those that mean something on one machine are used:
`script`, `command`, `arguments`, `target`, `environment`,
`environment_variables`, `max_run_duration_seconds`, and `node_count` (1).
`framework` and `communicator` are kept for Azure code to read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from runwatch.core._values import short_repr
from runwatch.errors import ValidationError
from runwatch.tracking._conda import CondaDependencies
from runwatch.tracking._environments import Environment, default_environment

LOCAL = "local"


class RunConfiguration:
    """The settings of a run.

    >>> rc = RunConfiguration(script="train.py", arguments=["--alpha", 0.5])
    >>> rc.target, rc.node_count, rc.environment.python.user_managed_dependencies
    ('local', 1, True)

    The default environment is the submitting interpreter; passing
    `conda_dependencies` makes it a managed environment with those packages.
    """

    def __init__(
        self,
        script: str | None = None,
        arguments: Sequence[Any] | None = None,
        framework: str | None = None,
        communicator: str | None = None,
        conda_dependencies: CondaDependencies | None = None,
        _history_enabled: bool | None = None,
        _path: str | None = None,
        _name: str | None = None,
        command: Sequence[Any] | str | None = None,
    ) -> None:
        self.script = script
        self.command: Sequence[Any] | str = command if command else ""
        self.arguments: list[Any] = list(arguments or [])
        self.framework = framework or "Python"
        self.communicator = communicator or "None"
        self.max_run_duration_seconds: float | None = None
        self.node_count = 1
        self.priority: int | None = None
        self._target: Any = LOCAL
        self.environment: Environment | None = default_environment()
        if conda_dependencies is not None:
            self.environment.python.user_managed_dependencies = False
            self.environment.python.conda_dependencies = conda_dependencies
        self.environment_variables: dict[str, str] = {}

    @property
    def target(self) -> Any:
        """Where the run executes: "local" (the default), a LocalCompute or a DaskCompute."""
        return self._target

    @target.setter
    def target(self, value: Any) -> None:
        self._target = LOCAL if value is None else value

    def check(self) -> None:
        """Refuse what runs on several machines."""
        if self.node_count != 1:
            raise ValidationError(
                f"RunConfiguration.node_count {short_repr(self.node_count)}: runwatch runs a "
                "script on one machine; node_count must be 1"
            )
        if not isinstance(self.environment_variables, dict):
            raise ValidationError(
                f"RunConfiguration.environment_variables {short_repr(self.environment_variables)} "
                "must be a dict of str to str"
            )
        if self.environment is not None and not isinstance(self.environment, Environment):
            raise ValidationError(
                f"RunConfiguration.environment {short_repr(self.environment)} must be a "
                "runwatch.Environment"
            )

    def __repr__(self) -> str:
        target = self.target if isinstance(self.target, str) else getattr(self.target, "name", "")
        environment = self.environment
        return json.dumps(
            {
                "script": self.script,
                "command": self.command,
                "arguments": [str(a) for a in self.arguments],
                "target": target,
                "framework": self.framework,
                "communicator": self.communicator,
                "maxRunDurationSeconds": self.max_run_duration_seconds,
                "nodeCount": self.node_count,
                "environment": None if environment is None else environment._document(),
                "environmentVariables": self.environment_variables,
            },
            indent=4,
        )
