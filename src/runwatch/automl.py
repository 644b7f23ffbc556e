"""AutoML, as in azureml.train.automl: `AutoMLConfig` and `AutoMLRun`.

Install the engine with `pip install 'runwatch[automl]'`.
"""

from runwatch.submit.automl._config import AutoMLConfig
from runwatch.submit.automl._run import AutoMLRun

__all__ = ["AutoMLConfig", "AutoMLRun"]
