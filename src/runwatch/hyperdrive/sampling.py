"""Parameter sampling, as `azureml.train.hyperdrive.sampling` has it."""

from runwatch.submit.sweep._sampling import GridParameterSampling, RandomParameterSampling

__all__ = ["GridParameterSampling", "RandomParameterSampling"]
