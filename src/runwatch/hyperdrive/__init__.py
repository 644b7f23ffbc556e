"""Sweeps in the style of azureml.train.hyperdrive.

>>> from runwatch.hyperdrive import GridParameterSampling, choice
>>> GridParameterSampling({"--alpha": choice(0.1, 0.5)}).to_json()["kind"]
'grid'
"""

from runwatch.submit.sweep._config import HyperDriveConfig
from runwatch.submit.sweep._policy import BanditPolicy, MedianStoppingPolicy, NoTerminationPolicy
from runwatch.submit.sweep._run import HyperDriveRun, PrimaryMetricGoal
from runwatch.submit.sweep._sampling import (
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
