"""`RunConfiguration`, as `azureml.core.runconfig` has it (see `runwatch port`)."""

from runwatch.submit._runconfig import RunConfiguration
from runwatch.tracking._environments import DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE

__all__ = ["DEFAULT_CPU_IMAGE", "DEFAULT_GPU_IMAGE", "RunConfiguration"]
