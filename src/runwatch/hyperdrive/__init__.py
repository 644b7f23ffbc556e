"""Sweeps in the style of azureml.train.hyperdrive.

>>> from runwatch.hyperdrive import GridParameterSampling, choice
>>> GridParameterSampling({"--alpha": choice(0.1, 0.5)}).to_json()["kind"]
'grid'
"""

from ._config import HyperDriveConfig
from ._policy import BanditPolicy, MedianStoppingPolicy, NoTerminationPolicy
from ._sampling import (
    GridParameterSampling,
    RandomParameterSampling,
    choice,
    lognormal,
    loguniform,
    normal,
    quniform,
    randint,
    uniform,
)
from ._sweep_run import HyperDriveRun, PrimaryMetricGoal

__all__ = [
    "BanditPolicy",
    "GridParameterSampling",
    "HyperDriveConfig",
    "HyperDriveRun",
    "MedianStoppingPolicy",
    "NoTerminationPolicy",
    "PrimaryMetricGoal",
    "RandomParameterSampling",
    "choice",
    "lognormal",
    "loguniform",
    "normal",
    "quniform",
    "randint",
    "uniform",
]
