"""runwatch: a local-first experiment tracker with an Azure ML SDK v1 style API.

>>> from runwatch import Workspace, Experiment, Run    # doctest: +SKIP
>>> ws = Workspace.from_config()                      # doctest: +SKIP
>>> run = Experiment(ws, "demo").start_logging()      # doctest: +SKIP
>>> run.log("loss", 0.25)                             # doctest: +SKIP
"""

from __future__ import annotations

from ._entities import RunStatus
from ._experiment import Experiment
from ._metrics import ImageRef
from ._run import Run
from ._workspace import Workspace
from .errors import (
    ConfigError,
    RunNotFoundError,
    RunStateError,
    RunwatchError,
    StoreError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Experiment",
    "ImageRef",
    "Run",
    "RunNotFoundError",
    "RunStateError",
    "RunStatus",
    "RunwatchError",
    "StoreError",
    "ValidationError",
    "Workspace",
]
