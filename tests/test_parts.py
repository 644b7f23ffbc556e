"""`_parts.require`: a missing part skips its test, or fails it when required."""

from __future__ import annotations

import pytest

from _parts import PARTS, REQUIRE_ALL_ENV, REQUIRE_POSTGRES_ENV, WITHOUT_ENV, require


@pytest.fixture(autouse=True)
def _nothing_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ALL_ENV, raising=False)
    monkeypatch.delenv(REQUIRE_POSTGRES_ENV, raising=False)
    monkeypatch.setenv(WITHOUT_ENV, "rclone, psycopg")


def test_a_missing_part_skips_saying_what_to_install() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"rclone is missing .*install: pip"):
        require("rclone")


def test_required_everything_fails_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ALL_ENV, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        require("rclone")
    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith("rclone is missing (hidden by RUNWATCH_TEST_WITHOUT)")
    assert f"{REQUIRE_ALL_ENV}=1 requires it; install: " in message


def test_postgres_alone_can_be_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_POSTGRES_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=rf"{REQUIRE_POSTGRES_ENV}=1 requires it"):
        require("psycopg")
    with pytest.raises(pytest.skip.Exception):
        require("rclone")


def test_a_part_that_is_there_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WITHOUT_ENV, "")
    monkeypatch.setenv(REQUIRE_ALL_ENV, "1")
    require("s3fs")  # a dev dependency
    assert set(PARTS) >= {"chromium", "postgresql", "psycopg", "s3fs", "moto server", "rclone"}
    assert set(PARTS) >= {"dask", "node", "playwright"}
