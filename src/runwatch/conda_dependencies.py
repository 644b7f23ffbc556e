"""`CondaDependencies`, as `azureml.core.conda_dependencies` has it (see `runwatch port`)."""

from runwatch.tracking._conda import CondaDependencies

__all__ = ["CondaDependencies"]
