"""`Environment` and `CondaDependencies`, as `azureml.core.environment` has them
(see `runwatch port`)."""

from runwatch.tracking._conda import CondaDependencies
from runwatch.tracking._environments import (
    DEFAULT_CPU_IMAGE,
    DEFAULT_GPU_IMAGE,
    ContainerRegistry,
    DockerSection,
    Environment,
    PythonSection,
)

__all__ = [
    "DEFAULT_CPU_IMAGE",
    "DEFAULT_GPU_IMAGE",
    "CondaDependencies",
    "ContainerRegistry",
    "DockerSection",
    "Environment",
    "PythonSection",
]
