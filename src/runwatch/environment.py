"""`Environment`, as `azureml.core.environment` has it (see `runwatch port`)."""

from runwatch.submit._environment import Environment

__all__ = ["Environment"]
