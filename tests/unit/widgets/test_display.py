"""Streaming display lines: fixed min/max buckets, so new points change only the end."""

from __future__ import annotations

import numpy as np
import pytest

from runwatch.views._display import DisplayLine, bucket_width


def _fresh(xs: list[float], ys: list[float], budget: int) -> DisplayLine:
    line = DisplayLine(budget)
    line.update(xs, ys)
    return line


@pytest.mark.parametrize(
    ("n", "width"), [(0, 1), (2000, 1), (2001, 4), (4000, 4), (4001, 8), (10_000, 16)]
)
def test_bucket_width_keeps_the_budget(n: int, width: int) -> None:
    assert bucket_width(n, 2000) == width
    assert 2 * -(-n // width) <= 2000 or width == 1


@pytest.mark.parametrize("sizes", [[1] * 50, [7, 100, 3, 900, 1, 1, 2500, 40, 333], [5000, 5000]])
def test_streamed_line_equals_the_line_drawn_at_once(sizes: list[int]) -> None:
    """Whatever the appends, the kept points plus each update are the line a fresh
    display draws from the whole series, within the budget, spikes included."""
    rng = np.random.default_rng(1)
    total = sum(sizes)
    ys = rng.normal(size=total)
    ys[rng.choice(total, size=max(1, total // 100), replace=False)] = np.nan
    ys[total // 3] = 99.0  # a spike
    xs = np.arange(total, dtype=float)
    budget = 200
    line = DisplayLine(budget)
    browser_x: np.ndarray = np.empty(0)
    browser_y: np.ndarray = np.empty(0)
    n = 0
    for size in sizes:
        n += size
        update = line.update(list(xs[:n]), list(ys[:n]))
        assert update is not None
        # what the browser does with a `points` message
        browser_x = np.concatenate([browser_x[: update.keep], update.x])
        browser_y = np.concatenate([browser_y[: update.keep], update.y])
        fresh = _fresh(list(xs[:n]), list(ys[:n]), budget)
        assert browser_x.tolist() == fresh.x.tolist() == line.x.tolist()
        np.testing.assert_array_equal(browser_y, fresh.y)
        assert len(browser_x) <= budget
        assert np.all(np.diff(browser_x) > 0)
        if n > total // 3:
            assert 99.0 in browser_y.tolist()


def test_an_update_sends_only_the_end_of_the_line() -> None:
    ys = [float(i % 17) for i in range(10_000)]
    xs = [float(i) for i in range(10_000)]
    line = DisplayLine(2000)
    first = line.update(xs, ys)
    assert first is not None and first.keep == 0 and len(first.x) == len(line.x)
    grown = [float(i % 17) for i in range(10_100)]
    update = line.update([float(i) for i in range(10_100)], grown)
    assert update is not None
    assert update.keep > len(first.x) - 3  # only the last bucket's points are redrawn
    assert len(update.x) <= 2 * (100 // line.width + 2)
    assert line.update([float(i) for i in range(10_100)], grown) is None  # nothing new


def test_a_shorter_series_is_drawn_again() -> None:
    line = DisplayLine(10)
    line.update([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    update = line.update([0.0], [5.0])
    assert update is not None and update.keep == 0 and line.y.tolist() == [5.0]
