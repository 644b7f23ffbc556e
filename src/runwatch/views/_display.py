"""The drawn points of a line while its points stream in, so a refresh sends only
what changed.

`minmax` (in `_downsample`) re-buckets the whole series whenever it grows, so every
drawn point may move. Here the buckets are fixed: bucket k holds points
k*width .. (k+1)*width - 1, with `width` a power of two chosen from the number
of points so that the drawn points stay within the budget. A bucket keeps the
points holding its smallest and its largest value, in the order they occur (a
bucket of width 1 is its point), NaN losing both contests as in `minmax`. New
points change only the last bucket and add buckets after it: an update says
how many drawn points to keep and which points follow them. When the series
outgrows its width, the width doubles and the whole line is drawn again, which
happens once per doubling of the series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from runwatch.views._downsample import DEFAULT_BUDGET, extremes


def bucket_width(n: int, budget: int = DEFAULT_BUDGET) -> int:
    """1 while all `n` points fit, else the smallest power of two that keeps two
    points per bucket within `budget`."""
    if n <= budget:
        return 1
    width = 2
    while 2 * -(-n // width) > budget:
        width *= 2
    return width


@dataclass(frozen=True)
class LineUpdate:
    """Keep the first `keep` drawn points, then draw `x`, `y` after them (`keep` 0:
    the whole line is new)."""

    keep: int
    x: np.ndarray
    y: np.ndarray


class DisplayLine:
    """One line's drawn points, updated from the whole series at each refresh."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.n = 0  # points of the series drawn so far
        self.width = 1
        self.x = np.empty(0)
        self.y = np.empty(0)
        self._bucket = np.empty(0, dtype=np.int64)  # the bucket of each drawn point

    def update(self, xs: Sequence[float], ys: Sequence[float]) -> LineUpdate | None:
        """Draw the series `xs`, `ys` (the points drawn before, then new ones); None
        when it has no new points."""
        n = len(ys)
        if n == self.n and n > 0:
            return None
        width = bucket_width(n, self.budget)
        first_bucket = self.n // width if width == self.width and n > self.n else 0
        start = first_bucket * width
        x, y, bucket = _buckets(xs[start:], ys[start:], width, first_bucket)
        keep = int(np.searchsorted(self._bucket, first_bucket)) if first_bucket else 0
        self.x = np.concatenate([self.x[:keep], x])
        self.y = np.concatenate([self.y[:keep], y])
        self._bucket = np.concatenate([self._bucket[:keep], bucket])
        self.n, self.width = n, width
        return LineUpdate(keep, x, y)


def _buckets(
    xs: Sequence[float], ys: Sequence[float], width: int, first_bucket: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each bucket's min and max points of `xs`, `ys` (which start at bucket
    `first_bucket`), with the bucket of each."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    n = len(y)
    if width == 1 or n == 0:
        return x, y, first_bucket + np.arange(n, dtype=np.int64)
    keep = extremes(y, width)
    return x[keep], y[keep], first_bucket + keep // width
