"""Tabular datasets, as in azureml.core.dataset: `Dataset` and `TabularDataset`."""

from runwatch.submit.automl._dataset import Dataset, TabularDataset

__all__ = ["Dataset", "TabularDataset"]
