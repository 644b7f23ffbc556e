"""`HyperDriveRun` and `PrimaryMetricGoal`, as `azureml.train.hyperdrive.run` has them."""

from runwatch.submit.sweep._run import HyperDriveRun, PrimaryMetricGoal

__all__ = ["HyperDriveRun", "PrimaryMetricGoal"]
