"""Storage options for remote artifact stores, and how storage errors are told."""

from __future__ import annotations

import pytest

from runwatch.artifacts import _s3_options as _remote
from runwatch.errors import ConfigError


def test_references_resolve_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET", "s3cr3t")
    options = _remote.storage_options(
        "s3://b/p", {"key": "k", "secret": "${MY_SECRET}", "region": "eu-west-1", "n": 3}
    )
    assert options["secret"] == "s3cr3t" and options["key"] == "k" and options["n"] == 3
    assert options["client_kwargs"] == {"region_name": "eu-west-1"}
    assert "region" not in options
    assert options["skip_instance_cache"] is True


def test_a_missing_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    with pytest.raises(
        ConfigError, match=r"artifacts_options\['secret'\] refers to .*NOPE_NOT_SET"
    ):
        _remote.storage_options("s3://b/p", {"secret": "${NOPE_NOT_SET}"})


def test_endpoint_from_the_aws_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://general:1")
    assert _remote.storage_options("s3://b", {})["endpoint_url"] == "http://general:1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://s3-only:2")
    assert _remote.storage_options("s3://b", {})["endpoint_url"] == "http://s3-only:2"
    given = {"endpoint_url": "http://given:3"}
    assert _remote.storage_options("s3://b", given)["endpoint_url"] == "http://given:3"


def test_checksum_defaults_can_be_overridden() -> None:
    options = _remote.storage_options(
        "s3://b", {"config_kwargs": {"response_checksum_validation": "when_supported"}}
    )
    assert options["config_kwargs"] == {
        "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_supported",
    }


def test_other_file_systems_get_the_options_as_they_are() -> None:
    assert _remote.storage_options("memory://x", {"a": 1}) == {"a": 1}


def test_urls_in_messages_carry_no_password() -> None:
    assert _remote.public_url("s3://key:secret@bucket/p") == "s3://bucket/p"
    assert _remote.public_url("http://user:pw@host:9000") == "http://host:9000"
    assert _remote.public_url("s3://bucket/p") == "s3://bucket/p"


def test_errors_are_explained() -> None:
    class Fake(Exception):
        response = {"Error": {"Code": "SignatureDoesNotMatch"}}  # noqa: RUF012 - a stand-in

    assert _remote.explain(Fake(), "s3://b/p", "http://e").startswith(
        "artifact store s3://b/p (endpoint http://e): the credentials were refused"
    )
    assert "cannot reach" in _remote.explain(ConnectionRefusedError(), "s3://b/p", None)
    assert (
        _remote.explain(OSError("odd"), "s3://b/p", None) == "artifact store s3://b/p: OSError: odd"
    )
