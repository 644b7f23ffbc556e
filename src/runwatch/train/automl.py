"""As azureml.train.automl: `AutoMLConfig` and `AutoMLRun` (the same as `runwatch.automl`)."""

from runwatch.submit.automl._config import AutoMLConfig
from runwatch.submit.automl._run import AutoMLRun

__all__ = ["AutoMLConfig", "AutoMLRun"]
