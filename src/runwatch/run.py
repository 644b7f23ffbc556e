"""`Run`, as `azureml.core.run` has it (see `runwatch port`)."""

from runwatch.tracking._run import Run

__all__ = ["Run"]
