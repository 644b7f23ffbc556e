"""runwatch: a local-first experiment tracker with an Azure ML SDK v1 style API.

>>> import tempfile
>>> from runwatch import Workspace, Experiment, Run
>>> ws = Workspace("demo", store=f"sqlite:///{tempfile.mkdtemp()}/runwatch.db")
>>> with Experiment(ws, "demo").start_logging() as run:
...     for loss in (0.5, 0.25):
...         run.log("loss", loss)
...     run.log_row("scores", epoch=1, f1=0.8)
>>> Run.get(ws, run.id).get_metrics()
{'loss': [0.5, 0.25], 'scores': {'epoch': 1, 'f1': 0.8}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runwatch.core._records import RunStatus
from runwatch.errors import (
    ActivityFailedError,
    ActivityFailedException,
    ConfigError,
    RunNotFoundError,
    RunStateError,
    RunwatchError,
    StoreError,
    ValidationError,
)
from runwatch.submit._runconfig import RunConfiguration
from runwatch.submit._script import LocalCompute, ScriptRunConfig

# ... and the AutoML module `AutoMLRun` as the class of AutoML searches.
from runwatch.submit.automl._run import AutoMLRun

# Importing the sweep module registers `HyperDriveRun` as the class of sweep runs.
from runwatch.submit.sweep._run import HyperDriveRun as _HyperDriveRun  # noqa: F401
from runwatch.tracking._conda import CondaDependencies
from runwatch.tracking._environments import Environment
from runwatch.tracking._experiment import Experiment
from runwatch.tracking._metrics import ImageRef
from runwatch.tracking._models import Model
from runwatch.tracking._run import Run
from runwatch.tracking._workspace import Workspace

if TYPE_CHECKING:  # what __getattr__ below loads on first use
    from runwatch.submit._dask_compute import DaskCompute
    from runwatch.submit.automl._config import AutoMLConfig
    from runwatch.submit.automl._dataset import Dataset, TabularDataset
    from runwatch.tracking._copy_runs import copy_runs
    from runwatch.tracking._tensorboard import Tensorboard, export_to_tensorboard
    from runwatch.widgets import ExperimentDetails, RunDetails

__version__ = "0.1.0"
#: As `azureml.core.VERSION`: the installed version, which samples print first.
VERSION = __version__


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The jupyter_server extension (the REST API the JupyterLab sidebar reads)."""
    return [{"module": "runwatch.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """The prebuilt JupyterLab extension (the sidebar), built by npm into labextension/."""
    return [{"src": "labextension", "dest": "runwatch"}]


# Loaded on first use, so `import runwatch` stays light: the widgets pull in ipywidgets,
# anywidget and bqplot; copying and Dask are needed by few programs.
_LAZY = {
    "RunDetails": "widgets",
    "ExperimentDetails": "widgets",
    "copy_runs": "tracking._copy_runs",
    "DaskCompute": "submit._dask_compute",
    "Tensorboard": "tracking._tensorboard",
    "export_to_tensorboard": "tracking._tensorboard",
    "AutoMLConfig": "submit.automl._config",
    "Dataset": "submit.automl._dataset",
    "TabularDataset": "submit.automl._dataset",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'runwatch' has no attribute {name!r}")


__all__ = [
    "ActivityFailedError",
    "ActivityFailedException",
    "AutoMLConfig",
    "AutoMLRun",
    "CondaDependencies",
    "ConfigError",
    "DaskCompute",
    "Dataset",
    "Environment",
    "Experiment",
    "ExperimentDetails",
    "ImageRef",
    "LocalCompute",
    "Model",
    "Run",
    "RunConfiguration",
    "RunDetails",
    "RunNotFoundError",
    "RunStateError",
    "RunStatus",
    "RunwatchError",
    "ScriptRunConfig",
    "StoreError",
    "TabularDataset",
    "Tensorboard",
    "ValidationError",
    "Workspace",
    "copy_runs",
    "export_to_tensorboard",
]
