"""Display downsampling keeps every bucket's extremes."""

from __future__ import annotations

import numpy as np

from runwatch.views._downsample import minmax


def test_short_series_unchanged() -> None:
    x, y = minmax([0, 1, 2], [3.0, 1.0, 2.0], budget=10)
    assert x.tolist() == [0, 1, 2] and y.tolist() == [3.0, 1.0, 2.0]


def test_spikes_survive_and_budget_holds() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=1_000_000)
    spikes = [17, 333_333, 999_999]
    y[spikes] = [50.0, -60.0, 70.0]
    x, out = minmax(np.arange(len(y)), y, budget=2000)
    assert len(out) <= 2000
    for index in spikes:
        assert index in set(x.astype(int).tolist())
    assert out.max() == 70.0 and out.min() == -60.0
    assert np.all(np.diff(x) > 0)  # still in order


def test_every_local_extreme_of_a_spiky_series_is_kept() -> None:
    """A series of isolated spikes, at most one per bucket: each one is drawn."""
    n, budget = 100_000, 2000
    y = np.zeros(n)
    width = -(-n // (budget // 2))
    spikes = np.arange(width // 2, n, width * 3)
    y[spikes] = np.where(np.arange(len(spikes)) % 2, 5.0, -5.0)
    x, _ = minmax(np.arange(n), y, budget=budget)
    assert set(spikes.tolist()) <= set(x.astype(int).tolist())


def test_nan_gaps_do_not_count_as_extremes() -> None:
    y = np.full(10_000, np.nan)
    y[5000] = 1.0
    x, _ = minmax(np.arange(10_000), y, budget=100)
    assert 5000 in x.astype(int).tolist()
