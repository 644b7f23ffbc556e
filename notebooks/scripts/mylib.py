"""Helpers for the training scripts (Azure ML's train-on-local sample)."""

import numpy as np


def get_alphas():
    """Regularisation strengths to try: 0.0 to 0.95 in steps of 0.05."""
    return np.arange(0.0, 1.0, 0.05)
