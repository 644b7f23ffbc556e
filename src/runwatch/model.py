"""`Model`, as `azureml.core.model` has it (see `runwatch port`)."""

from runwatch.tracking._models import Model

__all__ = ["Model"]
