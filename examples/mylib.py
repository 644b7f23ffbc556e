"""Helpers shared by the examples (the `mylib` of Azure ML's train-on-local sample)."""

from __future__ import annotations


def get_alphas() -> list[float]:
    """Regularisation strengths to try: 0.0 to 0.95 in steps of 0.05."""
    return [round(0.05 * i, 2) for i in range(20)]
