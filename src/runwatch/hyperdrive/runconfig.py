"""`HyperDriveConfig`, as `azureml.train.hyperdrive.runconfig` has it."""

from runwatch.submit.sweep._config import HyperDriveConfig

__all__ = ["HyperDriveConfig"]
