"""`export_to_tensorboard`, as `azureml.tensorboard.export` has it (see `runwatch port`)."""

from runwatch.tracking._tensorboard import export_to_tensorboard

__all__ = ["export_to_tensorboard"]
