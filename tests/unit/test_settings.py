"""Settings are read from the environment when used."""

from __future__ import annotations

import pytest

from runwatch.core import _settings


def test_flush_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNWATCH_FLUSH_INTERVAL", raising=False)
    assert _settings.flush_interval() == 0.5
    monkeypatch.setenv("RUNWATCH_FLUSH_INTERVAL", "0.2")
    assert _settings.flush_interval() == 0.2
    monkeypatch.setenv("RUNWATCH_FLUSH_INTERVAL", "soon")
    with pytest.raises(ValueError, match="RUNWATCH_FLUSH_INTERVAL='soon'"):
        _settings.flush_interval()
    monkeypatch.setenv("RUNWATCH_FLUSH_INTERVAL", "-1")
    with pytest.raises(ValueError, match="greater than 0"):
        _settings.flush_interval()


def test_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWATCH_QUIET", "0")
    assert not _settings.quiet()
    monkeypatch.setenv("RUNWATCH_QUIET", "1")
    assert _settings.quiet()
