"""AutoML: `AutoMLConfig`, `AutoMLRun` and tabular datasets (as in azureml.train.automl)."""
