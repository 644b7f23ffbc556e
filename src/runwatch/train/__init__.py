"""As azureml.train: `runwatch.train.automl`."""
