"""`Workspace`, as `azureml.core.workspace` has it (see `runwatch port`)."""

from runwatch.tracking._workspace import Workspace

__all__ = ["Workspace"]
