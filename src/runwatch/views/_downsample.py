"""Display downsampling that keeps spikes: per bucket, the minimum and the maximum.

A series longer than the budget is cut into `budget // 2` buckets of equal
width; each bucket contributes the points holding its smallest and its
largest value, in the order they occur. So every spike that is a bucket's
extreme stays visible, and the global minimum and maximum always do. O(n).
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_BUDGET = 2000


def minmax(x: Any, y: Any, budget: int = DEFAULT_BUDGET) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) reduced to at most `budget` points, keeping each bucket's min and max."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    n = len(ys)
    if n <= budget:
        return xs, ys
    keep = extremes(ys, -(-n // max(1, budget // 2)))  # buckets of ceil(n / (budget // 2))
    return xs[keep], ys[keep]


def extremes(ys: np.ndarray, width: int) -> np.ndarray:
    """The indices, in order, of each `width`-wide bucket's smallest and largest value."""
    n = len(ys)
    buckets = -(-n // width)
    padded = buckets * width
    # NaNs (and the padding) are gaps, not extremes: make them lose both contests.
    low = np.full(padded, np.inf)
    high = np.full(padded, -np.inf)
    finite = ~np.isnan(ys)
    low[:n][finite] = ys[finite]
    high[:n][finite] = ys[finite]
    offsets = np.arange(buckets) * width
    mins = offsets + low.reshape(buckets, width).argmin(axis=1)
    maxs = offsets + high.reshape(buckets, width).argmax(axis=1)
    keep = np.unique(np.concatenate([mins, maxs]))
    return keep[keep < n]
