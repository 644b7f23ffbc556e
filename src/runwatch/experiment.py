"""`Experiment`, as `azureml.core.experiment` has it (see `runwatch port`)."""

from runwatch.tracking._experiment import Experiment

__all__ = ["Experiment"]
