"""The exceptions runwatch raises.

Every error that comes from bad input names the offending value and says what
was expected. Nothing already logged is lost when one of these is raised.
"""

from __future__ import annotations

__all__ = [
    "ActivityFailedError",
    "ActivityFailedException",
    "ConfigError",
    "RunNotFoundError",
    "RunStateError",
    "RunwatchError",
    "StoreError",
    "ValidationError",
]


class RunwatchError(Exception):
    """Base class of every error raised by runwatch."""


class ValidationError(RunwatchError, ValueError):
    """A value passed to the API is not what the API expects."""


class RunNotFoundError(RunwatchError, LookupError):
    """No run with the given id exists in the store."""


class AssetNotFoundError(RunwatchError, LookupError):
    """No registered model or environment with the given name (and version)."""


class RunStateError(RunwatchError):
    """The run is in a state that does not allow the operation (e.g. it has finished)."""


class ConfigError(RunwatchError):
    """A workspace configuration file or URL cannot be used."""


class StoreError(RunwatchError):
    """The run store cannot be opened or written."""


class ActivityFailedError(RunwatchError):
    """`wait_for_completion` found the run Failed; `.error` holds its error details."""

    def __init__(self, run_id: str, error: dict[str, object]) -> None:
        self.run_id = run_id
        self.error = error
        super().__init__(f"run {run_id} failed: {error.get('message', 'no details')}")


#: The Azure ML SDK's name for the same error.
ActivityFailedException = ActivityFailedError
