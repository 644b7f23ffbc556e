"""Parameter expressions, as `azureml.train.hyperdrive.parameter_expressions` has them."""

from runwatch.submit.sweep._sampling import (
    choice,
    lognormal,
    loguniform,
    normal,
    quniform,
    randint,
    uniform,
)

__all__ = ["choice", "lognormal", "loguniform", "normal", "quniform", "randint", "uniform"]
